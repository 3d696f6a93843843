//! The GenericObject methods of pivot and stacked cubes: `GetHyperCubePivotData`,
//! `GetHyperCubeStackData`, and `ExpandLeft` / `CollapseLeft` / `ExpandTop` / `CollapseTop`, which change
//! the session's expanded nodes of the object (its layout is then stale: a `change` goes out).

use super::{data_request, def_at, state_name};
use crate::api::Ctx;
use crate::view::pivot_layout;
use qix_engine::hypercube::pivot::Expansion;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// The definition path of a call (`/qHyperCubeDef` when absent).
fn path_of(p: &Map<String, Value>) -> String {
    let path = p.get("qPath").and_then(Value::as_str).unwrap_or("");
    match path {
        "" => "/qHyperCubeDef".to_string(),
        _ => path.to_string(),
    }
}

/// The session's expanded nodes of object `id` at `path`.
fn expansion(ctx: &mut Ctx<'_>, id: &str, path: &str) -> Result<Expansion, RpcError> {
    Ok(ctx.doc()?.expansion(id, path).cloned().unwrap_or_default())
}

/// `GetHyperCubePivotData` (`stacked` false) and `GetHyperCubeStackData` (`stacked` true).
pub fn data(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
    stacked: bool,
) -> Result<Value, RpcError> {
    let (def, state, pages) = data_request(ctx, id, p)?;
    let env = ctx.env;
    let expansion = expansion(ctx, id, &path_of(p))?;
    let max_cells = p
        .get("qMaxNbrCells")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0)
        .unwrap_or(10_000);
    let doc = ctx.doc()?;
    let view = crate::view::View::of(env, doc).in_state(Some(&state));
    let pages = pivot_layout::data_pages(&view, &def, &expansion, &pages, stacked, max_cells)
        .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
    Ok(json!({"qDataPages": pages}))
}

/// `ExpandLeft` / `CollapseLeft` (`left`; `qRow` a data row, `qCol` a left level) and `ExpandTop` /
/// `CollapseTop` (`qRow` a top level, `qCol` a data column); with `qAll`, every node of the axis. A
/// position naming no node changes nothing.
pub fn expand(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
    left: bool,
    expanded: bool,
) -> Result<Value, RpcError> {
    let path = path_of(p);
    let all = p.get("qAll").and_then(Value::as_bool).unwrap_or(false);
    let index = |k: &str| {
        p.get(k)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    let (row, col) = (index("qRow"), index("qCol"));
    let node = match (all, left, row, col) {
        (true, ..) => None,
        (false, true, Some(leaf), Some(level)) | (false, false, Some(level), Some(leaf)) => {
            let def = def_at(ctx, id, p)?;
            let state = state_name(ctx, id, &def)?;
            let current = expansion(ctx, id, &path)?;
            let env = ctx.env;
            let view = crate::view::View::of(env, ctx.doc()?).in_state(Some(&state));
            let found = pivot_layout::node_path(&view, &def, &current, left, leaf, level)
                .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
            match found {
                Some(node) => Some(node),
                None => return Ok(json!({})),
            }
        }
        _ => return Ok(json!({})),
    };
    let (doc, effects) = ctx.doc_effects()?;
    doc.update_expansion(
        id,
        &path,
        |e| {
            let set = if left { &mut e.left } else { &mut e.top };
            match node {
                Some(node) => set.set(node, expanded),
                None => set.set_all(expanded),
            }
        },
        effects,
    );
    Ok(json!({}))
}
