//! The store a test runs against, and tables that exist for one test.

use std::fmt;
use std::ops::Deref;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Result;
use crate::mapper::Mapper;
use crate::store::{FamilySpec, MemoryStore, Store, ThriftConfig, ThriftStore};
use crate::table::Table;

/// Every table a [`TestStore`] creates starts with this, so that tables
/// left behind by a killed test process can be told apart from others.
pub const TABLE_PREFIX: &str = "capjure_test_";

/// The environment variable naming the HBase Thrift1 gateway tests run
/// against, `[framed|compact|framed+compact://]HOST:PORT`
/// ([`ThriftConfig::from_url`]); unset or empty means [`MemoryStore`].
pub const HBASE_VAR: &str = "CAPJURE_HBASE";

/// On platforms where a process cannot be looked up by id, a test table is
/// taken for left behind only once it is this old.
const STALE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The store a test runs against: the process-wide [`MemoryStore`], or a
/// real HBase when [`HBASE_VAR`] is set. It is a [`Store`] itself, and
/// hands out tables under names no other test uses
/// ([`TestStore::objects`], [`TestStore::raw_table`]), dropped when the
/// test is done with them.
///
/// Every test in a process shares one store (and, on HBase, one pool of
/// connections): isolation comes from the table names, as on a shared
/// cluster.
///
/// ```
/// use capjure::store::{FamilySpec, Store};
/// use capjure::testing::TestStore;
///
/// let store = TestStore::memory();
/// let table = store.raw_table("events", &[FamilySpec::new("f")])?;
/// assert!(table.name().starts_with("capjure_test_events_"));
/// assert!(store.table_exists(table.name())?);
/// let name = table.name().to_string();
/// drop(table);
/// assert!(!store.table_exists(&name)?);
/// # Ok::<(), capjure::Error>(())
/// ```
#[derive(Clone)]
pub struct TestStore {
    store: Arc<dyn Store>,
    address: Option<String>,
}

impl fmt::Debug for TestStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.address {
            Some(address) => write!(f, "TestStore(HBase at {address})"),
            None => f.write_str("TestStore(memory)"),
        }
    }
}

