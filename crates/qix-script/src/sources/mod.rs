//! Data sources: where a LOAD's rows come from, and where STORE writes them.

pub mod parquet;
pub mod path;
pub mod qvd;
pub mod text;

use qix_engine::symbols::SymbolTable;
use qix_engine::Dual;

/// Rows read from a source: field names and row-major cells (`None` = NULL).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawTable {
    /// Field names, in order.
    pub fields: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Option<Dual>>>,
}

/// The index of NULL in a [`SymbolColumn`].
pub const NULL_INDEX: u32 = u32::MAX;

/// One column as its distinct values and, per row, the index of its value — how QVD stores a table, and
/// how an optimized load (`LOAD * FROM file`) hands it to the model without building a row per record.
#[derive(Debug, Clone, Default)]
pub struct SymbolColumn {
    /// The distinct values (the engine's own compact store, so the model can take it over as it is).
    pub values: SymbolTable,
    /// Per row, an index into `values`, or [`NULL_INDEX`].
    pub index: Vec<u32>,
}

/// A table read column by column.
#[derive(Debug, Clone, Default)]
pub struct ColumnTable {
    /// Field names, in order.
    pub fields: Vec<String>,
    /// One column per field, all of the same length.
    pub columns: Vec<SymbolColumn>,
}

impl ColumnTable {
    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.index.len())
    }

    /// The same table row by row.
    pub fn into_rows(self) -> RawTable {
        let n = self.rows();
        let rows = (0..n)
            .map(|r| {
                self.columns
                    .iter()
                    .map(|c| match c.index[r] {
                        i if (i as usize) < c.values.len() => Some(c.values.get(i)),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        RawTable {
            fields: self.fields,
            rows,
        }
    }
}

/// Collects a column's distinct values as they come (numbers by value, text by text).
#[derive(Default)]
pub struct Interner {
    column: SymbolColumn,
}

impl Interner {
    /// Appends a cell.
    pub fn push(&mut self, value: Option<Dual>) {
        let i = match value {
            None => NULL_INDEX,
            Some(d) => self.column.values.intern(d),
        };
        self.column.index.push(i);
    }

    /// Appends a text without copying it unless it is new.
    pub fn push_text(&mut self, text: &str) {
        let i = self.column.values.intern_text(text);
        self.column.index.push(i);
    }

    /// Appends a number without building a value unless it is new.
    pub fn push_number(&mut self, n: f64) {
        let i = self.column.values.intern_number(n);
        self.column.index.push(i);
    }

    /// Appends a number read from `text` (kept as its text when it is not the number's default format).
    pub fn push_dual(&mut self, text: &str, n: f64) {
        let i = self.column.values.intern_dual(text, n);
        self.column.index.push(i);
    }

    /// Appends a NULL.
    pub fn push_null(&mut self) {
        self.column.index.push(NULL_INDEX);
    }

    /// The column.
    pub fn finish(self) -> SymbolColumn {
        self.column
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_turn_into_rows() {
        let mut a = Interner::default();
        for v in [Some(Dual::text("x")), None, Some(Dual::text("x"))] {
            a.push(v);
        }
        let mut b = Interner::default();
        for n in [1.0, 2.0, 1.0] {
            b.push_number(n);
        }
        let (a, b) = (a.finish(), b.finish());
        assert_eq!(a.values.len(), 1);
        assert_eq!(b.index, [0, 1, 0]);
        let t = ColumnTable {
            fields: vec!["a".into(), "b".into()],
            columns: vec![a, b],
        };
        assert_eq!(t.rows(), 3);
        let rows = t.into_rows().rows;
        assert_eq!(rows[1], vec![None, Some(Dual::number(2.0))]);
        assert_eq!(
            rows[2],
            vec![Some(Dual::text("x")), Some(Dual::number(1.0))]
        );
    }
}
