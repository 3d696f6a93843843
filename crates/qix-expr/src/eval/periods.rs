//! Periods holding a date: the year, quarter, month, run of `n` months, week or day, moved by a number
//! of periods. `YearStart` ... `DayStart` give the first millisecond of the period, `YearEnd` ...
//! `DayEnd` the last, both shown in the locale's date format (days in its timestamp format); `YearName` ... `DayName` show the period
//! (`2013`, `Oct-Dec 2013`, `Oct 2013`, `2013/44`) with its start as the number. `InYear` ... `InDay`
//! tell whether a timestamp falls in the period of a base date, `InYearToDate` ... `InDayToTime`
//! whether it falls in the part of it up to the base date (moved as the period is), and
//! `YearToDate` whether it falls in the year up to today.

use super::args::{date_of, Args};
use super::dates::{first_month, week_rule};
use super::format::date_dual;
use super::Scope;
use crate::dates::{self, add_months, months_period_start, week_start, WeekRule, DAY_MS};
use crate::locale::Locale;
use crate::value::Value;

/// The kind of period.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Year,
    Quarter,
    Month,
    /// Runs of 1, 2, 3, 4 or 6 months.
    Months(i64),
    Week,
    Day,
}

impl Unit {
    /// The unit a function name is about, after its `In` prefix or before its suffix.
    fn of(stem: &str) -> Option<Unit> {
        Some(match stem {
            "Year" => Unit::Year,
            "Quarter" => Unit::Quarter,
            "Month" => Unit::Month,
            "Months" => Unit::Months(0),
            "Week" => Unit::Week,
            "Day" => Unit::Day,
            _ => return None,
        })
    }

    /// How many months a month-based period has.
    fn months(self) -> Option<i64> {
        match self {
            Unit::Year => Some(12),
            Unit::Quarter => Some(3),
            Unit::Month => Some(1),
            Unit::Months(n) => Some(n),
            Unit::Week | Unit::Day => None,
        }
    }
}

/// A period: its first moment and the first moment of the next one.
#[derive(Clone, Copy)]
struct Period {
    start: f64,
    next: f64,
}

/// One millisecond, in days.
const MS: f64 = 1.0 / DAY_MS as f64;

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args, scope: &dyn Scope) -> Option<Value> {
    let locale = scope.locale();
    if name == "YearToDate" {
        return Some(year_to_date(args, scope).unwrap_or(Value::Null));
    }
    if let Some(rest) = name.strip_prefix("In") {
        let (stem, to_date) = match rest.strip_suffix("ToDate").or(rest.strip_suffix("ToTime")) {
            Some(stem) => (stem, true),
            None => (rest, false),
        };
        let unit = Unit::of(stem)?;
        return Some(within(unit, to_date, args, locale).unwrap_or(Value::Null));
    }
    let (stem, kind) = ["Start", "End", "Name"]
        .iter()
        .find_map(|k| name.strip_suffix(k).map(|s| (s, *k)))?;
    let unit = Unit::of(stem)?;
    Some(boundary(unit, kind, args, locale).unwrap_or(Value::Null))
}

/// `<Unit>Start`, `<Unit>End` or `<Unit>Name` (`kind`).
fn boundary(unit: Unit, kind: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    let (unit, first) = months_count(unit, args)?;
    let date = args.date(first, locale)?;
    let shift = args.int_or(first + 1, 0);
    let param = Param::of(unit, args, first + 2, locale);
    let period = period(unit, date, shift, &param)?;
    // Days show their time; longer periods show dates.
    let format = if unit == Unit::Day {
        &locale.timestamp_format
    } else {
        &locale.date_format
    };
    match kind {
        "Start" => Some(date_dual(period.start, format, locale)),
        "End" => Some(date_dual(period.next - MS, format, locale)),
        _ => {
            let text = match param {
                Param::Week(rule) => {
                    let moved = (date.floor() as i64).checked_add(shift.checked_mul(7)?)?;
                    let (year, week) = rule.week(moved)?;
                    format!("{year}/{week:02}")
                }
                Param::DayStart(_) => {
                    return Some(date_dual(period.start, &locale.date_format, locale))
                }
                Param::FirstMonth(_) => month_period_name(unit, period, locale)?,
            };
            Some(Value::Dual(text, period.start))
        }
    }
}

/// What a period depends on besides its date: the first month of the year, the week rule or the
/// start of the day (a fraction of a day).
#[derive(Clone, Copy)]
enum Param {
    FirstMonth(i64),
    Week(WeekRule),
    DayStart(f64),
}

