//! How to reach a gateway (Thrift1 or Thrift2): address, wire format, timeouts, pool
//! and retries.

use std::time::Duration;

use crate::error::{ErrorKind, Result};
use crate::store::StoreLimits;

/// How Thrift messages are delimited on the socket; must match the
/// gateway's (`hbase thrift start` is buffered, `-f` framed; `-nonblocking`,
/// `-hsha` and `-threadedselector` are always framed).
///
/// ```
/// assert_eq!(capjure::store::TransportKind::default(), capjure::store::TransportKind::Buffered);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// Unframed, the gateway's default.
    #[default]
    Buffered,
    /// Each message prefixed with its length.
    Framed,
}

/// How Thrift messages are encoded; must match the gateway's
/// (`hbase thrift start -c` for compact).
///
/// ```
/// assert_eq!(capjure::store::WireProtocol::default(), capjure::store::WireProtocol::Binary);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WireProtocol {
    /// TBinaryProtocol, the gateway's default.
    #[default]
    Binary,
    /// TCompactProtocol.
    Compact,
}

/// How to reach a gateway, Thrift1 ([`ThriftStore`](crate::ThriftStore)) or
/// Thrift2 ([`Thrift2Store`](crate::Thrift2Store)): both take the same settings.
///
/// ```
/// use std::time::Duration;
/// use capjure::store::{ThriftConfig, TransportKind};
///
/// let config = ThriftConfig::new("127.0.0.1:9090")
///     .transport(TransportKind::Framed)
///     .call_timeout(Duration::from_secs(5))
///     .retries(2);
/// assert_eq!(config.address(), "127.0.0.1:9090");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThriftConfig {
    pub(crate) address: String,
    pub(crate) transport: TransportKind,
    pub(crate) protocol: WireProtocol,
    pub(crate) connect_timeout: Duration,
    pub(crate) call_timeout: Duration,
    pub(crate) pool_size: usize,
    pub(crate) pool_wait: Duration,
    pub(crate) max_idle: Duration,
    pub(crate) retries: u32,
    pub(crate) backoff: Duration,
    pub(crate) limits: StoreLimits,
}

impl ThriftConfig {
    /// Buffered binary transport, 5 s to connect, 30 s per call, up to 4
    /// connections (idle ones kept for 30 s), 30 s to wait for one when all
    /// are busy, 3 retries starting at 100 ms.
    ///
    /// ```
    /// let config = capjure::store::ThriftConfig::new("localhost:9090");
    /// assert_eq!(config.address(), "localhost:9090");
    /// ```
    pub fn new(address: impl Into<String>) -> Self {
        ThriftConfig {
            address: address.into(),
            transport: TransportKind::Buffered,
            protocol: WireProtocol::Binary,
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(30),
            pool_size: 4,
            pool_wait: Duration::from_secs(30),
            max_idle: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(100),
            limits: StoreLimits::new(),
        }
    }

