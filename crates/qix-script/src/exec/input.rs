//! The bottom of a LOAD chain: the records it reads ([`Input`]) from INLINE data, AUTOGENERATE, a file
//! (text, QVD or Parquet, read whole into rows) or a RESIDENT table, each within the row and memory
//! limits.

use super::budget::Budget;
use super::files::{file_format, file_table_name};
use super::{Cell, Exec};
use crate::ast::{FormatSpec, Load, Source};
use crate::error::ScriptError;
use crate::sources::{self, parquet, qvd, text, ColumnTable, RawTable};
use qix_expr::Expr;

/// What a LOAD reads its records from.
pub(super) enum Input {
    /// Rows and their field names (a file, INLINE, RESIDENT, or the LOAD below a preceding load).
    Rows(RawTable),
    /// `AUTOGENERATE n`: `n` records without fields, none of them allocated.
    Generate(usize),
}

impl Input {
    pub(super) fn fields(&self) -> &[String] {
        match self {
            Input::Rows(t) => &t.fields,
            Input::Generate(_) => &[],
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Input::Rows(t) => t.rows.len(),
            Input::Generate(n) => *n,
        }
    }

    /// Record `r` (0-based): its cells, none for a generated record.
    pub(super) fn row(&self, r: usize) -> &[Cell] {
        match self {
            Input::Rows(t) => t.rows.get(r).map_or(&[], Vec::as_slice),
            Input::Generate(_) => &[],
        }
    }

    /// Estimated bytes held.
    pub(super) fn bytes(&self) -> usize {
        match self {
            Input::Rows(t) => sources::rows_bytes(&t.rows),
            Input::Generate(_) => 0,
        }
    }
}

/// Bytes of one cell, without its text.
const CELL_BYTES: usize = std::mem::size_of::<Cell>();

impl Exec<'_> {
    /// Reads the bottom source of a LOAD chain (LOAD `l`, statement `i`): its records and the table name
    /// they give without a label.
    pub(super) fn source(&mut self, l: &Load, i: usize) -> Result<(Input, String), ScriptError> {
        let budget = self.budget();
        match &l.source {
            Source::Inline { data, spec } => {
                let mut check = |rows: usize, bytes: usize| budget.check(rows as u64, bytes as u64);
                let rows = text::read_checked(data, spec, true, &mut check)
                    .map_err(|m| self.err(i, &m))?;
                Ok((Input::Rows(rows), "INLINE".into()))
            }
            Source::Resident(t) => self.resident(t, i, &budget),
            Source::Autogenerate(e) => self.autogenerate(l, e, i, &budget),
            Source::File { path: p, spec } => self.file_rows(p, spec, i, &budget),
            Source::Preceding => Err(self.err(i, "a LOAD without a source")),
        }
    }

    /// `RESIDENT t`: a copy of the table's rows.
    fn resident(&self, t: &str, i: usize, budget: &Budget) -> Result<(Input, String), ScriptError> {
        let t = self
            .tables
            .iter()
            .find(|x| x.name == *t)
            .ok_or_else(|| self.err(i, &format!("table {t} not found")))?;
        // The rows are copied: the copy must fit too.
        budget
            .check(0, sources::rows_bytes(&t.rows) as u64)
            .map_err(|m| self.err(i, &m))?;
        Ok((
            Input::Rows(RawTable {
                fields: t.fields.clone(),
                rows: t.rows.clone(),
            }),
            t.name.clone(),
        ))
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
