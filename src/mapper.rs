//! The mapper: one layout, one codec and one key configuration, ready to
//! flatten objects into cells and hydrate them back.

use serde_json::{Map, Value};

use crate::cell::{CellRef, Cells};
use crate::codec::Codec;
use crate::error::{ErrorKind, Result};
use crate::keys::KeyConfig;
use crate::layout::{Layout, Naming, check_family};

/// Flattens objects into HBase cells and hydrates cells back into objects.
///
/// A mapper is immutable and cheap to clone; build one per table shape and
/// share it. Two mappers never affect each other.
///
/// ```
/// use capjure::{KeyConfig, Mapper};
/// use serde_json::json;
///
/// let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
/// let painting = json!({
///     "trees": ["cedar", "maple", "oak"],
///     "houses": 4,
///     "cars": [
///         {"make": "honda", "model": "fit", "license": "ah12001"},
///         {"make": "toyota", "model": "yaris", "license": "xb34544"}
///     ],
///     "road": {"name": "101N", "speed": 65}
/// });
/// let cells = mapper.flatten(&painting)?;
/// assert!(cells.iter().any(|c| c.family == b"cars_make" && c.qualifier == b"ah12001"));
/// assert_eq!(mapper.hydrate(&cells)?, painting);
/// # Ok::<(), capjure::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Mapper {
    pub(crate) keys: KeyConfig,
    pub(crate) layout: Layout,
    pub(crate) codec: Codec,
    pub(crate) naming: Naming,
}

impl Mapper {
    /// A mapper with the multi-family layout and the lossless JSON codec.
    ///
    /// ```
    /// let mapper = capjure::Mapper::new(capjure::KeyConfig::new());
    /// assert_eq!(mapper.codec(), capjure::Codec::Json);
    /// ```
    pub fn new(keys: KeyConfig) -> Self {
        Mapper::build(keys, Layout::default(), Codec::default())
    }

    /// The same mapper with another layout.
    ///
    /// ```
    /// use capjure::{KeyConfig, Layout, Mapper};
    /// let mapper = Mapper::new(KeyConfig::new()).with_layout(Layout::single_family("meta"));
    /// assert_eq!(mapper.layout(), &Layout::single_family("meta"));
    /// ```
    pub fn with_layout(self, layout: Layout) -> Self {
        Mapper::build(self.keys, layout, self.codec)
    }

    /// The same mapper with another codec.
    ///
    /// ```
    /// use capjure::{Codec, KeyConfig, Mapper};
    /// let mapper = Mapper::new(KeyConfig::new()).with_codec(Codec::Text);
    /// assert_eq!(mapper.codec(), Codec::Text);
    /// ```
    pub fn with_codec(mut self, codec: Codec) -> Self {
        self.codec = codec;
        self
    }

    fn build(keys: KeyConfig, layout: Layout, codec: Codec) -> Self {
        let naming = Naming::new(&layout, &keys);
        Mapper {
            keys,
            layout,
            codec,
            naming,
        }
    }

    /// The primary-key configuration.
    ///
    /// ```
    /// let mapper = capjure::Mapper::new(capjure::KeyConfig::new().field("cars", "license"));
    /// assert!(mapper.keys().get("cars").is_some());
    /// ```
    pub fn keys(&self) -> &KeyConfig {
        &self.keys
    }

    /// The layout.
    ///
    /// ```
    /// let mapper = capjure::Mapper::new(capjure::KeyConfig::new());
    /// assert_eq!(mapper.layout(), &capjure::Layout::MultiFamily);
    /// ```
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The codec.
    ///
    /// ```
    /// let mapper = capjure::Mapper::new(capjure::KeyConfig::new());
    /// assert_eq!(mapper.codec(), capjure::Codec::Json);
    /// ```
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// The builder methods cannot fail, so an unusable layout (a bad single
    /// family name) is reported by every call instead. Inlined: the check
    /// is one comparison for the multi-family layout, less than a call.
    #[inline]
    pub(crate) fn check_usable(&self) -> Result<()> {
        if let Layout::SingleFamily { family } = &self.layout {
            check_family(family)?;
        }
        Ok(())
    }

