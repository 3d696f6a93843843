//! Mini charts of measures (`qMiniChartDef` with a field in `qDef`): for each row of the cube, the
//! measure over the values of that field within the row — computed as a second cube of the same
//! dimensions plus the mini chart's field. Laid out as `qMiniChart` in the measure's info (`qYMin`,
//! `qYMax`, `qXMin`, `qXMax`, `qAttrExprInfo`) and in each of its cells (`qMatrix` of `[x, y]` cells,
//! `qMin`, `qMax`); a field that does not exist is the info's `qError`, and the cells have none.

use super::defs::{CubeDef, Page};
use super::render::{dim_cell, num_json};
use super::View;
use qix_engine::{DimensionDef, HyperCube, HyperCubeDef, MeasureDef};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The dimension symbols of a cube row: what a mini chart's points are grouped by.
type RowKey = Vec<Option<u32>>;

/// One measure's mini chart: each row's points, and the ranges of all of them.
pub struct MiniChart {
    /// `[x, y]` cells per row of the main cube, in the mini field's load order.
    points: HashMap<RowKey, Vec<Value>>,
    /// (min, max) of the measure over every point.
    y: (Option<f64>, Option<f64>),
    /// The most points of a row.
    widest: usize,
}

/// The mini charts of a cube's measures (`None`: no mini chart; `Err`: its field cannot be computed).
pub fn compute(view: &View<'_>, def: &CubeDef) -> Vec<Option<Result<MiniChart, String>>> {
    def.measures
        .iter()
        .map(|m| {
            let field = m.mini_chart.as_deref()?;
            Some(one(view, def, &m.expr, field, m.mini_chart_points))
        })
        .collect()
}

/// The mini chart of `expr` over `field` within each row of `def`'s dimensions, at most `limit` points
/// a row (when given).
fn one(
    view: &View<'_>,
    def: &CubeDef,
    expr: &str,
    field: &str,
    limit: Option<usize>,
) -> Result<MiniChart, String> {
    let unsorted = |field: &str| DimensionDef {
        field: field.to_string(),
        sort: Default::default(),
    };
    let mut dimensions: Vec<DimensionDef> =
        def.dimensions.iter().map(|d| unsorted(&d.field)).collect();
    dimensions.push(unsorted(field));
    let cube_def = HyperCubeDef {
        dimensions,
        measures: vec![MeasureDef {
            expr: expr.to_string(),
            sort: Default::default(),
        }],
        ..Default::default()
    };
    let cube = view
        .env
        .cache
        .hypercube_with(
            view.model(),
            view.state,
            &cube_def,
            &super::sets::ViewSets(view),
        )
        .map_err(|e| e.to_string())?;
    Ok(group(&cube, def.dimensions.len(), limit))
}

/// The sub-cube's rows grouped by the main cube's dimensions.
fn group(cube: &HyperCube, ndims: usize, limit: Option<usize>) -> MiniChart {
    let mut points: HashMap<RowKey, Vec<Value>> = HashMap::new();
    let (mut lo, mut hi) = (None::<f64>, None::<f64>);
    for r in &cube.rows {
        let key: RowKey = r.dims[..ndims].iter().map(|d| d.symbol).collect();
        let row = points.entry(key).or_default();
        if limit.is_some_and(|l| row.len() >= l) {
            continue;
        }
        let v = &r.measures[0];
        if let Some(n) = v.num().filter(|n| n.is_finite()) {
            lo = Some(lo.map_or(n, |x| x.min(n)));
            hi = Some(hi.map_or(n, |x| x.max(n)));
        }
        let mut x = dim_cell(&r.dims[ndims]);
        strip_state(&mut x);
        let y = json!({"qText": v.text().unwrap_or_else(|| "-".into()), "qNum": num_json(v.num()), "qElemNumber": 0});
        row.push(json!([x, y]));
    }
    let widest = points.values().map(Vec::len).max().unwrap_or(0);
    MiniChart {
        points,
        y: (lo, hi),
        widest,
    }
}

/// A mini chart cell has no `qState`.
fn strip_state(cell: &mut Value) {
    if let Value::Object(m) = cell {
        m.remove("qState");
    }
}

/// Adds `qMiniChart` to the measure infos and the cells of the initial pages of a laid-out `qHyperCube`.
pub fn add_to_layout(
    hc: &mut Value,
    def: &CubeDef,
    cube: &HyperCube,
    charts: &[Option<Result<MiniChart, String>>],
) {
    for (i, chart) in charts.iter().enumerate() {
        let Some(info) = hc.pointer_mut(&format!("/qMeasureInfo/{i}")) else {
            continue;
        };
        info["qMiniChart"] = match chart {
            Some(Ok(c)) => json!({"qYMin": num_json(c.y.0), "qYMax": num_json(c.y.1), "qXMin": 0,
                                  "qXMax": c.widest.saturating_sub(1), "qAttrExprInfo": []}),
            Some(Err(e)) => {
                json!({"qAttrExprInfo": [], "qError": {"qErrorCode": 7005, "qContext": e}})
            }
            None => continue,
        };
    }
    if let Some(Value::Array(pages)) = hc.get_mut("qDataPages") {
        for (page, area) in pages.iter_mut().zip(&def.initial_fetch) {
            add_to_page(page, area, def, cube, charts);
        }
    }
}

/// Adds `qMiniChart` to the measure cells of a rendered data page.
pub fn add_to_page(
    page: &mut Value,
    area: &Page,
    def: &CubeDef,
    cube: &HyperCube,
    charts: &[Option<Result<MiniChart, String>>],
) {
    let ndims = def.dimensions.len();
    let Some(Value::Array(rows)) = page.get_mut("qMatrix") else {
        return;
    };
    for (cells, row) in rows.iter_mut().zip(cube.rows.iter().skip(area.top)) {
        let key: RowKey = row.dims.iter().map(|d| d.symbol).collect();
        let Value::Array(cells) = cells else { continue };
        for (j, cell) in cells.iter_mut().enumerate() {
            let column = area.left + j;
            let chart = column
                .checked_sub(ndims)
                .and_then(|m| charts.get(m))
                .and_then(|c| c.as_ref())
                .and_then(|c| c.as_ref().ok());
            if let Some(c) = chart {
                let points = c.points.get(&key).cloned().unwrap_or_default();
                cell["qMiniChart"] =
                    json!({"qMatrix": points, "qMin": num_json(c.y.0), "qMax": num_json(c.y.1)});
            }
        }
    }
}
