//! JSON fixtures ([format](crate::testing#json-fixtures)), loaded into a
//! `Value` table through its mapper.

use std::path::Path;

use serde_json::Value;

use super::escape::unescape;
use crate::error::{ErrorKind, Result};
use crate::store::{Mutation, RowMutations, Store};
use crate::table::Table;

/// Loads [JSON Lines rows](crate::testing#json-fixtures) into `table`, whose table
/// must exist with every family the rows flatten to; returns how many rows
/// it wrote. Rows are written as they are, without reading what is there:
/// load into a fresh table. Errors name the line as in `<inline>`, line N;
/// [`load_json_file`] names the file.
///
/// ```
/// use capjure::store::FamilySpec;
/// use capjure::{Mapper, MemoryStore, Table};
/// use serde_json::json;
///
/// let users = Table::new(MemoryStore::new(), "users", Mapper::default());
/// users.create_with(&[FamilySpec::new("name")])?;
/// let rows = r#"
/// {"key": "u1", "value": {"name": "ann"}}
/// {"key": "u\\x002", "value": {"name": "bob"}}
/// "#;
/// assert_eq!(capjure::testing::load_json(&users, rows)?, 2);
/// assert_eq!(users.get(b"u\x002")?, Some(json!({"name": "bob"})));
///
/// let err = capjure::testing::load_json(&users, "{\"value\": {\"name\": 1}}").unwrap_err();
/// assert_eq!(err.to_string(), "fixture <inline>, line 1: the row has no \"key\"");
/// # Ok::<(), capjure::Error>(())
/// ```
pub fn load_json<S: Store>(table: &Table<S>, text: &str) -> Result<usize> {
    load_json_named(table, "<inline>", text)
}

/// [`load_json`] from a file, whose path the errors name.
///
/// ```
/// let users = capjure::Table::new(capjure::MemoryStore::new(), "users", capjure::Mapper::default());
/// let err = capjure::testing::load_json_file(&users, "no/such.jsonl").unwrap_err();
/// assert!(err.to_string().starts_with("fixture no/such.jsonl, line 0: cannot read it:"));
/// ```
pub fn load_json_file<S: Store>(table: &Table<S>, path: impl AsRef<Path>) -> Result<usize> {
    let (file, text) = super::read_fixture(path.as_ref())?;
    load_json_named(table, &file, &text)
}

pub(super) fn load_json_named<S: Store>(table: &Table<S>, file: &str, text: &str) -> Result<usize> {
    let families = super::family_names(table.store(), table.name())?;
    let mut batch = Vec::new();
    let mut count = 0;
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        let fail = |reason: String| -> crate::Error {
            ErrorKind::Fixture {
                file: file.to_string(),
                line: index + 1,
                reason,
            }
            .into()
        };
        let (key, object, timestamp) = parse_row(line).map_err(fail)?;
        let cells = table.mapper().flatten(&object).map_err(|e| {
            fail(format!(
                "row \"{}\": {e}",
                super::escape::escape(&key, super::escape::Field::Row)
            ))
        })?;
        let mut change = RowMutations::new(key);
        for cell in cells.iter() {
            super::check_family(file, index + 1, table.name(), &families, cell.family)?;
            let mut cell = cell.to_cell();
            cell.timestamp = timestamp;
            change.mutations.push(Mutation::Put(cell));
        }
        batch.push(change);
        count += 1;
        if batch.len() >= table.batch_size() {
            table.store().mutate(table.name(), &batch)?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        table.store().mutate(table.name(), &batch)?;
    }
    Ok(count)
}

/// A line's row key, object and timestamp.
fn parse_row(line: &str) -> Result<(Vec<u8>, Value, Option<i64>), String> {
    let row: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(mut fields) = row else {
        return Err(format!(
            "expected an object with \"key\" and \"value\", found {}",
            crate::describe(&row)
        ));
    };
    let key = match fields.remove("key") {
        Some(Value::String(key)) => unescape(&key).map_err(|e| format!("\"key\": {e}"))?,
        Some(other) => {
            return Err(format!(
                "\"key\" must be a string, found {}",
                crate::describe(&other)
            ));
        }
        None => return Err("the row has no \"key\"".into()),
    };
    if key.is_empty() {
        return Err("\"key\" is empty; a row key must not be".into());
    }
    let Some(object) = fields.remove("value") else {
        return Err("the row has no \"value\"".into());
    };
    let timestamp = match fields.remove("timestamp") {
        None => None,
        Some(Value::Number(n)) if n.as_i64().is_some_and(|t| t >= 0) => n.as_i64(),
        Some(other) => {
            return Err(format!(
                "\"timestamp\" must be milliseconds since the epoch, found {other}"
            ));
        }
    };
    if let Some(unknown) = fields.keys().next() {
        return Err(format!(
            "unknown field \"{unknown}\" (a row has \"key\", \"value\" and \"timestamp\")"
        ));
    }
    Ok((key, object, timestamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_say_what_is_wrong() {
        for (line, expected) in [
            ("{", "invalid JSON"),
            ("[1]", "expected an object"),
            ("{\"value\": {}}", "no \"key\""),
            ("{\"key\": 1, \"value\": {}}", "must be a string"),
            ("{\"key\": \"\", \"value\": {}}", "is empty"),
            ("{\"key\": \"k\"}", "no \"value\""),
            (
                "{\"key\": \"k\", \"value\": {}, \"timestamp\": -1}",
                "\"timestamp\"",
            ),
            (
                "{\"key\": \"k\", \"value\": {}, \"ttl\": 1}",
                "unknown field \"ttl\"",
            ),
            ("{\"key\": \"\\\\q\", \"value\": {}}", "unknown escape"),
        ] {
            let err = parse_row(line).unwrap_err();
            assert!(err.contains(expected), "{line}: {err}");
        }
        let (key, _, ts) =
            parse_row("{\"key\": \"a\\\\x00\", \"value\": {}, \"timestamp\": 3}").unwrap();
        assert_eq!((key, ts), (b"a\x00".to_vec(), Some(3)));
    }
}
