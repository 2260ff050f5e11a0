//! Merging a patch into a stored object, and removing parts of one: the
//! object-level edits behind [`Table::merge`](crate::Table::merge) and
//! [`Table::remove`](crate::Table::remove), done on `serde_json` values so
//! that the result is an object like any other, flattened whole.

use serde_json::{Map, Value};

/// A part of a stored object that [`Table::remove`](crate::Table::remove)
/// removes: a whole top-level key, or one field of the map under a key.
///
/// A path is two names rather than a dotted string because keys and field
/// names may themselves hold dots.
///
/// ```
/// use capjure::FieldPath;
/// let paths = [FieldPath::key("houses"), FieldPath::field("road", "speed")];
/// assert_eq!(paths[1], FieldPath::Field { key: "road", field: "speed" });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldPath<'a> {
    /// A top-level key with everything under it.
    Key(&'a str),
    /// One field of the map stored under `key`.
    Field {
        /// The top-level key.
        key: &'a str,
        /// The map's field.
        field: &'a str,
    },
}

impl<'a> FieldPath<'a> {
    /// The top-level key `key`.
    ///
    /// ```
    /// assert_eq!(capjure::FieldPath::key("houses"), capjure::FieldPath::Key("houses"));
    /// ```
    pub fn key(key: &'a str) -> Self {
        FieldPath::Key(key)
    }

    /// The field `field` of the map under `key`.
    ///
    /// ```
    /// let path = capjure::FieldPath::field("road", "speed");
    /// assert_eq!(path, capjure::FieldPath::Field { key: "road", field: "speed" });
    /// ```
    pub fn field(key: &'a str, field: &'a str) -> Self {
        FieldPath::Field { key, field }
    }
}

/// Applies `patch` to `stored`: JSON Merge Patch (RFC 7396) at the one
/// level of nesting the layout has, except that `null` is a value. A map
/// merges field by field into a stored map and replaces anything else;
/// every other value replaces what the key held.
pub(crate) fn merge(stored: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match (stored.get_mut(key), value) {
            (Some(Value::Object(fields)), Value::Object(new_fields)) => {
                for (field, value) in new_fields {
                    fields.insert(field.clone(), value.clone());
                }
            }
            _ => {
                stored.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Removes each path from `stored`; a path that is not there is skipped. A
/// map that loses its last field stays, empty.
pub(crate) fn remove(stored: &mut Map<String, Value>, paths: &[FieldPath<'_>]) {
    for path in paths {
        match *path {
            FieldPath::Key(key) => {
                stored.remove(key);
            }
            FieldPath::Field { key, field } => {
                if let Some(Value::Object(fields)) = stored.get_mut(key) {
                    fields.remove(field);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("a test object"),
        }
    }

    #[test]
    fn maps_merge_and_everything_else_replaces() {
        let mut stored = map(json!({
            "a": 1, "road": {"name": "101N", "speed": 65}, "arr": ["p"], "m": {"x": 1},
            "s": "x", "keep": true
        }));
        merge(
            &mut stored,
            &map(json!({
                "a": null, "road": {"speed": 70, "lanes": 2}, "arr": ["q"], "m": {},
                "s": {"now": "a map"}, "new": []
            })),
        );
        assert_eq!(
            Value::Object(stored),
            json!({
                "a": null, "road": {"name": "101N", "speed": 70, "lanes": 2}, "arr": ["q"],
                "m": {"x": 1}, "s": {"now": "a map"}, "keep": true, "new": []
            })
        );
    }

    #[test]
    fn removal_takes_keys_and_map_fields() {
        let mut stored = map(json!({"a": 1, "road": {"name": "101N"}, "arr": [1]}));
        remove(
            &mut stored,
            &[
                FieldPath::key("a"),
                FieldPath::field("road", "name"),
                FieldPath::field("arr", "0"),
                FieldPath::key("absent"),
            ],
        );
        assert_eq!(Value::Object(stored), json!({"road": {}, "arr": [1]}));
    }
}
