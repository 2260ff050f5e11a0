#[derive(capjure::Entity)]
#[capjure(table = "sessions", compress)]
struct Session {
    #[capjure(row_key, index)]
    id: String,
}

fn main() {}
