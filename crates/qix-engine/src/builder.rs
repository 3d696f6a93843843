//! Building a [`DataModel`]: tables of columns of duals, interned into per-field symbol tables, packed.
//!
//! Tables are linked by same-named fields, one field per link: the load script replaces fields that two
//! tables share with Qlik's synthetic key (`$Syn N`) before it builds the model, so a builder given two
//! tables sharing more than one field refuses them with an error naming the tables and fields. A
//! circular reference is cut as Qlik cuts it: a table of the loop is loosely coupled (see `loops`), and
//! the model says which ([`DataModel::loops_cut`]).

use crate::dual::Dual;
use crate::loops::{tables_to_loosen, LinkTable};
use crate::model::{Column, Coupling, DataModel, Field, FieldId, Table};
use crate::packed::{PackedColumn, NULL};
use crate::rowindex::{IndexPolicy, RowIndexes};
use crate::symbols::SymbolTable;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a model cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// Two tables share more than one field.
    #[error("tables {0} and {1} share more than one field ({2}): link them through one key field (the load script builds a synthetic key for this)")]
    SyntheticKey(String, String, String),
    /// A table name is used twice.
    #[error("table {0} already exists")]
    DuplicateTable(String),
    /// A field name appears twice in one table.
    #[error("field {1} appears twice in table {0}")]
    DuplicateField(String, String),
    /// Columns of one table have different lengths, or a row has the wrong width.
    #[error("table {0}: {1}")]
    Shape(String, String),
}

struct PendingTable {
    name: String,
    fields: Vec<FieldId>,
    cells: Vec<Cells>,
    coupling: Coupling,
}

/// A column being built: symbol indexes row by row, or a whole column a source packed already.
enum Cells {
    Rows(Vec<u32>),
    Packed(PackedColumn),
}

impl Cells {
    fn len(&self) -> usize {
        match self {
            Cells::Rows(r) => r.len(),
            Cells::Packed(p) => p.len(),
        }
    }

    /// The row-by-row form, to append to.
    fn rows(&mut self) -> &mut Vec<u32> {
        if let Cells::Packed(p) = self {
            *self = Cells::Rows(p.unpack());
        }
        match self {
            Cells::Rows(r) => r,
            Cells::Packed(_) => unreachable!("just unpacked"),
        }
    }
}

/// Accumulates tables, then builds the model.
#[derive(Default)]
pub struct ModelBuilder {
    fields: Vec<(String, SymbolTable)>,
    field_index: HashMap<String, FieldId>,
    tables: Vec<PendingTable>,
}

/// Identifies a table being built.
pub type TableHandle = usize;

static NEXT_MODEL_ID: AtomicU64 = AtomicU64::new(1);

impl ModelBuilder {
    /// An empty builder.
    pub fn new() -> ModelBuilder {
        ModelBuilder::default()
    }

    fn field(&mut self, name: &str) -> FieldId {
        if let Some(&f) = self.field_index.get(name) {
            return f;
        }
        self.fields.push((name.to_string(), SymbolTable::default()));
        self.field_index
            .insert(name.to_string(), self.fields.len() - 1);
        self.fields.len() - 1
    }

    /// Starts a table with these field names.
    pub fn add_table(&mut self, name: &str, fields: &[&str]) -> Result<TableHandle, ModelError> {
        if self.tables.iter().any(|t| t.name == name) {
            return Err(ModelError::DuplicateTable(name.to_string()));
        }
        for (i, f) in fields.iter().enumerate() {
            if fields[..i].contains(f) {
                return Err(ModelError::DuplicateField(name.to_string(), f.to_string()));
            }
        }
        let ids = fields.iter().map(|f| self.field(f)).collect();
        self.tables.push(PendingTable {
            name: name.to_string(),
            fields: ids,
            cells: fields.iter().map(|_| Cells::Rows(Vec::new())).collect(),
            coupling: Coupling::Tight,
        });
        Ok(self.tables.len() - 1)
    }

    /// Loosely couples a table (the script's `Loosen Table`): its fields stop passing selections to
    /// each other.
    pub fn loosen(&mut self, table: TableHandle) {
        if let Some(t) = self.tables.get_mut(table) {
            t.coupling = Coupling::Loosened;
        }
    }

