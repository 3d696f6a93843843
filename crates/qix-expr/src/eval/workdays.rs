//! Working days, Monday to Friday less the holidays given: `NetWorkDays(start, end, holiday...)`,
//! `FirstWorkDate(end, n, holiday...)` and `LastWorkDate(start, n, holiday...)`. Holidays are dates
//! (numbers or texts); a holiday on a weekend changes nothing.

use super::args::{date_of, Args};
use super::format::date_dual;
use crate::locale::Locale;
use crate::value::Value;

/// The most working days `FirstWorkDate` and `LastWorkDate` count (about 380 000 years).
const MAX_DAYS: i64 = 100_000_000;

/// Runs `NetWorkDays`, `FirstWorkDate` or `LastWorkDate`; `None` (a `Null` call) when an argument is
/// missing.
pub(super) fn apply(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    let first = args.date(0, locale)?.floor();
    if !crate::dates::in_range(first) {
        return None;
    }
    let first = first as i64;
    if name == "NetWorkDays" {
        let last = args.date(1, locale)?.floor();
        if !crate::dates::in_range(last) {
            return None;
        }
        let last = last as i64;
        let holidays = holidays(args, locale);
        if last < first {
            return Some(Value::Num(0.0));
        }
        let off = holidays
            .iter()
            .filter(|&&h| (first..=last).contains(&h))
            .count() as i64;
        return Some(Value::Num((workdays_in(first, last) - off) as f64));
    }
    let n = args.int(1).filter(|n| (1..=MAX_DAYS).contains(n))?;
    let holidays = holidays(args, locale);
    let day = reach(first, n, &holidays, name == "LastWorkDate")?;
    Some(date_dual(day as f64, &locale.date_format, locale))
}

/// The distinct holidays (arguments from the third on) that fall on working days.
fn holidays(args: &mut Args, locale: &Locale) -> Vec<i64> {
    let mut days: Vec<i64> = args
        .rest(2)
        .iter()
        .filter_map(|v| date_of(v, locale))
        .filter(|d| crate::dates::in_range(*d))
        .map(|d| d.floor() as i64)
        .filter(|&d| is_workday(d))
        .collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// Monday to Friday? (Serial 0, 1899-12-30, was a Saturday.)
fn is_workday(day: i64) -> bool {
    (day + 5).rem_euclid(7) < 5
}

/// The working days from `a` to `b`, both included (`a <= b`).
fn workdays_in(a: i64, b: i64) -> i64 {
    let n = b - a + 1;
    let weeks = n / 7;
    let rest = (0..n % 7).filter(|k| is_workday(a + weeks * 7 + k)).count();
    weeks * 5 + rest as i64
}

/// The working day `k` working days after (`forward`) or before the working day `day`.
fn step(day: i64, k: i64, forward: bool) -> i64 {
    let (weeks, rest) = (k / 5, k % 5);
    let weekday = (day + 5).rem_euclid(7);
    let extra = if forward {
        if weekday + rest > 4 {
            2
        } else {
            0
        }
    } else if weekday - rest < 0 {
        2
    } else {
        0
    };
    let shift = weeks * 7 + rest + extra;
    if forward {
        day + shift
    } else {
        day - shift
    }
}

/// The day on which `n` working days starting (`forward`) or ending at `from` are complete, holidays
/// not counting.
fn reach(from: i64, n: i64, holidays: &[i64], forward: bool) -> Option<i64> {
    // The first working day at or beyond `from`.
    let mut start = from;
    while !is_workday(start) {
        start += if forward { 1 } else { -1 };
    }
    let mut skipped = 0;
    loop {
        let end = step(start, n - 1 + skipped, forward);
        let (lo, hi) = if forward { (start, end) } else { (end, start) };
        let inside = holidays.iter().filter(|&&h| (lo..=hi).contains(&h)).count() as i64;
        if inside == skipped {
            return crate::dates::in_range(end as f64).then_some(end);
        }
        skipped = inside;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::make_date;

    fn d(y: i64, m: i64, day: i64) -> i64 {
        make_date(y, m, day).map_or(i64::MIN, |x| x as i64)
    }

    #[test]
    fn working_days_are_counted_and_reached() {
        assert_eq!(workdays_in(d(2013, 12, 19), d(2013, 12, 20)), 2);
        assert_eq!(workdays_in(d(2013, 12, 19), d(2014, 1, 2)), 11);
        // Qlik's examples: FirstWorkDate('12/29/2014', 9) and LastWorkDate('12/29/2014', 5).
        assert_eq!(reach(d(2014, 12, 29), 9, &[], false), Some(d(2014, 12, 17)));
        assert_eq!(reach(d(2014, 12, 29), 5, &[], true), Some(d(2015, 1, 2)));
        let holidays = [d(2014, 12, 25), d(2014, 12, 26)];
        assert_eq!(
            reach(d(2014, 12, 29), 9, &holidays, false),
            Some(d(2014, 12, 15))
        );
        assert_eq!(
            reach(d(2014, 12, 20), 1, &[], true),
            Some(d(2014, 12, 22)),
            "a Saturday start counts from Monday"
        );
    }
}
