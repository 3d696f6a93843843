//! Chart row functions: `Above`, `Below`, `Top`, `Bottom`, `RowNo`, `NoOfRows`, `Column`, `Rank`,
//! `Dimensionality`, evaluated over the chart's rows in their sorted order, as Qlik does.
//!
//! Rows are grouped in *column segments*: rows with the same values in every dimension but the last
//! (one segment for a chart with fewer than two dimensions). `Above(e, offset, count)` is `e` on the row
//! `offset` rows higher in the row's segment (NULL outside it); with `count` it names that many rows,
//! which a range function takes all of (`RangeSum(Above(Sum(x), 0, 3))`). `Rank(e)` ranks the row's
//! value of `e` in its segment, the highest value first.
//!
//! What it is not for: the values themselves — an expression on another row is evaluated by the
//! caller's `at` (contexts.rs), which knows every row's aggregations.

use super::CubeRow;
use qix_expr::{Aggr, AggrFn, Expr, Locale, Scope, Value};
use std::collections::HashMap;

/// The rows' column segments, in sorted order.
pub(super) struct Segments {
    /// Row indexes of each segment, in row order.
    members: Vec<Vec<usize>>,
    /// Each row's (segment, position in it).
    place: Vec<(usize, usize)>,
}

impl Segments {
    /// Segments of `rows` (sorted) by all dimensions but the last.
    pub(super) fn of(rows: &[CubeRow]) -> Segments {
        let mut ids: HashMap<Vec<Option<u32>>, usize> = HashMap::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        let mut place = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let upto = r.dims.len().saturating_sub(1);
            let key: Vec<Option<u32>> = r.dims[..upto].iter().map(|c| c.symbol).collect();
            let next = members.len();
            let seg = *ids.entry(key).or_insert(next);
            if seg == members.len() {
                members.push(Vec::new());
            }
            place.push((seg, members[seg].len()));
            members[seg].push(i);
        }
        Segments { members, place }
    }

    /// One segment of all `n` rows (what `TOTAL` asks for).
    pub(super) fn whole(n: usize) -> Segments {
        Segments {
            members: vec![(0..n).collect()],
            place: (0..n).map(|i| (0, i)).collect(),
        }
    }
}

/// The rows' column segments, and the whole column as one.
pub(super) struct Layout {
    segments: Segments,
    whole: Segments,
}

impl Layout {
    /// The layout of `rows` (sorted).
    pub(super) fn of(rows: &[CubeRow]) -> Layout {
        Layout {
            segments: Segments::of(rows),
            whole: Segments::whole(rows.len()),
        }
    }

    fn pick(&self, total: bool) -> &Segments {
        if total {
            &self.whole
        } else {
            &self.segments
        }
    }
}

/// Evaluates an expression on a row of the chart (`None`: the totals row).
pub(super) type At<'a> = dyn Fn(Option<usize>, &Expr) -> Value + 'a;

/// What a measure with chart row functions sees on one row.
pub(super) struct ChartScope<'a, S: Scope> {
    /// The row's own scope (fields and aggregations of this row).
    pub(super) inner: S,
    /// This row; `None` for the totals.
    pub(super) row: Option<usize>,
    pub(super) rows: &'a [CubeRow],
    pub(super) layout: &'a Layout,
    pub(super) at: &'a At<'a>,
    pub(super) ndims: usize,
    /// `Rank` values per (call, whole column?, segment), computed once: the values of the segment,
    /// highest first.
    pub(super) ranks: &'a mut HashMap<(*const Expr, bool, usize), Vec<f64>>,
}

