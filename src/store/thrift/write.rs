//! `mutateRows` and `mutateRowsTs` written straight from capjure's
//! mutations, and their replies read without the generated client.
//!
//! The generated client needs a `BatchMutation` per row and a `Mutation`
//! per cell, each holding its own copy of the column name and value, and
//! then writes every field header, length and byte string through a boxed
//! protocol, a boxed transport and a 4 KiB buffer that goes to the socket
//! whenever it fills. Under callgrind (`e2e --insert-profile`) that was
//! more than half of a put's client instructions. Here the message is
//! encoded from the borrowed cells into one reused buffer and handed to
//! the socket in one write (one per [`CHUNK`] for large batches), and the
//! reply is read by the connection's own binary reader. Only for the
//! buffered transport and binary protocol, as the reader; the bytes are
//! the ones `TBinaryOutputProtocol` writes for the same call (tests below).

use std::collections::BTreeMap;
use std::io::Write;

use hbase_thrift::hbase::{IOError, IllegalArgument};
use thrift::protocol::{TInputProtocol, TType, field_id};
use thrift::{ProtocolError, ProtocolErrorKind};

use super::Conn;
use crate::error::{ErrorKind, Result};
use crate::store::gateway::wire::{BinaryInput, read_reply_begin};
use crate::store::{Mutation, RowMutations};

/// Bytes gathered before they go to the socket: a batch of a few rows is
/// one write, a large batch one write per chunk, and the buffer a
/// connection keeps never grows past a chunk and one field.
pub(crate) const CHUNK: usize = 64 * 1024;

/// A byte string at least this long is written from the caller's memory
/// rather than copied into the buffer first.
const DIRECT: usize = CHUNK / 2;

// Binary protocol bytes (TBinaryProtocol): the strict message header and
// the field types this message uses.
const VERSION_1: [u8; 3] = [0x80, 0x01, 0x00];
const CALL: u8 = 1;
const BOOL: u8 = 2;
const I64: u8 = 10;
const STRING: u8 = 11;
const STRUCT: u8 = 12;
const MAP: u8 = 13;
const LIST: u8 = 15;
const STOP: u8 = 0;

/// Encodes into a reused buffer and passes full chunks on to `sink`.
struct Encoder<'a, W: Write> {
    buffer: &'a mut Vec<u8>,
    sink: W,
}

impl<W: Write> Encoder<'_, W> {
    #[inline]
    fn field(&mut self, field_type: u8, id: i16) {
        self.buffer.push(field_type);
        self.buffer.extend_from_slice(&id.to_be_bytes());
    }

    /// A list, map or string length; Thrift sizes are signed 32-bit.
    #[inline]
    fn size(&mut self, len: usize, what: &str) -> thrift::Result<()> {
        let len = i32::try_from(len).map_err(|_| {
            thrift::Error::Protocol(ProtocolError::new(
                ProtocolErrorKind::SizeLimit,
                format!("{what} of {len} is more than a Thrift size holds"),
            ))
        })?;
        self.buffer.extend_from_slice(&len.to_be_bytes());
        Ok(())
    }

    #[inline]
    fn bytes(&mut self, bytes: &[u8]) -> thrift::Result<()> {
        self.size(bytes.len(), "a byte string")?;
        self.raw(bytes)
    }

    /// `family:qualifier` as one byte string.
    #[inline]
    fn column(&mut self, family: &[u8], qualifier: &[u8]) -> thrift::Result<()> {
        self.size(family.len() + 1 + qualifier.len(), "a column name")?;
        self.buffer.extend_from_slice(family);
        self.buffer.push(b':');
        self.raw(qualifier)
    }

    /// Bytes without a length; a long run skips the buffer.
    #[inline]
    fn raw(&mut self, bytes: &[u8]) -> thrift::Result<()> {
        if bytes.len() < DIRECT {
            self.buffer.extend_from_slice(bytes);
            return Ok(());
        }
        self.flush()?;
        self.sink.write_all(bytes)?;
        Ok(())
    }

    /// Passes the buffer on once it holds a chunk.
    #[inline]
    fn spill(&mut self) -> thrift::Result<()> {
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> thrift::Result<()> {
        if !self.buffer.is_empty() {
            self.sink.write_all(self.buffer)?;
            self.buffer.clear();
        }
        Ok(())
    }

    /// One `Mutation` struct as the generated `to_thrift_mutation` builds
    /// it: `isDelete` (1), `column` (2), `value` (3, puts only),
    /// `writeToWAL` (4, always true).
    #[inline]
    fn mutation(&mut self, mutation: &Mutation) -> thrift::Result<()> {
        self.field(BOOL, 1);
        self.buffer.push(u8::from(mutation.is_delete()));
        self.field(STRING, 2);
        match mutation {
            Mutation::Put(cell) => {
                self.column(&cell.family, &cell.qualifier)?;
                self.field(STRING, 3);
                self.bytes(&cell.value)?;
            }
            Mutation::DeleteColumn {
                family, qualifier, ..
            } => self.column(family, qualifier)?,
            Mutation::DeleteFamily { family, .. } => self.bytes(family)?,
        }
        self.field(BOOL, 4);
        self.buffer.extend_from_slice(&[1, STOP]);
        Ok(())
    }
}

