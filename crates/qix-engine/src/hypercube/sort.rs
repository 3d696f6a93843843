//! Row order: the columns' sort criteria in inter-column priority, then load order as a tie-break.

use super::{ColumnSort, CubeRow, DimCell, HyperCubeDef};
use crate::dual::cmp_num;
use std::cmp::Ordering;
use std::collections::HashMap;

/// Applies a sort direction to a comparison that is computed only when the criterion is on.
fn dir(d: i8, o: impl FnOnce() -> Ordering) -> Ordering {
    match d {
        0 => Ordering::Equal,
        d if d < 0 => o().reverse(),
        _ => o(),
    }
}

/// Whether a column has no sort criterion on.
fn off(c: &ColumnSort) -> bool {
    c.by_numeric == 0
        && c.by_ascii == 0
        && c.by_load_order == 0
        && c.by_state == 0
        && c.by_expression == 0
}

/// Sorts `rows` of `def`, whose last `hidden` measures are the sort expressions of dimensions.
pub(super) fn sort_rows(rows: &mut [CubeRow], def: &HyperCubeDef, hidden: usize) {
    if def.dimensions.iter().all(|d| off(&d.sort)) && def.measures.iter().all(|m| off(&m.sort)) {
        // No criterion: load order of the dimensions, NULL last (one key per row, not per comparison).
        if let Some(idx) = narrow_load_order(rows) {
            return permute(rows, &idx);
        }
        match def.dimensions.len() <= 4 {
            true => rows.sort_by_cached_key(|r| pack(load_key(r))),
            false => rows.sort_by_cached_key(|r| load_key(r).collect::<Vec<u32>>()),
        }
        return;
    }
    let nd = def.dimensions.len();
    let shown = def.measures.len() - hidden;
    let ncols = nd + shown;
    let expr_measure = expression_measures(def, shown);
    let order: Vec<usize> = if def.inter_column_sort.is_empty() {
        (0..ncols).collect()
    } else {
        def.inter_column_sort
            .iter()
            .copied()
            .filter(|c| *c < ncols)
            .collect()
    };
    if expr_measure.iter().all(Option::is_none) {
        return sort_ranked(rows, def, &order);
    }
    rows.sort_by(|a, b| {
        for &c in &order {
            let o = if c < nd {
                cmp_dim(def, &expr_measure, c, a, b)
            } else {
                cmp_measure(def, c - nd, a, b)
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        load_order(a, b)
    });
}

/// Compares rows by measure `m`'s criterion.
fn cmp_measure(def: &HyperCubeDef, m: usize, a: &CubeRow, b: &CubeRow) -> Ordering {
    let (x, y) = (&a.measures[m], &b.measures[m]);
    dir(def.measures[m].sort.by_numeric, || {
        cmp_num(x.num(), y.num())
    })
}

/// A row's load-order key: its dimensions' symbols, NULL last.
fn load_key(r: &CubeRow) -> impl Iterator<Item = u32> + '_ {
    r.dims.iter().map(|d| d.symbol.unwrap_or(u32::MAX))
}

/// The load order of `rows` when their load-order keys fit 64 bits once each dimension's symbols take
/// only the bits its largest one needs (NULL one past it): sorted by [`radix::order`].
fn narrow_load_order(rows: &[CubeRow]) -> Option<Vec<u32>> {
    let nd = rows.first()?.dims.len();
    let mut max = vec![0u64; nd];
    for r in rows {
        for (m, d) in max.iter_mut().zip(&r.dims) {
            *m = (*m).max(d.symbol.map_or(0, u64::from));
        }
    }
    // Values 0..=max + 1 (NULL), in as few bits as hold them.
    let widths: Vec<u32> = max.iter().map(|m| 64 - (m + 1).leading_zeros()).collect();
    let bits: u32 = widths.iter().sum();
    if bits > 64 || rows.iter().any(|r| r.dims.len() != nd) {
        return None;
    }
    let key = |r: &CubeRow| {
        let parts = r.dims.iter().zip(max.iter().zip(&widths));
        parts.fold(0u64, |k, (d, (m, w))| {
            // A shift by the whole width (a lone 64-bit part) keeps nothing of the key before it.
            k.checked_shl(*w).unwrap_or(0) | d.symbol.map_or(m + 1, u64::from)
        })
    };
    let keys: Vec<u64> = rows.iter().map(key).collect();
    super::radix::order(&keys, bits)
}

/// Up to four 32-bit parts in one integer that orders as they do, first part first.
fn pack(parts: impl Iterator<Item = u32>) -> u128 {
    parts.fold(0, |k, p| k << 32 | u128::from(p))
}

/// The stable tie-break: load order of the dimensions, NULL last.
fn load_order(a: &CubeRow, b: &CubeRow) -> Ordering {
    load_key(a).cmp(load_key(b))
}

/// The sort when no dimension sorts by an expression: a dimension's criteria depend on its value alone,
/// so each distinct value is ranked once (texts lower-cased once, not per comparison) and rows compare
/// by ranks — what a cube of 100,000 rows over a few thousand values needs.
fn sort_ranked(rows: &mut [CubeRow], def: &HyperCubeDef, order: &[usize]) {
    let nd = def.dimensions.len();
    let ranks: Vec<Vec<u32>> = (0..nd)
        .map(|c| ranks(rows, c, &def.dimensions[c].sort))
        .collect();
    let idx = match packed_order(rows, def, order, &ranks) {
        Some(idx) => idx,
        None => ranked_order(rows, def, order, &ranks),
    };
    permute(rows, &idx);
}

/// The order of rows by dimension ranks alone (every column in `order` a dimension, at most four
/// dimensions): each row's ranks and load-order tie-break packed into two integers, sorted as such.
fn packed_order(
    rows: &[CubeRow],
    def: &HyperCubeDef,
    order: &[usize],
    ranks: &[Vec<u32>],
) -> Option<Vec<u32>> {
    let nd = def.dimensions.len();
    if nd > 4 || order.len() > 4 || order.iter().any(|&c| c >= nd) {
        return None;
    }
    let mut keys: Vec<(u128, u128, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let by_rank = pack(order.iter().map(|&c| ranks[c][i]));
            (by_rank, pack(load_key(r)), i as u32)
        })
        .collect();
    keys.sort_unstable();
    Some(keys.into_iter().map(|k| k.2).collect())
}

