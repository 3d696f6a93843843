//! An app's data on disk: each table of the model as a QVD file (Qlik's own compact format) plus a small
//! JSON file with the table order and field comments and tags. Written by `DoSave` as a new data version
//! (see `qix_apps::AppLock::save`), read back when a saved app is opened after a restart, so the
//! data survives without reloading.

use crate::doc::LoadedData;
use qix_engine::ModelBuilder;
use qix_script::sources::qvd;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

const META: &str = "meta.json";

/// The files that hold `data`.
pub fn export(data: &LoadedData) -> Vec<(String, Vec<u8>)> {
    let m = &data.model;
    let mut files = Vec::new();
    let mut names = Vec::new();
    for (t, table) in m.tables.iter().enumerate() {
        // Each column as the model keeps it: the field's symbols and the table's packed rows.
        let fields: Vec<String> = table
            .columns
            .iter()
            .map(|c| m.fields[c.field].name.clone())
            .collect();
        let cols: Vec<_> = table
            .columns
            .iter()
            .map(|c| (&m.fields[c.field].symbols, &c.data))
            .collect();
        names.push(table.name.clone());
        files.push((
            format!("t{t:05}.qvd"),
            qvd::write_columns(&table.name, &fields, &cols),
        ));
    }
    // Tables the script loosened (those loosened to cut a loop are found again when the model is built).
    let loosened: Vec<&str> = m
        .tables
        .iter()
        .filter(|t| t.coupling == qix_engine::Coupling::Loosened)
        .map(|t| t.name.as_str())
        .collect();
    let meta = json!({"tables": names, "comments": data.comments, "tags": data.tags,
                      "variables": data.script_variables, "loosened": loosened});
    files.push((META.to_string(), meta.to_string().into_bytes()));
    files
}

/// Rebuilds the data from its files.
pub fn import(files: &[(String, Vec<u8>)]) -> Result<LoadedData, String> {
    let meta: serde_json::Value = files
        .iter()
        .find(|(n, _)| n == META)
        .map(|(_, b)| serde_json::from_slice(b).map_err(|e| e.to_string()))
        .transpose()?
        .ok_or("saved data has no meta.json")?;
    let names: Vec<String> =
        serde_json::from_value(meta["tables"].clone()).map_err(|e| e.to_string())?;
    let loosened: Vec<String> =
        serde_json::from_value(meta["loosened"].clone()).unwrap_or_default();
    let mut b = ModelBuilder::new();
    for (i, name) in names.iter().enumerate() {
        let file = format!("t{i:05}.qvd");
        let bytes = &files
            .iter()
            .find(|(n, _)| *n == file)
            .ok_or(format!("saved data lacks {file}"))?
            .1;
        // Column by column, as an optimized load reads a QVD: no row of values is built.
        let table = qvd::read_columns(bytes)?;
        let fields: Vec<&str> = table.fields.iter().map(String::as_str).collect();
        let h = b.add_table(name, &fields).map_err(|e| e.to_string())?;
        for (j, col) in table.columns.into_iter().enumerate() {
            b.push_indexed(h, j, col.values, col.index);
        }
        if loosened.contains(name) {
            b.loosen(h);
        }
    }
    let mut model = b.build().map_err(|e| e.to_string())?;
    let comments: HashMap<String, String> =
        serde_json::from_value(meta["comments"].clone()).unwrap_or_default();
    let tags: HashMap<String, Vec<String>> =
        serde_json::from_value(meta["tags"].clone()).unwrap_or_default();
    let script_variables: std::collections::BTreeMap<String, String> =
        serde_json::from_value(meta["variables"].clone()).unwrap_or_default();
    // The number and date settings the script ended with, as the reload left them in the model.
    model.locale = Arc::new(qix_expr::Locale::from_variables(|n| {
        script_variables.get(n).map(String::as_str)
    }));
    Ok(LoadedData {
        system_tags: Default::default(),
        search_index: Default::default(),
        model: Arc::new(model),
        comments,
        tags,
        script_variables,
    })
}
