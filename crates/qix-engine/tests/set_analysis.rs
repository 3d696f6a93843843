//! Set analysis, `TOTAL <fields>` and `Aggr()`: worked cases on a small star schema, and metamorphic
//! properties on random data (a set modifier equals making that selection; `{1}` equals clearing all;
//! `Sum(Aggr(Sum(x), D))` equals `Sum(x)`; set operators follow the algebra of row sets).

mod common;

use common::number_symbols;
use proptest::prelude::*;
use qix_engine::{
    compute, compute_with, infer, DataModel, Dual, HyperCubeDef, ModelBuilder, SelectionState,
    SetBase, Sets,
};
use qix_expr::SetIdent;
use std::collections::BTreeMap;
use std::sync::Arc;

fn num(v: f64) -> Option<Dual> {
    Some(Dual::number(v))
}

fn text(s: &str) -> Option<Dual> {
    Some(Dual::text(s))
}

/// Orders(OrderId, CustomerId, Year, Sales) and Customers(CustomerId, Country).
fn star() -> DataModel {
    let mut b = ModelBuilder::new();
    let o = b
        .add_table("Orders", &["OrderId", "CustomerId", "Year", "Sales"])
        .unwrap();
    let orders = [
        (1, 1, 2020, 100.0),
        (2, 1, 2021, 50.0),
        (3, 2, 2020, 70.0),
        (4, 3, 2021, 30.0),
        (5, 3, 2022, 20.0),
        (6, 4, 2022, 5.0),
    ];
    for (id, c, y, s) in orders {
        b.push_row(o, &[num(id as f64), num(c as f64), num(y as f64), num(s)])
            .unwrap();
    }
    let c = b
        .add_table("Customers", &["CustomerId", "Country"])
        .unwrap();
    for (id, country) in [(1, "Sweden"), (2, "Sweden"), (3, "Norway"), (4, "Chile")] {
        b.push_row(c, &[num(id as f64), text(country)]).unwrap();
    }
    b.build().unwrap()
}

fn select(model: &DataModel, state: &mut SelectionState, field: &str, values: &[Dual]) {
    let f = model.field_id(field).unwrap();
    let syms = values
        .iter()
        .map(|v| model.fields[f].symbols.find(v).unwrap())
        .collect();
    state.set(f, syms);
}

/// The cube as (dimension texts → measure numbers, NULL as None), and its totals.
type Table = BTreeMap<Vec<String>, Vec<Option<f64>>>;

fn table_with(
    model: &DataModel,
    state: &SelectionState,
    dims: &[&str],
    measures: &[&str],
    base: &dyn SetBase,
) -> (Table, Vec<Option<f64>>) {
    let def = HyperCubeDef::of(dims, measures);
    let inf = infer(model, state);
    let infer_fn = |s: &SelectionState| Arc::new(infer(model, s));
    let sets = Sets::new(model, state, base, &infer_fn);
    let cube = compute_with(model, state, &inf, &def, &sets).unwrap();
    let rows = cube
        .rows
        .iter()
        .map(|r| {
            (
                r.dims.iter().map(|c| c.text.to_string()).collect(),
                r.measures.iter().map(|v| v.num()).collect(),
            )
        })
        .collect();
    (rows, cube.totals.iter().map(|v| v.num()).collect())
}

fn table(model: &DataModel, state: &SelectionState, dims: &[&str], measures: &[&str]) -> Table {
    table_with(model, state, dims, measures, &qix_engine::NoSetBase).0
}

fn row(t: &Table, key: &[&str]) -> Vec<Option<f64>> {
    let key: Vec<String> = key.iter().map(|s| s.to_string()).collect();
    t.get(&key)
        .cloned()
        .unwrap_or_else(|| panic!("no row {key:?} in {t:?}"))
}

#[test]
fn a_modifier_replaces_the_selection_of_its_field() {
    let m = star();
    let mut st = SelectionState::new();
    select(&m, &mut st, "Year", &[Dual::number(2021.0)]);
    let t = table(
        &m,
        &st,
        &["Country"],
        &["Sum({<Year={2020}>} Sales)", "Sum(Sales)"],
    );
    assert_eq!(row(&t, &["Sweden"]), vec![Some(170.0), Some(50.0)]);
    // Norway has no 2020 sales but 2021 ones: the row is there, its set measure is 0.
    assert_eq!(row(&t, &["Norway"]), vec![Some(0.0), Some(30.0)]);
    // A set ignores the current selection only where it says so: {1} ignores it all.
    let t = table(
        &m,
        &st,
        &["Country"],
        &["Sum({1} Sales)", "Count({1} DISTINCT Year)"],
    );
    assert_eq!(row(&t, &["Chile"]), vec![Some(5.0), Some(1.0)]);
    assert_eq!(t.len(), 3, "{{1}} shows every country: {t:?}");
}

