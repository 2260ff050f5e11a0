#[derive(capjure::Entity)]
#[capjure(table = "sessions")]
struct Session {
    #[capjure(row_key)]
    id: String,
    #[capjure(primary_key = "sku")]
    item: String,
}

fn main() {}
