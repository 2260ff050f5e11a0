#[derive(capjure::Entity)]
#[capjure(table = "sessions")]
struct Session {
    #[capjure(row_key)]
    id: String,
    user_agent: String,
    #[capjure(rename = "user_agent")]
    browser: String,
}

fn main() {}