#[test]
fn element_sets_searches_and_assignment_operators() {
    let m = star();
    let st = SelectionState::new();
    let cases: &[(&str, f64)] = &[
        ("Sum({<Year={2020, 2022}>} Sales)", 195.0),
        ("Sum({<Year={\">=2021\"}>} Sales)", 105.0),
        ("Sum({<Country={\"s*\"}>} Sales)", 220.0),
        ("Sum({<Country={'Sweden', Chile}>} Sales)", 225.0),
        ("Sum({<Year-={2020}>} Sales)", 105.0),
        ("Sum({<Year={2020}> + <Year={2022}>} Sales)", 195.0),
        ("Sum({1 - <Year={2020}>} Sales)", 105.0),
        (
            "Sum({<Year={2020, 2021}> * <Country={Sweden}>} Sales)",
            220.0,
        ),
        ("Sum({<Year={2020, 2021} - {2021}>} Sales)", 170.0),
        ("Sum({<Year={1999}>} Sales)", 0.0),
        ("Sum({<CustomerId={\"=Sum(Sales)>60\"}>} Sales)", 220.0),
        ("Sum({<Country=P({<Year={2022}>} Country)>} Sales)", 55.0),
        ("Sum({<Country=E({<Year={2022}>})>} Sales)", 220.0),
    ];
    for (expr, want) in cases {
        let t = table(&m, &st, &[], &[expr]);
        assert_eq!(row(&t, &[]), vec![Some(*want)], "{expr}");
    }
}

#[test]
fn field_references_and_clearing() {
    let m = star();
    let mut st = SelectionState::new();
    select(&m, &mut st, "Country", &[Dual::text("Norway")]);
    let t = table(
        &m,
        &st,
        &[],
        &["Sum({<Country=>} Sales)", "Sum({$<Year={2021}>} Sales)"],
    );
    assert_eq!(row(&t, &[]), vec![Some(275.0), Some(30.0)]);
}

/// A host that knows one bookmark and one alternate state.
struct Named(SelectionState);

impl SetBase for Named {
    fn state_of(&self, ident: &SetIdent) -> Option<SelectionState> {
        matches!(ident, SetIdent::Named(n) if n == "BM01").then(|| self.0.clone())
    }
}

#[test]
fn identifiers_come_from_the_host_and_unknown_ones_are_errors() {
    let m = star();
    let mut bm = SelectionState::new();
    select(&m, &mut bm, "Year", &[Dual::number(2022.0)]);
    let st = SelectionState::new();
    let (t, _) = table_with(
        &m,
        &st,
        &[],
        &["Sum({BM01} Sales)", "Sum({BM01<Country={Chile}>} Sales)"],
        &Named(bm),
    );
    assert_eq!(row(&t, &[]), vec![Some(25.0), Some(5.0)]);
    let def = HyperCubeDef::of(&[], &["Sum({Nope} Sales)"]);
    let cube = compute(&m, &st, &infer(&m, &st), &def).unwrap();
    let err = cube.measure_errors[0].as_deref().unwrap_or_default();
    assert!(err.contains("unknown set identifier Nope"), "{err}");
}

#[test]
fn total_with_fields_keeps_those_dimensions() {
    let m = star();
    let st = SelectionState::new();
    let (t, totals) = table_with(
        &m,
        &st,
        &["Country", "Year"],
        &[
            "Sum(Sales)",
            "Sum(TOTAL <Country> Sales)",
            "Sum(TOTAL Sales)",
        ],
        &qix_engine::NoSetBase,
    );
    assert_eq!(
        row(&t, &["Sweden", "2020"]),
        vec![Some(170.0), Some(220.0), Some(275.0)]
    );
    assert_eq!(
        row(&t, &["Norway", "2022"]),
        vec![Some(20.0), Some(50.0), Some(275.0)]
    );
    assert_eq!(totals, vec![Some(275.0), Some(275.0), Some(275.0)]);
}

