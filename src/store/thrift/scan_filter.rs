//! What a scan asks the gateway to filter, and what is left to the client.
//!
//! The server runs a scan's [`Filter`] unless the scan has a lower time
//! bound ([`Scan::since`]): Thrift1's `TScan` carries only the upper one,
//! so the server's newest value of a column may be older than `since`,
//! where the filter must see the column as missing. Such scans are
//! filtered on the client, after the old cells are dropped.

use crate::store::Scan;
use crate::store::filter::quoted;
use crate::store::scan::Shape;

/// The `filterString` of a prepared scan, if it needs one.
pub(super) fn filter_string(scan: &Scan) -> Option<Vec<u8>> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let server_filter = scan.filter.as_ref().filter(|_| scan.since.is_none());
    if let Some(filter) = server_filter {
        parts.push(filter.to_filter_string());
    }
    if scan.keys_only {
        if scan.filter.is_none() && scan.since.is_none() {
            parts.push(b"FirstKeyOnlyFilter() AND KeyOnlyFilter()".to_vec());
        } else if server_filter.is_some() || scan.filter.is_none() {
            // The first cell may be one the filter or `since` drops: every
            // cell comes, without its value (a filter in the same list
            // still reads the value: HBase transforms cells after every
            // filter has seen them). A filter evaluated here needs values.
            parts.push(b"KeyOnlyFilter()".to_vec());
        }
    }
    if scan.reverse && server_filter.is_some() && scan.start.is_empty() {
        // A SingleColumnValueFilter that drops rows without its column
        // marks the table's other families "non-essential", and HBase
        // refuses a reversed scan that would load those on demand
        // ("Reverse scan with loading CFs on demand is not supported";
        // Thrift1 cannot turn the option off). A filter list's families
        // are essential when any member's are: this member keeps every
        // row and finds every family essential. A non-empty start adds
        // InclusiveStopFilter, which does the same.
        parts.push(b"RowFilter(>=, 'binary:')".to_vec());
    }
    if scan.reverse && !scan.start.is_empty() {
        // A reversed scan's stop row is exclusive and Thrift1 cannot name
        // the key just below `start`: this filter ends the scan after it.
        let mut stop = b"InclusiveStopFilter(".to_vec();
        quoted(&mut stop, &[&scan.start]);
        stop.push(b')');
        parts.push(stop);
    }
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => {
            let mut out = Vec::new();
            for (index, part) in parts.iter().enumerate() {
                if index > 0 {
                    out.extend_from_slice(b" AND ");
                }
                out.push(b'(');
                out.extend_from_slice(part);
                out.push(b')');
            }
            Some(out)
        }
    }
}

/// What is left to do on the client for a scan sent with
/// [`filter_string`].
pub(super) fn client_shape(scan: &Scan, mut shape: Shape) -> Shape {
    if scan.since.is_none() {
        // The server filtered.
        shape.filter = None;
    }
    if scan.keys_only && scan.filter.is_none() && scan.since.is_none() {
        // FirstKeyOnlyFilter and KeyOnlyFilter did it.
        shape.keys_only = false;
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CompareOp, Filter};

    #[test]
    fn reversed_scans_stop_at_their_start_key_quoted() {
        let scan = Scan::range("a'b", "z").reverse();
        assert_eq!(
            filter_string(&scan),
            Some(b"InclusiveStopFilter('a''b')".to_vec())
        );
    }

    #[test]
    fn keys_only_with_a_filter_keeps_every_cell_key() {
        let filter = Filter::compare("f", "q", CompareOp::Eq, "v");
        let scan = Scan::all().keys_only().filter(filter.clone());
        let mut expected = b"(".to_vec();
        expected.extend_from_slice(&filter.to_filter_string());
        expected.extend_from_slice(b") AND (KeyOnlyFilter())");
        assert_eq!(filter_string(&scan), Some(expected));
        // Filtered on the client: values are needed.
        assert_eq!(filter_string(&scan.since(5)), None);
    }
}
