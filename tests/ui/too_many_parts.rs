#[derive(capjure::Entity)]
#[capjure(table = "wide")]
struct Wide {
    #[capjure(row_key)]
    a: u8,
    #[capjure(row_key)]
    b: u8,
    #[capjure(row_key)]
    c: u8,
    #[capjure(row_key)]
    d: u8,
    #[capjure(row_key)]
    e: u8,
    #[capjure(row_key)]
    f: u8,
    #[capjure(row_key)]
    g: u8,
    #[capjure(row_key)]
    h: u8,
    #[capjure(row_key)]
    i: u8,
}

fn main() {}
