//! Hypercubes against a naive reference on random data with NULLs and random selections: a single table,
//! and a star (fact + dimension table linked by a key).

use proptest::prelude::*;
use qix_engine::{compute, infer, DataModel, Dual, HyperCubeDef, ModelBuilder, SelectionState};
use std::collections::{BTreeMap, BTreeSet};

type Row = Vec<Option<u8>>;

fn num(v: u8) -> Option<Dual> {
    Some(Dual::number(v as f64))
}

/// Group key (dimension values, None = NULL) → measure values (None = NULL).
type Table = BTreeMap<Vec<Option<u8>>, Vec<Option<f64>>>;

fn engine_table(model: &DataModel, state: &SelectionState, d: &HyperCubeDef) -> Table {
    let inf = infer(model, state);
    let cube = compute(model, state, &inf, d).unwrap();
    cube.rows
        .iter()
        .map(|r| {
            (
                r.dims.iter().map(|c| c.num.map(|n| n as u8)).collect(),
                r.measures.iter().map(|v| v.num()).collect(),
            )
        })
        .collect()
}

/// Aggregates a list of (group, value) pairs the way the measures below are defined.
fn reference(groups: Vec<(Vec<Option<u8>>, Option<u8>)>) -> Table {
    let mut by: BTreeMap<Vec<Option<u8>>, Vec<Option<u8>>> = BTreeMap::new();
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
            (
                g,
                vec![
                    Some(sum),
                    Some(nums.len() as f64),
                    Some(distinct.len() as f64),
                    avg,
                    min,
                    max,
                ],
            )
        })
        .collect()
}

const MEASURES: &[&str] = &[
    "Sum(m)",
    "Count(m)",
    "Count(DISTINCT m)",
    "Avg(m)",
    "Min(m)",
    "Max(m)",
];

fn selection(
    model: &DataModel,
    picks: &[(&str, Vec<u8>)],
) -> (SelectionState, BTreeMap<String, BTreeSet<u8>>) {
    let mut st = SelectionState::new();
    let mut eff = BTreeMap::new();
    for (f, vals) in picks {
        let Some(fid) = model.field_id(f) else {
            continue;
        };
        let syms: Vec<u32> = vals
            .iter()
            .filter_map(|v| model.fields[fid].symbols.find(&Dual::number(*v as f64)))
            .collect();
        if syms.is_empty() {
            continue;
        }
        st.set(fid, syms.clone());
        eff.insert(
            f.to_string(),
            syms.iter()
                .map(|s| model.fields[fid].symbols.num(*s) as u8)
                .collect(),
        );
    }
    (st, eff)
}

