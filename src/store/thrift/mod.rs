//! [`ThriftStore`]: a real HBase through its Thrift1 gateway.

use std::collections::{BTreeMap, HashMap, HashSet};

use hbase_thrift::hbase::{
    ColumnDescriptor, Mutation as TMutation, THbaseSyncClient, TRowResult, TScan,
};

use super::{
    Column, FamilySpec, Mutation, Prepared, Read, Row, RowMutations, Scan, Scanner, Store,
    check_batch, check_check_and_put, check_family_name, check_timestamp, group_by_timestamp,
    key_after, normalize_columns, sort_cells,
};
use crate::cell::{Cell, CellRef, split_column};
use crate::error::{ErrorKind, Result};

mod batch;

use batch::{Batch, BatchCells};
mod scan_filter;
#[cfg(test)]
mod test_replies;
mod write;

pub use super::gateway::config::{ThriftConfig, TransportKind, WireProtocol};
use super::gateway::{self, Exception, ExceptionKind, Gateway, Retry, Wire, errors};
use thrift::protocol::{TInputProtocol, TOutputProtocol};

/// The generated Thrift1 client over boxed protocols.
pub(crate) type Client = hbase_thrift::hbase::HbaseSyncClient<
    Box<dyn TInputProtocol + Send>,
    Box<dyn TOutputProtocol + Send>,
>;
type Conn = super::gateway::pool::Conn<Thrift1>;

/// HBase's Thrift1 protocol, for the shared gateway plumbing.
pub(crate) struct Thrift1;

impl Wire for Thrift1 {
    type Client = Client;
    const NAME: &'static str = "Thrift1";
    const SERVER_TYPE: i32 = 1;
    const START: &'static str = "`hbase thrift start`";
    const TERSE_ERRORS: bool = false;

    fn client(
        input: Box<dyn TInputProtocol + Send>,
        output: Box<dyn TOutputProtocol + Send>,
    ) -> Client {
        hbase_thrift::hbase::HbaseSyncClient::new(input, output)
    }

    fn server_type(client: &mut Client) -> thrift::Result<i32> {
        Ok(client.get_thrift_server_type()?.0)
    }

    fn table_enabled(client: &mut Client, table: &str) -> thrift::Result<bool> {
        client.is_table_enabled(table.into())
    }

    fn table_exists(client: &mut Client, table: &str) -> thrift::Result<bool> {
        Ok(client
            .get_table_names()?
            .iter()
            .any(|name| name == table.as_bytes()))
    }

    fn exception(user: &(dyn std::error::Error + Send + Sync + 'static)) -> Option<Exception> {
        use hbase_thrift::hbase::{AlreadyExists, IOError, IllegalArgument};
        if let Some(io) = user.downcast_ref::<IOError>() {
            return Some(Exception::io(io.message.clone(), io.can_retry));
        }
        if let Some(arg) = user.downcast_ref::<IllegalArgument>() {
            let message = arg.message.clone();
            return Some(Exception::other(ExceptionKind::IllegalArgument, message));
        }
        let exists = user.downcast_ref::<AlreadyExists>()?;
        Some(Exception::other(
            ExceptionKind::AlreadyExists,
            exists.message.clone(),
        ))
    }
}

/// A [`Store`] backed by HBase's Thrift1 gateway (`hbase thrift start`).
///
/// Connections come from a pool of at most [`ThriftConfig::pool_size`]
/// that checks each idle connection before reuse and drops any that
/// failed; callers wait for a busy one to come back. Any call is retried
/// (with exponential backoff) when nothing reached the server; calls that
/// are safe to repeat (reads, puts and deletes at explicit timestamps)
/// also when the connection broke after sending; increments,
/// check-and-put and writes at the server's clock are not, and their
/// errors say the call may or may not have been applied. A call with no
/// reply within the call timeout is an [`ErrorKind::Timeout`] and never
/// retried: the gateway may still be running it. A call on a disabled
/// table is an [`ErrorKind::TableDisabled`] within about a second, also
/// where the gateway itself would retry for minutes. A new connection is
/// checked with one cheap call, so a transport or protocol mismatch is an
/// [`ErrorKind::ProtocolMismatch`] within the connect timeout, and a
/// gateway that accepts connections but never answers an
/// [`ErrorKind::Timeout`].
///
/// Round trips per call: `mutate` one per distinct timestamp in the batch;
/// `get_rows` one for the latest versions, else one per row plus one per
/// column read; scans one to open, one per [`Scan::batch`] rows (the
/// first is fetched by `scan` itself, so that a missing table or family
/// fails there; a scan whose row count is a multiple of the batch ends on
/// an empty one), one to close (once a scan has received two batches, it
/// asks for each next one on a second pooled connection while the caller
/// reads the current one, if [`ThriftConfig::pool_size`] is at least 2;
/// dropping a scanner part-way then waits for the batch in flight before
/// closing it); a scan of an empty range one, to check the table and
/// families;
/// `delete_rows` two (the table's families, then one batch);
/// `increment`, `check_and_put`, `table_exists`, `list_tables` and
/// `families` one; `create_table` one; `drop_table` three;
/// `truncate_table` five (the gateway has no truncate: it reads the
/// families, disables, deletes and re-creates the table, so a failure
/// half-way can leave the table missing). `add_family` is not possible
/// through Thrift1.
///
/// ```no_run
/// use capjure::store::{Read, Store, ThriftConfig};
/// use capjure::ThriftStore;
///
/// let store = ThriftStore::new(ThriftConfig::new("127.0.0.1:9090"))?;
/// let row = store.get_row("paintings", b"p1", &Read::latest())?;
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct ThriftStore {
    gateway: Gateway<Thrift1>,
}

impl std::fmt::Debug for ThriftStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThriftStore")
            .field("config", self.gateway.config())
            .finish_non_exhaustive()
    }
}

