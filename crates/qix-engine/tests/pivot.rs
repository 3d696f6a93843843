//! Pivot cubes against a plain reference on random data: every data cell of a fully expanded pivot
//! (values, subtotals per level, grand totals, on both axes, with the measures on top) is its measure
//! over the rows its row's and column's values pick — for sums and for non-additive aggregations alike —
//! and the leaves are exactly the value combinations plus one total per level and parent. Collapsed
//! nodes show their level's aggregate, and expanding one node adds exactly its children.

use proptest::prelude::*;
use qix_engine::hypercube::pivot::{Expansion, Level, NodeKey, Pivot, PivotSpec};
use qix_engine::{compute, infer, DataModel, Dual, HyperCubeDef, ModelBuilder, SelectionState};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

type Row = (u8, u8, u8, u8);

fn model(rows: &[Row]) -> DataModel {
    let mut b = ModelBuilder::new();
    let t = b.add_table("T", &["a", "b", "c", "m"]).expect("table");
    for (a, bb, c, m) in rows {
        let n = |x: &u8| Some(Dual::number(*x as f64));
        b.push_row(t, &[n(a), n(bb), n(c), n(m)]).expect("row");
    }
    b.build().expect("model")
}

const MEASURES: [&str; 3] = ["Sum(m)", "Avg(m)", "Count(DISTINCT m)"];

/// The reference: measure `i` over the rows whose dimensions `dims` (0 = a, 1 = b, 2 = c) have these
/// values; `None` when no row has them.
fn reference(rows: &[Row], picks: &[(usize, f64)], i: usize) -> Option<f64> {
    let get = |r: &Row, d: usize| [r.0, r.1, r.2][d] as f64;
    let ms: Vec<f64> = rows
        .iter()
        .filter(|r| picks.iter().all(|(d, v)| get(r, *d) == *v))
        .map(|r| r.3 as f64)
        .collect();
    if ms.is_empty() {
        return None;
    }
    let sum: f64 = ms.iter().sum();
    Some(match i {
        0 => sum,
        1 => sum / ms.len() as f64,
        _ => ms.iter().map(|m| *m as u64).collect::<BTreeSet<_>>().len() as f64,
    })
}

fn spec(totals: [bool; 3], fully: bool) -> PivotSpec {
    PivotSpec {
        left: vec![Level::Dim(0), Level::Dim(1)],
        top: vec![Level::Dim(2), Level::Measures],
        totals: totals.to_vec(),
        total_labels: vec!["Totals".into(); 3],
        totals_above: false,
        fully_expanded: fully,
    }
}

struct Fixture {
    model: DataModel,
    def: HyperCubeDef,
}

impl Fixture {
    fn new(rows: &[Row]) -> Fixture {
        Fixture {
            model: model(rows),
            def: HyperCubeDef::of(&["a", "b", "c"], &MEASURES),
        }
    }

    fn pivot(&self, spec: &PivotSpec, expansion: &Expansion) -> (Pivot, usize) {
        let state = SelectionState::new();
        let inference = infer(&self.model, &state);
        let mut computed = 0;
        let mut cube = |d: &HyperCubeDef| {
            computed += 1;
            compute(&self.model, &state, &inference, d).map(Arc::new)
        };
        let p = Pivot::build(&self.def, spec, expansion, &mut cube).expect("pivot");
        (p, computed)
    }

    /// A key's value (the number of its symbol).
    fn value(&self, d: usize, key: &NodeKey) -> f64 {
        let NodeKey::Value(Some(sym), false) = key else {
            panic!("a plain value: {key:?}");
        };
        let f = self.model.field_id(["a", "b", "c"][d]).expect("field");
        let text = self.model.fields[f].symbols.text(*sym).into_owned();
        text.parse().expect("a number")
    }
}

/// Every cell of `p` is its measure over the rows its row's and column's values pick.
fn check_cells(fx: &Fixture, rows: &[Row], p: &mut Pivot) -> Result<(), TestCaseError> {
    for row in 0..p.height() {
        for col in 0..p.width() {
            let (l, t) = (
                p.left.leaf(row).expect("a leaf"),
                p.top.leaf(col).expect("a leaf"),
            );
            let picks: Vec<(usize, f64)> = l
                .dims
                .iter()
                .chain(&t.dims)
                .map(|(d, k)| (*d, fx.value(*d, k)))
                .collect();
            let cell = p.cell(row, col, &mut |d: &HyperCubeDef| {
                let state = SelectionState::new();
                compute(&fx.model, &state, &infer(&fx.model, &state), d).map(Arc::new)
            });
            let m = t.measure.expect("the measures are on top");
            prop_assert_eq!(cell.measure, m);
            prop_assert_eq!(cell.total, l.total || t.total);
            let want = reference(rows, &picks, m);
            prop_assert_eq!(cell.missing, want.is_none(), "cell {} {}", row, col);
            if let (Some(w), Some(got)) = (want, cell.value.num()) {
                prop_assert!(
                    (w - got).abs() < 1e-9,
                    "cell {} {}: {} != {}",
                    row,
                    col,
                    got,
                    w
                );
            }
        }
    }
    Ok(())
}

