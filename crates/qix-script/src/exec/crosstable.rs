//! The CROSSTABLE prefix: a LOAD's columns after the first `n` become rows — one per record and column,
//! with the column's name (as text) in the attribute field and its value in the data field — within the
//! row and memory limits.

use super::{Cell, Exec};
use crate::ast::CrossTable;
use crate::error::ScriptError;
use crate::sources::{self, RawTable};
use qix_engine::Dual;

impl Exec<'_> {
    /// `data` turned by `ct` (statement `i`).
    pub(super) fn crosstable(
        &mut self,
        ct: &CrossTable,
        i: usize,
        data: RawTable,
    ) -> Result<RawTable, ScriptError> {
        let q = ct.qualifiers.min(data.fields.len());
        let mut fields: Vec<String> = data.fields[..q].to_vec();
        fields.push(ct.attribute.clone());
        fields.push(ct.data.clone());
        let columns: Vec<Cell> = data.fields[q..]
            .iter()
            .map(|name| Some(Dual::text(name.clone())))
            .collect();
        let budget = self.budget();
        let mut made_bytes = 0u64;
        let mut rows = Vec::with_capacity(data.rows.len() * columns.len());
        for row in &data.rows {
            for (c, name) in columns.iter().enumerate() {
                let mut out: Vec<Cell> = row[..q.min(row.len())].to_vec();
                out.push(name.clone());
                out.push(row.get(q + c).cloned().flatten());
                made_bytes = made_bytes.saturating_add(sources::row_bytes(&out) as u64);
                rows.push(out);
                budget
                    .check(rows.len() as u64, made_bytes)
                    .map_err(|m| self.err(i, &m))?;
            }
        }
        Ok(RawTable { fields, rows })
    }
}
