//! "Include zero values" (`qSuppressZero` off): dimension values without data are rows of zero
//! measures, as Qlik's full outer join over the logical table gives them; `qShowAll` adds the excluded
//! values.

use qix_engine::hypercube::DimOptions;
use qix_engine::{compute, infer, Dual, HyperCubeDef, ModelBuilder, SelectionState};

/// Customers c1..c5 (regions N/S), orders for c1, c2, c3 only (2020 and 2021).
fn model() -> qix_engine::DataModel {
    let mut b = ModelBuilder::new();
    let c = b.add_table("Customers", &["cust", "region"]).expect("t");
    for (cust, region) in [
        ("c1", "N"),
        ("c2", "N"),
        ("c3", "S"),
        ("c4", "S"),
        ("c5", "N"),
    ] {
        b.push_row(c, &[Some(Dual::text(cust)), Some(Dual::text(region))])
            .expect("row");
    }
    let o = b
        .add_table("Orders", &["cust", "year", "amount"])
        .expect("t");
    let orders = [
        ("c1", 2020, 10.0),
        ("c1", 2021, 5.0),
        ("c2", 2020, 7.0),
        ("c3", 2021, 3.0),
    ];
    // A few extra rows so that Orders is the largest table (the one the scan starts from).
    let extra = [("c1", 2020, 0.0), ("c2", 2021, 0.0), ("c3", 2021, 0.0)];
    for (cust, year, amount) in orders.iter().chain(&extra) {
        let row = [
            Some(Dual::text(*cust)),
            Some(Dual::number(*year as f64)),
            Some(Dual::number(*amount)),
        ];
        b.push_row(o, &row).expect("row");
    }
    b.build().expect("model")
}

