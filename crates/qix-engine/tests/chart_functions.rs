//! Chart row functions over the sorted rows: Above/Below/Top/Bottom within column segments, rolling
//! sums through range functions, RowNo/NoOfRows, Rank with its tie modes, Column, Dimensionality.

use qix_engine::{
    compute, infer, ColumnSort, DataModel, DimensionDef, Dual, HyperCubeDef, MeasureDef,
    ModelBuilder, SelectionState,
};

/// Sales(Region, Month, Sales): North 10, 20, 5 and South 7, 7, 30 over months 1..3.
fn model() -> DataModel {
    let mut b = ModelBuilder::new();
    let t = b.add_table("Sales", &["Region", "Month", "Sales"]).unwrap();
    let rows = [
        ("South", 3.0, 30.0),
        ("North", 1.0, 10.0),
        ("South", 1.0, 7.0),
        ("North", 2.0, 20.0),
        ("North", 3.0, 5.0),
        ("South", 2.0, 7.0),
    ];
    for (r, m, s) in rows {
        b.push_row(
            t,
            &[
                Some(Dual::text(r)),
                Some(Dual::number(m)),
                Some(Dual::number(s)),
            ],
        )
        .unwrap();
    }
    b.build().unwrap()
}

fn def(dims: &[&str], measures: &[&str]) -> HyperCubeDef {
    HyperCubeDef {
        dimensions: dims
            .iter()
            .map(|d| DimensionDef {
                field: d.to_string(),
                sort: ColumnSort {
                    by_ascii: 1,
                    by_numeric: 1,
                    ..Default::default()
                },
            })
            .collect(),
        measures: measures
            .iter()
            .map(|m| MeasureDef {
                expr: m.to_string(),
                sort: Default::default(),
            })
            .collect(),
        ..Default::default()
    }
}

/// Each row's measures as numbers (NULL: None), in row order.
fn columns(dims: &[&str], measures: &[&str]) -> (Vec<Vec<Option<f64>>>, Vec<Option<f64>>) {
    let m = model();
    let st = SelectionState::new();
    let cube = compute(&m, &st, &infer(&m, &st), &def(dims, measures)).unwrap();
    let rows = cube
        .rows
        .iter()
        .map(|r| r.measures.iter().map(|v| v.num()).collect())
        .collect();
    (rows, cube.totals.iter().map(|v| v.num()).collect())
}

fn col(rows: &[Vec<Option<f64>>], i: usize) -> Vec<Option<f64>> {
    rows.iter().map(|r| r[i]).collect()
}

#[test]
fn inter_record_functions_work_within_column_segments() {
    let (rows, totals) = columns(
        &["Region", "Month"],
        &[
            "Sum(Sales)",
            "Above(Sum(Sales))",
            "RangeSum(Above(Sum(Sales), 0, 2))",
            "Below(Sum(Sales))",
            "Top(Sum(Sales))",
            "Bottom(Sum(Sales))",
            "RowNo()",
            "NoOfRows()",
            "Column(1) * 2",
            "Dimensionality()",
        ],
    );
    let s = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
    assert_eq!(col(&rows, 0), s(&[10.0, 20.0, 5.0, 7.0, 7.0, 30.0]));
    assert_eq!(
        col(&rows, 1),
        vec![None, Some(10.0), Some(20.0), None, Some(7.0), Some(7.0)],
        "Above stays in the region's segment"
    );
    assert_eq!(col(&rows, 2), s(&[10.0, 30.0, 25.0, 7.0, 14.0, 37.0]));
    assert_eq!(
        col(&rows, 3),
        vec![Some(20.0), Some(5.0), None, Some(7.0), Some(30.0), None]
    );
    assert_eq!(col(&rows, 4), s(&[10.0, 10.0, 10.0, 7.0, 7.0, 7.0]));
    assert_eq!(col(&rows, 5), s(&[5.0, 5.0, 5.0, 30.0, 30.0, 30.0]));
    assert_eq!(col(&rows, 6), s(&[1.0, 2.0, 3.0, 1.0, 2.0, 3.0]));
    assert_eq!(col(&rows, 7), s(&[3.0; 6]));
    assert_eq!(col(&rows, 8), s(&[20.0, 40.0, 10.0, 14.0, 14.0, 60.0]));
    assert_eq!(col(&rows, 9), s(&[2.0; 6]));
    assert_eq!(totals[0], Some(79.0));
    assert_eq!(totals[1], None, "the totals row has no row above");
    assert_eq!(totals[9], Some(0.0));
}

#[test]
fn rank_modes_and_one_segment_for_one_dimension() {
    let (rows, _) = columns(
        &["Region", "Month"],
        &[
            "Rank(Sum(Sales))",
            "Rank(Sum(Sales), 1)",
            "Rank(Sum(Sales), 3)",
            "Rank(Sum(Sales), 4)",
        ],
    );
    // North 10, 20, 5 → 2, 1, 3; South 7, 7, 30 → the tie takes ranks 2-3.
    assert_eq!(col(&rows, 0)[..3], [Some(2.0), Some(1.0), Some(3.0)]);
    assert_eq!(col(&rows, 0)[3..], [Some(2.0), Some(2.0), Some(1.0)]);
    assert_eq!(col(&rows, 1)[3..], [Some(2.0), Some(2.0), Some(1.0)]);
    assert_eq!(col(&rows, 2)[3..], [Some(3.0), Some(3.0), Some(1.0)]);
    assert_eq!(col(&rows, 3)[3..], [Some(2.0), Some(3.0), Some(1.0)]);
    // By month alone: 17, 27, 35 in one segment.
    let (rows, _) = columns(
        &["Month"],
        &["Sum(Sales)", "Rank(Sum(Sales))", "Above(Sum(Sales))"],
    );
    assert_eq!(col(&rows, 1), vec![Some(3.0), Some(2.0), Some(1.0)]);
    assert_eq!(col(&rows, 2), vec![None, Some(17.0), Some(27.0)]);
}