    /// Appends one row (one cell per field, `None` for NULL).
    pub fn push_row(&mut self, table: TableHandle, row: &[Option<Dual>]) -> Result<(), ModelError> {
        let width = self.tables[table].fields.len();
        if row.len() != width {
            return Err(ModelError::Shape(
                self.tables[table].name.clone(),
                format!(
                    "a row has {} values, the table has {width} fields",
                    row.len()
                ),
            ));
        }
        for (col, cell) in row.iter().enumerate() {
            self.push_value(table, col, cell.clone());
        }
        Ok(())
    }

    /// Appends one cell to column `col` (column-wise loading; lengths are checked at build).
    pub fn push_value(&mut self, table: TableHandle, col: usize, value: Option<Dual>) {
        let field = self.tables[table].fields[col];
        let sym = match value {
            Some(v) => self.fields[field].1.intern(v),
            None => NULL,
        };
        self.tables[table].cells[col].rows().push(sym);
    }

    /// Appends a number to column `col` without building a `Dual` unless the number is new.
    pub fn push_number(&mut self, table: TableHandle, col: usize, n: f64) {
        let field = self.tables[table].fields[col];
        let sym = self.fields[field].1.intern_number(n);
        self.tables[table].cells[col].rows().push(sym);
    }

    /// Appends a whole column given as its distinct `values` and, per row, an index into them (`u32::MAX`
    /// for NULL) — how an optimized load hands QVD-style columns to the model without a value per row.
    /// A field no other column has filled yet takes the values and the index as they are (no hashing, no
    /// copy); otherwise each distinct value is interned once and the rows are renumbered.
    pub fn push_indexed(
        &mut self,
        table: TableHandle,
        col: usize,
        values: SymbolTable,
        index: PackedColumn,
    ) {
        let field = self.tables[table].fields[col];
        let symbols = &mut self.fields[field].1;
        let cells = &mut self.tables[table].cells[col];
        if symbols.is_empty() && cells.len() == 0 {
            *symbols = values;
            *cells = Cells::Packed(index);
            return;
        }
        symbols.reserve(values.len());
        let map: Vec<u32> = values.iter().map(|v| symbols.intern(v)).collect();
        let rows = cells.rows();
        rows.reserve(index.len());
        rows.extend(
            index
                .iter()
                .map(|i| map.get(i as usize).copied().unwrap_or(NULL)),
        );
    }

    /// Checks the links and packs every column.
    pub fn build(mut self) -> Result<DataModel, ModelError> {
        for t in &self.tables {
            let lens: Vec<usize> = t.cells.iter().map(Cells::len).collect();
            if lens.windows(2).any(|w| w[0] != w[1]) {
                return Err(ModelError::Shape(
                    t.name.clone(),
                    format!("columns have different lengths {lens:?}"),
                ));
            }
        }
        let mut table_of_field: Vec<Vec<usize>> = vec![Vec::new(); self.fields.len()];
        for (ti, t) in self.tables.iter().enumerate() {
            for &f in &t.fields {
                table_of_field[f].push(ti);
            }
        }
        self.check_links()?;
        self.cut_loops(&table_of_field);
        let fields: Vec<Field> = self
            .fields
            .into_iter()
            .zip(table_of_field)
            .map(|((name, symbols), tables)| Field {
                name,
                symbols,
                tables,
            })
            .collect();
        let tables: Vec<Table> = self
            .tables
            .into_iter()
            .map(|t| {
                let rows = t.cells.first().map(Cells::len).unwrap_or(0);
                let columns = t
                    .fields
                    .iter()
                    .zip(t.cells)
                    .map(|(&f, cells)| Column {
                        field: f,
                        data: match cells {
                            Cells::Rows(r) => PackedColumn::pack(&r, fields[f].symbols.len()),
                            Cells::Packed(p) => p,
                        },
                    })
                    .collect();
                Table {
                    name: t.name,
                    rows,
                    columns,
                    coupling: t.coupling,
                }
            })
            .collect();
        let indexes = RowIndexes::new(&tables, IndexPolicy::default());
        Ok(DataModel {
            id: NEXT_MODEL_ID.fetch_add(1, Ordering::Relaxed),
            fields,
            tables,
            field_index: self.field_index,
            locale: Default::default(),
            indexes,
        })
    }

