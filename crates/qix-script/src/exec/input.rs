//! The bottom of a LOAD chain: the records it reads ([`Input`]) from INLINE data, AUTOGENERATE, a file
//! (QVD, Parquet or text: column by column for a LOAD that runs on columns, else whole into rows) or a
//! RESIDENT table (its columns shared, not copied), each within the row and memory limits.

use super::budget::Budget;
use super::columnar::columnar;
use super::files::{file_format, file_table_name};
use super::tables::{Body, Columns, Data};
use super::{Cell, Exec};
use crate::ast::{FormatSpec, Load, Source};
use crate::error::ScriptError;
use crate::sources::text_columns::Wanted;
use crate::sources::{self, parquet, qvd, text, text_columns, ColumnTable, RawTable};
use qix_expr::Expr;
use std::path::Path;

/// What a LOAD reads its records from.
pub(super) enum Input {
    /// Rows and their field names (INLINE, a file read whole, or the LOAD below a preceding load).
    Rows(RawTable),
    /// Field names, their columns and the row count (a file read column by column, a RESIDENT table,
    /// or the columnar LOAD below a preceding load).
    Cols(Vec<String>, Columns, usize),
    /// `AUTOGENERATE n`: `n` records without fields, none of them allocated.
    Generate(usize),
}

impl Input {
    /// What a LOAD made, as the input of the LOAD above it.
    pub(super) fn of(data: Data) -> Input {
        match data.body {
            Body::Rows(rows) => Input::Rows(RawTable {
                fields: data.fields,
                rows,
            }),
            Body::Cols(cols, n) => Input::Cols(data.fields, cols, n),
        }
    }

    /// The same records, with columns turned into rows (what the row-by-row path reads).
    pub(super) fn into_rows(self) -> Input {
        match self {
            Input::Cols(fields, cols, n) => Input::Rows(RawTable {
                fields,
                rows: Body::Cols(cols, n).into_rows(),
            }),
            other => other,
        }
    }

    pub(super) fn fields(&self) -> &[String] {
        match self {
            Input::Rows(t) => &t.fields,
            Input::Cols(f, ..) => f,
            Input::Generate(_) => &[],
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Input::Rows(t) => t.rows.len(),
            Input::Cols(_, _, n) => *n,
            Input::Generate(n) => *n,
        }
    }

    /// Record `r` (0-based): its cells, none for a generated record. Columns have no rows to lend:
    /// callers turn them into rows first ([`Input::into_rows`]).
    pub(super) fn row(&self, r: usize) -> &[Cell] {
        match self {
            Input::Rows(t) => t.rows.get(r).map_or(&[], Vec::as_slice),
            Input::Cols(..) | Input::Generate(_) => &[],
        }
    }

    /// Estimated bytes held.
    pub(super) fn bytes(&self) -> usize {
        match self {
            Input::Rows(t) => sources::rows_bytes(&t.rows),
            Input::Cols(_, cols, _) => cols.iter().map(|c| c.bytes()).sum(),
            Input::Generate(_) => 0,
        }
    }
}

/// What the source of a LOAD chain gave.
pub(super) struct Sourced {
    /// The records.
    pub(super) input: Input,
    /// The table name they give a LOAD without a label.
    pub(super) name: String,
    /// The bottom LOAD's WHERE was applied as the file was read (see `pushdown`).
    pub(super) filtered: bool,
}

impl Sourced {
    fn of((input, name): (Input, String)) -> Sourced {
        Sourced {
            input,
            name,
            filtered: false,
        }
    }
}

/// Bytes of one cell, without its text.
const CELL_BYTES: usize = std::mem::size_of::<Cell>();

