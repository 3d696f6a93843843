//! Dates and times as Qlik keeps them: serial numbers of days since 1899-12-30, the fraction being the
//! time of day (`2.5` is 1900-01-01 12:00). This module is the calendar (civil dates, parts, weeks,
//! months); [`format`] writes and reads them with format codes such as `M/D/YYYY` or
//! `YYYY-MM-DD hh:mm:ss[.fff]`.
//!
//! Serials are handled within ±[`MAX_SERIAL`] days (about 27 000 years either way); functions given a
//! serial outside that range answer `None`.

pub mod format;

/// The largest serial (in magnitude) the calendar handles.
pub const MAX_SERIAL: f64 = 1e7;

/// 1899-12-30 in days since 1970-01-01.
const EPOCH: i64 = -25_569;

/// Milliseconds in a day.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// Days from 1970-01-01 to a civil date (proleptic Gregorian; `m` 1 to 12).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day counted from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Is `serial` within the range the calendar handles?
pub fn in_range(serial: f64) -> bool {
    serial.is_finite() && serial.abs() <= MAX_SERIAL
}

/// The serial of a civil date. The month may be outside 1 to 12 (it carries into the year) and the day
/// outside the month (it carries into the next ones, `make_date(2024, 1, 32)` is February 1); `None`
/// when the result is out of range.
pub fn make_date(year: i64, month: i64, day: i64) -> Option<f64> {
    if year.unsigned_abs() > 40_000
        || month.unsigned_abs() > 1_000_000
        || day.unsigned_abs() > MAX_SERIAL as u64
    {
        return None;
    }
    let (y, m) = from_month_index(month_index(year, 1) + month - 1);
    let serial = (days_from_civil(y, m, 1) - EPOCH + day - 1) as f64;
    in_range(serial).then_some(serial)
}

/// A month counted from year 0 (`year * 12 + month - 1`), to step months.
pub fn month_index(year: i64, month: i64) -> i64 {
    year * 12 + month - 1
}

/// The year and month (1 to 12) of a [`month_index`].
pub fn from_month_index(i: i64) -> (i64, i64) {
    (i.div_euclid(12), i.rem_euclid(12) + 1)
}

/// Days in a month (`m` 1 to 12).
pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The parts of a serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// The year.
    pub year: i64,
    /// The month, 1 to 12.
    pub month: i64,
    /// The day of the month, 1 to 31.
    pub day: i64,
    /// The hour, 0 to 23.
    pub hour: i64,
    /// The minute, 0 to 59.
    pub minute: i64,
    /// The second, 0 to 59.
    pub second: i64,
    /// The millisecond, 0 to 999.
    pub milli: i64,
    /// The day of the week, 0 for Monday to 6 for Sunday.
    pub weekday: i64,
    /// The serial of the day (the serial without its time).
    pub day_serial: i64,
}

/// The parts of `serial`, the time rounded to the millisecond; `None` out of range.
pub fn parts(serial: f64) -> Option<Parts> {
    if !in_range(serial) {
        return None;
    }
    let total = (serial * DAY_MS as f64).round() as i64;
    let day_serial = total.div_euclid(DAY_MS);
    let ms = total.rem_euclid(DAY_MS);
    let (year, month, day) = civil_from_days(day_serial + EPOCH);
    Some(Parts {
        year,
        month,
        day,
        hour: ms / 3_600_000,
        minute: ms / 60_000 % 60,
        second: ms / 1000 % 60,
        milli: ms % 1000,
        // 1899-12-30 was a Saturday (5 with Monday 0).
        weekday: (day_serial + 5).rem_euclid(7),
        day_serial,
    })
}

/// The serial of the first day of the week holding day `day` (a whole serial), weeks starting on
/// `first_week_day` (0 Monday to 6 Sunday).
pub fn week_start(day: i64, first_week_day: i64) -> i64 {
    let weekday = (day + 5).rem_euclid(7);
    day - (weekday - first_week_day).rem_euclid(7)
}

/// How weeks are numbered: Qlik's `FirstWeekDay`, `BrokenWeeks` and `ReferenceDay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekRule {
    /// The day weeks start on, 0 for Monday to 6 for Sunday.
    pub first_week_day: i64,
    /// Week 1 starts on January 1 (and may be short).
    pub broken: bool,
    /// The day of January week 1 holds when weeks are not broken, 1 to 7.
    pub reference_day: i64,
}

impl WeekRule {
    /// ISO 8601 weeks: Monday first, unbroken, week 1 holds January 4.
    pub const ISO: WeekRule = WeekRule {
        first_week_day: 0,
        broken: false,
        reference_day: 4,
    };

    /// The year a day belongs to by week, and its week number.
    pub fn week(&self, day: i64) -> Option<(i64, i64)> {
        if !in_range(day as f64) {
            return None;
        }
        let start = week_start(day, self.first_week_day);
        if self.broken {
            let year = parts(day as f64)?.year;
            let jan1 = make_date(year, 1, 1)? as i64;
            let first = week_start(jan1, self.first_week_day);
            return Some((year, (start - first) / 7 + 1));
        }
        // A week belongs to the year its reference weekday falls in.
        let year = parts((start + 7 - self.reference_day) as f64)?.year;
        let reference = make_date(year, 1, self.reference_day)? as i64;
        let first = week_start(reference, self.first_week_day);
        Some((year, (start - first) / 7 + 1))
    }

