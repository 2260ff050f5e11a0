//! One error type for the whole crate, saying where things went wrong.
//!
//! [`Error`] is small (one box) and carries the row key when it is known;
//! [`ErrorKind`] says what failed and names the key path, column or field.
//! Messages are lower case and have no trailing period so that they compose:
//! `row "r1": column "cars_make:x": value is not valid JSON`.

use std::fmt;

use crate::cell::Excerpt;

/// A `Result` whose error is capjure's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error every fallible capjure call returns.
///
/// ```
/// use capjure::{ErrorKind, KeyConfig, Mapper};
/// use serde_json::json;
///
/// let mapper = Mapper::new(KeyConfig::new());
/// let err = mapper
///     .flatten(&json!({"cars": [{"make": "honda"}]}))
///     .unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::NoPrimaryKey { key } if key == "cars"));
/// assert_eq!(
///     err.to_string(),
///     "array of maps under key `cars` has no primary key configured; \
///      configure one with KeyConfig::field or KeyConfig::composite"
/// );
/// ```
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    row: Option<Vec<u8>>,
}

impl Error {
    /// What went wrong.
    ///
    /// ```
    /// use capjure::{Error, ErrorKind};
    /// let err = Error::from(ErrorKind::EmptyName { parent: None });
    /// assert!(matches!(err.kind(), ErrorKind::EmptyName { parent: None }));
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The kind, taking ownership.
    ///
    /// ```
    /// use capjure::{Error, ErrorKind};
    /// let kind = Error::from(ErrorKind::EmptyName { parent: None }).into_kind();
    /// assert!(matches!(kind, ErrorKind::EmptyName { .. }));
    /// ```
    pub fn into_kind(self) -> ErrorKind {
        self.0.kind
    }

    /// The row key the error happened in, when known.
    ///
    /// ```
    /// use capjure::{Error, ErrorKind};
    /// let err = Error::from(ErrorKind::EmptyName { parent: None }).in_row(b"r1");
    /// assert_eq!(err.row(), Some(&b"r1"[..]));
    /// assert_eq!(err.to_string(), "row \"r1\": an empty key at the top level cannot be stored");
    /// ```
    pub fn row(&self) -> Option<&[u8]> {
        self.0.row.as_deref()
    }

    /// The same error, said to have happened in `row` (a row already named
    /// is kept).
    ///
    /// ```
    /// use capjure::{Error, ErrorKind};
    /// let err = Error::from(ErrorKind::EmptyName { parent: None }).in_row(b"a").in_row(b"b");
    /// assert_eq!(err.row(), Some(&b"a"[..]));
    /// ```
    pub fn in_row(mut self, row: &[u8]) -> Self {
        if self.0.row.is_none() {
            self.0.row = Some(row.to_vec());
        }
        self
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(Inner { kind, row: None }))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(row) = &self.0.row {
            write!(f, "row \"{}\": ", Excerpt(row))?;
        }
        self.0.kind.fmt(f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Error");
        if let Some(row) = &self.0.row {
            debug.field("row", &Excerpt(row).to_string());
        }
        debug.field("kind", &self.0.kind).finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.0.kind)
    }
}

