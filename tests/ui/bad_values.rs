#[derive(serde::Serialize, serde::Deserialize)]
struct Item {
    sku: String,
}

fn encode(_: &serde_json::Map<String, serde_json::Value>) -> Result<String, String> {
    Ok(String::new())
}

#[derive(capjure::Entity)]
#[capjure(table = "t", codec = "xml", single_family = "a:b")]
struct Session {
    #[capjure(row_key)]
    id: String,
    #[capjure(rename = "")]
    empty: String,
    #[capjure(primary_key(field = "sku", encode = encode))]
    cart: Vec<Item>,
}

fn main() {}