fn rows_strategy() -> impl Strategy<Value = Vec<Row>> {
    proptest::collection::vec((0u8..4, 0u8..3, 0u8..3, 0u8..10), 1..40)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, .. ProptestConfig::default() })]

    #[test]
    fn every_cell_and_subtotal_is_its_measure_over_the_rows_it_picks(
        rows in rows_strategy(), totals in any::<[bool; 3]>(),
    ) {
        let fx = Fixture::new(&rows);
        let (mut p, _) = fx.pivot(&spec(totals, true), &Expansion::default());
        // The leaves: every combination, and one total per level and parent.
        let ab: BTreeSet<(u8, u8)> = rows.iter().map(|r| (r.0, r.1)).collect();
        let a: BTreeSet<u8> = rows.iter().map(|r| r.0).collect();
        let cs: BTreeSet<u8> = rows.iter().map(|r| r.2).collect();
        let want_rows = ab.len() + usize::from(totals[1]) * a.len() + usize::from(totals[0]);
        prop_assert_eq!(p.height(), want_rows);
        prop_assert_eq!(p.width(), (cs.len() + usize::from(totals[2])) * MEASURES.len());
        check_cells(&fx, &rows, &mut p)?;
    }

    #[test]
    fn cells_of_an_axis_with_every_dimension_read_its_own_sub_cube_right(
        rows in rows_strategy(), totals in any::<[bool; 3]>(),
    ) {
        // All dimensions on the left, the measures alone on top. In definition order a leaf's cell is read
        // from the left axis's own sub-cube (no look-up), a total's from another; in another order every
        // cell goes through the cells' own sub-cubes. Both are the reference.
        let fx = Fixture::new(&rows);
        let abc: BTreeSet<(u8, u8, u8)> = rows.iter().map(|r| (r.0, r.1, r.2)).collect();
        for left in [[0, 1, 2], [1, 0, 2]] {
            let spec = PivotSpec {
                left: left.into_iter().map(Level::Dim).collect(),
                top: vec![Level::Measures],
                ..spec(totals, true)
            };
            let (mut p, _) = fx.pivot(&spec, &Expansion::default());
            prop_assert!(p.height() >= abc.len());
            check_cells(&fx, &rows, &mut p)?;
        }
    }

    #[test]
    fn collapsed_nodes_show_their_level_and_expanding_one_adds_its_children(
        rows in rows_strategy(), pick in any::<prop::sample::Index>(),
    ) {
        let fx = Fixture::new(&rows);
        let spec = spec([true, false, false], false);
        let mut expansion = Expansion::default();
        let (p, _) = fx.pivot(&spec, &expansion);
        let a: BTreeSet<u8> = rows.iter().map(|r| r.0).collect();
        prop_assert_eq!(p.height(), a.len() + 1, "one row per value of a, and the total");
        prop_assert!(p.left.roots().all(|n| !p.left.has_children(n)));
        let values: Vec<_> = p.left.roots().filter(|&n| p.left.node(n).can_expand).collect();
        prop_assert_eq!(values.len(), a.len(), "every value can expand, the total cannot");
        let node = values[pick.index(values.len())];
        let path = p.left.path(node);
        let av = fx.value(0, &path[0]);
        expansion.left.set(path.clone(), true);
        let (p2, _) = fx.pivot(&spec, &expansion);
        let kids = rows.iter().filter(|r| r.0 as f64 == av).map(|r| r.1).collect::<BTreeSet<_>>();
        prop_assert_eq!(p2.height(), a.len() + 1 + kids.len() - 1);
        let expanded = p2.left.roots().find(|&n| p2.left.path(n) == path).expect("still there");
        let node = p2.left.node(expanded);
        prop_assert!(node.can_collapse && !node.can_expand);
        prop_assert_eq!(p2.left.children(expanded).count(), kids.len());
        let mut by: HashMap<bool, usize> = HashMap::new();
        for n in p2.left.roots() {
            *by.entry(!p2.left.has_children(n)).or_default() += 1;
        }
        prop_assert_eq!(by.get(&false).copied(), Some(1), "only that node has children");
    }
}

#[test]
fn sub_cubes_are_computed_once_per_grouping_and_only_for_cells_asked_for() {
    let rows: Vec<Row> = (0..30).map(|i| (i % 4, i % 3, i % 2, i)).collect();
    let fx = Fixture::new(&rows);
    let (mut p, axes) = fx.pivot(&spec([true, true, true], true), &Expansion::default());
    assert_eq!(axes, 2, "one sub-cube per axis to lay them out");
    let mut computed = 0;
    let state = SelectionState::new();
    let inference = infer(&fx.model, &state);
    let mut cube = |d: &HyperCubeDef| {
        computed += 1;
        compute(&fx.model, &state, &inference, d).map(Arc::new)
    };
    for row in 0..p.height() {
        for col in 0..p.width() {
            p.cell(row, col, &mut cube);
        }
    }
    // Groupings: {a,b,c}, {a,b}, {a,c}, {a}, {c}, {} — 3 × 2 prefixes.
    assert_eq!(computed, 6);
}
