//! Shared harness for integration tests that talk to a real HBase through
//! its Thrift1 gateway.
//!
//! Use it from a test crate under `tests/` with `mod support;`, then:
//!
//! ```ignore
//! #[test]
//! fn my_test() {
//!     let Some(mut client) = support::hbase_client() else { return };
//!     let table = support::unique_table_name("my_test");
//!     // ... create `table`, use it, drop it ...
//! }
//! ```
//!
//! Where HBase is:
//! * `CAPJURE_HBASE` names the gateway, default `127.0.0.1:9090`, buffered
//!   transport and binary protocol (the gateway's defaults). The address may
//!   carry a scheme for the other wire formats that `scripts/hbase start`
//!   offers: `framed://HOST:PORT`, `compact://HOST:PORT` or
//!   `framed+compact://HOST:PORT`.
//! * Start one with `scripts/hbase start`, or run everything with
//!   `scripts/test` (starts HBase, runs the tests, stops it).
//!
//! No silent skips: when the gateway is unreachable the test panics with
//! those instructions, unless `CAPJURE_SKIP_HBASE=1` is set; then
//! [`hbase_client`] prints `SKIPPED (CAPJURE_SKIP_HBASE=1): <test> needs
//! HBase ...` straight to stderr (past libtest's output capture, so it shows
//! in a plain `cargo test`) and returns `None`.
#![allow(dead_code)] // each test crate uses a different part of it

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hbase_thrift::hbase::{HbaseSyncClient, THbaseSyncClient};
use thrift::protocol::{
    TBinaryInputProtocol, TBinaryOutputProtocol, TCompactInputProtocol, TCompactOutputProtocol,
    TInputProtocol, TOutputProtocol,
};
use thrift::transport::{
    TBufferedReadTransport, TBufferedWriteTransport, TFramedReadTransport, TFramedWriteTransport,
    TIoChannel, TTcpChannel,
};

/// Env var naming the HBase Thrift1 gateway (`[SCHEME://]HOST:PORT`).
pub const ADDR_VAR: &str = "CAPJURE_HBASE";
/// Env var that turns "HBase unreachable" from a failure into a visible skip.
pub const SKIP_VAR: &str = "CAPJURE_SKIP_HBASE";
/// Where `scripts/hbase start` puts the gateway.
pub const DEFAULT_ADDR: &str = "127.0.0.1:9090";
/// Env var naming the HBase Thrift2 gateway (`[SCHEME://]HOST:PORT`).
pub const ADDR2_VAR: &str = "CAPJURE_HBASE2";
/// Where `scripts/hbase start` puts the Thrift2 gateway.
pub const DEFAULT_ADDR2: &str = "127.0.0.1:9091";

/// A connected Thrift1 client. The protocol is boxed so that one type covers
/// every transport/protocol combination the gateway can be started with.
pub type Client = HbaseSyncClient<Box<dyn TInputProtocol + Send>, Box<dyn TOutputProtocol + Send>>;

/// The gateway's wire format and address, parsed from `CAPJURE_HBASE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub addr: String,
    pub framed: bool,
    pub compact: bool,
}

impl Target {
    /// Reads `CAPJURE_HBASE` (or the default).
    pub fn from_env() -> Target {
        Target::from_var(ADDR_VAR, DEFAULT_ADDR)
    }

    /// Reads `CAPJURE_HBASE2` (or the default): the Thrift2 gateway.
    pub fn thrift2_from_env() -> Target {
        Target::from_var(ADDR2_VAR, DEFAULT_ADDR2)
    }

    fn from_var(var: &str, default: &str) -> Target {
        let raw = std::env::var(var).unwrap_or_default();
        let raw = raw.trim();
        Target::parse(if raw.is_empty() { default } else { raw })
    }

