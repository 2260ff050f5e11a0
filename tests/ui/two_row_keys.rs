#[derive(capjure::Entity)]
#[capjure(table = "sessions")]
struct Session {
    #[capjure(row_key)]
    id: String,
    #[capjure(row_key)]
    other: String,
}

fn main() {}
