//! Number functions: the general numeric ones (`Fabs`, `Sign`, `Round`/`Floor`/`Ceil` with step and
//! offset, `Frac`, `Mod`, `Fmod`, `Div`, `Even`/`Odd`, `BitCount`, `Fact`, `Combin`, `Permut`), the
//! exponential and logarithmic ones (`Sqr`, `Sqrt`, `Exp`, `Log`, `Log10`, `Pow`), the trigonometric
//! and hyperbolic ones (`Sin` ... `Atan2`, `Tanh`) and the constants `Pi` and `E`.

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
        "E" => Some(Value::Num(std::f64::consts::E)),
        "Sqr" => num1(args, |x| Some(x * x)),
        "Fmod" => {
            let (a, b) = (args.num(0), args.num(1));
            a.zip(b)
                .map(|(a, b)| if b == 0.0 { Value::Null } else { num(a % b) })
        }
        "BitCount" => args.num(0).map(|x| {
            if x.fract() != 0.0 || x.abs() > 9.2e18 {
                Value::Null
            } else {
                Value::Num(f64::from((x as i64).count_ones()))
            }
        }),
        "Fact" => num1(args, |x| {
            (x.fract() == 0.0 && (0.0..=170.0).contains(&x))
                .then(|| (2..=x as u32).map(f64::from).product())
        }),
        "Combin" | "Permut" => combinatorics(name == "Combin", args),
        _ => return trigonometric(name, args).map(|v| v.unwrap_or(Value::Null)),
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

/// `Combin(n, k)` (choices of `k` out of `n`) or `Permut(n, k)` (ordered choices): `Null` unless
/// `0 <= k <= n` are whole numbers.
fn combinatorics(combin: bool, args: &mut Args) -> Option<Value> {
    let (n, k) = (args.num(0)?, args.num(1)?);
    if n.fract() != 0.0 || k.fract() != 0.0 || k < 0.0 || k > n || n > 1e9 {
        return Some(Value::Null);
    }
    let k = if combin { k.min(n - k) } else { k };
    let mut r = 1.0f64;
    let mut i = 0.0;
    while i < k && r.is_finite() {
        r *= n - i;
        if combin {
            r /= i + 1.0;
        }
        i += 1.0;
    }
    Some(num(r.round()))
}

/// The trigonometric and hyperbolic functions; `None` for other names. Arguments outside a function's
/// domain (`Acos(2)`) give `Null`.
fn trigonometric(name: &str, args: &mut Args) -> Option<Option<Value>> {
    let f: fn(f64) -> f64 = match name {
        "Sin" => f64::sin,
        "Cos" => f64::cos,
        "Tan" => f64::tan,
        "Asin" => f64::asin,
        "Acos" => f64::acos,
        "Atan" => f64::atan,
        "Sinh" => f64::sinh,
        "Cosh" => f64::cosh,
        "Tanh" => f64::tanh,
        "Atan2" => {
            let (y, x) = (args.num(0), args.num(1));
            return Some(y.zip(x).map(|(y, x)| num(y.atan2(x))));
        }
        _ => return None,
    };
    Some(args.num(0).map(|x| num(f(x))))
}