    /// Parses `[framed|compact|framed+compact|buffered|binary://]HOST:PORT`
    /// with the library's own parser, [`capjure::store::ThriftConfig::from_url`].
    pub fn parse(s: &str) -> Target {
        use capjure::store::{ThriftConfig, TransportKind, WireProtocol};
        let config = ThriftConfig::from_url(s).unwrap_or_else(|e| panic!("{ADDR_VAR}: {e}"));
        Target {
            addr: config.address().to_string(),
            framed: config.transport_kind() == TransportKind::Framed,
            compact: config.wire_protocol() == WireProtocol::Compact,
        }
    }

    /// A `ThriftStore` configuration for this gateway.
    pub fn config(&self) -> capjure::store::ThriftConfig {
        self.config_at(&self.addr)
    }

    /// The same wire format at another address (a proxy in front of it).
    pub fn config_at(&self, address: &str) -> capjure::store::ThriftConfig {
        use capjure::store::{ThriftConfig, TransportKind, WireProtocol};
        ThriftConfig::new(address)
            .transport(if self.framed {
                TransportKind::Framed
            } else {
                TransportKind::Buffered
            })
            .protocol(if self.compact {
                WireProtocol::Compact
            } else {
                WireProtocol::Binary
            })
    }

    /// `transport/protocol`, as `scripts/hbase` prints it.
    pub fn mode(&self) -> String {
        format!(
            "{}/{}",
            if self.framed { "framed" } else { "buffered" },
            if self.compact { "compact" } else { "binary" }
        )
    }
}

/// Opens a Thrift1 connection to `target`, or returns the I/O error of the
/// TCP connect (the "is HBase there at all" question).
pub fn connect(target: &Target) -> Result<Client, std::io::Error> {
    let mut last_err = None;
    let mut stream = None;
    for sa in target.addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&sa, Duration::from_secs(3)) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let stream = match stream {
        Some(s) => s,
        None => {
            return Err(last_err.unwrap_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, "address resolved to nothing")
            }));
        }
    };
    // A wedged server should fail the test, not hang CI until its time limit.
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    stream.set_nodelay(true)?;
    let (rx, tx) = TTcpChannel::with_stream(stream)
        .split()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let (i, o): (
        Box<dyn TInputProtocol + Send>,
        Box<dyn TOutputProtocol + Send>,
    ) = match (target.framed, target.compact) {
        (false, false) => (
            Box::new(TBinaryInputProtocol::new(
                TBufferedReadTransport::new(rx),
                true,
            )),
            Box::new(TBinaryOutputProtocol::new(
                TBufferedWriteTransport::new(tx),
                true,
            )),
        ),
        (true, false) => (
            Box::new(TBinaryInputProtocol::new(
                TFramedReadTransport::new(rx),
                true,
            )),
            Box::new(TBinaryOutputProtocol::new(
                TFramedWriteTransport::new(tx),
                true,
            )),
        ),
        (false, true) => (
            Box::new(TCompactInputProtocol::new(TBufferedReadTransport::new(rx))),
            Box::new(TCompactOutputProtocol::new(TBufferedWriteTransport::new(
                tx,
            ))),
        ),
        (true, true) => (
            Box::new(TCompactInputProtocol::new(TFramedReadTransport::new(rx))),
            Box::new(TCompactOutputProtocol::new(TFramedWriteTransport::new(tx))),
        ),
    };
    Ok(HbaseSyncClient::new(i, o))
}

/// The name of the running test (libtest names each test's thread after it).
fn current_test_name() -> String {
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .unwrap_or("<this test>")
        .to_string()
}

