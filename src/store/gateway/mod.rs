//! What every HBase gateway store shares, whatever its wire protocol: the
//! connection pool and its handshake ([`pool`]), configuration
//! ([`config`]), error classification ([`errors`]), the binary-protocol
//! reader ([`wire`]), and the idempotency and retry rules below, applied
//! by [`Gateway::call`]. A protocol (`thrift`, `thrift2`) only says how
//! to build its generated client and how to ask a few questions of it
//! ([`Wire`]), and encodes and decodes its calls.
//!
//! A failed attempt is first placed in an [`Outcome`] (how far it got),
//! then [`may_retry`] weighs that against the call's [`Retry`] class.

pub(crate) mod config;
pub(crate) mod errors;
pub(crate) mod pool;
pub(crate) mod wire;

use thrift::protocol::{TInputProtocol, TOutputProtocol};

use crate::error::{ErrorKind, Result};
use config::ThriftConfig;
use pool::{Conn, Pool};

use std::time::Duration;

/// Whether a call gives the same result when the server runs it twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads, and writes whose every cell or marker has an explicit
    /// timestamp: running them again changes nothing.
    Safe,
    /// Increments, check-and-put, admin calls, and any put or delete at the
    /// server's clock: a second run can change what the first did (a
    /// repeated delete at "now" can delete a put another writer made in
    /// between).
    Never,
}

impl Retry {
    /// The class of a batch of puts and deletes sent with `timestamp` (the
    /// one timestamp all its mutations carry; `None`: the server's clock).
    pub(crate) fn for_write(timestamp: Option<i64>) -> Retry {
        if timestamp.is_some() {
            Retry::Safe
        } else {
            Retry::Never
        }
    }
}

/// How far a failed attempt got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Nothing reached the server: no connection, a refused one, or a
    /// handshake that failed before the call was written.
    NotStarted,
    /// The connection broke after the call was sent (reset, closed): the
    /// server may or may not have applied it, and is no longer running it.
    Interrupted,
    /// No reply within the call timeout: the server may still be running
    /// it (a gateway worker stuck in its own retries, say).
    Stalled,
    /// The server answered that the call failed and may be repeated.
    ServerSaysRetry,
    /// Anything else: repeating would fail the same way.
    Final,
}

/// Whether an attempt that ended in `outcome` may be repeated, given the
/// call's class and the attempts already made (`attempt` counts from 0)
/// and allowed (`retries`).
///
/// A stalled call is never repeated: sending it again would only leave a
/// second worker waiting on the same server, and the first may still apply
/// the call after the second.
pub(crate) fn may_retry(retry: Retry, outcome: Outcome, attempt: u32, retries: u32) -> bool {
    if attempt >= retries {
        return false;
    }
    match outcome {
        Outcome::NotStarted => true,
        Outcome::Interrupted | Outcome::ServerSaysRetry => retry == Retry::Safe,
        Outcome::Stalled | Outcome::Final => false,
    }
}

/// The delay before retry number `attempt` (from 0): `base`, doubled each
/// time, at most 10 s.
pub(crate) fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1u32 << attempt.min(10))
        .min(Duration::from_secs(10))
}

/// A server exception, as far as the gateway plumbing needs to know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Exception {
    /// The server's message (often a Java stack trace).
    pub(crate) message: Option<String>,
    /// The server said the call may be repeated.
    pub(crate) can_retry: bool,
    /// Which exception it was.
    pub(crate) kind: ExceptionKind,
}

impl Exception {
    /// An `IOError` / `TIOError`.
    pub(crate) fn io(message: Option<String>, can_retry: Option<bool>) -> Self {
        Exception {
            message,
            can_retry: can_retry == Some(true),
            kind: ExceptionKind::Io,
        }
    }

    /// Any other exception: never to be retried.
    pub(crate) fn other(kind: ExceptionKind, message: Option<String>) -> Self {
        Exception {
            message,
            can_retry: false,
            kind,
        }
    }
}

/// The exceptions both gateways' IDLs declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExceptionKind {
    /// `IOError` / `TIOError`.
    Io,
    /// `IllegalArgument` / `TIllegalArgument`.
    IllegalArgument,
    /// `AlreadyExists` (Thrift1 only).
    AlreadyExists,
}

