//! Test support shared by the engine's test binaries: models of small numbers and their symbols, and a
//! long table `T(k, d, x, g)` whose rows are a formula of the row number (checked against plain loops).
#![allow(dead_code)]

use qix_engine::{DataModel, Dual, ModelBuilder, TableId};

/// A model of tables of small numbers (`None` = NULL): each table's name, field names and rows.
pub fn numbers_model<'a>(
    tables: impl IntoIterator<Item = (&'a str, &'a [&'a str], &'a [Vec<Option<u8>>])>,
) -> DataModel {
    let mut b = ModelBuilder::new();
    for (name, fields, rows) in tables {
        let t = b.add_table(name, fields).unwrap();
        for row in rows {
            let cells: Vec<Option<Dual>> = row
                .iter()
                .map(|c| c.map(|v| Dual::number(v as f64)))
                .collect();
            b.push_row(t, &cells).unwrap();
        }
    }
    b.build().unwrap()
}

/// The symbols of `field` that stand for the numbers `values` (those the field has).
pub fn number_symbols(m: &DataModel, field: &str, values: &[u8]) -> Vec<u32> {
    let f = m.field_id(field).unwrap();
    values
        .iter()
        .filter_map(|v| m.fields[f].symbols.find(&Dual::number(*v as f64)))
        .collect()
}

/// One row of `T(k, d, x, g)`: `k` one of `keys` values (a selection of one keeps about 1/keys of the
/// rows), `d` 0..7 or NULL, `x` a small number or NULL, `g` 0..3 (a second selection's field).
pub fn kdxg_row(i: u32, keys: u32) -> (u32, Option<u32>, Option<u32>, u32) {
    let mix = i.wrapping_mul(2_654_435_761);
    let d = (!mix.is_multiple_of(11)).then_some((mix >> 8) % 7);
    let x = (!(mix >> 4).is_multiple_of(5)).then_some((mix >> 16) % 50);
    let g = (mix >> 20) % 3;
    ((u64::from(i) * 7_919 % u64::from(keys)) as u32, d, x, g)
}

/// Adds `T(k, d, x, g)` with the `n` rows [`kdxg_row`] makes.
pub fn add_kdxg_table(b: &mut ModelBuilder, n: u32, keys: u32) -> TableId {
    let t = b.add_table("T", &["k", "d", "x", "g"]).expect("table");
    let num = |v: u32| Some(Dual::number(f64::from(v)));
    for i in 0..n {
        let (k, d, x, g) = kdxg_row(i, keys);
        b.push_row(t, &[num(k), d.and_then(num), x.and_then(num), num(g)])
            .expect("row");
    }
    t
}
