//! Per-dimension options applied to a computed cube's rows, as Qlik applies them: NULL suppression
//! (`qNullSuppression`) and the Others group (`qOtherTotalSpec`: a fixed number of values, or the
//! values whose measure passes an absolute or relative limit; the rest are one `Others` row).
//!
//! Others works in two passes: first the dimension's values are ranked by the cube's first measure
//! computed per value (over the dimension alone), then the cube is computed again with the values that
//! do not make it mapped to one Others value — so each measure of the Others row aggregates over all
//! their rows (an average of Others is the average of its rows, not of the values' averages).

use super::calcdim::{is_calculated, CalcDim};
use super::{rows_hidden, CubeError, CubeRow, DimCell, HyperCubeDef};
use crate::inference::{Inference, State};
use crate::model::DataModel;
use crate::selection::SelectionState;
use crate::sets::Sets;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A number in a definition (compared and hashed by its bits, so definitions can key a cache).
#[derive(Debug, Clone, Copy, Default)]
pub struct Num(pub f64);

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}
impl Eq for Num {}
impl Hash for Num {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state)
    }
}

/// How a limit compares a value with it (`qOtherLimitMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LimitCmp {
    /// `OTHER_GE_LIMIT`: kept when ≥ the limit.
    Ge,
    /// `OTHER_LE_LIMIT`.
    Le,
    /// `OTHER_GT_LIMIT` (the default).
    #[default]
    Gt,
    /// `OTHER_LT_LIMIT`.
    Lt,
}

impl LimitCmp {
    fn keeps(self, v: f64, limit: f64) -> bool {
        match self {
            LimitCmp::Ge => v >= limit,
            LimitCmp::Le => v <= limit,
            LimitCmp::Gt => v > limit,
            LimitCmp::Lt => v < limit,
        }
    }
}

/// Which values of a dimension are kept out of Others (`qOtherMode`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OthersMode {
    /// `OTHER_COUNTED`: this many values, the first in the ranking.
    Counted(usize),
    /// `OTHER_ABS_LIMITED` / `OTHER_REL_LIMITED`: the values whose measure (or share of the total,
    /// in percent, when `relative`) passes the limit.
    Limited {
        /// A share of the total, in percent.
        relative: bool,
        /// The limit.
        limit: Num,
        /// How a value compares with it.
        cmp: LimitCmp,
    },
    /// `OTHER_ABS_ACC_TARGET` / `OTHER_REL_ACC_TARGET`: values in ranking order while the accumulated
    /// measure (or share, in percent) passes the limit.
    Accumulated {
        /// A share of the total, in percent.
        relative: bool,
        /// The target.
        limit: Num,
        /// How the accumulated value compares with it.
        cmp: LimitCmp,
    },
}

/// A dimension's Others group (`qOtherTotalSpec` with a mode other than `OTHER_OFF`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Others {
    /// Which values are kept.
    pub mode: OthersMode,
    /// Rank by the measure descending (`OTHER_SORT_DESCENDING`, the default) or ascending.
    pub descending: bool,
    /// `qSuppressOther`: the Others row is not shown.
    pub suppress: bool,
    /// `qForceBadValueKeeping`: under a limit, values whose measure is not a number are kept.
    pub keep_bad_values: bool,
    /// The Others row's label (`qOtherLabel`, evaluated; `Others` by default).
    pub label: String,
}

/// Options of one dimension beyond its field and sort.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DimOptions {
    /// `qNullSuppression`: rows where this dimension is NULL are not shown.
    pub null_suppression: bool,
    /// `qOtherTotalSpec`: the Others group, if any.
    pub others: Option<Others>,
    /// `qShowAll`: with [`HyperCubeDef::include_zero`](super::HyperCubeDef::include_zero), the
    /// dimension's excluded values are rows too.
    pub show_all: bool,
}

/// The cell of an Others row.
pub(super) fn others_cell(label: &str, id: u32) -> DimCell {
    DimCell {
        symbol: Some(id),
        text: label.into(),
        num: None,
        state: State::Optional,
        other: true,
    }
}

