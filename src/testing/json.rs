//! JSON fixtures ([format](crate::testing#json-fixtures)), loaded into a
//! `Value` table through its mapper.

use std::path::Path;

use serde_json::Value;

use super::escape::{Field, escape, unescape};
use crate::cell::Cells;
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
    let mapper = table.mapper();
    let rows = |key: Option<Vec<u8>>, object: Value| {
        let key = key.ok_or_else(|| "the row has no \"key\"".to_string())?;
        let cells = mapper
            .flatten(&object)
            .map_err(|e| format!("row \"{}\": {e}", escape(&key, Field::Row)))?;
        Ok((key, cells))
    };
    load_rows(
        table.store(),
        table.name(),
        table.batch_size(),
        file,
        text,
        rows,
    )
}

/// Loads JSON Lines rows, each turned into its key and cells by `row`
/// (given the line's key, if any, and its `value`).
pub(super) fn load_rows<S: Store + ?Sized>(
    store: &S,
    table: &str,
    batch_size: usize,
    file: &str,
    text: &str,
    mut row: impl FnMut(Option<Vec<u8>>, Value) -> Result<(Vec<u8>, Cells), String>,
) -> Result<usize> {
    let families = super::family_names(store, table)?;
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
        let (key, cells) = row(key, object).map_err(fail)?;
        let mut change = RowMutations::new(key);
        for cell in cells.iter() {
            super::check_family(file, index + 1, table, &families, cell.family)?;
            let mut cell = cell.to_cell();
            cell.timestamp = timestamp;
            change.mutations.push(Mutation::Put(cell));
        }
        batch.push(change);
        count += 1;
        if batch.len() >= batch_size.max(1) {
            store.mutate(table, &batch)?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.mutate(table, &batch)?;
    }
    Ok(count)
}

/// A line's row key (when given), object and timestamp.
type ParsedRow = (Option<Vec<u8>>, Value, Option<i64>);

/// Reads one line into a [`ParsedRow`].
fn parse_row(line: &str) -> Result<ParsedRow, String> {
    let row: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(mut fields) = row else {
        return Err(format!(
            "expected an object with \"key\" and \"value\", found {}",
            crate::describe(&row)
        ));
    };
    let key = match fields.remove("key") {
        Some(Value::String(key)) => Some(unescape(&key).map_err(|e| format!("\"key\": {e}"))?),
        Some(other) => {
            return Err(format!(
                "\"key\" must be a string, found {}",
                crate::describe(&other)
            ));
        }
        None => None,
    };
    if key.as_ref().is_some_and(Vec::is_empty) {
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
        assert_eq!((key, ts), (Some(b"a\x00".to_vec()), Some(3)));
    }
}
