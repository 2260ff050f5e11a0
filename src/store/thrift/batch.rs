//! A scan batch decoded into one buffer.
//!
//! The generated client turns a `scannerGetList` reply into a `TRowResult`
//! per row: a `BTreeMap` of column names to `TCell`s, two allocations per
//! cell and an ordered insert, all dropped as soon as the row is hydrated.
//! Here the reply is read straight off the socket into one byte buffer,
//! each row and cell a range in it, in the order the gateway sent them.
//! Anything this reader cannot take (other transports or protocols) comes
//! through the generated client and is copied into the same shape.

use std::ops::Range;

use hbase_thrift::hbase::{IOError, IllegalArgument, TRowResult};
use thrift::protocol::{
    TFieldIdentifier, TInputProtocol, TMessageIdentifier, TMessageType, TStructIdentifier, TType,
};
use thrift::{ApplicationError, ApplicationErrorKind, ProtocolError, ProtocolErrorKind};

use super::Conn;
use crate::cell::Cell;
use crate::store::Row;
use crate::store::gateway::wire::{BinaryInput, read_reply_begin};

/// One row of a batch: its key and its cells, ranges into the batch.
#[derive(Clone, Debug)]
struct BatchRow {
    key: Range<usize>,
    cells: Range<usize>,
}

/// One cell: its `family:qualifier` name, value and timestamp.
#[derive(Clone, Debug)]
struct BatchCell {
    column: Range<usize>,
    value: Range<usize>,
    timestamp: Option<i64>,
}

/// The rows of one `scannerGetList` reply.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    bytes: Vec<u8>,
    rows: Vec<BatchRow>,
    cells: Vec<BatchCell>,
    /// How many results the gateway sent, kept or not.
    received: usize,
}

impl Batch {
    /// An empty batch with room for `bytes` bytes, the size of the last.
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        Batch {
            bytes: Vec::with_capacity(bytes),
            rows: Vec::new(),
            cells: Vec::new(),
            received: 0,
        }
    }

    /// How many bytes the batch holds, to size the next one.
    pub(crate) fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// How many results the gateway sent: fewer than asked means its
    /// scanner has no more rows (see `ThriftScanner::fetch`).
    pub(crate) fn received(&self) -> usize {
        self.received
    }

    /// How many rows it holds.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// The key of row `row`.
    pub(crate) fn key(&self, row: usize) -> &[u8] {
        self.rows
            .get(row)
            .and_then(|row| self.bytes.get(row.key.clone()))
            .unwrap_or_default()
    }

    /// The cells of row `row` as the gateway sent them: column name, value
    /// and timestamp.
    pub(crate) fn cells(&self, row: usize) -> BatchCells<'_> {
        let cells = self
            .rows
            .get(row)
            .and_then(|row| self.cells.get(row.cells.clone()))
            .unwrap_or_default();
        BatchCells {
            bytes: &self.bytes,
            cells: cells.iter(),
        }
    }

    /// Keeps the rows `keep` accepts, given each row's key and its number
    /// of cells; the bytes of dropped rows stay until the batch is dropped.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&[u8], usize) -> bool) {
        let bytes = &self.bytes;
        self.rows.retain(|row| {
            keep(
                bytes.get(row.key.clone()).unwrap_or_default(),
                row.cells.len(),
            )
        });
    }

    /// Row `row` as an owned [`Row`] with its cells in store order; `None`
    /// for a row without cells.
    pub(crate) fn row(&self, row: usize) -> Option<Row> {
        let mut cells: Vec<Cell> = self
            .cells(row)
            .map(|(column, value, timestamp)| {
                let mut cell = Cell::from_column(column, value);
                cell.timestamp = timestamp;
                cell
            })
            .collect();
        if cells.is_empty() {
            return None;
        }
        crate::store::sort_cells(&mut cells);
        Some(Row {
            key: self.key(row).to_vec(),
            cells,
        })
    }

    /// The generated client's results in the same shape: for transports and
    /// protocols the direct reader does not speak.
    pub(crate) fn from_results(results: Vec<TRowResult>) -> Self {
        let mut batch = Batch {
            received: results.len(),
            ..Batch::default()
        };
        for result in results {
            let Some(key) = result.row else {
                continue;
            };
            let key = batch.push_bytes(&key);
            let first = batch.cells.len();
            let sorted = result
                .sorted_columns
                .unwrap_or_default()
                .into_iter()
                .filter_map(|column| Some((column.column_name?, column.cell?)));
            for (column, cell) in result.columns.unwrap_or_default().into_iter().chain(sorted) {
                let column = batch.push_bytes(&column);
                let value = batch.push_bytes(cell.value.as_deref().unwrap_or_default());
                batch.cells.push(BatchCell {
                    column,
                    value,
                    timestamp: cell.timestamp,
                });
            }
            let cells = first..batch.cells.len();
            batch.rows.push(BatchRow { key, cells });
        }
        batch
    }

    fn push_bytes(&mut self, bytes: &[u8]) -> Range<usize> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        start..self.bytes.len()
    }
}