/// The values (symbols) kept out of Others, from `(symbol, measure)` of each value of the dimension.
pub(super) fn kept(others: &Others, mut values: Vec<(u32, Option<f64>)>) -> Vec<u32> {
    // Ranking: by the measure, non-numbers last, ties by load order.
    values.sort_by(|a, b| {
        let o = match (a.1, b.1) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        let o = match (others.descending, a.1.is_some() && b.1.is_some()) {
            (true, true) => o.reverse(),
            _ => o,
        };
        o.then(a.0.cmp(&b.0))
    });
    let total: f64 = values.iter().filter_map(|v| v.1).sum();
    let scale = |relative: bool, v: f64| match relative {
        true if total != 0.0 => v / total * 100.0,
        true => 0.0,
        false => v,
    };
    match &others.mode {
        OthersMode::Counted(n) => values.iter().take(*n).map(|v| v.0).collect(),
        OthersMode::Limited {
            relative,
            limit,
            cmp,
        } => values
            .iter()
            .filter(|(_, m)| match m {
                Some(m) => cmp.keeps(scale(*relative, *m), limit.0),
                None => others.keep_bad_values,
            })
            .map(|v| v.0)
            .collect(),
        OthersMode::Accumulated {
            relative,
            limit,
            cmp,
        } => {
            // In ranking order, while the accumulated measure (this value's included) passes the target.
            let mut acc = 0.0;
            let mut out = Vec::new();
            for (s, m) in &values {
                match m {
                    Some(m) => {
                        acc += m;
                        if !cmp.keeps(scale(*relative, acc), limit.0) {
                            break;
                        }
                        out.push(*s);
                    }
                    None if others.keep_bad_values => out.push(*s),
                    None => {}
                }
            }
            out
        }
    }
}

/// `def` with each field dimension that has an Others group standing for its remapped values: the
/// values its ranking keeps, then one Others value (the group's mapping is kept with the request's
/// calculated dimensions, under a text of its own). A dimension whose ranking cannot be computed (no
/// measure, a bad first measure) keeps all its values.
pub(super) fn with_others(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    def: &HyperCubeDef,
    sets: &Sets<'_>,
) -> Result<HyperCubeDef, CubeError> {
    let mut out = def.clone();
    let specs = def.dim_options.iter().enumerate();
    for (i, others) in specs.filter_map(|(i, o)| Some((i, o.others.as_ref()?))) {
        let Some(d) = def.dimensions.get(i).filter(|d| !is_calculated(&d.field)) else {
            continue;
        };
        let (Some(f), Some(m)) = (model.field_id(&d.field), def.measures.first()) else {
            continue;
        };
        // Values without data rank too (as 0) when the chart shows them.
        let ranking = HyperCubeDef {
            include_zero: def.include_zero && !def.suppress_zero,
            ..HyperCubeDef::of(&[&d.field], &[&m.expr])
        };
        let Ok((rows, _)) = rows_hidden(model, state, inference, &ranking, 0, sets) else {
            continue;
        };
        let values = rows
            .iter()
            .filter_map(|r| Some((r.dims.first()?.symbol?, r.measures.first()?.num())))
            .collect();
        let kept = kept(others, values);
        let key = format!("=\u{1}others {i} {} {kept:?} {}", d.field, others.label);
        let calc = CalcDim::others(model, f, &kept, &others.label);
        sets.calc_dims()
            .borrow_mut()
            .insert(key.clone(), Arc::new(calc));
        out.dimensions[i].field = key;
    }
    Ok(out)
}

/// Applies the dimensions' options to the sorted rows: NULL suppression, the Others rows last (or
/// gone with `qSuppressOther`).
pub(super) fn apply_to_rows(rows: &mut Vec<CubeRow>, def: &HyperCubeDef) {
    let opts = &def.dim_options;
    // Nothing to drop or move (a pass over 55,000 rows costs most of a millisecond).
    if opts
        .iter()
        .all(|o| !o.null_suppression && o.others.is_none())
    {
        return;
    }
    let suppressed = |di: usize, c: &DimCell| {
        let o = opts.get(di);
        (c.symbol.is_none() && o.is_some_and(|o| o.null_suppression))
            || (c.other
                && o.and_then(|o| o.others.as_ref())
                    .is_some_and(|x| x.suppress))
    };
    rows.retain(|r| !r.dims.iter().enumerate().any(|(di, c)| suppressed(di, c)));
    // The first dimension's Others rows go last (stable: the other rows keep their order).
    let first_other = |r: &CubeRow| r.dims.first().is_some_and(|c| c.other);
    if rows.iter().any(first_other) {
        let (others, mut plain): (Vec<CubeRow>, Vec<CubeRow>) =
            rows.drain(..).partition(first_other);
        plain.extend(others);
        *rows = plain;
    }
}