/// The order of rows by dimension ranks and measure values, column by column.
fn ranked_order(
    rows: &[CubeRow],
    def: &HyperCubeDef,
    order: &[usize],
    ranks: &[Vec<u32>],
) -> Vec<u32> {
    let nd = def.dimensions.len();
    let mut idx: Vec<u32> = (0..rows.len() as u32).collect();
    idx.sort_by(|&i, &j| {
        let (a, b) = (&rows[i as usize], &rows[j as usize]);
        for &c in order {
            let o = match c < nd {
                true => ranks[c][i as usize].cmp(&ranks[c][j as usize]),
                false => cmp_measure(def, c - nd, a, b),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        load_order(a, b)
    });
    idx
}

/// Puts `rows` in the order `idx` gives (row `idx[k]` becomes row `k`), in place by swaps along the
/// permutation's cycles: a cube's rows are megabytes, and a fresh buffer for them costs a page fault per
/// page touched.
fn permute(rows: &mut [CubeRow], idx: &[u32]) {
    let mut from: Vec<u32> = idx.to_vec();
    for i in 0..from.len() {
        // Row `from[i]` belongs here; if that slot was already filled, its row was swapped away to the
        // slot that slot's source names — follow it.
        let mut j = from[i] as usize;
        while j < i {
            j = from[j] as usize;
        }
        from[i] = j as u32;
        rows.swap(i, j);
    }
}

/// Per row, the rank of its cell of dimension `c` among the column's distinct cells under `sort`
/// (cells that compare equal share a rank).
fn ranks(rows: &[CubeRow], c: usize, sort: &ColumnSort) -> Vec<u32> {
    type Key = (Option<u32>, bool, u8);
    let key = |d: &DimCell| -> Key { (d.symbol, d.other, d.state.rank()) };
    let mut distinct: HashMap<Key, u32, foldhash::fast::RandomState> = HashMap::default();
    let mut cells: Vec<&DimCell> = Vec::new();
    for r in rows {
        let d = &r.dims[c];
        distinct.entry(key(d)).or_insert_with(|| {
            cells.push(d);
            cells.len() as u32 - 1
        });
    }
    let lower: Vec<String> = match sort.by_ascii {
        0 => Vec::new(),
        _ => cells.iter().map(|d| d.text.to_lowercase()).collect(),
    };
    let mut by: Vec<u32> = (0..cells.len() as u32).collect();
    let cmp = |&i: &u32, &j: &u32| {
        let (x, y) = (cells[i as usize], cells[j as usize]);
        dir(sort.by_state, || x.state.rank().cmp(&y.state.rank()))
            .then_with(|| cmp_value(sort, x, y, || lower[i as usize].cmp(&lower[j as usize])))
    };
    by.sort_by(cmp);
    let mut rank_of = vec![0u32; cells.len()];
    let mut rank = 0;
    for (n, w) in by.iter().enumerate() {
        if n > 0 && cmp(&by[n - 1], w) != Ordering::Equal {
            rank += 1;
        }
        rank_of[*w as usize] = rank;
    }
    rows.iter()
        .map(|r| rank_of[distinct[&key(&r.dims[c])] as usize])
        .collect()
}

/// The hidden measure of each dimension sorted by expression (they follow the `shown` measures).
fn expression_measures(def: &HyperCubeDef, shown: usize) -> Vec<Option<usize>> {
    let mut next_hidden = shown;
    def.dimensions
        .iter()
        .map(|d| {
            (d.sort.by_expression != 0 && d.sort.expression.is_some()).then(|| {
                next_hidden += 1;
                next_hidden - 1
            })
        })
        .collect()
}

/// Compares rows `a` and `b` by dimension `c`'s criteria: state, expression, number, text, load order.
fn cmp_dim(
    def: &HyperCubeDef,
    expr_measure: &[Option<usize>],
    c: usize,
    a: &CubeRow,
    b: &CubeRow,
) -> Ordering {
    let s = &def.dimensions[c].sort;
    let (x, y) = (&a.dims[c], &b.dims[c]);
    dir(s.by_state, || x.state.rank().cmp(&y.state.rank()))
        .then_with(|| match expr_measure[c] {
            Some(m) => dir(s.by_expression, || {
                cmp_num(a.measures[m].num(), b.measures[m].num())
            }),
            None => Ordering::Equal,
        })
        .then_with(|| {
            cmp_value(s, x, y, || {
                x.text.to_lowercase().cmp(&y.text.to_lowercase())
            })
        })
}

/// Compares two cells of one dimension by the criteria after state and expression: number, text (as
/// `ascii` compares their lower-cased texts), load order.
fn cmp_value(
    s: &ColumnSort,
    x: &DimCell,
    y: &DimCell,
    ascii: impl FnOnce() -> Ordering,
) -> Ordering {
    dir(s.by_numeric, || cmp_num(x.num, y.num))
        .then_with(|| dir(s.by_ascii, ascii))
        .then_with(|| dir(s.by_load_order, || x.symbol.cmp(&y.symbol)))
}
