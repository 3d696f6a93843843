//! The renderer: the engine's results (a computed [`HyperCube`], list rows) and the typed definitions they
//! came from, turned into the real engine's JSON shapes — `qHyperCube` with `qSize`, `qDimensionInfo`,
//! `qMeasureInfo`, `qGrandTotalRow` and `qDataPages`; `qListObject`; data pages. Nothing here computes or
//! reads properties: it only writes JSON, so each shape is tested here without a socket or a model.

use super::attrs;
use super::cell::Cell;
use super::defs::{Attributes, CubeDef, CubeDimension, CubeMeasure, ListDef, Page};
use crate::view::pointer::at;
use qix_engine::hypercube::{DimCell, DimInfo, StateCounts};
use qix_engine::{CubeRow, DataModel, HyperCube, ListRow};
use serde_json::{json, Map, Value};

/// A number as the engine writes it: finite numbers as numbers, anything else as the string `"NaN"`.
pub fn num_json(n: Option<f64>) -> Value {
    n.filter(|x| x.is_finite())
        .map_or(json!("NaN"), |x| json!(x))
}

/// A JSON object of these entries in this order, each value taken as it is: `json!` copies every value it
/// is given by name (a page of thousands of cells was copied whole), and grows the map key by key.
pub fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in entries {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// A measure cell (`qState` `L`; a NULL is `-` with `qIsNull`).
pub fn measure_cell(v: &qix_expr::Value) -> Value {
    Cell::measure(v, None).to_value()
}

/// A dimension cell (a NULL is `-`, element -2, state `O`; an Others cell element -3).
pub fn dim_cell(d: &DimCell) -> Value {
    Cell::dim(d).to_value()
}

/// What a cube's cells are rendered with besides the cube: its definition (number formats, attributes)
/// and the model (the script's number settings, the attribute dimensions' fields).
#[derive(Clone, Copy)]
pub struct Cells<'a> {
    /// The definition the cube was computed from.
    pub def: &'a CubeDef,
    /// The model it was computed over.
    pub model: &'a DataModel,
}

impl Cells<'_> {
    /// A measure cell in measure `m`'s number format.
    pub fn measure(&self, m: usize, v: &qix_expr::Value) -> Value {
        self.measure_facts(m, v).to_value()
    }

    /// What cell `c` of row `r` says (dimensions first, then measures), attributes aside.
    pub fn cell<'r>(&self, r: &'r CubeRow, c: usize) -> Cell<'r> {
        let ndims = self.def.dimensions.len();
        match c < ndims {
            true => Cell::dim(&r.dims[c]),
            false => self.measure_facts(c - ndims, &r.measures[c - ndims]),
        }
    }

    /// The columns of `cube`'s pages: its dimensions, then its measures.
    pub fn columns(&self, cube: &HyperCube) -> usize {
        self.def.dimensions.len() + cube.totals.len()
    }

    /// Whether any column has attribute expressions or dimensions (`qAttrExps`, `qAttrDims`).
    pub fn any_attributes(&self) -> bool {
        self.def.column_attrs().any(|a| !a.is_empty())
    }

    /// What a measure cell of measure `m` says, in its number format.
    pub fn measure_facts(&self, m: usize, v: &qix_expr::Value) -> Cell<'static> {
        let format = self.def.measures.get(m).and_then(|m| m.num_format.as_ref());
        let formatted = format.and_then(|f| f.text(v, &self.model.locale));
        Cell::measure(v, formatted)
    }
}

/// The cells a page asks for, clipped to what there is: `(left, top, width, height)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    /// First column.
    pub left: usize,
    /// First row.
    pub top: usize,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
}

impl Area {
    /// `page` clipped to a matrix of `columns` × `rows`.
    pub fn clip(page: &Page, columns: usize, rows: usize) -> Area {
        let left = page.left.min(columns);
        let top = page.top.min(rows);
        Area {
            left,
            top,
            width: page.width.min(columns - left),
            height: page.height.min(rows - top),
        }
    }

    /// `qArea`.
    pub fn to_value(self) -> Value {
        json!({"qLeft": self.left, "qTop": self.top, "qWidth": self.width, "qHeight": self.height})
    }
}