/// What went wrong, and where.
///
/// Key paths read like `cars[1].make`; columns are printed `family:qualifier`
/// with non-printable bytes as `\xNN`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The object to flatten is not a JSON object.
    #[error("expected an object at the top level, found {found}")]
    NotAnObject {
        /// What was found instead (`an array`, `a string`, ...).
        found: &'static str,
    },

    /// A value is nested deeper than the layout can store.
    #[error(
        "`{path}` holds {found}, nested deeper than the layout supports \
         (top-level values may be scalars, maps of scalars, arrays of scalars \
         or arrays of maps of scalars)"
    )]
    TooDeep {
        /// Where the value is, e.g. `road.geo` or `cars[1].engine`.
        path: String,
        /// What it is (`a map`, `an array`).
        found: &'static str,
    },

    /// An array of maps sits under a key with no primary key configured.
    #[error(
        "array of maps under key `{key}` has no primary key configured; \
         configure one with KeyConfig::field or KeyConfig::composite"
    )]
    NoPrimaryKey {
        /// The top-level key.
        key: String,
    },

    /// An array mixes maps with scalars.
    #[error(
        "array under key `{key}` mixes maps and scalars (element {index} differs from element 0)"
    )]
    MixedArray {
        /// The top-level key.
        key: String,
        /// The first element whose kind differs from element 0's.
        index: usize,
    },

    /// A child of an array of maps lacks its primary-key field, or holds an
    /// unusable value there.
    #[error("`{key}[{index}]`: primary-key field `{field}` {problem}")]
    BadPrimaryKey {
        /// The top-level key.
        key: String,
        /// The child's position in the array.
        index: usize,
        /// The configured primary-key field.
        field: String,
        /// What is wrong with it (`is missing`, `is null`, ...).
        problem: String,
    },

    /// Two children of an array of maps have the same primary key.
    #[error(
        "`{key}[{first}]` and `{key}[{second}]` have the same primary key \"{qualifier}\" \
         and would merge into one child"
    )]
    DuplicatePrimaryKey {
        /// The top-level key.
        key: String,
        /// The primary key both encode to.
        qualifier: String,
        /// The first child with it.
        first: usize,
        /// The second child with it.
        second: usize,
    },

    /// A user-supplied primary-key encoder or decoder failed.
    #[error("primary key of `{key}`: {message}")]
    PrimaryKeyCodec {
        /// The top-level key (and child index, when flattening).
        key: String,
        /// What the encoder or decoder said.
        message: String,
    },

    /// A key or field would be stored in a column family that reads back as
    /// something else (capjure's prefix collision).
    #[error(
        "`{path}` would be stored under \"{group}\", which reads back as {reads_as}; \
         rename the key or the field"
    )]
    KeyCollision {
        /// The key or field path being written.
        path: String,
        /// The column family (or, in the single-family layout, the qualifier
        /// prefix) it would be stored under.
        group: String,
        /// What a reader takes that family for, e.g. ``field `count` of array `cars` ``.
        reads_as: String,
    },

    /// An empty key or field name, which the layout cannot tell from a
    /// scalar.
    #[error("{}", match parent {
        None => "an empty key at the top level cannot be stored".to_string(),
        Some(parent) => format!("an empty field name in `{parent}` cannot be stored"),
    })]
    EmptyName {
        /// The map the empty name is in; `None` for the top level.
        parent: Option<String>,
    },

    /// A name that cannot be a column family.
    #[error("\"{family}\" cannot be a column family: {reason}")]
    InvalidFamily {
        /// The family name.
        family: String,
        /// Why not.
        reason: &'static str,
    },

    /// A value the chosen codec cannot store faithfully.
    #[error("`{path}` cannot be stored by the {codec} codec: {reason}")]
    Unrepresentable {
        /// Where the value is.
        path: String,
        /// The codec's name.
        codec: &'static str,
        /// Why.
        reason: String,
    },

    /// Stored bytes that must be UTF-8 are not.
    #[error("column \"{column}\": {part} is not valid UTF-8")]
    InvalidUtf8 {
        /// The column, `family:qualifier`.
        column: String,
        /// `value`, `qualifier` or `family`.
        part: &'static str,
    },

    /// Stored cells that do not form an object of the layout.
    #[error("column \"{column}\": {reason}")]
    Malformed {
        /// The column, `family:qualifier`.
        column: String,
        /// What is wrong.
        reason: String,
    },

    /// The same column was given twice to hydrate.
    #[error("column \"{column}\" appears more than once; hydrate takes one version per column")]
    DuplicateColumn {
        /// The column, `family:qualifier`.
        column: String,
    },

    /// A Rust value whose type the layout cannot store there (typed path).
    #[error("`{path}` of type `{rust_type}`: {reason}")]
    UnsupportedType {
        /// Where the value is, e.g. `road.geo` or `cart[1].tags`.
        path: String,
        /// The Rust type, from `std::any::type_name`.
        rust_type: &'static str,
        /// Why it cannot be stored.
        reason: String,
    },

    /// A stored cell that cannot be read as the Rust type asked for (typed
    /// path).
    #[error("column \"{column}\" (`{path}`) cannot be read as `{rust_type}`: {reason}")]
    TypeMismatch {
        /// Where the value goes, e.g. `road.speed`.
        path: String,
        /// The column, `family:qualifier`.
        column: String,
        /// The Rust type, from `std::any::type_name`.
        rust_type: &'static str,
        /// What is wrong.
        reason: String,
    },

    /// What a `Serialize` or `Deserialize` implementation reported (for
    /// example serde's `missing field` or `unknown variant`).
    #[error("{}", if path.is_empty() { message.clone() } else { format!("`{path}`: {message}") })]
    Serde {
        /// Where it happened; empty at the top level.
        path: String,
        /// What the implementation said.
        message: String,
    },

    /// Cells whose values carry no type, read into a target that asks the
    /// cells for one (a `serde_json::Value`, or `Mapper::hydrate`).
    #[error(
        "column \"{column}\": the {codec} codec stores values without their types; \
         read the row into a typed value with Mapper::from_cells"
    )]
    Untyped {
        /// The column, `family:qualifier`.
        column: String,
        /// The codec's name.
        codec: &'static str,
    },

    /// Row-key bytes that are not a key of the entity's key type: a
    /// composite key's part is cut short or malformed, bytes follow its
    /// last part, or a single-field key has the wrong width or is not
    /// UTF-8.
    #[error("row key \"{key}\": {part}: {reason}")]
    InvalidRowKey {
        /// The key, printable and shortened.
        key: String,
        /// Which part failed, e.g. ``part 1 (`visit`)``.
        part: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A store call was given an empty row key, which HBase cannot store.
    #[error("table \"{table}\": a row key must not be empty")]
    EmptyRowKey {
        /// The table.
        table: String,
    },

    /// The table does not exist.
    #[error("table \"{table}\" does not exist")]
    TableNotFound {
        /// The table.
        table: String,
    },

    /// A table of that name already exists.
    #[error("table \"{table}\" already exists")]
    TableExists {
        /// The table.
        table: String,
    },

    /// The table has no such column family.
    #[error("table \"{table}\" has no column family \"{family}\"")]
    FamilyNotFound {
        /// The table.
        table: String,
        /// The family that is missing.
        family: String,
    },

    /// A counter cell holds something other than an 8-byte big-endian
    /// integer.
    #[error("table \"{table}\": column \"{column}\" holds {len} bytes, not an 8-byte counter")]
    NotACounter {
        /// The table.
        table: String,
        /// The column, `family:qualifier`.
        column: String,
        /// How many bytes the cell holds.
        len: usize,
    },

    /// A typed table was asked to use a field its entity does not have,
    /// or does not have in the way the call needs (an increment of a field
    /// that is not a `counter`, a compare-and-set of a field stored in
    /// several cells).
    #[error("table \"{table}\": {operation}: field `{field}` {reason}")]
    UnusableField {
        /// The table.
        table: String,
        /// The call, e.g. `increment`.
        operation: &'static str,
        /// The field as the caller named it.
        field: String,
        /// Why it cannot be used, e.g. `is not a counter`.
        reason: String,
    },

    /// The store rejected an argument (a negative timestamp, a bad table
    /// name, ...).
    #[error("table \"{table}\": {operation}: {message}")]
    InvalidArgument {
        /// The table.
        table: String,
        /// The store call, e.g. `mutate`.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },

    /// The server answered with an error this crate has no kind for.
    #[error("table \"{table}\": {operation} failed on the server: {message}")]
    Server {
        /// The table (empty for calls that name none).
        table: String,
        /// The store call, e.g. `get_rows`.
        operation: &'static str,
        /// The first line of the server's message.
        message: String,
        /// The error as the Thrift client reported it.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The connection to the server failed: refused, reset or closed (a
    /// call that got no reply in time is an [`ErrorKind::Timeout`]).
    ///
    /// ```
    /// use capjure::{ErrorKind, ThriftStore};
    /// use capjure::store::ThriftConfig;
    /// use capjure::TransportCause;
    ///
    /// // Nothing listens on port 1.
    /// let err = ThriftStore::new(ThriftConfig::new("127.0.0.1:1").retries(0)).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::Transport { cause: TransportCause::Refused, .. }));
    /// ```
    #[error("table \"{table}\": {operation} via {address}: {detail}")]
    Transport {
        /// The table (empty for calls that name none).
        table: String,
        /// The store call, e.g. `mutate`.
        operation: &'static str,
        /// The server address.
        address: String,
        /// What failed.
        cause: TransportCause,
        /// What happened, and what to check.
        detail: String,
        /// The underlying I/O or Thrift error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// No answer within a time limit: a connection or its handshake not
    /// accepted within the connect timeout, or a call not answered within
    /// the call timeout (then the server may still be running it, and the
    /// call may or may not have been applied).
    ///
    /// ```
    /// use std::time::Duration;
    /// use capjure::{Error, ErrorKind};
    ///
    /// let err = Error::from(ErrorKind::Timeout {
    ///     table: "paintings".into(),
    ///     operation: "get_rows",
    ///     address: "127.0.0.1:9090".into(),
    ///     limit: Duration::from_secs(5),
    ///     detail: "the call may or may not have been applied".into(),
    /// });
    /// assert_eq!(
    ///     err.to_string(),
    ///     "table \"paintings\": get_rows via 127.0.0.1:9090: no reply within 5s; \
    ///      the call may or may not have been applied"
    /// );
    /// ```
    #[error(
        "{}{operation} via {address}: no reply within {limit:?}; {detail}",
        crate::error::table_prefix(table)
    )]
    Timeout {
        /// The table (empty for calls that name none).
        table: String,
        /// The store call, e.g. `mutate`, or `connect`.
        operation: &'static str,
        /// The server address.
        address: String,
        /// The limit that ran out (the connect or the call timeout).
        limit: std::time::Duration,
        /// Whether the call may have been applied, and what to check.
        detail: String,
    },

    /// Every pooled connection stayed busy for as long as a caller may wait
    /// for one (`ThriftConfig::pool_wait`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use capjure::{Error, ErrorKind};
    ///
    /// let err = Error::from(ErrorKind::PoolExhausted {
    ///     table: "t".into(),
    ///     operation: "mutate",
    ///     address: "h:9090".into(),
    ///     size: 4,
    ///     waited: Duration::from_secs(30),
    /// });
    /// assert!(err.to_string().contains("all 4 connections stayed busy for 30s"));
    /// ```
    #[error(
        "{}{operation} via {address}: all {size} connections stayed busy for \
         {waited:?}; nothing was sent (raise ThriftConfig::pool_size or pool_wait)",
        crate::error::table_prefix(table)
    )]
    PoolExhausted {
        /// The table (empty for calls that name none).
        table: String,
        /// The store call that waited.
        operation: &'static str,
        /// The server address.
        address: String,
        /// The pool's size.
        size: usize,
        /// How long it waited.
        waited: std::time::Duration,
    },

    /// The table exists but is disabled.
    ///
    /// ```
    /// use capjure::{Error, ErrorKind};
    /// let err = Error::from(ErrorKind::TableDisabled { table: "t".into() });
    /// assert_eq!(err.to_string(), "table \"t\" is disabled; enable it with `enable 't'` in the hbase shell");
    /// ```
    #[error("table \"{table}\" is disabled; enable it with `enable '{table}'` in the hbase shell")]
    TableDisabled {
        /// The table.
        table: String,
    },

    /// The server does not speak the transport or protocol the client was
    /// configured with (framed vs buffered, binary vs compact, Thrift1 vs
    /// Thrift2).
    #[error("{address}: {detail}")]
    ProtocolMismatch {
        /// The server address.
        address: String,
        /// What was seen and what to check.
        detail: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The store cannot do this at all.
    #[error("{operation} is not supported by {store}: {hint}")]
    Unsupported {
        /// The call.
        operation: &'static str,
        /// The store, e.g. `the thrift1 gateway`.
        store: &'static str,
        /// What to do instead.
        hint: &'static str,
    },

    /// A batch of rows failed part-way: some rows were written (or
    /// deleted), others may not have been.
    #[error(
        "table \"{table}\": batch failed after {} row(s) were written; \
         not known to be written: {}: {source}",
        written.len(),
        crate::error::row_list(unconfirmed)
    )]
    BatchFailed {
        /// The table.
        table: String,
        /// Rows whose round trip succeeded.
        written: Vec<Vec<u8>>,
        /// Rows of the failed round trip and of the ones never sent; HBase
        /// may have applied some of them.
        unconfirmed: Vec<Vec<u8>>,
        /// What failed.
        #[source]
        source: Box<Error>,
    },
}