/// Rows per piece below which a multi-get is not split across connections:
/// a smaller piece saves less server time than a thread and a connection
/// cost.
const SPLIT_ROWS: usize = 25;

impl ThriftStore {
    /// Connects once to check the address, transport and protocol, and
    /// keeps that connection in the pool.
    ///
    /// ```
    /// use capjure::store::ThriftConfig;
    /// use std::time::Duration;
    ///
    /// // Nothing listens on port 1: a clear error, quickly.
    /// let err = capjure::ThriftStore::new(
    ///     ThriftConfig::new("127.0.0.1:1").connect_timeout(Duration::from_millis(200)).retries(0),
    /// ).unwrap_err();
    /// assert!(err.to_string().contains("127.0.0.1:1"));
    /// ```
    pub fn new(config: ThriftConfig) -> Result<Self> {
        Ok(ThriftStore {
            gateway: Gateway::connect(config)?,
        })
    }

    /// The configuration.
    ///
    /// ```no_run
    /// let store = capjure::ThriftStore::new(capjure::store::ThriftConfig::new("127.0.0.1:9090"))?;
    /// assert_eq!(store.config().address(), "127.0.0.1:9090");
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn config(&self) -> &ThriftConfig {
        self.gateway.config()
    }

    /// Runs one Thrift call on a pooled connection, retrying per `retry`.
    fn call<T>(
        &self,
        table: &str,
        operation: &'static str,
        retry: Retry,
        call: impl FnMut(&mut Client) -> thrift::Result<T>,
    ) -> Result<T> {
        self.gateway.call(table, operation, retry, call)
    }

    fn family_names(&self, table: &str) -> Result<Vec<Vec<u8>>> {
        Ok(self
            .families(table)?
            .into_iter()
            .map(|family| family.name.into_bytes())
            .collect())
    }

    /// Every version wanted of one row: its columns first (one round
    /// trip), then each column's versions (one round trip each) — Thrift1
    /// has no multi-version row read.
    fn get_versions(&self, table: &str, row: &[u8], read: &Read) -> Result<Option<Row>> {
        let latest = self.get_latest(table, &[row.to_vec()], &read.columns, read.before)?;
        let Some(Some(latest)) = latest.into_iter().next() else {
            return Ok(None);
        };
        let mut cells = Vec::new();
        for cell in latest.latest() {
            let column = Column::qualified(cell.family.clone(), cell.qualifier.clone()).to_thrift();
            let versions = i32::try_from(read.versions).unwrap_or(i32::MAX);
            let tcells = self.call(table, "get_rows", Retry::Safe, |client| match read.before {
                Some(before) => client.get_ver_ts(
                    table.into(),
                    row.to_vec(),
                    column.clone(),
                    before,
                    versions,
                    BTreeMap::new(),
                ),
                None => client.get_ver(
                    table.into(),
                    row.to_vec(),
                    column.clone(),
                    versions,
                    BTreeMap::new(),
                ),
            })?;
            cells.extend(tcells.into_iter().map(|tcell| Cell {
                family: cell.family.clone(),
                qualifier: cell.qualifier.clone(),
                value: tcell.value.unwrap_or_default(),
                timestamp: tcell.timestamp,
            }));
        }
        sort_cells(&mut cells);
        Ok((!cells.is_empty()).then(|| Row {
            key: row.to_vec(),
            cells,
        }))
    }

