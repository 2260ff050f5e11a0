#[derive(capjure::Entity)]
#[capjure(table = "visits")]
struct Visit {
    #[capjure(row_key)]
    shopper: String,
    #[capjure(descending)]
    at: i64,
    #[capjure(row_key, descending)]
    page: String,
}

fn main() {}
