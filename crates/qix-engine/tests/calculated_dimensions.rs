//! Calculated dimensions (`=expr` as a dimension) against a plain reference: every possible row of the
//! data, its dimension expression evaluated on it, grouped by the result, and the measures computed per
//! group by hand.

use proptest::prelude::*;
use qix_engine::{compute, infer, DataModel, Dual, HyperCubeDef, ModelBuilder, SelectionState};
use qix_expr::{Aggr, Scope, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

fn num(v: u8) -> Option<Dual> {
    Some(Dual::number(v as f64))
}

/// Dimension texts (None = NULL) → measure values.
type Table = BTreeMap<Vec<Option<String>>, Vec<Option<f64>>>;

const MEASURES: &[&str] = &[
    "Sum(m)",
    "Count(m)",
    "Count(DISTINCT m)",
    "Avg(m)",
    "Min(m)",
    "Max(m)",
];

fn engine_table(model: &DataModel, state: &SelectionState, d: &HyperCubeDef) -> Table {
    let inf = infer(model, state);
    let cube = compute(model, state, &inf, d).expect("the cube computes");
    let mut out = Table::new();
    for r in &cube.rows {
        let key: Vec<Option<String>> = r
            .dims
            .iter()
            .map(|c| c.symbol.map(|_| c.text.to_string()))
            .collect();
        let prev = out.insert(key.clone(), r.measures.iter().map(|v| v.num()).collect());
        assert!(prev.is_none(), "one row per value: {key:?} twice");
    }
    out
}

/// One row of joined data: field name → number (absent: NULL).
struct RowScope<'a>(&'a HashMap<&'static str, u8>);

impl Scope for RowScope<'_> {
    fn field(&mut self, name: &str) -> Value {
        self.0
            .get(name)
            .map_or(Value::Null, |v| Value::Num(*v as f64))
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
}

/// The text of `expr` on a row, as a dimension value (None: NULL).
fn dim_value(expr: &qix_expr::Expr, row: &HashMap<&'static str, u8>) -> Option<String> {
    qix_expr::eval(expr, &mut RowScope(row)).text()
}

/// The measures of [`MEASURES`] over the `m` values of each group.
fn reference(groups: Vec<(Vec<Option<String>>, Option<u8>)>) -> Table {
    let mut by: BTreeMap<Vec<Option<String>>, Vec<Option<u8>>> = BTreeMap::new();
    for (g, v) in groups {
        by.entry(g).or_default().push(v);
    }
    by.into_iter()
        .map(|(g, vals)| {
            let nums: Vec<f64> = vals.iter().flatten().map(|v| *v as f64).collect();
            let distinct: BTreeSet<u8> = vals.iter().flatten().copied().collect();
            let sum: f64 = nums.iter().sum();
            let avg = (!nums.is_empty()).then(|| sum / nums.len() as f64);
            let min = nums.iter().cloned().reduce(f64::min);
            let max = nums.iter().cloned().reduce(f64::max);
            let count = Some(nums.len() as f64);
            let row = vec![Some(sum), count, Some(distinct.len() as f64), avg, min, max];
            (g, row)
        })
        .collect()
}

type Fact = (Option<u8>, Option<u8>, Option<u8>);

/// Fact(k, a, m) — Dims(k, r), keys unique in Dims.
fn star(fact: &[Fact], dim: &BTreeMap<u8, Option<u8>>) -> DataModel {
    let mut b = ModelBuilder::new();
    let f = b.add_table("Fact", &["k", "a", "m"]).expect("table");
    for (k, a, m) in fact {
        b.push_row(f, &[k.and_then(num), a.and_then(num), m.and_then(num)])
            .expect("row");
    }
    let d = b.add_table("Dims", &["k", "r"]).expect("table");
    for (k, r) in dim {
        b.push_row(d, &[num(*k), r.and_then(num)]).expect("row");
    }
    b.build().expect("model")
}

/// The joined rows of the star whose `a` is in `picked` (all rows when `None`).
fn joined(
    fact: &[Fact],
    dim: &BTreeMap<u8, Option<u8>>,
    picked: Option<&BTreeSet<u8>>,
) -> Vec<HashMap<&'static str, u8>> {
    fact.iter()
        .filter(|(_, a, _)| picked.is_none_or(|p| a.is_some_and(|a| p.contains(&a))))
        .map(|(k, a, m)| {
            let r = k.and_then(|k| dim.get(&k).copied().flatten());
            [("k", *k), ("a", *a), ("m", *m), ("r", r)]
                .into_iter()
                .filter_map(|(n, v)| v.map(|v| (n, v)))
                .collect()
        })
        .collect()
}

