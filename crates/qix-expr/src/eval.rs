//! Evaluation of an expression against a [`Scope`] supplied by the engine.

use std::cmp::Ordering;

use crate::ast::{Aggr, BinOp, Expr};
use crate::value::{format_with_pattern, round_significant, Value};

/// Longest text (in bytes) that `Repeat` and `Replace` build; longer results are `Null`.
const MAX_TEXT: usize = 64 << 20;

/// What an expression can see when it is evaluated: the engine's side of evaluation.
pub trait Scope {
    /// The value of a field in the current row (or, outside a row, the field's only possible value or Null).
    fn field(&mut self, name: &str) -> Value;
    /// The value of an aggregation node in the current group (the engine computes it).
    fn aggregate(&mut self, aggr: &Aggr) -> Value;
    /// A host function ([`crate::is_host_function`]: `RecNo`, `ApplyMap`, `Date`, ...) with its evaluated
    /// arguments. Hosts that have no such context answer `Null`, the default.
    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        let _ = (name, args);
        Value::Null
    }
    /// `Previous(expr)`: `expr` evaluated on the previous input record (the load script's executor has
    /// one); `Null` elsewhere, the default.
    fn previous(&mut self, expr: &Expr) -> Value {
        let _ = expr;
        Value::Null
    }
}

/// Evaluates `expr`, asking `scope` for fields and aggregations.
///
/// Semantics, following Qlik:
/// - Arithmetic (`+ - * / ^`) uses [`Value::num`] of both sides (text that reads as a number counts as
///   that number); if either side has no number the result is `Null`, and so is a division by zero or
///   any result that is not a finite number.
/// - `&` joins the texts of both sides, `Null` counting as empty text; the result is a `Text`.
/// - Comparisons compare numerically when both sides have a number, otherwise they compare texts,
///   case-sensitively and by code point. `Null` against `Null` gives `Null`; a value against `Null` gives
///   false, except `<>`, which gives true.
/// - Logical results are -1 (true) and 0 (false); `and`/`or`/`not` use [`Value::truthy`], and `and` /
///   `or` do not evaluate their right side when the left side decides.
/// - `If` and `Pick` evaluate only the argument they return; `Alt` and `Coalesce` stop at the first
///   argument that fits.
///
/// A function name that is not a canonical scalar function name gives `Null` (trees from
/// [`crate::parse`] have none). Evaluation recurses over the tree: trees built by hand deeper than
/// [`crate::MAX_DEPTH`] may exhaust the stack.
pub fn eval(expr: &Expr, scope: &mut dyn Scope) -> Value {
    match expr {
        Expr::Num(n) => num(*n),
        Expr::Str(s) => Value::Text(s.clone()),
        Expr::Field(name) => scope.field(name),
        Expr::Neg(e) => match eval(e, scope).num() {
            Some(n) => num(-n),
            None => Value::Null,
        },
        Expr::Not(e) => Value::from_bool(!eval(e, scope).truthy()),
        Expr::Binary(op, l, r) => binary(*op, l, r, scope),
        Expr::Call { name, args } => call(name, args, scope),
        Expr::Aggr(a) => scope.aggregate(a),
    }
}

/// A number result: non-finite numbers become `Null`, negative zero becomes zero.
fn num(n: f64) -> Value {
    if !n.is_finite() {
        Value::Null
    } else if n == 0.0 {
        Value::Num(0.0)
    } else {
        Value::Num(n)
    }
}

fn binary(op: BinOp, l: &Expr, r: &Expr, scope: &mut dyn Scope) -> Value {
    match op {
        BinOp::And => {
            let b = eval(l, scope).truthy() && eval(r, scope).truthy();
            Value::from_bool(b)
        }
        BinOp::Or => {
            let b = eval(l, scope).truthy() || eval(r, scope).truthy();
            Value::from_bool(b)
        }
        BinOp::Concat => {
            let mut a = eval(l, scope).text().unwrap_or_default();
            let b = eval(r, scope).text().unwrap_or_default();
            a.push_str(&b);
            Value::Text(a)
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Pow => {
            let a = eval(l, scope).num();
            let b = eval(r, scope).num();
            let (Some(a), Some(b)) = (a, b) else {
                return Value::Null;
            };
            num(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div if b == 0.0 => return Value::Null,
                BinOp::Div => a / b,
                _ => a.powf(b),
            })
        }
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let a = eval(l, scope);
            let b = eval(r, scope);
            compare(op, &a, &b)
        }
    }
}