/// Fails, naming the row and column, on a row key, column name or value
/// longer than a Thrift byte string can say (2 GiB): the generated client
/// would send a wrapped length and the gateway would misread the rest.
pub(crate) fn check_sizes(table: &str, batch: &[RowMutations]) -> Result<()> {
    let fits = |len: usize| i32::try_from(len).is_ok();
    for change in batch {
        let too_long = |what: String, len: usize| -> crate::Error {
            crate::Error::from(ErrorKind::InvalidArgument {
                table: table.to_string(),
                operation: "mutate",
                message: format!("{what} is {len} bytes, more than the 2 GiB Thrift can send"),
            })
            .in_row(&change.row)
        };
        if !fits(change.row.len()) {
            return Err(too_long("the row key".into(), change.row.len()));
        }
        for mutation in &change.mutations {
            let (family, qualifier, value) = match mutation {
                Mutation::Put(cell) => (&cell.family, Some(&cell.qualifier), Some(&cell.value)),
                Mutation::DeleteColumn {
                    family, qualifier, ..
                } => (family, Some(qualifier), None),
                Mutation::DeleteFamily { family, .. } => (family, None, None),
            };
            let column = family.len() + qualifier.map_or(0, |q| 1 + q.len());
            let column_name =
                || crate::error::column_name(family, qualifier.map_or(&[][..], Vec::as_slice));
            if !fits(column) {
                return Err(too_long(format!("column \"{}\"", column_name()), column));
            }
            if let Some(value) = value.filter(|value| !fits(value.len())) {
                return Err(too_long(
                    format!("the value of column \"{}\"", column_name()),
                    value.len(),
                ));
            }
        }
    }
    Ok(())
}

