#[derive(capjure::Entity)]
#[capjure(table = "t")]
enum Event {
    Click,
}

#[derive(capjure::Entity)]
#[capjure(table = "t")]
struct Generic<T> {
    #[capjure(row_key)]
    id: String,
    value: T,
}

fn main() {}
