//! Primary-key configuration: how the children of an array of maps are told
//! apart.
//!
//! In capjure's layout the child `{license: "ah12001", make: "honda"}` of
//! `cars` becomes the cell `cars_make:ah12001`: the primary key moves into
//! the qualifier. A [`KeyConfig`] says, for each top-level key that holds an
//! array of maps, which field is the primary key and, for composite keys, how
//! to encode a child into a qualifier and decode a qualifier back into the
//! field's value. It is a plain value passed to a [`Mapper`](crate::Mapper):
//! two configurations in one process never see each other.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

/// Encodes a child map into its qualifier string.
pub type EncodeFn = dyn Fn(&Map<String, Value>) -> Result<String, String> + Send + Sync;

/// Decodes a qualifier string back into the primary-key field's value.
pub type DecodeFn = dyn Fn(&str) -> Result<Value, String> + Send + Sync;

/// The primary key of one array of maps.
///
/// ```
/// use capjure::PrimaryKey;
/// use serde_json::json;
///
/// let simple = PrimaryKey::field("license");
/// let child = json!({"license": "ah12001", "make": "honda"});
/// assert_eq!(simple.encode(child.as_object().unwrap()).unwrap(), "ah12001");
/// assert_eq!(simple.decode("ah12001").unwrap(), json!("ah12001"));
/// ```
#[derive(Clone)]
pub struct PrimaryKey {
    field: String,
    encode: Option<Arc<EncodeFn>>,
    decode: Option<Arc<DecodeFn>>,
}

impl PrimaryKey {
    /// The field's own value is the qualifier (its text for numbers and
    /// booleans), and a qualifier decodes back to a string.
    ///
    /// ```
    /// let key = capjure::PrimaryKey::field("sku");
    /// assert_eq!(key.field_name(), "sku");
    /// ```
    pub fn field(field: impl Into<String>) -> Self {
        PrimaryKey {
            field: field.into(),
            encode: None,
            decode: None,
        }
    }

    /// A composite key: `encode` builds the qualifier from the whole child,
    /// `decode` recovers the `field`'s value from a qualifier.
    ///
    /// ```
    /// use capjure::PrimaryKey;
    /// use serde_json::{json, Value};
    ///
    /// let key = PrimaryKey::composite(
    ///     "merchant_product_id",
    ///     |child| {
    ///         let id = child["merchant_product_id"].as_str().ok_or("id is not a string")?;
    ///         let kind = child["insert_type"].as_str().ok_or("insert_type is not a string")?;
    ///         Ok(format!("{id}@{kind}"))
    ///     },
    ///     |qualifier| {
    ///         let (id, _) = qualifier.split_once('@').ok_or("no @ in qualifier")?;
    ///         Ok(Value::from(id))
    ///     },
    /// );
    /// let child = json!({"merchant_product_id": "EZ-30DC-HD", "insert_type": "viewed_aggregate"});
    /// let qualifier = key.encode(child.as_object().unwrap()).unwrap();
    /// assert_eq!(qualifier, "EZ-30DC-HD@viewed_aggregate");
    /// assert_eq!(key.decode(&qualifier).unwrap(), json!("EZ-30DC-HD"));
    /// ```
    pub fn composite<E, D>(field: impl Into<String>, encode: E, decode: D) -> Self
    where
        E: Fn(&Map<String, Value>) -> Result<String, String> + Send + Sync + 'static,
        D: Fn(&str) -> Result<Value, String> + Send + Sync + 'static,
    {
        PrimaryKey {
            field: field.into(),
            encode: Some(Arc::new(encode)),
            decode: Some(Arc::new(decode)),
        }
    }

    /// The primary-key field's name.
    ///
    /// ```
    /// assert_eq!(capjure::PrimaryKey::field("license").field_name(), "license");
    /// ```
    pub fn field_name(&self) -> &str {
        &self.field
    }

    /// Whether this key uses custom encode/decode functions.
    ///
    /// ```
    /// assert!(!capjure::PrimaryKey::field("license").is_composite());
    /// ```
    pub fn is_composite(&self) -> bool {
        self.encode.is_some()
    }

    /// The qualifier of a child.
    ///
    /// ```
    /// use serde_json::json;
    /// let key = capjure::PrimaryKey::field("id");
    /// assert_eq!(key.encode(json!({"id": 7}).as_object().unwrap()).unwrap(), "7");
    /// assert!(key.encode(json!({"other": 7}).as_object().unwrap()).is_err());
    /// ```
    pub fn encode(&self, child: &Map<String, Value>) -> Result<String, String> {
        match &self.encode {
            Some(encode) => encode(child),
            None => match child.get(&self.field) {
                Some(value) => scalar_text(value).ok_or_else(|| describe_unusable(value)),
                None => Err("is missing".to_string()),
            },
        }
    }

