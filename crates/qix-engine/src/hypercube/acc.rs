//! Accumulators: the running state of one aggregation over one group's rows.
//!
//! The general scan feeds every aggregation through an [`Acc`] value by value; the columnar scan keeps
//! its own per-group columns for the common plain-field aggregations and hands back finished values as
//! [`Acc::Done`], so the rendering phase reads both the same way.

use qix_expr::{AggFunc, Aggr, Scope, Value};
use std::collections::{HashMap, HashSet};

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
    /// `Sum(DISTINCT ...)` / `Avg(DISTINCT ...)`: the distinct numbers (by bit pattern).
    DistinctNums(HashSet<u64>),
    /// The numbers, for order statistics and moments (`Median`, `Fractile`, `Stdev`, ...).
    Nums(Vec<f64>),
    /// `Mode`: each value's frequency.
    Freq(HashMap<DistinctKey, (Value, u64)>),
    /// `MinString` / `MaxString` (`max`): the extreme value in text order so far.
    Text {
        best: Option<Value>,
        max: bool,
    },
    /// `FirstSortedValue`: (weight, value) of every row with both.
    Weighted(Vec<(f64, Value)>),
    /// `NullCount` ... `TextCount`: how many NULLs, numbers and texts.
    Kinds {
        nulls: u64,
        nums: u64,
        texts: u64,
    },
}

/// A value counted by `Count(DISTINCT ...)`: its symbol when it comes from a field, else its number or
/// text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum DistinctKey {
    Sym(u32),
    Num(u64),
    Text(String),
}

/// Accumulators of one group: one per aggregation node, the first two inline (a cube of 55,000 groups
/// of one or two aggregations allocates nothing per group).
pub(super) type Group = smallvec::SmallVec<[Acc; 2]>;

impl Acc {
    pub(super) fn new(a: &Aggr) -> Acc {
        match (a.func, a.distinct) {
            (AggFunc::Sum | AggFunc::Avg, true) => Acc::DistinctNums(HashSet::new()),
            (AggFunc::Sum, false) => Acc::Sum(0.0),
            (AggFunc::Count, true) => Acc::Distinct(HashSet::new()),
            (AggFunc::Count, false) => Acc::Count(0),
            (AggFunc::Avg, false) => Acc::Avg(0.0, 0),
            (AggFunc::Min, _) => Acc::Min(None),
            (AggFunc::Max, _) => Acc::Max(None),
            (AggFunc::Only, _) => Acc::Only(None, false),
            (AggFunc::Concat, _) => Acc::Concat(Vec::new()),
            (AggFunc::Mode, _) => Acc::Freq(HashMap::new()),
            (AggFunc::MinString | AggFunc::MaxString, _) => Acc::Text {
                best: None,
                max: a.func == AggFunc::MaxString,
            },
            (AggFunc::FirstSortedValue, _) => Acc::Weighted(Vec::new()),
            (
                AggFunc::NullCount
                | AggFunc::MissingCount
                | AggFunc::NumericCount
                | AggFunc::TextCount,
                _,
            ) => Acc::Kinds {
                nulls: 0,
                nums: 0,
                texts: 0,
            },
            (
                AggFunc::Median
                | AggFunc::Fractile
                | AggFunc::Stdev
                | AggFunc::Sterr
                | AggFunc::Skew
                | AggFunc::Kurtosis,
                _,
            ) => Acc::Nums(Vec::new()),
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
            Acc::DistinctNums(set) => {
                set.insert(n.to_bits());
            }
            Acc::Nums(v) => v.push(n),
            Acc::Done(_) => {}
            _ => self.add_value(Value::Num(n), sym),
        }
    }

    /// Adds a value with its sort weight (`FirstSortedValue`); rows without a numeric weight or with a
    /// NULL value do not count.
    pub(super) fn add_weighted(&mut self, v: Value, weight: Option<f64>) {
        if let (Acc::Weighted(pairs), Some(w), false) = (&mut *self, weight, v.is_null()) {
            pairs.push((w, v));
        }
    }

