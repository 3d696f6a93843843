//! Row order: the columns' sort criteria in inter-column priority, then load order as a tie-break.

use super::{ColumnSort, CubeRow, HyperCubeDef};
use crate::dual::cmp_num;
use std::cmp::Ordering;

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
        rows.sort_by_cached_key(|r| {
            r.dims
                .iter()
                .map(|d| d.symbol.unwrap_or(u32::MAX))
                .collect::<Vec<u32>>()
        });
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
    rows.sort_by(|a, b| {
        for &c in &order {
            let o = if c < nd {
                cmp_dim(def, &expr_measure, c, a, b)
            } else {
                let s = &def.measures[c - nd].sort;
                let (x, y) = (&a.measures[c - nd], &b.measures[c - nd]);
                dir(s.by_numeric, || cmp_num(x.num(), y.num()))
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        // Stable tie-break: load order of the dimensions, NULL last.
        a.dims
            .iter()
            .map(|d| d.symbol.unwrap_or(u32::MAX))
            .cmp(b.dims.iter().map(|d| d.symbol.unwrap_or(u32::MAX)))
    });
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
        .then_with(|| dir(s.by_numeric, || cmp_num(x.num, y.num)))
        .then_with(|| {
            dir(s.by_ascii, || {
                x.text.to_lowercase().cmp(&y.text.to_lowercase())
            })
        })
        .then_with(|| dir(s.by_load_order, || x.symbol.cmp(&y.symbol)))
}