    fn get_latest(
        &self,
        table: &str,
        rows: &[Vec<u8>],
        columns: &[Column],
        before: Option<i64>,
    ) -> Result<Vec<Option<Row>>> {
        let columns: Vec<Vec<u8>> = columns.iter().map(Column::to_thrift).collect();
        if let [row] = rows {
            // One row is one Get in the gateway; the multi-row calls go
            // through the HBase client's batch machinery, which costs a
            // point read about a tenth of a millisecond more.
            let results = self.call(table, "get_rows", Retry::Safe, |client| match before {
                Some(before) => client.get_row_with_columns_ts(
                    table.into(),
                    row.clone(),
                    columns.clone(),
                    before,
                    BTreeMap::new(),
                ),
                None => client.get_row_with_columns(
                    table.into(),
                    row.clone(),
                    columns.clone(),
                    BTreeMap::new(),
                ),
            })?;
            let found = results.into_iter().find_map(row_from_thrift);
            return Ok(vec![found.filter(|found| found.key == *row)]);
        }
        let parts = (rows.len() / SPLIT_ROWS).clamp(1, self.gateway.config().pool_size.max(1));
        if parts > 1 {
            return self.get_latest_split(table, rows, &columns, before, parts);
        }
        self.get_latest_batch(table, rows, &columns, before)
    }

    /// A multi-get in `parts` pieces sent at the same time on separate
    /// pooled connections: the gateway answers each with its own worker
    /// and the region server reads them in parallel, where one call would
    /// read its rows one after another. Answers keep the order asked.
    fn get_latest_split(
        &self,
        table: &str,
        rows: &[Vec<u8>],
        columns: &[Vec<u8>],
        before: Option<i64>,
        parts: usize,
    ) -> Result<Vec<Option<Row>>> {
        let mut found = Vec::with_capacity(rows.len());
        for answer in gateway::in_pieces(rows, parts, |piece| {
            self.get_latest_batch(table, piece, columns, before)
        }) {
            found.extend(answer?);
        }
        Ok(found)
    }

    /// One `getRowsWithColumns` call for `rows`.
    fn get_latest_batch(
        &self,
        table: &str,
        rows: &[Vec<u8>],
        columns: &[Vec<u8>],
        before: Option<i64>,
    ) -> Result<Vec<Option<Row>>> {
        let results = self.call(table, "get_rows", Retry::Safe, |client| match before {
            Some(before) => client.get_rows_with_columns_ts(
                table.into(),
                rows.to_vec(),
                columns.to_vec(),
                before,
                BTreeMap::new(),
            ),
            None => client.get_rows_with_columns(
                table.into(),
                rows.to_vec(),
                columns.to_vec(),
                BTreeMap::new(),
            ),
        })?;
        let mut found: HashMap<Vec<u8>, Row> = results
            .into_iter()
            .filter_map(row_from_thrift)
            .map(|row| (row.key.clone(), row))
            .collect();
        // Rows are moved out, not copied, unless a key was asked for twice.
        let unique = rows.iter().collect::<HashSet<_>>().len() == rows.len();
        Ok(rows
            .iter()
            .map(|key| {
                if unique {
                    found.remove(key)
                } else {
                    found.get(key).cloned()
                }
            })
            .collect())
    }

    /// What a scan of an empty range checks instead of asking the server
    /// for rows: that the table and the families asked for exist (one
    /// round trip).
    fn check_scan_families(&self, table: &str, scan: &Scan) -> Result<()> {
        let families = self.family_names(table)?;
        match scan
            .columns
            .iter()
            .map(Column::family_name)
            .find(|family| !families.iter().any(|known| known == family))
        {
            Some(family) => Err(ErrorKind::FamilyNotFound {
                table: table.to_string(),
                family: crate::cell::Excerpt(family).to_string(),
            }
            .into()),
            None => Ok(()),
        }
    }

    /// Opens a server scanner for `scan`, from its first key in scan order
    /// or, when resuming, from `resume` (the last key handed out; the
    /// scanner's [`retain`](ThriftScanner::fetch) drops it again when the
    /// scan is reversed).
    ///
    /// HBase runs a reversed scan from its start row (inclusive, the high
    /// key) down to its stop row (exclusive, the low key), and Thrift1 has
    /// no exclusive start nor inclusive stop: a reversed scan starts at the
    /// stop key itself (an exclusive stop is dropped as it arrives) and
    /// ends at `start` through `InclusiveStopFilter`, which HBase applies
    /// in scan order.
    fn open_scanner(&self, table: &str, scan: &Scan, resume: Option<&[u8]>) -> Result<i32> {
        let first = match resume {
            Some(last) if scan.reverse => Some(last.to_vec()),
            Some(last) => key_after(last),
            None => scan.first_key(),
        };
        let tscan = TScan {
            start_row: first.filter(|first| !first.is_empty()),
            stop_row: if scan.reverse {
                None
            } else {
                scan.exclusive_stop()
            },
            timestamp: scan.before,
            columns: (!scan.columns.is_empty())
                .then(|| scan.columns.iter().map(Column::to_thrift).collect()),
            caching: Some(i32::try_from(scan.batch).unwrap_or(i32::MAX)),
            filter_string: scan_filter::filter_string(scan),
            batch_size: None,
            sort_columns: None,
            reversed: scan.reverse.then_some(true),
            cache_blocks: scan.keys_only.then_some(false),
        };
        self.call(table, "scan", Retry::Safe, |client| {
            client.scanner_open_with_scan(table.into(), tscan.clone(), BTreeMap::new())
        })
    }
}

