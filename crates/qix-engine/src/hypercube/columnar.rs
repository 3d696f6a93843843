//! The fast scan: column by column, a block of base rows at a time.
//!
//! Applies when every join is N:1 (each key of a joined table has at most one possible row), so each base
//! row is exactly one tuple and joins become array lookups. Per block, the phases are: the possible base
//! rows, their rows in every joined table, the symbols of every involved field, the group of every row,
//! then each aggregation over the whole block in one loop (see [`super::column`]). Each thread scans a
//! contiguous run of blocks into one partial; the partials are merged and turned into finished
//! accumulators.

use super::acc::{Acc, Group};
use super::column::{add_distinct, open_group, Column};
use super::groups::{GroupIndex, Grouped, KeySpace};
use super::plan::{AggrPlan, Plan};
use super::scope::RowScope;
use crate::bits::Bits;
use crate::inference::Inference;
use crate::model::{DataModel, FieldId, TableId};
use crate::packed::NULL;
use crate::rowindex::{RowIndex, STRETCH};
use rayon::prelude::*;
use std::sync::Arc;

/// Base rows per block.
const BLOCK: usize = 64 * 1024;

/// Listed rows read together (see [`Columnar::listed`]).
const LIST_CHUNK: usize = 8 * 1024;

/// One thread's groups over its blocks.
struct ColumnarPart {
    index: GroupIndex,
    columns: Vec<Column>,
}

/// What every block of the scan reads.
struct Columnar<'a> {
    model: &'a DataModel,
    plan: &'a Plan<'a>,
    keys: &'a KeySpace,
    /// Per join step: key symbol → the one possible row of the joined table (`NULL` for none).
    single: Vec<Vec<u32>>,
    /// The possible rows of the base table; `None` when all are.
    mask: Option<&'a Bits>,
    base_rows: usize,
    /// The inference's list of the base table's rows, when it has one: a block that is the whole list
    /// reads the base table's fields through the inference, which keeps what it read (see
    /// [`Inference::listed_symbols`]).
    listed: Option<(&'a Inference, TableId, &'a [u32])>,
    /// Per slot of the plan, the one value selected in its field, if so: every possible row holds it
    /// ([`Inference::single_value`]), so the field's column is not read (a chart by the field a filter
    /// pane has one value of, over many rows).
    constant: Vec<Option<u32>>,
}

/// The rows of one block: its range of base rows and the possible ones among them.
struct Block<'a> {
    start: usize,
    end: usize,
    rows: &'a [u32],
    /// Whether most rows of the range are possible (then base columns are decoded as a whole range).
    dense: bool,
}

/// Scans with the columnar plan, or `None` when some join is 1:N (the general scan then applies).
pub(super) fn scan(
    model: &DataModel,
    inference: &Inference,
    plan: &Plan<'_>,
    keys: &KeySpace,
) -> Option<Grouped> {
    let base = *plan.tables.first()?;
    let list = inference.row_list(base);
    // A selection's values' rows are read from their field's row index, stretch by stretch.
    let indexed = (list.is_none())
        .then(|| inference.row_values(base))
        .flatten()
        .and_then(|(f, allowed)| Some((model.row_index(base, f)?, allowed)));
    let scan = Columnar {
        model,
        plan,
        keys,
        single: single_rows(model, plan)?,
        // Listed or indexed rows are read as such (their set may not even be made).
        mask: (list.is_none() && indexed.is_none())
            .then(|| inference.table_rows(base))
            .flatten(),
        base_rows: model.tables[base].rows,
        listed: list.map(|l| (inference, base, l)),
        constant: (plan.slots.iter())
            .map(|s| inference.single_value(s.field))
            .collect(),
    };
    let partials = match (list, indexed) {
        (Some(list), _) => scan.listed(list),
        (None, Some((index, allowed))) => scan.indexed(&index, allowed),
        (None, None) => scan.blocks(),
    };
    let (index, merged) = scan.merge(partials);
    Some(scan.finish(index, merged))
}

