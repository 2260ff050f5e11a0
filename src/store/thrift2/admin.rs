//! Tables, families and namespaces through the Thrift2 gateway's admin
//! calls (which Thrift1 mostly lacks: families and namespaces).

use super::generated::{TNamespaceDescriptor, TTHBaseServiceSyncClient, TTableDescriptor};
use super::{Thrift2Store, convert};
use crate::error::{ErrorKind, Result};
use crate::store::gateway::Retry;
use crate::store::{Column, FamilySpec, Scan, check_family_name};

pub(super) fn create_table(
    store: &Thrift2Store,
    table: &str,
    families: &[FamilySpec],
) -> Result<()> {
    crate::store::check_create_table(table, families)?;
    let descriptor = TTableDescriptor {
        table_name: convert::table_name(table),
        columns: Some(families.iter().map(convert::family).collect()),
        attributes: None,
        durability: None,
    };
    store.call(table, "create_table", Retry::Never, |client| {
        client.create_table(descriptor.clone(), Vec::new())
    })
}

pub(super) fn list_tables(store: &Thrift2Store) -> Result<Vec<String>> {
    let mut names: Vec<String> = store
        .call("", "list_tables", Retry::Safe, |client| {
            client.get_table_names_by_pattern(".*".to_string(), false)
        })?
        .iter()
        .map(convert::table_string)
        .collect();
    names.sort();
    Ok(names)
}

pub(super) fn families(store: &Thrift2Store, table: &str) -> Result<Vec<FamilySpec>> {
    let descriptor = store.call(table, "families", Retry::Safe, |client| {
        client.get_table_descriptor(convert::table_name(table))
    })?;
    let mut families: Vec<FamilySpec> = descriptor
        .columns
        .unwrap_or_default()
        .iter()
        .map(convert::family_spec)
        .collect();
    families.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(families)
}

/// Disables the table unless it already is: HBase deletes and truncates
/// only disabled tables.
fn disable(store: &Thrift2Store, table: &str) -> Result<()> {
    let disabled = store.call(table, "disable_table", Retry::Never, |client| {
        client.disable_table(convert::table_name(table))
    });
    match disabled {
        Err(err) if matches!(err.kind(), ErrorKind::TableDisabled { .. }) => Ok(()),
        other => other,
    }
}

pub(super) fn drop_table(store: &Thrift2Store, table: &str) -> Result<()> {
    disable(store, table)?;
    store.call(table, "drop_table", Retry::Never, |client| {
        client.delete_table(convert::table_name(table))
    })
}

pub(super) fn truncate_table(store: &Thrift2Store, table: &str) -> Result<()> {
    disable(store, table)?;
    // Truncating enables the table again.
    store.call(table, "truncate_table", Retry::Never, |client| {
        client.truncate_table(convert::table_name(table), true)
    })
}

pub(super) fn add_family(store: &Thrift2Store, table: &str, family: &FamilySpec) -> Result<()> {
    check_family_name(table, "add_family", family.name.as_bytes())?;
    let descriptor = convert::family(family);
    store.call(table, "add_family", Retry::Never, |client| {
        client.add_column_family(convert::table_name(table), descriptor.clone())
    })
}

/// What a scan of an empty range checks instead of asking for rows: that
/// the table and the scan's families exist (one round trip).
pub(super) fn check_families(store: &Thrift2Store, table: &str, scan: &Scan) -> Result<()> {
    let families = families(store, table)?;
    match scan.columns.iter().map(Column::family_name).find(|family| {
        !families
            .iter()
            .any(|known| known.name.as_bytes() == *family)
    }) {
        Some(family) => Err(ErrorKind::FamilyNotFound {
            table: table.to_string(),
            family: crate::cell::Excerpt(family).to_string(),
        }
        .into()),
        None => Ok(()),
    }
}

impl Thrift2Store {
    /// Changes a family's settings (its max versions), keeping its cells.
    ///
    /// ```no_run
    /// use capjure::store::{FamilySpec, Store, ThriftConfig};
    /// let store = capjure::Thrift2Store::new(ThriftConfig::new("127.0.0.1:9091"))?;
    /// store.modify_family("paintings", &FamilySpec::new("road").max_versions(5))?;
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn modify_family(&self, table: &str, family: &FamilySpec) -> Result<()> {
        check_family_name(table, "modify_family", family.name.as_bytes())?;
        let descriptor = convert::family(family);
        self.call(table, "modify_family", Retry::Never, |client| {
            client.modify_column_family(convert::table_name(table), descriptor.clone())
        })
    }

    /// Deletes a family and every cell in it.
    ///
    /// ```no_run
    /// use capjure::store::ThriftConfig;
    /// let store = capjure::Thrift2Store::new(ThriftConfig::new("127.0.0.1:9091"))?;
    /// store.delete_family("paintings", "trees")?;
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn delete_family(&self, table: &str, family: &str) -> Result<()> {
        check_family_name(table, "delete_family", family.as_bytes())?;
        self.call(table, "delete_family", Retry::Never, |client| {
            client.delete_column_family(convert::table_name(table), family.as_bytes().to_vec())
        })
    }

    /// Creates a namespace; its tables are then named `namespace:table`.
    ///
    /// ```no_run
    /// use capjure::store::{FamilySpec, Store, ThriftConfig};
    /// let store = capjure::Thrift2Store::new(ThriftConfig::new("127.0.0.1:9091"))?;
    /// store.create_namespace("museum")?;
    /// store.create_table("museum:paintings", &[FamilySpec::new("road")])?;
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn create_namespace(&self, namespace: &str) -> Result<()> {
        let descriptor = TNamespaceDescriptor::new(namespace.to_string(), None);
        self.call("", "create_namespace", Retry::Never, |client| {
            client.create_namespace(descriptor.clone())
        })
    }

    /// Deletes an empty namespace.
    ///
    /// ```no_run
    /// let store = capjure::Thrift2Store::new(capjure::store::ThriftConfig::new("127.0.0.1:9091"))?;
    /// store.delete_namespace("museum")?;
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn delete_namespace(&self, namespace: &str) -> Result<()> {
        self.call("", "delete_namespace", Retry::Never, |client| {
            client.delete_namespace(namespace.to_string())
        })
    }

    /// The namespaces, sorted (`default` and `hbase` included).
    ///
    /// ```no_run
    /// let store = capjure::Thrift2Store::new(capjure::store::ThriftConfig::new("127.0.0.1:9091"))?;
    /// assert!(store.list_namespaces()?.contains(&"default".to_string()));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn list_namespaces(&self) -> Result<Vec<String>> {
        let mut names = self.call("", "list_namespaces", Retry::Safe, |client| {
            client.list_namespaces()
        })?;
        names.sort();
        Ok(names)
    }
}
