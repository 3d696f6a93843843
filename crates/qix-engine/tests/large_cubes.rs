//! Cubes of many groups: a cube whose measures are aggregations alone is rendered by two threads, each
//! half of the groups; its rows must be those of the one-thread rendering that evaluates measure
//! expressions (`1 * Sum(x)` is the same number as `Sum(x)`, through the expression path). Without sort
//! criteria the rows follow the load order of the dimensions (NULL last).

use qix_engine::{compute, infer, DataModel, Dual, HyperCubeDef, ModelBuilder, SelectionState};

/// `T(a, b, x)`: 200 × 150 combinations of `a` and `b` (30,000 groups, above the two-thread
/// threshold), some `b` NULL, some `x` zero or NULL.
fn model() -> DataModel {
    let mut b = ModelBuilder::new();
    let t = b.add_table("T", &["a", "b", "x"]).expect("table");
    for i in 0..200u32 {
        for j in 0..150u32 {
            let k = i * 150 + j;
            let bv = (k % 97 != 0).then(|| Dual::number(j as f64));
            let x = match k % 7 {
                0 => None,
                1 => Some(Dual::number(0.0)),
                _ => Some(Dual::number((k % 13) as f64 - 3.0)),
            };
            b.push_row(t, &[Some(Dual::number(i as f64)), bv, x])
                .expect("row");
        }
    }
    b.build().expect("model")
}

/// The rows of a cube as comparable tuples: dimension (symbol, text, state) and measure numbers.
type Row = (Vec<(Option<u32>, String, String)>, Vec<Option<f64>>);

fn rows(m: &DataModel, state: &SelectionState, def: &HyperCubeDef) -> (Vec<Row>, Vec<Option<f64>>) {
    let inference = infer(m, state);
    let cube = compute(m, state, &inference, def).expect("cube");
    let rows = cube.rows.iter().map(|r| {
        let dims = r
            .dims
            .iter()
            .map(|d| (d.symbol, d.text.to_string(), format!("{:?}", d.state)));
        (dims.collect(), r.measures.iter().map(|v| v.num()).collect())
    });
    (
        rows.collect(),
        cube.totals.iter().map(|v| v.num()).collect(),
    )
}

/// The definition over `a`, `b` with `measures`, suppression as given.
fn def(measures: &[&str], zero: bool, missing: bool) -> HyperCubeDef {
    HyperCubeDef {
        suppress_zero: zero,
        suppress_missing: missing,
        ..HyperCubeDef::of(&["a", "b"], measures)
    }
}

#[test]
fn two_thread_rendering_equals_the_expression_path() {
    let m = model();
    let mut selected = SelectionState::default();
    let a = m.field_id("a").expect("a");
    selected.set(a, (0..120).collect());
    for state in [SelectionState::default(), selected] {
        for (zero, missing) in [(false, false), (true, false), (false, true), (true, true)] {
            let plain = rows(&m, &state, &def(&["Sum(x)", "Count(x)"], zero, missing));
            let evaluated = rows(
                &m,
                &state,
                &def(&["1 * Sum(x)", "Count(x) + 0"], zero, missing),
            );
            assert!(plain.0.len() > 10_000, "{} rows", plain.0.len());
            assert_eq!(plain, evaluated, "zero {zero}, missing {missing}");
            let load_key =
                |r: &Row| -> Vec<u32> { r.0.iter().map(|d| d.0.unwrap_or(u32::MAX)).collect() };
            let keys: Vec<Vec<u32>> = plain.0.iter().map(load_key).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "not in load order");
            assert_eq!(keys.iter().any(|k| k[1] == u32::MAX), !missing);
        }
    }
}
