//! Thrift's binary protocol, read from our own buffer.
//!
//! The thrift crate's `TBinaryInputProtocol` reads every integer and field
//! header through a boxed `Read` into its buffered transport, and zeroes
//! each byte string before filling it. A scan batch is some 250 field
//! headers and 130 byte strings per row, so that per-read machinery was
//! most of a scan's client time (callgrind, `--scan-profile`). This reader
//! keeps one buffer, takes fixed-size reads straight out of it, and copies
//! byte strings without zeroing them first. It speaks the same protocol
//! with the same errors, and the generated client uses it unchanged.

use std::io::Read;
use std::ops::Range;

use thrift::protocol::{
    TFieldIdentifier, TInputProtocol, TListIdentifier, TMapIdentifier, TMessageIdentifier,
    TMessageType, TSetIdentifier, TStructIdentifier, TType, verify_expected_message_type,
    verify_expected_sequence_number, verify_expected_service_call,
};
use thrift::{ProtocolError, ProtocolErrorKind, TransportError, TransportErrorKind};

/// Reads a reply's message header and checks it as the generated client
/// does, with its errors: the sequence number, the method, and the message
/// type, where a server exception is read and returned as the error. The
/// readers that bypass the generated client (`batch`, `write`) start here.
pub(crate) fn read_reply_begin<R: Read>(
    input: &mut BinaryInput<R>,
    method: &str,
    sequence: i32,
) -> thrift::Result<()> {
    let message = input.read_message_begin()?;
    verify_expected_sequence_number(sequence, message.sequence_number)?;
    verify_expected_service_call(method, &message.name)?;
    if message.message_type == TMessageType::Exception {
        let remote = thrift::Error::read_application_error_from_in_protocol(input)?;
        input.read_message_end()?;
        return Err(thrift::Error::Application(remote));
    }
    verify_expected_message_type(TMessageType::Reply, message.message_type)
}

/// Bytes read from the socket at a time: a batch of sessions arrives in
/// few reads.
const BUFFER: usize = 64 * 1024;

/// Bytes a byte string reserves before its bytes arrive: a corrupt or
/// hostile length cannot make the reader allocate more than it received.
const MAX_RESERVE: usize = 1024 * 1024;

/// The binary protocol (strict or not, as `TBinaryInputProtocol`) over any
/// reader, buffered here.
pub(crate) struct BinaryInput<R> {
    reader: R,
    buffer: Box<[u8]>,
    /// The unread bytes are `buffer[start..end]`.
    start: usize,
    end: usize,
    strict: bool,
}

impl<R: Read> BinaryInput<R> {
    /// Reads the protocol from `reader`; `strict` requires the version
    /// header on messages, as the gateway writes them.
    pub(crate) fn new(reader: R, strict: bool) -> Self {
        Self::with_buffer(reader, strict, BUFFER)
    }

    fn with_buffer(reader: R, strict: bool, size: usize) -> Self {
        BinaryInput {
            reader,
            buffer: vec![0; size.max(1)].into_boxed_slice(),
            start: 0,
            end: 0,
            strict,
        }
    }