/// One page of a computed cube: the rows and columns asked for, clipped to the cube.
pub fn cube_page(cube: &HyperCube, cells: Cells<'_>, page: &Page) -> Value {
    let area = Area::clip(page, cells.columns(cube), cube.rows.len());
    let column_attrs: Vec<&Attributes> = cells.def.column_attrs().collect();
    let offsets = attrs::offsets(cells.def);
    let cell = |r: &CubeRow, c: usize| {
        let mut out = cells.cell(r, c).to_value();
        if let (Some(a), Some(&at)) = (column_attrs.get(c), offsets.get(c)) {
            let values = r.attrs.get(at..at + a.len()).unwrap_or(&[]);
            attrs::add_to_cell(&mut out, a, values, cells.model);
        }
        out
    };
    let columns = area.left..area.left + area.width;
    let matrix: Vec<Value> = cube.rows[area.top..area.top + area.height]
        .iter()
        .map(|r| Value::Array(columns.clone().map(|c| cell(r, c)).collect()))
        .collect();
    object([
        ("qMatrix", Value::Array(matrix)),
        ("qTails", json!([{"qUp": 0, "qDown": 0}])),
        ("qArea", area.to_value()),
    ])
}

/// `qStateCounts`.
pub fn state_counts(c: &StateCounts) -> Value {
    serde_json::to_value(super::dim_info::Counts::of(c)).unwrap_or(Value::Null)
}

/// Counts the states of a list's rows (`qStateCounts` of a list object).
pub fn count_states(rows: &[ListRow]) -> StateCounts {
    StateCounts::of(rows.iter().map(|r| r.state))
}

/// A dimension's `qDimensionInfo` entry: its field's facts (`info`, from the engine), its tags, and the
/// cube's row count.
pub fn dim_info(dim: &CubeDimension, info: &DimInfo, tags: &[String], rows: usize) -> Value {
    super::dim_info::Info::new(dim, info, tags, rows).to_value()
}

/// A cube's `qDimensionInfo` entries written as text (see [`super::dim_info`]); `None` when a dimension
/// has attributes, whose infos are added to the entry as values.
pub fn dim_info_texts(
    cube: &HyperCube,
    cells: Cells<'_>,
    tags: &[Vec<String>],
) -> Option<Vec<String>> {
    let (def, rows) = (cells.def, cube.rows.len());
    if def.dimensions.iter().any(|d| !d.attrs.is_empty()) {
        return None;
    }
    let dims = def.dimensions.iter().zip(&cube.dim_info).enumerate();
    let text = |(i, (d, info))| {
        let tags = tags.get(i).map_or(&[][..], Vec::as_slice);
        super::dim_info::Info::new(d, info, tags, rows).to_text()
    };
    Some(dims.map(text).collect())
}

/// The number format the engine picks for a measure without one: integers for counts (as the real engine
/// reports for `Count(...)`), else unformatted.
fn auto_number_format(expr: &str) -> Value {
    let e = expr
        .trim_start_matches('=')
        .trim_start()
        .to_ascii_lowercase();
    if e.starts_with("count(") || e.starts_with("count (") {
        json!({"qType": "I", "qnDec": 0, "qUseThou": 1, "qFmt": "###0", "qDec": "."})
    } else {
        json!({"qType": "U", "qnDec": 0, "qUseThou": 0})
    }
}

/// A measure's `qMeasureInfo` entry, with the (min, max) of its values in the cube.
pub fn measure_info(m: &CubeMeasure, (lo, hi): (f64, f64), error: Option<&str>) -> Value {
    let label = m.label.as_deref().unwrap_or(&m.expr);
    // A format of any type but U (unknown) is the measure's own; U lets the engine pick one.
    let given = m.num_format_json.clone().filter(|f| {
        f.get("qType")
            .and_then(Value::as_str)
            .is_some_and(|t| t != "U" && t != "UNKNOWN")
    });
    let auto = given.is_none();
    let format = given.unwrap_or_else(|| auto_number_format(&m.expr));
    let mut info = json!({"qFallbackTitle": label, "qApprMaxGlyphCount": 1, "qCardinal": 0, "qSortIndicator": m.sort_indicator,
           "qNumFormat": format, "qMin": num_json(Some(lo)), "qMax": num_json(Some(hi)),
           "qIsAutoFormat": auto, "qAttrExprInfo": [], "qAttrDimInfo": [], "qTrendLines": []});
    if let Some(e) = error {
        // The column's own error; the other columns are computed.
        info["qError"] = json!({"qErrorCode": 7005, "qContext": e});
    }
    info
}

