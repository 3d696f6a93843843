//! Hypercubes: dimensions (fields) × measures (aggregating expressions) over the possible rows.
//!
//! Only combinations that exist in the data are grouped (Qlik). Measures may use fields of other tables than
//! the dimensions: the calculation follows the association — the involved tables are joined along key
//! fields, starting from the largest one (the fact table), as an outer join (a row with no match gets NULL
//! for the other table's fields). Work is split over all cores.
//!
//! The computation runs in phases, one module each, so that each reads on its own:
//!
//! - `plan`: involved fields and tables, the join tree from the base table, the aggregations;
//! - `groups`: mixed-radix group keys and the group index both scans number groups with;
//! - `columnar` (with `column`): the fast scan when every join is N:1, a block of rows at a time,
//!   column by column;
//! - `rowscan`: the general scan over joined tuples, row by row, when some join is 1:N;
//! - `acc`: the per-group accumulators both scans produce;
//! - `render` (with `scope`): groups to rows of cells and measure values, totals, per-column facts;
//! - `sort`: row order;
//! - `contexts`: measures with set analysis, `TOTAL <fields>` or `Aggr()`, computed as sub-cubes (one
//!   per set and grouping) through the phases above and assembled per row;
//! - `chart`: the chart row functions (`Above`, `Rank`, `RowNo`, ...) over the sorted rows;
//! - `pivot`: pivot and stacked cubes, their axes' trees and their cells' sub-cubes over the phases above.
//!
//! The scans are the hot path: they read the plan and the model through borrowed context structs, and
//! their inner loops are over flat per-block vectors.

mod acc;
mod calcdim;
mod chart;
mod column;
mod columnar;
mod contexts;
mod fill;
mod groups;
mod options;
pub mod pivot;
mod plan;
mod radix;
mod render;
mod rowscan;
mod scope;
mod sort;

use crate::fieldfns::FieldFns;
use crate::inference::{Inference, State};
use crate::model::DataModel;
use crate::selection::SelectionState;
use crate::sets::{infer_uncached, NoSetBase, Sets};
use groups::KeySpace;
use qix_expr::{Expr, Value};
use render::Render;
use std::sync::Arc;

pub use calcdim::{is_calculated, CalcDim};
pub use options::{DimOptions, LimitCmp, Num, Others, OthersMode};

/// Sort of one column; each criterion is 0 (off), 1 (ascending) or -1 (descending).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ColumnSort {
    /// By number, text after numbers.
    pub by_numeric: i8,
    /// By text, case-insensitively.
    pub by_ascii: i8,
    /// By load order (dimensions only).
    pub by_load_order: i8,
    /// Selected values first (dimensions only).
    pub by_state: i8,
    /// By the value of `expression` for the dimension value (dimensions only).
    pub by_expression: i8,
    /// The expression for `by_expression`.
    pub expression: Option<String>,
}

/// A dimension: a field, or an expression (calculated dimension) when the text starts with `=`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DimensionDef {
    /// The field name, or `=` and an expression.
    pub field: String,
    /// How its values sort.
    pub sort: ColumnSort,
}

/// A measure: an expression with aggregations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeasureDef {
    /// The expression text (a leading `=` is allowed).
    pub expr: String,
    /// How the measure's values sort (by_numeric).
    pub sort: ColumnSort,
}