    /// Refills the buffer once it is used up; fails at the end of input.
    fn refill(&mut self) -> thrift::Result<()> {
        debug_assert_eq!(self.start, self.end);
        loop {
            match self.reader.read(&mut self.buffer) {
                Ok(0) => {
                    return Err(thrift::Error::Transport(TransportError::new(
                        TransportErrorKind::EndOfFile,
                        "the connection closed in the middle of a reply",
                    )));
                }
                Ok(read) => {
                    self.start = 0;
                    self.end = read;
                    return Ok(());
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// The next `N` bytes.
    #[inline]
    fn take<const N: usize>(&mut self) -> thrift::Result<[u8; N]> {
        if let Some(bytes) = self
            .buffer
            .get(self.start..self.start + N)
            .filter(|_| self.start + N <= self.end)
            .and_then(|bytes| <[u8; N]>::try_from(bytes).ok())
        {
            self.start += N;
            return Ok(bytes);
        }
        // Split across two reads from the socket.
        let mut bytes = [0; N];
        for byte in &mut bytes {
            if self.start == self.end {
                self.refill()?;
            }
            *byte = self.buffer[self.start];
            self.start += 1;
        }
        Ok(bytes)
    }

    /// The next `len` bytes, appended to a new vector.
    fn take_vec(&mut self, len: usize) -> thrift::Result<Vec<u8>> {
        let mut out = Vec::new();
        self.copy_into(len, &mut out)?;
        Ok(out)
    }

    /// Appends the next byte string to `arena` and says where it lies:
    /// a scan batch keeps every cell in one buffer this way, without a
    /// vector per name and value.
    pub(crate) fn read_bytes_into(&mut self, arena: &mut Vec<u8>) -> thrift::Result<Range<usize>> {
        let len = self.read_size()?;
        let start = arena.len();
        if let Err(err) = self.copy_into(len, arena) {
            arena.truncate(start);
            return Err(err);
        }
        Ok(start..arena.len())
    }

    /// Appends the next `len` bytes to `out`, refilling as they arrive.
    #[inline]
    fn copy_into(&mut self, len: usize, out: &mut Vec<u8>) -> thrift::Result<()> {
        if self.end - self.start >= len {
            out.extend_from_slice(&self.buffer[self.start..self.start + len]);
            self.start += len;
            return Ok(());
        }
        out.reserve(len.min(MAX_RESERVE));
        let mut left = len;
        while left > 0 {
            if self.start == self.end {
                self.refill()?;
            }
            let available = (self.end - self.start).min(left);
            out.extend_from_slice(&self.buffer[self.start..self.start + available]);
            self.start += available;
            left -= available;
        }
        Ok(())
    }

    /// Whether every byte read from the socket has been consumed: true
    /// between replies, when nothing is in flight.
    pub(crate) fn is_drained(&self) -> bool {
        self.start == self.end
    }

    fn read_size(&mut self) -> thrift::Result<usize> {
        let size = self.read_i32()?;
        usize::try_from(size).map_err(|_| {
            thrift::Error::Protocol(ProtocolError::new(
                ProtocolErrorKind::NegativeSize,
                format!("negative size {size}"),
            ))
        })
    }

    fn read_type(&mut self) -> thrift::Result<TType> {
        let byte = self.read_byte()?;
        type_of(byte)
    }
}

/// The field type a byte names, as `TBinaryInputProtocol` reads it.
fn type_of(byte: u8) -> thrift::Result<TType> {
    Ok(match byte {
        0x00 => TType::Stop,
        0x01 => TType::Void,
        0x02 => TType::Bool,
        0x03 => TType::I08,
        0x04 => TType::Double,
        0x06 => TType::I16,
        0x08 => TType::I32,
        0x0A => TType::I64,
        0x0B => TType::String,
        0x0C => TType::Struct,
        0x0D => TType::Map,
        0x0E => TType::Set,
        0x0F => TType::List,
        0x10 => TType::Utf8,
        0x11 => TType::Utf16,
        other => {
            return Err(thrift::Error::Protocol(ProtocolError::new(
                ProtocolErrorKind::InvalidData,
                format!("cannot convert {other} to TType"),
            )));
        }
    })
}

fn bad_version(bytes: &[u8]) -> thrift::Error {
    thrift::Error::Protocol(ProtocolError::new(
        ProtocolErrorKind::BadVersion,
        format!("received bad version: {bytes:?}"),
    ))
}

impl<R: Read> TInputProtocol for BinaryInput<R> {
    fn read_message_begin(&mut self) -> thrift::Result<TMessageIdentifier> {
        let first = self.take::<4>()?;
        if first[0] & 0x80 != 0 {
            // The strict header: version, then the message type.
            if first[..2] != [0x80, 0x01] {
                return Err(bad_version(&first[..2]));
            }
            let message_type = TMessageType::try_from(first[3])?;
            let name = self.read_string()?;
            let sequence_number = self.read_i32()?;
            return Ok(TMessageIdentifier::new(name, message_type, sequence_number));
        }
        if self.strict {
            return Err(bad_version(&first[..2]));
        }
        // Without the header the first word is the name's length.
        let len = usize::try_from(i32::from_be_bytes(first)).map_err(|_| bad_version(&first))?;
        let name = String::from_utf8(self.take_vec(len)?)?;
        let message_type = TMessageType::try_from(self.read_byte()?)?;
        let sequence_number = self.read_i32()?;
        Ok(TMessageIdentifier::new(name, message_type, sequence_number))
    }

    fn read_message_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    fn read_struct_begin(&mut self) -> thrift::Result<Option<TStructIdentifier>> {
        Ok(None)
    }

    fn read_struct_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    #[inline]
    fn read_field_begin(&mut self) -> thrift::Result<TFieldIdentifier> {
        let field_type = self.read_type()?;
        let id = match field_type {
            TType::Stop => 0,
            _ => self.read_i16()?,
        };
        Ok(TFieldIdentifier {
            name: None,
            field_type,
            id: Some(id),
        })
    }

    fn read_field_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    fn read_bool(&mut self) -> thrift::Result<bool> {
        Ok(self.read_i8()? != 0)
    }

    #[inline]
    fn read_bytes(&mut self) -> thrift::Result<Vec<u8>> {
        let len = self.read_size()?;
        self.take_vec(len)
    }

    fn read_i8(&mut self) -> thrift::Result<i8> {
        Ok(i8::from_be_bytes(self.take::<1>()?))
    }

    fn read_i16(&mut self) -> thrift::Result<i16> {
        Ok(i16::from_be_bytes(self.take::<2>()?))
    }

    fn read_i32(&mut self) -> thrift::Result<i32> {
        Ok(i32::from_be_bytes(self.take::<4>()?))
    }

    fn read_i64(&mut self) -> thrift::Result<i64> {
        Ok(i64::from_be_bytes(self.take::<8>()?))
    }

    fn read_double(&mut self) -> thrift::Result<f64> {
        Ok(f64::from_bits(u64::from_be_bytes(self.take::<8>()?)))
    }

    fn read_string(&mut self) -> thrift::Result<String> {
        let bytes = self.read_bytes()?;
        Ok(String::from_utf8(bytes)?)
    }

    fn read_list_begin(&mut self) -> thrift::Result<TListIdentifier> {
        let element_type = self.read_type()?;
        let size = self.read_i32()?;
        Ok(TListIdentifier::new(element_type, size))
    }

    fn read_list_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    fn read_set_begin(&mut self) -> thrift::Result<TSetIdentifier> {
        let element_type = self.read_type()?;
        let size = self.read_i32()?;
        Ok(TSetIdentifier::new(element_type, size))
    }

    fn read_set_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    fn read_map_begin(&mut self) -> thrift::Result<TMapIdentifier> {
        let key_type = self.read_type()?;
        let value_type = self.read_type()?;
        let size = self.read_i32()?;
        Ok(TMapIdentifier::new(key_type, value_type, size))
    }

    fn read_map_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    #[inline]
    fn read_byte(&mut self) -> thrift::Result<u8> {
        if self.start < self.end {
            let byte = self.buffer[self.start];
            self.start += 1;
            return Ok(byte);
        }
        Ok(self.take::<1>()?[0])
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use hbase_thrift::hbase::{TCell, TColumn, TRowResult};
    use thrift::protocol::{TBinaryInputProtocol, TBinaryOutputProtocol, TOutputProtocol};

    use super::*;

    /// A reader that hands out at most `step` bytes per read, so values
    /// straddle refills.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn results() -> Vec<TRowResult> {
        (0..40)
            .map(|i| {
                let columns: BTreeMap<Vec<u8>, TCell> = (0..i % 7)
                    .map(|c| {
                        (
                            format!("f{c}:q\u{e9}{i}").into_bytes(),
                            TCell {
                                value: Some(vec![c as u8; (i * c) % 300]),
                                timestamp: Some(-(i as i64) * 1_000_003),
                            },
                        )
                    })
                    .collect();
                TRowResult {
                    row: Some(format!("row-{i:05}").into_bytes()),
                    columns: (i % 5 != 0).then_some(columns),
                    sorted_columns: (i % 3 == 0).then(|| {
                        vec![TColumn {
                            column_name: Some(b"s:".to_vec()),
                            cell: Some(TCell {
                                value: Some(Vec::new()),
                                timestamp: Some(i64::MAX),
                            }),
                        }]
                    }),
                }
            })
            .collect()
    }

    /// What the gateway sends for a batch: a reply message and a list of
    /// results, written by the thrift crate's own writer.
    fn encoded(strict: bool, results: &[TRowResult]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut protocol = TBinaryOutputProtocol::new(&mut out, strict);
            protocol
                .write_message_begin(&TMessageIdentifier::new(
                    "scannerGetList",
                    TMessageType::Reply,
                    41,
                ))
                .unwrap();
            protocol
                .write_list_begin(&TListIdentifier::new(TType::Struct, results.len() as i32))
                .unwrap();
            for result in results {
                result.write_to_out_protocol(&mut protocol).unwrap();
            }
            protocol.write_double(-0.0).unwrap();
            protocol.write_bool(true).unwrap();
            protocol
                .write_set_begin(&TSetIdentifier::new(TType::I16, 2))
                .unwrap();
            protocol.write_i16(-2).unwrap();
            protocol.write_i8(-3).unwrap();
            protocol.write_message_end().unwrap();
        }
        out
    }

    fn read_all(
        protocol: &mut dyn TInputProtocol,
    ) -> thrift::Result<(TMessageIdentifier, Vec<TRowResult>, u64, bool, i16, i8)> {
        let message = protocol.read_message_begin()?;
        let list = protocol.read_list_begin()?;
        let results = (0..list.size)
            .map(|_| TRowResult::read_from_in_protocol(protocol))
            .collect::<thrift::Result<Vec<_>>>()?;
        let double = protocol.read_double()?.to_bits();
        let boolean = protocol.read_bool()?;
        protocol.read_set_begin()?;
        let short = protocol.read_i16()?;
        let byte = protocol.read_i8()?;
        Ok((message, results, double, boolean, short, byte))
    }

    #[test]
    fn reads_what_the_thrift_crate_reads_across_refills() {
        let results = results();
        for strict in [true, false] {
            let bytes = encoded(strict, &results);
            let expected = read_all(&mut TBinaryInputProtocol::new(&bytes[..], strict)).unwrap();
            assert_eq!(expected.1, results);
            for (step, buffer) in [(1, 1), (3, 5), (7, 64), (4096, 10), (usize::MAX, BUFFER)] {
                let reader = Trickle {
                    bytes: &bytes,
                    step,
                };
                let mut fast = BinaryInput::with_buffer(reader, strict, buffer);
                let got = read_all(&mut fast).unwrap();
                assert_eq!(
                    got, expected,
                    "strict {strict}, step {step}, buffer {buffer}"
                );
            }
        }
    }

    #[test]
    fn truncated_and_corrupt_input_are_errors_not_panics() {
        let bytes = encoded(true, &results());
        for cut in [0, 1, 3, 4, 20, bytes.len() / 2, bytes.len() - 1] {
            let mut fast = BinaryInput::with_buffer(&bytes[..cut], true, 16);
            let err = read_all(&mut fast).unwrap_err();
            assert!(
                matches!(&err, thrift::Error::Transport(e) if e.kind == TransportErrorKind::EndOfFile),
                "cut at {cut}: {err:?}"
            );
        }
        // A string claiming 2 GiB in a short message: an error after what
        // arrived, without reserving the claimed size.
        let mut huge = vec![0x7f, 0xff, 0xff, 0xff];
        huge.extend_from_slice(b"abc");
        let err = BinaryInput::new(&huge[..], true).read_bytes().unwrap_err();
        assert!(matches!(err, thrift::Error::Transport(_)), "{err:?}");
        // A negative length.
        let err = BinaryInput::new(&[0xff, 0xff, 0xff, 0xfe][..], true)
            .read_bytes()
            .unwrap_err();
        assert!(
            matches!(&err, thrift::Error::Protocol(e) if e.kind == ProtocolErrorKind::NegativeSize),
            "{err:?}"
        );
        // A bad version header, and an unknown field type.
        let err = BinaryInput::new(&[0x80, 0x02, 0, 2][..], true)
            .read_message_begin()
            .unwrap_err();
        assert!(
            matches!(&err, thrift::Error::Protocol(e) if e.kind == ProtocolErrorKind::BadVersion),
            "{err:?}"
        );
        let err = BinaryInput::new(&[0x05][..], true)
            .read_field_begin()
            .unwrap_err();
        assert!(
            matches!(&err, thrift::Error::Protocol(e) if e.kind == ProtocolErrorKind::InvalidData),
            "{err:?}"
        );
    }
}
