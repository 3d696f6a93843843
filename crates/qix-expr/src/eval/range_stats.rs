//! The statistical range functions over the arguments that have a number: `RangeSkew` and
//! `RangeKurtosis` (sample skewness and excess kurtosis, as spreadsheets compute them),
//! `RangeFractileExc` (the exclusive fractile) and `RangeCorrel` (the correlation coefficient of
//! pairs `x1, y1, x2, y2, ...`; a pair where either side has no number is left out).

use super::args::Args;
use super::num;
use crate::value::Value;

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args) -> Option<Value> {
    let value = match name {
        "RangeSkew" => skew(&numbers(args.rest(0))),
        "RangeKurtosis" => kurtosis(&numbers(args.rest(0))),
        "RangeFractileExc" => args
            .num(0)
            .and_then(|p| fractile_exc(numbers(args.rest(1)), p)),
        "RangeCorrel" => correl(&args.rest(0)),
        _ => return None,
    };
    Some(value.map_or(Value::Null, num))
}

fn numbers(values: Vec<Value>) -> Vec<f64> {
    values.iter().filter_map(Value::num).collect()
}

/// The mean and the sample standard deviation of `xs` (at least two values, not all equal).
fn mean_sd(xs: &[f64]) -> Option<(f64, f64)> {
    let n = xs.len() as f64;
    if xs.len() < 2 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (var > 0.0).then(|| (mean, var.sqrt()))
}

/// The sum of the `k`-th powers of the standardized values.
fn moment(xs: &[f64], mean: f64, sd: f64, k: i32) -> f64 {
    xs.iter().map(|x| ((x - mean) / sd).powi(k)).sum()
}

/// `n / ((n-1)(n-2)) · Σ z³`.
fn skew(xs: &[f64]) -> Option<f64> {
    let n = xs.len() as f64;
    if xs.len() < 3 {
        return None;
    }
    let (mean, sd) = mean_sd(xs)?;
    Some(n / ((n - 1.0) * (n - 2.0)) * moment(xs, mean, sd, 3))
}

/// `n(n+1) / ((n-1)(n-2)(n-3)) · Σ z⁴ − 3(n-1)² / ((n-2)(n-3))`.
fn kurtosis(xs: &[f64]) -> Option<f64> {
    let n = xs.len() as f64;
    if xs.len() < 4 {
        return None;
    }
    let (mean, sd) = mean_sd(xs)?;
    let a = n * (n + 1.0) / ((n - 1.0) * (n - 2.0) * (n - 3.0));
    let b = 3.0 * (n - 1.0).powi(2) / ((n - 2.0) * (n - 3.0));
    Some(a * moment(xs, mean, sd, 4) - b)
}

/// The exclusive `p`-fractile: rank `p(n+1)` interpolated, none when the rank is below 1 or above `n`.
fn fractile_exc(mut xs: Vec<f64>, p: f64) -> Option<f64> {
    let n = xs.len();
    let rank = p * (n + 1) as f64;
    if n == 0 || !(0.0..=1.0).contains(&p) || rank < 1.0 || rank > n as f64 {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let lo = rank.floor() as usize;
    let a = *xs.get(lo - 1)?;
    let b = xs.get(lo).copied().unwrap_or(a);
    Some(a + (b - a) * (rank - rank.floor()))
}

/// The correlation coefficient of the pairs in `values`.
fn correl(values: &[Value]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = values
        .chunks_exact(2)
        .filter_map(|p| Some((p[0].num()?, p[1].num()?)))
        .collect();
    if pairs.len() < 2 {
        return None;
    }
    let n = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in &pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    let d = (sxx * syy).sqrt();
    (d > 0.0).then(|| sxy / d)
}