/// Why a connection failed, for [`ErrorKind::Transport`].
///
/// ```
/// use capjure::TransportCause;
/// assert_ne!(TransportCause::Refused, TransportCause::Reset);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportCause {
    /// Nothing listens at the address (or it does not resolve): nothing
    /// was sent.
    Refused,
    /// The server reset the connection.
    Reset,
    /// The server closed the connection.
    Closed,
    /// Any other socket error.
    Other,
}

/// `table "t": `, or nothing for calls that name no table.
pub(crate) fn table_prefix(table: &str) -> String {
    if table.is_empty() {
        String::new()
    } else {
        format!("table \"{table}\": ")
    }
}

/// Rows as error messages print them: the first few, quoted.
pub(crate) fn row_list(rows: &[Vec<u8>]) -> String {
    const SHOWN: usize = 5;
    let mut out = String::new();
    for (index, row) in rows.iter().take(SHOWN).enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        out.push_str(&format!("\"{}\"", Excerpt(row)));
    }
    if rows.len() > SHOWN {
        out.push_str(&format!(" and {} more", rows.len() - SHOWN));
    }
    out
}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        ErrorKind::Serde {
            path: String::new(),
            message: message.to_string(),
        }
        .into()
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        ErrorKind::Serde {
            path: String::new(),
            message: message.to_string(),
        }
        .into()
    }
}

