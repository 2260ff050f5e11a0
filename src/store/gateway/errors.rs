//! Turning what a gateway's Thrift client reports into capjure's typed
//! errors, for both protocols (each says which exceptions it has through
//! [`Wire::exception`]).

use super::{ExceptionKind, Wire};
use crate::TransportCause;
use crate::cell::Excerpt;
use crate::error::ErrorKind;

/// How a connection failed, as far as the client can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No bytes within the time limit (Linux reports a socket timeout as
    /// EAGAIN, which the Thrift crate does not recognise as one).
    TimedOut,
    /// Refused, or never connected.
    Refused,
    /// Reset by the peer, or a write to a connection it closed.
    Reset,
    /// The peer closed the connection.
    Closed,
    /// Anything else.
    Other,
}

impl Failure {
    pub(crate) fn cause(self) -> TransportCause {
        match self {
            Failure::Refused => TransportCause::Refused,
            Failure::Reset => TransportCause::Reset,
            Failure::Closed => TransportCause::Closed,
            Failure::TimedOut | Failure::Other => TransportCause::Other,
        }
    }
}

/// Classifies a transport error. The Thrift crate keeps only the message
/// of most I/O errors, which ends in the OS error number when there was
/// one: that number says what happened.
pub(crate) fn transport_failure(err: &thrift::TransportError) -> Failure {
    use std::io::ErrorKind as Io;
    use thrift::TransportErrorKind as Kind;
    match err.kind {
        Kind::TimedOut => return Failure::TimedOut,
        Kind::EndOfFile => return Failure::Closed,
        _ => {}
    }
    let os_error = err
        .message
        .rsplit_once("(os error ")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .and_then(|code| code.parse::<i32>().ok())
        .map(|code| std::io::Error::from_raw_os_error(code).kind());
    match os_error {
        Some(Io::WouldBlock | Io::TimedOut) => Failure::TimedOut,
        Some(Io::ConnectionRefused | Io::NotConnected) => Failure::Refused,
        Some(Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe) => Failure::Reset,
        Some(Io::UnexpectedEof) => Failure::Closed,
        Some(_) => Failure::Other,
        None if err.kind == Kind::NotOpen => Failure::Reset,
        None => Failure::Other,
    }
}

/// Whether a failed call left the connection unusable (a transport or
/// protocol error: the reply may be half-read).
pub(crate) fn is_broken(err: &thrift::Error) -> bool {
    matches!(
        err,
        thrift::Error::Transport(_) | thrift::Error::Protocol(_)
    )
}

/// Whether the server said the call may be retried.
pub(crate) fn server_says_retry<W: Wire>(err: &thrift::Error) -> bool {
    match err {
        thrift::Error::User(user) => W::exception(user.as_ref()).is_some_and(|e| e.can_retry),
        _ => false,
    }
}

/// The server's message, whatever exception carried it.
pub(crate) fn server_message<W: Wire>(err: &thrift::Error) -> Option<String> {
    match err {
        thrift::Error::User(user) => W::exception(user.as_ref()).and_then(|e| e.message),
        thrift::Error::Application(app) => Some(app.message.clone()),
        _ => None,
    }
}

/// Whether a scanner call failed because the server no longer has the
/// scanner (lease expired, gateway restarted, id unknown): the scan can
/// be reopened after the last row it returned.
pub(crate) fn scanner_expired<W: Wire>(err: &thrift::Error) -> bool {
    server_message::<W>(err).is_some_and(|message| {
        [
            "scanner ID is invalid",
            "UnknownScannerException",
            "ScannerTimeoutException",
            "OutOfOrderScannerNextException",
            "ScannerResetException",
            "LeaseException",
        ]
        .iter()
        .any(|needle| message.contains(needle))
    })
}

/// The first line of a Java stack trace, without the exception's package.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or("").trim();
    line.chars().take(400).collect()
}

/// `... Column family X does not exist ...` -> `X`.
fn missing_family(message: &str) -> Option<String> {
    let start = message.find("Column family ")? + "Column family ".len();
    let rest = &message[start..];
    let end = rest.find(" does not exist")?;
    Some(rest[..end].trim_matches(['\'', '"']).to_string())
}

/// `... it's 3 bytes wide ...` -> 3.
fn counter_width(message: &str) -> Option<usize> {
    let start = message.find("it's ")? + "it's ".len();
    let rest = &message[start..];
    let end = rest.find(" bytes wide")?;
    rest[..end].trim().parse().ok()
}

