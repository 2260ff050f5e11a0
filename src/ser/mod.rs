//! Typed values -> cells: a serde `Serializer` that writes cells directly.
//!
//! Each module plays one serde role at one level of the layout, the way
//! the `serde_json::Value` path in `flatten.rs` walks an object:
//!
//! * [`top`]: the object, a struct or map whose fields are top-level keys;
//! * [`key`]: the value of one top-level key, which picks its shape;
//! * [`field`]: a map of scalars (`k:field` cells);
//! * [`seq`]: an array, of scalars (`k:element`) or of maps (`k_field:pk`);
//! * [`child`]: one map in an array of maps;
//! * [`scalar`]: the bytes of one value under the mapper's codec.
//!
//! The checks are the Value path's own (`check_group`, `child_qualifier`,
//! `check_unique`), so both paths accept and reject the same objects and
//! write the same cells.

/// Forwards each scalar method to `self.scalar`, which writes it through a
/// [`ScalarSerializer`].
macro_rules! scalars {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            #[inline]
            fn $method(self, v: $ty) -> Result<()> {
                self.scalar(|s| s.$method(v))
            }
        )*
    };
}

mod child;
mod field;
mod key;
mod names;
pub(crate) mod scalar;
mod seq;
mod top;

use serde::Serialize;

use crate::cell::Cells;
use crate::error::{ErrorKind, Result};
use crate::layout::{GroupAt, Naming, Owner};
use crate::mapper::Mapper;

pub(crate) use scalar::Form;

/// Flattens any `Serialize` struct or map into cells, without going
/// through `serde_json::Value`. Same as [`Mapper::to_cells`].
///
/// ```
/// use capjure::{KeyConfig, Mapper};
///
/// #[derive(serde::Serialize)]
/// struct Painting { houses: u32, trees: Vec<String> }
///
/// let mapper = Mapper::new(KeyConfig::new());
/// let painting = Painting { houses: 4, trees: vec!["oak".into()] };
/// let cells = capjure::to_cells(&painting, &mapper)?;
/// assert_eq!(cells, mapper.flatten(&serde_json::to_value(&painting).unwrap())?);
/// # Ok::<(), capjure::Error>(())
/// ```
pub fn to_cells<T: ?Sized + Serialize>(value: &T, mapper: &Mapper) -> Result<Cells> {
    mapper.check_usable()?;
    // The thread's lists are borrowed for the row, not moved out and back:
    // moving them cost more than the rest of the row's set-up.
    SPARE.with(|spare| match spare.try_borrow_mut() {
        Ok(mut spare) => flatten_with(value, mapper, &mut spare),
        // A `Serialize` impl flattening another value on this thread, in
        // the middle of a row: that value gets lists of its own.
        Err(_) => flatten_with(value, mapper, &mut Spare::new()),
    })
}

/// [`to_cells`] with the working lists `spare`.
fn flatten_with<T: ?Sized + Serialize>(
    value: &T,
    mapper: &Mapper,
    spare: &mut Spare,
) -> Result<Cells> {
    // Up to 1 KiB, the first byte buffer comes from the allocator's
    // per-thread cache, where a 2 KiB one takes its slow path for both the
    // allocation and the free: a ~1 KB row's one growth costs less (the
    // Value path sizes its buffer the same way).
    let mut state = State {
        mapper,
        form: Form::of(mapper.codec),
        cells: Cells::with_capacity(64, 1024),
        group_at: GroupAt::default(),
        scratch: &mut spare.scratch,
        name: &mut spare.name,
        elements: &mut spare.elements,
        children: &mut spare.children,
        fields: &mut spare.fields,
        field_groups: &mut spare.field_groups,
        recent: &mut spare.recent,
        arrays: &mut spare.arrays,
        static_key: None,
    };
    state.recent.rewind();
    let result = value.serialize(top::TopSerializer { state: &mut state });
    let cells = state.cells;
    // Keep the working lists for this thread's next row, unless one grew
    // so large that holding on to it would hoard memory.
    spare.scratch.clear();
    spare.name.clear();
    spare.elements.clear();
    spare.children.clear();
    spare.fields.clear();
    spare.field_groups.clear();
    let retained = spare.scratch.capacity()
        + spare.name.capacity()
        + spare.elements.capacity() * size_of::<seq::Element>()
        + spare.children.capacity() * size_of::<child::Child>()
        + spare.fields.capacity() * size_of::<child::Field>()
        + spare.field_groups.capacity() * size_of::<(child::FieldName, GroupAt)>()
        + spare.recent.capacity()
        + spare.arrays.capacity();
    if retained > MAX_SPARE {
        *spare = Spare::new();
    }
    result?;
    Ok(cells)
}

