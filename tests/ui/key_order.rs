#[derive(capjure::Entity)]
#[capjure(table = "visits")]
struct Duplicate {
    #[capjure(row_key(order = 1))]
    shopper: String,
    #[capjure(row_key(order = 1, descending))]
    at: i64,
}

#[derive(capjure::Entity)]
#[capjure(table = "visits")]
struct Gap {
    #[capjure(row_key(order = 1))]
    shopper: String,
    #[capjure(row_key(order = 3))]
    at: i64,
}

#[derive(capjure::Entity)]
#[capjure(table = "visits")]
struct Partial {
    #[capjure(row_key(order = 2))]
    shopper: String,
    #[capjure(row_key)]
    at: i64,
}

#[derive(capjure::Entity)]
#[capjure(table = "visits")]
struct NotANumber {
    #[capjure(row_key(order = "first"))]
    shopper: String,
}

#[derive(capjure::Entity)]
#[capjure(table = "visits")]
struct Unknown {
    #[capjure(row_key(reversed))]
    shopper: String,
}

fn main() {}