/// What a hypercube computes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct HyperCubeDef {
    /// Dimensions, in column order.
    pub dimensions: Vec<DimensionDef>,
    /// Measures, in column order after the dimensions.
    pub measures: Vec<MeasureDef>,
    /// Drop rows whose measures are all zero or NULL.
    pub suppress_zero: bool,
    /// Drop rows with a NULL dimension value.
    pub suppress_missing: bool,
    /// Show dimension values without data as rows of zero measures (Qlik's "Include zero values", a
    /// chart's `qSuppressZero` off): the values the scanned rows lack, with `qShowAll` the excluded
    /// ones too. Off for the sub-cubes the engine computes on its own.
    pub include_zero: bool,
    /// Column indexes (dimensions first, then measures) in sort priority; empty = column order.
    pub inter_column_sort: Vec<usize>,
    /// Attribute expressions: computed per row like measures, but not columns — they never sort or
    /// suppress a row and have no totals. Their values are in [`CubeRow::attrs`], in this order.
    pub attributes: Vec<String>,
    /// Options of each dimension, in dimension order (missing ones are the defaults).
    pub dim_options: Vec<DimOptions>,
    /// Only rows and totals are wanted (a pivot's sub-cubes, which its layout never shows the facts of):
    /// [`HyperCube::dim_info`] is left at zero counts instead of counting each field's values by state,
    /// which reads the field's column at every possible row.
    pub rows_only: bool,
}

impl HyperCubeDef {
    /// Dimensions on these fields and measures with these expressions, no sorting, no suppression.
    pub fn of(dimensions: &[&str], measures: &[&str]) -> HyperCubeDef {
        HyperCubeDef {
            dimensions: dimensions
                .iter()
                .map(|d| DimensionDef {
                    field: d.to_string(),
                    sort: Default::default(),
                })
                .collect(),
            measures: measures
                .iter()
                .map(|m| MeasureDef {
                    expr: m.to_string(),
                    sort: Default::default(),
                })
                .collect(),
            ..Default::default()
        }
    }
}

/// Why a hypercube cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CubeError {
    /// A dimension or measure names a field the model lacks.
    #[error("field not found: {0}")]
    UnknownField(String),
    /// A measure does not parse.
    #[error("bad expression {expr:?}: {message}")]
    BadExpression {
        /// The expression.
        expr: String,
        /// What is wrong, with its position.
        message: String,
    },
    /// The involved tables are not connected by key fields.
    #[error("the fields of this object are in tables that are not associated: {0}")]
    Unconnected(String),
    /// Too many dimension combinations to index.
    #[error("too many dimension value combinations")]
    TooLarge,
}

/// One dimension cell.
#[derive(Debug, Clone, PartialEq)]
pub struct DimCell {
    /// Symbol index; `None` for NULL.
    pub symbol: Option<u32>,
    /// Text (`-` for NULL); shared by the cells of one value, so a cube of many rows holds each text once.
    pub text: Arc<str>,
    /// Number, if any.
    pub num: Option<f64>,
    /// `S`, `L` or `O`.
    pub state: State,
    /// The cell of a dimension's Others group (its symbol is the group's value id).
    pub other: bool,
}

/// The dimension cells of a row: inline up to two, as most charts have (a cube's rows are then one run
/// of memory that its passes — suppression, sorting, paging — stream through, not a heap block each).
pub type RowDims = smallvec::SmallVec<[DimCell; 2]>;

/// The measure values of a row: inline up to two.
pub type RowMeasures = smallvec::SmallVec<[Value; 2]>;

/// One row of the cube.
#[derive(Debug, Clone, PartialEq)]
pub struct CubeRow {
    /// Dimension cells.
    pub dims: RowDims,
    /// Measure values.
    pub measures: RowMeasures,
    /// Values of the definition's [`HyperCubeDef::attributes`].
    pub attrs: Vec<Value>,
}

/// Counts of a dimension field's values by state (`qStateCounts`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateCounts {
    /// S.
    pub selected: usize,
    /// O.
    pub option: usize,
    /// X.
    pub excluded: usize,
    /// A.
    pub alternative: usize,
    /// XS.
    pub selected_excluded: usize,
    /// L.
    pub locked: usize,
    /// XL.
    pub locked_excluded: usize,
}

