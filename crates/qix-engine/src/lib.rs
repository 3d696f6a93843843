//! The associative data engine of qixd.
//!
//! What it is for: holding an app's data the way Qlik does — one symbol table of distinct values per field,
//! tables of bit-packed symbol indexes, linked by same-named fields — and answering questions over it for a
//! selection state: which rows and values are possible (logical inference, the `S`/`O`/`X`/`A`/`XS`/`L`
//! states), list objects, and hypercubes of dimensions × measures — with set analysis ([`sets`]: a set is
//! the inference of a modified selection state), `TOTAL <fields>`, `Aggr()`, the chart row functions
//! (`Above`, `Rank`, ...) and the field functions ([`fieldfns`]).
//!
//! What it is not for: JSON, sockets or sessions (the server turns layouts into JSON), and parsing load
//! scripts (the script crate fills a [`ModelBuilder`]). The model is immutable once built and shared by all
//! sessions through an `Arc`; a session holds only its small [`SelectionState`].
//!
//! Model rules worth knowing: NULL is not a value (cannot be selected or counted); values that read as the
//! same number are one symbol (the first text loaded is kept); two tables sharing more than one field (the
//! load script links those through a synthetic key first) and circular references are refused with an
//! error naming the fields ([`ModelError`]).

pub mod bits;
pub mod budget_lru;
pub mod builder;
pub mod cache;
pub mod dual;
pub mod fieldfns;
mod gathered;
pub mod hypercube;
pub mod inference;
pub mod listobject;
mod loops;
pub mod model;
pub mod packed;
mod postings;
pub mod rowindex;
pub mod rowset;
pub mod scan;
pub mod search;
pub mod selection;
pub mod sets;
pub mod singleflight;
pub mod smart;
pub mod symbols;

pub use bits::Bits;
pub use builder::{ModelBuilder, ModelError};
pub use cache::ResultCache;
pub use dual::Dual;
pub use hypercube::{
    compute, compute_with, Aggregator, ColumnSort, CubeError, CubeRow, DimensionDef, HyperCube,
    HyperCubeDef, MeasureDef,
};
pub use inference::{
    field_states, field_states_in, field_states_with, infer, infer_from, Inference, Known, State,
};
pub use listobject::{list_object, list_object_in, list_object_with, ListRow, ListSort};
pub use model::{Coupling, DataModel, FieldId, TableId};
pub use search::Search;
pub use selection::{SelectionState, Selections};
pub use sets::{NoSetBase, SetBase, SetError, Sets};