    /// Flattens an object into cells. The value must be a JSON object.
    ///
    /// ```
    /// use capjure::{KeyConfig, Mapper};
    /// use serde_json::json;
    ///
    /// let cells = Mapper::new(KeyConfig::new()).flatten(&json!({"houses": 4}))?;
    /// assert_eq!(cells.get(0).unwrap().family, b"houses");
    /// assert_eq!(cells.get(0).unwrap().value, b"4");
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn flatten(&self, object: &Value) -> Result<Cells> {
        match object {
            Value::Object(map) => self.flatten_map(map),
            other => Err(ErrorKind::NotAnObject {
                found: crate::describe(other),
            }
            .into()),
        }
    }

    /// Flattens an object given as a map.
    ///
    /// ```
    /// use capjure::{KeyConfig, Mapper};
    /// use serde_json::{json, Map};
    ///
    /// let mut map = Map::new();
    /// map.insert("houses".into(), json!(4));
    /// assert_eq!(Mapper::new(KeyConfig::new()).flatten_map(&map)?.len(), 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn flatten_map(&self, object: &Map<String, Value>) -> Result<Cells> {
        self.check_usable()?;
        crate::flatten::flatten(self, object)
    }

    /// Hydrates cells into an object. The cells are one row's, one version
    /// per column, in any order; no cells make an empty object.
    ///
    /// Accepts anything that iterates over cells: `&Cells`, `&[Cell]`,
    /// `&Vec<Cell>`, or an iterator of [`CellRef`]s over a store's answer.
    ///
    /// ```
    /// use capjure::{Cell, KeyConfig, Mapper};
    /// use serde_json::json;
    ///
    /// let cells = vec![Cell::new("road", "name", "\"101N\""), Cell::new("houses", "", "4")];
    /// let object = Mapper::new(KeyConfig::new()).hydrate(&cells)?;
    /// assert_eq!(object, json!({"road": {"name": "101N"}, "houses": 4}));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn hydrate<'a, I>(&self, cells: I) -> Result<Value>
    where
        I: IntoIterator,
        I::Item: Into<CellRef<'a>>,
    {
        self.hydrate_map(cells).map(Value::Object)
    }

    /// Hydrates cells into a map.
    ///
    /// ```
    /// use capjure::{Cell, KeyConfig, Mapper};
    ///
    /// let cells = [Cell::new("houses", "", "4")];
    /// let map = Mapper::new(KeyConfig::new()).hydrate_map(&cells)?;
    /// assert_eq!(map["houses"], 4);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn hydrate_map<'a, I>(&self, cells: I) -> Result<Map<String, Value>>
    where
        I: IntoIterator,
        I::Item: Into<CellRef<'a>>,
    {
        self.check_usable()?;
        crate::hydrate::hydrate(self, cells.into_iter().map(Into::into))
    }

    /// The column families a table needs to store `object`.
    ///
    /// ```
    /// use capjure::{KeyConfig, Mapper};
    /// use serde_json::json;
    ///
    /// let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
    /// let families = mapper.families(&json!({
    ///     "houses": 4,
    ///     "cars": [{"license": "ah12001", "make": "honda"}]
    /// }))?;
    /// assert_eq!(families, ["cars", "cars_make", "houses"]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn families(&self, object: &Value) -> Result<Vec<String>> {
        let cells = self.flatten(object)?;
        Ok(cells
            .families()
            .into_iter()
            .map(|family| String::from_utf8_lossy(family).into_owned())
            .collect())
    }
}

impl Default for Mapper {
    /// No arrays of maps configured, multi-family layout, JSON codec.
    fn default() -> Self {
        Mapper::new(KeyConfig::new())
    }
}
