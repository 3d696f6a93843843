//! Rendering: from groups to the cube's rows, totals and per-column facts.
//!
//! Each group's key is decoded into dimension cells (text, number, selection state), its aggregations
//! are finished and the measures evaluated over them; rows with a NULL dimension or all-zero measures are
//! dropped when the definition asks. Totals evaluate the measures over the accumulators of all rows.
//! When every measure is an aggregation itself its value is the finished accumulator, and a large cube of
//! such measures is rendered by two threads (the expression path stays on one: field functions keep
//! per-request memos).

use super::acc::Group;
use super::groups::{Grouped, KeySpace};
use super::plan::Plan;
use super::scope::{measure_value, GroupScope, NoFields};
use super::{CubeRow, DimCell, DimInfo, HyperCubeDef, RowDims, RowMeasures, StateCounts};
use crate::fieldfns::FieldFns;
use crate::inference::{field_states_in, Inference, State};
use crate::model::{DataModel, FieldId};
use crate::selection::SelectionState;
use qix_expr::{Aggr, Expr, Value};
use std::sync::Arc;

/// What rendering reads.
pub(super) struct Render<'a> {
    /// What makes the rows' cells and decides which rows stay (shareable by threads).
    pub(super) rows: Rows<'a>,
    pub(super) measures: &'a [Expr],
    /// The field functions' view of the selections.
    pub(super) fields: &'a FieldFns<'a>,
}

/// The cells of one dimension made so far, by key digit: in a table when the field is small enough, else
/// in a hash map.
enum Memo {
    Dense(Vec<Option<DimCell>>),
    Sparse(std::collections::HashMap<u32, DimCell, foldhash::fast::RandomState>),
}

impl Memo {
    /// A memo for key digits below `radix`, for `rows` rows: a table when it is not much larger than them.
    fn new(radix: u128, rows: usize) -> Memo {
        match usize::try_from(radix) {
            Ok(n) if n <= rows.saturating_mul(2).max(4096) => Memo::Dense(vec![None; n]),
            _ => Memo::Sparse(Default::default()),
        }
    }

    /// The cell of digit `v`, made by `make` the first time.
    fn get(&mut self, v: u32, make: impl FnOnce() -> DimCell) -> &DimCell {
        match self {
            Memo::Dense(cells) => cells[v as usize].get_or_insert_with(make),
            Memo::Sparse(cells) => cells.entry(v).or_insert_with(make),
        }
    }
}

/// Finished aggregations of all rows and how measures find an aggregation's value.
struct Finished {
    /// Aggregation node → index, for [`GroupScope`].
    index: Vec<(*const Aggr, usize)>,
    /// Each aggregation over all rows (used by `TOTAL` aggregations and for the totals).
    total_values: Vec<Value>,
}

/// Groups from which a cube of plain measures is rendered by two threads, each half of the groups:
/// below this, the hand-over costs more than it saves.
const PARALLEL_FROM: usize = 20_000;

/// The part of rendering that threads can share: the dimension cells of a group key and whether a row
/// is kept. (The field functions of [`Render`] keep per-request memos and stay on one thread.)
#[derive(Clone, Copy)]
pub(super) struct Rows<'a> {
    pub(super) model: &'a DataModel,
    pub(super) state: &'a SelectionState,
    pub(super) def: &'a HyperCubeDef,
    pub(super) plan: &'a Plan<'a>,
    pub(super) keys: &'a KeySpace,
    /// The field of each dimension.
    pub(super) dim_fields: &'a [FieldId],
    /// How many of the last measures are hidden sort expressions (never suppress a row on their own).
    pub(super) hidden: usize,
}