    pub(super) fn add_value(&mut self, v: Value, sym: Option<u32>) {
        if let Acc::Kinds { nulls, nums, texts } = self {
            match (v.is_null(), v.num().is_some()) {
                (true, _) => *nulls += 1,
                (false, true) => *nums += 1,
                (false, false) => *texts += 1,
            }
            return;
        }
        if v.is_null() {
            return;
        }
        match self {
            Acc::Freq(freq) => {
                let key = distinct_key(sym, &v);
                freq.entry(key).or_insert((v, 0)).1 += 1;
            }
            Acc::Text { best, max } => {
                if text_better(best.as_ref(), &v, *max) {
                    *best = Some(v);
                }
            }
            Acc::Count(c) => *c += 1,
            Acc::Distinct(set) => {
                set.insert(distinct_key(sym, &v));
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
            (Acc::DistinctNums(a), Acc::DistinctNums(b)) => a.extend(b),
            (Acc::Nums(a), Acc::Nums(b)) => a.extend(b),
            (Acc::Weighted(a), Acc::Weighted(b)) => a.extend(b),
            (Acc::Freq(a), Acc::Freq(b)) => {
                for (k, (v, n)) in b {
                    a.entry(k).or_insert((v, 0)).1 += n;
                }
            }
            (Acc::Text { best, max }, Acc::Text { best: Some(v), .. })
                if text_better(best.as_ref(), &v, *max) =>
            {
                *best = Some(v);
            }
            (
                Acc::Kinds { nulls, nums, texts },
                Acc::Kinds {
                    nulls: n2,
                    nums: m2,
                    texts: t2,
                },
            ) => {
                *nulls += n2;
                *nums += m2;
                *texts += t2;
            }
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
            Acc::DistinctNums(set) => {
                let sum: f64 = set.iter().map(|b| f64::from_bits(*b)).sum();
                match node.func {
                    AggFunc::Avg if set.is_empty() => Value::Null,
                    AggFunc::Avg => Value::Num(sum / set.len() as f64),
                    _ => Value::Num(sum),
                }
            }
            Acc::Nums(v) => {
                let fraction = node
                    .extra
                    .first()
                    .and_then(|e| qix_expr::eval(e, scope).num());
                statistic(node.func, v, fraction)
            }
            Acc::Freq(freq) => mode(freq),
            Acc::Text { best, .. } => best.clone().unwrap_or(Value::Null),
            Acc::Weighted(pairs) => {
                let rank = node
                    .extra
                    .get(1)
                    .and_then(|e| qix_expr::eval(e, scope).num())
                    .unwrap_or(1.0);
                first_sorted(pairs, rank)
            }
            Acc::Kinds { nulls, nums, texts } => Value::Num(match node.func {
                AggFunc::NullCount => *nulls,
                AggFunc::MissingCount => nulls + texts,
                AggFunc::NumericCount => *nums,
                _ => *texts,
            } as f64),
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

/// The key a value is told apart by: its symbol when it comes from a field, else its number or text.
fn distinct_key(sym: Option<u32>, v: &Value) -> DistinctKey {
    match (sym, v) {
        (Some(s), _) => DistinctKey::Sym(s),
        (None, Value::Num(n)) | (None, Value::Dual(_, n)) => DistinctKey::Num(n.to_bits()),
        (None, other) => DistinctKey::Text(other.text().unwrap_or_default()),
    }
}

/// Whether `v` comes before (`max`: after) `best` in text order.
fn text_better(best: Option<&Value>, v: &Value, max: bool) -> bool {
    match best {
        None => true,
        Some(b) if max => v.text() > b.text(),
        Some(b) => v.text() < b.text(),
    }
}

/// `Mode`: the most frequent value, NULL when several share the top frequency.
fn mode(freq: &HashMap<DistinctKey, (Value, u64)>) -> Value {
    let top = freq.values().map(|(_, n)| *n).max().unwrap_or(0);
    let mut best = freq.values().filter(|(_, n)| *n == top);
    match (best.next(), best.next()) {
        (Some((v, _)), None) => v.clone(),
        _ => Value::Null,
    }
}

/// `FirstSortedValue`: the value at position `rank` (1: smallest weight) in weight order; NULL when
/// the weight there is shared by different values or there is no such position.
fn first_sorted(pairs: &[(f64, Value)], rank: f64) -> Value {
    let mut sorted: Vec<&(f64, Value)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let k = rank.trunc();
    let idx = if k >= 1.0 {
        k as usize - 1
    } else if k <= -1.0 {
        match sorted.len().checked_sub((-k) as usize) {
            Some(i) => i,
            None => return Value::Null,
        }
    } else {
        return Value::Null;
    };
    let Some((w, v)) = sorted.get(idx) else {
        return Value::Null;
    };
    let clash = sorted.iter().any(|(w2, v2)| w2 == w && v2 != v);
    if clash {
        Value::Null
    } else {
        v.clone()
    }
}

/// The order statistics and moments of `nums` (`fraction` for `Fractile`).
fn statistic(func: AggFunc, nums: &[f64], fraction: Option<f64>) -> Value {
    let n = nums.len() as f64;
    let mean = nums.iter().sum::<f64>() / n;
    let central = |p: i32| nums.iter().map(|x| (x - mean).powi(p)).sum::<f64>();
    let stdev = (central(2) / (n - 1.0)).sqrt();
    let out = match func {
        AggFunc::Median => fractile(nums, 0.5),
        AggFunc::Fractile => fraction.and_then(|f| fractile(nums, f)),
        AggFunc::Stdev => (n >= 2.0).then_some(stdev),
        AggFunc::Sterr => (n >= 2.0).then(|| stdev / n.sqrt()),
        AggFunc::Skew => (n >= 3.0 && stdev > 0.0)
            .then(|| n / ((n - 1.0) * (n - 2.0)) * central(3) / stdev.powi(3)),
        AggFunc::Kurtosis => (n >= 4.0 && stdev > 0.0).then(|| {
            n * (n + 1.0) / ((n - 1.0) * (n - 2.0) * (n - 3.0)) * central(4) / stdev.powi(4)
                - 3.0 * (n - 1.0).powi(2) / ((n - 2.0) * (n - 3.0))
        }),
        _ => None,
    };
    out.filter(|x| x.is_finite())
        .map_or(Value::Null, Value::Num)
}

/// The inclusive fractile `f` (0..=1) of `nums`, interpolated between neighbours.
fn fractile(nums: &[f64], f: f64) -> Option<f64> {
    if nums.is_empty() || !(0.0..=1.0).contains(&f) {
        return None;
    }
    let mut v = nums.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let pos = f * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (pos - lo as f64))
}
