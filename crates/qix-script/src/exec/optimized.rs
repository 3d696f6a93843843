//! Optimized loads: `LOAD * FROM file` (QVD, Parquet or text) into a table of its own, with no WHERE,
//! WHILE, DISTINCT or preceding load, reads the file column by column, and the model is built from those
//! columns without a value per row (Qlik's "optimized" QVD load).

use super::budget::Budget;
use super::files::{file_format, file_table_name};
use super::tables::Table;
use super::Exec;
use crate::ast::{FieldItem, FormatSpec, Load, Source, Target};
use crate::error::ScriptError;
use crate::sources::{parquet, qvd, text, text_columns, ColumnTable};
use std::path::Path;

impl Exec<'_> {
    /// Runs LOAD `l` (statement `i`) as an optimized load if it is one; answers whether it did.
    pub(super) fn optimized_load(&mut self, l: &Load, i: usize) -> Result<bool, ScriptError> {
        let Source::File { path: p, spec } = &l.source else {
            return Ok(false);
        };
        if l.fields != [FieldItem::Star]
            || l.where_.is_some()
            || l.while_.is_some()
            || l.distinct
            || !l.group_by.is_empty()
            || !l.order_by.is_empty()
            || l.crosstable.is_some()
            || l.intervalmatch.is_some()
            || !matches!(l.target, Target::Auto | Target::NoConcatenate)
        {
            return Ok(false);
        }
        let full = self.resolve_path(i, p)?;
        let format = file_format(&full, spec);
        if !matches!(format.as_str(), "qvd" | "parquet" | "txt" | "csv") {
            return Ok(false);
        }
        let budget = self.budget();
        let mut table = read_columns(&full, p, &format, spec, &budget)
            .and_then(|t| {
                // The whole-text reader has no checks of its own.
                budget.check(t.rows() as u64, t.bytes() as u64)?;
                Ok(t)
            })
            .map_err(|m| self.err(i, &m))?;
        let name = l.label.clone().unwrap_or_else(|| file_table_name(&full));
        self.qualify_fields(&name, &mut table.fields);
        if l.target == Target::Auto && self.table_with_fields(&table.fields).is_some() {
            // Auto-concatenation appends rows: the ordinary path does it.
            return Ok(false);
        }
        self.add_columns(name, table);
        Ok(true)
    }

    /// Adds the columns of an optimized load as table `name`.
    fn add_columns(&mut self, name: String, table: ColumnTable) {
        let rows = table.rows();
        self.rows_made = self.rows_made.saturating_add(rows as u64);
        if let Some(progress) = self.env.progress {
            progress(&name, rows);
        }
        self.add_table(Table {
            name: name.clone(),
            fields: table.fields.clone(),
            rows: vec![],
            cols: Some(table),
        });
        self.log.push(format!("{name} << {rows} rows (optimized)"));
    }
}

/// Reads file `full` (named `p` in the script) in `format` column by column, within `budget`. Errors
/// are "cannot open <path>: ..." for the file, "<path>: ..." for its content.
fn read_columns(
    full: &Path,
    p: &str,
    format: &str,
    spec: &FormatSpec,
    budget: &Budget,
) -> Result<ColumnTable, String> {
    let read_all = || std::fs::read(full).map_err(|e| format!("cannot open {p}: {e}"));
    let in_file = |m: String| format!("{p}: {m}");
    let mut check = |rows: usize, bytes: usize| budget.check(rows as u64, bytes as u64);
    match format {
        "qvd" => {
            read_all().and_then(|b| qvd::read_columns_checked(&b, &mut check).map_err(in_file))
        }
        "parquet" => {
            read_all().and_then(|b| parquet::read_columns_checked(b, &mut check).map_err(in_file))
        }
        // Text streams from the file, so it is never held whole (unless the spec needs the whole text).
        _ => std::fs::File::open(full)
            .map_err(|e| format!("cannot open {p}: {e}"))
            .and_then(|file| {
                text_columns::read_columns_from_checked(file, spec, &mut check).map_err(in_file)
            })
            .and_then(|streamed| match streamed {
                Some(t) => Ok(t),
                None => read_all().and_then(|b| {
                    text::decode(b, spec.latin1)
                        .and_then(|t| text::read_columns(&t, spec))
                        .map_err(in_file)
                }),
            }),
    }
}