impl<S: Scope> ChartScope<'_, S> {
    fn int_arg(&mut self, args: &[Expr], i: usize, default: i64) -> i64 {
        args.get(i)
            .and_then(|e| qix_expr::eval(e, self).num())
            .map_or(default, |n| n.trunc() as i64)
    }

    /// The rows an inter-record function names, as positions in the row's segment (may be outside it).
    fn positions(&mut self, name: &str, total: bool, args: &[Expr]) -> Option<(usize, Vec<i64>)> {
        let r = self.row?;
        let segments = self.layout.pick(total);
        let (seg, pos) = segments.place[r];
        let len = segments.members[seg].len() as i64;
        let default_offset = if matches!(name, "Above" | "Below") {
            1
        } else {
            0
        };
        let offset = self.int_arg(args, 1, default_offset);
        // More rows than the segment has name nothing more: the count is bounded by its length.
        let count = self.int_arg(args, 2, 1).clamp(1, len.max(1));
        let pos = pos as i64;
        let first = match name {
            "Above" => pos - offset,
            "Below" => pos + offset,
            "Top" => offset,
            _ => len - 1 - offset,
        };
        let step = if matches!(name, "Above" | "Bottom") {
            -1
        } else {
            1
        };
        Some((seg, (0..count).map(|k| first + k * step).collect()))
    }

    fn rank(&mut self, total: bool, args: &[Expr]) -> Value {
        let (Some(r), Some(expr)) = (self.row, args.first()) else {
            return Value::Null;
        };
        let Some(v) = (self.at)(Some(r), expr).num() else {
            return Value::Null;
        };
        let segments = self.layout.pick(total);
        let seg = segments.place[r].0;
        let key = (expr as *const Expr, total, seg);
        if !self.ranks.contains_key(&key) {
            let mut vals: Vec<f64> = segments.members[seg]
                .iter()
                .filter_map(|&i| (self.at)(Some(i), expr).num())
                .collect();
            vals.sort_by(|a, b| b.total_cmp(a));
            self.ranks.insert(key, vals);
        }
        let mode = self.int_arg(args, 1, 0);
        let vals = &self.ranks[&key];
        // `vals` is sorted highest first: the tie group of `v` starts after the greater values.
        let low = vals.partition_point(|x| *x > v) + 1;
        let high = vals.partition_point(|x| *x >= v);
        let rank = match mode {
            1 => low as f64,
            2 => (low + high) as f64 / 2.0,
            3 => high as f64,
            // 4: lowest rank on the first row of a tie, then one more per row (the row's place among
            // the tied rows of its segment, in row order).
            4 => (low + self.tie_position(r, total, expr, v)) as f64,
            // 0: the lowest rank when the tie sits in the upper half of the ranking, else the highest.
            _ if low * 2 <= vals.len() + 1 => low as f64,
            _ => high as f64,
        };
        Value::Num(rank)
    }

    /// How many rows before `r` in its segment have the value `v` of `expr`.
    fn tie_position(&self, r: usize, total: bool, expr: &Expr, v: f64) -> usize {
        let segments = self.layout.pick(total);
        let (seg, pos) = segments.place[r];
        segments.members[seg][..pos]
            .iter()
            .filter(|&&i| (self.at)(Some(i), expr).num() == Some(v))
            .count()
    }
}

impl<S: Scope> Scope for ChartScope<'_, S> {
    fn field(&mut self, name: &str) -> Value {
        self.inner.field(name)
    }

    fn aggregate(&mut self, aggr: &Aggr) -> Value {
        self.inner.aggregate(aggr)
    }

    fn aggr_fn(&mut self, aggr: &AggrFn) -> Value {
        self.inner.aggr_fn(aggr)
    }

    fn locale(&self) -> &Locale {
        self.inner.locale()
    }

    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        self.inner.call(name, args)
    }

    fn inter_record(&mut self, name: &str, total: bool, args: &[Expr]) -> Vec<Value> {
        let positions = self.positions(name, total, args);
        let (Some(expr), Some((seg, positions))) = (args.first(), positions) else {
            return Vec::new();
        };
        let members = &self.layout.pick(total).members[seg];
        positions
            .into_iter()
            .map(
                |p| match usize::try_from(p).ok().and_then(|p| members.get(p)) {
                    Some(&row) => (self.at)(Some(row), expr),
                    None => Value::Null,
                },
            )
            .collect()
    }

    fn chart_fn(&mut self, name: &str, total: bool, args: &[Expr]) -> Option<Value> {
        let Some(r) = self.row else {
            // The totals row has no place among the rows.
            return Some(match name {
                "Dimensionality" | "SecondaryDimensionality" => Value::Num(0.0),
                _ => Value::Null,
            });
        };
        let segments = self.layout.pick(total);
        let (seg, pos) = segments.place[r];
        Some(match name {
            "RowNo" => Value::Num((pos + 1) as f64),
            "NoOfRows" => Value::Num(segments.members[seg].len() as f64),
            "Column" => {
                let n = self.int_arg(args, 0, 0);
                usize::try_from(n - 1)
                    .ok()
                    .and_then(|i| self.rows[r].measures.as_slice().get(i))
                    .cloned()
                    .unwrap_or(Value::Null)
            }
            "Rank" | "HRank" => self.rank(total, args),
            "Dimensionality" => Value::Num(self.ndims as f64),
            _ => Value::Num(0.0),
        })
    }
}
