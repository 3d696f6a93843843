//! Changing a selection state: the one path every selecting method takes (apply, record history, invalidate
//! what depends on it), and finding a field value by text or number.

use super::context::unknown_state;
use super::context::Ctx;
use qix_engine::Dual;
use qix_engine::{DataModel, FieldId, HyperCube, SelectionState};
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

/// A captured field's symbols in `m` (values since gone are skipped); `None` when the field is gone.
pub fn field_symbols(
    m: &qix_engine::DataModel,
    f: &qix_apps::BookmarkField,
) -> Option<(qix_engine::FieldId, Vec<u32>)> {
    let fid = m.field_id(&f.name)?;
    let symbols = f
        .values
        .iter()
        .filter_map(|v| find_value(m, fid, v))
        .collect();
    Some((fid, symbols))
}

/// What picking the values `ids` (element numbers) of dimension `dim` of a computed cube selects, per
/// field: the dimension's field and those symbols; for a calculated dimension, in each field the
/// expression reads, the values that produce them (as Qlik selects in a calculated dimension).
pub fn dimension_picks(
    cube: &HyperCube,
    field: &str,
    model: &DataModel,
    dim: usize,
    ids: Vec<u32>,
) -> Vec<(String, Vec<u32>)> {
    match cube.calculated.get(dim).and_then(Option::as_ref) {
        None => vec![(field.to_string(), ids)],
        Some(calc) => calc
            .sources(&ids)
            .into_iter()
            .map(|(f, syms)| (model.fields[f].name.clone(), syms))
            .collect(),
    }
}
