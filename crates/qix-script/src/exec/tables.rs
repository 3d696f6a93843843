//! The script's tables while it runs (rows, or an optimized load's columns until rows are needed),
//! where a loaded table goes (its name made unique, QUALIFY applied, automatic concatenation), and the
//! data model built from them when the script ends.

use super::{Cell, Exec};
use crate::error::ScriptError;
use crate::sources::ColumnTable;
use qix_engine::{DataModel, ModelBuilder};

/// A table while the script runs.
#[derive(Debug, Clone)]
pub(super) struct Table {
    pub(super) name: String,
    pub(super) fields: Vec<String>,
    pub(super) rows: Vec<Vec<Cell>>,
    /// An optimized load's columns, kept as read until a statement needs rows (then [`Table::materialize`]
    /// turns them into `rows`) or the model is built straight from them.
    pub(super) cols: Option<ColumnTable>,
}

impl Table {
    /// Turns an optimized load's columns into rows.
    pub(super) fn materialize(&mut self) {
        if let Some(c) = self.cols.take() {
            self.rows = c.into_rows().rows;
        }
    }
}

impl Exec<'_> {
    /// The table with exactly these fields (in any order): where a LOAD concatenates automatically.
    pub(super) fn table_with_fields(&self, fields: &[String]) -> Option<usize> {
        let mut wanted = fields.to_vec();
        wanted.sort();
        self.tables.iter().position(|t| {
            let mut f = t.fields.clone();
            f.sort();
            f == wanted
        })
    }

    /// Prefixes the fields QUALIFY names (and UNQUALIFY does not) with the table name.
    pub(super) fn qualify_fields(&self, table: &str, fields: &mut [String]) {
        for f in fields {
            let q = (self.qualify.0 || self.qualify.1.contains(f)) && !self.unqualify.contains(f);
            if q && !f.contains('.') {
                *f = format!("{table}.{f}");
            }
        }
    }

    /// Adds a table, its name made unique with a `-1`, `-2`, ... suffix.
    pub(super) fn add_table(&mut self, mut t: Table) {
        if self.tables.iter().any(|x| x.name == t.name) {
            let mut k = 1;
            while self
                .tables
                .iter()
                .any(|x| x.name == format!("{}-{k}", t.name))
            {
                k += 1;
            }
            t.name = format!("{}-{k}", t.name);
        }
        self.tables.push(t);
    }

    /// The data model of the tables (an optimized load's columns go in without rows).
    pub(super) fn model(&mut self) -> Result<DataModel, ScriptError> {
        self.synthesize_keys();
        let mut b = ModelBuilder::new();
        for t in &mut self.tables {
            let fields: Vec<&str> = t.fields.iter().map(String::as_str).collect();
            let h = b
                .add_table(&t.name, &fields)
                .map_err(|e| ScriptError::at(0, 0, "", &e.to_string()))?;
            match t.cols.take() {
                Some(c) => {
                    for (j, col) in c.columns.into_iter().enumerate() {
                        b.push_indexed(h, j, col.values, col.index);
                    }
                }
                None => {
                    for r in &t.rows {
                        b.push_row(h, r)
                            .map_err(|e| ScriptError::at(0, 0, "", &e.to_string()))?;
                    }
                }
            }
        }
        b.build()
            .map_err(|e| ScriptError::at(0, 0, "", &e.to_string()))
    }
}
