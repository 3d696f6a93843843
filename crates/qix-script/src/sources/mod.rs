//! Data sources: where a LOAD's rows come from, and where STORE writes them.

pub mod parquet;
pub mod path;
pub mod qvd;
pub mod text;

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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SymbolColumn {
    /// The distinct values.
    pub values: Vec<Dual>,
    /// Per row, an index into `values`, or [`NULL_INDEX`].
    pub index: Vec<u32>,
}

/// A table read column by column.
#[derive(Debug, Clone, Default, PartialEq)]
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
                        NULL_INDEX => None,
                        i => c.values.get(i as usize).cloned(),
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
    numbers: foldhash::HashMap<u64, u32>,
    texts: foldhash::HashMap<String, u32>,
    column: SymbolColumn,
}

impl Interner {
    /// Appends a cell.
    pub fn push(&mut self, value: Option<Dual>) {
        let i = match value {
            None => NULL_INDEX,
            Some(d) => {
                let next = self.column.values.len() as u32;
                let slot = match d.num {
                    Some(n) => *self.numbers.entry(n.to_bits()).or_insert(next),
                    None => *self.texts.entry(d.text.clone()).or_insert(next),
                };
                if slot == next {
                    self.column.values.push(d);
                }
                slot
            }
        };
        self.column.index.push(i);
    }

    /// Appends a text without copying it unless it is new.
    pub fn push_text(&mut self, text: &str) {
        let next = self.column.values.len() as u32;
        let slot = match self.texts.get(text) {
            Some(&i) => i,
            None => {
                self.texts.insert(text.to_string(), next);
                self.column.values.push(Dual::text(text));
                next
            }
        };
        self.column.index.push(slot);
    }

    /// Appends a number without building a value unless it is new.
    pub fn push_number(&mut self, n: f64) {
        let next = self.column.values.len() as u32;
        let slot = *self.numbers.entry(n.to_bits()).or_insert(next);
        if slot == next {
            self.column.values.push(Dual::number(n));
        }
        self.column.index.push(slot);
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