/// A gateway row result as a [`Row`]; `None` for an empty one.
fn row_from_thrift(result: TRowResult) -> Option<Row> {
    let key = result.row?;
    let mut cells: Vec<Cell> = Vec::new();
    let columns = result.columns.unwrap_or_default().into_iter().chain(
        result
            .sorted_columns
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| Some((c.column_name?, c.cell?))),
    );
    for (mut column, tcell) in columns {
        // The column's own buffer becomes the family: one allocation per
        // cell (the qualifier) instead of two.
        let qualifier = match column.iter().position(|&b| b == b':') {
            Some(colon) => {
                let qualifier = column[colon + 1..].to_vec();
                column.truncate(colon);
                qualifier
            }
            None => Vec::new(),
        };
        cells.push(Cell {
            family: column,
            qualifier,
            value: tcell.value.unwrap_or_default(),
            timestamp: tcell.timestamp,
        });
    }
    sort_cells(&mut cells);
    (!cells.is_empty()).then_some(Row { key, cells })
}

fn to_thrift_mutation(mutation: &Mutation) -> TMutation {
    let (is_delete, column, value) = match mutation {
        Mutation::Put(cell) => (false, cell.column(), Some(cell.value.clone())),
        Mutation::DeleteColumn {
            family, qualifier, ..
        } => (
            true,
            Column::qualified(family.clone(), qualifier.clone()).to_thrift(),
            None,
        ),
        Mutation::DeleteFamily { family, .. } => (true, family.clone(), None),
    };
    TMutation {
        is_delete: Some(is_delete),
        column: Some(column),
        value,
        write_to_w_a_l: Some(true),
    }
}

impl Store for ThriftStore {
    fn mutate(&self, table: &str, batch: &[RowMutations]) -> Result<()> {
        check_batch(table, batch, &self.gateway.config().limits)?;
        write::check_sizes(table, batch)?;
        let groups = group_by_timestamp(batch);
        for (index, (timestamp, group)) in groups.iter().enumerate() {
            let retry = Retry::for_write(*timestamp);
            let call = write::MutateRows {
                table,
                rows: group,
                timestamp: *timestamp,
                attributes: &BTreeMap::new(),
            };
            // Encoded per attempt, straight from the caller's cells.
            self.gateway
                .call_conn(table, "mutate", retry, |conn| {
                    write::mutate_rows(conn, &call)
                })
                .map_err(|err| errors::blame_rows(err, table, &groups, index))?;
        }
        Ok(())
    }

    fn get_rows(&self, table: &str, rows: &[Vec<u8>], read: &Read) -> Result<Vec<Option<Row>>> {
        self.gateway
            .pool
            .config
            .limits
            .check_rows(table, "get_rows", rows)?;
        if let Some(before) = read.before {
            check_timestamp(table, "get_rows", before)?;
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let read = Read {
            columns: normalize_columns(&read.columns),
            ..read.clone()
        };
        if read.versions <= 1 {
            return self.get_latest(table, rows, &read.columns, read.before);
        }
        rows.iter()
            .map(|row| {
                self.get_versions(table, row, &read)
                    .map_err(|e| e.in_row(row))
            })
            .collect()
    }

    fn scan(&self, table: &str, scan: &Scan) -> Result<Scanner<'_>> {
        let (mut scan, shape) = match scan.prepare(table, &self.gateway.config().limits)? {
            Prepared::Empty(scan) => {
                self.check_scan_families(table, &scan)?;
                return Ok(Scanner::new(std::iter::empty()));
            }
            Prepared::Run(scan, shape) => (scan, shape),
        };
        let shape = scan_filter::client_shape(&scan, shape);
        if shape.is_noop() {
            if let Some(limit) = scan.limit {
                // Every row fetched is returned: fetch no more than wanted.
                scan.batch = scan.batch.min(limit.max(1));
            }
        }
        let limit = scan.limit;
        let id = self.open_scanner(table, &scan, None)?;
        let mut scanner = ThriftScanner {
            store: self,
            table: table.to_string(),
            scan,
            id: Some(id),
            batch: Batch::default(),
            next: 0,
            last: None,
            restarts: 0,
            batches: 0,
            pending: None,
        };
        // The gateway opens a scanner on a missing table (or family) and
        // fails only when asked for rows: asking for the first batch here
        // reports it from `scan`, as `MemoryStore` does, at no extra round
        // trip. Dropping the scanner closes it.
        scanner.fetch()?;
        Ok(Scanner::thrift(scanner).shaped(shape, limit))
    }

