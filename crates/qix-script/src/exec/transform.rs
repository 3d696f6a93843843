//! The row-by-row path of a LOAD: its field list, WHERE, WHILE and DISTINCT applied to its input's
//! records, each made row counted against the row and memory limits.

use super::cells::{cell_key, cells_key, to_cell};
use super::host::{RowCtx, RowScope};
use super::input::Input;
use super::{Cell, Exec};
use crate::ast::{FieldItem, Load};
use crate::error::ScriptError;
use crate::sources::{self, RawTable};
use qix_expr::Expr;
use std::collections::HashSet;

impl Exec<'_> {
    /// The names of the fields a LOAD makes from input fields `input`; a name given twice is an error.
    pub(super) fn field_names(
        &self,
        l: &Load,
        i: usize,
        input: &[String],
    ) -> Result<Vec<String>, ScriptError> {
        let mut names = Vec::new();
        for f in &l.fields {
            match f {
                FieldItem::Star => names.extend(input.iter().cloned()),
                FieldItem::Expr { name, .. } => names.push(name.clone()),
            }
        }
        for (k, n) in names.iter().enumerate() {
            if names[..k].contains(n) {
                return Err(self.err(i, &format!("field {n} appears twice in the LOAD")));
            }
        }
        Ok(names)
    }

    /// Whether the optional condition `e` holds for a record (no condition always holds).
    fn holds(&mut self, e: &Option<Expr>, ctx: &RowCtx<'_>) -> bool {
        match e {
            Some(e) => qix_expr::eval(e, &mut RowScope { ex: self, ctx }).truthy(),
            None => true,
        }
    }

    /// The cells a LOAD's field list makes of a record.
    fn row_values(&mut self, l: &Load, row: &[Cell], ctx: &RowCtx<'_>, width: usize) -> Vec<Cell> {
        let mut out = Vec::with_capacity(width);
        for f in &l.fields {
            match f {
                FieldItem::Star => out.extend(row.iter().cloned()),
                FieldItem::Expr { expr, .. } => {
                    out.push(to_cell(qix_expr::eval(
                        expr,
                        &mut RowScope { ex: self, ctx },
                    )));
                }
            }
        }
        out
    }

    /// Notes a row this LOAD made, for `Exists`.
    fn note_made(&mut self, names: &[String], row: &[Cell]) {
        for (name, cell) in names.iter().zip(row) {
            if cell.is_some() {
                self.loading
                    .entry(name.clone())
                    .or_default()
                    .insert(cell_key(cell));
            }
        }
    }

    /// Applies one LOAD's field list, WHERE, WHILE and DISTINCT to its input rows. Every row made counts
    /// against the row and memory limits as it is made; the cancel flag is read every 65,536 records or
    /// WHILE iterations.
    pub(super) fn transform(
        &mut self,
        l: &Load,
        i: usize,
        input: Input,
        rowno_base: usize,
        table_name: &str,
    ) -> Result<RawTable, ScriptError> {
        let names = self.field_names(l, i, input.fields())?;
        if Self::groups(l) {
            return self.group(l, i, input, names);
        }
        let order = self.record_order(l, i, &input)?;
        // `Exists` sees the values made so far by this LOAD too.
        self.loading.clear();
        let track = l.exprs().any(|e| qix_expr::calls_function(e, "Exists"));
        let budget = self.budget();
        let input_bytes = input.bytes() as u64;
        let mut made_bytes = 0u64;
        let mut rows = Vec::new();
        let mut seen = HashSet::new();
        // Kept records, nearest first; `Previous` nests at most this deep.
        const PREVIOUS_DEPTH: usize = 32;
        let mut back: Vec<&[Cell]> = Vec::with_capacity(PREVIOUS_DEPTH + 1);
        let mut steps = 0usize;
        for n in 0..input.len() {
            let r = order.as_ref().and_then(|o| o.get(n).copied()).unwrap_or(n);
            let row = input.row(r);
            let mut iterno = 1;
            let mut kept = false;
            loop {
                if steps & 0xFFFF == 0 {
                    if self.cancelled() {
                        return Err(self.err(i, "reload cancelled"));
                    }
                    if let Some(p) = self.env.progress {
                        p(table_name, rows.len());
                    }
                }
                steps += 1;
                let ctx = RowCtx {
                    fields: input.fields(),
                    row,
                    recno: r + 1,
                    rowno: rowno_base + rows.len() + 1,
                    iterno,
                    back: &back,
                };
                if !self.holds(&l.while_, &ctx) {
                    break;
                }
                let pass = self.holds(&l.where_, &ctx);
                if pass {
                    let out = self.row_values(l, row, &ctx, names.len());
                    if !l.distinct || seen.insert(cells_key(&out)) {
                        made_bytes = made_bytes.saturating_add(sources::row_bytes(&out) as u64);
                        if track {
                            self.note_made(&names, &out);
                        }
                        rows.push(out);
                        budget
                            .check(rows.len() as u64, input_bytes.saturating_add(made_bytes))
                            .map_err(|m| self.err(i, &m))?;
                    }
                }
                kept |= pass;
                if l.while_.is_none() {
                    break;
                }
                if iterno >= 1_000_000 {
                    return Err(self.err(
                        i,
                        "WHILE did not end after 1,000,000 iterations of one record",
                    ));
                }
                iterno += 1;
            }
            if kept {
                back.insert(0, row);
                back.truncate(PREVIOUS_DEPTH);
            }
        }
        self.rows_made = self.rows_made.saturating_add(rows.len() as u64);
        self.loading.clear();
        Ok(RawTable {
            fields: names,
            rows,
        })
    }
}