    /// Refuses two tables linked by more than one field (the script makes a synthetic key of them).
    fn check_links(&self) -> Result<(), ModelError> {
        let n = self.tables.len();
        for a in 0..n {
            for b in a + 1..n {
                let shared: Vec<&str> = self.tables[a]
                    .fields
                    .iter()
                    .filter(|f| self.tables[b].fields.contains(f))
                    .map(|f| self.fields[*f].0.as_str())
                    .collect();
                if shared.len() > 1 {
                    return Err(ModelError::SyntheticKey(
                        self.tables[a].name.clone(),
                        self.tables[b].name.clone(),
                        shared.join(", "),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Loosens a table of every loop of tables and key fields (Qlik's answer to a circular reference).
    fn cut_loops(&mut self, table_of_field: &[Vec<usize>]) {
        let keys: Vec<Vec<FieldId>> = self
            .tables
            .iter()
            .map(|t| {
                t.fields
                    .iter()
                    .copied()
                    .filter(|f| table_of_field[*f].len() > 1)
                    .collect()
            })
            .collect();
        let links: Vec<LinkTable<'_>> = self
            .tables
            .iter()
            .zip(&keys)
            .map(|(t, keys)| LinkTable {
                keys,
                rows: t.cells.first().map(Cells::len).unwrap_or(0),
                loose: t.coupling.is_loose(),
            })
            .collect();
        for t in tables_to_loosen(&links, self.fields.len()) {
            self.tables[t].coupling = Coupling::CutLoop;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<Dual> {
        Some(Dual::interpret(s))
    }

    #[test]
    fn builds_linked_tables_and_reports() {
        let mut b = ModelBuilder::new();
        let a = b.add_table("TableA", &["numbers", "abcs"]).unwrap();
        for (n, s) in [("1", "a"), ("2", "b"), ("3", "b"), ("4", "b"), ("5", "c")] {
            b.push_row(a, &[d(n), d(s)]).unwrap();
        }
        let t = b.add_table("TableB", &["numbers", "xyz"]).unwrap();
        for (n, s) in [("1", "x"), ("2", "y"), ("3", "y"), ("4", "y"), ("5", "z")] {
            b.push_row(t, &[d(n), d(s)]).unwrap();
        }
        let m = b.build().unwrap();
        let r = m.report();
        assert_eq!(r.tables[0].fields, ["numbers", "abcs"]);
        assert_eq!(r.fields[0].cardinality, 5);
        assert!(r.fields[0].is_key);
        assert!(!r.fields[1].is_key);
        assert_eq!(r.fields[1].cardinality, 3);
        assert_eq!(m.tables[1].rows, 5);
    }

    #[test]
    fn refuses_synthetic_keys_and_cuts_loops() {
        let mut b = ModelBuilder::new();
        b.add_table("A", &["k1", "k2"]).unwrap();
        b.add_table("B", &["k1", "k2"]).unwrap();
        let e = b.build().unwrap_err();
        assert!(matches!(e, ModelError::SyntheticKey(..)));
        assert!(e.to_string().contains("k1, k2"));

        // A loop is cut: the longest table of it is loosened.
        let mut b = ModelBuilder::new();
        b.add_table("A", &["x", "y"]).unwrap();
        let t = b.add_table("B", &["y", "z"]).unwrap();
        b.push_row(t, &[d("1"), d("2")]).unwrap();
        b.add_table("C", &["z", "x"]).unwrap();
        let m = b.build().unwrap();
        let coupling: Vec<Coupling> = m.tables.iter().map(|t| t.coupling).collect();
        assert_eq!(
            coupling,
            [Coupling::Tight, Coupling::CutLoop, Coupling::Tight]
        );
        assert_eq!(m.loops_cut(), ["B"]);

        // One key in three tables is a star, not a loop.
        let mut b = ModelBuilder::new();
        b.add_table("A", &["k", "a"]).unwrap();
        b.add_table("B", &["k", "b"]).unwrap();
        b.add_table("C", &["k", "c"]).unwrap();
        assert!(b.build().is_ok());
    }

    #[test]
    fn refuses_bad_shapes() {
        let mut b = ModelBuilder::new();
        let t = b.add_table("A", &["x", "y"]).unwrap();
        assert!(b.push_row(t, &[d("1")]).is_err());
        b.push_value(t, 0, d("1"));
        assert!(matches!(b.build(), Err(ModelError::Shape(..))));
        let mut b = ModelBuilder::new();
        assert!(b.add_table("A", &["x", "x"]).is_err());
        b.add_table("A", &["x"]).unwrap();
        assert!(b.add_table("A", &["y"]).is_err());
    }
}
