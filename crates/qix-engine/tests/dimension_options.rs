//! Per-dimension options against a plain reference on random data: the Others group (a fixed number of
//! values, or those past a limit) and NULL suppression.

use proptest::prelude::*;
use qix_engine::hypercube::{DimOptions, LimitCmp, Num, Others, OthersMode};
use qix_engine::{compute, infer, Dual, HyperCubeDef, ModelBuilder, SelectionState};
use std::collections::BTreeMap;

/// Dimension text → (Sum, Count, Avg) of `m`.
type Table = BTreeMap<String, (f64, f64, Option<f64>)>;

fn measures(ms: &[u8]) -> (f64, f64, Option<f64>) {
    let sum: f64 = ms.iter().map(|m| *m as f64).sum();
    let n = ms.len() as f64;
    (sum, n, (n > 0.0).then(|| sum / n))
}

/// The reference: values ranked by Sum(m) descending (ties: load order), `keep` decides from the
/// ranking which stay; the others' rows are one `Others` row; NULLs are a `-` row unless suppressed.
fn reference(
    rows: &[(Option<u8>, u8)],
    keep: impl Fn(&[(u8, f64)]) -> Vec<u8>,
    null_suppression: bool,
) -> Table {
    let mut load: Vec<u8> = Vec::new();
    let mut by: BTreeMap<u8, Vec<u8>> = BTreeMap::new();
    for (d, m) in rows {
        if let Some(d) = d {
            if !load.contains(d) {
                load.push(*d);
            }
            by.entry(*d).or_default().push(*m);
        }
    }
    let mut ranked: Vec<(u8, f64)> = load.iter().map(|d| (*d, measures(&by[d]).0)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1)); // stable: ties keep load order
    let kept = keep(&ranked);
    let mut out = Table::new();
    let mut others = Vec::new();
    for (d, ms) in &by {
        match kept.contains(d) {
            true => {
                out.insert(d.to_string(), measures(ms));
            }
            false => others.extend(ms),
        }
    }
    if !others.is_empty() {
        out.insert("Others".into(), measures(&others));
    }
    let nulls: Vec<u8> = rows.iter().filter(|r| r.0.is_none()).map(|r| r.1).collect();
    if !nulls.is_empty() && !null_suppression {
        out.insert("-".into(), measures(&nulls));
    }
    out
}

fn engine(rows: &[(Option<u8>, u8)], options: DimOptions) -> Table {
    let mut b = ModelBuilder::new();
    let t = b.add_table("T", &["d", "m"]).expect("table");
    for (d, m) in rows {
        let d = d.map(|d| Dual::number(d as f64));
        b.push_row(t, &[d, Some(Dual::number(*m as f64))])
            .expect("row");
    }
    let model = b.build().expect("model");
    let mut def = HyperCubeDef::of(&["d"], &["Sum(m)", "Count(m)", "Avg(m)"]);
    def.dim_options = vec![options];
    let state = SelectionState::new();
    let cube = compute(&model, &state, &infer(&model, &state), &def).expect("computes");
    let others_last = cube
        .rows
        .iter()
        .position(|r| r.dims[0].other)
        .is_none_or(|i| {
            i + 1 == cube.rows.len()
                || !cube.rows[i + 1..]
                    .iter()
                    .any(|r| r.dims[0].symbol.is_some())
        });
    assert!(others_last, "the Others row comes after the values");
    cube.rows
        .iter()
        .map(|r| {
            let m = |i: usize| r.measures[i].num();
            (
                r.dims[0].text.to_string(),
                (m(0).unwrap_or(f64::NAN), m(1).unwrap_or(f64::NAN), m(2)),
            )
        })
        .collect()
}

fn others(mode: OthersMode) -> Others {
    Others {
        mode,
        descending: true,
        suppress: false,
        keep_bad_values: true,
        label: "Others".into(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn a_fixed_number_of_values_and_the_rest_as_others(
        rows in proptest::collection::vec((proptest::option::weighted(0.85, 0u8..8), 0u8..20), 0..40),
        n in 0usize..6,
        null_suppression in any::<bool>(),
    ) {
        let got = engine(&rows, DimOptions { null_suppression, others: Some(others(OthersMode::Counted(n))), show_all: false });
        let want = reference(&rows, |r| r.iter().take(n).map(|v| v.0).collect(), null_suppression);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn the_values_past_an_absolute_limit_and_the_rest_as_others(
        rows in proptest::collection::vec((proptest::option::weighted(0.85, 0u8..8), 0u8..20), 0..40),
        limit in 0u8..60,
    ) {
        let mode = OthersMode::Limited { relative: false, limit: Num(limit as f64), cmp: LimitCmp::Gt };
        let got = engine(&rows, DimOptions { null_suppression: false, others: Some(others(mode)), show_all: false });
        let want = reference(&rows, |r| r.iter().filter(|v| v.1 > limit as f64).map(|v| v.0).collect(), false);
        prop_assert_eq!(got, want);
    }
}

#[test]
fn accumulated_targets_keep_values_until_the_share_is_reached() {
    // Sums: 0 → 50, 1 → 30, 2 → 15, 3 → 5 (total 100).
    let rows: Vec<(Option<u8>, u8)> = vec![
        (Some(0), 20),
        (Some(0), 30),
        (Some(1), 15),
        (Some(1), 15),
        (Some(2), 15),
        (Some(3), 5),
    ];
    let mode = OthersMode::Accumulated {
        relative: true,
        limit: Num(80.0),
        cmp: LimitCmp::Le,
    };
    let got = engine(
        &rows,
        DimOptions {
            null_suppression: false,
            others: Some(others(mode)),
            show_all: false,
        },
    );
    let names: Vec<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        vec!["0", "1", "Others"],
        "50% and 80% are within 80%"
    );
    assert_eq!(got["Others"].0, 20.0);
}
