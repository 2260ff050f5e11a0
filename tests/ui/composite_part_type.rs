#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
struct Geo {
    country: String,
}

#[derive(capjure::Entity)]
#[capjure(table = "visits")]
struct Visit {
    #[capjure(row_key)]
    shopper: String,
    #[capjure(row_key)]
    score: f64,
    #[capjure(row_key(descending))]
    referrer: Option<String>,
}

#[derive(capjure::Entity)]
#[capjure(table = "visits")]
struct Placed {
    #[capjure(row_key)]
    shopper: String,
    #[capjure(row_key)]
    geo: Geo,
}

fn main() {}