/// Maps a failed call to a typed error naming the table.
pub(crate) fn map_error<W: Wire>(
    err: thrift::Error,
    table: &str,
    operation: &'static str,
    address: &str,
    call_timeout: std::time::Duration,
) -> crate::Error {
    let table = table.to_string();
    if let thrift::Error::Transport(transport) = &err {
        let failure = transport_failure(transport);
        if failure == Failure::TimedOut {
            return ErrorKind::Timeout {
                table,
                operation,
                address: address.to_string(),
                limit: call_timeout,
                detail: "the call may or may not have been applied, and the gateway may still \
                         be running it"
                    .to_string(),
            }
            .into();
        }
        let what = match failure {
            Failure::Closed => "the server closed the connection",
            Failure::Reset => "the server reset the connection",
            Failure::Refused => "the connection was refused",
            _ => "the connection failed",
        };
        return ErrorKind::Transport {
            table,
            operation,
            address: address.to_string(),
            cause: failure.cause(),
            detail: format!("{what} ({transport}); the call may or may not have been applied"),
            source: Box::new(err),
        }
        .into();
    }
    if is_broken(&err) {
        return ErrorKind::Transport {
            table,
            operation,
            address: address.to_string(),
            cause: TransportCause::Other,
            detail: format!(
                "the reply could not be decoded ({err}); check the transport and protocol \
                 settings against the gateway's"
            ),
            source: Box::new(err),
        }
        .into();
    }
    let message = server_message::<W>(&err).unwrap_or_default();
    let kind = match &err {
        thrift::Error::User(user) => W::exception(user.as_ref()).map(|e| e.kind),
        _ => None,
    };
    let is_exists = kind == Some(ExceptionKind::AlreadyExists);
    let is_argument = kind == Some(ExceptionKind::IllegalArgument);
    if message.contains("TableNotFoundException") {
        ErrorKind::TableNotFound { table }.into()
    } else if message.contains("TableNotEnabledException") {
        ErrorKind::TableDisabled { table }.into()
    } else if message.contains("NoSuchColumnFamilyException") {
        // The server quotes the family whole, however long it is.
        let family =
            missing_family(&message).map_or_else(|| first_line(&message), |f| Excerpt::text(&f));
        ErrorKind::FamilyNotFound { table, family }.into()
    } else if is_exists || message.contains("TableExistsException") {
        ErrorKind::TableExists { table }.into()
    } else if message.contains("Field is not a long") {
        ErrorKind::NotACounter {
            table,
            column: String::new(),
            len: counter_width(&message).unwrap_or(0),
        }
        .into()
    } else if is_argument {
        ErrorKind::InvalidArgument {
            table,
            operation,
            message: first_line(&message),
        }
        .into()
    } else {
        ErrorKind::Server {
            table,
            operation,
            message: first_line(&message),
            source: Box::new(err),
        }
        .into()
    }
}

/// Puts the table (and operation) into an error raised before any table
/// was known, e.g. while connecting.
pub(crate) fn name_table(err: crate::Error, table: &str, operation: &'static str) -> crate::Error {
    let row = err.row().map(<[u8]>::to_vec);
    let renamed: crate::Error = match err.into_kind() {
        ErrorKind::Transport {
            address,
            cause,
            detail,
            source,
            ..
        } => ErrorKind::Transport {
            table: table.to_string(),
            operation,
            address,
            cause,
            detail,
            source,
        }
        .into(),
        ErrorKind::Timeout {
            address,
            limit,
            operation: step,
            detail,
            ..
        } => ErrorKind::Timeout {
            table: table.to_string(),
            operation,
            address,
            limit,
            detail: format!("while connecting ({step}): {detail}"),
        }
        .into(),
        other => other.into(),
    };
    match row {
        Some(row) => renamed.in_row(&row),
        None => renamed,
    }
}

