//! The store conformance suite: every test here runs three times, against
//! [`MemoryStore`], and against a real HBase through [`ThriftStore`]
//! (the Thrift1 gateway, `CAPJURE_HBASE`) and [`Thrift2Store`] (the
//! Thrift2 gateway, `CAPJURE_HBASE2`; see `tests/support`). A test that
//! passes on one and fails on another is a bug in `MemoryStore` or a
//! gateway store, unless the test says why the stores differ.

#[path = "../support/mod.rs"]
mod support;

use std::cell::RefCell;

use capjure::store::{FamilySpec, Store};
use capjure::{MemoryStore, Thrift2Store, ThriftStore};

/// A store under test and the tables a test created in it, dropped at the
/// end (HBase outlives the test process).
pub struct Env {
    pub store: Box<dyn Store>,
    pub backend: &'static str,
    tables: RefCell<Vec<String>>,
}

impl Env {
    fn memory() -> Option<Env> {
        Some(Env {
            store: Box::new(MemoryStore::new()),
            backend: "memory",
            tables: RefCell::new(Vec::new()),
        })
    }

    fn hbase() -> Option<Env> {
        // Fails loudly (or skips visibly) when HBase is not there.
        drop(support::hbase_client()?);
        let target = support::Target::from_env();
        let config = target.config();
        let store = match ThriftStore::new(config) {
            Ok(store) => store,
            Err(err) => panic!("cannot connect to HBase at {}: {err}", target.addr),
        };
        Some(Env {
            store: Box::new(store),
            backend: "hbase",
            tables: RefCell::new(Vec::new()),
        })
    }

    fn thrift2() -> Option<Env> {
        let store: Thrift2Store = support::thrift2_store()?;
        Some(Env {
            store: Box::new(store),
            backend: "thrift2",
            tables: RefCell::new(Vec::new()),
        })
    }

    /// Whether this is the real HBase through its Thrift1 gateway.
    pub fn is_hbase(&self) -> bool {
        self.backend == "hbase"
    }

    /// Whether this is a real HBase, through either gateway.
    pub fn is_real(&self) -> bool {
        self.backend != "memory"
    }

    /// A unique table name (not created).
    pub fn name(&self, prefix: &str) -> String {
        let name = support::unique_table_name(prefix);
        self.tables.borrow_mut().push(name.clone());
        name
    }

    /// Creates a unique table with the given families.
    pub fn table(&self, prefix: &str, families: &[FamilySpec]) -> String {
        let name = self.name(prefix);
        if let Err(err) = self.store.create_table(&name, families) {
            panic!("{}: create_table {name}: {err}", self.backend);
        }
        name
    }

    /// A unique table whose families each keep `versions` versions.
    pub fn simple(&self, prefix: &str, families: &[&str], versions: u32) -> String {
        let specs: Vec<FamilySpec> = families
            .iter()
            .map(|f| FamilySpec::new(*f).max_versions(versions))
            .collect();
        self.table(prefix, &specs)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        for table in self.tables.borrow().iter() {
            if self.store.table_exists(table).unwrap_or(false) {
                let _ = self.store.drop_table(table);
            }
        }
    }
}

/// Instantiates each listed test (a `fn(&Env)` in the calling module) once
/// per store: `memory::name`, `hbase::name` (Thrift1) and `thrift2::name`.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[test]
                fn $name() {
                    if let Some(env) = $crate::Env::memory() {
                        super::$name(&env);
                    }
                }
            )*
        }
        mod hbase {
            $(
                #[test]
                fn $name() {
                    if let Some(env) = $crate::Env::hbase() {
                        super::$name(&env);
                    }
                }
            )*
        }
        mod thrift2 {
            $(
                #[test]
                fn $name() {
                    if let Some(env) = $crate::Env::thrift2() {
                        super::$name(&env);
                    }
                }
            )*
        }
    };
}

/// Unwraps a store result, naming the backend on failure.
#[macro_export]
macro_rules! ok {
    ($env:expr, $e:expr) => {
        match $e {
            Ok(value) => value,
            Err(err) => panic!("{}: {} failed: {err}", $env.backend, stringify!($e)),
        }
    };
}

mod admin;
mod atomic;
mod deletes;
mod entities;
mod entity_queries;
mod errors;
mod filters;
mod insert;
mod limits;
mod objects;
mod ordering;
mod queries;
mod scans;
mod versions;