    /// The primary-key field's value for a qualifier.
    ///
    /// ```
    /// use serde_json::json;
    /// assert_eq!(capjure::PrimaryKey::field("id").decode("7").unwrap(), json!("7"));
    /// ```
    pub fn decode(&self, qualifier: &str) -> Result<Value, String> {
        match &self.decode {
            Some(decode) => decode(qualifier),
            None => Ok(Value::String(qualifier.to_string())),
        }
    }
}

impl fmt::Debug for PrimaryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrimaryKey")
            .field("field", &self.field)
            .field("composite", &self.is_composite())
            .finish()
    }
}

/// The text of a scalar as a qualifier or the text codec writes it; `None`
/// for null, maps and arrays.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn describe_unusable(value: &Value) -> String {
    format!(
        "is {}, not a string, number or boolean",
        crate::describe(value)
    )
}

/// Primary keys for every top-level key that holds an array of maps.
///
/// ```
/// use capjure::KeyConfig;
///
/// let keys = KeyConfig::new().field("cars", "license").field("cart", "sku");
/// assert_eq!(keys.get("cars").unwrap().field_name(), "license");
/// assert!(keys.get("trees").is_none());
/// ```
#[derive(Clone, Debug, Default)]
pub struct KeyConfig {
    keys: BTreeMap<String, PrimaryKey>,
}

impl KeyConfig {
    /// No arrays of maps configured.
    ///
    /// ```
    /// assert!(capjure::KeyConfig::new().is_empty());
    /// ```
    pub fn new() -> Self {
        KeyConfig::default()
    }

    /// Adds (or replaces) the primary key of the array under `key`.
    ///
    /// ```
    /// use capjure::{KeyConfig, PrimaryKey};
    /// let keys = KeyConfig::new().with("cars", PrimaryKey::field("license"));
    /// assert!(keys.get("cars").is_some());
    /// ```
    pub fn with(mut self, key: impl Into<String>, primary_key: PrimaryKey) -> Self {
        self.keys.insert(key.into(), primary_key);
        self
    }

    /// Shorthand for [`with`](Self::with) and [`PrimaryKey::field`].
    ///
    /// ```
    /// let keys = capjure::KeyConfig::new().field("cars", "license");
    /// assert_eq!(keys.len(), 1);
    /// ```
    pub fn field(self, key: impl Into<String>, field: impl Into<String>) -> Self {
        self.with(key, PrimaryKey::field(field))
    }

    /// Shorthand for [`with`](Self::with) and [`PrimaryKey::composite`].
    ///
    /// ```
    /// use serde_json::Value;
    /// let keys = capjure::KeyConfig::new().composite(
    ///     "events",
    ///     "id",
    ///     |child| Ok(child["id"].to_string()),
    ///     |qualifier| Ok(Value::from(qualifier)),
    /// );
    /// assert!(keys.get("events").unwrap().is_composite());
    /// ```
    pub fn composite<E, D>(
        self,
        key: impl Into<String>,
        field: impl Into<String>,
        encode: E,
        decode: D,
    ) -> Self
    where
        E: Fn(&Map<String, Value>) -> Result<String, String> + Send + Sync + 'static,
        D: Fn(&str) -> Result<Value, String> + Send + Sync + 'static,
    {
        self.with(key, PrimaryKey::composite(field, encode, decode))
    }

    /// The primary key configured for `key`.
    ///
    /// ```
    /// let keys = capjure::KeyConfig::new().field("cars", "license");
    /// assert!(keys.get("cars").is_some());
    /// ```
    pub fn get(&self, key: &str) -> Option<&PrimaryKey> {
        self.keys.get(key)
    }

    /// Every configured key and its primary key, in key order.
    ///
    /// ```
    /// let keys = capjure::KeyConfig::new().field("b", "id").field("a", "id");
    /// let names: Vec<&str> = keys.iter().map(|(key, _)| key).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &PrimaryKey)> {
        self.keys.iter().map(|(key, pk)| (key.as_str(), pk))
    }

    /// How many keys are configured.
    ///
    /// ```
    /// assert_eq!(capjure::KeyConfig::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is configured.
    ///
    /// ```
    /// assert!(capjure::KeyConfig::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
