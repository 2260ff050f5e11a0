#[derive(capjure::Entity)]
#[capjure(table = "sessions")]
struct Session {
    #[capjure(row_key, skip)]
    id: String,
}

fn main() {}
