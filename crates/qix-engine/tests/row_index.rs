//! Selections through row indexes against full scans: random columns with common and rare values, random
//! row sets (none, sparse, dense) and random selections; the rows found, and whole inferences over a
//! two-table model, must be the same whichever way the engine reads them.

mod common;

use common::{number_symbols, numbers_model};
use proptest::prelude::*;
use qix_engine::rowindex::{rows_matching, IndexPolicy};
use qix_engine::{
    field_states, infer, infer_from, Bits, DataModel, Dual, ModelBuilder, SelectionState, State,
};

/// Every column gets an index, however small its table.
const ALWAYS: IndexPolicy = IndexPolicy {
    min_rows: 0,
    min_rows_per_value: 1,
    budget_share: 1000.0,
    background_rows: usize::MAX,
};

/// A cell: mostly one of a few common values, sometimes a rare one, sometimes NULL.
fn cell() -> impl Strategy<Value = Option<u8>> {
    prop_oneof![
        6 => (0u8..3).prop_map(Some),
        2 => (3u8..40).prop_map(Some),
        1 => Just(None),
    ]
}

/// Which rows are already possible: all, a few, or most.
fn row_set(n: usize) -> impl Strategy<Value = Option<Vec<bool>>> {
    prop_oneof![
        Just(None),
        proptest::collection::vec(proptest::bool::weighted(0.03), n).prop_map(Some),
        proptest::collection::vec(proptest::bool::weighted(0.7), n).prop_map(Some),
    ]
}

/// A table: its name, field names and rows (None = NULL).
type TableSpec<'a> = (&'a str, &'a [&'a str], &'a [Vec<Option<u8>>]);

