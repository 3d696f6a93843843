//! GROUP BY on columns: each kept record's group found from the symbols of the GROUP BY fields (a
//! dense table of combinations when there are few, a hash of them otherwise), each aggregation fed
//! the values of its argument (evaluated once per combination of the fields it reads), then each
//! field of the LOAD evaluated once per group. Groups come first seen first, as on the row path.

use super::{intern, pure, value_of, ColumnScope, Planned, ROW_FUNCTIONS};
use crate::ast::{FieldItem, Load};
use crate::error::ScriptError;
use crate::exec::host::NoRow;
use crate::exec::tables::{Body, Columns, Data};
use crate::exec::Exec;
use crate::sources::Interner;
use qix_engine::Aggregator;
use qix_expr::{AggFunc, Aggr, Expr, Locale, Scope, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Most combinations of GROUP BY values numbered through a dense table.
const DENSE_GROUPS: usize = 1 << 24;

/// Whether field expression `e` of a grouping LOAD can be computed on columns: outside aggregations
/// and inside them it depends only on the fields it names, and no aggregation nests another.
pub(super) fn groupable(e: &Expr) -> bool {
    match e {
        Expr::Num(_) | Expr::Str(_) | Expr::Field(_) => true,
        Expr::Neg(x) | Expr::Not(x) => groupable(x),
        Expr::Binary(_, l, r) => groupable(l) && groupable(r),
        Expr::Call { name, args, .. } => {
            !ROW_FUNCTIONS.contains(&name.as_str()) && args.iter().all(groupable)
        }
        Expr::Aggr(a) => {
            a.set.is_none()
                && pure(&a.arg)
                && a.extra.iter().all(pure)
                && !qix_expr::has_aggregation(&a.arg)
        }
        Expr::AggrFn(_) => false,
    }
}

/// The aggregations in `e`.
fn aggregations<'e>(e: &'e Expr, out: &mut Vec<&'e Aggr>) {
    match e {
        Expr::Num(_) | Expr::Str(_) | Expr::Field(_) | Expr::AggrFn(_) => {}
        Expr::Neg(x) | Expr::Not(x) => aggregations(x, out),
        Expr::Binary(_, l, r) => {
            aggregations(l, out);
            aggregations(r, out);
        }
        Expr::Call { args, .. } => args.iter().for_each(|a| aggregations(a, out)),
        Expr::Aggr(a) => out.push(a),
    }
}

/// The records of a grouping LOAD: their columns, and those WHERE kept (all without one).
pub(super) struct Records<'c> {
    pub(super) fields: &'c [String],
    pub(super) cols: &'c Columns,
    pub(super) kept: Option<Vec<u32>>,
    pub(super) n: usize,
}

impl Records<'_> {
    fn len(&self) -> usize {
        self.kept.as_ref().map_or(self.n, Vec::len)
    }

    /// The input row of kept record `k`.
    fn row(&self, k: usize) -> usize {
        self.kept.as_ref().map_or(k, |v| v[k] as usize)
    }
}

/// Each kept record's group, and each group's first record (groups first seen first).
fn group_ids(records: &Records<'_>, keys: &[usize]) -> (Vec<u32>, Vec<usize>) {
    let cols = records.cols;
    let mut strides = Vec::with_capacity(keys.len());
    let mut combos: usize = 1;
    for &c in keys {
        strides.push(combos);
        combos = combos.saturating_mul(cols[c].values.len() + 1);
    }
    let mut dense = if combos <= DENSE_GROUPS {
        vec![u32::MAX; combos]
    } else {
        Vec::new()
    };
    let mut hashed: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut of_record = Vec::with_capacity(records.len());
    let mut firsts = Vec::new();
    for k in 0..records.len() {
        let r = records.row(k);
        let symbols = keys.iter().map(|&c| cols[c].index.get(r).wrapping_add(1));
        let next = firsts.len() as u32;
        let g = if dense.is_empty() {
            *hashed.entry(symbols.collect()).or_insert(next)
        } else {
            let combo: usize = symbols.zip(&strides).map(|(s, m)| s as usize * m).sum();
            if dense[combo] == u32::MAX {
                dense[combo] = next;
            }
            dense[combo]
        };
        if g == next {
            firsts.push(r);
        }
        of_record.push(g);
    }
    (of_record, firsts)
}