impl StateCounts {
    /// Counts values by state.
    pub fn of(states: impl IntoIterator<Item = State>) -> StateCounts {
        let mut c = StateCounts::default();
        for s in states {
            match s {
                State::Selected => c.selected += 1,
                State::Optional => c.option += 1,
                State::Excluded => c.excluded += 1,
                State::Alternative => c.alternative += 1,
                State::SelectedExcluded => c.selected_excluded += 1,
                State::Locked => c.locked += 1,
                State::LockedExcluded => c.locked_excluded += 1,
            }
        }
        c
    }
}

/// Per-dimension facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DimInfo {
    /// Distinct values of the field.
    pub cardinal: usize,
    /// Values by state.
    pub state_counts: StateCounts,
}

/// A computed hypercube: all rows, sorted; paging is the caller's.
#[derive(Debug, Clone, PartialEq)]
pub struct HyperCube {
    /// Rows.
    pub rows: Vec<CubeRow>,
    /// Grand totals per measure.
    pub totals: Vec<Value>,
    /// Per dimension.
    pub dim_info: Vec<DimInfo>,
    /// (min, max) per measure over the rows' numeric values; NaN when none.
    pub measure_range: Vec<(f64, f64)>,
    /// Per measure, why it could not be computed (its column is NULL then); the other measures are
    /// computed as usual, as the real engine does.
    pub measure_errors: Vec<Option<String>>,
    /// Per dimension, the calculated dimension it is (`None` for a field): what selecting its values
    /// selects ([`CalcDim::sources`]).
    pub calculated: Vec<Option<Arc<CalcDim>>>,
}

impl HyperCube {
    /// About the bytes the cube holds: its rows with their cells, each dimension cell's text counted in
    /// every row that shows it (texts are shared between rows, so this leans high) and 32 bytes a value.
    pub fn estimated_bytes(&self) -> usize {
        let cells = |r: &CubeRow| {
            let texts: usize = r.dims.iter().map(|d| d.text.len()).sum();
            (r.dims.len() + r.measures.len() + r.attrs.len()) * 32 + texts
        };
        std::mem::size_of::<HyperCube>()
            + self
                .rows
                .iter()
                .map(|r| std::mem::size_of::<CubeRow>() + cells(r))
                .sum::<usize>()
    }
}

/// One aggregation over values fed one by one, with the accumulators the cubes use: what the load
/// script's `GROUP BY` computes with.
pub struct Aggregator {
    acc: acc::Acc,
}

impl Aggregator {
    /// An empty aggregation of `node`'s function (its `DISTINCT` included).
    pub fn new(node: &qix_expr::Aggr) -> Aggregator {
        Aggregator {
            acc: acc::Acc::new(node),
        }
    }

    /// Adds one value (NULLs count only for `NullCount` and `MissingCount`).
    pub fn add(&mut self, v: Value) {
        self.acc.add_value(v, None);
    }

    /// Adds one number: what `add(Value::Num(n))` does, without building a value (for the functions
    /// that read numbers only, a number's text does not matter).
    pub fn add_num(&mut self, n: f64) {
        self.acc.add_num(n, None);
    }

    /// Adds a value with its sort weight (`FirstSortedValue`).
    pub fn add_weighted(&mut self, v: Value, weight: Option<f64>) {
        self.acc.add_weighted(v, weight);
    }

    /// The aggregation's value; `scope` evaluates its further arguments (a `Concat` delimiter, a
    /// `Fractile`'s fraction).
    pub fn finish(&self, node: &qix_expr::Aggr, scope: &mut dyn qix_expr::Scope) -> Value {
        self.acc.finish(node, scope)
    }
}

