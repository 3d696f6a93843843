//! The script's tables while it runs, where a loaded table goes (its name made unique, QUALIFY applied,
//! automatic concatenation), and the data model built from them when the script ends.
//!
//! A table is kept in the engine's own form — per field its distinct values and per row the bit-packed
//! index of one ([`Columns`]) — so a 10M-row table costs what the model will, and the model takes the
//! columns over without a copy. Columns are shared (`Arc`): `RESIDENT` and a field list that keeps a
//! field as it is reuse them. A statement that can only work record by record (a JOIN the columnar
//! path does not take, a synthetic key, ...) turns a table into rows ([`Table::rows_mut`]); the rows
//! go back into columns when the table is next stored ([`Table::compact`]).

use super::{Cell, Exec};
use crate::error::ScriptError;
use crate::sources::{self, RawTable, SymbolColumn};
use qix_engine::{DataModel, ModelBuilder};
use std::sync::Arc;

/// A table's columns, in the order of its fields.
pub(super) type Columns = Vec<Arc<SymbolColumn>>;

/// A table's records: columns, or rows while a statement works record by record.
#[derive(Debug, Clone)]
pub(super) enum Body {
    /// Row-major cells.
    Rows(Vec<Vec<Cell>>),
    /// One column per field (all of the same length) and the row count (a table may have no fields
    /// left for a moment, while a DROP FIELD runs).
    Cols(Columns, usize),
}

/// What a LOAD made: field names and their records.
#[derive(Debug, Clone)]
pub(super) struct Data {
    pub(super) fields: Vec<String>,
    pub(super) body: Body,
}

impl Data {
    /// Rows read from a source.
    pub(super) fn rows(t: RawTable) -> Data {
        Data {
            fields: t.fields,
            body: Body::Rows(t.rows),
        }
    }

    /// The number of records.
    pub(super) fn len(&self) -> usize {
        self.body.len()
    }

    /// The same records as rows.
    pub(super) fn into_raw(self) -> RawTable {
        RawTable {
            fields: self.fields,
            rows: self.body.into_rows(),
        }
    }

    /// The same records as columns.
    pub(super) fn into_columns(self) -> (Vec<String>, Columns) {
        let width = self.fields.len();
        (self.fields, self.body.into_columns(width))
    }
}

impl Body {
    /// The number of records.
    pub(super) fn len(&self) -> usize {
        match self {
            Body::Rows(r) => r.len(),
            Body::Cols(_, n) => *n,
        }
    }

    /// Cell `c` of record `r` (NULL outside the table).
    pub(super) fn cell(&self, r: usize, c: usize) -> Cell {
        match self {
            Body::Rows(rows) => rows.get(r).and_then(|row| row.get(c)).cloned().flatten(),
            Body::Cols(cols, n) if r < *n => cols.get(c).and_then(|col| col.cell(r)),
            Body::Cols(..) => None,
        }
    }

    /// The records as rows (a copy of the columns' values).
    pub(super) fn to_rows(&self) -> Vec<Vec<Cell>> {
        match self {
            Body::Rows(r) => r.clone(),
            Body::Cols(cols, n) => cols_to_rows(cols, *n),
        }
    }

    /// The records as rows.
    pub(super) fn into_rows(self) -> Vec<Vec<Cell>> {
        match self {
            Body::Rows(r) => r,
            Body::Cols(cols, n) => cols_to_rows(&cols, n),
        }
    }

    /// The records as `width` columns.
    pub(super) fn into_columns(self, width: usize) -> Columns {
        match self {
            Body::Cols(cols, _) => cols,
            Body::Rows(rows) => rows_to_cols(rows, width),
        }
    }

    /// Estimated bytes held.
    pub(super) fn bytes(&self) -> usize {
        match self {
            Body::Rows(r) => sources::rows_bytes(r),
            Body::Cols(cols, _) => cols.iter().map(|c| c.bytes()).sum(),
        }
    }
}

/// Columns as rows.
fn cols_to_rows(cols: &Columns, n: usize) -> Vec<Vec<Cell>> {
    let mut rows: Vec<Vec<Cell>> = (0..n).map(|_| Vec::with_capacity(cols.len())).collect();
    for c in cols {
        for (r, s) in c.index.iter().enumerate().take(n) {
            rows[r].push(c.value(s));
        }
    }
    rows
}

/// Rows as `width` columns, each value interned once.
fn rows_to_cols(rows: Vec<Vec<Cell>>, width: usize) -> Columns {
    let n = rows.len();
    let mut interners: Vec<sources::Interner> = (0..width)
        .map(|_| sources::Interner::with_rows_hint(n))
        .collect();
    for row in rows {
        let mut cells = row.into_iter();
        for i in interners.iter_mut() {
            i.push(cells.next().flatten());
        }
    }
    interners
        .into_iter()
        .map(|i| Arc::new(i.finish()))
        .collect()
}

/// A table while the script runs.
#[derive(Debug, Clone)]
pub(super) struct Table {
    pub(super) name: String,
    pub(super) fields: Vec<String>,
    pub(super) body: Body,
    /// Loosened by `LOOSEN TABLE`: the model couples it loosely.
    pub(super) loose: bool,
}

