//! Connections to a gateway, whatever its protocol ([`Wire`]): the
//! connect handshake, reads that watch for stalled calls, and a bounded
//! pool that drops broken connections.

use std::io::{ErrorKind as IoErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use thrift::protocol::{
    TBinaryOutputProtocol, TCompactInputProtocol, TCompactOutputProtocol, TInputProtocol,
    TMessageIdentifier, TMessageType, TOutputProtocol, TStructIdentifier,
};
use thrift::transport::{
    TBufferedReadTransport, TBufferedWriteTransport, TFramedReadTransport, TFramedWriteTransport,
};

use super::Wire;
use super::config::{ThriftConfig, TransportKind, WireProtocol};
use super::errors;
use super::wire::BinaryInput;
use crate::TransportCause;
use crate::error::{ErrorKind, Result};

/// How long a read waits before the table of the call in flight is checked
/// once (see [`Watch`]): longer than almost every healthy call, short
/// enough to report a disabled table long before a call timeout.
const STALL_CHECK_AFTER: Duration = Duration::from_secs(1);

/// One connection: the generated client and the socket under it.
pub(crate) struct Conn<W: Wire> {
    pub(crate) client: W::Client,
    /// A second reader on the same socket for replies decoded without the
    /// generated client (see `batch`): only with the buffered transport
    /// and binary protocol. One call is in flight at a time and each reads
    /// its whole reply, so between calls neither reader holds bytes.
    pub(crate) raw: Option<BinaryInput<Watched>>,
    /// Where calls written without the generated client are gathered (see
    /// `write`); empty between calls, its capacity kept.
    pub(crate) out: Vec<u8>,
    /// The socket, for those calls to write to.
    pub(crate) stream: TcpStream,
    /// What the readers of this connection know about the call in flight.
    pub(crate) watch: Arc<Watch>,
    idle_since: Instant,
    /// The pool's count of open connections, given back on drop; `None`
    /// for a connection opened outside the count.
    _slot: Option<Slot>,
}

impl<W: Wire> Conn<W> {
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

    /// Says which table the next call is about, so that a call the
    /// server sits on can be checked against the table's state.
    pub(crate) fn arm(&self, table: &str) {
        let mut armed = lock(&self.watch.table);
        armed.clear();
        armed.push_str(table);
    }

    /// What a stalled read learned about the table, if it gave up on the
    /// call because of it.
    pub(crate) fn take_verdict(&self) -> Option<crate::Error> {
        lock(&self.watch.verdict).take()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn is_timeout(err: &std::io::Error) -> bool {
    matches!(err.kind(), IoErrorKind::WouldBlock | IoErrorKind::TimedOut)
}

/// Shared by a connection's readers: the limit on one wait for a reply,
/// and the table of the call in flight.
///
/// The socket's own read timeout is a short slice; a read that outlasts
/// one slice asks the gateway once, on another connection, whether the
/// call's table is disabled or gone (the gateway's client then retries for
/// minutes before it answers), and gives up on the call if so. Otherwise
/// it keeps waiting until the limit.
pub(crate) struct Watch {
    limit_nanos: AtomicU64,
    slice: Duration,
    table: Mutex<String>,
    verdict: Mutex<Option<crate::Error>>,
    pool: Weak<dyn StallCheck>,
}

/// What a stalled read asks the pool: the table's state, if it explains a
/// call that gets no reply (`table` disabled or gone), checked within
/// `within`.
trait StallCheck: Send + Sync {
    fn table_verdict(self: Arc<Self>, table: String, within: Duration) -> Option<crate::Error>;
}

impl Watch {
    fn limit(&self) -> Duration {
        Duration::from_nanos(self.limit_nanos.load(Ordering::Relaxed))
    }

    fn set_limit(&self, limit: Duration) {
        let nanos = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
        self.limit_nanos.store(nanos, Ordering::Relaxed);
    }

    /// The table's state, if it explains a call that gets no reply.
    fn stall_check(&self, within: Duration) -> Option<crate::Error> {
        let table = lock(&self.table).clone();
        if table.is_empty() {
            return None;
        }
        self.pool.upgrade()?.table_verdict(table, within)
    }
}

impl<W: Wire> StallCheck for Shared<W> {
    fn table_verdict(self: Arc<Self>, table: String, within: Duration) -> Option<crate::Error> {
        let shared = self;
        let mut conn = match shared.try_checkout(within) {
            Some(Ok(conn)) => conn,
            Some(Err(_)) => return None,
            // No room in the pool: a connection of its own, closed after.
            None => shared.connect(false, within).ok()?,
        };
        conn.watch.set_limit(within.max(Duration::from_millis(1)));
        let answer = W::table_enabled(&mut conn.client, &table);
        conn.watch.set_limit(shared.config.call_timeout);
        match answer {
            Ok(enabled) => {
                shared.checkin(conn);
                (!enabled).then(|| ErrorKind::TableDisabled { table }.into())
            }
            Err(err) if errors::is_broken(&err) => None,
            Err(err) => {
                shared.checkin(conn);
                let config = &shared.config;
                let mapped = errors::map_error::<W>(
                    err,
                    &table,
                    "get",
                    &config.address,
                    config.call_timeout,
                );
                matches!(mapped.kind(), ErrorKind::TableNotFound { .. }).then_some(mapped)
            }
        }
    }
}

/// A connection's socket as its readers see it (see [`Watch`]).
pub(crate) struct Watched {
    stream: TcpStream,
    watch: Arc<Watch>,
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let started = Instant::now();
        match self.stream.read(buf) {
            Err(err) if is_timeout(&err) => {
                let result = self.read_slowly(buf, started);
                // Back to the slice for the next fast read.
                let _ = self.stream.set_read_timeout(Some(self.watch.slice));
                result
            }
            other => other,
        }
    }
}

impl Watched {
    /// A read that outlasted one slice.
    fn read_slowly(&mut self, buf: &mut [u8], started: Instant) -> std::io::Result<usize> {
        let limit = self.watch.limit();
        let mut checked = false;
        loop {
            let waited = started.elapsed();
            if waited >= limit {
                return Err(std::io::Error::new(
                    IoErrorKind::TimedOut,
                    format!("no reply within {limit:?}"),
                ));
            }
            if !checked && waited >= STALL_CHECK_AFTER {
                checked = true;
                if let Some(verdict) = self.watch.stall_check(limit - waited) {
                    *lock(&self.watch.verdict) = Some(verdict);
                    return Err(std::io::Error::other(
                        "gave up on the call: the table cannot serve it",
                    ));
                }
                continue;
            }
            let left = limit.saturating_sub(started.elapsed());
            let wait = left.min(self.watch.slice).max(Duration::from_millis(1));
            self.stream.set_read_timeout(Some(wait))?;
            match self.stream.read(buf) {
                Err(err) if is_timeout(&err) => continue,
                other => return other,
            }
        }
    }
}

/// One open connection counted against the pool's size; `None` once the
/// count was given back by a holder of the pool's lock.
struct Slot(Option<Arc<dyn Release>>);

/// Gives a connection's place in the pool back.
trait Release: Send + Sync {
    fn release(&self);
}

impl<W: Wire> Release for Shared<W> {
    fn release(&self) {
        let mut state = lock(&self.state);
        state.open = state.open.saturating_sub(1);
        drop(state);
        self.freed.notify_one();
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            shared.release();
        }
    }
}

struct State<W: Wire> {
    idle: Vec<Conn<W>>,
    /// Connections open, idle or in use (or being opened).
    open: usize,
    /// The store is gone: connections coming back are closed.
    closed: bool,
}

/// What the pool's connections share with it.
pub(crate) struct Shared<W: Wire> {
    config: ThriftConfig,
    state: Mutex<State<W>>,
    /// Signalled when a connection comes back or closes.
    freed: Condvar,
}

/// Opens connections, up to the configured size, and keeps them.
pub(crate) struct Pool<W: Wire> {
    pub(crate) config: ThriftConfig,
    shared: Arc<Shared<W>>,
}

impl<W: Wire> Pool<W> {
    pub(crate) fn new(config: ThriftConfig) -> Self {
        Pool {
            shared: Arc::new(Shared {
                config: config.clone(),
                state: Mutex::new(State {
                    idle: Vec::new(),
                    open: 0,
                    closed: false,
                }),
                freed: Condvar::new(),
            }),
            config,
        }
    }

    /// An idle connection that still looks alive, a new one while fewer
    /// than the pool's size are open, or else the first one returned
    /// within the pool wait.
    pub(crate) fn checkout(&self, table: &str, operation: &'static str) -> Result<Conn<W>> {
        let config = &self.config;
        let deadline = Instant::now() + config.pool_wait;
        // Declared before the guard, so dropped (closed) after it.
        let mut dead = Vec::new();
        let mut state = lock(&self.shared.state);
        loop {
            if let Some(conn) = self.shared.take_idle(&mut state, &mut dead) {
                return Ok(conn);
            }
            if state.open < config.pool_size.max(1) {
                state.open += 1;
                drop(state);
                return self.shared.connect(true, config.connect_timeout);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(ErrorKind::PoolExhausted {
                    table: table.to_string(),
                    operation,
                    address: config.address.clone(),
                    size: config.pool_size.max(1),
                    waited: config.pool_wait,
                }
                .into());
            }
            state = self
                .shared
                .freed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// [`checkout`](Self::checkout) without waiting: `None` when every
    /// connection is busy.
    pub(crate) fn try_checkout(&self) -> Option<Result<Conn<W>>> {
        self.shared.try_checkout(self.config.connect_timeout)
    }

    /// Returns a connection that finished its call cleanly.
    pub(crate) fn checkin(&self, conn: Conn<W>) {
        self.shared.checkin(conn);
    }
}

impl<W: Wire> Drop for Pool<W> {
    /// Closes the idle connections: each holds the pool's shared state (for
    /// its slot), so they would otherwise keep each other alive.
    fn drop(&mut self) {
        let idle = {
            let mut state = lock(&self.shared.state);
            state.closed = true;
            std::mem::take(&mut state.idle)
        };
        drop(idle);
    }
}

impl<W: Wire> Shared<W> {
    /// A live idle connection; dead and expired ones go to `dead`, to be
    /// closed once the lock is released, their slots given back here.
    fn take_idle(&self, state: &mut State<W>, dead: &mut Vec<Conn<W>>) -> Option<Conn<W>> {
        while let Some(mut conn) = state.idle.pop() {
            if conn.idle_since.elapsed() <= self.config.max_idle && conn.looks_alive() {
                return Some(conn);
            }
            if let Some(slot) = conn._slot.as_mut() {
                slot.0 = None;
                state.open = state.open.saturating_sub(1);
            }
            dead.push(conn);
        }
        None
    }

    /// An idle connection, or a new one (connected within `limit`) if
    /// there is room; `None` when every connection is busy.
    fn try_checkout(self: &Arc<Self>, limit: Duration) -> Option<Result<Conn<W>>> {
        let mut dead = Vec::new();
        let mut state = lock(&self.state);
        if let Some(conn) = self.take_idle(&mut state, &mut dead) {
            return Some(Ok(conn));
        }
        if state.open < self.config.pool_size.max(1) {
            state.open += 1;
            drop(state);
            return Some(self.connect(true, limit));
        }
        None
    }

    fn checkin(&self, mut conn: Conn<W>) {
        lock(&conn.watch.table).clear();
        if conn._slot.is_none() {
            return; // opened outside the count: closed now
        }
        conn.idle_since = Instant::now();
        let mut state = lock(&self.state);
        if state.closed {
            drop(state);
            return; // `conn` is closed here, after the lock is released
        }
        state.idle.push(conn);
        drop(state);
        self.freed.notify_one();
    }

    /// Opens a socket and proves the gateway speaks our transport and
    /// protocol by asking its server type, all within `limit` (the connect
    /// timeout). `counted`: the caller has reserved a slot for it.
    fn connect(self: &Arc<Self>, counted: bool, limit: Duration) -> Result<Conn<W>> {
        // The slot is given back however connecting ends.
        let slot = counted.then(|| Slot(Some(Arc::clone(self) as Arc<dyn Release>)));
        let config = &self.config;
        let limit = limit
            .min(config.connect_timeout)
            .max(Duration::from_millis(1));
        let stream = self.open_socket(limit)?;
        let direct =
            config.transport == TransportKind::Buffered && config.protocol == WireProtocol::Binary;
        let slice = STALL_CHECK_AFTER
            .min(config.call_timeout)
            .min(limit)
            .max(Duration::from_millis(1));
        let watch = Arc::new(Watch {
            limit_nanos: AtomicU64::new(0),
            slice,
            table: Mutex::new(String::new()),
            verdict: Mutex::new(None),
            pool: Arc::downgrade(self) as Weak<dyn StallCheck>,
        });
        watch.set_limit(limit);
        let setup = || -> std::io::Result<(Watched, TcpStream, Option<Watched>)> {
            stream.set_read_timeout(Some(slice))?;
            stream.set_write_timeout(Some(config.call_timeout))?;
            stream.set_nodelay(true)?;
            let watched = |stream: TcpStream| Watched {
                stream,
                watch: Arc::clone(&watch),
            };
            let raw = direct
                .then(|| stream.try_clone().map(watched))
                .transpose()?;
            Ok((watched(stream.try_clone()?), stream.try_clone()?, raw))
        };
        let (reader, writer, raw) = setup().map_err(|e| self.io_error("connect", e))?;
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
        let mut client = W::client(input, output);
        let answer = W::server_type(&mut client);
        watch.set_limit(config.call_timeout);
        match answer {
            Ok(kind) if kind == W::SERVER_TYPE => Ok(Conn {
                client,
                raw: raw.map(|raw| BinaryInput::new(raw, true)),
                out: Vec::new(),
                stream,
                watch,
                idle_since: Instant::now(),
                _slot: slot,
            }),
            Ok(other) => Err(ErrorKind::ProtocolMismatch {
                address: config.address.clone(),
                detail: format!(
                    "the gateway is not a {} server (it reports server type {other}, {}); \
                     connect to HBase's {} gateway ({}) or use the store for the other one",
                    W::NAME,
                    match other {
                        1 => "a Thrift1 gateway",
                        2 => "a Thrift2 gateway",
                        _ => "unknown",
                    },
                    W::NAME,
                    W::START,
                ),
                source: format!("server type {other}").into(),
            }
            .into()),
            Err(err) => Err(self.handshake_error(err, limit)),
        }
    }

    /// Why the handshake failed. Only a gateway that rejects what we sent
    /// (closes the connection on it, or answers with something that is not
    /// a Thrift1 reply) is a mismatch; no answer at all is a timeout.
    fn handshake_error(&self, err: thrift::Error, limit: Duration) -> crate::Error {
        let config = &self.config;
        let mismatch = |err: thrift::Error, seen: &str| -> crate::Error {
            ErrorKind::ProtocolMismatch {
                address: config.address.clone(),
                detail: format!(
                    "{seen} ({err}); the client uses the {}: check that the gateway was started \
                     with the same (`-f` for framed, `-c` for compact) and that this port is the \
                     {} gateway",
                    config.wire(),
                    W::NAME
                ),
                source: Box::new(err),
            }
            .into()
        };
        let thrift::Error::Transport(transport) = &err else {
            return mismatch(
                err,
                "the gateway's answer to the connection check is not valid",
            );
        };
        match errors::transport_failure(transport) {
            errors::Failure::TimedOut => {
                // A buffered gateway reads a framed request as the start of
                // a longer one and waits for the rest: that looks like a
                // frozen gateway until a probe tells them apart.
                if config.transport == TransportKind::Framed && self.probe_says_mismatch(limit) {
                    let seen = format!(
                        "the connection check got no answer within {limit:?}, and a second one \
                         was closed unanswered once the client stopped sending, as a gateway \
                         expecting other framing does"
                    );
                    return mismatch(err, &seen);
                }
                ErrorKind::Timeout {
                    table: String::new(),
                    operation: "connect",
                    address: config.address.clone(),
                    limit,
                    detail: "the gateway accepted the connection but did not answer its check \
                             (frozen, overloaded or paused?); nothing was sent"
                        .to_string(),
                }
                .into()
            }
            errors::Failure::Closed => mismatch(
                err,
                "the gateway closed the connection instead of answering its check",
            ),
            failure => ErrorKind::Transport {
                table: String::new(),
                operation: "connect",
                address: config.address.clone(),
                cause: failure.cause(),
                detail: format!("the connection check failed: {transport}"),
                source: Box::new(err),
            }
            .into(),
        }
    }

    /// Sends the framed handshake on a connection of its own and closes
    /// its sending side: a gateway that reads framing as buffered then
    /// meets the end of input and closes without a reply, a healthy one
    /// answers, a frozen one stays silent.
    fn probe_says_mismatch(&self, limit: Duration) -> bool {
        let probe = || -> thrift::Result<bool> {
            let stream = self.open_socket(limit).map_err(|_| {
                thrift::Error::from(std::io::Error::from(IoErrorKind::NotConnected))
            })?;
            stream.set_read_timeout(Some(limit))?;
            stream.set_write_timeout(Some(limit))?;
            let frame = TFramedWriteTransport::new(stream.try_clone()?);
            let mut out: Box<dyn TOutputProtocol> = match self.config.protocol {
                WireProtocol::Binary => Box::new(TBinaryOutputProtocol::new(frame, true)),
                WireProtocol::Compact => Box::new(TCompactOutputProtocol::new(frame)),
            };
            out.write_message_begin(&TMessageIdentifier::new(
                "getThriftServerType",
                TMessageType::Call,
                1,
            ))?;
            out.write_struct_begin(&TStructIdentifier::new("getThriftServerType_args"))?;
            out.write_field_stop()?;
            out.write_struct_end()?;
            out.write_message_end()?;
            out.flush()?;
            stream.shutdown(Shutdown::Write)?;
            let mut byte = [0u8; 1];
            Ok(matches!((&stream).read(&mut byte), Ok(0)))
        };
        probe().unwrap_or(false)
    }

    fn open_socket(&self, limit: Duration) -> Result<TcpStream> {
        let config = &self.config;
        let addrs: Vec<SocketAddr> = config
            .address
            .to_socket_addrs()
            .map_err(|e| self.io_error("connect", e))?
            .collect();
        let mut last_error =
            std::io::Error::new(IoErrorKind::NotFound, "the address resolves to nothing");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, limit) {
                Ok(stream) => return Ok(stream),
                Err(err) => last_error = err,
            }
        }
        Err(self.io_error("connect", last_error))
    }

    fn io_error(&self, operation: &'static str, err: std::io::Error) -> crate::Error {
        let address = self.config.address.clone();
        if is_timeout(&err) {
            return ErrorKind::Timeout {
                table: String::new(),
                operation,
                address,
                limit: self.config.connect_timeout,
                detail: "no connection (is the host reachable?); nothing was sent".to_string(),
            }
            .into();
        }
        let (cause, hint) = match err.kind() {
            IoErrorKind::ConnectionRefused => (
                TransportCause::Refused,
                "connection refused: is the HBase gateway running on this port?",
            ),
            IoErrorKind::NotFound => (TransportCause::Refused, "cannot resolve the address"),
            IoErrorKind::ConnectionReset | IoErrorKind::ConnectionAborted => {
                (TransportCause::Reset, "the connection was reset")
            }
            _ => (TransportCause::Other, "cannot connect"),
        };
        ErrorKind::Transport {
            table: String::new(),
            operation,
            address,
            cause,
            detail: format!("{hint} ({err})"),
            source: Box::new(err),
        }
        .into()
    }
}