impl Param {
    /// The parameter of `unit` from argument `i` on, the locale's where missing.
    fn of(unit: Unit, args: &mut Args, i: usize, locale: &Locale) -> Param {
        match unit {
            Unit::Month => Param::FirstMonth(1),
            Unit::Week => Param::Week(week_rule(args, i, locale)),
            Unit::Day => Param::DayStart(args.num(i).unwrap_or(0.0).clamp(0.0, 1.0)),
            _ => Param::FirstMonth(first_month(args, i, locale)),
        }
    }
}

/// For `Months*` / `InMonths*`, the number of months (first argument, 1, 2, 3, 4 or 6) and where the
/// other arguments start; other units start at argument 0.
fn months_count(unit: Unit, args: &mut Args) -> Option<(Unit, usize)> {
    match unit {
        Unit::Months(_) => {
            let n = args.int(0).filter(|n| [1, 2, 3, 4, 6].contains(n))?;
            Some((Unit::Months(n), 1))
        }
        _ => Some((unit, 0)),
    }
}

/// The period of `unit` holding `date`, moved by `shift` periods.
fn period(unit: Unit, date: f64, shift: i64, param: &Param) -> Option<Period> {
    if !dates::in_range(date) {
        return None;
    }
    let day = date.floor() as i64;
    let (start, next) = match (unit.months(), *param) {
        (Some(n), Param::FirstMonth(first)) => {
            let start = months_period_start(day, n, first, shift)?;
            (start, months_period_start(start as i64, n, first, 1)?)
        }
        (_, Param::Week(rule)) => {
            let start = week_start(day, rule.first_week_day).checked_add(shift.checked_mul(7)?)?;
            (start as f64, start as f64 + 7.0)
        }
        (_, Param::DayStart(at)) => {
            let start = (date - at).floor() + at + shift as f64;
            (start, start + 1.0)
        }
        (None, Param::FirstMonth(_)) => return None,
    };
    dates::in_range(start).then_some(Period { start, next })
}

/// `Oct 2013` for a month, `Oct-Dec 2013` for longer runs (the year of the first month), `2013` for a
/// calendar year and `2012-2013` for a fiscal one.
fn month_period_name(unit: Unit, period: Period, locale: &Locale) -> Option<String> {
    let p = dates::parts(period.start)?;
    let last = dates::parts(period.next - 1.0)?;
    let name = |m: i64| {
        usize::try_from(m - 1)
            .ok()
            .and_then(|i| locale.month_names.get(i))
            .cloned()
            .unwrap_or_default()
    };
    Some(match unit {
        Unit::Year if p.month == 1 => p.year.to_string(),
        Unit::Year => format!("{}-{}", p.year, last.year),
        Unit::Month | Unit::Months(1) => format!("{} {}", name(p.month), p.year),
        _ => format!("{}-{} {}", name(p.month), name(last.month), p.year),
    })
}

/// `In<Unit>(timestamp, base, shift, param)` and the `ToDate` forms (`InDayToTime` for days).
fn within(unit: Unit, to_date: bool, args: &mut Args, locale: &Locale) -> Option<Value> {
    let (unit, first) = months_count(unit, args)?;
    let t = args.date(first, locale)?;
    let base = args.date(first + 1, locale)?;
    let shift = args.int_or(first + 2, 0);
    let param = Param::of(unit, args, first + 3, locale);
    let period = period(unit, base, shift, &param)?;
    let end = if to_date {
        let moved = match unit.months() {
            Some(n) => add_months(base, n.checked_mul(shift)?, false)?,
            None if unit == Unit::Week => base + (shift.checked_mul(7)?) as f64,
            None => base + shift as f64,
        };
        if unit == Unit::Day {
            moved + MS / 2.0
        } else {
            moved.floor() + 1.0
        }
    } else {
        period.next
    };
    Some(Value::from_bool(t >= period.start && t < end))
}

/// `YearToDate(timestamp, year_offset, first_month, today)`: whether the timestamp falls in the (fiscal)
/// year up to and including `today` (the scope's clock when missing), moved by `year_offset` years.
fn year_to_date(args: &mut Args, scope: &dyn Scope) -> Option<Value> {
    let locale = scope.locale();
    let t = args.date(0, locale)?;
    let shift = args.int_or(1, 0);
    let first = first_month(args, 2, locale);
    let today = match args.take(3) {
        Value::Null => scope.now(),
        v => date_of(&v, locale)?,
    };
    let day = today.floor();
    if !dates::in_range(day) {
        return None;
    }
    let start = months_period_start(day as i64, 12, first, shift)?;
    let end = add_months(day, shift.checked_mul(12)?, false)? + 1.0;
    Some(Value::from_bool(t >= start && t < end))
}