const CALCULATED: &[&str] = &[
    "=If(a > 2, 'Big', 'Small')",
    "=a + r",
    "=Floor(m / 2)",
    "=If(IsNull(r), 'none', 'r' & r)",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn a_calculated_dimension_groups_the_rows_by_its_value(
        fact in proptest::collection::vec((proptest::option::weighted(0.9, 0u8..6), proptest::option::weighted(0.9, 0u8..5), proptest::option::weighted(0.8, 0u8..6)), 0..40),
        dim in proptest::collection::btree_map(0u8..6, proptest::option::weighted(0.85, 0u8..3), 0..6),
        picks in proptest::option::of(proptest::collection::btree_set(0u8..5, 1..3)),
    ) {
        let model = star(&fact, &dim);
        let mut state = SelectionState::new();
        let mut effective = None;
        if let (Some(p), Some(a)) = (&picks, model.field_id("a")) {
            let syms: Vec<u32> = p.iter()
                .filter_map(|v| model.fields[a].symbols.find(&Dual::number(*v as f64)))
                .collect();
            if !syms.is_empty() {
                let values = syms.iter()
                    .filter_map(|s| model.fields[a].symbols.get(*s).num)
                    .map(|n| n as u8)
                    .collect::<BTreeSet<u8>>();
                state.set(a, syms);
                effective = Some(values);
            }
        }
        let rows = joined(&fact, &dim, effective.as_ref());
        for text in CALCULATED {
            let expr = qix_expr::parse(text).expect("parses");
            // Alone, and after a plain dimension.
            let got = engine_table(&model, &state, &HyperCubeDef::of(&[text], MEASURES));
            let want = reference(rows.iter().map(|r| (vec![dim_value(&expr, r)], r.get("m").copied())).collect());
            prop_assert_eq!(got, want, "{}", text);
            let got = engine_table(&model, &state, &HyperCubeDef::of(&["a", text], MEASURES));
            let want = reference(rows.iter().map(|r| {
                let a = r.get("a").map(|a| a.to_string());
                (vec![a, dim_value(&expr, r)], r.get("m").copied())
            }).collect());
            prop_assert_eq!(got, want, "a, {}", text);
        }
    }
}

/// Customers with their sales: A 10+20, B 30, C 5+5+20, D 100.
fn customers() -> DataModel {
    let mut b = ModelBuilder::new();
    let t = b
        .add_table("Orders", &["Customer", "Sales"])
        .expect("table");
    for (c, s) in [
        ("A", 10.0),
        ("A", 20.0),
        ("B", 30.0),
        ("C", 5.0),
        ("C", 5.0),
        ("C", 20.0),
        ("D", 100.0),
    ] {
        b.push_row(t, &[Some(Dual::text(c)), Some(Dual::number(s))])
            .expect("row");
    }
    b.build().expect("model")
}

fn texts(model: &DataModel, state: &SelectionState, def: &HyperCubeDef) -> Vec<Vec<String>> {
    let inf = infer(model, state);
    let cube = compute(model, state, &inf, def).expect("the cube computes");
    cube.rows
        .iter()
        .map(|r| {
            let dims = r.dims.iter().map(|c| c.text.to_string());
            dims.chain(r.measures.iter().map(|v| v.text().unwrap_or("-".into())))
                .collect()
        })
        .collect()
}

