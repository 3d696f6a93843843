//! `GetHyperCubeContinuousData`: a line chart on a continuous (numeric or time) axis asks for the rows
//! whose first dimension lies in `qStart..=qEnd`, at most about `qNbrPoints` per line, and the axis'
//! ticks.
//!
//! Reduction keeps the shape of each line: when a line (a value of the second dimension, or the whole
//! cube with one dimension) has more rows in the range than `qNbrPoints`, the range is cut into
//! `qNbrPoints / 2` buckets and each bucket keeps its rows with the lowest and the highest first measure
//! (so peaks survive). `qMaxNumberLines` keeps the first lines in the cube's order. Ticks: at most
//! `qMaxNbrTicks` intervals of a round step (1, 2 or 5 × 10^n) covering the range, or on calendar
//! boundaries ([`calendar`]) when the dimension is a field of dates or timestamps. Phases:
//! [`ContinuousRequest::parse`], [`reduce`], [`ticks`], [`render`].

use super::calendar;
use super::defs::Page;
use super::render::{cube_page, Cells};
use qix_engine::HyperCube;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// What a `GetHyperCubeContinuousData` call asks for (`qOptions` and `qReverseSort`).
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuousRequest {
    start: f64,
    end: f64,
    points: usize,
    max_ticks: usize,
    max_lines: Option<usize>,
    reverse: bool,
}

