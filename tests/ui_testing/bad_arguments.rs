#[capjure::test(fixture("pages"))]
fn misspelled() {}

#[capjure::test(fixtures(pages))]
fn not_a_string() {}

#[capjure::test]
async fn not_yet() {}

#[capjure::test]
fn generic<T>() {}

fn main() {}
