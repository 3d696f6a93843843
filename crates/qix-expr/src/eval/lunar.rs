//! Lunar weeks: weeks counted from January 1 (moved by `first_week_day` days, a fraction allowed), seven
//! days each except the last of the year, which holds the one or two days left after 52 weeks. Every
//! year therefore has 53 lunar weeks, which is how `period_no` moves across years. `LunarWeekStart`,
//! `LunarWeekEnd` and `LunarWeekName` (`2013/50`) show the week holding a date; `InLunarWeek` and
//! `InLunarWeekToDate` tell whether a timestamp falls in the week of a base date (up to the base date).

use super::args::Args;
use super::format::date_dual;
use crate::dates::{self, make_date, DAY_MS};
use crate::locale::Locale;
use crate::value::Value;

/// Lunar weeks in a year: 52 of seven days and the rest of the year.
const WEEKS_PER_YEAR: i64 = 53;

/// One millisecond, in days.
const MS: f64 = 1.0 / DAY_MS as f64;

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    let value = match name {
        "LunarWeekStart" | "LunarWeekEnd" | "LunarWeekName" => boundary(name, args, locale),
        "InLunarWeek" => within(false, args, locale),
        "InLunarWeekToDate" => within(true, args, locale),
        _ => return None,
    };
    Some(value.unwrap_or(Value::Null))
}

/// One lunar week: its year, its index in the year (0 to 52), its first moment and the first moment
/// of the next week.
struct Week {
    year: i64,
    index: i64,
    start: f64,
    next: f64,
}

/// The first moment of lunar year `year`: January 1 moved by `offset` days.
fn year_start(year: i64, offset: f64) -> Option<f64> {
    Some(make_date(year, 1, 1)? + offset)
}

/// The lunar week holding `date`, moved by `shift` weeks.
fn week_of(date: f64, shift: i64, offset: f64) -> Option<Week> {
    if !dates::in_range(date) || !offset.is_finite() {
        return None;
    }
    let mut year = dates::parts(date - offset)?.year;
    let mut start = year_start(year, offset)?;
    if date < start {
        year -= 1;
        start = year_start(year, offset)?;
    }
    let index = (((date - start) / 7.0).floor() as i64).min(WEEKS_PER_YEAR - 1);
    let global = year
        .checked_mul(WEEKS_PER_YEAR)?
        .checked_add(index)?
        .checked_add(shift)?;
    let (year, index) = (
        global.div_euclid(WEEKS_PER_YEAR),
        global.rem_euclid(WEEKS_PER_YEAR),
    );
    let first = year_start(year, offset)?;
    let start = first + 7.0 * index as f64;
    let next = if index == WEEKS_PER_YEAR - 1 {
        year_start(year.checked_add(1)?, offset)?
    } else {
        start + 7.0
    };
    dates::in_range(start).then_some(Week {
        year,
        index,
        start,
        next,
    })
}

/// `LunarWeekStart`, `LunarWeekEnd` or `LunarWeekName(date, period_no, first_week_day)`.
fn boundary(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    let date = args.date(0, locale)?;
    let shift = args.int_or(1, 0);
    let offset = args.num(2).unwrap_or(0.0);
    let week = week_of(date, shift, offset)?;
    Some(match name {
        "LunarWeekStart" => date_dual(week.start, &locale.date_format, locale),
        "LunarWeekEnd" => date_dual(week.next - MS, &locale.date_format, locale),
        _ => Value::Dual(format!("{}/{:02}", week.year, week.index + 1), week.start),
    })
}

/// `InLunarWeek(timestamp, base_date, period_no, first_week_day)` and `InLunarWeekToDate` (the week
/// only up to the end of the base date's day, moved as the week is).
fn within(to_date: bool, args: &mut Args, locale: &Locale) -> Option<Value> {
    let t = args.date(0, locale)?;
    let base = args.date(1, locale)?;
    let shift = args.int_or(2, 0);
    let offset = args.num(3).unwrap_or(0.0);
    let week = week_of(base, shift, offset)?;
    let end = if to_date {
        (base + 7.0 * shift as f64).floor() + 1.0
    } else {
        week.next
    };
    Some(Value::from_bool(t >= week.start && t < end))
}
