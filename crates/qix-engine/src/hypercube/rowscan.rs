//! The general scan: row by row over joined tuples.
//!
//! Used when some join is 1:N (a key of a joined table has several possible rows), so one base row can
//! expand to several tuples. Each block of base rows is expanded into tuples through the plan's join
//! steps (an outer join: no match leaves the other table's slot `NULL`), and every tuple is added to its
//! group's accumulators value by value. Blocks run in parallel into per-thread partials, merged at the end.

use super::acc::{Acc, Group};
use super::groups::{GroupIndex, Grouped, KeySpace};
use super::plan::{AggrPlan, Plan};
use super::scope::{value_of, RowScope};
use crate::bits::Bits;
use crate::inference::Inference;
use crate::model::DataModel;
use crate::packed::NULL;
use qix_expr::AggFunc;
use rayon::prelude::*;

/// Base rows per block (a unit of parallel work).
const BLOCK: usize = 64 * 1024;

/// One thread's groups over its blocks.
struct Partial {
    index: GroupIndex,
    groups: Vec<Group>,
    total: Group,
}

/// What every block of the scan reads.
struct RowScan<'a> {
    model: &'a DataModel,
    plan: &'a Plan<'a>,
    keys: &'a KeySpace,
    base_rows: usize,
    /// The possible rows of the base table; `None` when all are.
    base_mask: Option<&'a Bits>,
}

/// Scans the base table's possible rows in parallel blocks.
pub(super) fn scan(
    model: &DataModel,
    inference: &Inference,
    plan: &Plan<'_>,
    keys: &KeySpace,
) -> Grouped {
    let scan = RowScan {
        model,
        plan,
        keys,
        base_rows: plan.tables.first().map_or(0, |t| model.tables[*t].rows),
        base_mask: plan.tables.first().and_then(|t| inference.table_rows(*t)),
    };
    let blocks = if plan.tables.is_empty() {
        0
    } else {
        scan.base_rows.div_ceil(BLOCK)
    };
    let partials: Vec<Partial> = (0..blocks)
        .into_par_iter()
        .fold(
            || scan.empty_partial(),
            |mut part, bi| {
                scan.scan_block(&mut part, bi);
                part
            },
        )
        .collect();
    scan.merge(partials)
}