/// The cells of one batch row.
#[derive(Clone, Debug)]
pub(crate) struct BatchCells<'b> {
    bytes: &'b [u8],
    cells: std::slice::Iter<'b, BatchCell>,
}

impl<'b> Iterator for BatchCells<'b> {
    type Item = (&'b [u8], &'b [u8], Option<i64>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let cell = self.cells.next()?;
        let column = self.bytes.get(cell.column.clone()).unwrap_or_default();
        let value = self.bytes.get(cell.value.clone()).unwrap_or_default();
        Some((column, value, cell.timestamp))
    }
}

/// `scannerGetList(id, rows)` on `conn`, decoded into a [`Batch`] of at
/// least `capacity` bytes.
pub(crate) fn scanner_get_list(
    conn: &mut Conn,
    id: i32,
    rows: i32,
    capacity: usize,
) -> thrift::Result<Batch> {
    use thrift::TThriftClient;

    let Some(raw) = conn.raw.as_mut() else {
        return hbase_thrift::hbase::THbaseSyncClient::scanner_get_list(&mut conn.client, id, rows)
            .map(Batch::from_results);
    };
    let client = &mut conn.client;
    client.increment_sequence_number();
    let sequence = client.sequence_number();
    let out = client.o_prot_mut();
    out.write_message_begin(&TMessageIdentifier::new(
        "scannerGetList",
        TMessageType::Call,
        sequence,
    ))?;
    out.write_struct_begin(&TStructIdentifier::new("scannerGetList_args"))?;
    out.write_field_begin(&TFieldIdentifier::new("id", TType::I32, 1))?;
    out.write_i32(id)?;
    out.write_field_end()?;
    out.write_field_begin(&TFieldIdentifier::new("nbRows", TType::I32, 2))?;
    out.write_i32(rows)?;
    out.write_field_end()?;
    out.write_field_stop()?;
    out.write_struct_end()?;
    out.write_message_end()?;
    out.flush()?;
    read_reply(raw, sequence, capacity)
}

fn protocol_error(kind: ProtocolErrorKind, message: String) -> thrift::Error {
    thrift::Error::Protocol(ProtocolError::new(kind, message))
}

/// The reply to `scannerGetList`, checked as the generated client checks
/// it, with the same errors.
fn read_reply<R: std::io::Read>(
    input: &mut BinaryInput<R>,
    sequence: i32,
    capacity: usize,
) -> thrift::Result<Batch> {
    read_reply_begin(input, "scannerGetList", sequence)?;
    let mut batch = Batch::with_capacity(capacity);
    let mut success = false;
    let mut failure: Option<thrift::Error> = None;
    input.read_struct_begin()?;
    loop {
        let field = input.read_field_begin()?;
        match (field.id, field.field_type) {
            (_, TType::Stop) => break,
            (Some(0), TType::List) => {
                let list = input.read_list_begin()?;
                if list.element_type != TType::Struct {
                    return Err(protocol_error(
                        ProtocolErrorKind::InvalidData,
                        format!("scan results are a list of {:?}", list.element_type),
                    ));
                }
                for _ in 0..list.size {
                    read_row(input, &mut batch)?;
                }
                batch.received = usize::try_from(list.size).unwrap_or(0);
                input.read_list_end()?;
                success = true;
            }
            (Some(1), TType::Struct) => {
                failure = Some(thrift::Error::User(Box::new(
                    IOError::read_from_in_protocol(input)?,
                )));
            }
            (Some(2), TType::Struct) => {
                failure = Some(thrift::Error::User(Box::new(
                    IllegalArgument::read_from_in_protocol(input)?,
                )));
            }
            (_, other) => input.skip(other)?,
        }
        input.read_field_end()?;
    }
    input.read_struct_end()?;
    input.read_message_end()?;
    match failure {
        Some(err) => Err(err),
        None if success => Ok(batch),
        None => Err(thrift::Error::Application(ApplicationError::new(
            ApplicationErrorKind::MissingResult,
            "no result received for scannerGetList",
        ))),
    }
}

