//! Selections that leave few rows of a long table: the inference lists those rows once
//! (`Inference::row_list`), and cubes, list frequencies and a field's possible values read that list
//! instead of passing over the whole row set. Each is checked against a plain loop over the rows.

mod common;

use common::{add_kdxg_table, kdxg_row as row};
use proptest::prelude::*;
use qix_engine::rowindex::IndexPolicy;
use qix_engine::{
    compute, infer, list_object_with, DataModel, Dual, HyperCubeDef, ListSort, ModelBuilder,
    SelectionState, State,
};
use std::collections::BTreeMap;

fn model(n: u32, keys: u32) -> DataModel {
    let mut b = ModelBuilder::new();
    add_kdxg_table(&mut b, n, keys);
    b.build().expect("model")
}

/// `m` with room for row indexes (its few columns' packed rows alone would leave too little): selections
/// in `k` read its rows from the index.
fn indexed(m: DataModel) -> DataModel {
    let policy = IndexPolicy {
        budget_share: 4.0,
        ..IndexPolicy::default()
    };
    m.with_index_policy(policy)
}

/// Per `d` (NULL as `None`) of the rows whose `k` (and `g`, when given) is selected: (rows, Sum(x),
/// Count(x), Max(x)).
type Reference = BTreeMap<Option<u32>, (usize, f64, usize, Option<f64>)>;

fn reference(n: u32, keys: u32, selected: &[u32], g_selected: Option<u32>) -> Reference {
    let mut out = Reference::new();
    for i in 0..n {
        let (k, d, x, g) = row(i, keys);
        if !selected.contains(&k) || g_selected.is_some_and(|s| s != g) {
            continue;
        }
        let e = out.entry(d).or_insert((0, 0.0, 0, None));
        e.0 += 1;
        if let Some(x) = x {
            e.1 += x as f64;
            e.2 += 1;
            e.3 = Some(e.3.map_or(x as f64, |m: f64| m.max(x as f64)));
        }
    }
    out
}

/// `k` in `keys`, and `g` = `g` when given.
fn select(m: &DataModel, keys: &[u32], g: Option<u32>) -> SelectionState {
    let symbols = |field: &str, values: &[u32]| {
        let f = m.field_id(field).expect("field");
        let found = values
            .iter()
            .filter_map(|v| m.fields[f].symbols.find(&Dual::number(*v as f64)));
        (f, found.collect())
    };
    let mut state = SelectionState::new();
    let (k, ks) = symbols("k", keys);
    state.set(k, ks);
    if let Some(g) = g {
        let (f, gs) = symbols("g", &[g]);
        state.set(f, gs);
    }
    state
}

/// The cube `d` × [Count(k), Sum(x), Count(x), Max(x)], the list of `d` (frequencies, states) and the row list,
/// each against the reference.
fn check(
    m: &DataModel,
    n: u32,
    keys: u32,
    selected: &[u32],
    g: Option<u32>,
) -> Result<(), TestCaseError> {
    let state = select(m, selected, g);
    // The cube first, over an inference of its own: before anything else makes the set of the rows (a
    // selection's values' rows may be read from their row index instead).
    let def = HyperCubeDef::of(&["d"], &["Count(k)", "Sum(x)", "Count(x)", "Max(x)"]);
    let cube = compute(m, &state, &infer(m, &state), &def).expect("cube");
    let inference = infer(m, &state);
    let want = reference(n, keys, selected, g);
    let listed = inference.row_list(0).map(<[u32]>::to_vec);
    let rows = inference.table_rows(0).expect("a selection restricts T");
    let members: Vec<u32> = rows.iter().map(|r| r as u32).collect();
    // Listed when at most 1/256 of the table.
    let want_list = (members.len() <= n as usize / 256).then_some(members);
    prop_assert_eq!(listed, want_list, "the list is the row set's members");
    let got: Reference = (cube.rows.iter())
        .map(|r| {
            let num = |i: usize| r.measures[i].num();
            let count = |i: usize| num(i).unwrap_or(-1.0) as usize;
            let d = r.dims[0].num.map(|v| v as u32);
            (d, (count(0), num(1).unwrap_or(0.0), count(2), num(3)))
        })
        .collect();
    prop_assert_eq!(&got, &want);
    let d = m.field_id("d").expect("d");
    let list = list_object_with(m, &state, &inference, d, &ListSort::list_box());
    for r in &list {
        let rows = want.get(&r.num.map(|v| v as u32)).map_or(0, |w| w.0);
        prop_assert_eq!(r.frequency, Some(rows), "frequency of {}", r.text);
        let state = if rows > 0 {
            State::Optional
        } else {
            State::Excluded
        };
        prop_assert_eq!(r.state, state, "state of {}", r.text);
    }
    Ok(())
}

