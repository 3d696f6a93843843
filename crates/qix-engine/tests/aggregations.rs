//! The aggregation functions beyond Sum/Count/Avg/Min/Max: order statistics, moments, counts by kind,
//! Mode, MinString/MaxString, FirstSortedValue, DISTINCT sums — over a table with NULLs and a text,
//! in the grand total and per group (so both scans and the merge of partial results take part).

use qix_engine::{compute, infer, DataModel, Dual, HyperCubeDef, ModelBuilder, SelectionState};
use qix_expr::Value;

/// T(g, v, w): group a holds 1, 2, 2, 3, 10, NULL and 'x' in v; group b one row.
fn model() -> DataModel {
    let mut b = ModelBuilder::new();
    let t = b.add_table("T", &["g", "v", "w"]).unwrap();
    let n = |x: f64| Some(Dual::number(x));
    let rows = [
        ("a", n(1.0), 5.0),
        ("a", n(2.0), 3.0),
        ("a", n(2.0), 9.0),
        ("a", n(3.0), 1.0),
        ("a", n(10.0), 7.0),
        ("a", None, 2.0),
        ("a", Some(Dual::text("x")), 4.0),
        ("b", n(4.0), 1.0),
    ];
    for (g, v, w) in rows {
        b.push_row(t, &[Some(Dual::text(g)), v, n(w)]).unwrap();
    }
    b.build().unwrap()
}

/// The measures for group `a` (a cube by g) and, when `total` is set, over all rows (no dimension).
fn values(measures: &[&str], total: bool) -> Vec<Value> {
    let m = model();
    let st = SelectionState::new();
    let dims: &[&str] = if total { &[] } else { &["g"] };
    let cube = compute(&m, &st, &infer(&m, &st), &HyperCubeDef::of(dims, measures)).unwrap();
    let row = cube
        .rows
        .iter()
        .find(|r| total || &*r.dims[0].text == "a")
        .unwrap();
    row.measures.to_vec()
}

fn close(v: &Value, want: f64) -> bool {
    v.num().is_some_and(|x| (x - want).abs() < 1e-9)
}

#[test]
fn order_statistics_and_moments() {
    let got = values(
        &[
            "Median(v)",
            "Fractile(v, 0.25)",
            "Fractile(v, 0.9)",
            "Stdev(v)",
            "Sterr(v)",
            "Skew(v)",
            "Kurtosis(v)",
            "Median(v * 2)",
        ],
        false,
    );
    let want = [
        2.0,
        2.0,
        7.2,
        3.646916505762094,
        1.6309506430300091,
        2.0286991020803327,
        4.272146531742891,
        4.0,
    ];
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(close(g, w), "measure {i}: {g:?}, want {w}");
    }
    let total = values(&["Median(v)", "Stdev(g)"], true);
    assert!(close(&total[0], 2.5), "{:?}", total[0]);
    assert!(total[1].is_null(), "no numbers, no deviation");
}

#[test]
fn counts_by_kind_mode_strings_and_distinct_sums() {
    let got = values(
        &[
            "NullCount(v)",
            "MissingCount(v)",
            "NumericCount(v)",
            "TextCount(v)",
            "Mode(v)",
            "MinString(v)",
            "MaxString(v)",
            "Sum(DISTINCT v)",
            "Avg(DISTINCT v)",
            "Sum(v)",
        ],
        false,
    );
    let nums: Vec<Option<f64>> = got.iter().map(Value::num).collect();
    assert_eq!(
        nums[..5],
        [Some(1.0), Some(2.0), Some(5.0), Some(1.0), Some(2.0)]
    );
    assert_eq!(got[5].text().as_deref(), Some("1"));
    assert_eq!(got[6].text().as_deref(), Some("x"));
    assert_eq!(nums[7..], [Some(16.0), Some(4.0), Some(18.0)]);
    let total = values(&["Mode(g)", "NumericCount(v)"], true);
    assert_eq!(total[0].text().as_deref(), Some("a"));
    assert_eq!(total[1].num(), Some(6.0));
}

#[test]
fn first_sorted_value_by_weight_and_rank() {
    let got = values(
        &[
            "FirstSortedValue(v, w)",
            "FirstSortedValue(v, -w)",
            "FirstSortedValue(v, w, 2)",
            "FirstSortedValue(v, w, 3)",
            "FirstSortedValue(g, w)",
        ],
        false,
    );
    assert_eq!(got[0].num(), Some(3.0));
    assert_eq!(got[1].num(), Some(2.0));
    assert_eq!(got[2].num(), Some(2.0));
    assert_eq!(got[3].text().as_deref(), Some("x"));
    assert_eq!(got[4].text().as_deref(), Some("a"));
    // Over all rows the smallest weight (1) is shared by 3 (group a) and 4 (group b): a tie, NULL.
    let total = values(&["FirstSortedValue(v, w)"], true);
    assert!(total[0].is_null(), "{:?}", total[0]);
}
