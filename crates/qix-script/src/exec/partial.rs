//! Partial reloads and the `ADD` / `REPLACE [ONLY]` prefixes, as Qlik runs them. In an ordinary reload
//! an ADD or REPLACE LOAD is an ordinary LOAD and an `ONLY` one is passed over. In a partial reload
//! ([`run_partial`](super::run_partial)) the script starts from the previous model's tables (synthetic
//! keys taken apart again into the fields they stood for), only the LOADs with ADD or REPLACE run — ADD
//! adds its records as an ordinary LOAD does, REPLACE first drops the table it loads — and every other
//! statement (LET, DROP, ...) runs as usual.

use super::columns::gather;
use super::tables::{Body, Data, Table};
use super::{Cell, Exec};
use crate::ast::{Load, Partial};
use crate::sources::{RawTable, SymbolColumn};
use qix_engine::DataModel;
use std::collections::HashMap;
use std::sync::Arc;

/// Whether a LOAD with the `partial` prefix runs in a reload that is partial or not.
pub(super) fn runs(partial: Option<Partial>, partial_reload: bool) -> bool {
    match (partial, partial_reload) {
        (None, reload) => !reload,
        (Some(p), false) => !p.only,
        (Some(_), true) => true,
    }
}

impl Exec<'_> {
    /// In a partial reload, drops the table a `REPLACE` LOAD (`top`) is about to load, `name`.
    pub(super) fn replace_before_load(&mut self, top: &Load, name: &str) {
        if self.partial && top.partial.is_some_and(|p| p.replace) {
            self.tables.retain(|t| t.name != name);
        }
    }

    /// Starts a partial reload from `model`'s tables: as columns, except those a synthetic key links
    /// (taken apart row by row).
    pub(super) fn start_from(&mut self, model: &DataModel) {
        let linked = |t: &qix_engine::model::Table| {
            t.name.starts_with("$Syn ")
                || t.columns
                    .iter()
                    .any(|c| model.fields[c.field].name.starts_with("$Syn "))
        };
        let mut raw: Vec<(String, RawTable)> = Vec::new();
        let mut order: Vec<Result<Table, String>> = Vec::new();
        for t in &model.tables {
            if linked(t) {
                raw.push((t.name.clone(), table_rows(model, t)));
                order.push(Err(t.name.clone()));
            } else {
                order.push(Ok(table_columns(model, t)));
            }
        }
        unsynthesize(&mut raw);
        let mut raw: HashMap<String, RawTable> = raw.into_iter().collect();
        for t in order {
            let table = match t {
                Ok(t) => t,
                Err(name) => match raw.remove(&name) {
                    Some(r) => Table::new(name, Data::rows(r)),
                    None => continue,
                },
            };
            let mut table = table;
            table.compact();
            self.tables.push(table);
        }
    }
}

/// A model table as the script's columns: each column's rows with the values they use.
fn table_columns(model: &DataModel, t: &qix_engine::model::Table) -> Table {
    let fields: Vec<String> = t
        .columns
        .iter()
        .map(|c| model.fields[c.field].name.clone())
        .collect();
    let cols = t
        .columns
        .iter()
        .map(|c| {
            let whole = SymbolColumn {
                values: model.fields[c.field].symbols.clone(),
                index: c.data.clone(),
            };
            // The field's symbols serve every table that has it: keep this table's only.
            Arc::new(gather(&whole, (0..t.rows).map(Some), t.rows))
        })
        .collect();
    let mut table = Table::new(
        t.name.clone(),
        Data {
            fields,
            body: Body::Cols(cols, t.rows),
        },
    );
    // What the script loosened stays loose; a table loosened to cut a loop is decided anew.
    table.loose = t.coupling == qix_engine::Coupling::Loosened;
    table
}

/// A model table's records as rows.
fn table_rows(model: &DataModel, t: &qix_engine::model::Table) -> RawTable {
    let fields: Vec<String> = t
        .columns
        .iter()
        .map(|c| model.fields[c.field].name.clone())
        .collect();
    let rows = (0..t.rows)
        .map(|r| {
            t.columns
                .iter()
                .map(|c| {
                    let s = c.data.get(r);
                    (s != qix_engine::packed::NULL).then(|| model.fields[c.field].symbols.get(s))
                })
                .collect()
        })
        .collect();
    RawTable { fields, rows }
}

/// Takes the synthetic keys apart: each `$Syn N` field is replaced by the fields its `$Syn N Table`
/// holds for its value, and the `$Syn N Table`s go (the final model builds them again).
fn unsynthesize(tables: &mut Vec<(String, RawTable)>) {
    let is_syn = |n: &str| n.starts_with("$Syn ") && n.ends_with(" Table");
    let syn: HashMap<String, RawTable> = tables
        .iter()
        .filter(|(n, _)| is_syn(n))
        .map(|(n, t)| (n.trim_end_matches(" Table").to_string(), t.clone()))
        .collect();
    tables.retain(|(n, _)| !is_syn(n));
    // A synthetic key may stand for another: at most one round per key.
    for _ in 0..=syn.len() {
        let mut changed = false;
        for (_, t) in tables.iter_mut() {
            let Some(c) = t.fields.iter().position(|f| syn.contains_key(f)) else {
                continue;
            };
            if let Some(key_table) = syn.get(&t.fields[c]) {
                expand_key(t, c, key_table);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Replaces column `c` of `t` (a `$Syn N` field) with the other fields of `key_table` for its value.
fn expand_key(t: &mut RawTable, c: usize, key_table: &RawTable) {
    let key = &t.fields[c];
    let Some(k) = key_table.fields.iter().position(|f| f == key) else {
        t.fields.remove(c);
        t.rows.iter_mut().for_each(|r| {
            if c < r.len() {
                r.remove(c);
            }
        });
        return;
    };
    let by_key: HashMap<String, &Vec<Cell>> = key_table
        .rows
        .iter()
        .filter_map(|r| Some((r.get(k)?.as_ref()?.text.clone(), r)))
        .collect();
    let others: Vec<usize> = (0..key_table.fields.len()).filter(|x| *x != k).collect();
    let mut fields: Vec<String> = t.fields.clone();
    fields.remove(c);
    fields.extend(others.iter().map(|x| key_table.fields[*x].clone()));
    for row in &mut t.rows {
        let value = if c < row.len() { row.remove(c) } else { None };
        let found = value.and_then(|v| by_key.get(&v.text).copied());
        row.extend(
            others
                .iter()
                .map(|x| found.and_then(|r| r.get(*x).cloned().flatten())),
        );
    }
    t.fields = fields;
}
