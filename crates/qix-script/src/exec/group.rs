//! GROUP BY and ORDER BY in a LOAD: records read in the order ORDER BY gives, and — when the LOAD
//! groups (a GROUP BY, or an aggregation in its field list) — one row per combination of the GROUP BY
//! fields' values, first seen first, each aggregation computed over that group's records with the
//! engine's accumulators (`qix_engine::Aggregator`, the same the charts use).
//!
//! As in Qlik, a field the LOAD reads outside an aggregation must be a GROUP BY field, `*` cannot be
//! grouped, and WHILE does not mix with GROUP BY.

use super::cells::{cells_key, to_cell, to_value};
use super::host::{NoRow, RowCtx, RowScope};
use super::input::Input;
use super::{Cell, Exec};
use crate::ast::{FieldItem, Load};
use crate::error::ScriptError;
use crate::sources::{self, RawTable};
use qix_engine::Aggregator;
use qix_expr::{Aggr, Expr, Locale, Scope, Value};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

impl Exec<'_> {
    /// Whether LOAD `l` makes one row per group rather than one per record.
    pub(super) fn groups(l: &Load) -> bool {
        !l.group_by.is_empty()
            || l.fields.iter().any(
                |f| matches!(f, FieldItem::Expr { expr, .. } if qix_expr::has_aggregation(expr)),
            )
    }

    /// The records of `input` in ORDER BY order (indexes), or `None` without ORDER BY.
    pub(super) fn record_order(
        &self,
        l: &Load,
        i: usize,
        input: &Input,
    ) -> Result<Option<Vec<usize>>, ScriptError> {
        if l.order_by.is_empty() {
            return Ok(None);
        }
        let mut keys = Vec::with_capacity(l.order_by.len());
        for (name, desc) in &l.order_by {
            let k = self.input_field(i, input, name)?;
            keys.push((k, *desc));
        }
        let mut order: Vec<usize> = (0..input.len()).collect();
        order.sort_by(|&a, &b| {
            let (ra, rb) = (input.row(a), input.row(b));
            keys.iter()
                .map(|&(k, desc)| {
                    let o = compare(ra.get(k), rb.get(k));
                    if desc {
                        o.reverse()
                    } else {
                        o
                    }
                })
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        });
        Ok(Some(order))
    }

    fn input_field(&self, i: usize, input: &Input, name: &str) -> Result<usize, ScriptError> {
        input
            .fields()
            .iter()
            .position(|f| f == name)
            .ok_or_else(|| self.err(i, &format!("field not found: {name}")))
    }

    /// A grouping LOAD over `input`: WHERE per record, then one row per group.
    pub(super) fn group(
        &mut self,
        l: &Load,
        i: usize,
        input: Input,
        names: Vec<String>,
    ) -> Result<RawTable, ScriptError> {
        self.check_grouping(l, i)?;
        let key_cols: Vec<usize> = l
            .group_by
            .iter()
            .map(|g| self.input_field(i, &input, g))
            .collect::<Result<_, _>>()?;
        let order = self.record_order(l, i, &input)?;
        let records: Vec<usize> = order.unwrap_or_else(|| (0..input.len()).collect());
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for r in records {
            let row = input.row(r);
            let ctx = record_ctx(input.fields(), row, r);
            if let Some(w) = &l.where_ {
                if !qix_expr::eval(
                    w,
                    &mut RowScope {
                        ex: self,
                        ctx: &ctx,
                    },
                )
                .truthy()
                {
                    continue;
                }
            }
            let key = cells_key(key_cols.iter().map(|&k| &row[k]));
            let next = groups.len();
            let g = *index.entry(key).or_insert(next);
            if g == next {
                groups.push(Vec::new());
            }
            groups[g].push(r);
        }
        // Aggregations without GROUP BY make one row, even over no records.
        if l.group_by.is_empty() && groups.is_empty() {
            groups.push(Vec::new());
        }
        self.group_rows(l, i, &input, &groups, names)
    }

    /// The rows of the groups, within the row and memory limits.
    fn group_rows(
        &mut self,
        l: &Load,
        i: usize,
        input: &Input,
        groups: &[Vec<usize>],
        names: Vec<String>,
    ) -> Result<RawTable, ScriptError> {
        let budget = self.budget();
        let input_bytes = input.bytes() as u64;
        let mut made_bytes = 0u64;
        let mut rows: Vec<Vec<Cell>> = Vec::with_capacity(groups.len());
        let mut seen = HashSet::new();
        for (gi, members) in groups.iter().enumerate() {
            if gi & 0xFFF == 0 && self.cancelled() {
                return Err(self.err(i, "reload cancelled"));
            }
            let mut out = Vec::with_capacity(names.len());
            for f in &l.fields {
                if let FieldItem::Expr { expr, .. } = f {
                    let mut scope = GroupScope {
                        ex: self,
                        input,
                        members,
                    };
                    out.push(to_cell(qix_expr::eval(expr, &mut scope)));
                }
            }
            if l.distinct && !seen.insert(cells_key(&out)) {
                continue;
            }
            made_bytes = made_bytes.saturating_add(sources::row_bytes(&out) as u64);
            rows.push(out);
            budget
                .check(rows.len() as u64, input_bytes.saturating_add(made_bytes))
                .map_err(|m| self.err(i, &m))?;
        }
        self.rows_made = self.rows_made.saturating_add(rows.len() as u64);
        Ok(RawTable {
            fields: names,
            rows,
        })
    }

    /// Qlik's rules for a grouping LOAD: no `*`, no WHILE, and every field read outside an aggregation
    /// is a GROUP BY field.
    pub(super) fn check_grouping(&self, l: &Load, i: usize) -> Result<(), ScriptError> {
        if l.while_.is_some() {
            return Err(self.err(i, "WHILE cannot be used with GROUP BY"));
        }
        for f in &l.fields {
            match f {
                FieldItem::Star => {
                    return Err(self.err(i, "LOAD * cannot be grouped: name the fields"))
                }
                FieldItem::Expr { expr, .. } => {
                    let mut loose = Vec::new();
                    fields_outside_aggregations(expr, &mut loose);
                    if let Some(bad) = loose.iter().find(|n| !l.group_by.contains(n)) {
                        return Err(self.err(
                            i,
                            &format!(
                                "field {bad} is neither in GROUP BY nor inside an aggregation"
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The context of input record `r` (no WHILE, no `Previous`).
fn record_ctx<'r>(fields: &'r [String], row: &'r [Cell], r: usize) -> RowCtx<'r> {
    RowCtx {
        fields,
        row,
        recno: r + 1,
        rowno: r + 1,
        iterno: 1,
        back: &[],
    }
}

/// Cells in Qlik's order: numbers by value before texts by text, NULL last.
fn compare(a: Option<&Cell>, b: Option<&Cell>) -> Ordering {
    let (a, b) = (a.and_then(Option::as_ref), b.and_then(Option::as_ref));
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => match (x.num, y.num) {
            (Some(m), Some(n)) => m.total_cmp(&n),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => x.text.cmp(&y.text),
        },
    }
}

/// The fields `e` reads outside aggregations.
fn fields_outside_aggregations(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Num(_) | Expr::Str(_) | Expr::Aggr(_) | Expr::AggrFn(_) => {}
        Expr::Field(name) => {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        Expr::Neg(x) | Expr::Not(x) => fields_outside_aggregations(x, out),
        Expr::Binary(_, l, r) => {
            fields_outside_aggregations(l, out);
            fields_outside_aggregations(r, out);
        }
        Expr::Call { args, .. } => args
            .iter()
            .for_each(|a| fields_outside_aggregations(a, out)),
    }
}

/// Evaluates a grouping LOAD's field on one group: a GROUP BY field is the group's value, an
/// aggregation runs over the group's records.
struct GroupScope<'e, 'a, 'i> {
    ex: &'e mut Exec<'a>,
    input: &'i Input,
    members: &'i [usize],
}

impl Scope for GroupScope<'_, '_, '_> {
    fn field(&mut self, name: &str) -> Value {
        let Some(&first) = self.members.first() else {
            return Value::Null;
        };
        match self.input.fields().iter().position(|f| f == name) {
            Some(k) => self.input.row(first).get(k).map_or(Value::Null, to_value),
            None => Value::Null,
        }
    }

    fn aggregate(&mut self, a: &Aggr) -> Value {
        let mut agg = Aggregator::new(a);
        let weight = a.extra.first().filter(|_| a.func.weighs_rows());
        for &r in self.members {
            let ctx = record_ctx(self.input.fields(), self.input.row(r), r);
            let mut scope = RowScope {
                ex: self.ex,
                ctx: &ctx,
            };
            let v = qix_expr::eval(&a.arg, &mut scope);
            match weight {
                Some(w) => {
                    let w = qix_expr::eval(w, &mut scope).num();
                    agg.add_weighted(v, w);
                }
                None => agg.add(v),
            }
        }
        agg.finish(a, &mut NoRow { ex: self.ex })
    }

    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        NoRow { ex: self.ex }.call(name, args)
    }

    fn locale(&self) -> &Locale {
        &self.ex.locale
    }
}