    fn delete_rows(&self, table: &str, rows: &[Vec<u8>], timestamp: Option<i64>) -> Result<()> {
        self.gateway
            .pool
            .config
            .limits
            .check_rows(table, "delete_rows", rows)?;
        if rows.is_empty() {
            return Ok(());
        }
        let families = self.family_names(table)?;
        let batch: Vec<RowMutations> = rows
            .iter()
            .map(|row| RowMutations {
                row: row.clone(),
                mutations: families
                    .iter()
                    .map(|family| Mutation::DeleteFamily {
                        family: family.clone(),
                        timestamp,
                    })
                    .collect(),
            })
            .collect();
        self.mutate(table, &batch)
    }

    fn increment(
        &self,
        table: &str,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
        amount: i64,
    ) -> Result<i64> {
        self.gateway
            .config()
            .limits
            .check_row(table, "increment", row)?;
        check_family_name(table, "increment", family)?;
        let column = Column::qualified(family, qualifier).to_thrift();
        self.call(table, "increment", Retry::Never, |client| {
            client.atomic_increment(table.into(), row.to_vec(), column.clone(), amount)
        })
        .map_err(|err| {
            let err = match err.into_kind() {
                ErrorKind::NotACounter { table, len, .. } => ErrorKind::NotACounter {
                    table,
                    column: crate::error::column_name(family, qualifier),
                    len,
                }
                .into(),
                other => crate::Error::from(other),
            };
            err.in_row(row)
        })
    }

    fn check_and_put(
        &self,
        table: &str,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
        expected: Option<&[u8]>,
        put: &Cell,
    ) -> Result<bool> {
        check_check_and_put(table, row, family, put, &self.gateway.config().limits)?;
        let column = Column::qualified(family, qualifier).to_thrift();
        let mutation = to_thrift_mutation(&Mutation::Put(put.clone()));
        // The generated client cannot send a null value; an empty one means
        // "missing or empty" to HBase, which is what `None` documents.
        let expected = expected.unwrap_or_default().to_vec();
        self.call(table, "check_and_put", Retry::Never, |client| {
            client.check_and_put(
                table.into(),
                row.to_vec(),
                column.clone(),
                expected.clone(),
                mutation.clone(),
                BTreeMap::new(),
            )
        })
        .map_err(|err| err.in_row(row))
    }

    fn create_table(&self, table: &str, families: &[FamilySpec]) -> Result<()> {
        super::check_create_table(table, families)?;
        let descriptors: Vec<ColumnDescriptor> = families
            .iter()
            .map(|family| ColumnDescriptor {
                name: Some(family.name.clone().into_bytes()),
                max_versions: Some(i32::try_from(family.max_versions.max(1)).unwrap_or(i32::MAX)),
                compression: Some("NONE".to_string()),
                in_memory: Some(false),
                // HBase's own default (the Thrift IDL's is NONE): a get of
                // a row that is not in a store file skips the file. Replace
                // semantics read every batch before writing it, so inserts
                // of new rows are such gets.
                bloom_filter_type: Some("ROW".to_string()),
                bloom_filter_vector_size: Some(0),
                bloom_filter_nb_hashes: Some(0),
                block_cache_enabled: Some(true),
                time_to_live: Some(
                    family
                        .ttl
                        .map_or(i32::MAX, |t| t.try_into().unwrap_or(i32::MAX)),
                ),
            })
            .collect();
        self.call(table, "create_table", Retry::Never, |client| {
            client.create_table(table.into(), descriptors.clone())
        })
    }

    fn table_exists(&self, table: &str) -> Result<bool> {
        Ok(self.list_tables()?.iter().any(|name| name == table))
    }

