//! Object-level cases run over both tables: the `Value` [`Table`] and the
//! typed [`EntityTable`], on both stores. Replace vs merge, stale-cell
//! deletes, timestamps and batch failures must behave the same whichever
//! table writes the row. Each case is written once, over [`Objects`]; the
//! typed side converts the case's JSON objects to and from [`Doc`], whose
//! serde shape is theirs (a `None` field is a missing key).

use capjure::store::{FamilySpec, Read, Store};
use capjure::{Entity, EntityTable, ErrorKind, Mapper, Result, StoreExt, Table};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Env;

conformance!(
    value_replace_deletes_stale_cells,
    typed_replace_deletes_stale_cells,
    value_merge_keeps_what_the_patch_lacks,
    typed_merge_keeps_what_the_patch_lacks,
    value_timestamps_and_history,
    typed_timestamps_and_history,
    value_batch_failure_names_rows,
    typed_batch_failure_names_rows,
);

#[derive(Entity, Debug, PartialEq, Clone)]
#[capjure(table = "docs", max_versions = 3)]
pub struct Doc {
    #[capjure(row_key)]
    pub id: String,
    pub title: Option<String>,
    pub tags: Vec<String>,
    pub road: Option<Road>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct Road {
    pub name: String,
    pub speed: Option<i64>,
}

/// A table of objects shaped like [`Doc`], keyed by their `id`.
trait Objects {
    fn insert(&self, object: &Value) -> Result<()>;
    fn insert_at(&self, object: &Value, timestamp: i64) -> Result<()>;
    fn insert_many(&self, objects: &[Value]) -> Result<()>;
    fn merge(&self, object: &Value) -> Result<()>;
    fn get(&self, id: &str) -> Result<Option<Value>>;
    fn get_as_of(&self, id: &str, timestamp: i64) -> Result<Option<Value>>;
}

fn id(object: &Value) -> &str {
    object["id"].as_str().expect("an id")
}

impl<S: Store> Objects for Table<S> {
    fn insert(&self, object: &Value) -> Result<()> {
        Table::insert(self, id(object).as_bytes(), object)
    }
    fn insert_at(&self, object: &Value, timestamp: i64) -> Result<()> {
        Table::insert_at(self, id(object).as_bytes(), object, timestamp)
    }
    fn insert_many(&self, objects: &[Value]) -> Result<()> {
        let rows: Vec<(&[u8], &Value)> = objects.iter().map(|o| (id(o).as_bytes(), o)).collect();
        Table::insert_many(self, &rows, None)
    }
    fn merge(&self, object: &Value) -> Result<()> {
        Table::merge(self, id(object).as_bytes(), object)
    }
    fn get(&self, id: &str) -> Result<Option<Value>> {
        Table::get(self, id.as_bytes())
    }
    fn get_as_of(&self, id: &str, timestamp: i64) -> Result<Option<Value>> {
        Table::get_as_of(self, id.as_bytes(), timestamp)
    }
}

fn doc(object: &Value) -> Doc {
    serde_json::from_value(object.clone()).expect("a doc-shaped object")
}

/// A doc as the case's objects are: `None` fields absent.
fn object(doc: Doc) -> Value {
    let mut value = serde_json::to_value(doc).expect("a doc");
    if let Value::Object(fields) = &mut value {
        fields.retain(|_, v| !v.is_null());
        for v in fields.values_mut() {
            if let Value::Object(inner) = v {
                inner.retain(|_, v| !v.is_null());
            }
        }
    }
    value
}

impl<S: Store> Objects for EntityTable<Doc, S> {
    fn insert(&self, object: &Value) -> Result<()> {
        EntityTable::insert(self, &doc(object))
    }
    fn insert_at(&self, object: &Value, timestamp: i64) -> Result<()> {
        EntityTable::insert_at(self, &doc(object), timestamp)
    }
    fn insert_many(&self, objects: &[Value]) -> Result<()> {
        let docs: Vec<Doc> = objects.iter().map(doc).collect();
        EntityTable::insert_many(self, &docs, None)
    }
    fn merge(&self, object: &Value) -> Result<()> {
        EntityTable::merge(self, &doc(object))
    }
    fn get(&self, id: &str) -> Result<Option<Value>> {
        Ok(EntityTable::get(self, &id.to_string())?.map(object))
    }
    fn get_as_of(&self, id: &str, timestamp: i64) -> Result<Option<Value>> {
        Ok(EntityTable::get_as_of(self, &id.to_string(), timestamp)?.map(object))
    }
}

/// The two tables over one fresh table name each, with `Doc`'s families
/// (or only `families` when given).
fn value_table<'a>(env: &'a Env, families: Option<&[&str]>) -> Table<&'a dyn Store> {
    let name = make(env, families);
    Table::new(env.store.as_ref(), name, Doc::mapper()).with_batch_size(2)
}