/// One `TRowResult` into `batch`: `row` (1), `columns` (2, a map of column
/// names to cells) and `sortedColumns` (3, a list of name and cell). A
/// result without a key is read and left out, as the generated path's
/// callers leave it out.
fn read_row<R: std::io::Read>(input: &mut BinaryInput<R>, batch: &mut Batch) -> thrift::Result<()> {
    let first = batch.cells.len();
    let mut key: Option<Range<usize>> = None;
    input.read_struct_begin()?;
    loop {
        let field = input.read_field_begin()?;
        match (field.id, field.field_type) {
            (_, TType::Stop) => break,
            (Some(1), TType::String) => key = Some(input.read_bytes_into(&mut batch.bytes)?),
            (Some(2), TType::Map) => {
                let map = input.read_map_begin()?;
                if map.size > 0
                    && (map.key_type != Some(TType::String)
                        || map.value_type != Some(TType::Struct))
                {
                    return Err(protocol_error(
                        ProtocolErrorKind::InvalidData,
                        format!(
                            "row columns are a map of {:?} to {:?}",
                            map.key_type, map.value_type
                        ),
                    ));
                }
                for _ in 0..map.size {
                    let column = input.read_bytes_into(&mut batch.bytes)?;
                    let (value, timestamp) = read_cell(input, &mut batch.bytes)?;
                    batch.cells.push(BatchCell {
                        column,
                        value,
                        timestamp,
                    });
                }
                input.read_map_end()?;
            }
            (Some(3), TType::List) => {
                let list = input.read_list_begin()?;
                for _ in 0..list.size {
                    if list.element_type != TType::Struct {
                        input.skip(list.element_type)?;
                        continue;
                    }
                    read_column(input, batch)?;
                }
                input.read_list_end()?;
            }
            (_, other) => input.skip(other)?,
        }
        input.read_field_end()?;
    }
    input.read_struct_end()?;
    match key {
        Some(key) => batch.rows.push(BatchRow {
            key,
            cells: first..batch.cells.len(),
        }),
        None => batch.cells.truncate(first),
    }
    Ok(())
}

/// One `TColumn` of `sortedColumns`: `columnName` (1) and `cell` (2); kept
/// only with both.
fn read_column<R: std::io::Read>(
    input: &mut BinaryInput<R>,
    batch: &mut Batch,
) -> thrift::Result<()> {
    let mut column = None;
    let mut cell = None;
    input.read_struct_begin()?;
    loop {
        let field = input.read_field_begin()?;
        match (field.id, field.field_type) {
            (_, TType::Stop) => break,
            (Some(1), TType::String) => column = Some(input.read_bytes_into(&mut batch.bytes)?),
            (Some(2), TType::Struct) => cell = Some(read_cell(input, &mut batch.bytes)?),
            (_, other) => input.skip(other)?,
        }
        input.read_field_end()?;
    }
    input.read_struct_end()?;
    if let (Some(column), Some((value, timestamp))) = (column, cell) {
        batch.cells.push(BatchCell {
            column,
            value,
            timestamp,
        });
    }
    Ok(())
}

