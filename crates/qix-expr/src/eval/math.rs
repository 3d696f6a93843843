//! Number functions: `Fabs`, `Sign`, `Round`/`Floor`/`Ceil` (with step and offset), `Frac`, `Mod`,
//! `Div`, `Even`/`Odd`, `Sqrt`, `Exp`, `Log`, `Log10`, `Pow`, `Pi` and the `Range*` functions.

use super::args::Args;
use super::num;
use crate::value::{round_significant, Value};

/// Runs `name` if it is one of this family's functions; `None` when it is not. An argument without the
/// number a function needs makes the call `Null`.
pub(super) fn apply(name: &str, args: &mut Args) -> Option<Value> {
    let value = match name {
        "Fabs" => num1(args, |x| Some(x.abs())),
        "Sign" => num1(args, |x| {
            Some(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            })
        }),
        "Round" | "Floor" | "Ceil" => rounded(name, args),
        "Frac" => num1(args, |x| Some(x - x.floor())),
        "Mod" => {
            let (a, b) = (args.num(0), args.num(1));
            a.zip(b).map(|(a, b)| {
                if a.fract() != 0.0 || b.fract() != 0.0 || b <= 0.0 {
                    Value::Null
                } else {
                    num(a.rem_euclid(b))
                }
            })
        }
        "Div" => {
            let (a, b) = (args.num(0), args.num(1));
            a.zip(b).map(|(a, b)| {
                if b == 0.0 {
                    Value::Null
                } else {
                    num((a / b).trunc())
                }
            })
        }
        "Even" | "Odd" => args.num(0).map(|x| {
            if x.fract() != 0.0 {
                Value::Null
            } else {
                let even = x.rem_euclid(2.0) == 0.0;
                Value::from_bool(even == (name == "Even"))
            }
        }),
        "Sqrt" => num1(args, |x| (x >= 0.0).then(|| x.sqrt())),
        "Exp" => num1(args, |x| Some(x.exp())),
        "Log" => num1(args, |x| (x > 0.0).then(|| x.ln())),
        "Log10" => num1(args, |x| (x > 0.0).then(|| x.log10())),
        "Pow" => {
            let (a, b) = (args.num(0), args.num(1));
            a.zip(b).map(|(a, b)| num(a.powf(b)))
        }
        "Pi" => Some(Value::Num(std::f64::consts::PI)),
        "RangeSum" | "RangeAvg" | "RangeMin" | "RangeMax" | "RangeCount" => Some(range(name, args)),
        _ => return None,
    };
    Some(value.unwrap_or(Value::Null))
}

/// Applies `f` to the first argument's number; `None` (a `Null` call) when there is none, `Null` when
/// `f` gives none.
fn num1(args: &mut Args, f: impl Fn(f64) -> Option<f64>) -> Option<Value> {
    let x = args.num(0)?;
    Some(f(x).map_or(Value::Null, num))
}

#[derive(Clone, Copy)]
enum Rounding {
    Round,
    Floor,
    Ceil,
}

/// `Round`, `Floor` and `Ceil` with their optional step (1) and offset (0).
fn rounded(name: &str, args: &mut Args) -> Option<Value> {
    let x = args.num(0)?;
    let step = if args.len() > 1 { args.num(1)? } else { 1.0 };
    let offset = if args.len() > 2 { args.num(2)? } else { 0.0 };
    let how = match name {
        "Round" => Rounding::Round,
        "Floor" => Rounding::Floor,
        _ => Rounding::Ceil,
    };
    Some(round_to_step(how, x, step, offset))
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

/// `RangeSum`, `RangeAvg`, `RangeMin`, `RangeMax` over the arguments that have a number, and
/// `RangeCount` of those that are not `Null`.
fn range(name: &str, args: &mut Args) -> Value {
    let values: Vec<Value> = (0..args.len()).map(|i| args.take(i)).collect();
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