    /// Reads `[SCHEME://]HOST:PORT`, the form the `CAPJURE_HBASE`
    /// environment variable and `scripts/hbase` use: the scheme is
    /// `framed`, `compact`, `framed+compact` (or the defaults `buffered`,
    /// `binary`), and no scheme means buffered binary, the gateway's
    /// defaults. Everything else is [`ThriftConfig::new`]'s defaults.
    ///
    /// ```
    /// use capjure::store::{ThriftConfig, TransportKind, WireProtocol};
    ///
    /// let config = ThriftConfig::from_url("framed+compact://127.0.0.1:9091")?;
    /// assert_eq!(config.address(), "127.0.0.1:9091");
    /// assert_eq!(
    ///     config,
    ///     ThriftConfig::new("127.0.0.1:9091")
    ///         .transport(TransportKind::Framed)
    ///         .protocol(WireProtocol::Compact)
    /// );
    /// assert_eq!(ThriftConfig::from_url("localhost:9090")?, ThriftConfig::new("localhost:9090"));
    /// assert!(ThriftConfig::from_url("http://localhost:9090").is_err());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn from_url(url: &str) -> Result<Self> {
        let invalid = |reason: String| ErrorKind::InvalidUrl {
            url: url.to_string(),
            reason,
        };
        let trimmed = url.trim();
        let (scheme, address) = trimmed.split_once("://").unwrap_or(("", trimmed));
        let mut config = ThriftConfig::new(address);
        for part in scheme.split('+').filter(|part| !part.is_empty()) {
            config = match part {
                "framed" => config.transport(TransportKind::Framed),
                "compact" => config.protocol(WireProtocol::Compact),
                "buffered" | "binary" => config,
                other => {
                    return Err(invalid(format!(
                        "unknown scheme part \"{other}\" (expected framed, compact, \
                         framed+compact, buffered or binary)"
                    ))
                    .into());
                }
            };
        }
        match address.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(config),
            _ => Err(invalid("expected HOST:PORT".into()).into()),
        }
    }

    /// The gateway's `host:port`.
    ///
    /// ```
    /// assert_eq!(capjure::store::ThriftConfig::new("h:1").address(), "h:1");
    /// ```
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The transport set, framed or buffered.
    ///
    /// ```
    /// use capjure::store::{ThriftConfig, TransportKind};
    /// let config = ThriftConfig::from_url("framed://h:1")?;
    /// assert_eq!(config.transport_kind(), TransportKind::Framed);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn transport_kind(&self) -> TransportKind {
        self.transport
    }

    /// The protocol set, binary or compact.
    ///
    /// ```
    /// use capjure::store::{ThriftConfig, WireProtocol};
    /// let config = ThriftConfig::from_url("compact://h:1")?;
    /// assert_eq!(config.wire_protocol(), WireProtocol::Compact);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn wire_protocol(&self) -> WireProtocol {
        self.protocol
    }

    /// Framed or buffered.
    ///
    /// ```
    /// use capjure::store::{ThriftConfig, TransportKind};
    /// let _ = ThriftConfig::new("h:1").transport(TransportKind::Framed);
    /// ```
    pub fn transport(mut self, transport: TransportKind) -> Self {
        self.transport = transport;
        self
    }

    /// Binary or compact.
    ///
    /// ```
    /// use capjure::store::{ThriftConfig, WireProtocol};
    /// let _ = ThriftConfig::new("h:1").protocol(WireProtocol::Compact);
    /// ```
    pub fn protocol(mut self, protocol: WireProtocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// How long to wait for a TCP connection, and then for the gateway to
    /// answer the handshake that checks its transport and protocol.
    ///
    /// ```
    /// let _ = capjure::store::ThriftConfig::new("h:1").connect_timeout(std::time::Duration::from_secs(1));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one call may wait on the socket (read and write timeouts).
    ///
    /// ```
    /// let _ = capjure::store::ThriftConfig::new("h:1").call_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// The most connections open at once, 4 by default: a caller that finds
    /// them all busy waits up to [`pool_wait`](Self::pool_wait) for one to
    /// come back rather than opening (and closing) a socket of its own.
    /// It also bounds the store's own parallelism: a scan read
    /// through fetches its next batch on a second connection, and a
    /// multi-get of 50 rows or more is split into at most this many pieces
    /// sent at once. `pool_size(1)` turns both off.
    ///
    /// ```
    /// let _ = capjure::store::ThriftConfig::new("h:1").pool_size(8);
    /// ```
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// How long a caller waits for a connection when all
    /// [`pool_size`](Self::pool_size) are busy, before an
    /// [`ErrorKind::PoolExhausted`](crate::ErrorKind::PoolExhausted) (nothing is sent).
    ///
    /// ```
    /// let _ = capjure::store::ThriftConfig::new("h:1").pool_wait(std::time::Duration::from_secs(5));
    /// ```
    pub fn pool_wait(mut self, wait: Duration) -> Self {
        self.pool_wait = wait;
        self
    }

    /// Idle connections older than this are closed rather than reused (the
    /// gateway drops idle clients after its own read timeout).
    ///
    /// ```
    /// let _ = capjure::store::ThriftConfig::new("h:1").max_idle(std::time::Duration::from_secs(10));
    /// ```
    pub fn max_idle(mut self, idle: Duration) -> Self {
        self.max_idle = idle;
        self
    }

    /// How many times a call is retried (0 disables retries): any call
    /// when nothing reached the server (refused, or the connection's
    /// handshake failed), and calls safe to repeat when the connection
    /// broke after sending. A call with no reply within the call timeout is
    /// never retried, since the server may still be running it.
    ///
    /// ```
    /// let _ = capjure::store::ThriftConfig::new("h:1").retries(0);
    /// ```
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The first retry's delay; each further retry doubles it.
    ///
    /// ```
    /// let _ = capjure::store::ThriftConfig::new("h:1").backoff(std::time::Duration::from_millis(10));
    /// ```
    pub fn backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// The row key and cell size limits checked before a call is sent
    /// ([`StoreLimits::new`], HBase's defaults, unless set): a batch the
    /// cluster would refuse fails here, naming its row, rather than on the
    /// server with a message that names none.
    ///
    /// ```
    /// use capjure::store::{StoreLimits, ThriftConfig};
    /// // Region servers with hbase.server.keyvalue.maxsize = 50 MiB.
    /// let config = ThriftConfig::new("h:1").limits(StoreLimits::new().max_cell_size(50 << 20));
    /// assert_ne!(config, ThriftConfig::new("h:1"));
    /// ```
    pub fn limits(mut self, limits: StoreLimits) -> Self {
        self.limits = limits;
        self
    }

    pub(crate) fn wire(&self) -> String {
        let transport = match self.transport {
            TransportKind::Buffered => "buffered",
            TransportKind::Framed => "framed",
        };
        let protocol = match self.protocol {
            WireProtocol::Binary => "binary",
            WireProtocol::Compact => "compact",
        };
        format!("{transport} transport, {protocol} protocol")
    }
}
