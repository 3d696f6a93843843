//! Test support shared by the engine's test binaries: models of small numbers and their symbols.
#![allow(dead_code)]

use qix_engine::{DataModel, Dual, ModelBuilder};

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