/// Rows as (dimension texts, first measure, state letter of the first dimension).
fn rows(def: &HyperCubeDef, state: &SelectionState) -> Vec<(Vec<String>, Option<f64>, String)> {
    let model = model();
    let cube = compute(&model, state, &infer(&model, state), def).expect("computes");
    let mut out: Vec<_> = cube
        .rows
        .iter()
        .map(|r| {
            let dims: Vec<String> = r.dims.iter().map(|c| c.text.to_string()).collect();
            let state = r.dims[0].state.letter().to_string();
            (dims, r.measures[0].num(), state)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn def(dims: &[&str], measures: &[&str]) -> HyperCubeDef {
    HyperCubeDef {
        include_zero: true,
        ..HyperCubeDef::of(dims, measures)
    }
}

fn texts(v: &[(Vec<String>, Option<f64>, String)]) -> Vec<String> {
    v.iter().map(|r| r.0.join("|")).collect()
}

#[test]
fn customers_without_orders_show_with_zero() {
    let got = rows(&def(&["cust"], &["Sum(amount)"]), &SelectionState::new());
    let sums: Vec<(String, Option<f64>)> = got.iter().map(|r| (r.0[0].clone(), r.1)).collect();
    assert_eq!(
        sums,
        vec![
            ("c1".into(), Some(15.0)),
            ("c2".into(), Some(7.0)),
            ("c3".into(), Some(3.0)),
            ("c4".into(), Some(0.0)),
            ("c5".into(), Some(0.0)),
        ]
    );
    // Without it (the engine's own sub-cubes), only the customers with orders.
    let plain = HyperCubeDef::of(&["cust"], &["Sum(amount)"]);
    assert_eq!(rows(&plain, &SelectionState::new()).len(), 3);
    // Zero suppression wins over it.
    let suppressed = HyperCubeDef {
        suppress_zero: true,
        ..def(&["cust"], &["Sum(amount)"])
    };
    assert_eq!(rows(&suppressed, &SelectionState::new()).len(), 3);
}

#[test]
fn count_is_zero_and_avg_is_null_for_a_value_without_data() {
    let model = model();
    let state = SelectionState::new();
    let d = def(&["cust"], &["Count(amount)", "Avg(amount)"]);
    let cube = compute(&model, &state, &infer(&model, &state), &d).expect("computes");
    let c4 = cube
        .rows
        .iter()
        .find(|r| &*r.dims[0].text == "c4")
        .expect("c4");
    assert_eq!(c4.measures[0].num(), Some(0.0));
    assert_eq!(c4.measures[1].num(), None);
    // Totals are unchanged: 7 orders.
    assert_eq!(cube.totals[0].num(), Some(7.0));
}

#[test]
fn combinations_come_from_the_dimension_table_not_a_cartesian_product() {
    let got = rows(
        &def(&["cust", "region"], &["Sum(amount)"]),
        &SelectionState::new(),
    );
    assert_eq!(
        texts(&got),
        vec!["c1|N", "c2|N", "c3|S", "c4|S", "c5|N"],
        "no (c1, S): that combination is not in the data"
    );
    // A customer without orders has no year: NULL, as the outer join gives it.
    let by_year = rows(
        &def(&["cust", "year"], &["Sum(amount)"]),
        &SelectionState::new(),
    );
    assert_eq!(
        texts(&by_year),
        vec!["c1|2020", "c1|2021", "c2|2020", "c2|2021", "c3|2021", "c4|-", "c5|-"]
    );
    assert_eq!(by_year[3].1, Some(0.0), "c2 in 2021: a row of zero amount");
}

#[test]
fn excluded_values_stay_out_unless_show_all() {
    let model = model();
    let mut state = SelectionState::new();
    let f = model.field_id("region").expect("region");
    let n = model.fields[f].symbols.find(&Dual::text("N")).expect("N");
    state.toggle(f, &[n]);
    let got = rows(&def(&["cust"], &["Sum(amount)"]), &state);
    assert_eq!(texts(&got), vec!["c1", "c2", "c5"]);
    let mut all = def(&["cust"], &["Sum(amount)"]);
    all.dim_options = vec![DimOptions {
        show_all: true,
        ..Default::default()
    }];
    let got = rows(&all, &state);
    assert_eq!(texts(&got), vec!["c1", "c2", "c3", "c4", "c5"]);
    let c3 = &got[2];
    assert_eq!((c3.1, c3.2.as_str()), (Some(0.0), "X"), "excluded, 0");
    assert_eq!(got[0].1, Some(15.0));
}

#[test]
fn a_set_analysis_measure_fills_too() {
    let d = def(&["cust"], &["Sum({<year={2021}>} amount)"]);
    let got = rows(&d, &SelectionState::new());
    let sums: Vec<Option<f64>> = got.iter().map(|r| r.1).collect();
    assert_eq!(texts(&got), vec!["c1", "c2", "c3", "c4", "c5"]);
    assert_eq!(
        sums,
        vec![Some(5.0), Some(0.0), Some(3.0), Some(0.0), Some(0.0)]
    );
}

/// (dimension texts, first measure) of each row, sorted by text.
fn sums(def: &HyperCubeDef) -> Vec<(String, Option<f64>)> {
    let got = rows(def, &SelectionState::new());
    got.iter().map(|r| (r.0.join("|"), r.1)).collect()
}

#[test]
fn a_calculated_dimension_gets_the_values_of_its_fields_without_data() {
    let one_field = sums(&def(&["=Upper(cust)"], &["Sum(amount)"]));
    assert_eq!(
        one_field,
        vec![
            ("C1".into(), Some(15.0)),
            ("C2".into(), Some(7.0)),
            ("C3".into(), Some(3.0)),
            ("C4".into(), Some(0.0)),
            ("C5".into(), Some(0.0)),
        ]
    );
    // Two fields of the customers' table: their combinations there (not a cartesian product).
    let two_fields = sums(&def(&["=cust & '-' & region"], &["Sum(amount)"]));
    let texts: Vec<&str> = two_fields.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(texts, vec!["c1-N", "c2-N", "c3-S", "c4-S", "c5-N"]);
    assert_eq!(two_fields[3].1, Some(0.0));
    // Values that collapse into one: c4 and c5 have no orders, but 'S' has c3's.
    let by_region = sums(&def(&["=Lower(region)"], &["Sum(amount)"]));
    assert_eq!(
        by_region,
        vec![("n".into(), Some(22.0)), ("s".into(), Some(3.0))]
    );
    let plain = HyperCubeDef::of(&["=Upper(cust)"], &["Sum(amount)"]);
    assert_eq!(sums(&plain).len(), 3, "no zero rows when not asked for");
}

#[test]
fn values_without_data_rank_as_zero_and_fill_the_others_group() {
    let with_others = |n: usize| {
        let mut d = def(&["cust"], &["Sum(amount)"]);
        d.dim_options = vec![DimOptions {
            others: Some(qix_engine::hypercube::Others {
                mode: qix_engine::hypercube::OthersMode::Counted(n),
                descending: true,
                suppress: false,
                keep_bad_values: false,
                label: "Others".into(),
            }),
            ..Default::default()
        }];
        sums(&d)
    };
    // Top three: the customers with orders; c4 and c5 make an Others row of 0.
    let three = with_others(3);
    let texts: Vec<&str> = three.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(texts, vec!["Others", "c1", "c2", "c3"]);
    assert_eq!(three[0].1, Some(0.0));
    // Top four: c4 (0, first in load order of the ties) is kept, c5 is Others.
    let four = with_others(4);
    let texts: Vec<&str> = four.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(texts, vec!["Others", "c1", "c2", "c3", "c4"]);
    assert_eq!((four[0].1, four[4].1), (Some(0.0), Some(0.0)));
}