fn ok(eff: &BTreeMap<String, BTreeSet<u8>>, field: &str, v: Option<u8>) -> bool {
    match eff.get(field) {
        None => true,
        Some(set) => v.is_some_and(|v| set.contains(&v)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn single_table(rows in proptest::collection::vec(proptest::collection::vec(proptest::option::weighted(0.8, 0u8..5), 3), 0..40),
                    picks in proptest::collection::vec((prop::sample::select(vec!["a", "b", "m"]), proptest::collection::vec(0u8..5, 1..3)), 0..3)) {
        let mut b = ModelBuilder::new();
        let t = b.add_table("T", &["a", "b", "m"]).unwrap();
        for r in &rows {
            b.push_row(t, &[r[0].and_then(num), r[1].and_then(num), r[2].and_then(num)]).unwrap();
        }
        let model = b.build().unwrap();
        let (state, eff) = selection(&model, &picks);
        let possible: Vec<&Row> = rows.iter()
            .filter(|r| ok(&eff, "a", r[0]) && ok(&eff, "b", r[1]) && ok(&eff, "m", r[2]))
            .collect();
        for dims in [vec!["a"], vec!["a", "b"], vec![]] {
            let got = engine_table(&model, &state, &HyperCubeDef::of(&dims, MEASURES));
            let idx: Vec<usize> = dims.iter().map(|d| if *d == "a" { 0 } else { 1 }).collect();
            let mut want = reference(possible.iter().map(|r| (idx.iter().map(|i| r[*i]).collect(), r[2])).collect());
            if dims.is_empty() && want.is_empty() {
                want.insert(vec![], vec![Some(0.0), Some(0.0), Some(0.0), None, None, None]);
            }
            prop_assert_eq!(got, want, "dims {:?}", dims);
        }
    }

    #[test]
    fn star_schema(fact in proptest::collection::vec((proptest::option::weighted(0.9, 0u8..6), proptest::option::weighted(0.9, 0u8..4), proptest::option::weighted(0.8, 0u8..5)), 0..40),
                   dim in proptest::collection::btree_map(0u8..6, proptest::option::weighted(0.85, 0u8..3), 0..6),
                   picks in proptest::collection::vec((prop::sample::select(vec!["a", "r", "k"]), proptest::collection::vec(0u8..6, 1..3)), 0..3)) {
        // Fact(k, a, m) — Dims(k, r); keys unique in Dims.
        let mut b = ModelBuilder::new();
        let f = b.add_table("Fact", &["k", "a", "m"]).unwrap();
        for (k, a, m) in &fact {
            b.push_row(f, &[k.and_then(num), a.and_then(num), m.and_then(num)]).unwrap();
        }
        let d = b.add_table("Dims", &["k", "r"]).unwrap();
        for (k, r) in &dim {
            b.push_row(d, &[num(*k), r.and_then(num)]).unwrap();
        }
        let model = b.build().unwrap();
        let (state, eff) = selection(&model, &picks);
        // Reference: a fact row is possible when its own fields pass and, if the dimension side is
        // constrained (r selected), its key reaches a passing dimension row.
        let dim_ok = |k: Option<u8>| -> bool {
            k.is_some_and(|k| dim.get(&k).is_some_and(|r| ok(&eff, "r", *r)))
        };
        let fact_possible: Vec<&(Option<u8>, Option<u8>, Option<u8>)> = fact.iter()
            .filter(|(k, a, _)| ok(&eff, "a", *a) && ok(&eff, "k", *k) && (!eff.contains_key("r") || dim_ok(*k)))
            .collect();
        // Region of a possible fact row: the matching dimension row's r, NULL when the key has none.
        let region = |k: Option<u8>| -> Option<u8> { k.and_then(|k| dim.get(&k).copied().flatten()) };
        let got = engine_table(&model, &state, &HyperCubeDef::of(&["r"], MEASURES));
        let want = reference(fact_possible.iter().map(|(k, _, m)| (vec![region(*k)], *m)).collect());
        prop_assert_eq!(got, want);
        let got = engine_table(&model, &state, &HyperCubeDef::of(&["a", "r"], &["Sum(m)"]));
        let want: Table = reference(fact_possible.iter().map(|(k, a, m)| (vec![*a, region(*k)], *m)).collect())
            .into_iter().map(|(g, v)| (g, vec![v[0]])).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn expressions_totals_sorting_and_suppression() {
    let mut b = ModelBuilder::new();
    let t = b.add_table("Sales", &["Product", "Price", "Qty"]).unwrap();
    for (p, price, q) in [
        ("b", 2.0, 3.0),
        ("a", 10.0, 1.0),
        ("b", 2.0, 1.0),
        ("c", 1.0, 0.0),
    ] {
        b.push_row(
            t,
            &[
                Some(Dual::text(p)),
                Some(Dual::number(price)),
                Some(Dual::number(q)),
            ],
        )
        .unwrap();
    }
    let m = b.build().unwrap();
    let st = SelectionState::new();
    let mut d = HyperCubeDef::of(
        &["Product"],
        &[
            "Sum(Price*Qty)",
            "Sum(Qty)/Count(Qty)",
            "Sum(TOTAL Qty)",
            "Only(Price)",
            "Concat(DISTINCT Product, '-')",
        ],
    );
    d.measures[0].sort.by_numeric = -1;
    d.inter_column_sort = vec![1, 0];
    let inf = infer(&m, &st);
    let cube = compute(&m, &st, &inf, &d).unwrap();
    let shown: Vec<(String, Vec<Option<f64>>)> = cube
        .rows
        .iter()
        .map(|r| {
            (
                r.dims[0].text.to_string(),
                r.measures.iter().take(4).map(|v| v.num()).collect(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            (
                "a".to_string(),
                vec![Some(10.0), Some(1.0), Some(5.0), Some(10.0)]
            ),
            (
                "b".to_string(),
                vec![Some(8.0), Some(2.0), Some(5.0), Some(2.0)]
            ),
            (
                "c".to_string(),
                vec![Some(0.0), Some(0.0), Some(5.0), Some(1.0)]
            ),
        ]
    );
    assert_eq!(cube.rows[1].measures[4].text().unwrap(), "b");
    assert_eq!(cube.totals[0].num(), Some(18.0));
    assert_eq!(
        cube.totals[3].num(),
        None,
        "Only over several prices is NULL"
    );
    assert_eq!(cube.totals[4].text().unwrap(), "a-b-c");
    assert_eq!(cube.measure_range[0], (0.0, 10.0));
    assert_eq!(cube.dim_info[0].cardinal, 3);
    assert_eq!(cube.dim_info[0].state_counts.option, 3);
    d.suppress_zero = true;
    d.measures.truncate(1);
    let cube = compute(&m, &st, &inf, &d).unwrap();
    assert_eq!(cube.rows.len(), 2, "c has only a zero measure");
    // Sorting by the measure, descending.
    d.inter_column_sort = vec![1, 0];
    let cube = compute(&m, &st, &inf, &d).unwrap();
    assert_eq!(&*cube.rows[0].dims[0].text, "a");
    let bad = compute(&m, &st, &inf, &HyperCubeDef::of(&["Nope"], &[]));
    assert!(bad.is_err());
    // A bad measure is a NULL column with its error; the other columns are computed.
    let cube = compute(
        &m,
        &st,
        &inf,
        &HyperCubeDef::of(&["Product"], &["Sum(Price", "Sum(Price)"]),
    )
    .unwrap();
    assert!(cube.measure_errors[0]
        .as_deref()
        .is_some_and(|e| e.contains("bad expression")));
    assert_eq!(cube.measure_errors[1], None);
    assert!(cube.rows.iter().all(|r| r.measures[0].is_null()));
    assert!(cube.rows.iter().any(|r| r.measures[1].num().is_some()));
}

#[test]
fn many_to_many_links_join_every_matching_row() {
    // Orders(k, amount) — Tags(k, tag) with two tags for key 1: each order of key 1 counts under both.
    let mut b = ModelBuilder::new();
    let o = b.add_table("Orders", &["k", "amount"]).unwrap();
    for (k, a) in [(1.0, 10.0), (1.0, 5.0), (2.0, 7.0), (3.0, 1.0)] {
        b.push_row(o, &[Some(Dual::number(k)), Some(Dual::number(a))])
            .unwrap();
    }
    let t = b.add_table("Tags", &["k", "tag"]).unwrap();
    for (k, tag) in [(1.0, "x"), (1.0, "y"), (2.0, "y")] {
        b.push_row(t, &[Some(Dual::number(k)), Some(Dual::text(tag))])
            .unwrap();
    }
    let m = b.build().unwrap();
    let st = SelectionState::new();
    let got = |st: &SelectionState| {
        let cube = compute(
            &m,
            st,
            &infer(&m, st),
            &HyperCubeDef::of(&["tag"], &["Sum(amount)", "Count(amount)"]),
        )
        .unwrap();
        cube.rows
            .iter()
            .map(|r| {
                (
                    r.dims[0].text.to_string(),
                    r.measures[0].num(),
                    r.measures[1].num(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        got(&st),
        vec![
            ("x".to_string(), Some(15.0), Some(2.0)),
            ("y".to_string(), Some(22.0), Some(3.0)),
            ("-".to_string(), Some(1.0), Some(1.0)),
        ]
    );
    let mut st = SelectionState::new();
    let tag = m.field_id("tag").unwrap();
    st.set(
        tag,
        vec![m.fields[tag].symbols.find(&Dual::text("x")).unwrap()],
    );
    assert_eq!(got(&st), vec![("x".to_string(), Some(15.0), Some(2.0))]);
}

#[test]
fn dimensions_sort_by_state_and_by_expression() {
    let mut b = ModelBuilder::new();
    let t = b.add_table("T", &["p", "q"]).unwrap();
    for (p, q) in [("a", 1.0), ("b", 5.0), ("c", 3.0), ("a", 1.0)] {
        b.push_row(t, &[Some(Dual::text(p)), Some(Dual::number(q))])
            .unwrap();
    }
    let m = b.build().unwrap();
    let p = m.field_id("p").unwrap();
    let order = |d: &HyperCubeDef, st: &SelectionState| {
        compute(&m, st, &infer(&m, st), d)
            .unwrap()
            .rows
            .iter()
            .map(|r| r.dims[0].text.to_string())
            .collect::<Vec<_>>()
    };
    let mut d = HyperCubeDef::of(&["p"], &["Count(q)"]);
    d.dimensions[0].sort.by_expression = -1;
    d.dimensions[0].sort.expression = Some("Sum(q)".into());
    assert_eq!(
        order(&d, &SelectionState::new()),
        ["b", "c", "a"],
        "by Sum(q), descending"
    );
    let cube = compute(
        &m,
        &SelectionState::new(),
        &infer(&m, &SelectionState::new()),
        &d,
    )
    .unwrap();
    assert_eq!(
        cube.rows[0].measures.len(),
        1,
        "the sort expression is not a column"
    );
    assert_eq!(cube.totals.len(), 1);
    let mut d = HyperCubeDef::of(&["p"], &[]);
    d.dimensions[0].sort.by_state = 1;
    d.dimensions[0].sort.by_ascii = -1;
    let mut st = SelectionState::new();
    st.set(p, vec![0, 2]); // a, c
    assert_eq!(
        order(&d, &st),
        ["c", "a"],
        "only possible values; by state then text descending"
    );
}