impl Render<'_> {
    /// The rows (unsorted) and the totals of the measures.
    pub(super) fn render(&self, grouped: &Grouped) -> (Vec<CubeRow>, Vec<Value>) {
        let finished = Finished {
            index: (self.rows.plan.aggrs)
                .iter()
                .enumerate()
                .map(|(i, a)| (a.node as *const Aggr, i))
                .collect(),
            total_values: (self.rows.plan.aggrs)
                .iter()
                .zip(&grouped.total)
                .map(|(a, acc)| acc.finish(a.node, &mut NoFields))
                .collect(),
        };
        let rows = match self.plain() {
            true => self.rows.plain(grouped, &finished.total_values),
            false => self.evaluated(grouped, &finished),
        };
        let totals = self.evaluate(&finished, &finished.total_values, &[]);
        (rows, totals)
    }

    /// Whether every measure is an aggregation itself, the `i`-th measure the plan's `i`-th aggregation:
    /// then a measure's value is its finished accumulator, with no expression (nor field function) to
    /// evaluate.
    fn plain(&self) -> bool {
        self.measures.len() == self.rows.plan.aggrs.len()
            && (self.measures.iter().zip(&self.rows.plan.aggrs))
                .all(|(m, a)| matches!(m, Expr::Aggr(x) if std::ptr::eq(x, a.node)))
    }

    /// The rows, each measure evaluated over its group's finished aggregations.
    fn evaluated(&self, grouped: &Grouped, finished: &Finished) -> Vec<CubeRow> {
        let rows = self.rows;
        let mut out: Vec<CubeRow> = Vec::with_capacity(grouped.groups.len());
        let mut seen = rows.memos(grouped.keys.len());
        for (key, group) in grouped.keys.iter().zip(&grouped.groups) {
            let cells = rows.cells(*key, &mut seen);
            if rows.drops_missing(&cells) {
                continue;
            }
            let values = self.group_values(finished, group, &cells);
            if rows.keeps(&values) {
                out.push(CubeRow {
                    dims: cells,
                    measures: values,
                    attrs: Vec::new(),
                });
            }
        }
        out
    }

    /// The measures of one group with dimension cells `cells`.
    fn group_values(&self, finished: &Finished, group: &Group, cells: &[DimCell]) -> RowMeasures {
        let values: smallvec::SmallVec<[Value; 4]> =
            finish(self.rows.plan, group, &finished.total_values).collect();
        self.evaluate(finished, &values, cells)
    }

    /// The measures over finished aggregation `values`.
    fn evaluate<C: FromIterator<Value>>(
        &self,
        finished: &Finished,
        values: &[Value],
        cells: &[DimCell],
    ) -> C {
        let mut scope = GroupScope {
            values,
            index: &finished.index,
            dims: &self.rows.def.dimensions,
            cells,
            locale: &self.rows.model.locale,
            fields: self.fields,
        };
        self.measures
            .iter()
            .map(|m| measure_value(m, &mut scope))
            .collect()
    }
}

/// Each aggregation of `group` finished (a `TOTAL` one is its value over all rows, `totals`).
fn finish<'a>(
    plan: &'a Plan<'a>,
    group: &'a Group,
    totals: &'a [Value],
) -> impl Iterator<Item = Value> + 'a {
    (plan.aggrs.iter().enumerate().zip(group)).map(|((i, a), acc)| match a.node.total {
        true => totals[i].clone(),
        false => acc.finish(a.node, &mut NoFields),
    })
}

