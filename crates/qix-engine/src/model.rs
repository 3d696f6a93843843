//! The data model: fields with symbol tables, tables of bit-packed rows, linked by same-named fields.
//! Immutable once built; every session of an app shares it through an `Arc`.

use crate::packed::PackedColumn;
use crate::rowindex::{IndexPolicy, RowIndex, RowIndexes};
use crate::symbols::SymbolTable;
use qix_expr::Locale;
use std::collections::HashMap;
use std::sync::Arc;

/// Index of a field in [`DataModel::fields`].
pub type FieldId = usize;
/// Index of a table in [`DataModel::tables`].
pub type TableId = usize;

/// A field: its distinct values and the tables that have it.
#[derive(Debug, Clone)]
pub struct Field {
    /// The field name.
    pub name: String,
    /// Its distinct values.
    pub symbols: SymbolTable,
    /// Tables with a column of this field, in load order.
    pub tables: Vec<TableId>,
}

impl Field {
    /// Whether the field links tables (is in more than one).
    pub fn is_key(&self) -> bool {
        self.tables.len() > 1
    }
}

/// One column of a table.
#[derive(Debug, Clone)]
pub struct Column {
    /// Which field the column holds.
    pub field: FieldId,
    /// The rows' symbol indexes.
    pub data: PackedColumn,
}

/// A table of rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// The table name.
    pub name: String,
    /// Row count.
    pub rows: usize,
    /// Columns in load order.
    pub columns: Vec<Column>,
    /// Whether its fields pass selections to each other (see [`Coupling`]).
    pub coupling: Coupling,
}

/// How a table takes part in associative logic.
///
/// A loosely coupled table keeps its rows, but "all associations between field values in the table are
/// removed" (Qlik's help on `Loosen Table`): as if each of its fields were a table of its own. Qlik
/// loosens a table itself to cut a circular reference; a script loosens one with `Loosen Table`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Coupling {
    /// Normal: selections propagate through the table.
    #[default]
    Tight,
    /// Loosened by the script (`Loosen Table`).
    Loosened,
    /// Loosened by the engine to cut a loop of tables.
    CutLoop,
}

impl Coupling {
    /// Whether the table is loosely coupled.
    pub fn is_loose(self) -> bool {
        self != Coupling::Tight
    }
}

impl Table {
    /// The column of `field`, if this table has it.
    pub fn column(&self, field: FieldId) -> Option<&PackedColumn> {
        self.columns
            .iter()
            .find(|c| c.field == field)
            .map(|c| &c.data)
    }
}

/// The whole model.
#[derive(Debug, Clone)]
pub struct DataModel {
    /// Unique per build; part of cache keys.
    pub id: u64,
    /// All fields.
    pub fields: Vec<Field>,
    /// All tables.
    pub tables: Vec<Table>,
    pub(crate) field_index: HashMap<String, FieldId>,
    /// The number and date settings the load script ended with (`SET DateFormat=...`): how chart
    /// expressions format and read dates and numbers over this data.
    pub locale: Arc<Locale>,
    /// Per column, the rows of each value, built on a selection's first need (see [`RowIndexes`]).
    pub indexes: RowIndexes,
}

/// What `report` says about a table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableReport {
    /// Name.
    pub name: String,
    /// Rows.
    pub rows: usize,
    /// Field names, in load order.
    pub fields: Vec<String>,
    /// Bytes of packed rows.
    pub bytes: usize,
}

/// What `report` says about a field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldReport {
    /// Name.
    pub name: String,
    /// Distinct values.
    pub cardinality: usize,
    /// Tables that have it.
    pub tables: Vec<String>,
    /// Whether it links tables.
    pub is_key: bool,
    /// Bytes of the symbol table.
    pub bytes: usize,
}

/// The model at a glance: tables, fields, keys, sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelReport {
    /// Tables.
    pub tables: Vec<TableReport>,
    /// Fields.
    pub fields: Vec<FieldReport>,
    /// Bytes held by packed rows and symbol tables together.
    pub bytes: usize,
}