/// One `TCell`: `value` (1) and `timestamp` (2).
fn read_cell<R: std::io::Read>(
    input: &mut BinaryInput<R>,
    bytes: &mut Vec<u8>,
) -> thrift::Result<(Range<usize>, Option<i64>)> {
    let mut value = bytes.len()..bytes.len();
    let mut timestamp = None;
    input.read_struct_begin()?;
    loop {
        let field = input.read_field_begin()?;
        match (field.id, field.field_type) {
            (_, TType::Stop) => break,
            (Some(1), TType::String) => value = input.read_bytes_into(bytes)?,
            (Some(2), TType::I64) => timestamp = Some(input.read_i64()?),
            (_, other) => input.skip(other)?,
        }
        input.read_field_end()?;
    }
    input.read_struct_end()?;
    Ok((value, timestamp))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use hbase_thrift::hbase::{TCell, TColumn};
    use thrift::protocol::{TListIdentifier, TOutputProtocol};

    use super::*;
    use crate::store::thrift::test_replies;

    fn cell(value: &[u8], timestamp: i64) -> TCell {
        TCell {
            value: Some(value.to_vec()),
            timestamp: Some(timestamp),
        }
    }

    fn results() -> Vec<TRowResult> {
        let mut results: Vec<TRowResult> = (0..30)
            .map(|i| {
                let columns: BTreeMap<Vec<u8>, TCell> = (0..(i % 9))
                    .map(|c| {
                        (
                            format!("f{}:q{c}", c % 3).into_bytes(),
                            cell(&vec![b'v'; (i * c) % 200], 1_700_000_000_000 + c as i64),
                        )
                    })
                    .collect();
                TRowResult {
                    row: Some(format!("row{i:04}").into_bytes()),
                    columns: Some(columns),
                    sorted_columns: None,
                }
            })
            .collect();
        // sortedColumns, a column without a cell, a row without a key,
        // bytes above 0x7f.
        results.push(TRowResult {
            row: Some(vec![0xff, 0x00]),
            columns: None,
            sorted_columns: Some(vec![
                TColumn {
                    column_name: Some(b"b:\xe9".to_vec()),
                    cell: Some(cell(b"1", 1)),
                },
                TColumn {
                    column_name: Some(b"a:q".to_vec()),
                    cell: None,
                },
                TColumn {
                    column_name: Some(b"a:".to_vec()),
                    cell: Some(cell(b"", -1)),
                },
            ]),
        });
        results.push(TRowResult {
            row: None,
            columns: Some(BTreeMap::from([(b"x:y".to_vec(), cell(b"z", 1))])),
            sorted_columns: None,
        });
        results
    }

    /// A `scannerGetList` reply as the gateway writes it.
    fn reply(sequence: i32, write_result: impl FnOnce(&mut dyn TOutputProtocol)) -> Vec<u8> {
        test_replies::reply(
            "scannerGetList",
            TMessageType::Reply,
            sequence,
            test_replies::result(write_result),
        )
    }

    fn success(results: &[TRowResult]) -> impl FnOnce(&mut dyn TOutputProtocol) + '_ {
        move |protocol| {
            // An unknown field first: skipped.
            protocol
                .write_field_begin(&TFieldIdentifier::new("future", TType::I64, 9))
                .unwrap();
            protocol.write_i64(7).unwrap();
            protocol
                .write_field_begin(&TFieldIdentifier::new("success", TType::List, 0))
                .unwrap();
            protocol
                .write_list_begin(&TListIdentifier::new(TType::Struct, results.len() as i32))
                .unwrap();
            for result in results {
                result.write_to_out_protocol(protocol).unwrap();
            }
        }
    }

    #[test]
    fn direct_decoding_gives_the_generated_clients_rows() {
        let results = results();
        let bytes = reply(5, success(&results));
        let mut input = BinaryInput::new(&bytes[..], true);
        let batch = read_reply(&mut input, 5, 0).unwrap();
        assert!(input.is_drained());
        let expected = Batch::from_results(results);
        assert_eq!(batch.len(), expected.len());
        for row in 0..batch.len() {
            assert_eq!(batch.key(row), expected.key(row));
            assert_eq!(batch.row(row), expected.row(row), "row {row}");
            let mut direct: Vec<_> = batch.cells(row).collect();
            let mut generated: Vec<_> = expected.cells(row).collect();
            direct.sort();
            generated.sort();
            assert_eq!(direct, generated, "row {row}");
        }
    }

    #[test]
    fn server_errors_come_back_as_the_generated_client_gives_them() {
        let bytes = reply(1, |protocol| {
            test_replies::io_field(protocol, "region moved", None)
        });
        let err = read_reply(&mut BinaryInput::new(&bytes[..], true), 1, 0).unwrap_err();
        match err {
            thrift::Error::User(user) => {
                let io = user.downcast_ref::<IOError>().unwrap();
                assert_eq!(io.message.as_deref(), Some("region moved"));
            }
            other => panic!("{other:?}"),
        }
        let bytes = reply(1, |protocol| {
            test_replies::ia_field(protocol, "scanner ID is invalid")
        });
        let err = read_reply(&mut BinaryInput::new(&bytes[..], true), 1, 0).unwrap_err();
        assert!(
            matches!(&err, thrift::Error::User(user) if user.is::<IllegalArgument>()),
            "{err:?}"
        );
        // No result at all, a wrong sequence number, and a truncated reply.
        let bytes = reply(1, |_| {});
        let err = read_reply(&mut BinaryInput::new(&bytes[..], true), 1, 0).unwrap_err();
        assert!(
            matches!(&err, thrift::Error::Application(e) if e.kind == ApplicationErrorKind::MissingResult),
            "{err:?}"
        );
        let results = results();
        let bytes = reply(2, success(&results));
        let err = read_reply(&mut BinaryInput::new(&bytes[..], true), 1, 0).unwrap_err();
        assert!(
            matches!(&err, thrift::Error::Application(e) if e.kind == ApplicationErrorKind::BadSequenceId),
            "{err:?}"
        );
        let err =
            read_reply(&mut BinaryInput::new(&bytes[..bytes.len() / 2], true), 2, 0).unwrap_err();
        assert!(matches!(err, thrift::Error::Transport(_)), "{err:?}");
    }
}
