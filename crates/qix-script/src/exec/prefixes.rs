//! The LOAD prefixes `FIRST n` (at most `n` records) and `GENERIC` (a table per attribute value, as
//! Qlik builds it: `Label.Attribute` tables with the key fields and a field named by the attribute).

use super::cells::cell_key;
use super::columns::gather;
use super::tables::{Body, Data, Table};
use super::{Cell, Exec};
use crate::error::ScriptError;
use crate::sources::{self, RawTable};
use qix_expr::Expr;
use std::collections::HashMap;
use std::sync::Arc;

impl Exec<'_> {
    /// `FIRST n` (statement `i`): the first `n` records of `data`.
    pub(super) fn first(&mut self, n: &Expr, i: usize, data: Data) -> Result<Data, ScriptError> {
        let n = self
            .eval_norow(n)
            .num()
            .filter(|n| *n >= 0.0 && n.is_finite())
            .ok_or_else(|| self.err(i, "FIRST needs a count of records"))?;
        let n = n as usize;
        if data.len() <= n {
            return Ok(data);
        }
        Ok(match data.body {
            // Columns keep the first rows' values only.
            Body::Cols(cols, _) => Data {
                fields: data.fields,
                body: Body::Cols(
                    cols.iter()
                        .map(|c| Arc::new(gather(c, (0..n).map(Some), n)))
                        .collect(),
                    n,
                ),
            },
            Body::Rows(mut rows) => {
                rows.truncate(n);
                Data {
                    fields: data.fields,
                    body: Body::Rows(rows),
                }
            }
        })
    }

    /// `GENERIC LOAD` (statement `i`, table `name`): the records' last two fields are an attribute and
    /// its value, the fields before them the object's key. Each attribute value gets a table
    /// `name.attribute` with the key fields and a field named by the attribute holding its values, in
    /// the order the attributes are first seen. A record whose attribute is NULL is left out.
    pub(super) fn generic(
        &mut self,
        i: usize,
        name: &str,
        data: RawTable,
    ) -> Result<(), ScriptError> {
        let width = data.fields.len();
        if width < 2 {
            return Err(self.err(
                i,
                "a GENERIC LOAD needs an attribute and a value field after its key fields",
            ));
        }
        let keys = &data.fields[..width - 2];
        let budget = self.budget();
        // Per attribute (in first-seen order) its text and records; `index` finds it by value.
        let mut groups: Vec<(String, Vec<Vec<Cell>>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut bytes = 0u64;
        for row in data.rows {
            let Some(attribute) = row.get(width - 2).cloned().flatten() else {
                continue;
            };
            let mut out: Vec<Cell> = row[..width - 2].to_vec();
            out.push(row.get(width - 1).cloned().flatten());
            bytes = bytes.saturating_add(sources::row_bytes(&out) as u64);
            budget.check(0, bytes).map_err(|m| self.err(i, &m))?;
            let g = *index
                .entry(cell_key(&Some(attribute.clone())))
                .or_insert_with(|| {
                    groups.push((attribute.text.clone(), Vec::new()));
                    groups.len() - 1
                });
            groups[g].1.push(out);
        }
        for (attribute, rows) in groups {
            self.add_generic_table(name, &attribute, keys, rows);
        }
        Ok(())
    }

    /// One table of a GENERIC LOAD: `name.attribute` with `keys` and the field `attribute`.
    fn add_generic_table(
        &mut self,
        name: &str,
        attribute: &str,
        keys: &[String],
        rows: Vec<Vec<Cell>>,
    ) {
        let mut fields = keys.to_vec();
        fields.push(attribute.to_string());
        let table = format!("{name}.{attribute}");
        self.log
            .push(format!("{table} << {} rows (generic)", rows.len()));
        self.add_table(Table::new(table, Data::rows(RawTable { fields, rows })));
    }
}
