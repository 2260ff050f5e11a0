#[derive(capjure::Entity)]
#[capjure(table = "pages")]
struct Page {
    #[capjure(row_key, counter)]
    id: u64,
    #[capjure(counter)]
    title: String,
    #[capjure(counter)]
    ratio: f64,
    #[capjure(counter, skip)]
    cached: i64,
    #[capjure(counter)]
    views: i64,
}

fn main() {}
