//! capjure's store types to and from the Thrift2 IDL's structs.

use super::generated::{
    TColumn, TColumnFamilyDescriptor, TColumnValue, TCompareOp, TDelete, TDeleteType, TDurability,
    TGet, TMutation, TPut, TResult, TRowMutations, TScan, TTableName, TTimeRange,
};
use crate::cell::Cell;
use crate::store::{
    Column, CompareOp, Durability, FamilySpec, Mutation, Read, Row, Scan, sort_cells,
};

/// HBase's filter for a scan that only lists keys.
pub(super) const KEYS_ONLY: &[u8] = b"FirstKeyOnlyFilter() AND KeyOnlyFilter()";

/// `ns:name` or `name` (the default namespace) as a [`TTableName`].
pub(super) fn table_name(table: &str) -> TTableName {
    let (ns, qualifier) = table.split_once(':').unwrap_or(("default", table));
    TTableName {
        ns: Some(ns.as_bytes().to_vec()),
        qualifier: qualifier.as_bytes().to_vec(),
    }
}

/// A [`TTableName`] as capjure names tables: `name` in the default
/// namespace, `ns:name` elsewhere.
pub(super) fn table_string(name: &TTableName) -> String {
    let qualifier = String::from_utf8_lossy(&name.qualifier);
    match name.ns.as_deref() {
        None | Some(b"default") | Some(b"") => qualifier.into_owned(),
        Some(ns) => format!("{}:{qualifier}", String::from_utf8_lossy(ns)),
    }
}

pub(super) fn columns(columns: &[Column]) -> Option<Vec<TColumn>> {
    (!columns.is_empty()).then(|| columns.iter().map(column).collect())
}

fn column(column: &Column) -> TColumn {
    match column {
        Column::Family(family) => TColumn::new(family.clone(), None, None),
        Column::Qualified { family, qualifier } => {
            TColumn::new(family.clone(), qualifier.clone(), None)
        }
    }
}

/// `[0, before)`: HBase's time range for "older than `before`".
fn before(before: Option<i64>) -> Option<TTimeRange> {
    before.map(|before| TTimeRange::new(0, before))
}

pub(super) fn get(row: &[u8], read: &Read) -> TGet {
    TGet {
        row: row.to_vec(),
        columns: columns(&read.columns),
        timestamp: None,
        time_range: before(read.before),
        max_versions: Some(i32::try_from(read.versions).unwrap_or(i32::MAX)),
        filter_string: None,
        attributes: None,
        authorizations: None,
        consistency: None,
        target_replica_id: None,
        cache_blocks: None,
        store_limit: None,
        store_offset: None,
        existence_only: None,
        filter_bytes: None,
    }
}

/// One batch of a scan, from `start` (its first key in scan order; `None`
/// for the table's end going backward), filtered by `filter`.
pub(super) fn scan(
    scan: &Scan,
    start: Option<&[u8]>,
    rows: usize,
    filter: Option<Vec<u8>>,
) -> TScan {
    let time_range = (scan.since.is_some() || scan.before.is_some())
        .then(|| TTimeRange::new(scan.since.unwrap_or(0), scan.before.unwrap_or(i64::MAX)));
    // Every field spelled out: the IDL's defaults (`TScan::default()`)
    // send an empty filter and zero versions and limit, which the gateway
    // rejects.
    TScan {
        start_row: start.filter(|start| !start.is_empty()).map(<[u8]>::to_vec),
        // A reversed scan's low bound is applied by the scanner.
        stop_row: if scan.reverse {
            None
        } else {
            scan.exclusive_stop()
        },
        columns: columns(&scan.columns),
        caching: Some(i32::try_from(rows).unwrap_or(i32::MAX)),
        max_versions: None,
        time_range,
        filter_string: filter,
        batch_size: None,
        attributes: None,
        authorizations: None,
        reversed: scan.reverse.then_some(true),
        cache_blocks: scan.keys_only.then_some(false),
        col_fam_time_range_map: None,
        read_type: None,
        limit: None,
        consistency: None,
        target_replica_id: None,
        filter_bytes: None,
    }
}

/// A result as a [`Row`]; `None` for an empty one.
pub(super) fn row(result: TResult) -> Option<Row> {
    let key = result.row?;
    let mut cells: Vec<Cell> = result
        .column_values
        .into_iter()
        .map(|value| Cell {
            family: value.family,
            qualifier: value.qualifier,
            value: value.value,
            timestamp: value.timestamp,
        })
        .collect();
    if cells.is_empty() {
        return None;
    }
    sort_cells(&mut cells);
    Some(Row { key, cells })
}

/// A whole-row delete of every cell at or below `timestamp` (all when
/// `None`).
pub(super) fn row_delete(row: &[u8], timestamp: Option<i64>, durability: Durability) -> TDelete {
    TDelete::new(
        row.to_vec(),
        None,
        timestamp,
        None,
        None,
        self::durability(durability),
    )
}

/// The durability of a write, as the IDL names it; `None` for the table's
/// default.
pub(super) fn durability(durability: Durability) -> Option<TDurability> {
    match durability {
        Durability::Default => None,
        Durability::SkipWal => Some(TDurability::SKIP_WAL),
        Durability::AsyncWal => Some(TDurability::ASYNC_WAL),
        Durability::SyncWal => Some(TDurability::SYNC_WAL),
        Durability::FsyncWal => Some(TDurability::FSYNC_WAL),
    }
}

fn column_value(cell: &Cell) -> TColumnValue {
    TColumnValue {
        family: cell.family.clone(),
        qualifier: cell.qualifier.clone(),
        value: cell.value.clone(),
        timestamp: cell.timestamp,
        tags: None,
        type_: None,
    }
}