/// Per join step, key symbol → the one possible row of the joined table; `None` if a key has several.
fn single_rows(model: &DataModel, plan: &Plan<'_>) -> Option<Vec<Vec<u32>>> {
    let mut single: Vec<Vec<u32>> = Vec::new();
    for step in &plan.steps {
        let card = model.fields[step.key].symbols.len();
        let mut map = vec![NULL; card];
        for (k, rows) in &step.index {
            if rows.len() > 1 {
                return None;
            }
            map[*k as usize] = rows[0];
        }
        single.push(map);
    }
    Some(single)
}

/// The possible rows of `start..end` (all of them without a mask).
fn block_rows(mask: Option<&Bits>, start: usize, end: usize) -> Vec<u32> {
    match mask {
        None => (start as u32..end as u32).collect(),
        Some(m) => {
            let mut v = Vec::new();
            for wi in start / 64..end.div_ceil(64) {
                let mut w = m.words()[wi];
                while w != 0 {
                    v.push((wi * 64) as u32 + w.trailing_zeros());
                    w &= w - 1;
                }
            }
            v
        }
    }
}

impl Columnar<'_> {
    fn new_columns(&self) -> Vec<Column> {
        self.plan
            .aggrs
            .iter()
            .map(|a| Column::new(a, self.model, self.plan))
            .collect()
    }

    fn new_part(&self) -> ColumnarPart {
        ColumnarPart {
            index: self.keys.index(),
            columns: self.new_columns(),
        }
    }

    /// Every block of the base table: one partial per thread, each over a contiguous run of blocks (few
    /// partials keep the merge cheap).
    fn blocks(&self) -> Vec<ColumnarPart> {
        let blocks = self.base_rows.div_ceil(BLOCK);
        let threads = rayon::current_num_threads().max(1);
        let per = blocks.div_ceil(threads).max(1);
        (0..threads)
            .into_par_iter()
            .map(|t| {
                (t * per..((t + 1) * per).min(blocks)).fold(self.new_part(), |part, bi| {
                    let start = bi * BLOCK;
                    let end = (start + BLOCK).min(self.base_rows);
                    self.scan_rows(part, start, end, &block_rows(self.mask, start, end))
                })
            })
            .collect()
    }

    /// The rows of a selection's values, from their field's row index a stretch at a time (of
    /// [`STRETCH`] rows, the size of a block): one partial per thread, each over a contiguous run of the
    /// table, as [`Columnar::blocks`] but without a set of the rows to find them in.
    fn indexed(&self, index: &RowIndex, allowed: &Bits) -> Vec<ColumnarPart> {
        let n = self.base_rows;
        let threads = rayon::current_num_threads().max(1);
        let per = n.div_ceil(STRETCH).div_ceil(threads).max(1) * STRETCH;
        (0..threads)
            .into_par_iter()
            .map(|t| {
                let range = (t * per).min(n)..((t + 1) * per).min(n);
                let mut part = Some(self.new_part());
                index.for_each_stretch(allowed, range, |start, end, rows| {
                    part = part.take().map(|p| self.scan_rows(p, start, end, rows));
                });
                part.unwrap_or_else(|| self.new_part())
            })
            .collect()
    }

    /// The listed possible rows (few of a long table): read a chunk of the list at a time, without a
    /// pass over the row set or its empty blocks, and by this thread alone when the rows are too few
    /// to pay for handing half of them to another.
    fn listed(&self, list: &[u32]) -> Vec<ColumnarPart> {
        let run = |rows: &[u32]| {
            rows.chunks(LIST_CHUNK)
                .fold(self.new_part(), |part, chunk| {
                    let (start, end) = (chunk[0] as usize, chunk[chunk.len() - 1] as usize + 1);
                    self.scan_rows(part, start, end, chunk)
                })
        };
        if list.len() < 2 * LIST_CHUNK {
            return vec![run(list)];
        }
        let threads = rayon::current_num_threads().max(1);
        let per = list.len().div_ceil(threads);
        list.par_chunks(per).map(run).collect()
    }

    /// Adds `rows`, the possible base rows of `start..end` in increasing order, to `part`.
    fn scan_rows(
        &self,
        mut part: ColumnarPart,
        start: usize,
        end: usize,
        rows: &[u32],
    ) -> ColumnarPart {
        if rows.is_empty() {
            return part;
        }
        let block = Block {
            start,
            end,
            rows,
            dense: rows.len() * 8 > end - start,
        };
        // Rows are needed only to follow joins, evaluate row by row or read a sparse block.
        let needs_rows = !self.plan.steps.is_empty()
            || part
                .columns
                .iter()
                .any(|c| matches!(c, Column::Generic { .. }))
            || !block.dense;
        let slot_rows = self.join_rows(&block, needs_rows);
        let syms = self.symbols(&block, &slot_rows);
        let gid = self.group_ids(&mut part, &syms, rows.len());
        self.aggregate(&mut part.columns, &syms, &gid, &slot_rows);
        part
    }

    /// The block's row in every joined table, per slot (`NULL` where a join finds none); the base slot is
    /// empty unless `needs_rows`.
    fn join_rows(&self, block: &Block<'_>, needs_rows: bool) -> Vec<Vec<u32>> {
        let base = if needs_rows {
            block.rows.to_vec()
        } else {
            Vec::new()
        };
        let mut slot_rows: Vec<Vec<u32>> = vec![base];
        for (si, step) in self.plan.steps.iter().enumerate() {
            let from = &slot_rows[step.from];
            let col = self.model.tables[self.plan.tables[step.from]].column(step.key);
            let single = &self.single[si];
            let mapped: Vec<u32> = from
                .iter()
                .map(|&r| {
                    if r == NULL {
                        return NULL;
                    }
                    let k = col.map_or(NULL, |c| c.get(r as usize));
                    if k == NULL {
                        NULL
                    } else {
                        single[k as usize]
                    }
                })
                .collect();
            slot_rows.push(mapped);
        }
        slot_rows
    }

    /// The block's symbols of every involved field, per slot of the plan, one per possible row (those the
    /// inference keeps for its listed rows shared, not copied).
    fn symbols(&self, block: &Block<'_>, slot_rows: &[Vec<u32>]) -> Vec<Arc<Vec<u32>>> {
        let (start, end, n) = (block.start, block.end, block.rows.len());
        (self.plan.slots.iter().zip(&self.constant))
            .map(|(s, constant)| {
                let Some(col) = self.model.tables[s.table].column(s.field) else {
                    return Arc::new(vec![NULL; n]);
                };
                if let Some(sym) = *constant {
                    // A joined table's rows: `NULL` where a base row has none.
                    return Arc::new(match s.slot {
                        0 => vec![sym; n],
                        slot => (slot_rows[slot].iter())
                            .map(|&r| if r == NULL { NULL } else { sym })
                            .collect(),
                    });
                }
                if s.slot == 0 && block.dense {
                    let mut buf = vec![0u32; end - start];
                    col.get_range(start, &mut buf);
                    if n == end - start {
                        // Every row of the block: the decoded column is the answer.
                        Arc::new(buf)
                    } else {
                        Arc::new(
                            block
                                .rows
                                .iter()
                                .map(|r| buf[*r as usize - start])
                                .collect(),
                        )
                    }
                } else if let Some(kept) = self.listed_symbols(s.slot, s.field, block) {
                    kept
                } else {
                    let mut out = Vec::new();
                    col.gather(&slot_rows[s.slot], &mut out);
                    Arc::new(out)
                }
            })
            .collect()
    }

    /// The symbols of a base table's `field` at the block's rows, through the inference, when the block
    /// is the inference's whole list of them.
    fn listed_symbols(
        &self,
        slot: usize,
        field: FieldId,
        block: &Block<'_>,
    ) -> Option<Arc<Vec<u32>>> {
        let (inference, table, list) = self.listed?;
        let whole = slot == 0 && std::ptr::eq(block.rows, list);
        whole.then(|| inference.listed_symbols(self.model, table, field))?
    }

    /// The group of each of the block's `n` rows, opening new groups in `part` as they appear.
    fn group_ids(&self, part: &mut ColumnarPart, syms: &[Arc<Vec<u32>>], n: usize) -> Vec<u32> {
        let mut gid = vec![0u32; n];
        // Calculated dimensions: the block's value ids, from the symbols of their fields.
        let ids: Vec<Option<Vec<u32>>> = (self.plan.derived.iter())
            .map(|d| {
                let d = d.as_ref()?;
                Some((0..n).map(|i| d.id_of(|s| syms[s][i])).collect())
            })
            .collect();
        for (i, g) in gid.iter_mut().enumerate() {
            let mut key: u128 = 0;
            for (di, &d) in self.plan.dims.iter().enumerate() {
                let sym = match &ids[di] {
                    None => syms[d][i],
                    Some(v) => v[i],
                };
                key = self.keys.push(key, di, sym);
            }
            let (id, new) = part.index.group(key);
            if new {
                open_group(&mut part.columns, self.plan, self.model);
            }
            *g = id as u32;
        }
        gid
    }

    /// Adds the block to every column: one loop over the block per aggregation.
    fn aggregate(
        &self,
        columns: &mut [Column],
        syms: &[Arc<Vec<u32>>],
        gid: &[u32],
        slot_rows: &[Vec<u32>],
    ) {
        let mut tuple = vec![NULL; self.plan.tables.len()];
        for (c, a) in columns.iter_mut().zip(&self.plan.aggrs) {
            match c {
                Column::Num { slot, acc } => {
                    let nums = self.model.fields[self.plan.slots[*slot].field]
                        .symbols
                        .nums();
                    acc.add(nums, &syms[*slot], gid);
                }
                Column::Distinct { slot, seen } => add_distinct(seen, &syms[*slot], gid),
                Column::Generic { acc } => self.add_generic(a, acc, gid, slot_rows, &mut tuple),
            }
        }
    }

    /// Evaluates aggregation `a`'s argument row by row over the block's tuples and adds it to `acc`;
    /// `tuple` is scratch space for one tuple.
    fn add_generic(
        &self,
        a: &AggrPlan<'_>,
        acc: &mut [Acc],
        gid: &[u32],
        slot_rows: &[Vec<u32>],
        tuple: &mut [u32],
    ) {
        for (i, g) in gid.iter().enumerate() {
            for (t, sr) in tuple.iter_mut().zip(slot_rows) {
                *t = sr[i];
            }
            let mut scope = RowScope {
                model: self.model,
                plan: self.plan,
                tuple,
            };
            let v = qix_expr::eval(&a.node.arg, &mut scope);
            match (a.node.func.weighs_rows(), a.node.extra.first()) {
                (true, Some(w)) => {
                    let w = qix_expr::eval(w, &mut scope).num();
                    acc[*g as usize].add_weighted(v, w);
                }
                _ => acc[*g as usize].add_value(v, None),
            }
        }
    }

    /// Merges the threads' partials in order: groups keep their first-seen order. The first partial is
    /// the base the others merge into (its groups are already in order; copying them would cost as much
    /// as merging a second partial).
    fn merge(&self, partials: Vec<ColumnarPart>) -> (GroupIndex, Vec<Column>) {
        let mut partials = partials.into_iter();
        let (mut index, mut merged) = match partials.next() {
            Some(first) => (first.index, first.columns),
            None => (self.keys.index(), self.new_columns()),
        };
        for p in partials {
            let map: Vec<usize> = p
                .index
                .key_list
                .iter()
                .map(|k| {
                    let (g, new) = index.group(*k);
                    if new {
                        open_group(&mut merged, self.plan, self.model);
                    }
                    g
                })
                .collect();
            for (dst, src) in merged.iter_mut().zip(p.columns) {
                dst.merge(src, &map);
            }
        }
        (index, merged)
    }

    /// Turns the merged columns into finished accumulators per group and over all groups.
    fn finish(&self, index: GroupIndex, merged: Vec<Column>) -> Grouped {
        let keys = index.key_list;
        let mut groups: Vec<Group> = (0..keys.len())
            .map(|_| Group::with_capacity(self.plan.aggrs.len()))
            .collect();
        let mut total = Group::with_capacity(self.plan.aggrs.len());
        for (c, a) in merged.into_iter().zip(&self.plan.aggrs) {
            total.push(c.finish(a, self.model, self.plan, &mut groups));
        }
        Grouped {
            keys,
            groups,
            total,
        }
    }
}