/// A client connected to the HBase named by `CAPJURE_HBASE`, checked with a
/// real `getTableNames` call.
///
/// * Unreachable gateway: panics saying how to start HBase, or, with
///   `CAPJURE_SKIP_HBASE=1`, prints a `SKIPPED` line to stderr and returns
///   `None` (write `let Some(mut c) = hbase_client() else { return };`).
/// * Reachable but the call fails (wrong transport/protocol, master not
///   up): always panics, since that is a broken setup, not a missing one.
pub fn hbase_client() -> Option<Client> {
    let target = Target::from_env();
    let mut client = match connect(&target) {
        Ok(c) => c,
        Err(e) => return missing("Thrift1", &target, ADDR_VAR, "", &e),
    };
    if let Err(e) = client.get_table_names() {
        panic!(
            "HBase Thrift gateway at {} accepted the connection but getTableNames failed: {e}.\n\
             Does its transport/protocol match {} (set {ADDR_VAR}=framed://..., compact://...)? \
             See `scripts/hbase status` and `scripts/hbase logs`.",
            target.addr,
            target.mode()
        );
    }
    Some(client)
}

/// Says that the gateway a test needs is not there: a visible `SKIPPED`
/// line under `CAPJURE_SKIP_HBASE=1`, else a panic saying how to start it.
fn missing<T>(
    kind: &str,
    target: &Target,
    var: &str,
    start: &str,
    e: &dyn std::fmt::Display,
) -> Option<T> {
    let test = current_test_name();
    if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
        // Straight to the process's stderr: libtest captures eprintln! of
        // passing tests, and a skip must be seen.
        let _ = writeln!(
            std::io::stderr().lock(),
            "\nSKIPPED ({SKIP_VAR}=1): {test} needs HBase's {kind} gateway; none at {} ({e})",
            target.addr
        );
        return None;
    }
    panic!(
        "{test} needs a running HBase {kind} gateway at {} ({var}), but connecting failed: {e}.\n\
         Start one with `scripts/hbase start{start}` (stop it with `scripts/hbase stop{start}`), \
         or run the whole suite with `scripts/test`, which starts and stops HBase itself. To \
         skip HBase tests visibly instead, set {SKIP_VAR}=1.",
        target.addr
    );
}

/// A [`capjure::Thrift2Store`] on the Thrift2 gateway named by
/// `CAPJURE_HBASE2` (default `127.0.0.1:9091`), as [`hbase_client`] does
/// for Thrift1: a missing gateway fails loudly, or skips visibly under
/// `CAPJURE_SKIP_HBASE=1`.
pub fn thrift2_store() -> Option<capjure::Thrift2Store> {
    let target = Target::thrift2_from_env();
    match capjure::Thrift2Store::new(target.config()) {
        Ok(store) => Some(store),
        Err(e) => {
            let unreachable = matches!(
                e.kind(),
                capjure::ErrorKind::Transport { .. } | capjure::ErrorKind::Timeout { .. }
            );
            if !unreachable {
                panic!(
                    "HBase Thrift2 gateway at {} ({ADDR2_VAR}) answered, but not as expected: {e}",
                    target.addr
                );
            }
            missing("Thrift2", &target, ADDR2_VAR, " thrift2", &e)
        }
    }
}

/// A table name no other test or run uses: `capjure_t_<prefix>_<pid>_<time>_<n>`.
/// The prefix is reduced to the characters HBase allows in table names.
pub fn unique_table_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let clean: String = prefix
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
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    format!(
        "capjure_t_{clean}_{}_{micros}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Disables and deletes `table` if it exists; for cleanup at the end of a
/// test (and after a failed one, via [`DropTable`]).
pub fn drop_table_if_exists(client: &mut Client, table: &str) -> thrift::Result<()> {
    let name = table.as_bytes().to_vec();
    if !client.get_table_names()?.contains(&name) {
        return Ok(());
    }
    if client.is_table_enabled(name.clone())? {
        client.disable_table(name.clone())?;
    }
    client.delete_table(name)
}

/// Drops its table when it goes out of scope, so a failing assertion does
/// not leave tables behind in a long-lived HBase. Opens its own connection:
/// the test's client may be mid-call when a panic unwinds.
pub struct DropTable(pub String);

impl Drop for DropTable {
    fn drop(&mut self) {
        if let Ok(mut c) = connect(&Target::from_env()) {
            let _ = drop_table_if_exists(&mut c, &self.0);
        }
    }
}