impl Table {
    /// Table `name` of what a LOAD made.
    pub(super) fn new(name: String, data: Data) -> Table {
        Table {
            name,
            fields: data.fields,
            body: data.body,
            loose: false,
        }
    }

    /// The number of records.
    pub(super) fn len(&self) -> usize {
        self.body.len()
    }

    /// The index of field `f`.
    pub(super) fn field(&self, f: &str) -> Option<usize> {
        self.fields.iter().position(|x| x == f)
    }

    /// The rows, to work on record by record (columns are turned into rows first).
    pub(super) fn rows_mut(&mut self) -> &mut Vec<Vec<Cell>> {
        if let Body::Cols(cols, n) = &self.body {
            self.body = Body::Rows(cols_to_rows(cols, *n));
        }
        match &mut self.body {
            Body::Rows(r) => r,
            Body::Cols(..) => unreachable!("turned into rows above"),
        }
    }

    /// Takes the columns out (rows are turned into columns first), to be put back with
    /// [`Table::set_columns`].
    pub(super) fn take_columns(&mut self) -> Columns {
        self.compact();
        match std::mem::replace(&mut self.body, Body::Cols(Vec::new(), 0)) {
            Body::Cols(c, _) => c,
            Body::Rows(_) => Vec::new(),
        }
    }

    /// Sets the columns (one per field) and the row count they have.
    pub(super) fn set_columns(&mut self, cols: Columns, rows: usize) {
        self.body = Body::Cols(cols, rows);
    }

    /// Turns rows back into columns.
    pub(super) fn compact(&mut self) {
        if let Body::Rows(rows) = &mut self.body {
            let rows = std::mem::take(rows);
            let n = rows.len();
            self.body = Body::Cols(rows_to_cols(rows, self.fields.len()), n);
        }
    }

    /// Removes field `c`.
    pub(super) fn remove_field(&mut self, c: usize) {
        self.fields.remove(c);
        match &mut self.body {
            Body::Rows(rows) => rows.iter_mut().for_each(|r| {
                r.remove(c);
            }),
            Body::Cols(cols, _) => {
                cols.remove(c);
            }
        }
    }

    /// Whether field `c` holds `value` on some row.
    pub(super) fn has_value(&self, c: usize, value: &Cell) -> bool {
        match (&self.body, value) {
            (Body::Cols(cols, _), Some(v)) => {
                cols.get(c).is_some_and(|col| col.values.find(v).is_some())
            }
            (Body::Cols(cols, _), None) => cols
                .get(c)
                .is_some_and(|col| col.index.iter().any(|s| s == crate::sources::NULL_INDEX)),
            (Body::Rows(rows), _) => {
                let key = super::cells::cell_key(value);
                rows.iter()
                    .any(|r| super::cells::cell_key(&r.get(c).cloned().flatten()) == key)
            }
        }
    }

    /// The distinct non-NULL values of field `c`, first seen first, up to `limit` of them.
    pub(super) fn distinct(&self, c: usize, limit: usize) -> Vec<Cell> {
        match &self.body {
            Body::Cols(cols, _) => cols.get(c).map_or_else(Vec::new, |col| {
                // Symbols are numbered as values first appear, and a stored column has no unused one.
                (0..col.values.len().min(limit) as u32)
                    .map(|s| col.value(s))
                    .collect()
            }),
            Body::Rows(rows) => {
                let mut seen = std::collections::HashSet::new();
                rows.iter()
                    .filter_map(|r| r.get(c).cloned().flatten())
                    .filter(|d| seen.insert(super::cells::cell_key(&Some(d.clone()))))
                    .take(limit)
                    .map(Some)
                    .collect()
            }
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
        t.compact();
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

    /// The data model of the tables (columns go in as they are).
    pub(super) fn model(&mut self) -> Result<DataModel, ScriptError> {
        self.synthesize_keys();
        let mut b = ModelBuilder::new();
        for t in &mut self.tables {
            let fields: Vec<&str> = t.fields.iter().map(String::as_str).collect();
            let h = b
                .add_table(&t.name, &fields)
                .map_err(|e| ScriptError::at(0, 0, "", &e.to_string()))?;
            let width = t.fields.len();
            let body = std::mem::replace(&mut t.body, Body::Rows(Vec::new()));
            for (j, col) in body.into_columns(width).into_iter().enumerate() {
                let col = Arc::try_unwrap(col).unwrap_or_else(|shared| (*shared).clone());
                b.push_indexed(h, j, col.values, col.index);
            }
            if t.loose {
                b.loosen(h);
            }
        }
        let model = b
            .build()
            .map_err(|e| ScriptError::at(0, 0, "", &e.to_string()))?;
        self.warn_of_loops(&model);
        Ok(model)
    }

    /// Qlik's warning when it cut circular references, in the reload log.
    fn warn_of_loops(&mut self, model: &DataModel) {
        let cut = model.loops_cut();
        if cut.is_empty() {
            return;
        }
        self.log.push(format!(
            "Warning: Circular reference. One or more loops have been detected in your data model; \
             loosely coupled table(s) cut them: {}. Loops may cause ambiguous results: rename or qualify \
             a field, or choose the table with LOOSEN TABLE.",
            cut.join(", ")
        ));
    }
}
