//! Host functions that read the script's tables' rows: `Exists`, `Peek`, `Lookup`, `NoOfRows` and
//! `FieldValueCount`.

use super::{arg, RowCtx};
use crate::exec::cells::{cell_key, to_cell, to_value};
use crate::exec::Exec;
use qix_expr::Value;
use std::collections::HashSet;

impl Exec<'_> {
    /// `Exists(field, value)`: whether the value (by default the record's own value of the field) was
    /// loaded into that field: by a table the script has, or by the LOAD running, on a record before.
    pub(super) fn exists(&self, args: &[Value], row: Option<&RowCtx<'_>>) -> Value {
        let field = arg(args, 0).text().unwrap_or_default();
        let probe = if args.len() > 1 {
            arg(args, 1)
        } else {
            row.map_or(Value::Null, |r| {
                r.fields
                    .iter()
                    .position(|f| *f == field)
                    .and_then(|i| r.row.get(i))
                    .map_or(Value::Null, to_value)
            })
        };
        let probe = to_cell(probe);
        let made = probe.is_some()
            && self
                .loading
                .get(&field)
                .is_some_and(|values| values.contains(&cell_key(&probe)));
        let found = made
            || self
                .tables
                .iter()
                .any(|t| t.field(&field).is_some_and(|c| t.has_value(c, &probe)));
        Value::from_bool(found)
    }

    /// `Peek(field, row, table)`: a field's value in a row (0-based, negative from the end, the last by
    /// default) of a table (the last one by default).
    pub(super) fn peek(&self, args: &[Value]) -> Value {
        let field = arg(args, 0).text().unwrap_or_default();
        let table = match arg(args, 2).text() {
            Some(t) => self.tables.iter().find(|x| x.name == t),
            None => self.tables.last(),
        };
        let Some(t) = table else { return Value::Null };
        let Some(fi) = t.field(&field) else {
            return Value::Null;
        };
        let n = t.len() as i64;
        let r = arg(args, 1).num().map_or(-1, |x| x as i64);
        let r = if r < 0 { n + r } else { r };
        if r < 0 || r >= n {
            return Value::Null;
        }
        to_value(&t.body.cell(r as usize, fi))
    }

    /// `Lookup(field, match_field, match_value, table)`: `field` in the first row (in load order) whose
    /// `match_field` holds the value, in the table (the last one loaded by default); NULL when none does.
    pub(super) fn lookup(&self, args: &[Value]) -> Value {
        let field = arg(args, 0).text().unwrap_or_default();
        let match_field = arg(args, 1).text().unwrap_or_default();
        let key = cell_key(&to_cell(arg(args, 2)));
        let table = match arg(args, 3).text() {
            Some(t) => self.tables.iter().find(|x| x.name == t),
            None => self.tables.last(),
        };
        let Some(t) = table else { return Value::Null };
        let position = |f: &str| t.fields.iter().position(|x| x == f);
        let (Some(fi), Some(mi)) = (position(&field), position(&match_field)) else {
            return Value::Null;
        };
        (0..t.len())
            .find(|&r| cell_key(&t.body.cell(r, mi)) == key)
            .map_or(Value::Null, |r| to_value(&t.body.cell(r, fi)))
    }

    /// `NoOfRows(table)`.
    pub(super) fn no_of_rows(&self, args: &[Value]) -> Value {
        let t = arg(args, 0).text().unwrap_or_default();
        self.tables
            .iter()
            .find(|x| x.name == t)
            .map_or(Value::Null, |t| Value::Num(t.len() as f64))
    }

    /// `FieldValueCount(field)`: the distinct values of the field over every table.
    pub(super) fn field_value_count(&self, args: &[Value]) -> Value {
        let f = arg(args, 0).text().unwrap_or_default();
        let mut set = HashSet::new();
        for t in &self.tables {
            if let Some(i) = t.field(&f) {
                for v in t.distinct(i, usize::MAX) {
                    set.insert(cell_key(&v));
                }
            }
        }
        Value::Num(set.len() as f64)
    }
}
