//! Range selections in a cube: `RangeSelectHyperCubeValues` / `MultiRangeSelectHyperCubeValues` (rows
//! whose measures fall in ranges select their dimension values: a scatter plot's axis brush or lasso),
//! `SelectHyperCubeContinuousRange` (dimension values in numeric ranges: a continuous axis' brush) and
//! `MultiRangeSelectTreeDataValues` (a tree level's nodes whose measures fall in ranges). Each answers
//! `qSuccess`: whether the selections changed.

use super::{cube_params, def_at, select_picks, state_name};
use crate::api::Ctx;
use crate::view::defs::CubeDef;
use crate::view::ranges::{rows_in, rows_in_dimension, MeasureRange, Range};
use crate::view::View;
use qix_engine::{DataModel, HyperCube};
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// Per field, the values the rows `rows` of `cube` have in the dimension columns `cols` (none: every
/// dimension, as Qlik documents an empty `qColumnsToSelect`; NULLs left out; a calculated dimension's
/// values select what produces them).
fn picks_of(
    cube: &HyperCube,
    def: &CubeDef,
    model: &DataModel,
    rows: &[usize],
    cols: &[usize],
) -> Vec<(String, Vec<u32>)> {
    let mut out = Vec::new();
    let all: Vec<usize> = (0..def.dimensions.len()).collect();
    let cols = if cols.is_empty() { &all } else { cols };
    for &d in cols.iter().filter(|d| **d < def.dimensions.len()) {
        let ids: Vec<u32> = rows
            .iter()
            .filter_map(|&r| cube.rows[r].dims[d].symbol)
            .collect();
        let field = &def.dimensions[d].field;
        out.extend(crate::view::select::dimension_picks(
            cube, field, model, d, ids,
        ));
    }
    out
}

/// Picks made on the cube of the definition at `qPath`, selected in its state.
fn select_on_cube(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
    pick: impl FnOnce(&HyperCube, &CubeDef, &DataModel) -> Vec<(String, Vec<u32>)>,
) -> Result<Value, RpcError> {
    let def = def_at(ctx, id, &cube_params(p))?;
    let state = state_name(ctx, id, &def)?;
    let deselect_one = p
        .get("qDeselectOnlyOneSelected")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let picks = {
        let env = ctx.env;
        let view = View::of(env, ctx.doc()?).in_state(Some(&state));
        let (parsed, cube) = crate::view::layout::cube(&view, &def)
            .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
        pick(&cube, &parsed, view.model())
    };
    let changed = select_picks(ctx, &state, merge(picks), deselect_one)?;
    Ok(json!({"qSuccess": changed}))
}

/// Picks of the same field joined into one.
fn merge(picks: Vec<(String, Vec<u32>)>) -> Vec<(String, Vec<u32>)> {
    let mut out: Vec<(String, Vec<u32>)> = Vec::new();
    for (field, ids) in picks {
        match out.iter_mut().find(|(f, _)| *f == field) {
            Some((_, all)) => all.extend(ids),
            None => out.push((field, ids)),
        }
    }
    out
}

/// The dimension columns to select (`qColumnsToSelect`; none given: every dimension, see [`picks_of`]).
fn columns(v: Option<&Value>) -> Vec<usize> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .map(|c| usize::try_from(c).unwrap_or(usize::MAX))
        .collect()
}

/// `RangeSelectHyperCubeValues(qPath, qRanges, qColumnsToSelect, qOrMode, qDeselectOnlyOneSelected)`.
pub fn range_select(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let ranges = MeasureRange::parse_all(p.get("qRanges"));
    let sets = vec![(ranges, columns(p.get("qColumnsToSelect")))];
    select_range_sets(ctx, id, p, &sets)
}

/// `MultiRangeSelectHyperCubeValues(qPath, qRanges, qOrMode, qDeselectOnlyOneSelected)`: each
/// `NxMultiRangeSelectInfo` as a `RangeSelectHyperCubeValues`, their picks together.
pub fn multi_range_select(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let items = ranges_param(p);
    let sets: Vec<(Vec<MeasureRange>, Vec<usize>)> = items
        .iter()
        .map(|i| {
            let ranges = MeasureRange::parse_all(i.get("qRanges"));
            (ranges, columns(i.get("qColumnsToSelect")))
        })
        .collect();
    select_range_sets(ctx, id, p, &sets)
}