impl Default for DataModel {
    fn default() -> DataModel {
        DataModel::empty()
    }
}

impl DataModel {
    /// An empty model (an app that was never reloaded).
    pub fn empty() -> DataModel {
        DataModel {
            id: 0,
            fields: vec![],
            tables: vec![],
            field_index: HashMap::new(),
            locale: Arc::default(),
            indexes: RowIndexes::new(&[], IndexPolicy::default()),
        }
    }

    /// The same model whose columns get row indexes by `policy` (tests index small tables).
    pub fn with_index_policy(mut self, policy: IndexPolicy) -> DataModel {
        self.indexes = RowIndexes::new(&self.tables, policy);
        self
    }

    /// The row index of field `f`'s column in table `t`, if it has one now (built on first ask if the
    /// column is worth one, in the background for a long column: see [`RowIndexes::get`]).
    pub fn row_index(&self, t: TableId, f: FieldId) -> Option<Arc<RowIndex>> {
        self.indexes.get(self, t, f)
    }

    /// The field named `name`.
    pub fn field_id(&self, name: &str) -> Option<FieldId> {
        self.field_index.get(name).copied()
    }

    /// The table named `name`.
    pub fn table_id(&self, name: &str) -> Option<TableId> {
        self.tables.iter().position(|t| t.name == name)
    }

    /// Tables, fields, keys and sizes.
    pub fn report(&self) -> ModelReport {
        let tables: Vec<TableReport> = self
            .tables
            .iter()
            .map(|t| TableReport {
                name: t.name.clone(),
                rows: t.rows,
                fields: t
                    .columns
                    .iter()
                    .map(|c| self.fields[c.field].name.clone())
                    .collect(),
                bytes: t.columns.iter().map(|c| c.data.bytes()).sum(),
            })
            .collect();
        let fields: Vec<FieldReport> = self
            .fields
            .iter()
            .map(|f| FieldReport {
                name: f.name.clone(),
                cardinality: f.symbols.len(),
                tables: f
                    .tables
                    .iter()
                    .map(|t| self.tables[*t].name.clone())
                    .collect(),
                is_key: f.is_key(),
                bytes: f.symbols.bytes(),
            })
            .collect();
        let bytes = tables.iter().map(|t| t.bytes).sum::<usize>()
            + fields.iter().map(|f| f.bytes).sum::<usize>();
        ModelReport {
            tables,
            fields,
            bytes,
        }
    }

    /// A table's field names and rows of values (`None` for NULL), to export it.
    pub fn table_rows(&self, t: TableId) -> (Vec<String>, Vec<Vec<Option<crate::Dual>>>) {
        let table = &self.tables[t];
        let names = table
            .columns
            .iter()
            .map(|c| self.fields[c.field].name.clone())
            .collect();
        let mut rows = vec![Vec::with_capacity(table.columns.len()); table.rows];
        for c in &table.columns {
            let mut buf = vec![0u32; table.rows];
            c.data.get_range(0, &mut buf);
            let symbols = &self.fields[c.field].symbols;
            for (row, s) in rows.iter_mut().zip(buf) {
                row.push((s != crate::packed::NULL).then(|| symbols.get(s).clone()));
            }
        }
        (names, rows)
    }

    /// The tables the engine loosened to cut circular references, for the reload's warning.
    pub fn loops_cut(&self) -> Vec<&str> {
        self.tables
            .iter()
            .filter(|t| t.coupling == Coupling::CutLoop)
            .map(|t| t.name.as_str())
            .collect()
    }

    /// Whether table `t` is loosely coupled.
    pub fn is_loose(&self, t: TableId) -> bool {
        self.tables[t].coupling.is_loose()
    }

    /// Key fields of table `t` (fields it shares with other tables).
    pub fn keys_of(&self, t: TableId) -> impl Iterator<Item = FieldId> + '_ {
        self.tables[t]
            .columns
            .iter()
            .map(|c| c.field)
            .filter(|f| self.fields[*f].is_key())
    }
}
