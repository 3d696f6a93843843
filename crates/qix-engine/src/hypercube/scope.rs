//! Scopes: what a field name or an aggregation means while an expression is evaluated.
//!
//! Aggregation arguments are evaluated per joined tuple ([`RowScope`]); measures are evaluated per group
//! over the group's finished aggregations ([`GroupScope`]), where a bare field name reads the row's
//! dimension cell.

use super::plan::Plan;
use super::{DimCell, DimensionDef};
use crate::dual::Dual;
use crate::fieldfns::FieldFns;
use crate::model::DataModel;
use crate::packed::NULL;
use qix_expr::{Aggr, Expr, Locale, Scope, Value};

/// A symbol's value as an expression sees it.
pub(super) fn value_of(d: Dual) -> Value {
    match d.num {
        Some(n) => Value::Dual(d.text, n),
        None => Value::Text(d.text),
    }
}

/// Evaluates row-level expressions over one joined tuple.
pub(super) struct RowScope<'a> {
    pub(super) model: &'a DataModel,
    pub(super) plan: &'a Plan<'a>,
    /// The row of each table in join order (`NULL` where an outer join found none).
    pub(super) tuple: &'a [u32],
}

impl RowScope<'_> {
    fn symbol(&self, slot: usize) -> u32 {
        let s = &self.plan.slots[slot];
        let row = self.tuple[s.slot];
        if row == NULL {
            return NULL;
        }
        self.model.tables[s.table]
            .column(s.field)
            .map_or(NULL, |c| c.get(row as usize))
    }
}

impl Scope for RowScope<'_> {
    fn field(&mut self, name: &str) -> Value {
        let Some(&slot) = self.plan.field_slot.get(name) else {
            return Value::Null;
        };
        let sym = self.symbol(slot);
        if sym == NULL {
            return Value::Null;
        }
        value_of(
            self.model.fields[self.plan.slots[slot].field]
                .symbols
                .get(sym),
        )
    }

    fn aggregate(&mut self, _aggr: &Aggr) -> Value {
        Value::Null // nested aggregations are refused by the parser
    }
    fn locale(&self) -> &Locale {
        &self.model.locale
    }
}

/// Evaluates a measure over one group's finished aggregations.
pub(super) struct GroupScope<'a> {
    /// Finished aggregation values, by aggregation index.
    pub(super) values: &'a [Value],
    /// Aggregation node → index.
    pub(super) index: &'a [(*const Aggr, usize)],
    /// The cube's dimensions and this row's cells (bare field names in a measure read them).
    pub(super) dims: &'a [DimensionDef],
    pub(super) cells: &'a [DimCell],
    /// The data's number and date settings.
    pub(super) locale: &'a Locale,
    /// `GetSelectedCount` and the other field functions.
    pub(super) fields: &'a FieldFns<'a>,
}

impl Scope for GroupScope<'_> {
    fn field(&mut self, name: &str) -> Value {
        let Some(i) = self.dims.iter().position(|d| d.field == name) else {
            return Value::Null;
        };
        // No cells: the grand total, where a bare dimension field has no single value.
        let Some(c) = self.cells.get(i) else {
            return Value::Null;
        };
        match (c.symbol, c.num) {
            (None, _) => Value::Null,
            (Some(_), Some(n)) => Value::Dual(c.text.to_string(), n),
            (Some(_), None) => Value::Text(c.text.to_string()),
        }
    }
    fn aggregate(&mut self, aggr: &Aggr) -> Value {
        // Few aggregations per cube: a scan beats hashing.
        self.index
            .iter()
            .find(|(p, _)| std::ptr::eq(*p, aggr))
            .and_then(|(_, i)| self.values.get(*i))
            .cloned()
            .unwrap_or(Value::Null)
    }
    fn locale(&self) -> &Locale {
        self.locale
    }
    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        self.fields.call(name, args).unwrap_or(Value::Null)
    }
}

/// A measure's value: the aggregation itself when the measure is one, else the expression over them.
pub(super) fn measure_value(m: &Expr, scope: &mut GroupScope<'_>) -> Value {
    match m {
        Expr::Aggr(a) => scope.aggregate(a),
        _ => qix_expr::eval(m, scope),
    }
}

/// A scope with no fields and no aggregations (for the extra arguments of finished aggregations).
pub(super) struct NoFields;

impl Scope for NoFields {
    fn field(&mut self, _: &str) -> Value {
        Value::Null
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
}
