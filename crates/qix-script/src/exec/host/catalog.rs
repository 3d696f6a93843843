//! The table functions about the script's tables so far: `NoOfTables()`, `TableName(n)` and
//! `TableNumber(name)` (tables numbered from 0 in load order), `NoOfFields(table)`, `FieldName(n,
//! table)` and `FieldNumber(field, table)` (fields numbered from 1; `FieldNumber` gives 0 for a field
//! or table that does not exist). MAPPING LOAD tables are not counted.

use super::arg;
use crate::exec::tables::Table;
use crate::exec::Exec;
use qix_expr::Value;

impl Exec<'_> {
    /// One of this module's functions (`name`).
    pub(super) fn catalog(&self, name: &str, args: &[Value]) -> Value {
        let count = |n: usize| Value::Num(n as f64);
        match name {
            "NoOfTables" => count(self.tables.len()),
            "TableName" => arg(args, 0)
                .num()
                .filter(|n| *n >= 0.0)
                .and_then(|n| self.tables.get(n as usize))
                .map_or(Value::Null, |t| Value::Text(t.name.clone())),
            "TableNumber" => self
                .table_named(&arg(args, 0))
                .and_then(|t| self.tables.iter().position(|x| std::ptr::eq(x, t)))
                .map_or(Value::Null, count),
            "NoOfFields" => self
                .table_named(&arg(args, 0))
                .map_or(Value::Null, |t| count(t.fields.len())),
            "FieldName" => {
                let n = arg(args, 0).num().filter(|n| *n >= 1.0);
                let table = self.table_named(&arg(args, 1));
                n.zip(table)
                    .and_then(|(n, t)| t.fields.get(n as usize - 1))
                    .map_or(Value::Null, |f| Value::Text(f.clone()))
            }
            "FieldNumber" => {
                let field = arg(args, 0).text().unwrap_or_default();
                let position = self
                    .table_named(&arg(args, 1))
                    .and_then(|t| t.fields.iter().position(|f| *f == field));
                count(position.map_or(0, |i| i + 1))
            }
            _ => Value::Null,
        }
    }

    /// The table whose name is the value's text.
    fn table_named(&self, name: &Value) -> Option<&Table> {
        let name = name.text()?;
        self.tables.iter().find(|t| t.name == name)
    }
}