/// What to send: `mutateRows(table, rows, attributes)`, or
/// `mutateRowsTs(table, rows, timestamp, attributes)` with a timestamp.
pub(crate) struct MutateRows<'a> {
    pub(crate) table: &'a str,
    pub(crate) rows: &'a [RowMutations],
    pub(crate) timestamp: Option<i64>,
    pub(crate) attributes: &'a BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MutateRows<'_> {
    /// The method name, as the reply names it too.
    pub(crate) fn method(&self) -> &'static str {
        match self.timestamp {
            Some(_) => "mutateRowsTs",
            None => "mutateRows",
        }
    }

    /// Writes the call message (strict binary protocol, as
    /// `TBinaryOutputProtocol::new(_, true)`) to `sink`, gathering it in
    /// `buffer` (left empty, its capacity kept for the next call).
    pub(crate) fn write(
        &self,
        sequence: i32,
        buffer: &mut Vec<u8>,
        sink: impl Write,
    ) -> thrift::Result<()> {
        buffer.clear();
        let mut out = Encoder { buffer, sink };
        let written = self.encode(sequence, &mut out).and_then(|()| out.flush());
        // A failed write leaves the connection unusable anyway; the buffer
        // must still start empty next time.
        out.buffer.clear();
        written
    }

    fn encode<W: Write>(&self, sequence: i32, out: &mut Encoder<'_, W>) -> thrift::Result<()> {
        out.buffer.extend_from_slice(&VERSION_1);
        out.buffer.push(CALL);
        out.bytes(self.method().as_bytes())?;
        out.buffer.extend_from_slice(&sequence.to_be_bytes());
        // The args struct: tableName (1), rowBatches (2), then timestamp
        // (3) and attributes (4) or attributes (3).
        out.field(STRING, 1);
        out.bytes(self.table.as_bytes())?;
        out.field(LIST, 2);
        out.buffer.push(STRUCT);
        out.size(self.rows.len(), "a batch")?;
        for change in self.rows {
            // BatchMutation: row (1), mutations (2).
            out.field(STRING, 1);
            out.bytes(&change.row)?;
            out.field(LIST, 2);
            out.buffer.push(STRUCT);
            out.size(change.mutations.len(), "a row's mutations")?;
            for mutation in &change.mutations {
                out.mutation(mutation)?;
                out.spill()?;
            }
            out.buffer.push(STOP);
        }
        let attributes_id = match self.timestamp {
            Some(timestamp) => {
                out.field(I64, 3);
                out.buffer.extend_from_slice(&timestamp.to_be_bytes());
                4
            }
            None => 3,
        };
        out.field(MAP, attributes_id);
        out.buffer.extend_from_slice(&[STRING, STRING]);
        out.size(self.attributes.len(), "the attributes")?;
        for (key, value) in self.attributes {
            out.bytes(key)?;
            out.bytes(value)?;
        }
        out.buffer.push(STOP);
        Ok(())
    }
}

/// The reply to a call whose result is void but for its exceptions
/// (`mutateRows`, `mutateRowsTs`), checked and turned into the errors the
/// generated client gives: a server exception first, then `io` (1) before
/// `ia` (2).
pub(crate) fn read_void_reply<R: std::io::Read>(
    input: &mut BinaryInput<R>,
    method: &str,
    sequence: i32,
) -> thrift::Result<()> {
    read_reply_begin(input, method, sequence)?;
    let mut io: Option<IOError> = None;
    let mut ia: Option<IllegalArgument> = None;
    input.read_struct_begin()?;
    loop {
        let field = input.read_field_begin()?;
        if field.field_type == TType::Stop {
            break;
        }
        match field_id(&field)? {
            1 => io = Some(IOError::read_from_in_protocol(input)?),
            2 => ia = Some(IllegalArgument::read_from_in_protocol(input)?),
            _ => input.skip(field.field_type)?,
        }
        input.read_field_end()?;
    }
    input.read_struct_end()?;
    input.read_message_end()?;
    match (io, ia) {
        (Some(io), _) => Err(thrift::Error::User(Box::new(io))),
        (None, Some(ia)) => Err(thrift::Error::User(Box::new(ia))),
        (None, None) => Ok(()),
    }
}