    /// The first day of week `week` of `year` (week 1 may start in the year before).
    pub fn week_one_start(&self, year: i64) -> Option<i64> {
        let day = if self.broken { 1 } else { self.reference_day };
        Some(week_start(
            make_date(year, 1, day)? as i64,
            self.first_week_day,
        ))
    }
}

/// The first day of the period of `n` months (1, 2, 3, 4, 6 or 12) holding day `day`, periods being
/// aligned on month `first_month` (1 to 12) and the result moved by `shift` periods.
pub fn months_period_start(day: i64, n: i64, first_month: i64, shift: i64) -> Option<f64> {
    let p = parts(day as f64)?;
    let base = first_month - 1;
    let index = month_index(p.year, p.month);
    let start = ((index - base).div_euclid(n) * n + base).checked_add(shift.checked_mul(n)?)?;
    let (y, m) = from_month_index(start);
    make_date(y, m, 1)
}

/// `serial` moved by `n` months, keeping the time of day: the same day of the month, or the month's
/// last day when the target month is shorter. With `from_end`, a day from the 28th on keeps its
/// distance to the end of the month instead (January 29 plus one month is February 26).
pub fn add_months(serial: f64, n: i64, from_end: bool) -> Option<f64> {
    let p = parts(serial)?;
    let time = serial - p.day_serial as f64;
    let (y, m) = from_month_index(month_index(p.year, p.month).checked_add(n)?);
    let target_len = days_in_month(y, m);
    let day = if from_end && p.day >= 28 {
        target_len - (days_in_month(p.year, p.month) - p.day)
    } else {
        p.day.min(target_len)
    };
    Some(make_date(y, m, day)? + time)
}

/// Now, as a serial (UTC).
pub fn now() -> f64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    secs / 86_400.0 - EPOCH as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i64, m: i64, day: i64) -> i64 {
        make_date(y, m, day).unwrap_or(f64::NAN) as i64
    }

    #[test]
    fn serials_and_parts() {
        assert_eq!(make_date(1899, 12, 30), Some(0.0));
        assert_eq!(make_date(2010, 1, 4), Some(40182.0));
        assert_eq!(make_date(2024, 1, 32), make_date(2024, 2, 1));
        assert_eq!(make_date(2024, 13, 1), make_date(2025, 1, 1));
        assert_eq!(make_date(2024, 0, 1), make_date(2023, 12, 1));
        assert_eq!(make_date(i64::MAX, 1, 1), None);
        assert_eq!(make_date(i64::MIN, i64::MIN, i64::MIN), None);
        let p = parts(40182.75).unwrap();
        assert_eq!(
            (p.year, p.month, p.day, p.hour, p.weekday),
            (2010, 1, 4, 18, 0)
        );
        let p = parts(40_182.999_999_999).unwrap();
        assert_eq!((p.day, p.hour), (5, 0), "rounds to the millisecond");
        assert_eq!(parts(1e300), None);
        assert_eq!(parts(f64::NAN), None);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
    }

    #[test]
    fn weeks_follow_the_rule() {
        let us = WeekRule {
            first_week_day: 6,
            broken: true,
            reference_day: 1,
        };
        // Qlik's weekname table: ISO and US week of late 2020 / early 2021.
        for (day, iso, usw) in [
            (d(2020, 12, 26), (2020, 52), (2020, 52)),
            (d(2020, 12, 27), (2020, 52), (2020, 53)),
            (d(2020, 12, 28), (2020, 53), (2020, 53)),
            (d(2021, 1, 1), (2020, 53), (2021, 1)),
            (d(2021, 1, 3), (2020, 53), (2021, 2)),
            (d(2021, 1, 4), (2021, 1), (2021, 2)),
        ] {
            assert_eq!(WeekRule::ISO.week(day), Some(iso), "ISO {day}");
            assert_eq!(us.week(day), Some(usw), "US {day}");
        }
        assert_eq!(week_start(d(2021, 1, 6), 0), d(2021, 1, 4));
        assert_eq!(week_start(d(2021, 1, 6), 6), d(2021, 1, 3));
    }

    #[test]
    fn months_move_and_align() {
        let add = |day: i64, n: i64, end: bool| add_months(day as f64, n, end).map(|x| x as i64);
        // Qlik's AddMonths examples.
        assert_eq!(add(d(2003, 1, 29), 3, false), Some(d(2003, 4, 29)));
        assert_eq!(add(d(2003, 1, 29), 3, true), Some(d(2003, 4, 28)));
        assert_eq!(add(d(2003, 1, 29), 1, false), Some(d(2003, 2, 28)));
        assert_eq!(add(d(2003, 1, 29), 1, true), Some(d(2003, 2, 26)));
        assert_eq!(add(d(2003, 2, 28), 1, true), Some(d(2003, 3, 31)));
        assert_eq!(add(d(2003, 1, 29), -3, false), Some(d(2002, 10, 29)));
        let start = |day: i64, n: i64, fm: i64, shift: i64| {
            months_period_start(day, n, fm, shift).map(|x| x as i64)
        };
        assert_eq!(start(d(2013, 10, 29), 3, 1, 0), Some(d(2013, 10, 1)));
        assert_eq!(start(d(2013, 10, 29), 3, 3, 0), Some(d(2013, 9, 1)));
        assert_eq!(start(d(2013, 10, 29), 12, 4, -1), Some(d(2012, 4, 1)));
        assert_eq!(start(d(2013, 2, 1), 12, 4, 0), Some(d(2012, 4, 1)));
    }
}