fn compare(op: BinOp, a: &Value, b: &Value) -> Value {
    match (a.is_null(), b.is_null()) {
        (true, true) => return Value::Null,
        (true, false) | (false, true) => return Value::from_bool(op == BinOp::Ne),
        (false, false) => {}
    }
    let ord = match (a.num(), b.num()) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => Some(a.text().cmp(&b.text())),
    };
    let Some(ord) = ord else {
        return Value::from_bool(op == BinOp::Ne);
    };
    Value::from_bool(match op {
        BinOp::Eq => ord == Ordering::Equal,
        BinOp::Ne => ord != Ordering::Equal,
        BinOp::Lt => ord == Ordering::Less,
        BinOp::Le => ord != Ordering::Greater,
        BinOp::Gt => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    })
}

/// The integer part of a value's number (saturating), if it has one.
fn int(v: &Value) -> Option<i64> {
    v.num().map(|x| x.trunc() as i64)
}

/// Applies `f` to the value's number; `Null` when there is none or `f` gives none.
fn num1(v: Value, f: impl Fn(f64) -> Option<f64>) -> Value {
    v.num().and_then(f).map_or(Value::Null, num)
}

#[derive(Clone, Copy)]
enum Rounding {
    Round,
    Floor,
    Ceil,
}

/// `x` rounded to a multiple of `step` shifted by `offset`. Quotients within a relative 1e-12 of a whole
/// number count as that number, so that binary fractions do not push `Floor(0.3, 0.1)` down to 0.2.
fn round_to_step(how: Rounding, x: f64, step: f64, offset: f64) -> Value {
    if step == 0.0 {
        return Value::Null;
    }
    let step = step.abs();
    let q = (x - offset) / step;
    let snap = |v: f64, fallback: fn(f64) -> f64| {
        let r = v.round();
        if (v - r).abs() <= 1e-12 * v.abs().max(1.0) {
            r
        } else {
            fallback(v)
        }
    };
    let k = match how {
        Rounding::Round => snap(q + 0.5, f64::floor),
        Rounding::Floor => snap(q, f64::floor),
        Rounding::Ceil => snap(q, f64::ceil),
    };
    let mut v = k * step + offset;
    if step.fract() != 0.0 || offset.fract() != 0.0 {
        v = round_significant(v, 15);
    }
    num(v)
}