/// `qGrandTotalRow`: one cell per measure (in its number format), element -1, state `X`. A measure with
/// `qBrutalSum` totals the sum of its rows' values.
pub fn grand_total_row(cube: &HyperCube, cells: Cells<'_>) -> Value {
    let brutal = |i: usize| cells.def.measures.get(i).is_some_and(|m| m.brutal_sum);
    cube.totals
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let sum = |i: usize| {
                let nums = cube.rows.iter().filter_map(|r| r.measures.get(i)?.num());
                qix_expr::Value::Num(nums.sum())
            };
            let v = if brutal(i) { sum(i) } else { v.clone() };
            let mut c = cells.measure(i, &v);
            c["qElemNumber"] = json!(-1);
            c["qState"] = json!("X");
            c["qIsTotalCell"] = json!(true);
            c
        })
        .collect()
}

/// Adds a column's `qAttrExprInfo` and `qAttrDimInfo` to its info.
fn with_attr_infos(
    mut info: Value,
    a: &Attributes,
    cube: &HyperCube,
    at: usize,
    model: &DataModel,
) -> Value {
    info["qAttrExprInfo"] = attrs::expr_infos(a, cube, at);
    info["qAttrDimInfo"] = attrs::dim_infos(a, model, cube.rows.len());
    info
}

/// `qDimensionInfo`: each dimension's info with its attributes'.
fn dim_infos(cube: &HyperCube, cells: Cells<'_>, tags: &[Vec<String>]) -> Value {
    let (def, rows) = (cells.def, cube.rows.len());
    let offsets = attrs::offsets(def);
    let dims = def.dimensions.iter().zip(&cube.dim_info).enumerate();
    dims.map(|(i, (d, info))| {
        let out = dim_info(d, info, tags.get(i).map_or(&[], Vec::as_slice), rows);
        with_attr_infos(out, &d.attrs, cube, offsets[i], cells.model)
    })
    .collect()
}

/// `qMeasureInfo`: each measure's info (range, format, error) with its attributes'.
fn measure_infos(cube: &HyperCube, cells: Cells<'_>) -> Value {
    let def = cells.def;
    let offsets = attrs::offsets(def);
    let error = |i: usize| cube.measure_errors.get(i).and_then(|e| e.as_deref());
    let measures = def.measures.iter().zip(&cube.measure_range).enumerate();
    measures
        .map(|(i, (m, r))| {
            let at = offsets[def.dimensions.len() + i];
            with_attr_infos(
                measure_info(m, *r, error(i)),
                &m.attrs,
                cube,
                at,
                cells.model,
            )
        })
        .collect()
}

/// What the layout of a cube is made from besides its definition.
pub enum CubeResult<'a> {
    /// The engine computed it; `tags` are each dimension's field tags; `pages` is the initial fetch, or
    /// the error that refused it (too many cells).
    Computed {
        /// The cube.
        cube: &'a HyperCube,
        /// The model it was computed over.
        model: &'a DataModel,
        /// Field tags per dimension.
        tags: &'a [Vec<String>],
        /// Whether the initial data fetch may be rendered: `Err((code, context))` when not.
        pages: Result<(), (i64, String)>,
        /// The caller writes the initial data fetch as text ([`super::page_text`]): each page is `null`.
        pages_written: bool,
        /// The caller writes the `qDimensionInfo` entries as text ([`dim_info_texts`]): each is `null`.
        infos_written: bool,
    },
    /// The engine could not compute it (the text says why).
    Failed(String),
    /// Its calculation condition does not hold: the message to show (error 7005,
    /// LOCERR_CALC_EVAL_CONDITION_FAILED).
    Condition(String),
}