impl Exec<'_> {
    /// A grouping LOAD (statement `i`) over `records`: one row per group.
    pub(super) fn group_columns(
        &mut self,
        l: &Load,
        i: usize,
        records: Records<'_>,
        names: Vec<String>,
    ) -> Result<Data, ScriptError> {
        self.check_grouping(l, i)?;
        let keys: Vec<usize> = l
            .group_by
            .iter()
            .map(|g| {
                records
                    .fields
                    .iter()
                    .position(|f| f == g)
                    .ok_or_else(|| self.err(i, &format!("field not found: {g}")))
            })
            .collect::<Result<_, _>>()?;
        let (of_record, mut firsts) = group_ids(&records, &keys);
        let mut firsts: Vec<Option<usize>> = firsts.drain(..).map(Some).collect();
        // Aggregations without GROUP BY make one row, even over no records.
        if l.group_by.is_empty() && firsts.is_empty() {
            firsts.push(None);
        }
        let mut results: HashMap<*const Aggr, Vec<Value>> = HashMap::new();
        for f in &l.fields {
            if let FieldItem::Expr { expr, .. } = f {
                let mut found = Vec::new();
                aggregations(expr, &mut found);
                for a in found {
                    let values = self.aggregate_groups(a, &records, &of_record, firsts.len());
                    results.insert(a as *const Aggr, values);
                }
            }
        }
        let mut out: Columns = Vec::new();
        for f in &l.fields {
            if let FieldItem::Expr { expr, .. } = f {
                let mut column = Interner::with_rows_hint(firsts.len());
                for (g, first) in firsts.iter().enumerate() {
                    let mut scope = GroupScope {
                        ex: self,
                        records: &records,
                        first: *first,
                        group: g,
                        results: &results,
                    };
                    let s = intern(&mut column, qix_expr::eval(expr, &mut scope));
                    column.push_symbol(s);
                }
                out.push(Arc::new(column.finish()));
            }
        }
        let mut rows = firsts.len();
        if l.distinct {
            (out, rows) = super::distinct(out, rows);
        }
        self.rows_made = self.rows_made.saturating_add(rows as u64);
        Ok(Data {
            fields: names,
            body: Body::Cols(out, rows),
        })
    }

    /// Aggregation `a` per group: its argument (and sort weight) fed record by record.
    fn aggregate_groups(
        &mut self,
        a: &Aggr,
        records: &Records<'_>,
        of_record: &[u32],
        groups: usize,
    ) -> Vec<Value> {
        let mut accs: Vec<Aggregator> = (0..groups).map(|_| Aggregator::new(a)).collect();
        let mut arg = Feed::new(&a.arg, records);
        if let Some(nums) = arg.numbers_for(a, records) {
            // Sum / Count / Avg / Min / Max of a field of numbers: the numbers straight from the column.
            if let Feed::Field(c) = arg {
                let col = &records.cols[c];
                for (k, &g) in of_record.iter().enumerate() {
                    let Some(acc) = accs.get_mut(g as usize) else {
                        continue;
                    };
                    match nums.get(col.index.get(records.row(k)) as usize) {
                        Some(&n) => acc.add_num(n),
                        None => acc.add(Value::Null),
                    }
                }
            }
            return accs
                .iter()
                .map(|acc| acc.finish(a, &mut NoRow { ex: self }))
                .collect();
        }
        let weight = a.extra.first().filter(|_| a.func.weighs_rows());
        let mut weight = weight.map(|w| Feed::new(w, records));
        for (k, &g) in of_record.iter().enumerate() {
            let r = records.row(k);
            let v = arg.value(self, records, r);
            let Some(acc) = accs.get_mut(g as usize) else {
                continue;
            };
            match &mut weight {
                Some(w) => {
                    let w = w.value(self, records, r).num();
                    acc.add_weighted(v, w);
                }
                None => acc.add(v),
            }
        }
        accs.iter()
            .map(|acc| acc.finish(a, &mut NoRow { ex: self }))
            .collect()
    }
}

