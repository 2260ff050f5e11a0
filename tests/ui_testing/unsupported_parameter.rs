use capjure::{Entity, Table};

#[derive(Entity)]
#[capjure(table = "pages")]
struct Page {
    #[capjure(row_key)]
    url: String,
}

#[capjure::test]
fn wants(count: u32, table: Table<capjure::MemoryStore>, (a, b): (u8, u8)) {}

fn main() {}