impl RowScan<'_> {
    fn empty_partial(&self) -> Partial {
        Partial {
            index: self.keys.index(),
            groups: Vec::new(),
            total: self.plan.new_group(),
        }
    }

    /// Adds block `bi` of the base table to `part`.
    fn scan_block(&self, part: &mut Partial, bi: usize) {
        let start = bi * BLOCK;
        let end = (start + BLOCK).min(self.base_rows);
        let decoded = self.decode_base(start, end);
        let mut tuples: Vec<Vec<u32>> = Vec::new();
        for r in start..end {
            if self.base_mask.is_some_and(|m| !m.contains(r)) {
                continue;
            }
            self.expand_joins(r, &mut tuples);
            for tuple in &tuples {
                let row = TupleSymbols {
                    scan: self,
                    decoded: &decoded,
                    tuple,
                    at: r - start,
                };
                self.add_tuple(part, &row);
            }
        }
    }

    /// The block's symbols of the involved fields read from the base table (decoded once, not per tuple).
    fn decode_base(&self, start: usize, end: usize) -> Vec<Option<Vec<u32>>> {
        let base_table = &self.model.tables[self.plan.tables[0]];
        let mut decoded: Vec<Option<Vec<u32>>> = vec![None; self.plan.slots.len()];
        for (i, s) in self.plan.slots.iter().enumerate() {
            if s.slot == 0 {
                if let Some(col) = base_table.column(s.field) {
                    let mut buf = vec![0u32; end - start];
                    col.get_range(start, &mut buf);
                    decoded[i] = Some(buf);
                }
            }
        }
        decoded
    }

    /// Replaces `tuples` with the joined tuples of base row `r`: one row per table in join order.
    fn expand_joins(&self, r: usize, tuples: &mut Vec<Vec<u32>>) {
        let (model, plan) = (self.model, self.plan);
        tuples.clear();
        let mut first = vec![NULL; plan.tables.len()];
        first[0] = r as u32;
        tuples.push(first);
        for (si, step) in plan.steps.iter().enumerate() {
            let slot = si + 1;
            let mut next = Vec::with_capacity(tuples.len());
            for t in tuples.drain(..) {
                let from_row = t[step.from];
                let key = if from_row == NULL {
                    NULL
                } else {
                    model.tables[plan.tables[step.from]]
                        .column(step.key)
                        .map_or(NULL, |c| c.get(from_row as usize))
                };
                match step.index.get(&key) {
                    Some(rows) if key != NULL => {
                        for &m in rows {
                            let mut t2 = t.clone();
                            t2[slot] = m;
                            next.push(t2);
                        }
                    }
                    // No row of the other table has the key: an outer-join row with its fields NULL.
                    // (A possible row whose key the other table has always finds a possible match
                    // there: inference guarantees it.)
                    _ => next.push(t),
                }
            }
            *tuples = next;
        }
    }

    /// Adds one joined tuple to its group and to the totals.
    fn add_tuple(&self, part: &mut Partial, row: &TupleSymbols<'_>) {
        let mut key: u128 = 0;
        for (di, &d) in self.plan.dims.iter().enumerate() {
            let sym = match &self.plan.derived[di] {
                None => row.sym(d),
                Some(calc) => calc.id_of(|s| row.sym(s)),
            };
            key = self.keys.push(key, di, sym);
        }
        let (gi, new) = part.index.group(key);
        if new {
            part.groups.push(self.plan.new_group());
        }
        let group = &mut part.groups[gi];
        for (ai, a) in self.plan.aggrs.iter().enumerate() {
            let (acc, total) = (&mut group[ai], &mut part.total[ai]);
            match a.plain {
                Some(slot_idx) => self.add_plain(a, slot_idx, row, acc, total),
                None => {
                    let mut scope = RowScope {
                        model: self.model,
                        plan: self.plan,
                        tuple: row.tuple,
                    };
                    let v = qix_expr::eval(&a.node.arg, &mut scope);
                    match (a.node.func.weighs_rows(), a.node.extra.first()) {
                        (true, Some(w)) => {
                            let w = qix_expr::eval(w, &mut scope).num();
                            acc.add_weighted(v.clone(), w);
                            total.add_weighted(v, w);
                        }
                        _ => {
                            acc.add_value(v.clone(), None);
                            total.add_value(v, None);
                        }
                    }
                }
            }
        }
    }

    /// Adds the value of plain-field aggregation `a` (its field in slot `slot_idx`) to `acc` and `total`:
    /// by number when it has one and the function needs no more, else as a value.
    #[inline]
    fn add_plain(
        &self,
        a: &AggrPlan<'_>,
        slot_idx: usize,
        row: &TupleSymbols<'_>,
        acc: &mut Acc,
        total: &mut Acc,
    ) {
        let s = row.sym(slot_idx);
        if s == NULL {
            return;
        }
        let symbols = &self.model.fields[self.plan.slots[slot_idx].field].symbols;
        let n = symbols.num(s);
        let fast = !n.is_nan() && !matches!(a.node.func, AggFunc::Only | AggFunc::Concat);
        if fast {
            acc.add_num(n, Some(s));
            total.add_num(n, Some(s));
        } else {
            let v = value_of(symbols.get(s));
            acc.add_value(v.clone(), Some(s));
            total.add_value(v, Some(s));
        }
    }

    /// Merges the threads' partials in order: groups keep their first-seen order.
    fn merge(&self, partials: Vec<Partial>) -> Grouped {
        let mut index = self.keys.index();
        let mut groups: Vec<Group> = Vec::new();
        let mut total = self.plan.new_group();
        for p in partials {
            for (k, g) in p.index.key_list.into_iter().zip(p.groups) {
                match index.group(k) {
                    (i, false) => {
                        for (a, b) in groups[i].iter_mut().zip(g) {
                            a.merge(b);
                        }
                    }
                    (_, true) => groups.push(g),
                }
            }
            for (a, b) in total.iter_mut().zip(p.total) {
                a.merge(b);
            }
        }
        Grouped {
            keys: index.key_list,
            groups,
            total,
        }
    }
}

/// Reads the symbols of one joined tuple: base-table fields from the block's decoded columns, the others
/// from their table's row in the tuple.
struct TupleSymbols<'a> {
    scan: &'a RowScan<'a>,
    decoded: &'a [Option<Vec<u32>>],
    tuple: &'a [u32],
    /// The base row's position in the block.
    at: usize,
}

impl TupleSymbols<'_> {
    /// The symbol of the field in slot `slot_idx` (`NULL` for none).
    #[inline]
    fn sym(&self, slot_idx: usize) -> u32 {
        let s = &self.scan.plan.slots[slot_idx];
        if s.slot == 0 {
            if let Some(buf) = &self.decoded[slot_idx] {
                return buf[self.at];
            }
        }
        let row = self.tuple[s.slot];
        if row == NULL {
            return NULL;
        }
        self.scan.model.tables[s.table]
            .column(s.field)
            .map_or(NULL, |c| c.get(row as usize))
    }
}
