//! Connections to the Thrift1 gateway: configuration, the connect
//! handshake, and a small pool that drops broken connections.

use std::io::{ErrorKind as IoErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use hbase_thrift::hbase::{HbaseSyncClient, THbaseSyncClient, TThriftServerType};
use thrift::protocol::{
    TBinaryOutputProtocol, TCompactInputProtocol, TCompactOutputProtocol, TInputProtocol,
    TOutputProtocol,
};
use thrift::transport::{
    TBufferedReadTransport, TBufferedWriteTransport, TFramedReadTransport, TFramedWriteTransport,
};

use super::wire::BinaryInput;
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

/// How to reach a Thrift1 gateway.
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
    pub(crate) max_idle: Duration,
    pub(crate) retries: u32,
    pub(crate) backoff: Duration,
    pub(crate) limits: StoreLimits,
}

impl ThriftConfig {
    /// Buffered binary transport, 5 s to connect, 30 s per call, up to 4
    /// idle connections kept for 30 s, 3 retries starting at 100 ms.
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
            max_idle: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(100),
            limits: StoreLimits::new(),
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

    /// How long to wait for a TCP connection.
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

    /// How many idle connections to keep (more are opened when busy), 4 by
    /// default. It also bounds the store's own parallelism: a scan read
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

    /// How many times a call that is safe to repeat is retried after a
    /// transport failure (0 disables retries).
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

