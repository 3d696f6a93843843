//! `rows_only` (a pivot's sub-cubes): the same rows and totals, with no per-dimension facts counted.

use qix_engine::{compute, infer, Dual, HyperCubeDef, ModelBuilder, SelectionState};

#[test]
fn rows_only_keeps_rows_and_totals_and_skips_the_facts() {
    let mut b = ModelBuilder::new();
    let t = b.add_table("T", &["a", "x"]).expect("table");
    for i in 0..30 {
        let row = [
            Some(Dual::number((i % 4) as f64)),
            Some(Dual::number(i as f64)),
        ];
        b.push_row(t, &row).expect("row");
    }
    let m = b.build().expect("model");
    let mut state = SelectionState::new();
    state.set(m.field_id("a").expect("a"), vec![0, 1]);
    let inference = infer(&m, &state);
    let full = HyperCubeDef::of(&["a"], &["Sum(x)"]);
    let rows_only = HyperCubeDef {
        rows_only: true,
        ..full.clone()
    };
    let (f, r) = (
        compute(&m, &state, &inference, &full).expect("cube"),
        compute(&m, &state, &inference, &rows_only).expect("cube"),
    );
    assert_eq!((&f.rows, &f.totals), (&r.rows, &r.totals));
    assert_eq!(f.rows.len(), 2);
    let counts = &f.dim_info[0];
    assert_eq!(
        (
            counts.cardinal,
            counts.state_counts.selected,
            counts.state_counts.alternative
        ),
        (4, 2, 2)
    );
    assert_eq!(r.dim_info[0], Default::default());
}
