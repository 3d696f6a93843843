//! Per-group accumulators in column layout, for the columnar scan.
//!
//! A [`Column`] holds one aggregation's state for every group of a partial, as flat vectors indexed by
//! group number: the columnar scan adds a whole block of rows to one column in a tight loop, without a
//! per-value dispatch on the aggregation kind. Plain numeric aggregations keep sums, counts and extremes;
//! `Count(DISTINCT field)` keeps a bitset of symbols; anything else falls back to an [`Acc`] per group.

use super::acc::{Acc, Group};
use super::plan::{AggrPlan, Plan};
use crate::bits::Bits;
use crate::model::DataModel;
use crate::packed::NULL;
use qix_expr::{AggFunc, Value};

/// What a plain-field aggregation accumulates per group in the columnar scan.
pub(super) enum Column {
    /// Sum / Count / Avg / Min / Max of a field's numbers (Count counts every non-NULL value).
    Num { slot: usize, acc: NumColumn },
    /// Count(DISTINCT field): a bitset of symbols per group.
    Distinct { slot: usize, seen: Vec<Bits> },
    /// Anything else: evaluated row by row.
    Generic { acc: Vec<Acc> },
}

/// Per-group state of a plain numeric aggregation: sum, count and the extreme (min or max) so far.
pub(super) struct NumColumn {
    func: AggFunc,
    sum: Vec<f64>,
    count: Vec<u64>,
    ext: Vec<f64>,
}

impl Column {
    /// The column kind for aggregation `a`.
    pub(super) fn new(a: &AggrPlan<'_>, model: &DataModel, plan: &Plan<'_>) -> Column {
        match (a.plain, a.node.func, a.node.distinct) {
            // Bitsets per group only for fields of modest cardinality.
            (Some(slot), AggFunc::Count, true)
                if model.fields[plan.slots[slot].field].symbols.len() <= 1 << 16 =>
            {
                Column::Distinct { slot, seen: vec![] }
            }
            (
                Some(slot),
                f @ (AggFunc::Sum | AggFunc::Count | AggFunc::Avg | AggFunc::Min | AggFunc::Max),
                false,
            ) => Column::Num {
                slot,
                acc: NumColumn {
                    func: f,
                    sum: vec![],
                    count: vec![],
                    ext: vec![],
                },
            },
            _ => Column::Generic { acc: vec![] },
        }
    }

    /// Adds the groups of another partial; `map[i]` is the group here of the other's group `i`.
    pub(super) fn merge(&mut self, src: Column, map: &[usize]) {
        match (self, src) {
            (Column::Num { acc, .. }, Column::Num { acc: a2, .. }) => acc.merge(a2, map),
            (Column::Distinct { seen, .. }, Column::Distinct { seen: s2, .. }) => {
                for (i, b) in s2.into_iter().enumerate() {
                    seen[map[i]].union_with(&b);
                }
            }
            (Column::Generic { acc }, Column::Generic { acc: a2 }) => {
                for (i, a) in a2.into_iter().enumerate() {
                    acc[map[i]].merge(a);
                }
            }
            _ => {}
        }
    }

    /// Pushes each group's finished accumulator onto `groups` and returns the accumulator over all groups.
    pub(super) fn finish(
        self,
        a: &AggrPlan<'_>,
        model: &DataModel,
        plan: &Plan<'_>,
        groups: &mut [Group],
    ) -> Acc {
        match self {
            Column::Num { acc, .. } => acc.finish(groups),
            Column::Distinct { slot, seen } => {
                let mut all = Bits::empty(model.fields[plan.slots[slot].field].symbols.len());
                for (g, b) in seen.iter().enumerate() {
                    groups[g].push(Acc::Done(Value::Num(b.count() as f64)));
                    all.union_with(b);
                }
                Acc::Done(Value::Num(all.count() as f64))
            }
            Column::Generic { acc } => {
                let mut t = Acc::new(a.node);
                for (g, x) in acc.into_iter().enumerate() {
                    t.merge(x.clone());
                    groups[g].push(x);
                }
                t
            }
        }
    }
}