    fn wire(&self) -> String {
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

pub(crate) type Client =
    HbaseSyncClient<Box<dyn TInputProtocol + Send>, Box<dyn TOutputProtocol + Send>>;

/// One connection: the generated client and the socket under it.
pub(crate) struct Conn {
    pub(crate) client: Client,
    /// A second reader on the same socket for replies decoded without the
    /// generated client (see `batch`): only with the buffered transport
    /// and binary protocol. One call is in flight at a time and each reads
    /// its whole reply, so between calls neither reader holds bytes.
    pub(crate) raw: Option<BinaryInput<TcpStream>>,
    /// Where calls written without the generated client are gathered (see
    /// `write`); empty between calls, its capacity kept.
    pub(crate) out: Vec<u8>,
    /// The socket, for those calls to write to.
    pub(crate) stream: TcpStream,
    idle_since: Instant,
}

impl Conn {
    /// Whether the server has closed the socket (or sent something nobody
    /// asked for) while it sat in the pool.
    fn looks_alive(&self) -> bool {
        // Bytes left in the direct reader would be the start of a reply
        // nobody is waiting for.
        if self.raw.as_ref().is_some_and(|raw| !raw.is_drained()) {
            return false;
        }
        if self.stream.set_nonblocking(true).is_err() {
            return false;
        }
        let mut probe = [0u8; 1];
        let alive =
            matches!(self.stream.peek(&mut probe), Err(e) if e.kind() == IoErrorKind::WouldBlock);
        alive && self.stream.set_nonblocking(false).is_ok()
    }
}

/// Opens connections and keeps idle ones.
pub(crate) struct Pool {
    pub(crate) config: ThriftConfig,
    idle: Mutex<Vec<Conn>>,
}

impl Pool {
    pub(crate) fn new(config: ThriftConfig) -> Self {
        Pool {
            config,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle connection that still looks alive, or a new one.
    pub(crate) fn checkout(&self) -> Result<Conn> {
        loop {
            let candidate = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            match candidate {
                Some(conn)
                    if conn.idle_since.elapsed() <= self.config.max_idle && conn.looks_alive() =>
                {
                    return Ok(conn);
                }
                Some(_) => continue, // dropped: closes the socket
                None => return self.connect(),
            }
        }
    }

    /// Returns a connection that finished its call cleanly.
    pub(crate) fn checkin(&self, mut conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.config.pool_size {
            conn.idle_since = Instant::now();
            idle.push(conn);
        }
    }

    /// Opens a socket and proves the gateway speaks our transport and
    /// protocol by asking its server type, within the call timeout.
    pub(crate) fn connect(&self) -> Result<Conn> {
        let config = &self.config;
        let stream = self.open_socket()?;
        let direct =
            config.transport == TransportKind::Buffered && config.protocol == WireProtocol::Binary;
        let setup = || -> std::io::Result<(TcpStream, TcpStream, Option<TcpStream>)> {
            stream.set_read_timeout(Some(config.call_timeout))?;
            stream.set_write_timeout(Some(config.call_timeout))?;
            stream.set_nodelay(true)?;
            let raw = direct.then(|| stream.try_clone()).transpose()?;
            Ok((stream.try_clone()?, stream.try_clone()?, raw))
        };
        let (reader, writer, raw) = setup().map_err(|e| self.transport_error("connect", e))?;
        let input: Box<dyn Read + Send> = match (config.transport, config.protocol) {
            // Our binary reader buffers the socket itself.
            (TransportKind::Buffered, WireProtocol::Binary) => Box::new(reader),
            (TransportKind::Buffered, WireProtocol::Compact) => {
                Box::new(TBufferedReadTransport::new(reader))
            }
            (TransportKind::Framed, _) => Box::new(TFramedReadTransport::new(reader)),
        };
        let output: Box<dyn Write + Send> = match config.transport {
            TransportKind::Buffered => Box::new(TBufferedWriteTransport::new(writer)),
            TransportKind::Framed => Box::new(TFramedWriteTransport::new(writer)),
        };
        let (input, output): (
            Box<dyn TInputProtocol + Send>,
            Box<dyn TOutputProtocol + Send>,
        ) = match config.protocol {
            WireProtocol::Binary => (
                Box::new(BinaryInput::new(input, true)),
                Box::new(TBinaryOutputProtocol::new(output, true)),
            ),
            WireProtocol::Compact => (
                Box::new(TCompactInputProtocol::new(input)),
                Box::new(TCompactOutputProtocol::new(output)),
            ),
        };
        let mut client = HbaseSyncClient::new(input, output);
        match client.get_thrift_server_type() {
            Ok(TThriftServerType::ONE) => Ok(Conn {
                client,
                raw: raw.map(|raw| BinaryInput::new(raw, true)),
                out: Vec::new(),
                stream,
                idle_since: Instant::now(),
            }),
            Ok(other) => Err(ErrorKind::ProtocolMismatch {
                address: config.address.clone(),
                detail: format!(
                    "the gateway is not a Thrift1 server (it reports server type {}); \
                     start HBase's Thrift1 gateway (`hbase thrift start`), not thrift2",
                    other.0
                ),
                source: format!("server type {}", other.0).into(),
            }
            .into()),
            Err(err) => Err(ErrorKind::ProtocolMismatch {
                address: config.address.clone(),
                detail: format!(
                    "no valid Thrift1 reply to the connection check within {:?} ({err}); \
                     the client uses the {}: check that the gateway was started with the same \
                     (`-f` for framed, `-c` for compact) and that this port is the Thrift1 gateway",
                    config.call_timeout,
                    config.wire()
                ),
                source: Box::new(err),
            }
            .into()),
        }
    }

    fn open_socket(&self) -> Result<TcpStream> {
        let config = &self.config;
        let addrs: Vec<SocketAddr> = config
            .address
            .to_socket_addrs()
            .map_err(|e| self.transport_error("connect", e))?
            .collect();
        let mut last_error =
            std::io::Error::new(IoErrorKind::NotFound, "the address resolves to nothing");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, config.connect_timeout) {
                Ok(stream) => return Ok(stream),
                Err(err) => last_error = err,
            }
        }
        Err(self.transport_error("connect", last_error))
    }

    fn transport_error(&self, operation: &'static str, err: std::io::Error) -> crate::Error {
        let hint = match err.kind() {
            IoErrorKind::ConnectionRefused => {
                "connection refused: is the HBase Thrift1 gateway running on this port?"
            }
            IoErrorKind::TimedOut | IoErrorKind::WouldBlock => "timed out connecting",
            _ => "cannot connect",
        };
        ErrorKind::Transport {
            table: String::new(),
            operation,
            address: self.config.address.clone(),
            detail: format!("{hint} ({err})"),
            source: Box::new(err),
        }
        .into()
    }
}