/// Sends `call` on `conn` and reads its reply: straight from the mutations
/// when the connection has the direct reader (buffered transport, binary
/// protocol), else through the generated client.
pub(crate) fn mutate_rows(conn: &mut Conn, call: &MutateRows<'_>) -> thrift::Result<()> {
    use hbase_thrift::hbase::{BatchMutation, THbaseSyncClient};
    use thrift::TThriftClient;

    let Some(raw) = conn.raw.as_mut() else {
        let rows: Vec<BatchMutation> = call
            .rows
            .iter()
            .map(|change| BatchMutation {
                row: Some(change.row.clone()),
                mutations: Some(
                    change
                        .mutations
                        .iter()
                        .map(super::to_thrift_mutation)
                        .collect(),
                ),
            })
            .collect();
        let client = &mut conn.client;
        let (table, attributes) = (call.table.into(), call.attributes.clone());
        return match call.timestamp {
            Some(ts) => client.mutate_rows_ts(table, rows, ts, attributes),
            None => client.mutate_rows(table, rows, attributes),
        };
    };
    // The same sequence numbers the generated client would use, so that
    // its own calls on this connection stay in step.
    conn.client.increment_sequence_number();
    let sequence = conn.client.sequence_number();
    call.write(sequence, &mut conn.out, &conn.stream)?;
    read_void_reply(raw, call.method(), sequence)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::sync::{Arc, Mutex};

    use hbase_thrift::hbase::{HbaseSyncClient, THbaseSyncClient};
    use thrift::protocol::{
        TBinaryOutputProtocol, TFieldIdentifier, TMessageType, TOutputProtocol,
    };
    use thrift::transport::TBufferedWriteTransport;
    use thrift::{ApplicationError, ApplicationErrorKind};

    use super::*;
    use crate::cell::Cell;
    use crate::store::thrift::test_replies::{ia_field, io_field, reply, result};

    /// A writer whose bytes the test can still see after the client that
    /// owns it is done.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Counts the writes it gets.
    #[derive(Default)]
    struct Counting {
        bytes: Vec<u8>,
        writes: usize,
    }

    impl Write for &mut Counting {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.writes += 1;
            self.bytes.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn ok_reply(method: &str, sequence: i32) -> Vec<u8> {
        reply(method, TMessageType::Reply, sequence, result(|_| {}))
    }

    /// The generated client as a connection builds it for this transport
    /// and protocol: our reader under it, the thrift crate's writer.
    type Generated = HbaseSyncClient<
        BinaryInput<Cursor<Vec<u8>>>,
        TBinaryOutputProtocol<TBufferedWriteTransport<Shared>>,
    >;

    /// The generated client, answered with `answer`, writing to `sent`.
    fn generated(answer: Vec<u8>, sent: &Shared) -> Generated {
        HbaseSyncClient::new(
            BinaryInput::new(Cursor::new(answer), true),
            TBinaryOutputProtocol::new(TBufferedWriteTransport::new(sent.clone()), true),
        )
    }

    /// What the generated client sends for `call` (its first call, so
    /// sequence number 1), and what it makes of `answer`.
    fn through_generated(call: &MutateRows<'_>, answer: Vec<u8>) -> (Vec<u8>, thrift::Result<()>) {
        let sent = Shared::default();
        let mut client = generated(answer, &sent);
        let rows = call
            .rows
            .iter()
            .map(|change| hbase_thrift::hbase::BatchMutation {
                row: Some(change.row.clone()),
                mutations: Some(
                    change
                        .mutations
                        .iter()
                        .map(super::super::to_thrift_mutation)
                        .collect(),
                ),
            })
            .collect();
        let table = call.table.into();
        let attributes = call.attributes.clone();
        let result = match call.timestamp {
            Some(ts) => client.mutate_rows_ts(table, rows, ts, attributes),
            None => client.mutate_rows(table, rows, attributes),
        };
        let bytes = sent.0.lock().unwrap().clone();
        (bytes, result)
    }

    fn encoded(call: &MutateRows<'_>, sequence: i32) -> (Vec<u8>, usize) {
        let mut sink = Counting::default();
        let mut buffer = Vec::new();
        call.write(sequence, &mut buffer, &mut sink).unwrap();
        assert!(buffer.is_empty());
        (sink.bytes, sink.writes)
    }

    fn batches() -> Vec<Vec<RowMutations>> {
        let large = vec![0xa5; 3 * CHUNK + 17];
        vec![
            Vec::new(),
            vec![RowMutations::new("r")],
            vec![RowMutations::new("r1").put(Cell::new("f", "q", "v"))],
            vec![
                RowMutations::new("row-é")
                    .put(Cell::new("f", "", ""))
                    .put(Cell::new("famille", "qualifié:☃", "valeur ✓".as_bytes()))
                    .put(Cell::new("f", "q", vec![0u8, 0xff, 0x80])),
                RowMutations {
                    row: vec![0xff, 0x00, 0x80],
                    mutations: vec![
                        Mutation::DeleteColumn {
                            family: b"f".to_vec(),
                            qualifier: b"q".to_vec(),
                            timestamp: None,
                        },
                        Mutation::DeleteColumn {
                            family: b"f".to_vec(),
                            qualifier: Vec::new(),
                            timestamp: None,
                        },
                        Mutation::DeleteFamily {
                            family: b"g".to_vec(),
                            timestamp: None,
                        },
                    ],
                },
            ],
            // Values around and past the chunk, and rows enough to spill.
            vec![
                RowMutations::new("big")
                    .put(Cell::new("f", "large", large.clone()))
                    .put(Cell::new("f", "half", vec![1; DIRECT]))
                    .put(Cell::new("f", "almost", vec![2; DIRECT - 1]))
                    .put(Cell::new("f", vec![b'q'; DIRECT], "long qualifier")),
                RowMutations::new(vec![b'k'; DIRECT + 3]).put(Cell::new("f", "q", large)),
            ],
            (0..3000)
                .map(|i| {
                    RowMutations::new(format!("row{i:05}"))
                        .put(Cell::new("a", format!("q{i}"), vec![b'x'; i % 97]))
                        .put(Cell::new("b", "", format!("{i}")))
                })
                .collect(),
        ]
    }

    #[test]
    fn writes_the_bytes_the_generated_client_writes() {
        let attribute_sets = [
            BTreeMap::new(),
            BTreeMap::from([
                (b"b".to_vec(), b"2".to_vec()),
                ("clé é".as_bytes().to_vec(), Vec::new()),
                (b"a".to_vec(), vec![0xff; 5]),
            ]),
        ];
        for rows in &batches() {
            for timestamp in [None, Some(0), Some(1_700_000_000_123)] {
                for attributes in &attribute_sets {
                    let call = MutateRows {
                        table: "tâble",
                        rows,
                        timestamp,
                        attributes,
                    };
                    let (expected, result) = through_generated(&call, ok_reply(call.method(), 1));
                    result.unwrap();
                    let (bytes, writes) = encoded(&call, 1);
                    assert!(
                        bytes == expected,
                        "{} rows, timestamp {timestamp:?}, {} attributes: {} bytes, expected {}",
                        rows.len(),
                        attributes.len(),
                        bytes.len(),
                        expected.len()
                    );
                    if expected.len() < CHUNK {
                        assert_eq!(writes, 1, "a small call is one write");
                    } else {
                        assert!(
                            writes <= expected.len() / (CHUNK / 2) + 2,
                            "{writes} writes"
                        );
                    }
                }
            }
        }
        // Another sequence number, the same message otherwise.
        let rows = &batches()[2];
        let call = MutateRows {
            table: "t",
            rows,
            timestamp: None,
            attributes: &BTreeMap::new(),
        };
        let (one, _) = encoded(&call, 1);
        let (other, _) = encoded(&call, -7);
        let at = 4 + 4 + "mutateRows".len();
        assert_eq!(&other[at..at + 4], &(-7i32).to_be_bytes());
        assert_eq!(one[..at], other[..at]);
        assert_eq!(one[at + 4..], other[at + 4..]);
    }

    #[test]
    fn a_failed_write_leaves_the_buffer_empty() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let rows = &batches()[4];
        let call = MutateRows {
            table: "t",
            rows,
            timestamp: None,
            attributes: &BTreeMap::new(),
        };
        let mut buffer = Vec::new();
        let err = call.write(1, &mut buffer, Broken).unwrap_err();
        assert!(matches!(err, thrift::Error::Transport(_)), "{err:?}");
        assert!(buffer.is_empty());
    }

    /// Replies the generated client and the direct reader must take the
    /// same way.
    fn replies() -> Vec<(&'static str, Vec<u8>)> {
        let io = |protocol: &mut dyn TOutputProtocol| {
            io_field(
                protocol,
                "org.apache.hadoop.hbase.TableNotFoundException: t",
                Some(true),
            );
        };
        let ia = |protocol: &mut dyn TOutputProtocol| ia_field(protocol, "bad ☃");
        let unknown = |protocol: &mut dyn TOutputProtocol| {
            protocol
                .write_field_begin(&TFieldIdentifier::new("later", TType::String, 9))
                .unwrap();
            protocol.write_bytes(b"ignored").unwrap();
            protocol.write_field_end().unwrap();
        };
        vec![
            ("ok", ok_reply("mutateRows", 1)),
            (
                "unknown field",
                reply("mutateRows", TMessageType::Reply, 1, result(unknown)),
            ),
            (
                "io",
                reply("mutateRows", TMessageType::Reply, 1, result(io)),
            ),
            (
                "ia",
                reply("mutateRows", TMessageType::Reply, 1, result(ia)),
            ),
            (
                "ia then io",
                reply(
                    "mutateRows",
                    TMessageType::Reply,
                    1,
                    result(|p| {
                        ia(p);
                        io(p);
                    }),
                ),
            ),
            (
                "application exception",
                reply("mutateRows", TMessageType::Exception, 1, |protocol| {
                    thrift::Error::write_application_error_to_out_protocol(
                        &ApplicationError::new(ApplicationErrorKind::InternalError, "boom"),
                        protocol,
                    )
                    .unwrap();
                }),
            ),
            ("wrong sequence", ok_reply("mutateRows", 2)),
            ("wrong method", ok_reply("mutateRowsTs", 1)),
            (
                "wrong message type",
                reply("mutateRows", TMessageType::Call, 1, result(|_| {})),
            ),
            ("truncated", {
                let mut bytes = reply("mutateRows", TMessageType::Reply, 1, result(io));
                bytes.truncate(bytes.len() - 5);
                bytes
            }),
            ("empty", Vec::new()),
        ]
    }

    #[test]
    fn replies_come_back_as_the_generated_client_gives_them() {
        let rows = batches().swap_remove(2);
        let call = MutateRows {
            table: "t",
            rows: &rows,
            timestamp: None,
            attributes: &BTreeMap::new(),
        };
        for (case, answer) in replies() {
            let (_, expected) = through_generated(&call, answer.clone());
            let mut input = BinaryInput::new(&answer[..], true);
            let got = read_void_reply(&mut input, "mutateRows", 1);
            assert_eq!(
                format!("{got:?}"),
                format!("{expected:?}"),
                "{case}: the direct reader and the generated client disagree"
            );
            match case {
                "ok" | "unknown field" => assert!(got.is_ok(), "{case}"),
                "io" | "ia then io" => {
                    assert!(matches!(&got, Err(thrift::Error::User(u)) if u.is::<IOError>()))
                }
                _ => assert!(got.is_err(), "{case}"),
            }
            if matches!(case, "ok" | "unknown field" | "io" | "ia" | "ia then io") {
                assert!(input.is_drained(), "{case}: the whole reply is read");
            }
        }
    }

    #[test]
    fn sizes_past_i32_are_errors_not_wrapped_lengths() {
        // No 2 GiB allocation: a zero-capacity check of the arithmetic.
        assert!(check_sizes("t", &batches()[4]).is_ok());
        let mut out = Encoder {
            buffer: &mut Vec::new(),
            sink: std::io::sink(),
        };
        let err = out
            .size(i32::MAX as usize + 1, "a byte string")
            .unwrap_err();
        assert!(
            matches!(&err, thrift::Error::Protocol(e) if e.kind == ProtocolErrorKind::SizeLimit),
            "{err:?}"
        );
        assert!(out.size(i32::MAX as usize, "a byte string").is_ok());
    }
}
