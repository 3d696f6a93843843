//! Rendering: from groups to the cube's rows, totals and per-column facts.
//!
//! Each group's key is decoded into dimension cells (text, number, selection state), its aggregations
//! are finished and the measures evaluated over them; rows with a NULL dimension or all-zero measures are
//! dropped when the definition asks. Totals evaluate the measures over the accumulators of all rows.

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

/// What rendering reads.
pub(super) struct Render<'a> {
    pub(super) model: &'a DataModel,
    pub(super) state: &'a SelectionState,
    pub(super) def: &'a HyperCubeDef,
    pub(super) plan: &'a Plan<'a>,
    pub(super) measures: &'a [Expr],
    pub(super) keys: &'a KeySpace,
    /// The field of each dimension.
    pub(super) dim_fields: &'a [FieldId],
    /// How many of the last measures are hidden sort expressions (never suppress a row on their own).
    pub(super) hidden: usize,
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

impl Render<'_> {
    /// The rows (unsorted) and the totals of the measures.
    pub(super) fn render(&self, grouped: &Grouped) -> (Vec<CubeRow>, Vec<Value>) {
        let finished = Finished {
            index: self
                .plan
                .aggrs
                .iter()
                .enumerate()
                .map(|(i, a)| (a.node as *const Aggr, i))
                .collect(),
            total_values: self
                .plan
                .aggrs
                .iter()
                .zip(&grouped.total)
                .map(|(a, acc)| acc.finish(a.node, &mut NoFields))
                .collect(),
        };
        let mut rows: Vec<CubeRow> = Vec::with_capacity(grouped.groups.len());
        let n = grouped.keys.len();
        let mut seen: Vec<Memo> = self.keys.radix.iter().map(|&r| Memo::new(r, n)).collect();
        for (key, group) in grouped.keys.iter().zip(&grouped.groups) {
            let cells = self.cells(*key, &mut seen);
            if self.def.suppress_missing && cells.iter().any(|c| c.symbol.is_none()) {
                continue;
            }
            let values = self.group_values(&finished, group, &cells);
            let shown = &values[..values.len() - self.hidden];
            if self.def.suppress_zero
                && !shown.is_empty()
                && shown.iter().all(|v| v.num().is_none_or(|n| n == 0.0))
            {
                continue;
            }
            rows.push(CubeRow {
                dims: cells,
                measures: values,
                attrs: Vec::new(),
            });
        }
        let totals = self.evaluate(&finished, &finished.total_values, &[]);
        (rows, totals)
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

    /// The measures of one group with dimension cells `cells`.
    fn group_values(&self, finished: &Finished, group: &Group, cells: &[DimCell]) -> RowMeasures {
        let values: smallvec::SmallVec<[Value; 4]> = self
            .plan
            .aggrs
            .iter()
            .enumerate()
            .zip(group)
            .map(|((i, a), acc)| {
                if a.node.total {
                    finished.total_values[i].clone()
                } else {
                    acc.finish(a.node, &mut NoFields)
                }
            })
            .collect();
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
            dims: &self.def.dimensions,
            cells,
            locale: &self.model.locale,
            fields: self.fields,
        };
        self.measures
            .iter()
            .map(|m| measure_value(m, &mut scope))
            .collect()
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
    let d = model.fields[f].symbols.get(sym);
    let selected = state
        .selected(f)
        .is_some_and(|s| s.binary_search(&sym).is_ok());
    DimCell {
        symbol: Some(sym),
        text: d.text.into(),
        num: d.num,
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
