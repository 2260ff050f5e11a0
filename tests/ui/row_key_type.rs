#[derive(capjure::Entity)]
#[capjure(table = "sessions")]
struct Session {
    #[capjure(row_key)]
    score: f64,
}

#[derive(capjure::Entity)]
#[capjure(table = "sessions")]
struct Tagged {
    #[capjure(row_key)]
    tags: Option<String>,
}

fn main() {}