/// A `qHyperCube`, in the real engine's shape (the modes and pivot parts that qixd does not compute yet
/// are present and empty).
pub fn hypercube(def: &CubeDef, result: CubeResult<'_>) -> Value {
    let mut out: Map<String, Value> = def.custom.clone();
    let result_others = match &result {
        CubeResult::Computed { cube, .. } => {
            Some(cube.rows.iter().any(|r| r.dims.iter().any(|c| c.other)))
        }
        _ => None,
    };
    match result {
        CubeResult::Computed {
            cube,
            model,
            tags,
            pages,
            pages_written,
            infos_written,
        } => {
            let cells = Cells { def, model };
            out.insert(
                "qSize".into(),
                json!({"qcx": def.width(), "qcy": cube.rows.len()}),
            );
            let infos = match infos_written {
                true => Value::Array(vec![Value::Null; def.dimensions.len()]),
                false => dim_infos(cube, cells, tags),
            };
            out.insert("qDimensionInfo".into(), infos);
            out.insert("qMeasureInfo".into(), measure_infos(cube, cells));
            out.insert(
                "qEffectiveInterColumnSortOrder".into(),
                json!(def.effective_sort_order()),
            );
            out.insert("qGrandTotalRow".into(), grand_total_row(cube, cells));
            match pages {
                Ok(()) if pages_written => {
                    let pages = vec![Value::Null; def.initial_fetch.len()];
                    out.insert("qDataPages".into(), Value::Array(pages));
                }
                Ok(()) => {
                    let pages = def.initial_fetch.iter().map(|p| cube_page(cube, cells, p));
                    out.insert("qDataPages".into(), pages.collect());
                }
                Err((code, context)) => {
                    out.insert("qDataPages".into(), json!([]));
                    out.insert(
                        "qError".into(),
                        json!({"qErrorCode": code, "qContext": context}),
                    );
                }
            }
        }
        CubeResult::Failed(e) => {
            out.insert("qSize".into(), json!({"qcx": def.width(), "qcy": 0}));
            out.insert("qDimensionInfo".into(), json!([]));
            out.insert("qMeasureInfo".into(), json!([]));
            out.insert("qDataPages".into(), json!([]));
            out.insert("qError".into(), json!({"qErrorCode": 7005, "qContext": e}));
        }
        CubeResult::Condition(msg) => {
            out.insert("qSize".into(), json!({"qcx": def.width(), "qcy": 0}));
            out.insert("qDimensionInfo".into(), json!([]));
            out.insert("qMeasureInfo".into(), json!([]));
            out.insert("qDataPages".into(), json!([]));
            out.insert("qError".into(), json!({"qErrorCode": 7005}));
            out.insert("qCalcCondMsg".into(), json!(msg));
        }
    }
    // Only when there is an Others row (a recorded layout without one lacks the key).
    if result_others == Some(true) {
        out.insert("qHasOtherValues".into(), json!(true));
    }
    for (k, v) in [
        ("qPivotDataPages", json!([])),
        ("qStackedDataPages", json!([])),
        ("qMode", json!(def.pivot.mode.letter())),
        ("qNoOfLeftDims", json!(-1)),
        ("qTreeNodesOnDim", json!([])),
        ("qColumnOrder", json!(def.column_order)),
    ] {
        out.insert(k.into(), v);
    }
    Value::Object(out)
}

/// One page of a list object (one column: `qWidth` is at most 1).
pub fn list_page(rows: &[ListRow], page: &Page) -> Value {
    let area = list_area(rows, page);
    let matrix: Vec<Value> = rows[area.top..area.top + area.height]
        .iter()
        .map(|r| Value::Array(vec![Cell::list(r).to_value()]))
        .collect();
    object([
        ("qMatrix", Value::Array(matrix)),
        ("qTails", json!([])),
        ("qArea", area.to_value()),
    ])
}

/// The area of a list object's page: one column at most, always from the left.
pub fn list_area(rows: &[ListRow], page: &Page) -> Area {
    let top = page.top.min(rows.len());
    Area {
        left: 0,
        top,
        width: page.width.min(1),
        height: page.height.min(rows.len() - top),
    }
}

/// What a list object's layout is made from besides its definition.
pub struct ListResult<'a> {
    /// The field's values (`None`: the field does not exist).
    pub rows: Option<&'a [ListRow]>,
    /// The field's cardinal and tags.
    pub cardinal: usize,
    /// The field's tags.
    pub tags: &'a [String],
    /// Whether the initial data fetch may be rendered: `Err((code, context))` when not.
    pub pages: Result<(), (i64, String)>,
    /// The caller writes the initial data fetch as text ([`super::page_text`]): each page is `null`.
    pub pages_written: bool,
    /// The caller writes `qDimensionInfo` as text ([`list_dim_info`]): it is `null`.
    pub info_written: bool,
}

/// A list object's `qDimensionInfo` (see [`super::dim_info`]): its field's, over all of the field's values.
pub fn list_dim_info<'a>(def: &ListDef, result: &ListResult<'a>) -> ListDimInfo<'a> {
    let rows = result.rows.unwrap_or(&[]);
    ListDimInfo {
        dim: CubeDimension {
            field: def.field.clone(),
            label: at(&def.dim, "/qDef/qFieldLabels/0")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            sort: Default::default(),
            attrs: Default::default(),
            options: Default::default(),
            group: None,
        },
        info: DimInfo {
            cardinal: result.cardinal,
            state_counts: count_states(rows),
        },
        tags: result.tags,
        rows: rows.len(),
    }
}