#[test]
fn total_works_over_the_whole_column() {
    let (rows, _) = columns(
        &["Region", "Month"],
        &[
            "Above(TOTAL Sum(Sales))",
            "RowNo(TOTAL)",
            "NoOfRows(TOTAL)",
            "Rank(TOTAL Sum(Sales), 1)",
            "RangeSum(Above(TOTAL Sum(Sales), 0, RowNo(TOTAL)))",
            "RangeSum(Above(Sum(Sales), 0, 1e15))",
        ],
    );
    assert_eq!(
        col(&rows, 0),
        vec![
            None,
            Some(10.0),
            Some(20.0),
            Some(5.0),
            Some(7.0),
            Some(7.0)
        ]
    );
    let s = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
    assert_eq!(col(&rows, 1), s(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    assert_eq!(col(&rows, 2), s(&[6.0; 6]));
    assert_eq!(col(&rows, 3), s(&[3.0, 2.0, 6.0, 4.0, 4.0, 1.0]));
    assert_eq!(
        col(&rows, 4),
        s(&[10.0, 30.0, 35.0, 42.0, 49.0, 79.0]),
        "a running total"
    );
    // A count past the segment's length names every row of it, no more (and takes no time).
    assert_eq!(col(&rows, 5), s(&[10.0, 30.0, 35.0, 7.0, 14.0, 44.0]));
}

mod property {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Rank(x, 1) is one more than the number of rows with a greater x, in any sort order.
        #[test]
        fn rank_agrees_with_the_order_of_values(values in prop::collection::vec(0u8..6, 1..30)) {
            let mut b = ModelBuilder::new();
            let t = b.add_table("T", &["k", "x"]).unwrap();
            for (i, v) in values.iter().enumerate() {
                b.push_row(t, &[Some(Dual::number(i as f64)), Some(Dual::number(*v as f64))]).unwrap();
            }
            let m = b.build().unwrap();
            let st = SelectionState::new();
            let cube = compute(&m, &st, &infer(&m, &st), &def(&["k"], &["Sum(x)", "Rank(Sum(x), 1)", "RowNo()"])).unwrap();
            let xs: Vec<f64> = cube.rows.iter().map(|r| r.measures[0].num().unwrap()).collect();
            for (i, r) in cube.rows.iter().enumerate() {
                let greater = xs.iter().filter(|y| **y > xs[i]).count();
                prop_assert_eq!(r.measures[1].num(), Some((greater + 1) as f64));
                prop_assert_eq!(r.measures[2].num(), Some((i + 1) as f64));
            }
        }
    }
}

#[test]
fn aggr_structured_parameters_sort_the_nested_table_and_its_set_limits_it() {
    let (rows, _) = columns(
        &[],
        &[
            "Sum(Aggr(RangeSum(Above(Sum(Sales), 0, 2)), Region, (Month, (NUMERIC, ASCENDING))))",
            "Sum(Aggr(RangeSum(Above(Sum(Sales), 0, 2)), (Region), (Month, (NUMERIC, DESCENDING))))",
            "Sum(Aggr({<Region={North}>} Sum(Sales), Region, Month))",
        ],
    );
    // Rolling two-month sums per region: ascending 10, 30, 25 | 7, 14, 37; descending 5, 25, 30 |
    // 30, 37, 14.
    assert_eq!(rows[0], vec![Some(123.0), Some(141.0), Some(35.0)]);
}

#[test]
fn attribute_expressions_are_computed_per_row_without_sorting_or_suppressing() {
    let m = model();
    let st = SelectionState::new();
    let mut d = def(&["Region"], &["Sum(Sales)"]);
    d.measures[0].sort.by_numeric = -1;
    d.dimensions[0].sort = ColumnSort {
        by_expression: 1,
        expression: Some("Sum(Sales)".into()),
        ..Default::default()
    };
    d.suppress_zero = true;
    d.attributes = vec![
        "If(Sum(Sales) > 40, 1, 0)".into(),
        "Sum(nosuch +".into(),
        "RowNo()".into(),
    ];
    let cube = compute(&m, &st, &infer(&m, &st), &d).unwrap();
    // North 35, South 44; the sort expression puts North first, the attributes change nothing.
    let texts: Vec<&str> = cube.rows.iter().map(|r| r.dims[0].text.as_ref()).collect();
    assert_eq!(texts, ["North", "South"]);
    let attrs: Vec<Vec<Option<f64>>> = cube
        .rows
        .iter()
        .map(|r| r.attrs.iter().map(|v| v.num()).collect())
        .collect();
    assert_eq!(
        attrs,
        [
            vec![Some(0.0), None, Some(1.0)],
            vec![Some(1.0), None, Some(2.0)]
        ],
        "a bad attribute is NULL, chart functions see the sorted rows"
    );
    assert!(cube.rows.iter().all(|r| r.measures.len() == 1));
    assert_eq!(cube.totals.len(), 1);
    assert_eq!(cube.measure_errors, vec![None]);
}
