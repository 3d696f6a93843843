//! The GenericObject methods of pivot and stacked cubes: `GetHyperCubePivotData`,
//! `GetHyperCubeStackData`, and `ExpandLeft` / `CollapseLeft` / `ExpandTop` / `CollapseTop`, which change
//! the session's expanded nodes of the object (its layout is then stale: a `change` goes out).

use super::{cube_path, data_request, def_at, select_picks, state_name};
use crate::api::Ctx;
use crate::view::pivot_layout;
use qix_engine::hypercube::pivot::Expansion;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// The session's expanded nodes of object `id` at `path` (`None`: untouched, the properties' apply).
fn expansion(ctx: &mut Ctx<'_>, id: &str, path: &str) -> Result<Option<Expansion>, RpcError> {
    Ok(ctx.doc()?.expansion(id, path).cloned())
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
    let expansion = expansion(ctx, id, cube_path(p))?;
    let max_cells = p
        .get("qMaxNbrCells")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0)
        .unwrap_or(10_000);
    let doc = ctx.doc()?;
    let view = crate::view::View::of(env, doc).in_state(Some(&state));
    let pages =
        pivot_layout::data_pages(&view, &def, expansion.as_ref(), &pages, stacked, max_cells)
            .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
    Ok(crate::api::result("qDataPages", pages))
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
    let path = cube_path(p);
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
            let current = expansion(ctx, id, path)?;
            let env = ctx.env;
            let view = crate::view::View::of(env, ctx.doc()?).in_state(Some(&state));
            let found = pivot_layout::node_path(&view, &def, current.as_ref(), left, leaf, level)
                .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
            match found {
                Some(node) => Some(node),
                None => return Ok(json!({})),
            }
        }
        _ => return Ok(json!({})),
    };
    // The first change starts from the nodes `qExpansionState` names.
    let initial = {
        let def = def_at(ctx, id, p)?;
        let env = ctx.env;
        let view = crate::view::View::of(env, ctx.doc()?);
        pivot_layout::parsed(&view, &def, crate::view::pivotdef::Mode::Pivot)
            .pivot
            .initial
    };
    // The cell the layout reports as `qLastExpandedPos`: `qx` the column, `qy` the row.
    let at = match (node.is_some(), row, col) {
        (true, Some(row), Some(col)) => Some((col as u64, row as u64)),
        _ => None,
    };
    let (doc, effects) = ctx.doc_effects()?;
    doc.update_expansion(
        id,
        path,
        initial,
        at,
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

/// `SelectPivotCells(qPath, qSelections, qSoftLock, qDeselectOnlyOneSelected)`: a left cell (`L`: `qCol`
/// the left dimension, `qRow` the data row) or a top cell (`T`: `qRow` the top dimension, `qCol` the
/// data column) selects its value; a data cell (`D`) selects the values of its row and column. Totals,
/// measure and Others cells select nothing.
pub fn select_cells(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let def = def_at(ctx, id, p)?;
    let state = state_name(ctx, id, &def)?;
    let expansion = expansion(ctx, id, cube_path(p))?;
    let deselect_one = p
        .get("qDeselectOnlyOneSelected")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let env = ctx.env;
    let picks = {
        let view = crate::view::View::of(env, ctx.doc()?).in_state(Some(&state));
        let parsed = pivot_layout::parsed(&view, &def, crate::view::pivotdef::Mode::Pivot);
        let pivot = pivot_layout::build(&view, &parsed, expansion.as_ref())
            .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
        let cells = p
            .get("qSelections")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut by_dim: std::collections::BTreeMap<usize, Vec<u32>> = Default::default();
        for cell in &cells {
            for (d, sym) in picked(&pivot, cell) {
                by_dim.entry(d).or_default().push(sym);
            }
        }
        by_dim
            .into_iter()
            .filter_map(|(d, syms)| Some((parsed.dimensions.get(d)?.field.clone(), syms)))
            .filter(|(field, _)| !qix_engine::hypercube::is_calculated(field))
            .collect()
    };
    let changed = select_picks(ctx, &state, picks, deselect_one)?;
    Ok(json!({"qSuccess": changed}))
}

/// The (dimension, symbol) values one `NxSelectionCell` of a pivot picks.
fn picked(pivot: &qix_engine::hypercube::pivot::Pivot, cell: &Value) -> Vec<(usize, u32)> {
    use qix_engine::hypercube::pivot::{Axis, Leaf, NodeKey, NodeKind};
    let at = |k: &str| cell.get(k).and_then(Value::as_u64).map(|v| v as usize);
    let kind = cell.get("qType").and_then(Value::as_str).unwrap_or("D");
    let (Some(row), Some(col)) = (at("qRow"), at("qCol")) else {
        return Vec::new();
    };
    let node_value = |axis: &Axis, node: Option<usize>| -> Vec<(usize, u32)> {
        let Some(n) = node else {
            return Vec::new();
        };
        match (axis.node(n).kind, axis.value(n)) {
            (NodeKind::Value(d, _), Some(c)) if !c.other => {
                c.symbol.map(|s| (d, s)).into_iter().collect()
            }
            _ => Vec::new(),
        }
    };
    let leaf_values = |leaf: Option<Leaf>| -> Vec<(usize, u32)> {
        leaf.map(|l| {
            l.dims
                .iter()
                .filter_map(|(d, key)| match key {
                    NodeKey::Value(Some(s), false) => Some((*d, *s)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
    };
    match kind {
        "L" | "NX_CELL_LEFT" => node_value(&pivot.left, pivot.left.node_at(row, col)),
        "T" | "NX_CELL_TOP" => node_value(&pivot.top, pivot.top.node_at(col, row)),
        _ => {
            let mut v = leaf_values(pivot.left.leaf(row));
            v.extend(leaf_values(pivot.top.leaf(col)));
            v
        }
    }
}