    fn list_tables(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self
            .call("", "list_tables", Retry::Safe, |client| {
                client.get_table_names()
            })?
            .into_iter()
            .map(|name| String::from_utf8_lossy(&name).into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    fn families(&self, table: &str) -> Result<Vec<FamilySpec>> {
        let descriptors = self.call(table, "families", Retry::Safe, |client| {
            client.get_column_descriptors(table.into())
        })?;
        let mut families: Vec<FamilySpec> = descriptors
            .into_values()
            .filter_map(|descriptor| {
                let name = descriptor.name?;
                let name = name.strip_suffix(b":").unwrap_or(&name);
                let versions = u32::try_from(descriptor.max_versions.unwrap_or(1)).unwrap_or(1);
                let mut spec = FamilySpec::new(String::from_utf8_lossy(name).into_owned())
                    .max_versions(versions);
                // HBase's "forever" is i32::MAX seconds.
                let ttl = descriptor
                    .time_to_live
                    .filter(|t| (1..i32::MAX).contains(t));
                spec.ttl = ttl.map(i32::unsigned_abs);
                Some(spec)
            })
            .collect();
        families.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(families)
    }

    fn drop_table(&self, table: &str) -> Result<()> {
        let enabled = self.call(table, "drop_table", Retry::Safe, |client| {
            client.is_table_enabled(table.into())
        })?;
        if enabled {
            self.call(table, "drop_table", Retry::Never, |client| {
                client.disable_table(table.into())
            })?;
        }
        self.call(table, "drop_table", Retry::Never, |client| {
            client.delete_table(table.into())
        })
    }

    fn truncate_table(&self, table: &str) -> Result<()> {
        let families = self.families(table)?;
        self.drop_table(table)?;
        self.create_table(table, &families).map_err(|err| {
            ErrorKind::Server {
                table: table.to_string(),
                operation: "truncate_table",
                message: format!(
                    "the table was dropped but could not be re-created with families {:?}",
                    families.iter().map(|f| f.name.as_str()).collect::<Vec<_>>()
                ),
                source: Box::new(err),
            }
            .into()
        })
    }

    fn add_family(&self, table: &str, family: &FamilySpec) -> Result<()> {
        check_family_name(table, "add_family", family.name.as_bytes())?;
        Err(ErrorKind::Unsupported {
            operation: "adding a column family",
            store: "the hbase thrift1 gateway",
            hint: "run `alter 'TABLE', 'FAMILY'` in the hbase shell, or create the table with every family",
        }
        .into())
    }
}

/// The lazy side of [`ThriftStore::scan`]: fetches a batch per round trip,
/// reopens the server scanner after the last row seen when the server
/// forgot it (lease expiry, gateway restart) or the connection broke, and
/// closes it when done or dropped.
pub(crate) struct ThriftScanner<'a> {
    store: &'a ThriftStore,
    table: String,
    scan: Scan,
    id: Option<i32>,
    /// The last batch: only rows with a key and at least one cell.
    batch: Batch,
    /// Its next row to hand out.
    next: usize,
    /// The last key of the batches fetched so far (all handed out before
    /// the next fetch): where a reopened scanner resumes.
    last: Option<Vec<u8>>,
    restarts: u32,
    /// Batches received so far.
    batches: u32,
    /// The next batch, asked for on a second connection while the caller
    /// reads the current one.
    pending: Option<Prefetch>,
}

/// A `scannerGetList` running on its own thread and connection.
type Prefetch = std::thread::JoinHandle<(Conn, thrift::Result<Batch>)>;

impl ThriftScanner<'_> {
    fn fetch(&mut self) -> Result<()> {
        let Some(id) = self.id else {
            return Ok(());
        };
        let rows = i32::try_from(self.scan.batch).unwrap_or(i32::MAX);
        // The next batch is usually about as large as this one.
        let capacity = self.batch.byte_len();
        // Never retried as is: a lost reply may have moved the server's
        // cursor. Reopening after the last row seen is safe instead.
        let result = match self.pending.take() {
            Some(pending) => self.settle(pending),
            None => self
                .store
                .gateway
                .call_conn(&self.table, "scan", Retry::Never, |conn| {
                    batch::scanner_get_list(conn, id, rows, capacity)
                }),
        };
        match result {
            Ok(mut batch) => {
                self.restarts = 0;
                self.batches = self.batches.saturating_add(1);
                // The gateway fills a batch from HBase's client scanner,
                // which crosses regions and stops short only when the scan
                // has no more rows (`ResultScanner.next(n)`, HBase 1.x to
                // 2.6): a short batch is the last, and asking again would
                // only fetch an empty one.
                let exhausted = i32::try_from(batch.received()).is_ok_and(|got| got < rows);
                if exhausted {
                    self.close();
                } else if self.batches >= 2
                    && self.store.config().pool_size >= 2
                    && !self.scan.keys_only
                {
                    // A caller past its first batch is reading the scan
                    // through: ask for the next batch now, so that the
                    // server works while the caller reads this one (on
                    // a second connection, so only with room for it in
                    // the pool). Not for keys-only scans (counts): the
                    // caller has nothing to do while it waits, and the
                    // thread and the second connection only add a
                    // wake-up per batch.
                    self.prefetch(id, rows, batch.byte_len());
                }
                // A reopened scanner may repeat rows at the boundary; a
                // reversed one starts at its (maybe exclusive) stop row.
                let last = self.last.take();
                let scan = &self.scan;
                batch.retain(|key, cells| {
                    let fresh = last
                        .as_deref()
                        .is_none_or(|last| if scan.reverse { key < last } else { key > last });
                    cells > 0 && fresh && (!scan.reverse || scan.contains(key))
                });
                self.last = match batch.len().checked_sub(1) {
                    Some(end) => Some(batch.key(end).to_vec()),
                    None => last,
                };
                self.batch = batch;
                self.next = 0;
                Ok(())
            }
            Err(err)
                if self.restartable(&err) && self.restarts < self.store.config().retries.max(1) =>
            {
                self.restarts += 1;
                self.close();
                let done = !self.scan.reverse
                    && self.last.as_deref().is_some_and(|last| {
                        key_after(last).is_none_or(|next| self.scan.is_past_stop(&next))
                    });
                if done {
                    // The last row seen was the last of the range; a
                    // scanner opened at its stop would read the stop row.
                    self.batch = Batch::default();
                    self.next = 0;
                    return Ok(());
                }
                let resume = self.last.clone();
                self.id = Some(self.store.open_scanner(
                    &self.table,
                    &self.scan,
                    resume.as_deref(),
                )?);
                self.fetch()
            }
            Err(err) => Err(err),
        }
    }