impl TestStore {
    /// The store [`HBASE_VAR`] names: HBase through its Thrift1 gateway
    /// when set, else the process-wide [`MemoryStore`]. The first call per
    /// gateway and process removes tables left behind by test processes
    /// that no longer run ([`TestStore::remove_stale_tables`]).
    ///
    /// ```
    /// let store = capjure::testing::TestStore::from_env()?;
    /// assert_eq!(store.is_hbase(), std::env::var("CAPJURE_HBASE").is_ok_and(|v| !v.trim().is_empty()));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn from_env() -> Result<TestStore> {
        match std::env::var(HBASE_VAR) {
            Ok(url) if !url.trim().is_empty() => {
                // Parallel tests share a little more than the default pool.
                TestStore::hbase(ThriftConfig::from_url(&url)?.pool_size(8))
            }
            _ => Ok(TestStore::memory()),
        }
    }

    /// The process-wide in-memory store, shared by every test in the
    /// process the way a real cluster would be.
    ///
    /// ```
    /// use capjure::store::{FamilySpec, Store};
    /// let table = capjure::testing::TestStore::memory().raw_table("t", &[FamilySpec::new("f")])?;
    /// assert!(capjure::testing::TestStore::memory().table_exists(table.name())?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn memory() -> TestStore {
        static MEMORY: OnceLock<Arc<MemoryStore>> = OnceLock::new();
        TestStore {
            store: MEMORY.get_or_init(|| Arc::new(MemoryStore::new())).clone(),
            address: None,
        }
    }

    /// HBase through the gateway `config` names, one store per address
    /// and process; the first call per address removes tables left behind
    /// by dead test processes.
    ///
    /// ```no_run
    /// use capjure::store::ThriftConfig;
    /// let store = capjure::testing::TestStore::hbase(ThriftConfig::from_url("127.0.0.1:9090")?)?;
    /// assert!(store.is_hbase());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn hbase(config: ThriftConfig) -> Result<TestStore> {
        static STORES: Mutex<Vec<(String, TestStore)>> = Mutex::new(Vec::new());
        let address = config.address().to_string();
        // A test that panicked while holding the lock left a usable list.
        let mut stores = STORES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, store)) = stores.iter().find(|(a, _)| *a == address) {
            return Ok(store.clone());
        }
        let store = TestStore {
            store: Arc::new(ThriftStore::new(config)?),
            address: Some(address.clone()),
        };
        // Best effort: a sweep that fails must not fail every test; the
        // next process tries again.
        if let Err(e) = store.remove_stale_tables() {
            eprintln!("capjure::testing: could not remove stale test tables: {e}");
        }
        stores.push((address, store.clone()));
        Ok(store)
    }

    /// Whether this is a real HBase.
    ///
    /// ```
    /// assert!(!capjure::testing::TestStore::memory().is_hbase());
    /// ```
    pub fn is_hbase(&self) -> bool {
        self.address.is_some()
    }

    /// A table name no other test, process or run uses:
    /// `capjure_test_<name>_<pid>_<nanos>_<n>`, `name` cut to the
    /// characters HBase allows in a table name.
    ///
    /// ```
    /// let store = capjure::testing::TestStore::memory();
    /// let (a, b) = (store.unique_name("users"), store.unique_name("users"));
    /// assert_ne!(a, b);
    /// assert!(a.starts_with(&format!("capjure_test_users_{}_", std::process::id())));
    /// ```
    pub fn unique_name(&self, name: &str) -> String {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let clean: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!(
            "{TABLE_PREFIX}{clean}_{}_{nanos}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// A new table with `families` under a [unique name](Self::unique_name),
    /// dropped when the returned guard is, also when the test panics.
    ///
    /// ```
    /// use capjure::store::{FamilySpec, RowMutations, Store};
    /// use capjure::Cell;
    ///
    /// let store = capjure::testing::TestStore::memory();
    /// let table = store.raw_table("events", &[FamilySpec::new("f").max_versions(3)])?;
    /// store.mutate(table.name(), &[RowMutations::new("r").put(Cell::new("f", "q", "v"))])?;
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn raw_table(&self, name: &str, families: &[FamilySpec]) -> Result<RawTable> {
        let name = self.unique_name(name);
        self.store.create_table(&name, families)?;
        Ok(RawTable {
            store: self.clone(),
            name,
        })
    }

    /// A new `Value` table mapped by `mapper`, with `families`, under a
    /// [unique name](Self::unique_name); dropped when the returned guard
    /// is, also when the test panics. It derefs to a [`Table`].
    ///
    /// ```
    /// use capjure::store::FamilySpec;
    /// use capjure::{KeyConfig, Mapper};
    /// use serde_json::json;
    ///
    /// let store = capjure::testing::TestStore::memory();
    /// let users = store.objects("users", Mapper::new(KeyConfig::new()), &[FamilySpec::new("name")])?;
    /// users.insert(b"u1", &json!({"name": "ann"}))?;
    /// assert_eq!(users.get(b"u1")?, Some(json!({"name": "ann"})));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn objects(
        &self,
        name: &str,
        mapper: Mapper,
        families: &[FamilySpec],
    ) -> Result<TestTable> {
        let raw = self.raw_table(name, families)?;
        Ok(TestTable {
            table: Table::new(self.clone(), raw.name.clone(), mapper),
            raw,
        })
    }

    // The typed table, `TestStore::table::<E>()`, is in `entities.rs`.

    /// Drops the tables that test processes which no longer run left
    /// behind (named with [`TABLE_PREFIX`] and the id of a process that is
    /// gone), and returns their names. [`TestStore::from_env`] does this
    /// once per process; a killed test run is cleaned up by the next.
    ///
    /// Process ids are looked up on this machine (in `/proc` on Linux;
    /// elsewhere a table counts as left behind once it is a day old), so
    /// test runs on several machines against one HBase should not share a
    /// namespace.
    ///
    /// ```
    /// let store = capjure::testing::TestStore::memory();
    /// assert!(store.remove_stale_tables()?.iter().all(|t| t.starts_with("capjure_test_")));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn remove_stale_tables(&self) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        for table in self.store.list_tables()? {
            if is_stale(&table) {
                match self.store.drop_table(&table) {
                    Ok(()) => removed.push(table),
                    // Another process cleaning up at the same time won.
                    Err(e) if matches!(e.kind(), crate::ErrorKind::TableNotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(removed)
    }
}

/// Whether `table` is a test table whose process is gone.
fn is_stale(table: &str) -> bool {
    let Some(rest) = table.strip_prefix(TABLE_PREFIX) else {
        return false;
    };
    let mut parts = rest.rsplitn(4, '_');
    let (Some(_counter), Some(nanos), Some(pid), Some(_name)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(nanos), Ok(pid)) = (nanos.parse::<u128>(), pid.parse::<u32>()) else {
        return false;
    };
    if pid == std::process::id() {
        return false;
    }
    match process_alive(pid) {
        Some(alive) => !alive,
        None => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            now.saturating_sub(nanos) > STALE_AFTER.as_nanos()
        }
    }
}

/// Whether a process with this id runs on this machine, when that can be
/// told without unsafe code.
fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if cfg!(target_os = "linux") && proc.join("self").exists() {
        Some(proc.join(pid.to_string()).exists())
    } else {
        None
    }
}

