#[derive(capjure::Entity)]
#[capjure(table = "visits", max_versions = -1, ttl = 0)]
struct Visit {
    #[capjure(row_key)]
    shopper: String,
}

#[derive(capjure::Entity)]
#[capjure(table = "visits", max_versions = "3", ttl = 99999999999)]
struct Other {
    #[capjure(row_key)]
    shopper: String,
}

fn main() {}
