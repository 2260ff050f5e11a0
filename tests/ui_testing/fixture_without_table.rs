use capjure::{Entity, EntityTable};

#[derive(Entity)]
#[capjure(table = "pages")]
struct Page {
    #[capjure(row_key)]
    url: String,
}

#[capjure::test(fixtures("pages", "users", "pages"))]
fn loads(pages: EntityTable<Page, _>) {
    let _ = pages;
}

fn main() {}