    fn restartable(&self, err: &crate::Error) -> bool {
        match err.kind() {
            ErrorKind::Transport { .. } => true,
            ErrorKind::Server { source, .. } => source
                .downcast_ref::<thrift::Error>()
                .is_some_and(errors::scanner_expired::<Thrift1>),
            ErrorKind::InvalidArgument { message, .. } => message.contains("scanner ID is invalid"),
            _ => false,
        }
    }

    /// Sends the next `scannerGetList` on another pooled connection and
    /// thread. Without a connection or a thread the next fetch simply asks
    /// itself.
    fn prefetch(&mut self, id: i32, rows: i32, capacity: usize) {
        let Some(Ok(mut conn)) = self.store.gateway.pool.try_checkout() else {
            return;
        };
        conn.arm(&self.table);
        // Should the thread not start, the connection it took is dropped.
        self.pending = std::thread::Builder::new()
            .name("capjure-scan".into())
            .spawn(move || {
                let result = batch::scanner_get_list(&mut conn, id, rows, capacity);
                (conn, result)
            })
            .ok();
    }

    /// The prefetched batch, with the connection checked back in (or
    /// dropped when broken) and errors named as [`ThriftStore::call`]
    /// names them.
    fn settle(&self, pending: Prefetch) -> Result<Batch> {
        let (conn, result) = match pending.join() {
            Ok(done) => done,
            // The call panicked on that thread: as it would have here.
            Err(panic) => std::panic::resume_unwind(panic),
        };
        self.store.gateway.finish(conn, result, &self.table, "scan")
    }

    fn close(&mut self) {
        if let Some(pending) = self.pending.take() {
            // The batch in flight is not wanted, but the server scanner may
            // only be closed once it is answered.
            let _ = self.settle(pending);
        }
        if let Some(id) = self.id.take() {
            // Best effort: a scanner the server already forgot cannot leak.
            let _ = self
                .store
                .call(&self.table, "scan", Retry::Never, |client| {
                    client.scanner_close(id)
                });
        }
    }
}

impl ThriftScanner<'_> {
    /// The index of the next row in [`batch`](Self::batch), fetching a
    /// batch when the last one is used up.
    pub(crate) fn next_row(&mut self) -> Option<Result<usize>> {
        loop {
            if self.next < self.batch.len() {
                self.next += 1;
                return Some(Ok(self.next - 1));
            }
            self.id?;
            if let Err(err) = self.fetch() {
                self.close();
                return Some(Err(err));
            }
        }
    }

    /// The batch the rows [`next_row`](Self::next_row) gives are in.
    pub(crate) fn batch(&self) -> &Batch {
        &self.batch
    }
}

impl Iterator for ThriftScanner<'_> {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let row = match self.next_row()? {
                Ok(row) => row,
                Err(err) => return Some(Err(err)),
            };
            if let Some(row) = self.batch.row(row) {
                return Some(Ok(row));
            }
        }
    }
}

/// A batch row's cells as [`CellRef`]s borrowed from the batch, in the
/// order and with the versions [`Batch::row`] and then [`Row::latest`]
/// would give: sorted by family, then qualifier, the first cell of each
/// column. The gateway sends a row's cells sorted by column name, which
/// is that order unless one family name is a prefix of another (or a
/// name has bytes above 0x7f, which Java orders as negative), so the
/// cells are only gathered and sorted when the order does not hold.
pub(crate) enum ThriftCells<'c> {
    InOrder(BatchCells<'c>),
    Sorted(std::vec::IntoIter<CellRef<'c>>),
}

impl<'c> ThriftCells<'c> {
    pub(crate) fn new(batch: &'c Batch, row: usize) -> Self {
        let columns = batch.cells(row);
        let mut previous: Option<(&[u8], &[u8])> = None;
        let in_order = columns.clone().all(|(column, _, _)| {
            let split = split_column(column);
            let increasing = previous.is_none_or(|previous| previous < split);
            previous = Some(split);
            increasing
        });
        if in_order {
            return ThriftCells::InOrder(columns);
        }
        let mut cells: Vec<CellRef<'c>> = columns.map(cell_ref).collect();
        cells.sort_by(|a, b| {
            (a.family, a.qualifier)
                .cmp(&(b.family, b.qualifier))
                .then_with(|| b.timestamp.cmp(&a.timestamp))
        });
        cells.dedup_by(|next, first| {
            next.family == first.family && next.qualifier == first.qualifier
        });
        ThriftCells::Sorted(cells.into_iter())
    }
}

fn cell_ref<'c>((column, value, timestamp): (&'c [u8], &'c [u8], Option<i64>)) -> CellRef<'c> {
    CellRef {
        timestamp,
        ..CellRef::from_column(column, value)
    }
}

impl<'c> Iterator for ThriftCells<'c> {
    type Item = CellRef<'c>;

    #[inline]
    fn next(&mut self) -> Option<CellRef<'c>> {
        match self {
            ThriftCells::InOrder(columns) => columns.next().map(cell_ref),
            ThriftCells::Sorted(cells) => cells.next(),
        }
    }
}

