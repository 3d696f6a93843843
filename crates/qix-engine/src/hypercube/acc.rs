//! Accumulators: the running state of one aggregation over one group's rows.
//!
//! The general scan feeds every aggregation through an [`Acc`] value by value; the columnar scan keeps
//! its own per-group columns for the common plain-field aggregations and hands back finished values as
//! [`Acc::Done`], so the rendering phase reads both the same way.

use qix_expr::{AggFunc, Aggr, Scope, Value};
use std::collections::HashSet;

/// The running state of one aggregation.
#[derive(Debug, Clone)]
pub(super) enum Acc {
    Sum(f64),
    Count(u64),
    Distinct(HashSet<DistinctKey>),
    Avg(f64, u64),
    Min(Option<f64>),
    Max(Option<f64>),
    Only(Option<Value>, bool),
    Concat(Vec<String>),
    /// A result computed by the columnar scan.
    Done(Value),
}

/// A value counted by `Count(DISTINCT ...)`: its symbol when it comes from a field, else its number or
/// text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum DistinctKey {
    Sym(u32),
    Num(u64),
    Text(String),
}

/// Accumulators of one group: one per aggregation node.
pub(super) type Group = Vec<Acc>;

impl Acc {
    pub(super) fn new(a: &Aggr) -> Acc {
        match (a.func, a.distinct) {
            (AggFunc::Sum, _) => Acc::Sum(0.0),
            (AggFunc::Count, true) => Acc::Distinct(HashSet::new()),
            (AggFunc::Count, false) => Acc::Count(0),
            (AggFunc::Avg, _) => Acc::Avg(0.0, 0),
            (AggFunc::Min, _) => Acc::Min(None),
            (AggFunc::Max, _) => Acc::Max(None),
            (AggFunc::Only, _) => Acc::Only(None, false),
            (AggFunc::Concat, _) => Acc::Concat(Vec::new()),
        }
    }

    #[inline]
    pub(super) fn add_num(&mut self, n: f64, sym: Option<u32>) {
        match self {
            Acc::Sum(s) => *s += n,
            Acc::Count(c) => *c += 1,
            Acc::Distinct(set) => {
                set.insert(match sym {
                    Some(s) => DistinctKey::Sym(s),
                    None => DistinctKey::Num(n.to_bits()),
                });
            }
            Acc::Avg(s, c) => {
                *s += n;
                *c += 1;
            }
            Acc::Min(m) => *m = Some(m.map_or(n, |x| x.min(n))),
            Acc::Max(m) => *m = Some(m.map_or(n, |x| x.max(n))),
            Acc::Only(..) | Acc::Concat(_) => self.add_value(Value::Num(n), sym),
            Acc::Done(_) => {}
        }
    }

    pub(super) fn add_value(&mut self, v: Value, sym: Option<u32>) {
        if v.is_null() {
            return;
        }
        match self {
            Acc::Count(c) => *c += 1,
            Acc::Distinct(set) => {
                let key = match (sym, &v) {
                    (Some(s), _) => DistinctKey::Sym(s),
                    (None, Value::Num(n)) | (None, Value::Dual(_, n)) => {
                        DistinctKey::Num(n.to_bits())
                    }
                    (None, other) => DistinctKey::Text(other.text().unwrap_or_default()),
                };
                set.insert(key);
            }
            Acc::Only(cur, conflict) => match cur {
                None => *cur = Some(v),
                Some(c) if *c != v => *conflict = true,
                _ => {}
            },
            Acc::Concat(parts) => parts.push(v.text().unwrap_or_default()),
            _ => {
                if let Some(n) = v.num() {
                    self.add_num(n, sym);
                }
            }
        }
    }

    /// Adds another partial state of the same aggregation (from another thread's share of the rows).
    pub(super) fn merge(&mut self, other: Acc) {
        match (self, other) {
            (Acc::Sum(a), Acc::Sum(b)) => *a += b,
            (Acc::Count(a), Acc::Count(b)) => *a += b,
            (Acc::Distinct(a), Acc::Distinct(b)) => a.extend(b),
            (Acc::Avg(s, c), Acc::Avg(s2, c2)) => {
                *s += s2;
                *c += c2;
            }
            (Acc::Min(a), Acc::Min(b)) => {
                *a = match (*a, b) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                }
            }
            (Acc::Max(a), Acc::Max(b)) => {
                *a = match (*a, b) {
                    (Some(x), Some(y)) => Some(x.max(y)),
                    (x, y) => x.or(y),
                }
            }
            (Acc::Only(a, ca), Acc::Only(b, cb)) => {
                *ca |= cb;
                match (a.as_ref(), b) {
                    (None, b) => *a = b,
                    (Some(x), Some(y)) if *x != y => *ca = true,
                    _ => {}
                }
            }
            (Acc::Concat(a), Acc::Concat(b)) => a.extend(b),
            _ => {}
        }
    }

    /// The aggregation's value; `scope` evaluates extra arguments (the delimiter of `Concat`).
    pub(super) fn finish(&self, node: &Aggr, scope: &mut dyn Scope) -> Value {
        match self {
            Acc::Sum(s) => Value::Num(*s),
            Acc::Count(c) => Value::Num(*c as f64),
            Acc::Distinct(set) => Value::Num(set.len() as f64),
            Acc::Avg(s, c) if *c > 0 => Value::Num(s / *c as f64),
            Acc::Avg(..) => Value::Null,
            Acc::Min(m) | Acc::Max(m) => m.map_or(Value::Null, Value::Num),
            Acc::Only(v, conflict) => match (v, conflict) {
                (Some(v), false) => v.clone(),
                _ => Value::Null,
            },
            Acc::Done(v) => v.clone(),
            Acc::Concat(parts) => {
                let mut parts = parts.clone();
                parts.sort();
                if node.distinct {
                    parts.dedup();
                }
                let delim = node
                    .extra
                    .first()
                    .map(|e| qix_expr::eval(e, scope).text().unwrap_or_default())
                    .unwrap_or_default();
                Value::Text(parts.join(&delim))
            }
        }
    }
}
