//! Date and time functions about one date: its parts (`Year` ... `Second`, `WeekDay`, `Week`,
//! `WeekYear`, `DayNumberOfYear`, `DayNumberOfQuarter`), making dates (`MakeDate`, `MakeTime`,
//! `MakeWeekDate`), moving them (`AddMonths`, `AddYears`, `SetDateYear`, `SetDateYearMonth`), `Age`,
//! working days (in `workdays`) and the clock (`Now`, `Today`, `LocalTime`, `GMT`, `UTC`, `TimeZone`).
//! Periods (`MonthStart`, `InYear`, ...) are in `periods`.
//!
//! A date argument is a number or a text in the locale's date, timestamp or time format (or ISO); week
//! and year settings default to the locale's (`FirstWeekDay`, `BrokenWeeks`, `ReferenceDay`,
//! `FirstMonthOfYear`). Dates come back as duals in the locale's `DateFormat`, times in its
//! `TimeFormat`, timestamps in its `TimestampFormat`.

use super::args::Args;
use super::format::date_dual;
use super::{workdays, Scope};
use crate::dates::{self, parts, WeekRule};
use crate::locale::{reference_day, Locale};
use crate::value::Value;

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args, scope: &dyn Scope) -> Option<Value> {
    let locale = scope.locale();
    let value = match name {
        "Year" | "Month" | "Day" | "Hour" | "Minute" | "Second" => part(name, args, locale),
        "WeekDay" => weekday(args, locale),
        "Week" | "WeekYear" => {
            let day = args
                .date(0, locale)
                .filter(|d| dates::in_range(*d))?
                .floor() as i64;
            let (year, week) = week_rule(args, 1, locale).week(day)?;
            let v = if name == "Week" { week } else { year };
            Some(Value::Num(v as f64))
        }
        "DayNumberOfYear" | "DayNumberOfQuarter" => day_number(name, args, locale),
        "MakeDate" => make_date(args, locale),
        "MakeTime" => make_time(args, locale),
        "MakeWeekDate" => make_week_date(args, locale),
        "AddMonths" | "AddYears" => add_months(name, args, locale),
        "SetDateYear" | "SetDateYearMonth" => set_date_year(name, args, locale),
        "Age" => age(args, locale),
        "NetWorkDays" | "FirstWorkDate" | "LastWorkDate" => workdays::apply(name, args, locale),
        "Now" | "Today" | "LocalTime" | "GMT" | "UTC" => clock(name, args, scope),
        "TimeZone" => Some(Value::Text("UTC".into())),
        _ => return None,
    };
    Some(value.unwrap_or(Value::Null))
}

/// The week settings given from argument `first` on (first week day, broken weeks, reference day),
/// the locale's where missing.
pub(super) fn week_rule(args: &mut Args, first: usize, locale: &Locale) -> WeekRule {
    let first_week_day = first_week_day(args, first, locale);
    let broken = args.int_or(first + 1, i64::from(locale.broken_weeks)) != 0;
    let reference = args.int_or(first + 2, i64::from(locale.reference_day));
    WeekRule {
        first_week_day,
        broken,
        reference_day: i64::from(reference_day(reference)),
    }
}

/// The first week day given as argument `i` (0 Monday to 6 Sunday), the locale's when missing.
pub(super) fn first_week_day(args: &mut Args, i: usize, locale: &Locale) -> i64 {
    args.int_or(i, i64::from(locale.first_week_day))
        .rem_euclid(7)
}

/// A date as a dual in the locale's date format, or its timestamp format when it has a time of day.
pub(super) fn date_or_timestamp(x: f64, locale: &Locale) -> Value {
    let format = if x.fract() == 0.0 {
        &locale.date_format
    } else {
        &locale.timestamp_format
    };
    date_dual(x, format, locale)
}

fn part(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    let p = parts(args.date(0, locale)?)?;
    Some(match name {
        "Year" => Value::Num(p.year as f64),
        "Month" => {
            let text = usize::try_from(p.month - 1)
                .ok()
                .and_then(|i| locale.month_names.get(i))
                .cloned()
                .unwrap_or_default();
            Value::Dual(text, p.month as f64)
        }
        "Day" => Value::Num(p.day as f64),
        "Hour" => Value::Num(p.hour as f64),
        "Minute" => Value::Num(p.minute as f64),
        _ => Value::Num(p.second as f64),
    })
}

/// `WeekDay(date, first_week_day)`: the day's name with its number counted from the first week day.
fn weekday(args: &mut Args, locale: &Locale) -> Option<Value> {
    let p = parts(args.date(0, locale)?)?;
    let first = first_week_day(args, 1, locale);
    let text = usize::try_from(p.weekday)
        .ok()
        .and_then(|i| locale.day_names.get(i))
        .cloned()
        .unwrap_or_default();
    Some(Value::Dual(text, (p.weekday - first).rem_euclid(7) as f64))
}

/// `DayNumberOfYear(date, first_month)` / `DayNumberOfQuarter(date, first_month)`: the day's number
/// in its (fiscal) year or quarter, 1 for the first day.
fn day_number(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    let day = args.date(0, locale)?.floor();
    let first_month = first_month(args, 1, locale);
    let months = if name == "DayNumberOfYear" { 12 } else { 3 };
    let start = dates::months_period_start(day as i64, months, first_month, 0)?;
    Some(Value::Num(day - start + 1.0))
}

