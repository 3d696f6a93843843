//! Range selections in a cube (what a scatter plot's axis brush, a lasso over bins or a continuous line
//! chart's range select): which rows of a computed cube fall in `Range`s of their measures
//! (`RangeSelectHyperCubeValues`, `MultiRangeSelectHyperCubeValues`, `MultiRangeSelectTreeDataValues`) or
//! of a dimension's numbers (`SelectHyperCubeContinuousRange`). The caller selects those rows' values.

use qix_engine::HyperCube;
use serde_json::Value;

/// A `Range`: `qMin`..`qMax`, each end included when its `qMinInclEq` / `qMaxInclEq` says so. A missing
/// end is open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    min: f64,
    max: f64,
    min_incl: bool,
    max_incl: bool,
}

impl Range {
    /// The `Range` of a JSON object (`None`: not an object).
    pub fn parse(v: &Value) -> Option<Range> {
        let v = v.as_object()?;
        let num = |k: &str| v.get(k).and_then(Value::as_f64);
        let flag = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
        let (a, b) = (
            num("qMin").unwrap_or(f64::NEG_INFINITY),
            num("qMax").unwrap_or(f64::INFINITY),
        );
        // A range given upside down is read the right way round.
        let (min, max, min_incl, max_incl) = match a <= b {
            true => (a, b, flag("qMinInclEq"), flag("qMaxInclEq")),
            false => (b, a, flag("qMaxInclEq"), flag("qMinInclEq")),
        };
        Some(Range {
            min,
            max,
            min_incl,
            max_incl,
        })
    }

    /// Whether `x` is in the range.
    pub fn contains(&self, x: f64) -> bool {
        let above = x > self.min || (self.min_incl && x == self.min);
        let below = x < self.max || (self.max_incl && x == self.max);
        above && below
    }
}

/// A range on one measure (`NxRangeSelectInfo`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureRange {
    /// `qMeasureIx`.
    pub measure: usize,
    /// `qRange`.
    pub range: Range,
}

impl MeasureRange {
    /// The `NxRangeSelectInfo`s of a JSON array (entries without a range are left out).
    pub fn parse_all(v: Option<&Value>) -> Vec<MeasureRange> {
        let items = v.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        items
            .iter()
            .filter_map(|r| {
                Some(MeasureRange {
                    measure: r.get("qMeasureIx").and_then(Value::as_u64).unwrap_or(0) as usize,
                    range: Range::parse(r.get("qRange")?)?,
                })
            })
            .collect()
    }
}

/// The rows whose measures fall in the ranges: in all of them, or with `or` in any.
pub fn rows_in(cube: &HyperCube, ranges: &[MeasureRange], or: bool) -> Vec<usize> {
    let hit = |row: usize, r: &MeasureRange| {
        let v = cube.rows[row].measures.get(r.measure).and_then(|v| v.num());
        v.is_some_and(|x| r.range.contains(x))
    };
    (0..cube.rows.len())
        .filter(|&i| match or {
            true => ranges.iter().any(|r| hit(i, r)),
            false => !ranges.is_empty() && ranges.iter().all(|r| hit(i, r)),
        })
        .collect()
}

/// The rows whose dimension `dim` has a number in one of `ranges`.
pub fn rows_in_dimension(cube: &HyperCube, dim: usize, ranges: &[Range]) -> Vec<usize> {
    let num = |i: usize| cube.rows[i].dims.get(dim).and_then(|c| c.num);
    (0..cube.rows.len())
        .filter(|&i| num(i).is_some_and(|x| ranges.iter().any(|r| r.contains(x))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ends_are_included_as_asked_and_ranges_may_be_reversed() {
        let r =
            Range::parse(&json!({"qMin": 1, "qMax": 10, "qMinInclEq": true})).unwrap_or(Range {
                min: 0.0,
                max: 0.0,
                min_incl: false,
                max_incl: false,
            });
        assert!(r.contains(1.0) && r.contains(9.99) && !r.contains(10.0) && !r.contains(0.5));
        let rev =
            Range::parse(&json!({"qMin": 10, "qMax": 1, "qMinInclEq": true, "qMaxInclEq": false}));
        assert!(rev.is_some_and(|r| r.contains(10.0) && !r.contains(1.0)));
        let open = Range::parse(&json!({"qMin": 5, "qMinInclEq": true}));
        assert!(open.is_some_and(|r| r.contains(1e9) && !r.contains(4.0)));
        assert_eq!(Range::parse(&json!(3)), None);
    }

    #[test]
    fn measure_ranges_parse_index_and_range() {
        let all = MeasureRange::parse_all(Some(&json!([
            {"qMeasureIx": 1, "qRange": {"qMin": 0, "qMax": 2}},
            {"qMeasureIx": 0}
        ])));
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].measure, 1);
    }
}