/// The most bytes of working lists a thread keeps between rows.
const MAX_SPARE: usize = 256 * 1024;

thread_local! {
    /// The working lists of this thread's last row, reused by the next so
    /// that flattening a row allocates little more than its cells. Held in
    /// place, not boxed: a box per row cost an allocation and a free.
    static SPARE: std::cell::RefCell<Spare> = const { std::cell::RefCell::new(Spare::new()) };
}

/// The working lists of [`State`], between rows.
#[derive(Default)]
struct Spare {
    scratch: Vec<u8>,
    name: Vec<u8>,
    elements: Vec<seq::Element>,
    children: Vec<child::Child>,
    fields: Vec<child::Field>,
    field_groups: Vec<(child::FieldName, GroupAt)>,
    recent: names::Recent,
    arrays: names::ArrayGroups,
}

impl Spare {
    const fn new() -> Self {
        Spare {
            scratch: Vec::new(),
            name: Vec::new(),
            elements: Vec::new(),
            children: Vec::new(),
            fields: Vec::new(),
            field_groups: Vec::new(),
            recent: names::Recent::new(),
            arrays: names::ArrayGroups::new(),
        }
    }
}

impl Mapper {
    /// Flattens a typed value, a struct or a map, into cells.
    ///
    /// For every value both can store, the cells are the same bytes as
    /// `self.flatten(&serde_json::to_value(value)?)` gives, with one
    /// difference: `None` writes no cell at all (the Value path stores
    /// `null`), so a row without the cell reads back as `None`. Byte
    /// buffers (`serde_bytes`) are stored as they are, not as a list of
    /// numbers. Shapes the layout cannot hold are an error naming the field
    /// path and its Rust type.
    ///
    /// ```
    /// use capjure::{KeyConfig, Mapper};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, Debug, PartialEq)]
    /// struct Car { license: String, make: String }
    ///
    /// #[derive(Serialize, Deserialize, Debug, PartialEq)]
    /// struct Painting { houses: u32, cars: Vec<Car>, nickname: Option<String> }
    ///
    /// let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
    /// let painting = Painting {
    ///     houses: 4,
    ///     cars: vec![Car { license: "ah12001".into(), make: "honda".into() }],
    ///     nickname: None,
    /// };
    /// let cells = mapper.to_cells(&painting)?;
    /// assert!(cells.iter().any(|c| c.family == b"cars_make" && c.qualifier == b"ah12001"));
    /// assert!(cells.iter().all(|c| c.family != b"nickname"));
    /// assert_eq!(mapper.from_cells::<Painting, _>(&cells)?, painting);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn to_cells<T: ?Sized + Serialize>(&self, value: &T) -> Result<Cells> {
        to_cells(value, self)
    }
}

