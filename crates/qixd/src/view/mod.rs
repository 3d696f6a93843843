//! The layer between the QIX classes (`crate::api`) and the engine: a session's view of its open app and
//! what several classes need of it — evaluation, selection, dollar expansion, field tags, property
//! preparation and defaults, object lifecycle, bookmarks' captured selections, and the renderer that turns
//! the engine's results into the real engine's JSON layouts.
//!
//! Nothing here dispatches a method or knows a handle number: the class modules do that, and import only
//! `api/mod.rs` and this layer, never each other.

pub mod attrs;
pub mod binned;
pub mod bnf;
pub mod bookmarks;
pub mod calendar;
pub mod cell;
pub mod context;
pub mod continuous;
pub mod cubeopts;
pub mod defaults;
pub mod defs;
pub mod dim_info;
pub mod dollar;
pub mod eval;
pub mod expansion_state;
pub mod export;
pub mod fields;
pub mod files;
pub mod groups;
pub mod layout;
pub mod library;
pub mod list_search;
pub mod master;
pub mod minichart;
pub mod numfmt;
pub mod objects;
pub mod page_text;
pub mod pivot;
pub mod pivot_layout;
pub mod pivotdef;
pub mod pointer;
pub mod props;
pub mod ranges;
pub mod render;
pub mod search;
pub mod search_json;
pub mod select;
pub mod sets;
pub mod stack;
pub mod system_fields;
pub mod tree;
pub mod variables;

use crate::doc::{DocState, LoadedData};
use crate::env::Env;
use context::Ctx;
use qix_engine::{DataModel, SelectionState, Selections};
use qix_protocol::RpcError;

/// What a layout is computed against.
pub struct View<'a> {
    /// Server-wide things (the result cache).
    pub env: &'a Env,
    /// The app's data.
    pub data: &'a LoadedData,
    /// The session's selections.
    pub state: &'a SelectionState,
    /// Back / forward history sizes.
    pub history: (usize, usize),
    /// The selections with their history (what `$1` / `$_1` of set analysis name).
    pub selections: &'a Selections,
    /// The open doc (master items, objects, variables).
    pub doc: &'a DocState,
}

impl<'a> View<'a> {
    /// The view of a session's open doc.
    pub fn of(env: &'a Env, doc: &'a DocState) -> View<'a> {
        View {
            env,
            data: doc.data(),
            state: doc.selections().current(),
            history: doc.selections().history(),
            selections: doc.selections(),
            doc,
        }
    }

    /// The same doc seen in selection state `name` (`None`, empty or `$`: the default state). An unknown
    /// state (removed meanwhile) reads as the default one.
    pub fn in_state(&self, name: Option<&str>) -> View<'a> {
        let selections = name
            .and_then(|n| self.doc.state(n))
            .unwrap_or(self.doc.selections());
        View {
            env: self.env,
            data: self.data,
            state: selections.current(),
            history: selections.history(),
            selections,
            doc: self.doc,
        }
    }

    /// The app's data model.
    pub(super) fn model(&self) -> &DataModel {
        &self.data.model
    }
}

/// Evaluates an expression over the session's current selections; `Err` carries the engine's error text.
pub fn evaluate(
    ctx: &mut Ctx<'_>,
    expr: &str,
) -> Result<Result<qix_expr::Value, String>, RpcError> {
    let env = ctx.env;
    let doc = ctx.doc()?;
    let view = crate::view::View::of(env, doc);
    let expr = dollar::expand(&view, expr);
    Ok(eval::evaluate_in(&view, &expr))
}