/// A table that exists for one test: created by
/// [`TestStore::raw_table`], dropped (disabled and deleted on HBase) when
/// this guard is, also while a panicking test unwinds.
///
/// ```
/// use capjure::store::{FamilySpec, Store};
/// let store = capjure::testing::TestStore::memory();
/// let table = store.raw_table("t", &[FamilySpec::new("f")])?;
/// assert_eq!(store.families(table.name())?, [FamilySpec::new("f")]);
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct RawTable {
    store: TestStore,
    name: String,
}

impl RawTable {
    /// The table's unique name.
    ///
    /// ```
    /// use capjure::store::FamilySpec;
    /// let table = capjure::testing::TestStore::memory().raw_table("t", &[FamilySpec::new("f")])?;
    /// assert!(table.name().starts_with("capjure_test_t_"));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The store the table is in.
    ///
    /// ```
    /// use capjure::store::{FamilySpec, Store};
    /// let table = capjure::testing::TestStore::memory().raw_table("t", &[FamilySpec::new("f")])?;
    /// assert!(table.store().table_exists(table.name())?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn store(&self) -> &TestStore {
        &self.store
    }
}

impl fmt::Debug for RawTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawTable")
            .field("name", &self.name)
            .field("store", &self.store)
            .finish()
    }
}

impl Drop for RawTable {
    fn drop(&mut self) {
        if let Err(e) = self.store.store.drop_table(&self.name) {
            // Drop cannot fail; the next run's stale-table sweep removes it.
            eprintln!("capjure::testing: could not drop {}: {e}", self.name);
        }
    }
}

/// A `Value` table that exists for one test ([`TestStore::objects`]): a
/// [`Table`] (through `Deref`) whose table is dropped with this guard.
///
/// ```
/// use capjure::store::FamilySpec;
/// use capjure::Mapper;
/// use serde_json::json;
/// let store = capjure::testing::TestStore::memory();
/// let table = store.objects("t", Mapper::default(), &[FamilySpec::new("a")])?;
/// table.insert(b"r", &json!({"a": 1}))?;
/// assert_eq!(table.count()?, 1);
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct TestTable {
    table: Table<TestStore>,
    raw: RawTable,
}

impl TestTable {
    /// The table, for functions that take a `&Table`.
    ///
    /// ```
    /// use capjure::store::FamilySpec;
    /// let table = capjure::testing::TestStore::memory()
    ///     .objects("t", capjure::Mapper::default(), &[FamilySpec::new("a")])?;
    /// assert_eq!(table.table().name(), table.raw().name());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn table(&self) -> &Table<TestStore> {
        &self.table
    }

    /// The guard that drops the table, for the raw store calls.
    ///
    /// ```
    /// use capjure::store::FamilySpec;
    /// let table = capjure::testing::TestStore::memory()
    ///     .objects("t", capjure::Mapper::default(), &[FamilySpec::new("a")])?;
    /// assert!(table.raw().name().starts_with("capjure_test_t_"));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn raw(&self) -> &RawTable {
        &self.raw
    }
}

impl Deref for TestTable {
    type Target = Table<TestStore>;

    fn deref(&self) -> &Table<TestStore> {
        &self.table
    }
}

impl fmt::Debug for TestTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestTable")
            .field("table", &self.table)
            .field("store", &self.raw.store)
            .finish()
    }
}

// Every call goes to the wrapped store, defaults included: MemoryStore
// checks every compare op, and a store may replace rows atomically.
crate::store::forward_store!([] TestStore, |this| this.store);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_test_tables_of_dead_processes_are_stale() {
        let store = TestStore::memory();
        let mine = store.unique_name("x_y");
        assert!(!is_stale(&mine), "{mine}");
        // Pid 0 is never a user process; u32::MAX is beyond any pid_max.
        let dead = format!("{TABLE_PREFIX}x_y_{}_1_0", u32::MAX);
        assert!(is_stale(&dead));
        assert!(!is_stale(&format!("capjure_t_x_{}_1_0", u32::MAX)));
        assert!(!is_stale(&format!("{TABLE_PREFIX}x_notapid_1_0")));
        if cfg!(target_os = "linux") {
            let init = format!("{TABLE_PREFIX}x_1_1_0");
            assert!(!is_stale(&init), "pid 1 runs");
        }
    }

    #[test]
    fn unique_names_are_valid_table_names() {
        let name = TestStore::memory().unique_name("a b/c");
        assert!(name.starts_with("capjure_test_a_b_c_"), "{name}");
    }
}
