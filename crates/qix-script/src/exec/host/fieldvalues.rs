//! `FieldValue(field, n)` and `FieldIndex(field, value)` in the load script: a field's distinct values
//! in load order over the tables loaded so far (what the model's symbol table will hold).

use super::arg;
use crate::exec::cells::{cell_key, to_cell, to_value};
use crate::exec::Exec;
use qix_expr::Value;
use std::collections::HashSet;

impl Exec<'_> {
    /// The distinct non-NULL values of `field`, first seen first, up to the `limit`th.
    fn distinct_values(&self, field: &str, limit: usize) -> Vec<Value> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for t in &self.tables {
            let Some(i) = t.field(field) else {
                continue;
            };
            for v in t.distinct(i, limit) {
                if seen.insert(cell_key(&v)) {
                    out.push(to_value(&v));
                    if out.len() >= limit {
                        return out;
                    }
                }
            }
        }
        out
    }

    /// `FieldValue(field, n)`: the `n`th distinct value (1-based), NULL past the end.
    pub(super) fn field_value(&self, args: &[Value]) -> Value {
        let field = arg(args, 0).text().unwrap_or_default();
        let Some(n) = arg(args, 1).num().filter(|n| *n >= 1.0 && n.is_finite()) else {
            return Value::Null;
        };
        let n = n.trunc().min(usize::MAX as f64) as usize;
        self.distinct_values(&field, n)
            .into_iter()
            .nth(n - 1)
            .unwrap_or(Value::Null)
    }

    /// `FieldIndex(field, value)`: the value's place among the distinct values (1-based), 0 if absent.
    pub(super) fn field_index(&self, args: &[Value]) -> Value {
        let field = arg(args, 0).text().unwrap_or_default();
        let key = cell_key(&to_cell(arg(args, 1)));
        let values = self.distinct_values(&field, usize::MAX);
        let at = values
            .iter()
            .position(|v| cell_key(&to_cell(v.clone())) == key);
        Value::Num(at.map_or(0.0, |i| (i + 1) as f64))
    }
}