#[test]
fn an_aggr_dimension_buckets_customers_by_their_total() {
    let model = customers();
    let mut def = HyperCubeDef::of(
        &["=Aggr(Sum(Sales), Customer)"],
        &["Count(DISTINCT Customer)", "Sum(Sales)"],
    );
    def.dimensions[0].sort.by_numeric = 1;
    let state = SelectionState::new();
    assert_eq!(
        texts(&model, &state, &def),
        vec![vec!["30", "3", "90"], vec!["100", "1", "100"]]
    );
    // With a selection, the totals are those of the selection: C's order of 20 alone.
    let sales = model.field_id("Sales").expect("field");
    let twenty = model.fields[sales].symbols.find(&Dual::number(20.0));
    let mut state = SelectionState::new();
    state.set(sales, twenty.into_iter().collect());
    assert_eq!(
        texts(&model, &state, &def),
        vec![vec!["20", "2", "40"]],
        "A and C each have one order of 20"
    );
}

#[test]
fn a_calculated_dimension_reports_its_values_and_what_selecting_them_selects() {
    let model = customers();
    let def = HyperCubeDef::of(&["=If(Sales > 15, 'Big', 'Small')"], &["Sum(Sales)"]);
    let state = SelectionState::new();
    let inf = infer(&model, &state);
    let cube = compute(&model, &state, &inf, &def).expect("computes");
    let rows: Vec<(String, String)> = cube
        .rows
        .iter()
        .map(|r| {
            (
                r.dims[0].text.to_string(),
                r.measures[0].text().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![("Small".into(), "20".into()), ("Big".into(), "170".into())],
        "load order: the first row's value (10) is Small"
    );
    assert_eq!(cube.dim_info[0].cardinal, 2);
    assert_eq!(cube.dim_info[0].state_counts.option, 2);
    let calc = cube.calculated[0].as_ref().expect("a calculated dimension");
    let big = cube.rows[1].dims[0].symbol.expect("a value");
    let sources = calc.sources(&[big]);
    let sales = model.field_id("Sales").expect("field");
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].0, sales);
    let picked: Vec<String> = sources[0]
        .1
        .iter()
        .map(|s| model.fields[sales].symbols.get(*s).text)
        .collect();
    assert_eq!(picked, vec!["20", "30", "100"]);
}

#[test]
fn set_analysis_and_total_measures_follow_a_calculated_dimension() {
    let model = customers();
    let def = HyperCubeDef::of(
        &["=If(Sales > 15, 'Big', 'Small')"],
        &["Sum({1} Sales)", "Sum(TOTAL Sales)", "Sum(Sales)"],
    );
    let sales = model.field_id("Sales").expect("field");
    let mut state = SelectionState::new();
    let ten = model.fields[sales].symbols.find(&Dual::number(10.0));
    state.set(sales, ten.into_iter().collect());
    assert_eq!(
        texts(&model, &state, &def),
        vec![
            vec!["Small", "20", "10", "10"],
            vec!["Big", "170", "10", "0"]
        ],
        "{{1}} ignores the selection of 10 (so Big has a row, as with a field); TOTAL is the selection's"
    );
}

#[test]
fn a_calculated_dimension_with_an_unknown_field_or_a_bare_aggregation_fails() {
    let model = customers();
    let state = SelectionState::new();
    let inf = infer(&model, &state);
    let unknown = HyperCubeDef::of(&["=Upper(Nope)"], &["Sum(Sales)"]);
    assert!(compute(&model, &state, &inf, &unknown).is_err());
    let bare = HyperCubeDef::of(&["=Sum(Sales)"], &["Sum(Sales)"]);
    assert!(compute(&model, &state, &inf, &bare).is_err());
}
