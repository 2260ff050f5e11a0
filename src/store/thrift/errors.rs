//! Turning what the Thrift client reports into capjure's typed errors.

use hbase_thrift::hbase::{AlreadyExists, IOError, IllegalArgument};

use crate::cell::Excerpt;
use crate::error::ErrorKind;

/// Whether a failed call left the connection unusable (a transport or
/// protocol error: the reply may be half-read).
pub(crate) fn is_broken(err: &thrift::Error) -> bool {
    matches!(
        err,
        thrift::Error::Transport(_) | thrift::Error::Protocol(_)
    )
}

/// Whether the server said the call may be retried.
pub(crate) fn server_says_retry(err: &thrift::Error) -> bool {
    match err {
        thrift::Error::User(user) => user
            .downcast_ref::<IOError>()
            .is_some_and(|io| io.can_retry == Some(true)),
        _ => false,
    }
}

/// The server's message, whatever exception carried it.
pub(crate) fn server_message(err: &thrift::Error) -> Option<&str> {
    match err {
        thrift::Error::User(user) => {
            if let Some(io) = user.downcast_ref::<IOError>() {
                io.message.as_deref()
            } else if let Some(arg) = user.downcast_ref::<IllegalArgument>() {
                arg.message.as_deref()
            } else if let Some(exists) = user.downcast_ref::<AlreadyExists>() {
                exists.message.as_deref()
            } else {
                None
            }
        }
        thrift::Error::Application(app) => Some(app.message.as_str()),
        _ => None,
    }
}

/// Whether a scanner call failed because the server no longer has the
/// scanner (lease expired, gateway restarted, id unknown): the scan can
/// be reopened after the last row it returned.
pub(crate) fn scanner_expired(err: &thrift::Error) -> bool {
    server_message(err).is_some_and(|message| {
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
pub(crate) fn map_error(
    err: thrift::Error,
    table: &str,
    operation: &'static str,
    address: &str,
    call_timeout: std::time::Duration,
) -> crate::Error {
    let table = table.to_string();
    if is_broken(&err) {
        let detail = match &err {
            thrift::Error::Transport(t) => match t.kind {
                thrift::TransportErrorKind::TimedOut => format!(
                    "no reply within {call_timeout:?}; the call may or may not have been applied"
                ),
                thrift::TransportErrorKind::EndOfFile | thrift::TransportErrorKind::NotOpen => {
                    "the connection was closed by the server; the call may or may not have been \
                     applied"
                        .to_string()
                }
                _ => format!("transport failed: {t}; the call may or may not have been applied"),
            },
            other => format!(
                "the reply could not be decoded ({other}); check the transport and protocol \
                 settings against the gateway's"
            ),
        };
        return ErrorKind::Transport {
            table,
            operation,
            address: address.to_string(),
            detail,
            source: Box::new(err),
        }
        .into();
    }
    let message = server_message(&err).unwrap_or("").to_string();
    let is_exists = matches!(&err, thrift::Error::User(user) if user.is::<AlreadyExists>());
    let is_argument = matches!(&err, thrift::Error::User(user) if user.is::<IllegalArgument>());
    if message.contains("TableNotFoundException") {
        ErrorKind::TableNotFound { table }.into()
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
    fn maps_table_not_found() {
        let err = thrift::Error::User(Box::new(IOError::new(
            "org.apache.hadoop.hbase.TableNotFoundException: t\n\tat x".to_string(),
            false,
        )));
        let mapped = map_error(
            err,
            "t",
            "get_rows",
            "h:1",
            std::time::Duration::from_secs(1),
        );
        assert!(matches!(mapped.kind(), ErrorKind::TableNotFound { table } if table == "t"));
    }
}