/// Glob match with `*` (any run) and `?` (one character).
fn wildcard(text: &[char], pat: &[char]) -> bool {
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = text.get(t) {
        match pat.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&pc) if pc == '?' || pc == c => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat.get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

fn capitalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if in_word {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            in_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

/// The byte offsets where `sub` starts in `s` (overlapping occurrences included), at most `limit` of them.
fn occurrences(s: &str, sub: &str, limit: usize) -> Vec<usize> {
    let mut found = Vec::new();
    if sub.is_empty() {
        return found;
    }
    let mut pos = 0;
    while found.len() < limit {
        let Some(start) = s
            .get(pos..)
            .and_then(|rest| rest.find(sub))
            .map(|o| pos + o)
        else {
            break;
        };
        found.push(start);
        // Go on one character after the start of this occurrence.
        pos = start
            + s.get(start..)
                .and_then(|r| r.chars().next())
                .map_or(1, char::len_utf8);
    }
    found
}

/// The `k`-th item (1-based; negative counts from the end) of a list of `len` items.
fn nth_index(k: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if k > 0 {
        k - 1
    } else if k < 0 {
        len + k
    } else {
        return None;
    };
    if (0..len).contains(&i) {
        usize::try_from(i).ok()
    } else {
        None
    }
}

fn call(name: &str, args: &[Expr], scope: &mut dyn Scope) -> Value {
    let mut arg = |i: usize| -> Value {
        match args.get(i) {
            Some(e) => eval(e, scope),
            None => Value::Null,
        }
    };
    let n = args.len();
    // Functions that evaluate only some of their arguments.
    match name {
        "Previous" => match args.first() {
            Some(e) => scope.previous(e),
            None => Value::Null,
        },
        "If" => {
            if arg(0).truthy() {
                arg(1)
            } else {
                arg(2)
            }
        }
        "Pick" => match int(&arg(0)).map(usize::try_from) {
            Some(Ok(k)) if k >= 1 && k < n => arg(k),
            _ => Value::Null,
        },
        "Alt" => {
            for i in 0..n {
                let v = arg(i);
                if v.num().is_some() || i + 1 == n {
                    return v;
                }
            }
            Value::Null
        }
        "Coalesce" => {
            for i in 0..n {
                let v = arg(i);
                if !v.is_null() {
                    return v;
                }
            }
            Value::Null
        }
        _ => {
            let values: Vec<Value> = (0..n).map(arg).collect();
            if crate::functions::is_host_function(name) {
                return scope.call(name, &values);
            }
            apply(name, values)
        }
    }
}

/// A function that takes all its arguments evaluated. Kept apart from [`call`] so that its large stack
/// frame is not part of the recursion over the tree.
fn apply(name: &str, mut values: Vec<Value>) -> Value {
    let n = values.len();
    let mut arg = |i: usize| -> Value {
        values
            .get_mut(i)
            .map_or(Value::Null, |v| std::mem::replace(v, Value::Null))
    };
    // The first argument's text, or `Null` for the call when it has none.
    macro_rules! text0 {
        () => {
            match arg(0).text() {
                Some(s) => s,
                None => return Value::Null,
            }
        };
    }
    // An integer argument, or `Null` for the call when it has none.
    macro_rules! int_arg {
        ($i:expr) => {
            match int(&arg($i)) {
                Some(k) => k,
                None => return Value::Null,
            }
        };
    }
    // A numeric argument, or `Null` for the call when it has none.
    macro_rules! num_arg {
        ($i:expr) => {
            match arg($i).num() {
                Some(x) => x,
                None => return Value::Null,
            }
        };
    }
    match name {
        // Conditional and null handling.
        "Match" | "MixMatch" | "WildMatch" => {
            let Some(x) = arg(0).text() else {
                return Value::Num(0.0);
            };
            let folded = if name == "Match" { x } else { x.to_lowercase() };
            let chars: Vec<char> = folded.chars().collect();
            for i in 1..n {
                let Some(c) = arg(i).text() else { continue };
                let hit = match name {
                    "Match" => folded == c,
                    "MixMatch" => folded == c.to_lowercase(),
                    _ => wildcard(&chars, &c.to_lowercase().chars().collect::<Vec<_>>()),
                };
                if hit {
                    return Value::Num(i as f64);
                }
            }
            Value::Num(0.0)
        }
        "EmptyIsNull" => {
            let v = arg(0);
            if v.text().is_some_and(|s| s.is_empty()) {
                Value::Null
            } else {
                v
            }
        }
        "IsNull" => Value::from_bool(arg(0).is_null()),
        "IsNum" => Value::from_bool(arg(0).num().is_some()),
        "IsText" => Value::from_bool(matches!(arg(0), Value::Text(_) | Value::Dual(..))),
        "Null" => Value::Null,
        "True" => Value::from_bool(true),
        "False" => Value::from_bool(false),

        // Numbers.
        "Fabs" => num1(arg(0), |x| Some(x.abs())),
        "Sign" => num1(arg(0), |x| {
            Some(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            })
        }),
        "Round" | "Floor" | "Ceil" => {
            let x = num_arg!(0);
            let step = if n > 1 { num_arg!(1) } else { 1.0 };
            let offset = if n > 2 { num_arg!(2) } else { 0.0 };
            let how = match name {
                "Round" => Rounding::Round,
                "Floor" => Rounding::Floor,
                _ => Rounding::Ceil,
            };
            round_to_step(how, x, step, offset)
        }
        "Frac" => num1(arg(0), |x| Some(x - x.floor())),
        "Mod" => {
            let a = num_arg!(0);
            let b = num_arg!(1);
            if a.fract() != 0.0 || b.fract() != 0.0 || b <= 0.0 {
                Value::Null
            } else {
                num(a.rem_euclid(b))
            }
        }
        "Div" => {
            let a = num_arg!(0);
            let b = num_arg!(1);
            if b == 0.0 {
                Value::Null
            } else {
                num((a / b).trunc())
            }
        }
        "Even" | "Odd" => {
            let x = num_arg!(0);
            if x.fract() != 0.0 {
                return Value::Null;
            }
            let even = x.rem_euclid(2.0) == 0.0;
            Value::from_bool(even == (name == "Even"))
        }
        "Sqrt" => num1(arg(0), |x| (x >= 0.0).then(|| x.sqrt())),
        "Exp" => num1(arg(0), |x| Some(x.exp())),
        "Log" => num1(arg(0), |x| (x > 0.0).then(|| x.ln())),
        "Log10" => num1(arg(0), |x| (x > 0.0).then(|| x.log10())),
        "Pow" => {
            let a = num_arg!(0);
            let b = num_arg!(1);
            num(a.powf(b))
        }
        "Pi" => Value::Num(std::f64::consts::PI),
        "RangeSum" | "RangeAvg" | "RangeMin" | "RangeMax" | "RangeCount" => {
            let values: Vec<Value> = (0..n).map(&mut arg).collect();
            if name == "RangeCount" {
                return Value::Num(values.iter().filter(|v| !v.is_null()).count() as f64);
            }
            let nums: Vec<f64> = values.iter().filter_map(Value::num).collect();
            let sum: f64 = nums.iter().sum();
            match name {
                "RangeSum" => num(sum),
                _ if nums.is_empty() => Value::Null,
                "RangeAvg" => num(sum / nums.len() as f64),
                "RangeMin" => num(nums.iter().copied().fold(f64::INFINITY, f64::min)),
                _ => num(nums.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
            }
        }

        // Formatting.
        "Num" => {
            let x = num_arg!(0);
            let pattern = if n > 1 {
                arg(1).text().unwrap_or_default()
            } else {
                String::new()
            };
            if pattern.is_empty() {
                return num(x);
            }
            let dec = if n > 2 {
                arg(2).text().unwrap_or_default()
            } else {
                ".".to_string()
            };
            let thou = if n > 3 {
                arg(3).text().unwrap_or_default()
            } else if dec == "," {
                ".".to_string()
            } else {
                ",".to_string()
            };
            // A number has at most a few hundred digits, so about 120 separators.
            if thou.len().saturating_mul(128) > MAX_TEXT {
                return Value::Null;
            }
            Value::Dual(format_with_pattern(x, &pattern, &dec, &thou), x)
        }
        "Text" => match arg(0).text() {
            Some(s) => Value::Text(s),
            None => Value::Null,
        },
        "Dual" => {
            let text = arg(0).text().unwrap_or_default();
            match arg(1).num() {
                Some(x) => Value::Dual(text, x),
                None => Value::Text(text),
            }
        }

        // Strings.
        "Len" => Value::Num(text0!().chars().count() as f64),
        "Upper" => Value::Text(text0!().to_uppercase()),
        "Lower" => Value::Text(text0!().to_lowercase()),
        "Capitalize" => Value::Text(capitalize(&text0!())),
        "Left" | "Right" => {
            let s = text0!();
            let Ok(k) = usize::try_from(int_arg!(1)) else {
                return Value::Null;
            };
            if name == "Left" {
                Value::Text(s.chars().take(k).collect())
            } else {
                let len = s.chars().count();
                Value::Text(s.chars().skip(len.saturating_sub(k)).collect())
            }
        }
        "Mid" => {
            let s = text0!();
            let start = int_arg!(1);
            let Ok(skip) = usize::try_from(start.saturating_sub(1)) else {
                return Value::Null;
            };
            let rest = s.chars().skip(skip);
            if n > 2 {
                match usize::try_from(int_arg!(2)) {
                    Ok(k) => Value::Text(rest.take(k).collect()),
                    Err(_) => Value::Null,
                }
            } else {
                Value::Text(rest.collect())
            }
        }
        "Index" => {
            let s = text0!();
            let Some(sub) = arg(1).text() else {
                return Value::Null;
            };
            let k = if n > 2 { int_arg!(2) } else { 1 };
            // Counting from the start, only the first k occurrences are needed.
            let limit = if k > 0 {
                usize::try_from(k).unwrap_or(usize::MAX)
            } else {
                usize::MAX
            };
            let found = occurrences(&s, &sub, limit);
            let at = nth_index(k, found.len())
                .and_then(|i| found.get(i))
                .and_then(|&byte| s.get(..byte))
                .map_or(0, |before| before.chars().count() + 1);
            Value::Num(at as f64)
        }
        "Trim" => Value::Text(text0!().trim().to_string()),
        "LTrim" => Value::Text(text0!().trim_start().to_string()),
        "RTrim" => Value::Text(text0!().trim_end().to_string()),
        "Replace" => {
            let s = text0!();
            let (Some(from), Some(to)) = (arg(1).text(), arg(2).text()) else {
                return Value::Null;
            };
            if from.is_empty() {
                return Value::Text(s);
            }
            let count = s.matches(from.as_str()).count();
            let size = s.len().saturating_add(count.saturating_mul(to.len()));
            if size > MAX_TEXT {
                return Value::Null;
            }
            Value::Text(s.replace(from.as_str(), &to))
        }
        "SubField" => {
            let s = arg(0).text().unwrap_or_default();
            let Some(delim) = arg(1).text() else {
                return Value::Null;
            };
            let k = if n > 2 { int_arg!(2) } else { 1 };
            let parts: Vec<&str> = if delim.is_empty() {
                vec![s.as_str()]
            } else {
                s.split(delim.as_str()).collect()
            };
            match nth_index(k, parts.len()).and_then(|i| parts.get(i)) {
                Some(p) => Value::Text((*p).to_string()),
                None => Value::Null,
            }
        }
        "Chr" => {
            let k = int_arg!(0);
            match u32::try_from(k).ok().and_then(char::from_u32) {
                Some(c) => Value::Text(c.to_string()),
                None => Value::Null,
            }
        }
        "Ord" => match text0!().chars().next() {
            Some(c) => Value::Num(f64::from(u32::from(c))),
            None => Value::Null,
        },
        "Repeat" => {
            let s = text0!();
            let k = if n > 1 { int_arg!(1) } else { 1 };
            let k = usize::try_from(k).unwrap_or(0);
            if s.len().saturating_mul(k) > MAX_TEXT {
                return Value::Null;
            }
            Value::Text(s.repeat(k))
        }
        "PurgeChar" | "KeepChar" => {
            let s = text0!();
            let Some(set) = arg(1).text() else {
                return Value::Null;
            };
            let keep = name == "KeepChar";
            Value::Text(s.chars().filter(|&c| set.contains(c) == keep).collect())
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matches_globs() {
        let m = |t: &str, p: &str| {
            wildcard(
                &t.chars().collect::<Vec<_>>(),
                &p.chars().collect::<Vec<_>>(),
            )
        };
        assert!(m("abc", "a*"));
        assert!(m("abc", "*c"));
        assert!(m("abc", "a?c"));
        assert!(m("abc", "*"));
        assert!(m("", "*"));
        assert!(m("aXbXc", "a*b*c"));
        assert!(!m("abc", "a?"));
        assert!(!m("abc", "b*"));
        assert!(!m("", "?"));
        assert!(m("mississippi", "*sip*"));
    }

    #[test]
    fn nth_index_counts_from_both_ends() {
        assert_eq!(nth_index(1, 3), Some(0));
        assert_eq!(nth_index(3, 3), Some(2));
        assert_eq!(nth_index(4, 3), None);
        assert_eq!(nth_index(-1, 3), Some(2));
        assert_eq!(nth_index(-3, 3), Some(0));
        assert_eq!(nth_index(-4, 3), None);
        assert_eq!(nth_index(0, 3), None);
        assert_eq!(nth_index(i64::MIN, 3), None);
    }
}