/// Says which rows a failed batch call is about, blaming only what the
/// server's error identifies: the one row writing to a missing family,
/// or the only row of the call. A server error about some row it does not
/// name becomes an [`ErrorKind::BatchFailed`] listing the rows that may
/// not have been written (HBase applies a batch row by row); errors about
/// the table or the connection name no row.
pub(crate) fn blame_rows(
    err: crate::Error,
    table: &str,
    groups: &[(
        Option<i64>,
        std::borrow::Cow<'_, [crate::store::RowMutations]>,
    )],
    failed: usize,
) -> crate::Error {
    let group = &groups[failed].1;
    if let [only] = &group[..] {
        return err.in_row(&only.row);
    }
    let culprits: Vec<&crate::store::RowMutations> = match err.kind() {
        ErrorKind::FamilyNotFound { family, .. } => group
            .iter()
            .filter(|change| {
                change
                    .mutations
                    .iter()
                    .any(|m| m.family() == family.as_bytes())
            })
            .collect(),
        ErrorKind::Server { .. } | ErrorKind::InvalidArgument { .. } => Vec::new(),
        _ => return err,
    };
    if let [culprit] = culprits[..] {
        return err.in_row(&culprit.row);
    }
    let mut unconfirmed: Vec<Vec<u8>> = Vec::new();
    for (_, rows) in &groups[failed..] {
        for change in rows.iter() {
            if !unconfirmed.contains(&change.row) {
                unconfirmed.push(change.row.clone());
            }
        }
    }
    let mut written: Vec<Vec<u8>> = Vec::new();
    for (_, rows) in &groups[..failed] {
        for change in rows.iter() {
            if !unconfirmed.contains(&change.row) && !written.contains(&change.row) {
                written.push(change.row.clone());
            }
        }
    }
    ErrorKind::BatchFailed {
        table: table.to_string(),
        written,
        unconfirmed,
        source: Box::new(err),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_missing_family_and_counter_width() {
        assert_eq!(
            missing_family(
                "x NoSuchColumnFamilyException: Column family nope does not exist in region"
            ),
            Some("nope".to_string())
        );
        assert_eq!(
            counter_width("Field is not a long, it's 3 bytes wide"),
            Some(3)
        );
    }

    #[test]
    #[cfg(target_os = "linux")] // the OS error numbers are Linux's
    fn classifies_socket_errors_by_their_os_error() {
        let failure = |kind, message: &str| {
            transport_failure(&thrift::TransportError::new(kind, message.to_string()))
        };
        use thrift::TransportErrorKind as Kind;
        let eagain = std::io::Error::from(std::io::ErrorKind::WouldBlock);
        let raw = std::io::Error::from_raw_os_error(11);
        assert_eq!(eagain.kind(), raw.kind());
        assert_eq!(failure(Kind::Unknown, &raw.to_string()), Failure::TimedOut);
        let reset = std::io::Error::from_raw_os_error(104).to_string();
        assert_eq!(failure(Kind::NotOpen, &reset), Failure::Reset);
        let pipe = std::io::Error::from_raw_os_error(32).to_string();
        assert_eq!(failure(Kind::Unknown, &pipe), Failure::Reset);
        assert_eq!(failure(Kind::EndOfFile, "eof"), Failure::Closed);
        assert_eq!(failure(Kind::TimedOut, "x"), Failure::TimedOut);
        assert_eq!(failure(Kind::Unknown, "transport error"), Failure::Other);
    }

    #[test]
    fn a_batch_error_blames_only_the_row_it_identifies() {
        use crate::Cell;
        use crate::store::RowMutations;
        use std::borrow::Cow;
        let rows: Vec<RowMutations> = ["a", "b", "c"]
            .iter()
            .map(|row| {
                let family = if *row == "b" { "nope" } else { "f" };
                RowMutations::new(row.as_bytes().to_vec()).put(Cell::new(family, "q", "v"))
            })
            .collect();
        let groups = vec![(None, Cow::Borrowed(&rows[..]))];
        let missing: crate::Error = ErrorKind::FamilyNotFound {
            table: "t".into(),
            family: "nope".into(),
        }
        .into();
        assert_eq!(blame_rows(missing, "t", &groups, 0).row(), Some(&b"b"[..]));
        // A server error naming no row: the batch failed, all rows listed.
        let opaque: crate::Error = ErrorKind::Server {
            table: "t".into(),
            operation: "mutate",
            message: "Internal error processing mutateRows".into(),
            source: "x".into(),
        }
        .into();
        let blamed = blame_rows(opaque, "t", &groups, 0);
        assert_eq!(blamed.row(), None);
        assert!(
            matches!(blamed.kind(), ErrorKind::BatchFailed { written, unconfirmed, .. }
                if written.is_empty() && unconfirmed.len() == 3),
            "{blamed:?}"
        );
        // Table-level errors name no row and are not wrapped.
        let gone: crate::Error = ErrorKind::TableNotFound { table: "t".into() }.into();
        let blamed = blame_rows(gone, "t", &groups, 0);
        assert!(matches!(blamed.kind(), ErrorKind::TableNotFound { .. }) && blamed.row().is_none());
    }
}