/// Selects, per set of measure ranges, the values of its columns on the rows in the ranges (all of them,
/// or with `qOrMode` any), the picks of every set together.
fn select_range_sets(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
    sets: &[(Vec<MeasureRange>, Vec<usize>)],
) -> Result<Value, RpcError> {
    let or = p.get("qOrMode").and_then(Value::as_bool).unwrap_or(false);
    select_on_cube(ctx, id, p, |cube, def, model| {
        let each = sets.iter();
        each.flat_map(|(r, cols)| picks_of(cube, def, model, &rows_in(cube, r, or), cols))
            .collect()
    })
}

/// `SelectHyperCubeContinuousRange(qPath, qRanges, qSoftLock)`: per `NxContinuousRangeSelectInfo`, the
/// values of dimension `qDimIx` whose numbers are in its range.
pub fn continuous_range(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let items = ranges_param(p);
    let by_dim = grouped(items.iter().filter_map(|i| {
        let dim = i.get("qDimIx").and_then(Value::as_u64).unwrap_or(0) as usize;
        Some((dim, vec![i.get("qRange").and_then(Range::parse)?]))
    }));
    select_on_cube(ctx, id, p, |cube, def, model| {
        let each = by_dim.iter();
        each.flat_map(|(d, rs)| picks_of(cube, def, model, &rows_in_dimension(cube, *d, rs), &[*d]))
            .collect()
    })
}

/// `MultiRangeSelectTreeDataValues(qPath, qRanges, qOrMode, qDeselectOnlyOneSelected)`: per
/// `NxTreeRangeSelectInfo`, the nodes of level `qDimensionIx` whose measure `qMeasureIx` is in the range
/// select their values (ranges on one level: in all of them, or with `qOrMode` in any).
pub fn tree_range_select(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let items = ranges_param(p);
    let or = p.get("qOrMode").and_then(Value::as_bool).unwrap_or(false);
    let by_level = grouped(items.iter().map(|i| {
        let level = i.get("qDimensionIx").and_then(Value::as_u64).unwrap_or(0) as usize;
        (level, MeasureRange::parse_all(Some(&json!([i]))))
    }));
    let def = def_at(ctx, id, &cube_params(p))?;
    let state = state_name(ctx, id, &def)?;
    let deselect_one = p
        .get("qDeselectOnlyOneSelected")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let picks = {
        let env = ctx.env;
        let view = View::of(env, ctx.doc()?).in_state(Some(&state));
        let mode = crate::view::pivotdef::Mode::Tree;
        let parsed = crate::view::pivot_layout::parsed(&view, &def, mode);
        let levels = crate::view::tree::compute(&view, &parsed)
            .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
        let mut picks = Vec::new();
        for (level, ranges) in &by_level {
            let Some(cube) = levels.get(*level) else {
                continue;
            };
            let rows = rows_in(cube, ranges, or);
            picks.extend(picks_of(cube, &parsed, view.model(), &rows, &[*level]));
        }
        picks
    };
    let changed = select_picks(ctx, &state, merge(picks), deselect_one)?;
    Ok(json!({"qSuccess": changed}))
}

/// The `qRanges` array of a call's parameters (none when absent or not an array).
fn ranges_param(p: &Map<String, Value>) -> Vec<Value> {
    p.get("qRanges")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `(index, items)` pairs merged by index, in the order the indexes first come.
fn grouped<T>(pairs: impl Iterator<Item = (usize, Vec<T>)>) -> Vec<(usize, Vec<T>)> {
    let mut out: Vec<(usize, Vec<T>)> = Vec::new();
    for (at, items) in pairs {
        match out.iter_mut().find(|(i, _)| *i == at) {
            Some((_, all)) => all.extend(items),
            None => out.push((at, items)),
        }
    }
    out
}
