//! A field with one value selected is not read by a cube's scan: every possible row holds that value
//! (`Inference::single_value`), in the field's own table and in a table joined to the scanned one. Checked
//! against a plain loop over the rows, with selections that leave too many rows to be listed (the scan
//! reads whole blocks of rows) and few enough that they are.

mod common;

use common::{add_kdxg_table, kdxg_row as row};
use proptest::prelude::*;
use qix_engine::{compute, infer, DataModel, Dual, HyperCubeDef, ModelBuilder, SelectionState};
use std::collections::BTreeMap;

fn num(v: u32) -> Option<Dual> {
    Some(Dual::number(f64::from(v)))
}

/// `T` alone, or `T` and `R(k, r)` (each key's region: `k % regions`, keys `0..keys` all present).
fn model(n: u32, keys: u32, regions: Option<u32>) -> DataModel {
    let mut b = ModelBuilder::new();
    add_kdxg_table(&mut b, n, keys);
    if let Some(regions) = regions {
        let r = b.add_table("R", &["k", "r"]).expect("table");
        for k in 0..keys {
            b.push_row(r, &[num(k), num(k % regions)]).expect("row");
        }
    }
    b.build().expect("model")
}

/// `field` = one of `values` each (a field absent from the state when `values` is empty).
fn select(m: &DataModel, picks: &[(&str, &[u32])]) -> SelectionState {
    let mut state = SelectionState::new();
    for (field, values) in picks.iter().filter(|(_, v)| !v.is_empty()) {
        let f = m.field_id(field).expect("field");
        let symbols = (values.iter())
            .filter_map(|v| m.fields[f].symbols.find(&Dual::number(f64::from(*v))))
            .collect();
        state.set(f, symbols);
    }
    state
}

/// Per (first dimension, `d`): (rows, Sum(x)).
type Reference = BTreeMap<(u32, Option<u32>), (usize, f64)>;

/// The cube `dim` × `d` × [Count(k), Sum(x)] under `state`, as a [`Reference`].
fn cube(m: &DataModel, state: &SelectionState, dim: &str) -> Reference {
    let def = HyperCubeDef::of(&[dim, "d"], &["Count(k)", "Sum(x)"]);
    let result = compute(m, state, &infer(m, state), &def).expect("cube");
    (result.rows.iter())
        .map(|r| {
            let first = r.dims[0].num.expect("a value") as u32;
            let d = r.dims[1].num.map(|v| v as u32);
            let count = r.measures[0].num().unwrap_or(-1.0) as usize;
            ((first, d), (count, r.measures[1].num().unwrap_or(0.0)))
        })
        .collect()
}

/// The rows `keep` takes, grouped by `first` of the row and `d`, summed as [`cube`] does.
fn reference(
    n: u32,
    keys: u32,
    keep: impl Fn(u32, u32) -> bool,
    first: impl Fn(u32, u32) -> u32,
) -> Reference {
    let mut out = Reference::new();
    for i in 0..n {
        let (k, d, x, g) = row(i, keys);
        if !keep(k, g) {
            continue;
        }
        let e = out.entry((first(k, g), d)).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += x.map_or(0.0, f64::from);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// `g` = one value (a third of the rows: read a block at a time), with or without some `k`s: the cube
    /// by `g` and `d` against the loop.
    #[test]
    fn a_field_with_one_value_selected_in_the_scanned_table(
        n in 70_000u32..140_000,
        keys in 4u32..40,
        g in 0u32..3,
        ks in proptest::collection::vec(0u32..40, 0..3),
    ) {
        let m = model(n, keys, None);
        let ks: Vec<u32> = ks.iter().map(|k| k % keys).collect();
        let state = select(&m, &[("g", &[g]), ("k", &ks)]);
        let want = reference(n, keys, |k, rg| rg == g && (ks.is_empty() || ks.contains(&k)), |_, rg| rg);
        prop_assert_eq!(cube(&m, &state, "g"), want);
    }

    /// `r` (in the joined table `R`) = one value: the cube of `T`'s rows by `r` and `d`, `r` read through
    /// the key, against the loop; also with a `g` selected, and with a few `k`s, which leaves few rows.
    #[test]
    fn a_field_with_one_value_selected_in_a_joined_table(
        n in 70_000u32..140_000,
        keys in 8u32..400,
        regions in 2u32..6,
        r in 0u32..6,
        g in proptest::option::of(0u32..3),
        few in proptest::bool::ANY,
    ) {
        let m = model(n, keys, Some(regions));
        let r = r % regions;
        let ks: Vec<u32> = match few {
            true => (0..keys).filter(|k| k % regions == r).take(2).collect(),
            false => vec![],
        };
        let gs: Vec<u32> = g.into_iter().collect();
        let state = select(&m, &[("r", &[r]), ("g", &gs), ("k", &ks)]);
        let keep = |k: u32, rg: u32| {
            k % regions == r && g.is_none_or(|g| g == rg) && (ks.is_empty() || ks.contains(&k))
        };
        let want = reference(n, keys, keep, |k, _| k % regions);
        prop_assert_eq!(cube(&m, &state, "r"), want);
    }
}
