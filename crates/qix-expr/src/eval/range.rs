//! Range functions: aggregations over their arguments. `RangeSum`, `RangeAvg`, `RangeMin`,
//! `RangeMax`, `RangeStdev`, `RangeFractile` and `RangeMode` read the arguments that have a number (a
//! text that reads as one counts); the counts tell values apart as Qlik does: `RangeCount` counts
//! those that are not NULL, `RangeNumericCount` those with a number, `RangeTextCount` the texts,
//! `RangeNullCount` the NULLs and `RangeMissingCount` those without a number. `RangeMinString`,
//! `RangeMaxString` and `RangeOnly` look at every value that is not NULL.

use super::args::Args;
use super::num;
use crate::value::Value;

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args) -> Option<Value> {
    if !name.starts_with("Range") {
        return None;
    }
    let fractile = if name == "RangeFractile" {
        args.num(0)
    } else {
        None
    };
    let first = usize::from(name == "RangeFractile");
    let values = args.rest(first);
    let count = |f: fn(&Value) -> bool| Value::Num(values.iter().filter(|v| f(v)).count() as f64);
    Some(match name {
        "RangeCount" => count(|v| !v.is_null()),
        "RangeNullCount" => count(Value::is_null),
        "RangeNumericCount" => count(is_numeric),
        "RangeTextCount" => count(|v| !v.is_null() && !is_numeric(v)),
        "RangeMissingCount" => count(|v| !is_numeric(v)),
        "RangeMinString" | "RangeMaxString" => min_max_string(name == "RangeMinString", values),
        "RangeOnly" => only(values),
        "RangeMode" => mode(values),
        "RangeFractile" => match fractile {
            Some(p) => fractile_of(numbers(&values), p),
            None => Value::Null,
        },
        _ => numeric(name, numbers(&values))?,
    })
}

/// Does a value have a number of its own (a number or a dual, not a text that reads as one)?
fn is_numeric(v: &Value) -> bool {
    matches!(v, Value::Num(_) | Value::Dual(..))
}

fn numbers(values: &[Value]) -> Vec<f64> {
    values.iter().filter_map(Value::num).collect()
}

/// `RangeSum`, `RangeAvg`, `RangeMin`, `RangeMax` and `RangeStdev` of `nums`.
fn numeric(name: &str, nums: Vec<f64>) -> Option<Value> {
    let len = nums.len() as f64;
    let sum: f64 = nums.iter().sum();
    Some(match name {
        "RangeSum" => num(sum),
        _ if nums.is_empty() => Value::Null,
        "RangeAvg" => num(sum / len),
        "RangeMin" => num(nums.iter().copied().fold(f64::INFINITY, f64::min)),
        "RangeMax" => num(nums.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        "RangeStdev" => {
            if nums.len() < 2 {
                return Some(Value::Null);
            }
            let mean = sum / len;
            let sq: f64 = nums.iter().map(|x| (x - mean) * (x - mean)).sum();
            num((sq / (len - 1.0)).sqrt())
        }
        _ => return None,
    })
}

/// The `p`-fractile of `nums` (0 ≤ p ≤ 1), interpolating between the two nearest values.
fn fractile_of(mut nums: Vec<f64>, p: f64) -> Value {
    if nums.is_empty() || !(0.0..=1.0).contains(&p) {
        return Value::Null;
    }
    nums.sort_by(f64::total_cmp);
    let pos = p * (nums.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let frac = pos - pos.floor();
    match (nums.get(lo), nums.get(lo + 1)) {
        (Some(a), Some(b)) => num(a + (b - a) * frac),
        (Some(a), None) => num(*a),
        _ => Value::Null,
    }
}

/// The value (first as given) that comes first (`min`) or last by text, `Null` when all are NULL.
fn min_max_string(min: bool, values: Vec<Value>) -> Value {
    let mut best: Option<(String, Value)> = None;
    for v in values {
        let Some(t) = v.text() else { continue };
        let better = match &best {
            None => true,
            Some((b, _)) => (min && t < *b) || (!min && t > *b),
        };
        if better {
            best = Some((t, v));
        }
    }
    best.map_or(Value::Null, |(_, v)| v)
}

/// The only value that is not NULL (values with the same text count once); `Null` when there are
/// none or several.
fn only(values: Vec<Value>) -> Value {
    let mut found: Option<Value> = None;
    for v in values.into_iter().filter(|v| !v.is_null()) {
        match &found {
            Some(f) if f.text() != v.text() => return Value::Null,
            Some(_) => {}
            None => found = Some(v),
        }
    }
    found.unwrap_or(Value::Null)
}

/// The value that occurs most often (by number, or by text for values without one); `Null` when
/// several occur most often or all are NULL.
fn mode(values: Vec<Value>) -> Value {
    let key = |v: &Value| match v.num() {
        Some(n) => format!("\u{1}{}", n.to_bits()),
        None => v.text().unwrap_or_default(),
    };
    let mut counts: Vec<(String, usize, Value)> = Vec::new();
    for v in values.into_iter().filter(|v| !v.is_null()) {
        let k = key(&v);
        match counts.iter_mut().find(|(c, ..)| *c == k) {
            Some((_, n, _)) => *n += 1,
            None => counts.push((k, 1, v)),
        }
    }
    let Some(top) = counts.iter().map(|(_, n, _)| *n).max() else {
        return Value::Null;
    };
    let mut best = counts.into_iter().filter(|(_, n, _)| *n == top);
    match (best.next(), best.next()) {
        (Some((_, _, v)), None) => v,
        _ => Value::Null,
    }
}