/// The puts of one row; `None` when it has none.
pub(super) fn put(row: &[u8], mutations: &[Mutation], durability: Durability) -> Option<TPut> {
    let values: Vec<TColumnValue> = mutations
        .iter()
        .filter_map(|m| match m {
            Mutation::Put(cell) => Some(column_value(cell)),
            _ => None,
        })
        .collect();
    (!values.is_empty()).then(|| {
        TPut::new(
            row.to_vec(),
            values,
            None,
            None,
            self::durability(durability),
            None,
        )
    })
}

/// The deletes of one row, one [`TDelete`] per kind: a `TDelete` has one
/// delete type, and its own timestamp is ignored once it names columns,
/// so every column carries its timestamp.
pub(super) fn deletes(row: &[u8], mutations: &[Mutation], durability: Durability) -> Vec<TDelete> {
    let mut families = Vec::new();
    let mut columns = Vec::new();
    for mutation in mutations {
        match mutation {
            Mutation::Put(_) => {}
            Mutation::DeleteFamily { family, timestamp } => {
                families.push(TColumn::new(family.clone(), None, *timestamp));
            }
            Mutation::DeleteColumn {
                family,
                qualifier,
                timestamp,
            } => columns.push(TColumn::new(family.clone(), qualifier.clone(), *timestamp)),
        }
    }
    [
        (families, TDeleteType::DELETE_FAMILY),
        (columns, TDeleteType::DELETE_COLUMNS),
    ]
    .into_iter()
    .filter(|(columns, _)| !columns.is_empty())
    .map(|(columns, kind)| {
        TDelete::new(
            row.to_vec(),
            columns,
            None,
            kind,
            None,
            self::durability(durability),
        )
    })
    .collect()
}

/// A row's puts and deletes as one `mutateRow`.
pub(super) fn row_mutations(
    row: &[u8],
    mutations: &[Mutation],
    durability: Durability,
) -> TRowMutations {
    let mut out: Vec<TMutation> = put(row, mutations, durability)
        .map(TMutation::Put)
        .into_iter()
        .collect();
    out.extend(
        deletes(row, mutations, durability)
            .into_iter()
            .map(TMutation::DeleteSingle),
    );
    TRowMutations::new(row.to_vec(), out)
}

/// The IDL's compare op for `stored OP value`: HBase compares the other
/// way round (the given value on the left), so the order ops turn over.
pub(super) fn compare_op(op: CompareOp) -> TCompareOp {
    match op {
        CompareOp::Eq => TCompareOp::EQUAL,
        CompareOp::Ne => TCompareOp::NOT_EQUAL,
        CompareOp::Lt => TCompareOp::GREATER,
        CompareOp::Le => TCompareOp::GREATER_OR_EQUAL,
        CompareOp::Gt => TCompareOp::LESS,
        CompareOp::Ge => TCompareOp::LESS_OR_EQUAL,
    }
}

/// A family to create or modify.
pub(super) fn family(spec: &FamilySpec) -> TColumnFamilyDescriptor {
    TColumnFamilyDescriptor {
        name: spec.name.as_bytes().to_vec(),
        attributes: None,
        configuration: None,
        block_size: None,
        bloomn_filter_type: None,
        compression_type: None,
        dfs_replication: None,
        data_block_encoding: None,
        keep_deleted_cells: None,
        max_versions: Some(i32::try_from(spec.max_versions.max(1)).unwrap_or(i32::MAX)),
        min_versions: None,
        scope: None,
        time_to_live: spec.ttl.map(|ttl| i32::try_from(ttl).unwrap_or(i32::MAX)),
        block_cache_enabled: None,
        cache_blooms_on_write: None,
        cache_data_on_write: None,
        cache_indexes_on_write: None,
        compress_tags: None,
        evict_blocks_on_close: None,
        in_memory: None,
    }
}

/// A family as the gateway describes it.
pub(super) fn family_spec(descriptor: &TColumnFamilyDescriptor) -> FamilySpec {
    let versions = descriptor
        .max_versions
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or(1);
    let spec = FamilySpec::new(String::from_utf8_lossy(&descriptor.name).into_owned())
        .max_versions(versions);
    // HBase's "forever" is the largest int.
    match descriptor
        .time_to_live
        .and_then(|ttl| u32::try_from(ttl).ok())
    {
        Some(ttl) if ttl < i32::MAX as u32 => spec.ttl(ttl),
        _ => spec,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_deletes_carry_their_timestamp_on_the_column() {
        let mutations = [
            Mutation::Put(Cell::new("f", "q", "v").at(10)),
            Mutation::DeleteFamily {
                family: b"f".to_vec(),
                timestamp: Some(9),
            },
            Mutation::DeleteColumn {
                family: b"g".to_vec(),
                qualifier: b"q".to_vec(),
                timestamp: None,
            },
        ];
        let change = row_mutations(b"r", &mutations, Durability::Default);
        assert_eq!(change.mutations.len(), 3);
        let TMutation::DeleteSingle(family) = &change.mutations[1] else {
            panic!("{:?}", change.mutations[1]);
        };
        assert_eq!(family.delete_type, Some(TDeleteType::DELETE_FAMILY));
        assert_eq!(family.timestamp, None);
        assert_eq!(
            family.columns.as_deref(),
            Some(&[TColumn::new(b"f".to_vec(), None, Some(9))][..])
        );
    }

    #[test]
    fn table_names_keep_their_namespace() {
        assert_eq!(table_string(&table_name("t")), "t");
        assert_eq!(table_string(&table_name("ns:t")), "ns:t");
        assert_eq!(table_name("t").ns.as_deref(), Some(&b"default"[..]));
    }
}
