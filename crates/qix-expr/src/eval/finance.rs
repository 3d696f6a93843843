//! The financial range functions: `RangeNPV(rate, values...)` (net present value of payments at the
//! end of periods 1, 2, ...), `RangeIRR(values...)` (the rate that makes it zero for payments at
//! periods 0, 1, ...), and `RangeXNPV(rate, value1, date1, value2, date2, ...)` / `RangeXIRR(value1,
//! date1, ...)` for payments on dates (years of 365 days from the first date). Arguments without a
//! number are left out (a pair when either of its sides has none); the rates are found by Newton's
//! method with bisection as the fallback.

use super::args::{date_of, Args};
use super::num;
use crate::locale::Locale;
use crate::value::Value;

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    let value = match name {
        "RangeNPV" => args.num(0).and_then(|r| {
            let flows = periodic(args.rest(1));
            npv(r, &flows, 1.0)
        }),
        "RangeIRR" => irr(&periodic(args.rest(0))),
        "RangeXNPV" => args.num(0).and_then(|r| {
            let flows = dated(&args.rest(1), locale);
            npv(r, &flows, 0.0)
        }),
        "RangeXIRR" => irr(&dated(&args.rest(0), locale)),
        _ => return None,
    };
    Some(value.map_or(Value::Null, num))
}

/// A payment and when it falls, in years (periods) from the start.
type Flow = (f64, f64);

/// The numbers of `values` as payments at periods 0, 1, 2, ...
fn periodic(values: Vec<Value>) -> Vec<Flow> {
    values
        .iter()
        .filter_map(Value::num)
        .enumerate()
        .map(|(i, v)| (v, i as f64))
        .collect()
}

/// `value, date` pairs as payments at years of 365 days from the first date.
fn dated(values: &[Value], locale: &Locale) -> Vec<Flow> {
    let pairs: Vec<(f64, f64)> = values
        .chunks_exact(2)
        .filter_map(|p| Some((p[0].num()?, date_of(&p[1], locale)?)))
        .collect();
    let Some(&(_, first)) = pairs.first() else {
        return Vec::new();
    };
    pairs
        .into_iter()
        .map(|(v, d)| (v, (d - first) / 365.0))
        .collect()
}

/// `Σ v / (1 + rate)^(t + shift)` over `flows`.
fn present_value(rate: f64, flows: &[Flow], shift: f64) -> f64 {
    flows
        .iter()
        .map(|(v, t)| v / (1.0 + rate).powf(t + shift))
        .sum()
}

/// The present value of `flows` at `rate`, each moved `shift` periods later (`RangeNPV`'s first
/// payment is at the end of period 1, `RangeXNPV`'s on its first date).
fn npv(rate: f64, flows: &[Flow], shift: f64) -> Option<f64> {
    if flows.is_empty() || rate <= -1.0 {
        return None;
    }
    Some(present_value(rate, flows, shift))
}

/// The rate at which the present value of `flows` is zero: needs a positive and a negative payment.
fn irr(flows: &[Flow]) -> Option<f64> {
    if !flows.iter().any(|f| f.0 > 0.0) || !flows.iter().any(|f| f.0 < 0.0) {
        return None;
    }
    let f = |r: f64| present_value(r, flows, 0.0);
    newton(&f, flows).or_else(|| bisect(&f))
}

/// Newton's method from 10%.
fn newton(f: &dyn Fn(f64) -> f64, flows: &[Flow]) -> Option<f64> {
    let df = |r: f64| -> f64 {
        flows
            .iter()
            .map(|(v, t)| -t * v / (1.0 + r).powf(t + 1.0))
            .sum()
    };
    let mut r = 0.1;
    for _ in 0..100 {
        let (y, d) = (f(r), df(r));
        if !d.is_finite() || d == 0.0 {
            return None;
        }
        let next = r - y / d;
        if !next.is_finite() || next <= -1.0 {
            return None;
        }
        if (next - r).abs() < 1e-12 {
            return Some(next);
        }
        r = next;
    }
    None
}

/// Bisection over (-0.999999, 1e6) when the present value changes sign there.
fn bisect(f: &dyn Fn(f64) -> f64) -> Option<f64> {
    let (mut lo, mut hi) = (-0.999_999, 1e6);
    let (flo, fhi) = (f(lo), f(hi));
    if !(flo.is_finite() && fhi.is_finite()) || flo.signum() == fhi.signum() {
        return None;
    }
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if (f(mid) > 0.0) == (flo > 0.0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((lo + hi) / 2.0)
}