impl Rows<'_> {
    /// The rows of plain measures ([`Render::plain`]): a measure is its finished aggregation. A large
    /// cube is rendered by two threads, each writing its half of the groups' rows in place in one vector
    /// (no second buffer to copy: fresh memory costs a page fault per page); rows that suppression drops
    /// are removed after.
    fn plain(self, grouped: &Grouped, totals: &[Value]) -> Vec<CubeRow> {
        use rayon::prelude::*;
        let n = grouped.keys.len();
        let row = |seen: &mut Vec<Memo>, i: usize| CubeRow {
            dims: self.cells(grouped.keys[i], seen),
            measures: finish(self.plan, &grouped.groups[i], totals).collect(),
            attrs: Vec::new(),
        };
        let mut rows: Vec<CubeRow> = Vec::new();
        match n < PARALLEL_FROM {
            true => {
                let mut seen = self.memos(n);
                rows.extend((0..n).map(|i| row(&mut seen, i)));
            }
            false => (0..n)
                .into_par_iter()
                .with_min_len(n.div_ceil(2))
                .map_init(|| self.memos(n / 2), row)
                .collect_into_vec(&mut rows),
        }
        if self.def.suppress_missing || self.def.suppress_zero {
            rows.retain(|r| !self.drops_missing(&r.dims) && self.keeps(&r.measures));
        }
        rows
    }

    /// A memo of each dimension's cells, for `rows` rows.
    fn memos(&self, rows: usize) -> Vec<Memo> {
        self.keys
            .radix
            .iter()
            .map(|&r| Memo::new(r, rows))
            .collect()
    }

    /// Whether a row with these cells is dropped for a NULL dimension value (`qSuppressMissing`).
    fn drops_missing(&self, cells: &[DimCell]) -> bool {
        self.def.suppress_missing && cells.iter().any(|c| c.symbol.is_none())
    }

    /// Whether a row with these measure values is kept: not when zero suppression is on and every shown
    /// measure (not the hidden sort expressions and attributes) is zero or NULL.
    fn keeps(&self, values: &[Value]) -> bool {
        let shown = &values[..values.len() - self.hidden];
        !(self.def.suppress_zero
            && !shown.is_empty()
            && shown.iter().all(|v| v.num().is_none_or(|n| n == 0.0)))
    }

    /// The dimension cells of a group key; `seen` keeps each dimension's cells made so far, so a value
    /// on many rows is read (and its text formatted) once and its text shared.
    fn cells(&self, key: u128, seen: &mut [Memo]) -> RowDims {
        let mut k = key;
        let mut cells = RowDims::with_capacity(self.plan.dims.len());
        for di in (0..self.plan.dims.len()).rev() {
            let v = self.keys.pop(&mut k, di);
            let cell = seen[di].get(v, || match &self.plan.derived[di] {
                None => self.cell(self.dim_fields[di], v),
                Some(d) => d.calc.cell_in(self.model, self.state, v.checked_sub(1)),
            });
            cells.push(cell.clone());
        }
        cells.reverse();
        cells
    }

    /// The cell of field `f` for key digit `v` (symbol + 1, 0 for NULL).
    fn cell(&self, f: FieldId, v: u32) -> DimCell {
        dim_cell(self.model, self.state, f, v.checked_sub(1))
    }
}

/// The cell of symbol `sym` of field `f` (`None`: NULL), with its selection state in `state`.
pub(super) fn dim_cell(
    model: &DataModel,
    state: &SelectionState,
    f: FieldId,
    sym: Option<u32>,
) -> DimCell {
    let Some(sym) = sym else {
        return DimCell {
            symbol: None,
            text: "-".into(),
            num: None,
            state: State::Optional,
            other: false,
        };
    };
    let symbols = &model.fields[f].symbols;
    let num = symbols.num(sym);
    let selected = state
        .selected(f)
        .is_some_and(|s| s.binary_search(&sym).is_ok());
    DimCell {
        symbol: Some(sym),
        // Straight from the symbol table into the shared text: one allocation, not a `String` first.
        text: Arc::from(&*symbols.text(sym)),
        num: (!num.is_nan()).then_some(num),
        state: match (selected, state.is_locked(f)) {
            (true, true) => State::Locked,
            (true, false) => State::Selected,
            _ => State::Optional,
        },
        other: false,
    }
}

/// (min, max) per measure over the rows' numeric values; NaN when none.
pub(super) fn measure_range(rows: &[CubeRow], nmeasures: usize) -> Vec<(f64, f64)> {
    (0..nmeasures)
        .map(|mi| {
            let nums = rows.iter().filter_map(|r| r.measures[mi].num());
            nums.fold((f64::NAN, f64::NAN), |(lo, hi), n| {
                (
                    if lo.is_nan() { n } else { lo.min(n) },
                    if hi.is_nan() { n } else { hi.max(n) },
                )
            })
        })
        .collect()
}

/// Cardinality and values by state of each dimension field.
pub(super) fn dim_info(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    dim_fields: &[Option<FieldId>],
    infer: &dyn Fn(&SelectionState) -> std::sync::Arc<Inference>,
) -> Vec<DimInfo> {
    dim_fields
        .iter()
        .map(|&f| {
            let Some(f) = f else {
                return DimInfo {
                    cardinal: 0,
                    state_counts: StateCounts::default(),
                };
            };
            let c = StateCounts::of(field_states_in(model, state, f, inference, infer));
            DimInfo {
                cardinal: model.fields[f].symbols.len(),
                state_counts: c,
            }
        })
        .collect()
}