impl ContinuousRequest {
    /// The request of the call's params (a missing bound is open).
    pub fn parse(p: &Map<String, Value>) -> ContinuousRequest {
        let o = p.get("qOptions").cloned().unwrap_or(Value::Null);
        let num = |k: &str| o.get(k).and_then(Value::as_f64).filter(|x| x.is_finite());
        let int = |k: &str| o.get(k).and_then(Value::as_i64).unwrap_or(-1);
        ContinuousRequest {
            start: num("qStart").unwrap_or(f64::NEG_INFINITY),
            end: num("qEnd").unwrap_or(f64::INFINITY),
            points: usize::try_from(int("qNbrPoints")).unwrap_or(0),
            max_ticks: usize::try_from(int("qMaxNbrTicks")).unwrap_or(0),
            max_lines: usize::try_from(int("qMaxNumberLines")).ok(),
            reverse: p
                .get("qReverseSort")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }
}

/// The x of a row: its first dimension's number.
fn x_of(cube: &HyperCube, row: usize) -> Option<f64> {
    cube.rows.get(row)?.dims.first()?.num
}

/// The rows kept, in the cube's order (reversed with `qReverseSort`).
pub fn reduce(cube: &HyperCube, req: &ContinuousRequest) -> Vec<usize> {
    let in_range = |i: &usize| x_of(cube, *i).is_some_and(|x| x >= req.start && x <= req.end);
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut line_of: HashMap<Option<u32>, usize> = HashMap::new();
    for i in (0..cube.rows.len()).filter(in_range) {
        let line = cube.rows[i].dims.get(1).and_then(|c| c.symbol);
        let next = lines.len();
        let at = *line_of.entry(line).or_insert(next);
        if at == next {
            if req.max_lines.is_some_and(|m| next >= m) {
                line_of.remove(&line);
                continue;
            }
            lines.push(Vec::new());
        }
        lines[at].push(i);
    }
    let mut kept: Vec<usize> = lines
        .iter()
        .flat_map(|l| thin(cube, l, req.points))
        .collect();
    kept.sort_unstable();
    if req.reverse {
        kept.reverse();
    }
    kept
}

/// One line's rows, at most about `points`: per bucket of x, the rows with the lowest and highest first
/// measure.
fn thin(cube: &HyperCube, rows: &[usize], points: usize) -> Vec<usize> {
    if points == 0 || rows.len() <= points {
        return rows.to_vec();
    }
    let xs: Vec<f64> = rows.iter().filter_map(|&i| x_of(cube, i)).collect();
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let buckets = (points / 2).max(1);
    let y = |i: usize| cube.rows[i].measures.first().and_then(|v| v.num());
    // Per bucket: (row of the lowest y, row of the highest y).
    let mut best: Vec<Option<(usize, usize)>> = vec![None; buckets];
    for (&i, x) in rows.iter().zip(&xs) {
        let b = match hi > lo {
            true => (((x - lo) / (hi - lo)) * buckets as f64) as usize,
            false => 0,
        };
        let slot = &mut best[b.min(buckets - 1)];
        let v = y(i).unwrap_or(f64::NAN);
        *slot = Some(match *slot {
            None => (i, i),
            Some((a, z)) => {
                let a = if v < y(a).unwrap_or(f64::INFINITY) {
                    i
                } else {
                    a
                };
                let z = if v > y(z).unwrap_or(f64::NEG_INFINITY) {
                    i
                } else {
                    z
                };
                (a, z)
            }
        });
    }
    let mut out: Vec<usize> = best
        .into_iter()
        .flatten()
        .flat_map(|(a, z)| [a, z])
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The smallest round step (1, 2 or 5 × 10^n) whose intervals covering `lo..=hi` are at most `max`.
fn step(lo: f64, hi: f64, max: usize) -> f64 {
    let raw = (hi - lo) / max.max(1) as f64;
    let mut mag = 10f64.powf(raw.log10().floor());
    // A range around 0 always takes two intervals: past a few magnitudes, the last step tried.
    for _ in 0..8 {
        for m in [1.0, 2.0, 5.0] {
            let s = m * mag;
            let count = (hi / s).ceil() - (lo / s).floor();
            if s >= raw && count <= max as f64 {
                return s;
            }
        }
        mag *= 10.0;
    }
    mag
}

/// Most ticks one axis gets, whatever `qMaxNbrTicks` asks: the ticks are built one by one, so a client
/// asking for 10^12 would otherwise exhaust the memory.
pub const MAX_TICKS: usize = 1_000;

/// The axis' ticks over `lo..=hi`: `(start, end)` intervals of a round step, at most `max` (and
/// [`MAX_TICKS`]). Stops where the step no longer moves a tick (a range too narrow for the floats).
pub fn ticks(lo: f64, hi: f64, max: usize) -> Vec<(f64, f64)> {
    let max = max.min(MAX_TICKS);
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || max == 0 {
        return Vec::new();
    }
    let s = step(lo, hi, max);
    let mut out = Vec::new();
    let mut t = (lo / s).floor() * s;
    while t < hi && out.len() <= max && t + s > t {
        out.push((t, t + s));
        t += s;
    }
    out
}

/// `qDataPages` (one page: the kept rows, every column) and `qAxisData`; `tags` are the first
/// dimension's field tags (its date tags choose calendar ticks).
pub fn render(
    cube: &HyperCube,
    cells: Cells<'_>,
    req: &ContinuousRequest,
    kept: &[usize],
    tags: &[String],
) -> Value {
    let shown = HyperCube {
        rows: kept.iter().map(|&i| cube.rows[i].clone()).collect(),
        totals: cube.totals.clone(),
        dim_info: cube.dim_info.clone(),
        measure_range: cube.measure_range.clone(),
        measure_errors: cube.measure_errors.clone(),
        calculated: cube.calculated.clone(),
    };
    let page = Page {
        left: 0,
        top: 0,
        width: cells.def.width(),
        height: shown.rows.len(),
    };
    let xs = || kept.iter().filter_map(|&i| x_of(cube, i));
    let lo = match req.start.is_finite() {
        true => req.start,
        false => xs().fold(f64::INFINITY, f64::min),
    };
    let hi = match req.end.is_finite() {
        true => req.end,
        false => xs().fold(f64::NEG_INFINITY, f64::max),
    };
    let name = cells
        .def
        .dimensions
        .first()
        .map(|d| d.field.clone())
        .unwrap_or_default();
    let tags: Vec<&str> = tags
        .iter()
        .map(String::as_str)
        .filter(|t| matches!(*t, "$timestamp" | "$date"))
        .collect();
    let tick_cells: Vec<Value> = axis_ticks(lo, hi, req.max_ticks, &tags, &cells.model.locale)
        .into_iter()
        .map(|(text, s, e)| json!({"qText": text, "qStart": s, "qEnd": e}))
        .collect();
    json!({
        "qDataPages": [cube_page(&shown, cells, &page)],
        "qAxisData": {"qAxis": [{"qName": name, "qTags": tags, "qTicks": tick_cells}]},
    })
}

/// The axis' ticks as `(label, start, end)`: on calendar boundaries for a field of dates or timestamps
/// (by its tags), else of a round step labelled by their numbers.
fn axis_ticks(
    lo: f64,
    hi: f64,
    max: usize,
    tags: &[&str],
    locale: &qix_expr::Locale,
) -> Vec<(String, f64, f64)> {
    if tags.contains(&"$timestamp") {
        let whole_days = tags.contains(&"$date");
        return calendar::ticks(lo, hi, max, MAX_TICKS, whole_days, locale);
    }
    let text = |s: f64| qix_expr::Value::Num(s).text().unwrap_or_default();
    ticks(lo, hi, max)
        .into_iter()
        .map(|(s, e)| (text(s), s, e))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_few() {
        assert_eq!(
            ticks(0.0, 10.0, 5),
            vec![(0.0, 2.0), (2.0, 4.0), (4.0, 6.0), (6.0, 8.0), (8.0, 10.0)]
        );
        assert_eq!(ticks(3.0, 18.0, 3), vec![(0.0, 10.0), (10.0, 20.0)]);
        assert!(ticks(1.0, 1.0, 4).is_empty());
        assert!(ticks(-5.0, 5.0, 1).len() <= 2, "ends");
    }

    #[test]
    fn ticks_are_capped_and_end_on_a_range_too_narrow_for_the_step() {
        let many = ticks(0.0, 1e6, 1_000_000_000_000);
        assert!(
            !many.is_empty() && many.len() <= MAX_TICKS + 1,
            "{}",
            many.len()
        );
        assert_eq!(many.first(), Some(&(0.0, 1000.0)));
        let narrow = ticks(1.0, 1.0 + 1e-12, usize::MAX);
        assert!(narrow.len() <= MAX_TICKS + 1, "{}", narrow.len());
        assert!(narrow.iter().all(|(s, e)| e > s));
        // Below the floats' resolution at 1e9: no step moves a tick, so none or one.
        assert!(ticks(1e9, 1e9 + 1e-6, usize::MAX).len() <= MAX_TICKS + 1);
    }

    #[test]
    fn options_parse_with_open_bounds() {
        let p = json!({"qOptions": {"qStart": 2, "qNbrPoints": 10, "qMaxNbrTicks": 4}, "qReverseSort": true});
        let r = ContinuousRequest::parse(p.as_object().unwrap_or(&Map::new()));
        assert_eq!(
            (r.start, r.end, r.points, r.max_ticks),
            (2.0, f64::INFINITY, 10, 4)
        );
        assert!(r.reverse && r.max_lines.is_none());
    }
}