fn typed_table<'a>(env: &'a Env, families: Option<&[&str]>) -> EntityTable<Doc, &'a dyn Store> {
    let name = make(env, families);
    env.store
        .as_ref()
        .entities::<Doc>()
        .named(name)
        .with_batch_size(2)
}

fn make(env: &Env, families: Option<&[&str]>) -> String {
    let specs: Vec<FamilySpec> = match families {
        Some(families) => families
            .iter()
            .map(|f| FamilySpec::new(*f).max_versions(3))
            .collect(),
        None => Doc::families()
            .into_iter()
            .map(|f| FamilySpec::new(f).max_versions(3))
            .collect(),
    };
    env.table("objects", &specs)
}

/// The columns stored for a row, `family:qualifier`, newest versions.
fn columns(env: &Env, table: &str, row: &str) -> Vec<String> {
    let read = Read::latest();
    match ok!(env, env.store.get_row(table, row.as_bytes(), &read)) {
        None => Vec::new(),
        Some(row) => row
            .latest()
            .map(|c| {
                format!(
                    "{}:{}",
                    String::from_utf8_lossy(&c.family),
                    String::from_utf8_lossy(&c.qualifier)
                )
            })
            .collect(),
    }
}

fn full() -> Value {
    json!({"id": "d1", "title": "first", "tags": ["a", "b"], "road": {"name": "101N", "speed": 65}})
}

fn replace_deletes_stale_cells(env: &Env, table: &dyn Objects, name: &str) {
    ok!(env, table.insert(&full()));
    let smaller = json!({"id": "d1", "tags": ["c"]});
    ok!(env, table.insert(&smaller));
    assert_eq!(ok!(env, table.get("d1")), Some(smaller), "{}", env.backend);
    let stored = columns(env, name, "d1");
    assert!(
        stored
            .iter()
            .all(|c| !c.starts_with("title") && !c.starts_with("road")),
        "{}: {stored:?}",
        env.backend
    );
    assert!(
        !stored.iter().any(|c| c == "tags:a" || c == "tags:b"),
        "{}: {stored:?}",
        env.backend
    );
}

fn value_replace_deletes_stale_cells(env: &Env) {
    let table = value_table(env, None);
    replace_deletes_stale_cells(env, &table, table.name());
}

fn typed_replace_deletes_stale_cells(env: &Env) {
    let table = typed_table(env, None);
    replace_deletes_stale_cells(env, &table, table.name());
}

fn merge_keeps_what_the_patch_lacks(env: &Env, table: &dyn Objects) {
    ok!(env, table.insert(&full()));
    // No title: kept. Tags: replaced whole. Road: merged field by field.
    let patch = json!({"id": "d1", "tags": ["x"], "road": {"name": "I-5"}});
    ok!(env, table.merge(&patch));
    assert_eq!(
        ok!(env, table.get("d1")),
        Some(
            json!({"id": "d1", "title": "first", "tags": ["x"], "road": {"name": "I-5", "speed": 65}})
        ),
        "{}",
        env.backend
    );
    // Into a missing row: the patch is the row.
    let fresh = json!({"id": "d2", "tags": []});
    ok!(env, table.merge(&fresh));
    assert_eq!(ok!(env, table.get("d2")), Some(fresh), "{}", env.backend);
}

fn value_merge_keeps_what_the_patch_lacks(env: &Env) {
    merge_keeps_what_the_patch_lacks(env, &value_table(env, None));
}

fn typed_merge_keeps_what_the_patch_lacks(env: &Env) {
    merge_keeps_what_the_patch_lacks(env, &typed_table(env, None));
}

