//! Qlik's load script for qixd.
//!
//! What it is for: turning a script — `LOAD` from INLINE, CSV/text and QVD sources, RESIDENT, AUTOGENERATE,
//! preceding loads, WHERE / WHILE / DISTINCT, CONCATENATE / JOIN / KEEP / MAPPING, LET / SET with `$(...)`
//! expansion, IF / FOR / SUB, DROP / RENAME / QUALIFY / STORE / TRACE / COMMENT / TAG — into an engine
//! [`qix_engine::DataModel`]. Parsing ([`split`], [`parse`]) is kept apart from execution ([`exec`]), as
//! tantivy keeps its query grammar apart from its executor; expressions are `qix-expr`'s. The executor
//! keeps its tables in the engine's column form (symbol tables and bit-packed row indexes), so a script
//! of any size costs about what its model does, and the model is built without a copy.
//!
//! What it is not for: sessions, apps or persistence (the server runs [`reload`] and keeps the previous
//! model when it fails), and SQL sources (there is no database connector).

pub mod ast;
pub mod error;
pub mod exec;
pub mod limits;
pub mod parse;
pub mod sources;
pub mod split;

pub use error::ScriptError;
pub use exec::{
    check_syntax, check_syntax_with, run as reload, run_partial as reload_partial, LoadEnv,
    LoadOutput,
};
pub use limits::Limits;