/// Adds the accumulators of a new group to every column.
pub(super) fn open_group(columns: &mut [Column], plan: &Plan<'_>, model: &DataModel) {
    for (c, a) in columns.iter_mut().zip(&plan.aggrs) {
        match c {
            Column::Num { acc, .. } => acc.open(),
            Column::Distinct { slot, seen } => seen.push(Bits::empty(
                model.fields[plan.slots[*slot].field].symbols.len(),
            )),
            Column::Generic { acc } => acc.push(Acc::new(a.node)),
        }
    }
}

/// Adds a block's symbols `syms` of a Count(DISTINCT) field to the groups `gid` of its rows.
#[inline]
pub(super) fn add_distinct(seen: &mut [Bits], syms: &[u32], gid: &[u32]) {
    for (s, g) in syms.iter().zip(gid) {
        if *s != NULL {
            seen[*g as usize].insert(*s as usize);
        }
    }
}

impl NumColumn {
    /// The neutral extreme: nothing seen yet.
    fn no_ext(&self) -> f64 {
        if self.func == AggFunc::Min {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        }
    }

    fn open(&mut self) {
        let e = self.no_ext();
        self.sum.push(0.0);
        self.count.push(0);
        self.ext.push(e);
    }

    /// Adds a block's symbols `syms` (numbers in `nums`, by symbol) to the groups `gid` of its rows.
    #[inline]
    pub(super) fn add(&mut self, nums: &[f64], syms: &[u32], gid: &[u32]) {
        let NumColumn {
            func,
            sum,
            count,
            ext,
        } = self;
        match func {
            AggFunc::Count => {
                for (s, g) in syms.iter().zip(gid) {
                    if *s != NULL {
                        count[*g as usize] += 1;
                    }
                }
            }
            AggFunc::Min => {
                for (s, g) in syms.iter().zip(gid) {
                    if *s != NULL {
                        let v = nums[*s as usize];
                        let e = &mut ext[*g as usize];
                        if v < *e {
                            *e = v;
                        }
                    }
                }
            }
            AggFunc::Max => {
                for (s, g) in syms.iter().zip(gid) {
                    if *s != NULL {
                        let v = nums[*s as usize];
                        let e = &mut ext[*g as usize];
                        if v > *e {
                            *e = v;
                        }
                    }
                }
            }
            _ => {
                for (s, g) in syms.iter().zip(gid) {
                    if *s != NULL {
                        let v = nums[*s as usize];
                        if !v.is_nan() {
                            sum[*g as usize] += v;
                            count[*g as usize] += 1;
                        }
                    }
                }
            }
        }
    }

    fn merge(&mut self, other: NumColumn, map: &[usize]) {
        let NumColumn {
            func,
            sum,
            count,
            ext,
        } = self;
        for (i, &g) in map.iter().enumerate() {
            sum[g] += other.sum[i];
            count[g] += other.count[i];
            ext[g] = if *func == AggFunc::Min {
                ext[g].min(other.ext[i])
            } else {
                ext[g].max(other.ext[i])
            };
        }
    }

    /// The aggregation's value from a sum `s`, count `c` and extreme `e`.
    #[inline]
    fn value(&self, s: f64, c: u64, e: f64) -> Value {
        match self.func {
            AggFunc::Sum => Value::Num(s),
            AggFunc::Count => Value::Num(c as f64),
            AggFunc::Avg if c > 0 => Value::Num(s / c as f64),
            AggFunc::Min | AggFunc::Max if e.is_finite() => Value::Num(e),
            _ => Value::Null,
        }
    }

    fn finish(self, groups: &mut [Group]) -> Acc {
        let (mut ts, mut tc) = (0.0, 0u64);
        let mut te = self.no_ext();
        for (g, group) in groups.iter_mut().enumerate() {
            group.push(Acc::Done(self.value(
                self.sum[g],
                self.count[g],
                self.ext[g],
            )));
            ts += self.sum[g];
            tc += self.count[g];
            te = if self.func == AggFunc::Min {
                te.min(self.ext[g])
            } else {
                te.max(self.ext[g])
            };
        }
        Acc::Done(self.value(ts, tc, te))
    }
}
