//! Inference against a naive reference: random small models (one table, chains and stars, with nulls) and
//! random selections; possible rows and field values compared with a brute force over joined rows.

mod common;

use common::numbers_model;
use proptest::prelude::*;
use qix_engine::{field_states, infer, DataModel, Dual, ModelBuilder, SelectionState, State};

/// One table: field names and rows of small values (None = NULL).
type TableSpec = (Vec<&'static str>, Vec<Vec<Option<u8>>>);

/// A small model.
#[derive(Debug, Clone)]
struct Spec {
    tables: Vec<TableSpec>,
}

const SHAPES: &[&[&[&str]]] = &[
    &[&["a", "b"]],
    &[&["k", "a"], &["k", "b"]],
    &[&["k", "a"], &["k", "b"], &["k", "c"]],
    &[&["k", "a"], &["k", "j", "b"], &["j", "c"]],
    &[&["a", "k", "j"], &["k", "b"], &["j", "c"]],
];

fn spec() -> impl Strategy<Value = Spec> {
    (0..SHAPES.len()).prop_flat_map(|shape| {
        let tables: Vec<_> = SHAPES[shape]
            .iter()
            .map(|fields| {
                let width = fields.len();
                let fields: Vec<&'static str> = fields.to_vec();
                proptest::collection::vec(
                    proptest::collection::vec(proptest::option::weighted(0.85, 0u8..4), width),
                    0..6,
                )
                .prop_map(move |rows| (fields.clone(), rows))
            })
            .collect();
        tables.prop_map(|tables| Spec { tables })
    })
}

fn build(spec: &Spec) -> DataModel {
    let names: Vec<String> = (0..spec.tables.len()).map(|i| format!("T{i}")).collect();
    let tables = spec.tables.iter().zip(&names);
    numbers_model(tables.map(|((fields, rows), name)| (name.as_str(), &fields[..], &rows[..])))
}

/// Brute force: every assignment of a row or NULL to each table; keep those that are connected, agree on
/// shared keys and satisfy every selection. Returns possible rows per table and values per field.
fn naive(
    spec: &Spec,
    sel: &[(&str, Vec<u8>)],
) -> (Vec<Vec<bool>>, std::collections::BTreeMap<String, Vec<u8>>) {
    let n = spec.tables.len();
    let mut rows_ok: Vec<Vec<bool>> = spec.tables.iter().map(|t| vec![false; t.1.len()]).collect();
    let mut values: std::collections::BTreeMap<String, std::collections::BTreeSet<u8>> =
        Default::default();
    let mut choice = vec![0usize; n]; // 0 = NULL, i+1 = row i
    loop {
        let active: Vec<usize> = (0..n).filter(|t| choice[*t] > 0).collect();
        if !active.is_empty() && consistent(spec, &choice, &active, sel) {
            for &t in &active {
                rows_ok[t][choice[t] - 1] = true;
                let (fields, rows) = &spec.tables[t];
                for (fi, f) in fields.iter().enumerate() {
                    if let Some(v) = rows[choice[t] - 1][fi] {
                        values.entry(f.to_string()).or_default().insert(v);
                    }
                }
            }
        }
        // next assignment
        let mut i = 0;
        loop {
            if i == n {
                let values = values
                    .into_iter()
                    .map(|(k, v)| (k, v.into_iter().collect()))
                    .collect();
                return (rows_ok, values);
            }
            choice[i] += 1;
            if choice[i] <= spec.tables[i].1.len() {
                break;
            }
            choice[i] = 0;
            i += 1;
        }
    }
}

fn value(spec: &Spec, choice: &[usize], t: usize, f: &str) -> Option<Option<u8>> {
    let (fields, rows) = &spec.tables[t];
    let fi = fields.iter().position(|x| *x == f)?;
    Some(rows[choice[t] - 1][fi])
}

fn consistent(spec: &Spec, choice: &[usize], active: &[usize], sel: &[(&str, Vec<u8>)]) -> bool {
    let shares = |a: usize, b: usize| {
        spec.tables[a]
            .0
            .iter()
            .any(|f| spec.tables[b].0.contains(f))
    };
    // Connected through shared fields.
    let mut seen = vec![active[0]];
    let mut changed = true;
    while changed {
        changed = false;
        for &t in active {
            if !seen.contains(&t) && seen.iter().any(|s| shares(*s, t)) {
                seen.push(t);
                changed = true;
            }
        }
    }
    if seen.len() != active.len() {
        return false;
    }
    // Shared keys agree (and are not NULL) between active tables.
    for (i, &a) in active.iter().enumerate() {
        for &b in &active[i + 1..] {
            for f in &spec.tables[a].0 {
                if spec.tables[b].0.contains(f) {
                    let (va, vb) = (
                        value(spec, choice, a, f).flatten(),
                        value(spec, choice, b, f).flatten(),
                    );
                    if va.is_none() || va != vb {
                        return false;
                    }
                }
            }
        }
    }
    // Every selection is met by some active table.
    sel.iter().all(|(f, vals)| {
        active.iter().any(|&t| {
            value(spec, choice, t, f)
                .flatten()
                .is_some_and(|v| vals.contains(&v))
        })
    })
}

fn selection_strategy() -> impl Strategy<Value = Vec<(&'static str, Vec<u8>)>> {
    proptest::collection::vec(
        (
            prop::sample::select(vec!["a", "b", "c", "k", "j"]),
            proptest::collection::vec(0u8..4, 1..3),
        ),
        0..3,
    )
}

fn to_state(
    model: &DataModel,
    sel: &[(&str, Vec<u8>)],
) -> (SelectionState, Vec<(&'static str, Vec<u8>)>) {
    let mut state = SelectionState::new();
    let mut effective: Vec<(&'static str, Vec<u8>)> = Vec::new();
    for (f, vals) in sel {
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
        state.set(fid, syms.clone());
        let kept: Vec<u8> = syms
            .iter()
            .map(|s| model.fields[fid].symbols.num(*s) as u8)
            .collect();
        effective.retain(|(g, _)| g != f);
        let name: &'static str = ["a", "b", "c", "k", "j"]
            .into_iter()
            .find(|n| n == f)
            .unwrap();
        effective.push((name, kept));
    }
    (state, effective)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn inference_matches_brute_force(spec in spec(), sel in selection_strategy()) {
        let model = build(&spec);
        let (state, effective) = to_state(&model, &sel);
        let (rows_ok, values) = naive(&spec, &effective);
        let inf = infer(&model, &state);
        for (t, ok) in rows_ok.iter().enumerate() {
            for (r, want) in ok.iter().enumerate() {
                let got = inf.table_rows(t).is_none_or(|b| b.contains(r));
                // A table with no rows assigned in any joined row is never "all possible" when selections exist
                // elsewhere in its component; with no selections everything is possible.
                let want = *want || effective.is_empty();
                prop_assert_eq!(got, want, "table {} row {} in {:?} with {:?}", t, r, spec, effective);
            }
        }
        for (fid, field) in model.fields.iter().enumerate() {
            let possible = inf.possible(&model, fid);
            // Asked again (kept from the first read), and by a copy: the same set.
            let again = inf.possible(&model, fid);
            prop_assert_eq!(again.as_deref(), possible.as_deref());
            let copied = inf.clone().possible(&model, fid);
            prop_assert_eq!(copied.as_deref(), possible.as_deref());
            let want = values.get(&field.name).cloned().unwrap_or_default();
            for s in 0..field.symbols.len() {
                let v = field.symbols.num(s as u32) as u8;
                let got = possible.as_ref().is_none_or(|p| p.contains(s));
                let want = want.contains(&v) || effective.is_empty();
                prop_assert_eq!(got, want, "field {} value {} in {:?} with {:?}", &field.name, v, spec, effective);
            }
            // States agree with possibility and selection.
            let states = field_states(&model, &state, fid);
            for (s, st) in states.iter().enumerate() {
                let selected = state.selected(fid).is_some_and(|x| x.contains(&(s as u32)));
                prop_assert_eq!(st.is_selected(), selected);
                if !selected && state.selected(fid).is_none() {
                    let got = possible.as_ref().is_none_or(|p| p.contains(s));
                    prop_assert_eq!(*st == State::Optional, got);
                }
            }
        }
    }
}

#[test]
fn states_in_a_two_table_model() {
    // TableA: numbers/abcs, TableB: numbers/xyz — the model of the recorded real-engine outputs.
    let mut b = ModelBuilder::new();
    let ta = b.add_table("TableA", &["numbers", "abcs"]).unwrap();
    for (n, s) in [(1, "a"), (2, "b"), (3, "b"), (4, "b"), (5, "c")] {
        b.push_row(ta, &[Some(Dual::number(n as f64)), Some(Dual::text(s))])
            .unwrap();
    }
    let tb = b.add_table("TableB", &["numbers", "xyz"]).unwrap();
    for (n, s) in [(1, "x"), (2, "y"), (3, "y"), (4, "y"), (5, "z")] {
        b.push_row(tb, &[Some(Dual::number(n as f64)), Some(Dual::text(s))])
            .unwrap();
    }
    let m = b.build().unwrap();
    let abcs = m.field_id("abcs").unwrap();
    let xyz = m.field_id("xyz").unwrap();
    let numbers = m.field_id("numbers").unwrap();
    let mut st = SelectionState::new();
    st.set(
        abcs,
        vec![m.fields[abcs].symbols.find(&Dual::text("a")).unwrap()],
    );
    let letters = |st: &SelectionState, f| {
        field_states(&m, st, f)
            .iter()
            .map(|s| s.letter())
            .collect::<Vec<_>>()
    };
    assert_eq!(letters(&st, abcs), ["S", "A", "A"]);
    assert_eq!(letters(&st, xyz), ["O", "X", "X"]);
    assert_eq!(letters(&st, numbers), ["O", "X", "X", "X", "X"]);
    // Select y as well: a is now excluded by it (XS), and b becomes the alternative.
    st.set(
        xyz,
        vec![m.fields[xyz].symbols.find(&Dual::text("y")).unwrap()],
    );
    assert_eq!(letters(&st, abcs), ["XS", "A", "X"]);
    assert_eq!(letters(&st, numbers), ["X", "X", "X", "X", "X"]);
    st.clear(abcs);
    st.lock(xyz);
    assert_eq!(letters(&st, xyz), ["A", "L", "A"]);
    assert_eq!(letters(&st, abcs), ["X", "O", "X"]);
}