impl Drop for ThriftScanner<'_> {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hbase_thrift::hbase::{IOError, TCell, TColumn};

    fn map_io_error(message: &str) -> crate::Error {
        let err = thrift::Error::User(Box::new(IOError::new(message.to_string(), false)));
        errors::map_error::<Thrift1>(
            err,
            "t",
            "get_rows",
            "h:1",
            std::time::Duration::from_secs(1),
        )
    }

    #[test]
    fn maps_table_disabled() {
        let mapped = map_io_error(
            "org.apache.hadoop.hbase.TableNotEnabledException: t is disabled.\n\tat x",
        );
        assert!(matches!(mapped.kind(), ErrorKind::TableDisabled { table } if table == "t"));
    }

    #[test]
    fn maps_table_not_found() {
        let mapped = map_io_error("org.apache.hadoop.hbase.TableNotFoundException: t\n\tat x");
        assert!(matches!(mapped.kind(), ErrorKind::TableNotFound { table } if table == "t"));
    }

    fn tcell(value: &str, timestamp: i64) -> TCell {
        TCell {
            value: Some(value.as_bytes().to_vec()),
            timestamp: Some(timestamp),
        }
    }

    /// What hydration got before: owned cells, sorted, newest per column.
    fn via_row(result: &TRowResult) -> Vec<Cell> {
        row_from_thrift(result.clone())
            .map(|row| row.latest().cloned().collect())
            .unwrap_or_default()
    }

    fn in_place(result: &TRowResult) -> Vec<Cell> {
        let batch = Batch::from_results(vec![result.clone()]);
        ThriftCells::new(&batch, 0)
            .map(|cell| Cell {
                family: cell.family.to_vec(),
                qualifier: cell.qualifier.to_vec(),
                value: cell.value.to_vec(),
                timestamp: cell.timestamp,
            })
            .collect()
    }

    #[test]
    fn cells_read_in_place_match_owned_rows() {
        let columns = |names: &[(&str, &str, i64)]| {
            names
                .iter()
                .map(|(name, value, ts)| (name.as_bytes().to_vec(), tcell(value, *ts)))
                .collect::<BTreeMap<_, _>>()
        };
        let results = [
            // In column order already.
            TRowResult {
                row: Some(b"r".to_vec()),
                columns: Some(columns(&[("a:x", "1", 1), ("a:y", "2", 2), ("b:", "3", 3)])),
                sorted_columns: None,
            },
            // `a-b` sorts before `a` by column name, after it by family.
            TRowResult {
                row: Some(b"r".to_vec()),
                columns: Some(columns(&[
                    ("a-b:y", "1", 1),
                    ("a:x", "2", 2),
                    ("a:z", "3", 3),
                ])),
                sorted_columns: None,
            },
            // `f` and `f:` are the same column: the newest wins.
            TRowResult {
                row: Some(b"r".to_vec()),
                columns: Some(columns(&[
                    ("f", "old", 1),
                    ("f:", "new", 2),
                    ("f:q", "q", 1),
                ])),
                sorted_columns: None,
            },
            TRowResult {
                row: Some(b"r".to_vec()),
                columns: None,
                sorted_columns: Some(vec![
                    TColumn {
                        column_name: Some(b"b:q".to_vec()),
                        cell: Some(tcell("1", 1)),
                    },
                    TColumn {
                        column_name: None,
                        cell: Some(tcell("x", 1)),
                    },
                    TColumn {
                        column_name: Some(b"a:q".to_vec()),
                        cell: Some(tcell("2", 2)),
                    },
                ]),
            },
            TRowResult {
                row: Some(b"r".to_vec()),
                columns: None,
                sorted_columns: None,
            },
        ];
        for result in &results {
            assert_eq!(in_place(result), via_row(result), "{result:?}");
            let batch = Batch::from_results(vec![result.clone()]);
            assert_eq!(batch.row(0), row_from_thrift(result.clone()), "{result:?}");
        }
    }
}