/// Where an aggregation's argument comes from, record by record.
enum Feed<'l> {
    /// A field as it is: the record's value, read from its column.
    Field(usize),
    /// An expression, remembered per combination of the values it reads when there are few.
    Expr(Planned<'l>, Vec<Option<Value>>),
}

impl<'l> Feed<'l> {
    fn new(e: &'l Expr, records: &Records<'_>) -> Feed<'l> {
        if let Expr::Field(name) = e {
            if let Some(c) = records.fields.iter().position(|f| f == name) {
                return Feed::Field(c);
            }
        }
        let p = Planned::new(e, records.fields, records.cols, records.n);
        let memo = vec![None; p.memo.len()];
        Feed::Expr(p, memo)
    }

    /// The numbers of a field feed's symbols, when aggregation `a` reads only numbers and the field
    /// holds only numbers (then a row's value is its symbol's number).
    fn numbers_for<'r>(&self, a: &Aggr, records: &Records<'r>) -> Option<&'r [f64]> {
        let Feed::Field(c) = self else {
            return None;
        };
        let values = &records.cols[*c].values;
        let numeric_only = matches!(
            a.func,
            AggFunc::Sum | AggFunc::Count | AggFunc::Avg | AggFunc::Min | AggFunc::Max
        );
        (numeric_only && !a.distinct && a.extra.is_empty() && values.all_numeric())
            .then(|| values.nums())
    }

    /// The value for input row `r`.
    fn value(&mut self, ex: &mut Exec<'_>, records: &Records<'_>, r: usize) -> Value {
        let cols = records.cols;
        match self {
            Feed::Field(c) => value_of(&cols[*c].values, cols[*c].index.get(r)),
            Feed::Expr(p, memo) => {
                let combo = (!memo.is_empty()).then(|| p.combination(cols, r));
                if let Some(v) = combo.and_then(|k| memo.get(k)).and_then(Option::as_ref) {
                    return v.clone();
                }
                let mut scope = ColumnScope {
                    ex,
                    fields: records.fields,
                    cols,
                    row: r,
                };
                let v = qix_expr::eval(p.expr, &mut scope);
                if let Some(slot) = combo.and_then(|k| memo.get_mut(k)) {
                    *slot = Some(v.clone());
                }
                v
            }
        }
    }
}

/// Evaluates a grouping LOAD's field on one group: a GROUP BY field is the group's value (from its first
/// record), an aggregation its result computed before.
struct GroupScope<'e, 'a, 'c> {
    ex: &'e mut Exec<'a>,
    records: &'c Records<'c>,
    first: Option<usize>,
    group: usize,
    results: &'c HashMap<*const Aggr, Vec<Value>>,
}

impl Scope for GroupScope<'_, '_, '_> {
    fn field(&mut self, name: &str) -> Value {
        let Some(r) = self.first else {
            return Value::Null;
        };
        match self.records.fields.iter().position(|f| f == name) {
            Some(c) => {
                let col = &self.records.cols[c];
                value_of(&col.values, col.index.get(r))
            }
            None => Value::Null,
        }
    }
    fn aggregate(&mut self, a: &Aggr) -> Value {
        self.results
            .get(&(a as *const Aggr))
            .and_then(|v| v.get(self.group))
            .cloned()
            .unwrap_or(Value::Null)
    }
    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        self.ex.host(name, args, None)
    }
    fn locale(&self) -> &Locale {
        &self.ex.locale
    }
}