/// A table of `n` rows with `keys` values of `k`, one or two of them selected, and a value of `g` or none.
fn selections() -> impl Strategy<Value = (u32, u32, Vec<u32>, Option<u32>)> {
    (
        4_000u32..12_000,
        600u32..1_200,
        proptest::collection::vec(0u32..1_200, 1..3),
        proptest::option::of(0u32..3),
    )
        .prop_map(|(n, keys, picks, g)| (n, keys, picks.iter().map(|p| p % keys).collect(), g))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn few_selected_rows_are_read_from_their_list((n, keys, selected, g) in selections()) {
        check(&model(n, keys), n, keys, &selected, g)?;
    }

    /// The values an inference gives for a field at its listed rows are the column's there (NULLs in other
    /// fields, one or two values of `k`, with and without a second selection).
    #[test]
    fn values_at_listed_rows_are_the_columns((n, keys, selected, g) in selections()) {
        let m = model(n, keys);
        let state = select(&m, &selected, g);
        let inference = infer(&m, &state);
        let Some(list) = inference.row_list(0) else {
            return Err(TestCaseError::fail("a selection of one or two keys lists its rows"));
        };
        for name in ["k", "d", "x", "g"] {
            let f = m.field_id(name).expect("field");
            let column = m.tables[0].column(f).expect("column");
            let want: Vec<u32> = list.iter().map(|&r| column.get(r as usize)).collect();
            let got = inference.listed_symbols(&m, 0, f).expect("a list and a column");
            prop_assert_eq!(&*got, &want, "{}", name);
        }
    }
}

/// The cubes of a sheet over one inference: the values they read at its listed rows are kept with it
/// (`Inference::listed_symbols`) and shared — each cube equals the same cube over an inference of its
/// own, whatever the order the fields are first read in.
fn check_shared(m: &DataModel, selected: &[u32], g: Option<u32>) -> Result<(), TestCaseError> {
    let state = select(m, selected, g);
    let shared = infer(m, &state);
    let defs = [
        HyperCubeDef::of(&["d"], &["Sum(x)"]),
        HyperCubeDef::of(&["g"], &["Sum(x)", "Count(d)"]),
        HyperCubeDef::of(&["x"], &["Count(g)", "Max(d)"]),
        HyperCubeDef::of(&["d"], &["Count(k)", "Sum(x)", "Count(x)", "Max(x)"]),
    ];
    for def in &defs {
        let got = compute(m, &state, &shared, def).expect("cube");
        let alone = compute(m, &state, &infer(m, &state), def).expect("cube");
        prop_assert_eq!(&got.rows, &alone.rows, "{:?}", def.measures);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn cubes_over_one_inference_share_the_values_read_at_its_rows(
        n in 4_000u32..12_000,
        keys in 600u32..1_200,
        pick in 0u32..1_200,
        g in proptest::option::of(0u32..3),
    ) {
        let m = model(n, keys);
        check_shared(&m, &[pick % keys], g)?;
    }
}

/// A list long enough to be split between two threads (two chunks or more).
#[test]
fn a_long_list_is_read_by_two_threads_as_one() {
    // 16,538 or 16,539 rows a key: two chunks of the list or more, and at most 1/256 of the table.
    let (n, keys) = (4_300_000, 260);
    let m = indexed(model(n, keys));
    check(&m, n, keys, &[5], None).expect("matches the reference");
}

/// Long enough for a row index: the rows of two values, found through the index (listed as they are
/// found, then put in order), then narrowed by a second selection (listed as they are read).
#[test]
fn rows_found_through_the_index_are_listed_in_order() {
    // 3,333 or 3,334 rows a key; two keys are under 1/256 of the table.
    let (n, keys) = (2_000_000, 600);
    let m = indexed(model(n, keys));
    for g in [None, Some(1)] {
        check(&m, n, keys, &[3, 7], g).expect("matches the reference");
    }
}

/// A selection of one field with a row index that keeps too many rows to list (a 64th of them, and three
/// 64ths): the cube reads them from the index, a stretch at a time on each thread, without their set.
/// On two threads the table is cut at row 327,680 (`k` = 0 there, 17 on the row before it).
#[test]
fn a_selections_rows_are_read_from_its_index() {
    let (n, keys) = (600_000, 64);
    let m = indexed(model(n, keys));
    for selected in [&[5][..], &[0, 3, 17]] {
        check(&m, n, keys, selected, None).expect("matches the reference");
    }
}

/// A 64th of the rows: no list, the row set is read as before.
#[test]
fn many_selected_rows_are_not_listed() {
    let m = model(4_000, 64);
    let state = select(&m, &[7], None);
    let inference = infer(&m, &state);
    assert!(inference.table_rows(0).is_some());
    assert_eq!(inference.row_list(0), None);
    assert_eq!(infer(&m, &SelectionState::new()).row_list(0), None);
}

/// A second selection over few rows that keeps more than a 256th of the table: the list begun as its
/// rows are read becomes a set part-way.
#[test]
fn rows_that_outgrow_their_list_become_a_set() {
    let (n, keys) = (4_000, 64);
    let m = model(n, keys);
    for g in 0..3 {
        let kept: usize = (reference(n, keys, &[7, 9], Some(g)).values())
            .map(|r| r.0)
            .sum();
        assert!(
            kept > n as usize / 256,
            "{kept} rows: past the list's bound"
        );
        check(&m, n, keys, &[7, 9], Some(g)).expect("matches the reference");
    }
}