#[test]
fn aggr_builds_a_nested_table() {
    let m = star();
    let st = SelectionState::new();
    let (t, totals) = table_with(
        &m,
        &st,
        &["Country"],
        &[
            "Sum(Aggr(Sum(Sales), CustomerId))",
            "Max(Aggr(Sum(Sales), CustomerId))",
            "Count(Aggr(Sum(Sales), CustomerId))",
            "Avg(TOTAL Aggr(Sum(Sales), CustomerId))",
        ],
        &qix_engine::NoSetBase,
    );
    assert_eq!(
        row(&t, &["Sweden"]),
        vec![Some(220.0), Some(150.0), Some(2.0), Some(68.75)]
    );
    assert_eq!(
        row(&t, &["Norway"]),
        vec![Some(50.0), Some(50.0), Some(1.0), Some(68.75)]
    );
    assert_eq!(totals[0], Some(275.0));
    assert_eq!(totals[1], Some(150.0));
    // The outer set filters the nested table's rows (customers with 2022 orders), not its inner sums.
    let t = table(
        &m,
        &st,
        &[],
        &["Sum({<Year={2022}>} Aggr(Sum(Sales), CustomerId))"],
    );
    assert_eq!(row(&t, &[]), vec![Some(55.0)]);
}

fn random_model(rows: &[(u8, u8, Option<u8>)]) -> DataModel {
    let mut b = ModelBuilder::new();
    let t = b.add_table("T", &["a", "b", "m"]).unwrap();
    for (a, bb, m) in rows {
        b.push_row(
            t,
            &[
                num(*a as f64),
                num(*bb as f64),
                m.map(|m| Dual::number(m as f64)),
            ],
        )
        .unwrap();
    }
    b.build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn sets_agree_with_selections(
        rows in prop::collection::vec((0u8..4, 0u8..4, prop::option::weighted(0.85, 0u8..9)), 1..40),
        selected_b in prop::collection::vec(0u8..4, 0..3),
        v in 0u8..4,
    ) {
        let m = random_model(&rows);
        let fa = m.field_id("a").unwrap();
        let fb = m.field_id("b").unwrap();
        let mut st = SelectionState::new();
        st.set(fb, number_symbols(&m, "b", &selected_b));
        // {<a={v}>} equals selecting a = v on top of the current selection.
        let mut with_a = st.clone();
        with_a.set(fa, number_symbols(&m, "a", &[v]));
        if with_a.selected(fa).is_some() {
            let by_set = table(&m, &st, &["b"], &[&format!("Sum({{<a={{{v}}}>}} m)"), &format!("Count({{$<a={{{v}}}>}} m)")]);
            let by_selection = table(&m, &with_a, &["b"], &["Sum(m)", "Count(m)"]);
            prop_assert_eq!(by_set, by_selection);
        }
        // {1} equals clearing every selection.
        let all = table(&m, &st, &["a"], &["Sum({1} m)", "Count({1} m)"]);
        let cleared = table(&m, &SelectionState::new(), &["a"], &["Sum(m)", "Count(m)"]);
        prop_assert_eq!(all, cleared);
        // Sum(Aggr(Sum(m), a)) equals Sum(m), per b.
        let nested = table(&m, &st, &["b"], &["Sum(Aggr(Sum(m), a))"]);
        let plain = table(&m, &st, &["b"], &["Sum(m)"]);
        prop_assert_eq!(nested, plain);
        // Set operators are the algebra of row sets: A = (A - B) + (A * B).
        let a = format!("<a={{{v}}}>");
        let split = table(&m, &st, &[], &[&format!("Sum({{({a} - <b={{1}}>) + ({a} * <b={{1}}>)}} m)")]);
        let whole = table(&m, &st, &[], &[&format!("Sum({{{a}}} m)")]);
        prop_assert_eq!(split, whole);
    }
}

#[test]
fn field_functions_read_the_selections() {
    let m = star();
    let mut st = SelectionState::new();
    select(&m, &mut st, "Year", &[Dual::number(2021.0)]);
    let exprs = [
        "GetSelectedCount(Year)",
        "GetPossibleCount(Country)",
        "GetExcludedCount(Country)",
        "GetAlternativeCount(Year)",
        "GetNotSelectedCount(Year)",
        "FieldIndex('Country', 'Chile')",
        "FieldValueCount('Year')",
        "Sum(Sales) / GetPossibleCount(Country)",
    ];
    let t = table(&m, &st, &[], &exprs);
    assert_eq!(
        row(&t, &[]),
        vec![
            Some(1.0),
            Some(2.0),
            Some(1.0),
            Some(2.0),
            Some(2.0),
            Some(3.0),
            Some(3.0),
            Some(40.0)
        ]
    );
    let def = HyperCubeDef::of(
        &[],
        &[
            "GetFieldSelections(Year)",
            "GetCurrentSelections()",
            "FieldValue('Country', 3)",
        ],
    );
    let cube = compute(&m, &st, &infer(&m, &st), &def).unwrap();
    let texts: Vec<String> = cube
        .totals
        .iter()
        .map(|v| v.text().unwrap_or_default())
        .collect();
    assert_eq!(texts, ["2021", "Year: 2021", "Chile"]);
}