/// Parses measure texts.
pub fn parse_measures(def: &HyperCubeDef) -> Result<Vec<Expr>, CubeError> {
    def.measures
        .iter()
        .map(|m| {
            qix_expr::parse(&m.expr).map_err(|e| CubeError::BadExpression {
                expr: m.expr.clone(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// Computes a hypercube for `state` (with its inference already run), with no set identifiers but `$`
/// and `1`.
pub fn compute(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    def: &HyperCubeDef,
) -> Result<HyperCube, CubeError> {
    let infer = infer_uncached(model);
    let sets = Sets::new(model, state, &NoSetBase, &infer);
    compute_with(model, state, inference, def, &sets)
}

/// [`compute`] where set expressions are computed by `sets` (its host knows bookmarks, alternate states
/// and history, and its inferences may come from a cache).
pub fn compute_with(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    def: &HyperCubeDef,
    sets: &Sets<'_>,
) -> Result<HyperCube, CubeError> {
    // Dimensions sorted by an expression: the expression is computed as a hidden last measure per row.
    // Dimensions with an Others group are computed with their values remapped.
    let mut ext = options::with_others(model, state, inference, def, sets)?;
    let mut hidden = 0;
    for d in &def.dimensions {
        if let (true, Some(e)) = (d.sort.by_expression != 0, &d.sort.expression) {
            ext.measures.push(MeasureDef {
                expr: e.clone(),
                sort: ColumnSort::default(),
            });
            hidden += 1;
        }
    }
    // Attribute expressions: hidden measures after the sort expressions.
    let sorts = hidden;
    for a in &def.attributes {
        ext.measures.push(MeasureDef {
            expr: a.clone(),
            sort: ColumnSort::default(),
        });
        hidden += 1;
    }
    let (mut rows, mut totals, measure_errors) =
        match rows_hidden(model, state, inference, &ext, hidden, sets) {
            Ok((rows, totals)) => (rows, totals, vec![None; def.measures.len()]),
            Err(e) => isolate_bad_measures(model, state, inference, &mut ext, hidden, sets, e)?,
        };
    fill::mark_excluded(model, inference, def, &mut rows);
    sort::sort_rows(&mut rows, &ext, hidden);
    options::apply_to_rows(&mut rows, def);
    let shown = def.measures.len();
    // Hidden measures (sort expressions, attributes) leave the rows; without any, rows are not touched.
    if ext.measures.len() > shown {
        for r in &mut rows {
            r.attrs = r.measures.drain(shown + sorts..).collect();
            r.measures.truncate(shown);
        }
    }
    totals.truncate(shown);
    let measure_range = render::measure_range(&rows, shown);
    let calculated = calcdim::resolve(model, &ext, sets)?;
    let mut dim_fields = Vec::with_capacity(def.dimensions.len());
    for d in &def.dimensions {
        dim_fields.push(match is_calculated(&d.field) {
            true => None,
            false => Some(
                model
                    .field_id(&d.field)
                    .ok_or_else(|| CubeError::UnknownField(d.field.clone()))?,
            ),
        });
    }
    let infer = |s: &SelectionState| sets.infer_state(s);
    let mut dim_info = match def.rows_only {
        true => vec![DimInfo::default(); dim_fields.len()],
        false => render::dim_info(model, state, inference, &dim_fields, &infer),
    };
    for (di, c) in calculated.iter().enumerate() {
        if let (Some(c), None) = (c, dim_fields[di]) {
            dim_info[di] = calcdim::info(c, &rows, di);
        }
    }
    Ok(HyperCube {
        rows,
        totals,
        dim_info,
        measure_range,
        measure_errors,
        calculated,
    })
}

/// After `def` failed with `error`: finds the measures (and attribute expressions, the last of the
/// hidden ones) that fail on their own, computes the cube with those as NULL, and returns the measures'
/// errors. A failure that is not a measure's (a dimension's, or one no single measure causes) is
/// returned as it is.
#[allow(clippy::type_complexity)]
fn isolate_bad_measures(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    def: &mut HyperCubeDef,
    hidden: usize,
    sets: &Sets<'_>,
    error: CubeError,
) -> Result<(Vec<CubeRow>, Vec<Value>, Vec<Option<String>>), CubeError> {
    let shown = def.measures.len() - hidden;
    let attrs_from = def.measures.len() - def.attributes.len();
    let mut errors = vec![None; shown];
    let mut attr_failed = false;
    let candidates = def.measures.iter_mut().enumerate();
    for (i, m) in candidates.filter(|(i, _)| *i < shown || *i >= attrs_from) {
        // Alone, with the dimensions unsorted: a sort expression would be a hidden measure it lacks.
        let dimensions = def.dimensions.iter().map(|d| DimensionDef {
            field: d.field.clone(),
            sort: ColumnSort::default(),
        });
        let alone = HyperCubeDef {
            measures: vec![m.clone()],
            dimensions: dimensions.collect(),
            ..Default::default()
        };
        if let Err(e) = rows_hidden(model, state, inference, &alone, 0, sets) {
            match errors.get_mut(i) {
                Some(slot) => *slot = Some(e.to_string()),
                None => attr_failed = true,
            }
            m.expr = "Null()".into();
        }
    }
    if !attr_failed && errors.iter().all(Option::is_none) {
        return Err(error);
    }
    let (rows, totals) = rows_hidden(model, state, inference, def, hidden, sets)?;
    Ok((rows, totals, errors))
}

/// The rows (unsorted) and totals of `def` over the rows of `inference`: what sub-cubes and expression
/// searches need (no sorting, no per-dimension facts).
pub(crate) fn rows_with(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    def: &HyperCubeDef,
    sets: &Sets<'_>,
) -> Result<(Vec<CubeRow>, Vec<Value>), CubeError> {
    rows_hidden(model, state, inference, def, 0, sets)
}

/// [`rows_with`] where the last `hidden` measures are sort expressions of dimensions, in dimension order
/// (they never suppress a row on their own).
fn rows_hidden(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    def: &HyperCubeDef,
    hidden: usize,
    sets: &Sets<'_>,
) -> Result<(Vec<CubeRow>, Vec<Value>), CubeError> {
    let measures = parse_measures(def)?;
    if measures.iter().any(qix_expr::needs_contexts) {
        let level = contexts::Level {
            model,
            state,
            inference,
            def,
            sets,
        };
        return contexts::rows(&level, &measures, hidden);
    }
    let calc = calcdim::resolve(model, def, sets)?;
    let plan = plan::plan(model, inference, def, &calc, &measures)?;
    let keys = KeySpace::new(model, &plan)?;
    let mut grouped = match columnar::scan(model, inference, &plan, &keys) {
        Some(done) => done,
        None => rowscan::scan(model, inference, &plan, &keys),
    };
    // With no dimensions there is always exactly one row, even over no data.
    if plan.dims.is_empty() && grouped.groups.is_empty() {
        grouped.keys.push(0);
        grouped.groups.push(plan.new_group());
    }
    let scanned = plan.tables.first().copied();
    if fill::wanted(model, def, &calc, scanned) {
        let present: Vec<fill::Key> = grouped.keys.iter().map(|k| keys.decode(*k)).collect();
        for key in fill::missing_keys(model, inference, def, &calc, &present, scanned) {
            grouped.keys.push(keys.encode(&key));
            grouped.groups.push(plan.new_group());
        }
    }
    let dim_fields = plan.dim_fields();
    let infer = |s: &SelectionState| sets.infer_state(s);
    let fields = FieldFns::new(model, state, inference, &infer);
    let render = Render {
        rows: render::Rows {
            model,
            state,
            def,
            plan: &plan,
            keys: &keys,
            dim_fields: &dim_fields,
            hidden,
        },
        measures: &measures,
        fields: &fields,
    };
    let rendered = render.render(&grouped);
    release(grouped);
    Ok(rendered)
}

/// Groups from which this many on are freed on a pool thread: freeing 55,000 groups' accumulators
/// takes about a millisecond the request need not wait for.
const RELEASE_AFTER: usize = 10_000;

/// Drops `grouped`, in the background when it is large.
fn release(grouped: groups::Grouped) {
    if grouped.groups.len() >= RELEASE_AFTER {
        rayon::spawn(move || drop(grouped));
    }
}