fn timestamps_and_history(env: &Env, table: &dyn Objects) {
    let first = json!({"id": "d1", "title": "one", "tags": ["a"]});
    let second = json!({"id": "d1", "title": "two", "tags": ["a"]});
    ok!(env, table.insert_at(&first, 10));
    ok!(env, table.insert_at(&second, 20));
    if env.store.atomic_row_mutations() {
        // A replace without a read keeps nothing older than itself (see
        // insert::atomic_replace_keeps_nothing_older).
        assert_eq!(ok!(env, table.get_as_of("d1", 15)), None, "{}", env.backend);
        assert_eq!(ok!(env, table.get("d1")), Some(second), "{}", env.backend);
        return;
    }
    assert_eq!(ok!(env, table.get_as_of("d1", 9)), None, "{}", env.backend);
    assert_eq!(
        ok!(env, table.get_as_of("d1", 15)),
        Some(first),
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.get("d1")),
        Some(second.clone()),
        "{}",
        env.backend
    );
    // A replace at 30 without the title deletes every version of it at or
    // below 30: history keeps only the columns the row still has.
    let third = json!({"id": "d1", "tags": ["a"]});
    ok!(env, table.insert_at(&third, 30));
    assert_eq!(ok!(env, table.get("d1")), Some(third), "{}", env.backend);
    assert_eq!(
        ok!(env, table.get_as_of("d1", 25)),
        Some(json!({"id": "d1", "tags": ["a"]})),
        "{}",
        env.backend
    );
    // A write below newer cells that would leave an unreadable row is
    // refused, whichever table writes it.
    let err = table
        .insert_at(&json!({"id": "d1", "tags": ["z", "y"]}), 5)
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidArgument { .. }),
        "{}: {err:?}",
        env.backend
    );
}

fn value_timestamps_and_history(env: &Env) {
    timestamps_and_history(env, &value_table(env, None));
}

fn typed_timestamps_and_history(env: &Env) {
    timestamps_and_history(env, &typed_table(env, None));
}

fn batch_failure_names_rows(env: &Env, table: &dyn Objects) {
    // The table lacks `road`: the third doc, in the second batch of two,
    // fails.
    let plain = |id: &str| json!({"id": id, "tags": ["t"]});
    let docs = [
        plain("r1"),
        plain("r2"),
        json!({"id": "r3", "tags": [], "road": {"name": "x"}}),
        plain("r4"),
    ];
    let err = table.insert_many(&docs).unwrap_err();
    let ErrorKind::BatchFailed {
        written,
        unconfirmed,
        source,
        ..
    } = err.kind()
    else {
        panic!("{}: expected BatchFailed, got {err:?}", env.backend);
    };
    assert_eq!(
        written,
        &[b"r1".to_vec(), b"r2".to_vec()],
        "{}",
        env.backend
    );
    assert_eq!(
        unconfirmed,
        &[b"r3".to_vec(), b"r4".to_vec()],
        "{}",
        env.backend
    );
    assert!(
        matches!(source.kind(), ErrorKind::FamilyNotFound { .. }),
        "{}: {source:?}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.get("r2")),
        Some(plain("r2")),
        "{}",
        env.backend
    );
}

fn value_batch_failure_names_rows(env: &Env) {
    batch_failure_names_rows(env, &value_table(env, Some(&["id", "title", "tags"])));
}

fn typed_batch_failure_names_rows(env: &Env) {
    batch_failure_names_rows(env, &typed_table(env, Some(&["id", "title", "tags"])));
}

/// The typed table's mapper is the entity's: a `Value` table built with
/// `Doc::mapper()` reads what the typed table wrote.
#[test]
fn both_tables_read_each_others_rows() {
    let store = capjure::MemoryStore::new();
    let typed = store.entities::<Doc>();
    ok_memory(typed.create());
    ok_memory(typed.insert(&doc(&full())));
    let values = Table::new(&store, "docs", Mapper::clone(typed.objects().mapper()));
    assert_eq!(ok_memory(values.get(b"d1")), Some(full()));
}

fn ok_memory<T>(result: Result<T>) -> T {
    result.unwrap_or_else(|err| panic!("memory: {err}"))
}
