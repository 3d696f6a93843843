//! Changing a selection state: the one path every selecting method takes (apply, record history, invalidate
//! what depends on it), and finding a field value by text or number.

use super::context::Ctx;
use super::eval::unknown_state;
use qix_engine::Dual;
use qix_engine::{DataModel, FieldId, SelectionState};
use qix_protocol::RpcError;
use serde_json::Value;

/// Applies a selection change in the selection state `state` (`$` or empty: the default state); on a change
/// every object of the session is stale. Returns whether it changed anything.
pub fn select_in(
    ctx: &mut Ctx<'_>,
    state: &str,
    change: impl FnOnce(&mut SelectionState, &DataModel) -> bool,
) -> Result<bool, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    doc.select(state, effects, change)
        .ok_or_else(|| unknown_state(state))
}

/// `{qText, qIsNumeric, qNumber}` → the symbol with that number (numeric) or text.
pub fn find_value(m: &DataModel, f: FieldId, v: &Value) -> Option<u32> {
    let syms = &m.fields[f].symbols;
    if v.get("qIsNumeric")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        let n = v.get("qNumber").and_then(Value::as_f64)?;
        return syms.find(&Dual::number(n));
    }
    let t = v.get("qText").and_then(Value::as_str)?;
    syms.find_text(t)
}

/// The values of `field` for which `expr` (an expression search, `=Sum(Sales)>3000` without the `=`) is
/// true, computed per value over the session's selections in `state_name` — what `Field.Select` with a
/// search string starting with `=` selects.
pub fn expression_matches(
    ctx: &mut Ctx<'_>,
    field: &str,
    state_name: &str,
    expr: &str,
) -> Result<Vec<u32>, RpcError> {
    let env = ctx.env;
    let doc = ctx.doc()?;
    if doc.state(state_name).is_none() {
        return Err(unknown_state(state_name));
    }
    let view = super::View::of(env, doc).in_state(Some(state_name));
    let def = qix_engine::HyperCubeDef::of(&[field], &[expr]);
    let Ok(cube) = env.cache.hypercube_with(
        view.model(),
        view.state,
        &def,
        &super::sets::ViewSets(&view),
    ) else {
        return Ok(Vec::new());
    };
    Ok(cube
        .rows
        .iter()
        .filter(|r| r.measures.first().is_some_and(|v| v.truthy()))
        .filter_map(|r| r.dims.first().and_then(|d| d.symbol))
        .collect())
}
