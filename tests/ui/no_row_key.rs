#[derive(capjure::Entity)]
#[capjure(table = "sessions")]
struct Session {
    id: String,
}

fn main() {}