impl Exec<'_> {
    /// Reads the bottom source of a LOAD chain (LOAD `l`, statement `i`).
    pub(super) fn source(&mut self, l: &Load, i: usize) -> Result<Sourced, ScriptError> {
        let budget = self.budget();
        match &l.source {
            Source::Inline { data, spec } => {
                let mut check = |rows: usize, bytes: usize| budget.check(rows as u64, bytes as u64);
                let rows = text::read_checked(data, spec, true, &mut check)
                    .map_err(|m| self.err(i, &m))?;
                Ok(Sourced::of((Input::Rows(rows), "INLINE".into())))
            }
            Source::Resident(t) => self.resident(t, i, &budget).map(Sourced::of),
            Source::Autogenerate(e) => self.autogenerate(l, e, i, &budget).map(Sourced::of),
            Source::File { path: p, spec } if columnar(l) => {
                let wanted = self.wanted_records(l);
                self.file_columns(p, spec, i, &budget, wanted)
            }
            Source::File { path: p, spec } => self.file_rows(p, spec, i, &budget).map(Sourced::of),
            Source::Preceding => Err(self.err(i, "a LOAD without a source")),
        }
    }

    /// `RESIDENT t`: the table's columns (shared), or a copy of its rows.
    fn resident(&self, t: &str, i: usize, budget: &Budget) -> Result<(Input, String), ScriptError> {
        let t = self
            .tables
            .iter()
            .find(|x| x.name == *t)
            .ok_or_else(|| self.err(i, &format!("table {t} not found")))?;
        let input = match &t.body {
            Body::Cols(cols, n) => Input::Cols(t.fields.clone(), cols.clone(), *n),
            Body::Rows(rows) => {
                // The rows are copied: the copy must fit too.
                budget
                    .check(0, sources::rows_bytes(rows) as u64)
                    .map_err(|m| self.err(i, &m))?;
                Input::Rows(RawTable {
                    fields: t.fields.clone(),
                    rows: rows.clone(),
                })
            }
        };
        Ok((input, t.name.clone()))
    }

    /// `AUTOGENERATE e`: that many records, none of them allocated.
    fn autogenerate(
        &mut self,
        l: &Load,
        e: &Expr,
        i: usize,
        budget: &Budget,
    ) -> Result<(Input, String), ScriptError> {
        let n = self
            .eval_norow(e)
            .num()
            .ok_or_else(|| self.err(i, "AUTOGENERATE needs a number"))?;
        if !(n >= 0.0 && n.is_finite()) {
            return Err(self.err(i, "AUTOGENERATE count out of range"));
        }
        // Nothing is allocated per record; a count the row limit cannot take fails here, as does
        // one whose rows (each at least a row of cells) would not fit the memory limit.
        let n = n as u64;
        let row = std::mem::size_of::<Vec<Cell>>() + l.fields.len() * CELL_BYTES;
        let bytes = if l.where_.is_some() {
            0
        } else {
            n.saturating_mul(row as u64)
        };
        budget
            .check(n, bytes)
            .map_err(|m| self.err(i, &format!("AUTOGENERATE {n}: {m}")))?;
        Ok((
            Input::Generate(usize::try_from(n).unwrap_or(usize::MAX)),
            "AUTOGENERATE".into(),
        ))
    }

    /// `FROM p (spec)`: the file's rows (column readers are turned into rows only when the rows fit).
    fn file_rows(
        &self,
        p: &str,
        spec: &FormatSpec,
        i: usize,
        budget: &Budget,
    ) -> Result<(Input, String), ScriptError> {
        let full = self.resolve_path(i, p)?;
        let bytes =
            std::fs::read(&full).map_err(|e| self.err(i, &format!("cannot open {p}: {e}")))?;
        let mut check = |rows: usize, bytes: usize| budget.check(rows as u64, bytes as u64);
        let into_rows = |t: ColumnTable| -> Result<RawTable, String> {
            budget.check(t.rows() as u64, t.rows_bytes() as u64)?;
            Ok(t.into_rows())
        };
        let table = match file_format(&full, spec).as_str() {
            "qvd" => qvd::read_columns_checked(&bytes, &mut check).and_then(into_rows),
            "parquet" => parquet::read_columns_checked(bytes, &mut check).and_then(into_rows),
            "txt" | "csv" => text::decode(bytes, spec.latin1)
                .and_then(|content| text::read_checked(&content, spec, false, &mut check)),
            other => Err(format!(
                "the {other} format is not supported (txt, csv, qvd, parquet)"
            )),
        }
        .map_err(|m| self.err(i, &format!("{p}: {m}")))?;
        Ok((Input::Rows(table), file_table_name(&full)))
    }
}

impl Exec<'_> {
    /// `FROM p (spec)` for a LOAD that runs on columns: the file read column by column (QVD, Parquet,
    /// text; a text file only the records `wanted` says); other formats are read as rows.
    fn file_columns(
        &self,
        p: &str,
        spec: &FormatSpec,
        i: usize,
        budget: &Budget,
        wanted: Wanted,
    ) -> Result<Sourced, ScriptError> {
        let full = self.resolve_path(i, p)?;
        let format = file_format(&full, spec);
        if !matches!(format.as_str(), "qvd" | "parquet" | "txt" | "csv") {
            return self.file_rows(p, spec, i, budget).map(Sourced::of);
        }
        let (table, filtered) = read_columns(&full, p, &format, spec, budget, wanted)
            .and_then(|(t, filtered)| {
                // The whole-text reader has no checks of its own.
                budget.check(0, t.bytes() as u64)?;
                Ok((t, filtered))
            })
            .map_err(|m| self.err(i, &m))?;
        let n = table.rows();
        let cols = table.columns.into_iter().map(std::sync::Arc::new).collect();
        Ok(Sourced {
            input: Input::Cols(table.fields, cols, n),
            name: file_table_name(&full),
            filtered,
        })
    }
}

/// Reads file `full` (named `p` in the script) in `format` column by column, within `budget`; a text
/// file streamed from disk keeps only the records `wanted` says (`true` when that had a filter).
/// Errors are "cannot open <path>: ..." for the file, "<path>: ..." for its content.
fn read_columns(
    full: &Path,
    p: &str,
    format: &str,
    spec: &FormatSpec,
    budget: &Budget,
    wanted: Wanted,
) -> Result<(ColumnTable, bool), String> {
    let read_all = || std::fs::read(full).map_err(|e| format!("cannot open {p}: {e}"));
    let in_file = |m: String| format!("{p}: {m}");
    let mut check = |rows: usize, bytes: usize| budget.check(rows as u64, bytes as u64);
    let filtered = wanted.filter.is_some();
    match format {
        "qvd" => read_all()
            .and_then(|b| qvd::read_columns_checked(&b, &mut check).map_err(in_file))
            .map(|t| (t, false)),
        "parquet" => read_all()
            .and_then(|b| parquet::read_columns_checked(b, &mut check).map_err(in_file))
            .map(|t| (t, false)),
        // Text streams from the file, so it is never held whole (unless the spec needs the whole text).
        _ => std::fs::File::open(full)
            .map_err(|e| format!("cannot open {p}: {e}"))
            .and_then(|file| {
                text_columns::read_columns_from_checked(file, spec, &mut check, wanted)
                    .map_err(in_file)
            })
            .and_then(|streamed| match streamed {
                Some(t) => Ok((t, filtered)),
                None => read_all().and_then(|b| {
                    text::decode(b, spec.latin1)
                        .and_then(|t| text::read_columns(&t, spec))
                        .map(|t| (t, false))
                        .map_err(in_file)
                }),
            }),
    }
}