/// What every level writes into.
pub(crate) struct State<'m> {
    pub(crate) mapper: &'m Mapper,
    /// The form values take under the mapper's codec, looked up once per
    /// row instead of once per value.
    form: Form,
    pub(crate) cells: Cells,
    /// Where the current top-level key's group was written into `cells`.
    pub(crate) group_at: GroupAt,
    /// The names of an array of maps' fields, when they are map keys.
    pub(crate) scratch: &'m mut Vec<u8>,
    /// The current map key's text.
    pub(crate) name: &'m mut Vec<u8>,
    /// The elements of the current array of scalars, before they are
    /// sorted. Kept here so that one row's arrays share the allocation.
    pub(crate) elements: &'m mut Vec<seq::Element>,
    /// The children of the current array of maps, before they are sorted.
    pub(crate) children: &'m mut Vec<child::Child>,
    /// Their fields, one list for all children.
    pub(crate) fields: &'m mut Vec<child::Field>,
    /// The groups of their fields, in the order they were first seen.
    pub(crate) field_groups: &'m mut Vec<(child::FieldName, GroupAt)>,
    /// The groups of the static names the thread's last rows met.
    pub(crate) recent: &'m mut names::Recent,
    /// The whole field groups of the arrays of maps the thread's last rows
    /// met.
    pub(crate) arrays: &'m mut names::ArrayGroups,
    /// The current top-level key, when it is a struct field's name: the
    /// parent its array's field groups are remembered under.
    pub(crate) static_key: Option<&'static str>,
}

impl State<'_> {
    /// Writes the cells of one top-level key.
    pub(crate) fn key<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<()> {
        self.open_key(key, None)?;
        self.key_value(key, value)
    }

    /// Writes the cells of a struct field: its group comes from the memo of
    /// static names when this thread has seen it before.
    #[inline]
    pub(crate) fn static_key<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        // The usual case, the group the memo's cursor points at, is
        // inlined here; anything else takes `open_key`.
        let naming = &self.mapper.naming;
        match self.recent.open_next(naming, None, key, &mut self.cells) {
            Some(group) => {
                self.static_key = Some(key);
                self.group_at = group;
            }
            None => self.open_key(key, Some(key))?,
        }
        self.key_value(key, value)
    }

    /// Writes and checks the group of a top-level key.
    fn open_key(&mut self, key: &str, memo: Option<&'static str>) -> Result<()> {
        if key.is_empty() {
            return Err(ErrorKind::EmptyName { parent: None }.into());
        }
        let naming = &self.mapper.naming;
        let keys = &self.mapper.keys;
        self.static_key = memo;
        let recent = &mut *self.recent;
        let mut recalled = false;
        // The group's name goes straight into the buffer and is checked
        // there, unless the memo had it.
        let group = naming.open_checked(
            &mut self.cells,
            |naming, out| {
                if let Some(name) = memo {
                    recalled = recent.recall(naming.id(), None, name, out);
                }
                if !recalled {
                    naming.key_group(key, out);
                }
                recalled
            },
            |naming, name| {
                crate::flatten::check_group(
                    naming,
                    name,
                    || key.to_string(),
                    |owner| owner == Owner::Plain || keys.get(key).is_some(),
                )
            },
        )?;
        if let (Some(memo), false) = (memo, recalled) {
            let name = Naming::group_name(&self.cells, &group);
            self.recent.remember(naming.id(), None, memo, name);
        }
        self.group_at = group;
        Ok(())
    }

    #[inline]
    fn key_value<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<()> {
        value
            .serialize(key::KeySerializer { state: self, key })
            .map_err(|err| err.locate(|| key.to_string(), std::any::type_name::<T>()))
    }

    /// The form values take under this mapper's codec.
    #[inline(always)]
    pub(crate) fn form(&self) -> Form {
        self.form
    }
}

/// Fails if a text-codec value equals the array marker (it would read back
/// as an array), as the Value path does.
#[inline]
pub(crate) fn check_marker(form: Form, value: &[u8], path: impl FnOnce() -> String) -> Result<()> {
    if form == Form::Text && value == crate::codec::ARRAY_MARKER {
        return Err(crate::codec::marker_value_error(path()).into());
    }
    Ok(())
}

/// The one cell that keeps an empty map, struct or array, as the Value path
/// writes it (see [`codec::empty_marker`](crate::codec::empty_marker)).
pub(crate) fn write_empty(state: &mut State<'_>, key: &str, map: bool) -> Result<()> {
    let value = crate::codec::empty_marker(state.mapper.codec, map, || key.to_string())?;
    state
        .mapper
        .naming
        .push(&mut state.cells, &state.group_at, b"", |out| {
            out.extend_from_slice(value);
            Ok(())
        })?;
    Ok(())
}
