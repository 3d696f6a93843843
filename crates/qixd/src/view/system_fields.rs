//! Qlik's system fields, listed by a field list with `qShowSystem`: `$Field` (the fields' names), `$Table`
//! (the tables' names), `$Rows` and `$Fields` (each table's row and field counts), `$FieldNo` (a field's
//! position in its table) and `$Info` (info tables; qixd loads none). Their cardinals are those of the
//! values Qlik's system tables hold for the loaded data.

use qix_engine::DataModel;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The `qFieldList` items of the system fields.
pub fn system_field_items(m: &DataModel) -> Vec<Value> {
    let distinct = |values: Vec<usize>| values.into_iter().collect::<BTreeSet<_>>().len();
    let rows = distinct(m.tables.iter().map(|t| t.rows).collect());
    let fields = distinct(m.tables.iter().map(|t| t.columns.len()).collect());
    let positions = m.tables.iter().map(|t| t.columns.len()).max().unwrap_or(0);
    let text = ["$system", "$ascii", "$text"];
    let number = ["$system", "$numeric", "$integer"];
    [
        ("$Field", m.fields.len(), &text),
        ("$Table", m.tables.len(), &text),
        ("$Rows", rows, &number),
        ("$Fields", fields, &number),
        ("$FieldNo", positions, &number),
        ("$Info", 0, &text),
    ]
    .into_iter()
    .map(|(name, cardinal, tags)| {
        let src: &[&str] = if name == "$Info" {
            &["$Info"]
        } else if matches!(name, "$Rows" | "$Fields") {
            &["$Table"]
        } else {
            &["$Field"]
        };
        json!({"qName": name, "qCardinal": cardinal, "qTags": tags, "qIsSystem": true, "qSrcTables": src})
    })
    .collect()
}
