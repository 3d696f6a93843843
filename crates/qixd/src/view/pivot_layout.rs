//! Pivot and stacked cubes of a view: the engine's [`Pivot`] built for a definition with a session's
//! [`Expansion`], every sub-cube through the shared cache; what the layout adds for `qMode` `P` / `K`
//! (`qPivotDataPages` / `qStackedDataPages`, `qSize` in pivot mode, `qNoOfLeftDims`, the effective order
//! with `-1`); the pages `GetHyperCubePivotData` / `GetHyperCubeStackData` answer; and the node an
//! `ExpandLeft` / `CollapseTop` (row, column) names.

use super::defs::{CubeDef, Page};
use super::eval::evaluate_in;
use super::library::resolve_library;
use super::pivotdef::Mode;
use super::render::Cells;
use super::{pivot, stack, View};
use qix_engine::hypercube::pivot::{Expansion, Level, NodeKey, Pivot, PivotSpec};
use qix_engine::hypercube::CubeError;
use qix_engine::{HyperCube, HyperCubeDef};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The engine's cube of a definition in `view`, through the shared cache.
fn cached<'v>(
    view: &'v View<'_>,
) -> impl FnMut(&HyperCubeDef) -> Result<Arc<HyperCube>, CubeError> + 'v {
    move |d| {
        let sets = super::sets::ViewSets(view);
        view.env
            .cache
            .hypercube_with(view.model(), view.state, d, &sets)
    }
}

/// What a stacked cube lays out: every dimension on the left in the effective order, fully expanded.
fn stack_spec(def: &CubeDef) -> PivotSpec {
    let dims = def
        .pivot
        .order
        .iter()
        .filter_map(|i| usize::try_from(*i).ok());
    PivotSpec {
        left: dims.map(Level::Dim).collect(),
        fully_expanded: true,
        ..Default::default()
    }
}

/// The definition at a path (master items and groups in place), parsed and laid out in `mode`, whatever
/// its own `qMode` (the pivot and stacked data methods answer in their shape).
pub fn parsed(view: &View<'_>, def: &Map<String, Value>, mode: Mode) -> CubeDef {
    let mut def = CubeDef::parse(&resolve_library(view, def));
    def.pivot.mode = mode;
    def
}

/// The pivot (or stacked) layout of `def` with the session's `expansion` (`None`: untouched).
pub fn build(
    view: &View<'_>,
    def: &CubeDef,
    expansion: Option<&Expansion>,
) -> Result<Pivot, String> {
    let expansion = crate::doc::shown_expansion(expansion, &def.pivot.initial);
    let engine = def.engine_with(&|e| evaluate_in(view, e).ok());
    let spec = match def.pivot.mode {
        Mode::Stacked => stack_spec(def),
        _ => def.pivot.spec.clone(),
    };
    let mut cube = cached(view);
    Pivot::build(&engine, &spec, expansion, &mut cube).map_err(|e| e.to_string())
}

/// Pages of a built pivot or stacked cube, in its mode's shape.
fn pages_of(
    view: &View<'_>,
    def: &CubeDef,
    p: &mut Pivot,
    pages: &[Page],
    max_cells: usize,
) -> Vec<Value> {
    let cells = Cells {
        def,
        model: view.model(),
    };
    let mut cube = cached(view);
    pages
        .iter()
        .map(|page| match def.pivot.mode {
            Mode::Stacked => stack::page(p, cells, page, max_cells, &mut cube),
            _ => pivot::page(p, cells, page, &mut cube),
        })
        .collect()
}

/// Lays out the pivot or stacked parts of a computed cube's layout `hc` (already rendered in straight
/// mode): `pages_ok` says whether the initial fetch may be rendered.
pub fn add_to_layout(
    view: &View<'_>,
    def: &CubeDef,
    expansion: Option<&Expansion>,
    hc: &mut Map<String, Value>,
    pages_ok: bool,
) {
    let mode = def.pivot.mode;
    hc.insert("qMode".into(), json!(mode.letter()));
    hc.insert("qDataPages".into(), json!([]));
    let mut p = match build(view, def, expansion) {
        Ok(p) => p,
        Err(e) => {
            hc.insert("qError".into(), json!({"qErrorCode": 7005, "qContext": e}));
            return;
        }
    };
    let initial = match pages_ok {
        true => def.initial_fetch.as_slice(),
        false => &[],
    };
    let max = def.pivot.max_stacked_cells;
    let pages = pages_of(view, def, &mut p, initial, max);
    if mode == Mode::Stacked {
        hc.insert("qStackedDataPages".into(), json!(pages));
        return;
    }
    hc.insert("qPivotDataPages".into(), json!(pages));
    hc.insert("qSize".into(), json!({"qcx": p.width(), "qcy": p.height()}));
    hc.insert("qNoOfLeftDims".into(), json!(def.pivot.left));
    hc.insert(
        "qEffectiveInterColumnSortOrder".into(),
        json!(def.pivot.order),
    );
    hc.insert("qIndentMode".into(), json!(def.pivot.indent));
}

/// `GetHyperCubePivotData` / `GetHyperCubeStackData`: pages of the definition at a path, laid out as the
/// method asks (`stacked`: stacked pages, bounded by `max_cells`; else pivot pages), whatever its mode.
pub fn data_pages(
    view: &View<'_>,
    def: &Map<String, Value>,
    expansion: Option<&Expansion>,
    pages: &[Page],
    stacked: bool,
    max_cells: usize,
) -> Result<Vec<Value>, String> {
    let def = parsed(view, def, if stacked { Mode::Stacked } else { Mode::Pivot });
    if super::eval::unmet_condition(view, &def).is_some() {
        // Not calculated: no data, as in the layout.
        return Ok(Vec::new());
    }
    let mut p = build(view, &def, expansion)?;
    Ok(pages_of(view, &def, &mut p, pages, max_cells))
}

/// The path of the node an expand / collapse names: on the left axis the node at left level `level`
/// spanning data row `leaf`, on the top the node at top level `level` spanning data column `leaf`.
/// `Ok(None)`: no such node.
pub fn node_path(
    view: &View<'_>,
    def: &Map<String, Value>,
    expansion: Option<&Expansion>,
    left: bool,
    leaf: usize,
    level: usize,
) -> Result<Option<Vec<NodeKey>>, String> {
    let p = build(view, &parsed(view, def, Mode::Pivot), expansion)?;
    let axis = if left { &p.left } else { &p.top };
    Ok(axis.node_at(leaf, level).map(|n| axis.path(n)))
}