/// A wire protocol the shared plumbing can drive: how to make its generated
/// client, and the few calls the plumbing itself makes (the handshake, the
/// table checks that explain a stalled or failed call).
pub(crate) trait Wire: 'static {
    /// The generated client over boxed protocols.
    type Client: Send;
    /// `Thrift1` or `Thrift2`, for messages.
    const NAME: &'static str;
    /// What `getThriftServerType` answers on this protocol's gateway.
    const SERVER_TYPE: i32;
    /// How to start this protocol's gateway, for messages.
    const START: &'static str;
    /// The gateway sends a server exception's message without its class
    /// (Thrift2 sends `getMessage()`: a missing table's error is its bare
    /// name), so any server error on a table may mean that the table is
    /// missing or disabled, and is checked for that.
    const TERSE_ERRORS: bool;

    /// The generated client over these protocols.
    fn client(
        input: Box<dyn TInputProtocol + Send>,
        output: Box<dyn TOutputProtocol + Send>,
    ) -> Self::Client;
    /// `getThriftServerType`, the handshake (both gateways have it in HBase
    /// 2.x, so a client on the wrong kind of gateway learns it at once).
    fn server_type(client: &mut Self::Client) -> thrift::Result<i32>;
    /// Whether `table` is enabled.
    fn table_enabled(client: &mut Self::Client, table: &str) -> thrift::Result<bool>;
    /// Whether `table` exists.
    fn table_exists(client: &mut Self::Client, table: &str) -> thrift::Result<bool>;
    /// The server exception inside a `thrift::Error::User`, if it is one of
    /// this protocol's.
    fn exception(user: &(dyn std::error::Error + Send + Sync + 'static)) -> Option<Exception>;
}

/// Whether a call reads or writes a table's rows, so that a disabled table
/// explains it stalling. Admin calls are left to their timeout: creating
/// or disabling a table stalls while the table is not (yet) enabled.
pub(crate) fn serves_data(operation: &str) -> bool {
    matches!(
        operation,
        "get_rows"
            | "scan"
            | "mutate"
            | "increment"
            | "check_and_put"
            | "check_and_mutate"
            | "append"
    )
}

/// Runs `run` on `items` in `parts` pieces at the same time, one thread
/// each (the first on the calling thread; a piece whose thread cannot
/// start runs here too), and returns the answers in the pieces' order:
/// each piece's calls take their own pooled connection, so the gateway
/// and the region server work on them in parallel.
pub(crate) fn in_pieces<T: Sync, R: Send>(
    items: &[T],
    parts: usize,
    run: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let size = items.len().div_ceil(parts.max(1)).max(1);
    let run = &run;
    std::thread::scope(|scope| {
        let pieces: Vec<_> = items
            .chunks(size)
            .skip(1)
            .map(|piece| {
                std::thread::Builder::new()
                    .name("capjure-piece".into())
                    .spawn_scoped(scope, move || run(piece))
                    .map_err(|_| piece)
            })
            .collect();
        let mut answers = vec![run(&items[..size.min(items.len())])];
        for piece in pieces {
            answers.push(match piece {
                Ok(thread) => match thread.join() {
                    Ok(answer) => answer,
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                Err(piece) => run(piece),
            });
        }
        answers
    })
}

/// The operation name of the table checks [`Gateway::refine`] makes.
const CHECK_TABLE: &str = "check_table";

/// A pool of connections to one gateway and the rules for calling it:
/// what a gateway store holds, whatever its protocol.
pub(crate) struct Gateway<W: Wire> {
    pub(crate) pool: Pool<W>,
}

impl<W: Wire> Gateway<W> {
    /// Connects once to check the address, transport, protocol and kind of
    /// gateway, and keeps that connection in the pool.
    pub(crate) fn connect(config: ThriftConfig) -> Result<Self> {
        let gateway = Gateway {
            pool: Pool::new(config),
        };
        let conn = gateway.pool.checkout("", "connect")?;
        gateway.pool.checkin(conn);
        Ok(gateway)
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &ThriftConfig {
        &self.pool.config
    }

    /// Runs one Thrift call on a pooled connection, retrying per `retry`.
    pub(crate) fn call<T>(
        &self,
        table: &str,
        operation: &'static str,
        retry: Retry,
        mut call: impl FnMut(&mut W::Client) -> thrift::Result<T>,
    ) -> Result<T> {
        self.call_conn(table, operation, retry, |conn| call(&mut conn.client))
    }

    /// [`call`](Self::call), for calls that use the connection itself
    /// (Thrift1's direct readers and writers).
    pub(crate) fn call_conn<T>(
        &self,
        table: &str,
        operation: &'static str,
        retry: Retry,
        mut call: impl FnMut(&mut Conn<W>) -> thrift::Result<T>,
    ) -> Result<T> {
        let config = &self.pool.config;
        let mut attempt: u32 = 0;
        loop {
            let (err, outcome) = match self.pool.checkout(table, operation) {
                Err(err) => {
                    // Nothing was sent, so any call may try again, unless
                    // trying again cannot help.
                    let outcome = match err.kind() {
                        ErrorKind::ProtocolMismatch { .. } | ErrorKind::PoolExhausted { .. } => {
                            Outcome::Final
                        }
                        _ => Outcome::NotStarted,
                    };
                    (errors::name_table(err, table, operation), outcome)
                }
                Ok(mut conn) => {
                    if serves_data(operation) {
                        conn.arm(table);
                    }
                    match call(&mut conn) {
                        Ok(value) => {
                            self.pool.checkin(conn);
                            return Ok(value);
                        }
                        // A verdict on the table is the answer.
                        Err(err) => self.settle_error(conn, err, table, operation)?,
                    }
                }
            };
            if may_retry(retry, outcome, attempt, config.retries) {
                std::thread::sleep(backoff(config.backoff, attempt));
                attempt += 1;
                continue;
            }
            return Err(self.refine(err, table, operation));
        }
    }

    /// A failed call's error and how far it got; the connection goes back
    /// to the pool unless it broke. `Err`: the connection gave up on the
    /// call because of the table's state, which is the answer.
    fn settle_error(
        &self,
        conn: Conn<W>,
        err: thrift::Error,
        table: &str,
        operation: &'static str,
    ) -> std::result::Result<(crate::Error, Outcome), crate::Error> {
        if let Some(verdict) = conn.take_verdict() {
            return Err(verdict);
        }
        let broken = errors::is_broken(&err);
        if !broken {
            self.pool.checkin(conn);
        }
        let says_retry = errors::server_says_retry::<W>(&err);
        let config = &self.pool.config;
        let mapped =
            errors::map_error::<W>(err, table, operation, &config.address, config.call_timeout);
        let outcome = match mapped.kind() {
            ErrorKind::Timeout { .. } => Outcome::Stalled,
            _ if broken => Outcome::Interrupted,
            ErrorKind::Server { .. } if says_retry => Outcome::ServerSaysRetry,
            _ => Outcome::Final,
        };
        Ok((mapped, outcome))
    }

    /// Settles a call made on `conn` outside [`Gateway::call`], as `call`
    /// settles one it never retries: the connection goes back to the pool
    /// unless it broke, and errors are named the same way.
    pub(crate) fn finish<T>(
        &self,
        conn: Conn<W>,
        result: thrift::Result<T>,
        table: &str,
        operation: &'static str,
    ) -> Result<T> {
        match result {
            Ok(value) => {
                self.pool.checkin(conn);
                Ok(value)
            }
            Err(err) => {
                let (mapped, _) = self.settle_error(conn, err, table, operation)?;
                Err(self.refine(mapped, table, operation))
            }
        }
    }

    /// A batch against a missing table fails with a generic "retries
    /// exhausted" message that names no exception; asking whether the
    /// table exists (only on this error path) turns it into
    /// [`ErrorKind::TableNotFound`], and whether it is enabled into
    /// [`ErrorKind::TableDisabled`].
    pub(crate) fn refine(
        &self,
        err: crate::Error,
        table: &str,
        operation: &'static str,
    ) -> crate::Error {
        let generic = matches!(err.kind(), ErrorKind::Server { message, .. }
            if W::TERSE_ERRORS || message.contains("RetriesExhaustedWithDetailsException"));
        // The checks below are not refined themselves.
        if generic && !table.is_empty() && operation != CHECK_TABLE {
            let exists = self.call(table, CHECK_TABLE, Retry::Safe, |client| {
                W::table_exists(client, table)
            });
            if matches!(exists, Ok(false)) {
                return ErrorKind::TableNotFound {
                    table: table.to_string(),
                }
                .into();
            }
            let enabled = self.call(table, CHECK_TABLE, Retry::Safe, |client| {
                W::table_enabled(client, table)
            });
            if matches!(enabled, Ok(false)) {
                return ErrorKind::TableDisabled {
                    table: table.to_string(),
                }
                .into();
            }
        }
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_explicit_timestamps_make_writes_repeatable() {
        assert_eq!(Retry::for_write(Some(5)), Retry::Safe);
        // A delete (or put) at the server's clock is not idempotent.
        assert_eq!(Retry::for_write(None), Retry::Never);
    }

    #[test]
    fn retry_rules() {
        use Outcome::*;
        for retry in [Retry::Safe, Retry::Never] {
            assert!(may_retry(retry, NotStarted, 0, 3));
            assert!(!may_retry(retry, NotStarted, 3, 3));
            assert!(!may_retry(retry, Stalled, 0, 3));
            assert!(!may_retry(retry, Final, 0, 3));
        }
        assert!(may_retry(Retry::Safe, Interrupted, 0, 3));
        assert!(!may_retry(Retry::Never, Interrupted, 0, 3));
        assert!(may_retry(Retry::Safe, ServerSaysRetry, 2, 3));
        assert!(!may_retry(Retry::Never, ServerSaysRetry, 0, 3));
        assert_eq!(
            backoff(Duration::from_millis(100), 2),
            Duration::from_millis(400)
        );
        assert_eq!(backoff(Duration::from_secs(1), 30), Duration::from_secs(10));
    }
}
