//! The cube methods of particular charts: `GetHyperCubeTreeData` (tree cubes: org charts, treemaps),
//! `GetHyperCubeBinnedData` (scatter plots of many points) and `GetHyperCubeContinuousData` (line
//! charts on a continuous axis). Each parses its request, computes the cube of the definition at
//! `qPath` (default `/qHyperCubeDef`) in its selection state, and answers the view's rendering.

use super::{cube_params, def_at, state_name};
use crate::api::Ctx;
use crate::view::binned::{self, BinRequest};
use crate::view::continuous::{self, ContinuousRequest};
use crate::view::render::Cells;
use crate::view::tree::{self, Tree, TreeOptions};
use crate::view::View;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// An engine failure as the call's error.
fn failed(e: String) -> RpcError {
    RpcError::new(ErrorCode::InvalidParams, e)
}

/// Whether the cube's calculation condition is unmet (then it has no data, as in its layout).
fn not_calculated(view: &View<'_>, def: &Map<String, Value>) -> bool {
    crate::view::eval::unmet_condition(view, &crate::view::defs::CubeDef::parse(def)).is_some()
}

/// `GetHyperCubeTreeData(qPath, qNodeOptions)`: `qNodes`, the root with the nodes asked for.
pub fn tree_data(ctx: &mut Ctx<'_>, id: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let params = cube_params(p);
    let def = def_at(ctx, id, &params)?;
    let state = state_name(ctx, id, &def)?;
    let opts = TreeOptions::parse(p.get("qNodeOptions"));
    let env = ctx.env;
    let view = View::of(env, ctx.doc()?).in_state(Some(&state));
    if not_calculated(&view, &def) {
        return Ok(json!({"qNodes": []}));
    }
    let parsed = crate::view::pivot_layout::parsed(&view, &def, crate::view::pivotdef::Mode::Tree);
    let levels = tree::compute(&view, &parsed).map_err(failed)?;
    let built = Tree::build(&levels);
    env.limits
        .check_cells(tree::returned(&built, &opts) as u64)?;
    let cells = Cells {
        def: &parsed,
        model: view.model(),
    };
    Ok(json!({"qNodes": tree::render(&built, cells, &opts)}))
}

/// `GetHyperCubeBinnedData(qPath, qPages, qViewport, qDataRanges, qMaxNbrCells, qQueryLevel,
/// qBinningMethod)`: a grid of cells with counts, or the points when few enough. Its `qPages` name the
/// whole cube (sn-scatter-plot asks for `qcx × qcy`), so they are not held to the page limit: the answer
/// is bounded by [`BinRequest::parse`]'s cap instead.
pub fn binned_data(ctx: &mut Ctx<'_>, id: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let params = cube_params(p);
    let def = def_at(ctx, id, &params)?;
    let state = state_name(ctx, id, &def)?;
    let cap = usize::try_from(ctx.env.limits.max_page_cells).unwrap_or(usize::MAX);
    let req = BinRequest::parse(p, cap);
    let env = ctx.env;
    let view = View::of(env, ctx.doc()?).in_state(Some(&state));
    if not_calculated(&view, &def) {
        return Ok(json!({"qDataPages": []}));
    }
    let (parsed, cube) = crate::view::layout::cube(&view, &def).map_err(failed)?;
    let cells = Cells {
        def: &parsed,
        model: view.model(),
    };
    let result = binned::bin(&cube, &req);
    Ok(json!({"qDataPages": binned::render(&cube, cells, &req, &result)}))
}

/// `GetHyperCubeContinuousData(qPath, qOptions, qReverseSort)`: the rows in the range, reduced, and the
/// axis' ticks.
pub fn continuous_data(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let params = cube_params(p);
    let def = def_at(ctx, id, &params)?;
    let state = state_name(ctx, id, &def)?;
    let req = ContinuousRequest::parse(p);
    let env = ctx.env;
    let view = View::of(env, ctx.doc()?).in_state(Some(&state));
    if not_calculated(&view, &def) {
        return Ok(json!({"qDataPages": [], "qAxisData": {"qAxis": []}}));
    }
    let (parsed, cube) = crate::view::layout::cube(&view, &def).map_err(failed)?;
    let cells = Cells {
        def: &parsed,
        model: view.model(),
    };
    let kept = continuous::reduce(&cube, &req);
    let width = parsed.width() as u64;
    env.limits
        .check_cells((kept.len() as u64).saturating_mul(width))?;
    // The first dimension's tags, worked out once per field.
    let first = parsed.dimensions.first();
    let tags = first
        .and_then(|d| view.model().field_id(&d.field))
        .map(|f| crate::view::fields::tags_of(view.data, f, None))
        .unwrap_or_default();
    Ok(continuous::render(&cube, cells, &req, &kept, &tags))
}