/// What a list object's `qDimensionInfo` is made of (the entry borrows from it).
pub struct ListDimInfo<'a> {
    dim: CubeDimension,
    info: DimInfo,
    tags: &'a [String],
    rows: usize,
}

impl ListDimInfo<'_> {
    /// The entry as a value.
    pub fn to_value(&self) -> Value {
        super::dim_info::Info::new(&self.dim, &self.info, self.tags, self.rows).to_value()
    }

    /// The entry as text.
    pub fn to_text(&self) -> String {
        super::dim_info::Info::new(&self.dim, &self.info, self.tags, self.rows).to_text()
    }
}

/// A `qListObject`.
pub fn listobject(def: &ListDef, result: ListResult<'_>) -> Value {
    let rows = result.rows.unwrap_or(&[]);
    let n = rows.len();
    let pages: Value = match &result.pages {
        Ok(()) if result.pages_written => Value::Array(vec![Value::Null; def.initial_fetch.len()]),
        Ok(()) => def
            .initial_fetch
            .iter()
            .map(|p| list_page(rows, p))
            .collect(),
        Err(_) => json!([]),
    };
    let mut out = object([
        ("qSize", json!({"qcx": 1, "qcy": n})),
        (
            "qDimensionInfo",
            match result.info_written {
                true => Value::Null,
                false => list_dim_info(def, &result).to_value(),
            },
        ),
        ("qExpressions", json!([])),
        ("qDataPages", pages),
    ]);
    if let Err((code, context)) = result.pages {
        out["qError"] = json!({"qErrorCode": code, "qContext": context});
    } else if result.rows.is_none() {
        out["qError"] =
            json!({"qErrorCode": 7005, "qContext": format!("field not found: {}", def.field)});
    }
    for (k, v) in &def.custom {
        out[k] = v.clone();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use qix_engine::State;
    use qix_expr::Value as X;

    fn cube() -> HyperCube {
        let cell = |s: u32, t: &str| DimCell {
            symbol: Some(s),
            text: t.into(),
            num: None,
            state: State::Optional,
            other: false,
        };
        HyperCube {
            rows: vec![
                CubeRow {
                    dims: [cell(0, "East")].into_iter().collect(),
                    measures: [X::Num(10.0)].into_iter().collect(),
                    attrs: vec![],
                },
                CubeRow {
                    dims: [DimCell {
                        symbol: None,
                        text: "-".into(),
                        num: None,
                        state: State::Optional,
                        other: false,
                    }]
                    .into_iter()
                    .collect(),
                    measures: [X::Null].into_iter().collect(),
                    attrs: vec![],
                },
            ],
            totals: vec![X::Num(10.0)],
            dim_info: vec![DimInfo {
                cardinal: 3,
                state_counts: StateCounts {
                    selected: 1,
                    excluded: 2,
                    ..Default::default()
                },
            }],
            measure_range: vec![(10.0, 10.0)],
            measure_errors: vec![None],
            calculated: vec![None],
        }
    }

    fn def() -> CubeDef {
        let props = json!({"qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
                           "qMeasures": [{"qDef": {"qDef": "Count(x)", "qLabel": "N"}}],
                           "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 5}],
                           "custom": 1});
        CubeDef::parse(props.as_object().expect("an object"))
    }

    #[test]
    fn a_cube_layout_has_the_engines_shape() {
        let tags = vec![vec!["$text".to_string()]];
        let cube = cube();
        let hc = hypercube(
            &def(),
            CubeResult::Computed {
                cube: &cube,
                model: &DataModel::empty(),
                tags: &tags,
                pages: Ok(()),
                pages_written: false,
                infos_written: false,
            },
        );
        assert_eq!(hc["qSize"], json!({"qcx": 2, "qcy": 2}));
        assert_eq!(hc["custom"], 1);
        let dim = &hc["qDimensionInfo"][0];
        assert_eq!(dim["qFallbackTitle"], "Region");
        assert_eq!(dim["qCardinal"], 3);
        assert_eq!(dim["qStateCounts"]["qSelected"], 1);
        assert_eq!(dim["qStateCounts"]["qExcluded"], 2);
        assert_eq!(dim["qDimensionType"], "D");
        assert_eq!(dim["qCardinalities"]["qHypercubeCardinal"], 2);
        let m = &hc["qMeasureInfo"][0];
        assert_eq!(
            (m["qFallbackTitle"].as_str(), m["qMin"].as_f64()),
            (Some("N"), Some(10.0))
        );
        assert_eq!(m["qNumFormat"]["qType"], "I", "counts are integers");
        assert_eq!(hc["qGrandTotalRow"][0]["qElemNumber"], -1);
        assert_eq!(hc["qGrandTotalRow"][0]["qState"], "X");
        let matrix = &hc["qDataPages"][0]["qMatrix"];
        assert_eq!(matrix[0][0]["qText"], "East");
        assert_eq!(matrix[0][0]["qNum"], "NaN");
        assert_eq!(matrix[0][1]["qNum"], 10.0);
        assert_eq!(matrix[1][0]["qElemNumber"], -2);
        assert_eq!(matrix[1][1]["qIsNull"], true);
        assert_eq!(
            hc["qDataPages"][0]["qArea"]["qHeight"], 2,
            "clipped to the cube"
        );
        assert_eq!(hc["qMode"], "S");
    }

    #[test]
    fn refused_pages_and_failed_cubes_carry_their_error() {
        let cube = cube();
        let refused = hypercube(
            &def(),
            CubeResult::Computed {
                cube: &cube,
                model: &DataModel::empty(),
                tags: &[],
                pages: Err((7009, "too many".into())),
                pages_written: false,
                infos_written: false,
            },
        );
        assert_eq!(refused["qDataPages"], json!([]));
        assert_eq!(refused["qError"]["qErrorCode"], 7009);
        assert_eq!(refused["qSize"]["qcy"], 2);
        let failed = hypercube(&def(), CubeResult::Failed("no such field".into()));
        assert_eq!(
            failed["qError"],
            json!({"qErrorCode": 7005, "qContext": "no such field"})
        );
        assert_eq!(failed["qSize"], json!({"qcx": 2, "qcy": 0}));
    }

    #[test]
    fn pages_are_clipped_to_the_cube_and_columns() {
        let cube = cube();
        let (def, model) = (def(), DataModel::empty());
        let cells = Cells {
            def: &def,
            model: &model,
        };
        let p = cube_page(
            &cube,
            cells,
            &Page {
                top: 1,
                left: 1,
                width: 9,
                height: 9,
            },
        );
        assert_eq!(
            p["qArea"],
            json!({"qLeft": 1, "qTop": 1, "qWidth": 1, "qHeight": 1})
        );
        let p = cube_page(
            &cube,
            cells,
            &Page {
                top: 99,
                left: 99,
                width: 1,
                height: 1,
            },
        );
        assert_eq!(p["qMatrix"], json!([]));
    }

    #[test]
    fn a_list_object_counts_its_rows_states() {
        let row = |s: u32, state: State| ListRow {
            symbol: s,
            state,
            text: format!("v{s}"),
            num: Some(f64::from(s)),
            // Counted for the first value only: a cell carries qFrequency when it was counted.
            frequency: (s == 0).then_some(2),
        };
        let rows = vec![
            row(0, State::Selected),
            row(1, State::Excluded),
            row(2, State::Excluded),
        ];
        let props = json!({"qDef": {"qFieldDefs": ["F"]}, "qInitialDataFetch": [{"qWidth": 5, "qHeight": 2}], "x": 1});
        let def = ListDef::parse(props.as_object().expect("an object"));
        let tags = vec!["$numeric".to_string()];
        let lo = listobject(
            &def,
            ListResult {
                rows: Some(&rows),
                cardinal: 3,
                tags: &tags,
                pages: Ok(()),
                pages_written: false,
                info_written: false,
            },
        );
        assert_eq!(lo["qSize"], json!({"qcx": 1, "qcy": 3}));
        assert_eq!(lo["qDimensionInfo"]["qStateCounts"]["qExcluded"], 2);
        assert_eq!(lo["qDimensionInfo"]["qDimensionType"], "N");
        assert_eq!(lo["qDataPages"][0]["qArea"]["qWidth"], 1);
        assert_eq!(lo["qDataPages"][0]["qMatrix"][0][0]["qFrequency"], "2");
        assert!(lo["qDataPages"][0]["qMatrix"][1][0]
            .get("qFrequency")
            .is_none());
        assert_eq!(lo["x"], 1);
        let missing = listobject(
            &def,
            ListResult {
                rows: None,
                cardinal: 0,
                tags: &[],
                pages: Ok(()),
                pages_written: false,
                info_written: false,
            },
        );
        assert_eq!(missing["qError"]["qErrorCode"], 7005);
    }
}