fn model(tables: &[TableSpec<'_>]) -> DataModel {
    numbers_model(tables.iter().copied())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rows_matching_equals_a_plain_filter(
        (cells, rows) in (1usize..3000).prop_flat_map(|n| (proptest::collection::vec(cell(), n), row_set(n))),
        picked in proptest::collection::vec(0u8..40, 0..4),
    ) {
        let rows_of: Vec<Vec<Option<u8>>> = cells.iter().map(|c| vec![*c]).collect();
        let m = model(&[("T", &["a"], &rows_of)]).with_index_policy(ALWAYS);
        let f = m.field_id("a").unwrap();
        let mut allowed = Bits::empty(m.fields[f].symbols.len());
        for s in number_symbols(&m, "a", &picked) {
            allowed.insert(s as usize);
        }
        let mask = rows.as_ref().map(|r| {
            let mut b = Bits::empty(cells.len());
            r.iter().enumerate().filter(|(_, x)| **x).for_each(|(i, _)| b.insert(i));
            b
        });
        let got = rows_matching(&m, 0, f, mask.as_ref(), &allowed).unwrap();
        for (i, c) in cells.iter().enumerate() {
            let listed = rows.as_ref().is_none_or(|r| r[i]);
            let want = listed && c.is_some_and(|v| picked.contains(&v));
            prop_assert_eq!(got.contains(i), want, "row {}", i);
        }
    }

    #[test]
    fn inference_is_the_same_with_and_without_indexes(
        facts in proptest::collection::vec((cell(), cell(), cell()), 1..2500),
        dims in proptest::collection::vec((cell(), cell()), 1..60),
        sel_a in proptest::collection::vec(0u8..40, 0..3),
        sel_b in proptest::collection::vec(0u8..40, 0..3),
        sel_k in proptest::collection::vec(0u8..40, 0..2),
        sel_c in proptest::collection::vec(0u8..40, 0..3),
    ) {
        let fact_rows: Vec<Vec<Option<u8>>> = facts.iter().map(|(k, a, c)| vec![*k, *a, *c]).collect();
        let dim_rows: Vec<Vec<Option<u8>>> = dims.iter().map(|(k, b)| vec![*k, *b]).collect();
        let tables = [("F", &["k", "a", "c"][..], &fact_rows[..]), ("D", &["k", "b"][..], &dim_rows[..])];
        let plain = model(&tables);
        let indexed = model(&tables).with_index_policy(ALWAYS);
        let mut state = SelectionState::new();
        // `a` and `c` of one table: read together from the more selective one's index.
        for (name, vals) in [("a", &sel_a), ("b", &sel_b), ("k", &sel_k), ("c", &sel_c)] {
            let syms = number_symbols(&plain, name, vals);
            if !syms.is_empty() {
                state.set(plain.field_id(name).unwrap(), syms);
            }
        }
        let (x, y) = (infer(&plain, &state), infer(&indexed, &state));
        for t in 0..plain.tables.len() {
            prop_assert_eq!(x.table_rows(t), y.table_rows(t), "table {}", t);
        }
        for f in 0..plain.fields.len() {
            prop_assert_eq!(x.possible(&plain, f), y.possible(&indexed, f), "field {}", f);
            let (sx, sy): (Vec<State>, Vec<State>) = (field_states(&plain, &state, f), field_states(&indexed, &state, f));
            prop_assert_eq!(sx, sy, "states of field {}", f);
        }
    }
}

#[test]
fn a_large_column_is_indexed_once_and_within_budget() {
    // `a`: 50 values; `u`, `v`: a value per row (what makes the packed rows large enough for the budget).
    let mut b = ModelBuilder::new();
    let t = b.add_table("T", &["a", "u", "v"]).unwrap();
    for i in 0..200_000u32 {
        let cells = [i % 50, i, i * 3].map(|x| Some(Dual::number(x as f64)));
        b.push_row(t, &cells).unwrap();
    }
    let m = b.build().unwrap();
    let f = m.field_id("a").unwrap();
    assert_eq!(
        m.indexes.bytes(),
        0,
        "nothing is indexed before a selection"
    );
    let mut allowed = Bits::empty(50);
    allowed.insert(m.fields[f].symbols.find(&Dual::number(3.0)).unwrap() as usize);
    let got = rows_matching(&m, 0, f, None, &allowed).unwrap();
    assert_eq!(got.count(), 4000);
    assert!(got.iter().all(|r| r % 50 == 3));
    let built = m.indexes.bytes();
    assert!(built > 0, "the selection built the column's index");
    let packed: usize = m.tables[0].columns.iter().map(|c| c.data.bytes()).sum();
    assert!(built * 2 <= packed, "index {built} bytes, packed {packed}");
    rows_matching(&m, 0, f, None, &allowed).unwrap();
    assert_eq!(m.indexes.bytes(), built, "built once");
    // A column with a value per row gets none.
    let u = m.field_id("u").unwrap();
    let mut one = Bits::empty(m.fields[u].symbols.len());
    one.insert(7);
    assert_eq!(rows_matching(&m, 0, u, None, &one).unwrap().count(), 1);
    assert_eq!(m.indexes.bytes(), built);
    // Released (no session left), then built again by the next selection.
    m.indexes.release();
    assert_eq!(m.indexes.bytes(), 0);
    assert_eq!(
        rows_matching(&m, 0, f, None, &allowed).unwrap().count(),
        4000
    );
    assert_eq!(m.indexes.bytes(), built);
}

/// Row `i` of `T(a, c, e)` for the long-table tests: `a` (20 values) in runs of `run` rows, so whole
/// stretches of the table hold none of a selected value; `c` (40 values) and `e` (10) spread over the rows.
fn long_row(i: u32, run: u32) -> [u32; 3] {
    let mix = i.wrapping_mul(2_654_435_761);
    [(i / run) % 20, (mix >> 8) % 40, (mix >> 20) % 10]
}

/// The table `T(a, c, e)` of `n` rows of [`long_row`], as the only table of a model (table 0).
fn long_table(n: u32, run: u32) -> DataModel {
    let mut b = ModelBuilder::new();
    let t = b.add_table("T", &["a", "c", "e"]).unwrap();
    for i in 0..n {
        let cells = long_row(i, run).map(|v| Some(Dual::number(v as f64)));
        b.push_row(t, &cells).unwrap();
    }
    b.build().unwrap()
}

/// Every column gets an index, built in the background however short.
const BACKGROUND: IndexPolicy = IndexPolicy {
    background_rows: 0,
    ..ALWAYS
};

/// Selects the `picks` (values of `a`, `c`, `e`; `None`: no selection) in a long table of `n` rows with
/// every column indexed, and checks the rows the inference leaves against a plain loop over the rows.
fn check_long(n: u32, run: u32, picks: [Option<&[u32]>; 3]) -> Result<(), TestCaseError> {
    let m = long_table(n, run).with_index_policy(ALWAYS);
    let mut state = SelectionState::new();
    // Per field, the picked values the table holds (`None`: not selected, as a pick of none is not).
    let mut held: Vec<Option<Vec<u32>>> = Vec::new();
    for (name, values) in ["a", "c", "e"].into_iter().zip(picks) {
        let f = m.field_id(name).unwrap();
        let symbol = |v: &u32| {
            let s = m.fields[f].symbols.find(&Dual::number(*v as f64))?;
            Some((*v, s))
        };
        let found: Vec<(u32, u32)> = values.into_iter().flatten().filter_map(symbol).collect();
        if !found.is_empty() {
            state.set(f, found.iter().map(|x| x.1).collect());
        }
        held.push((!found.is_empty()).then(|| found.iter().map(|x| x.0).collect()));
    }
    let want: Vec<usize> = (0..n)
        .filter(|&i| {
            let r = long_row(i, run);
            (0..3).all(|k| held[k].as_ref().is_none_or(|vs| vs.contains(&r[k])))
        })
        .map(|i| i as usize)
        .collect();
    let inference = infer(&m, &state);
    let got: Vec<usize> = match inference.row_list(0) {
        Some(list) => list.iter().map(|&r| r as usize).collect(),
        // No selection restricts the table: every row.
        None => inference
            .table_rows(0)
            .map_or((0..n as usize).collect(), |r| r.iter().collect()),
    };
    prop_assert_eq!(got.len(), want.len(), "{:?}", picks);
    prop_assert_eq!(got, want, "{:?}", picks);
    Ok(())
}

/// Several selections of one long table (many stretches of rows, many packed blocks a value) read
/// together: the most selective one's rows from its index, narrowed by the others' rows from their
/// indexes, or from their columns when their indexes list too many rows.
#[test]
fn several_selections_of_a_long_table_are_read_together() {
    // Results of at most a 256th of the table are listed, in row order (several values' rows interleave
    // within a stretch when spread); more become a set.
    let cases: [(u32, [Option<&[u32]>; 3]); 8] = [
        // `a` first (in runs: stretches without its rows pass over `c`'s), `c`'s three values from its
        // index, their rows put in order.
        (600_000, [Some(&[3]), Some(&[1, 2, 5]), None]),
        // More than a 256th: a set.
        (400_000, [Some(&[3]), Some(&[1, 2, 5]), None]),
        (400_000, [Some(&[3]), Some(&[1, 2, 5]), Some(&[4])]),
        // `c` first, its two values' rows put in order; `a` and `e` list too many rows: read from their
        // columns.
        (400_000, [Some(&[0, 1, 2]), Some(&[1, 2]), Some(&[1, 2])]),
        (400_000, [Some(&[2, 9]), Some(&[1, 2]), Some(&[3])]),
        // `c` first, spread; `a`'s two values (in runs) from its index.
        (400_000, [Some(&[2, 9]), Some(&[7]), None]),
        // Three selections: two narrowed from their indexes.
        (400_000, [Some(&[1, 6]), Some(&[0]), Some(&[3])]),
        (400_000, [None, Some(&[11]), Some(&[7])]),
    ];
    for (n, picks) in cases {
        check_long(n, 30_000, picks).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn random_selections_of_a_long_table_are_read_together(
        n in 200_000u32..500_000,
        run in 1_000u32..120_000,
        a in proptest::collection::vec(0u32..20, 0..3),
        c in proptest::collection::vec(0u32..40, 0..4),
        e in proptest::collection::vec(0u32..10, 0..3),
    ) {
        check_long(n, run, [Some(&a), Some(&c), Some(&e)])?;
    }
}

/// No column gets an index.
const NEVER: IndexPolicy = IndexPolicy {
    min_rows: usize::MAX,
    min_rows_per_value: 1,
    budget_share: 0.0,
    background_rows: usize::MAX,
};

/// One selection in a long table: the possible values of its other fields (asked before anything makes
/// the selection's row set) are found from the two fields' indexes — values that share rows with the
/// selection early, late, or never (`h` follows `a`: most of its values never meet a value of `a`) —
/// and are those a model without indexes finds; `r`'s values 0 and 1 meet `a` = 4 on one row
/// each.
#[test]
fn possible_values_beside_one_selection_come_from_the_indexes() {
    let n = 300_000u32;
    let mut b = ModelBuilder::new();
    let t = b.add_table("T", &["a", "c", "e", "h", "r"]).unwrap();
    for i in 0..n {
        let [a, c, e] = long_row(i, 20_000);
        let h = a * 3 + (i.wrapping_mul(2_654_435_761) >> 12) % 3;
        // `r` = 1 on two rows: the first before `a` = 4 begins, the second its first row; `r` = 0 on one
        // row of `a` = 4.
        let r = match i {
            5 | 80_000 => 1,
            80_001 => 0,
            _ => 2 + i % 5,
        };
        let cells = [a, c, e, h, r].map(|v| Some(Dual::number(v as f64)));
        b.push_row(t, &cells).unwrap();
    }
    let built = b.build().unwrap();
    let plain = built.clone().with_index_policy(NEVER);
    let indexed = built.with_index_policy(ALWAYS);
    let picks: [(&str, &[u8]); 6] = [
        ("a", &[4]),
        ("a", &[2, 9]),
        ("c", &[17]),
        ("e", &[3]),
        ("h", &[13]),
        ("h", &[0, 40]),
    ];
    for (name, values) in picks {
        let mut state = SelectionState::new();
        state.set(
            plain.field_id(name).unwrap(),
            number_symbols(&plain, name, values),
        );
        // Each field's first, in an inference of its own: once one field's values are read from the
        // set (`h`'s, of which most read many rows without meeting the selection), every later one is.
        for f in 0..plain.fields.len() {
            let (x, y) = (infer(&plain, &state), infer(&indexed, &state));
            let (px, py) = (x.possible(&plain, f), y.possible(&indexed, f));
            assert_eq!(px, py, "field {f} beside {name} = {values:?}");
        }
        let (x, y) = (infer(&plain, &state), infer(&indexed, &state));
        assert_eq!(
            x.table_rows(0),
            y.table_rows(0),
            "rows of {name} = {values:?}"
        );
    }
}

/// Waits (at most ten seconds) for the model's background builds to end.
fn wait_for_builds(m: &DataModel) {
    let start = std::time::Instant::now();
    while m.indexes.building() {
        assert!(start.elapsed().as_secs() < 10, "index builds did not end");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// A long column's index is built in the background: the selection that first needs it gets no index
/// (and is answered by a scan), later ones get the index once it is built; the possible values are those
/// of a model without indexes either way. Released while its build runs, the build is dropped with the
/// room it reserved, and the next ask builds again.
#[test]
fn long_columns_get_their_index_in_the_background() {
    let t = 0;
    let built = long_table(200_000, 5_000);
    let plain = built.clone().with_index_policy(NEVER);
    let m = built.with_index_policy(BACKGROUND);
    let (a, c) = (m.field_id("a").unwrap(), m.field_id("c").unwrap());
    let mut state = SelectionState::new();
    state.set(a, number_symbols(&m, "a", &[3]));
    let same_as_plain = |m: &DataModel| {
        let (x, y) = (infer(&plain, &state), infer(m, &state));
        for f in 0..plain.fields.len() {
            assert_eq!(x.possible(&plain, f), y.possible(m, f), "field {f}");
        }
    };

    assert!(m.row_index(t, a).is_none(), "the first ask starts a build");
    same_as_plain(&m);
    wait_for_builds(&m);
    let index = m.row_index(t, a).expect("built in the background");
    let mut three = Bits::empty(m.fields[a].symbols.len());
    number_symbols(&m, "a", &[3])
        .into_iter()
        .for_each(|s| three.insert(s as usize));
    assert_eq!(
        index.count(&three),
        10_000,
        "a = 3 on two runs of 5,000 rows"
    );
    assert!(m.indexes.bytes() > 0);
    same_as_plain(&m);

    m.indexes.release();
    assert_eq!(m.indexes.bytes(), 0);
    assert!(m.row_index(t, c).is_none(), "a build of c starts");
    m.indexes.release();
    wait_for_builds(&m);
    assert_eq!(
        m.indexes.bytes(),
        0,
        "the released build gave its room back"
    );
    assert!(
        m.row_index(t, c).is_none(),
        "released: built again from the start"
    );
    wait_for_builds(&m);
    assert!(m.row_index(t, c).is_some());
}

/// The selections of `picked` (field name, values), those that select something.
fn state_of(m: &DataModel, picked: &[(&str, &Vec<u8>)]) -> SelectionState {
    let mut state = SelectionState::new();
    for (name, vals) in picked {
        let syms = number_symbols(m, name, vals);
        if !syms.is_empty() {
            state.set(m.field_id(name).unwrap(), syms);
        }
    }
    state
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Inference from the state before a click (one selection fewer, as a cache holds it) finds what
    /// inference from nothing finds, for each selection the click may have added: three selections in
    /// one table, one in a table linked to it, one in their key.
    #[test]
    fn inference_from_the_state_before_a_click_is_the_same(
        facts in proptest::collection::vec((cell(), cell(), cell(), cell()), 1..2500),
        dims in proptest::collection::vec((cell(), cell()), 1..60),
        sel_a in proptest::collection::vec(0u8..40, 0..3),
        sel_c in proptest::collection::vec(0u8..40, 0..3),
        sel_e in proptest::collection::vec(0u8..40, 0..3),
        sel_b in proptest::collection::vec(0u8..40, 0..2),
        sel_k in proptest::collection::vec(0u8..40, 0..2),
    ) {
        let fact_rows: Vec<Vec<Option<u8>>> =
            facts.iter().map(|(k, a, c, e)| vec![*k, *a, *c, *e]).collect();
        let dim_rows: Vec<Vec<Option<u8>>> = dims.iter().map(|(k, b)| vec![*k, *b]).collect();
        let tables = [("F", &["k", "a", "c", "e"][..], &fact_rows[..]), ("D", &["k", "b"][..], &dim_rows[..])];
        let plain = model(&tables);
        let indexed = model(&tables).with_index_policy(ALWAYS);
        let picked = [("a", &sel_a), ("c", &sel_c), ("e", &sel_e), ("b", &sel_b), ("k", &sel_k)];
        let state = state_of(&plain, &picked);
        let want = infer(&plain, &state);
        for m in [&plain, &indexed] {
            for (f, _) in state.selected_fields() {
                let before_state = state.without(f);
                let before = std::sync::Arc::new(infer(m, &before_state));
                let known = |s: &SelectionState| (*s == before_state).then(|| before.clone());
                let got = infer_from(m, &state, &known);
                for t in 0..m.tables.len() {
                    prop_assert_eq!(want.table_rows(t), got.table_rows(t), "table {} after field {}", t, f);
                }
                for g in 0..m.fields.len() {
                    prop_assert_eq!(want.possible(&plain, g), got.possible(m, g), "field {} after field {}", g, f);
                }
            }
        }
    }
}

#[test]
fn inference_starts_from_the_known_state_before_a_click() {
    // One table: `a` (10 values) and `c` (7 values) over 1,000 rows.
    let rows: Vec<Vec<Option<u8>>> = (0..1000u32)
        .map(|i| vec![Some((i % 10) as u8), Some((i % 7) as u8)])
        .collect();
    let m = model(&[("T", &["a", "c"], &rows)]).with_index_policy(ALWAYS);
    let (a3, c2) = (vec![3u8], vec![2u8]);
    let state = state_of(&m, &[("a", &a3), ("c", &c2)]);
    let fresh = infer(&m, &state);
    let count = |i: &qix_engine::Inference| i.table_rows(0).map(Bits::count);
    assert_eq!(
        count(&fresh),
        Some(14),
        "i ≡ 3 mod 10 and ≡ 2 mod 7: 23, 93, …, 933"
    );
    // What the click on `c` adds to is taken as the cache holds it: here, on purpose, the inference of
    // another value of `a` — the rows come from it (`c` = 2 among the rows of `a` = 4).
    let other = std::sync::Arc::new(infer(&m, &state_of(&m, &[("a", &vec![4u8])])));
    let c_field = m.field_id("c").unwrap();
    let before_state = state.without(c_field);
    let known = |s: &SelectionState| (*s == before_state).then(|| other.clone());
    let from_other = infer_from(&m, &state, &known);
    let rows_of = |i: &qix_engine::Inference| i.table_rows(0).unwrap().iter().collect::<Vec<_>>();
    assert!(rows_of(&from_other)
        .iter()
        .all(|r| r % 10 == 4 && r % 7 == 2));
    assert_ne!(rows_of(&from_other), rows_of(&fresh));
}

/// A background build runs on a thread of its own: with every thread of the global pool busy, it still
/// ends. (On the global pool, the build's parallel loops queued ahead of the queries that scan meanwhile,
/// and the first selection waited for most of the build.)
#[test]
fn a_background_build_needs_no_thread_of_the_global_pool() {
    let t = 0;
    let m = long_table(100_000, 5_000).with_index_policy(BACKGROUND);
    // Every thread of the global pool waits until the build is seen to end (or 10 s pass).
    let threads = rayon::current_num_threads();
    let started = std::sync::Arc::new(std::sync::Barrier::new(threads + 1));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for _ in 0..threads {
        let (started, done) = (started.clone(), done.clone());
        rayon::spawn(move || {
            started.wait();
            let start = std::time::Instant::now();
            while !done.load(std::sync::atomic::Ordering::Acquire) && start.elapsed().as_secs() < 10
            {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
    }
    started.wait();
    let a = m.field_id("a").unwrap();
    assert!(m.row_index(t, a).is_none(), "the first ask starts a build");
    let start = std::time::Instant::now();
    while m.indexes.building() && start.elapsed().as_secs() < 5 {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let ended = !m.indexes.building();
    done.store(true, std::sync::atomic::Ordering::Release);
    assert!(ended, "the build waited for the global pool");
    assert!(m.row_index(t, a).is_some());
}