impl Error {
    /// Says where an error from the typed path happened, when the place that
    /// raised it did not know: fills an empty path (and an unknown Rust
    /// type). Inner places fill first, so the most precise answer wins.
    pub(crate) fn locate(mut self, path: impl FnOnce() -> String, rust_type: &'static str) -> Self {
        match &mut self.0.kind {
            ErrorKind::UnsupportedType {
                path: at,
                rust_type: ty,
                ..
            } => {
                if at.is_empty() {
                    *at = path();
                }
                if ty.is_empty() {
                    *ty = rust_type;
                }
            }
            ErrorKind::TypeMismatch { path: at, .. }
            | ErrorKind::Serde { path: at, .. }
            | ErrorKind::Unrepresentable { path: at, .. }
            | ErrorKind::TooDeep { path: at, .. }
                if at.is_empty() =>
            {
                *at = path();
            }
            _ => {}
        }
        self
    }
}

impl ErrorKind {
    /// A [`ErrorKind::Malformed`] for the given column.
    pub(crate) fn malformed(family: &[u8], qualifier: &[u8], reason: impl Into<String>) -> Self {
        ErrorKind::Malformed {
            column: column_name(family, qualifier),
            reason: reason.into(),
        }
    }
}

/// A column as error messages print it: `family:qualifier`, each cut short
/// when long (see [`Excerpt`]).
pub(crate) fn column_name(family: &[u8], qualifier: &[u8]) -> String {
    format!("{}:{}", Excerpt(family), Excerpt(qualifier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_keys_and_columns_are_cut_in_messages() {
        let key = vec![b'a'; 1 << 20];
        let err = Error::from(ErrorKind::EmptyName { parent: None }).in_row(&key);
        let text = err.to_string();
        assert!(text.len() < 200, "{text}");
        assert!(text.starts_with(&format!("row \"{}… (1048576 bytes)\": ", "a".repeat(40))));
        assert!(format!("{err:?}").len() < 300);
        assert_eq!(
            column_name(b"f", &[0xFF; 100]),
            format!("f:{}… (100 bytes)", "\\xFF".repeat(40))
        );
        // Short ones are shown whole.
        assert_eq!(
            column_name(b"f", &[b'q'; 64]),
            format!("f:{}", "q".repeat(64))
        );
        let rows = row_list(&[key.clone(), b"r".to_vec()]);
        assert!(rows.len() < 100 && rows.ends_with(", \"r\""), "{rows}");
    }
}
