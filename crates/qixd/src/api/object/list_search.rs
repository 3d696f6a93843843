//! The search box of a list object (a filter pane's): `SearchListObjectFor` narrows the list to the
//! values a text matches (for this session, until accepted or aborted), `AcceptListObjectSearch` selects
//! them, `AbortListObjectSearch` drops the search.

use super::{def_at, list_path, state_name};
use crate::api::Ctx;
use crate::view::defs::ListDef;
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// `SearchListObjectFor(qPath, qMatch)`: the list shows the values `qMatch` matches (an empty text: all).
pub fn search_for(ctx: &mut Ctx<'_>, id: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let path = list_path(p);
    let text = p.get("qMatch").and_then(Value::as_str).unwrap_or("");
    let text = (!text.is_empty()).then(|| text.to_string());
    let (doc, effects) = ctx.doc_effects()?;
    doc.set_list_search(id, path, text, effects);
    Ok(json!({"qSuccess": true, "qReturn": true}))
}

/// `AbortListObjectSearch(qPath)`: the list shows all its values again.
pub fn abort(ctx: &mut Ctx<'_>, id: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let path = list_path(p);
    let (doc, effects) = ctx.doc_effects()?;
    doc.set_list_search(id, path, None, effects);
    Ok(json!({}))
}

/// `AcceptListObjectSearch(qPath, qToggleMode, qSoftLock)`: the values the search matches are selected
/// (with `qToggleMode`, added to the field's selection), and the search ends. A search matching nothing
/// selects nothing (the field keeps its selection) and answers `qSuccess` false.
pub fn accept(ctx: &mut Ctx<'_>, id: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let path = list_path(p);
    let Some(text) = ctx.doc()?.list_search(id, path).map(str::to_string) else {
        return Ok(json!({}));
    };
    let params = Map::from_iter([("qPath".to_string(), json!(path))]);
    let def = def_at(ctx, id, &params)?;
    let state = state_name(ctx, id, &def)?;
    let toggle = p
        .get("qToggleMode")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let list = ListDef::parse(&def);
    let picks = {
        let env = ctx.env;
        let view = crate::view::View::of(env, ctx.doc()?).in_state(Some(&state));
        let rows = crate::view::layout::list_rows(&view, &list).unwrap_or_default();
        crate::view::list_search::accepted(&rows, &text)
    };
    if picks.is_empty() {
        let (doc, effects) = ctx.doc_effects()?;
        doc.set_list_search(id, path, None, effects);
        return Ok(json!({"qSuccess": false}));
    }
    crate::view::select::select_in(ctx, &state, |s, m| {
        let Some(f) = m.field_id(&list.field) else {
            return false;
        };
        match toggle {
            true => {
                let mut all: Vec<u32> = s.selected(f).map(<[u32]>::to_vec).unwrap_or_default();
                all.extend(&picks);
                all.sort_unstable();
                all.dedup();
                s.set(f, all)
            }
            false => s.set(f, picks),
        }
    })?;
    let (doc, effects) = ctx.doc_effects()?;
    doc.set_list_search(id, path, None, effects);
    Ok(json!({"qSuccess": true}))
}