/// The first month of the year given as argument `i` (1 to 12), the locale's when missing.
pub(super) fn first_month(args: &mut Args, i: usize, locale: &Locale) -> i64 {
    let m = args.int_or(i, i64::from(locale.first_month_of_year));
    if (1..=12).contains(&m) {
        m
    } else {
        1
    }
}

/// `MakeDate(year, month, day)`, month and day 1 when missing; `Null` for a month or day that does not
/// exist.
fn make_date(args: &mut Args, locale: &Locale) -> Option<Value> {
    let y = args.int(0)?;
    let m = if args.len() > 1 { args.int(1)? } else { 1 };
    let d = if args.len() > 2 { args.int(2)? } else { 1 };
    if !(1..=12).contains(&m) || !(1..=dates::days_in_month(y, m)).contains(&d) {
        return None;
    }
    Some(date_dual(
        dates::make_date(y, m, d)?,
        &locale.date_format,
        locale,
    ))
}

/// `MakeTime(hour, minute, second)`: a time of day (minute and second 0 when missing).
fn make_time(args: &mut Args, locale: &Locale) -> Option<Value> {
    let h = args.num(0)?;
    let m = if args.len() > 1 { args.num(1)? } else { 0.0 };
    let s = if args.len() > 2 { args.num(2)? } else { 0.0 };
    let x = (h * 3600.0 + m * 60.0 + s) / 86_400.0;
    Some(date_dual(x, &locale.time_format, locale))
}

/// `MakeWeekDate(year, week, day, first_week_day, broken_weeks, reference_day)`: day `day` (0 the
/// first day of the week) of week `week` (1 when missing) of `year`, weeks numbered as `Week` does.
fn make_week_date(args: &mut Args, locale: &Locale) -> Option<Value> {
    let year = args.int(0)?;
    let week = args.int_or(1, 1);
    let day = args.int_or(2, 0);
    let rule = week_rule(args, 3, locale);
    let start = rule.week_one_start(year)?;
    let serial = start
        .checked_add(week.checked_sub(1)?.checked_mul(7)?)?
        .checked_add(day)?;
    Some(date_dual(serial as f64, &locale.date_format, locale))
}

/// `AddMonths(date, n, mode)` and `AddYears(date, n)`.
fn add_months(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    let date = args.date(0, locale)?;
    let n = args.int(1)?;
    let (months, from_end) = if name == "AddYears" {
        (n.checked_mul(12)?, false)
    } else {
        (n, args.int_or(2, 0) == 1)
    };
    let moved = dates::add_months(date, months, from_end)?;
    Some(date_or_timestamp(moved, locale))
}

/// `SetDateYear(date, year)` and `SetDateYearMonth(date, year, month)`: the date with its year (and
/// month) replaced, the day kept or made the month's last, the time of day kept.
fn set_date_year(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    let date = args.date(0, locale)?;
    let p = parts(date)?;
    let year = args.int(1)?;
    let month = if name == "SetDateYearMonth" {
        args.int(2).filter(|m| (1..=12).contains(m))?
    } else {
        p.month
    };
    let day = p.day.min(dates::days_in_month(year, month));
    let moved = dates::make_date(year, month, day)? + (date - p.day_serial as f64);
    Some(date_or_timestamp(moved, locale))
}

/// `Age(date, date_of_birth)`: the whole years from the birth to the date.
fn age(args: &mut Args, locale: &Locale) -> Option<Value> {
    let now = parts(args.date(0, locale)?)?;
    let born = parts(args.date(1, locale)?)?;
    let before_birthday = (now.month, now.day) < (born.month, born.day);
    Some(Value::Num(
        (now.year - born.year - i64::from(before_birthday)) as f64,
    ))
}

/// `Now`, `Today`, `LocalTime(zone)`, `GMT` and `UTC`: the scope's clock (UTC); `LocalTime` moves it by
/// a zone written `GMT+hh:mm` / `UTC-hh` (other zone names are taken as UTC).
fn clock(name: &str, args: &mut Args, scope: &dyn Scope) -> Option<Value> {
    let locale = scope.locale();
    let now = scope.now();
    Some(match name {
        "Today" => date_dual(now.floor(), &locale.date_format, locale),
        "LocalTime" => {
            let offset = args.text(0).and_then(|z| zone_offset(&z)).unwrap_or(0.0);
            date_dual(now + offset, &locale.timestamp_format, locale)
        }
        _ => date_dual(now, &locale.timestamp_format, locale),
    })
}

/// The offset from UTC, in days, of a zone written `GMT+02:00`, `UTC-5` or `+01:30`.
pub(super) fn zone_offset(zone: &str) -> Option<f64> {
    let z = zone.trim();
    let z = z
        .strip_prefix("GMT")
        .or_else(|| z.strip_prefix("UTC"))
        .unwrap_or(z);
    let (sign, rest) = match z.chars().next()? {
        '+' => (1.0, z.get(1..)?),
        '-' => (-1.0, z.get(1..)?),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: f64 = h.trim().parse().ok()?;
    let m: f64 = m.trim().parse().ok()?;
    Some(sign * (h * 60.0 + m) / 1440.0)
}
