#[derive(capjure::Entity)]
struct NoTable {
    #[capjure(row_key)]
    id: String,
}

#[derive(capjure::Entity)]
#[capjure(table = "")]
struct EmptyTable {
    #[capjure(row_key)]
    id: String,
}

fn main() {}
