//! Calendar ticks: a continuous axis over a date or timestamp field (tagged `$date` / `$timestamp`)
//! gets its ticks on calendar boundaries — whole minutes, hours, days, weeks, months or years — instead
//! of round numbers of days, each labelled as its unit reads (`2024`, `Mar 2024`, a date in the app's
//! DateFormat, a timestamp in its TimestampFormat).
//!
//! The step is the finest of a fixed ladder (1, 5, 15, 30 minutes; 1, 3, 6, 12 hours; 1, 2 days; a week;
//! 1, 3, 6 months; 1, 2, 5, 10, ... years) whose intervals covering the range are at most the ticks
//! asked for; a date field (whole days) starts the ladder at a day. Months and years are calendar
//! months and years (their lengths vary), weeks start on the app's first week day. This module only
//! places the ticks; [`super::continuous`] answers the request.

use qix_expr::dates::{self, format::format_date};
use qix_expr::Locale;

/// Minutes in a day.
const DAY_MINUTES: f64 = 1440.0;

/// One rung of the ladder.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    /// `n` minutes (`n` divides an hour or a day).
    Minutes(i64),
    /// `n` days.
    Days(i64),
    /// A week, from the first week day.
    Week,
    /// `n` calendar months, from January.
    Months(i64),
    /// `n` calendar years, from a multiple of `n`.
    Years(i64),
}

/// The ladder, finest first.
const LADDER: &[Step] = &[
    Step::Minutes(1),
    Step::Minutes(5),
    Step::Minutes(15),
    Step::Minutes(30),
    Step::Minutes(60),
    Step::Minutes(180),
    Step::Minutes(360),
    Step::Minutes(720),
    Step::Days(1),
    Step::Days(2),
    Step::Week,
    Step::Months(1),
    Step::Months(3),
    Step::Months(6),
    Step::Years(1),
    Step::Years(2),
    Step::Years(5),
    Step::Years(10),
    Step::Years(20),
    Step::Years(50),
    Step::Years(100),
    Step::Years(500),
    Step::Years(1000),
];

impl Step {
    /// Its length in days, at least (a month counts 28, a year 365): the count of intervals it makes
    /// is bounded by the range over this.
    fn min_days(self) -> f64 {
        match self {
            Step::Minutes(n) => n as f64 / DAY_MINUTES,
            Step::Days(n) => n as f64,
            Step::Week => 7.0,
            Step::Months(n) => 28.0 * n as f64,
            Step::Years(n) => 365.0 * n as f64,
        }
    }

    /// The start of the interval holding serial `t`.
    fn floor(self, t: f64, locale: &Locale) -> Option<f64> {
        let p = dates::parts(t)?;
        Some(match self {
            Step::Minutes(n) => {
                let minutes = p.hour * 60 + p.minute;
                p.day_serial as f64 + (minutes - minutes.rem_euclid(n)) as f64 / DAY_MINUTES
            }
            Step::Days(n) => (p.day_serial - p.day_serial.rem_euclid(n)) as f64,
            Step::Week => dates::week_start(p.day_serial, locale.first_week_day.into()) as f64,
            Step::Months(n) => {
                let i = dates::month_index(p.year, p.month);
                let (y, m) = dates::from_month_index(i - i.rem_euclid(n));
                dates::make_date(y, m, 1)?
            }
            Step::Years(n) => dates::make_date(p.year - p.year.rem_euclid(n), 1, 1)?,
        })
    }

    /// The start of the interval after the one starting at `t`.
    fn next(self, t: f64) -> Option<f64> {
        match self {
            // Minutes rounded to the minute so that steps do not drift.
            Step::Minutes(n) => Some(((t * DAY_MINUTES).round() + n as f64) / DAY_MINUTES),
            Step::Days(n) => Some(t + n as f64),
            Step::Week => Some(t + 7.0),
            Step::Months(n) => dates::add_months(t, n, false),
            Step::Years(n) => dates::add_months(t, n.checked_mul(12)?, false),
        }
    }

    /// A tick's label.
    fn label(self, t: f64, locale: &Locale) -> String {
        let format = match self {
            Step::Minutes(_) => locale.timestamp_format.as_str(),
            Step::Days(_) | Step::Week => locale.date_format.as_str(),
            Step::Months(_) => "MMM YYYY",
            Step::Years(_) => "YYYY",
        };
        format_date(t, format, locale).unwrap_or_default()
    }
}

/// The ticks over serials `lo..=hi`: `(label, start, end)` intervals of the finest calendar step that
/// makes at most `max` of them (and at most `cap`); `whole_days` for a date field (no step under a day).
pub fn ticks(
    lo: f64,
    hi: f64,
    max: usize,
    cap: usize,
    whole_days: bool,
    locale: &Locale,
) -> Vec<(String, f64, f64)> {
    let max = max.min(cap);
    if !(dates::in_range(lo) && dates::in_range(hi)) || hi <= lo || max == 0 {
        return Vec::new();
    }
    let ladder = LADDER.iter().filter(|s| !whole_days || s.min_days() >= 1.0);
    for &step in ladder {
        // Cheap bound first: intervals of at least min_days each.
        if (hi - lo) / step.min_days() > max as f64 + 1.0 {
            continue;
        }
        if let Some(out) = place(step, lo, hi, max, locale) {
            return out;
        }
    }
    Vec::new()
}

/// The intervals of `step` covering `lo..=hi`, or `None` when they are more than `max`.
fn place(
    step: Step,
    lo: f64,
    hi: f64,
    max: usize,
    locale: &Locale,
) -> Option<Vec<(String, f64, f64)>> {
    let mut out = Vec::new();
    let mut t = step.floor(lo, locale)?;
    while t < hi {
        let end = step.next(t).filter(|e| *e > t)?;
        if out.len() == max {
            return None;
        }
        out.push((step.label(t, locale), t, end));
        t = end;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i64, m: i64, d: i64) -> f64 {
        dates::make_date(y, m, d).unwrap_or(f64::NAN)
    }

    fn labels(t: &[(String, f64, f64)]) -> Vec<&str> {
        t.iter().map(|x| x.0.as_str()).collect()
    }

    #[test]
    fn years_months_and_days_fall_on_calendar_boundaries() {
        let l = Locale::default();
        let years = ticks(date(2019, 6, 15), date(2024, 2, 1), 8, 1000, true, &l);
        assert_eq!(
            labels(&years),
            vec!["2019", "2020", "2021", "2022", "2023", "2024"]
        );
        assert_eq!(
            (years[1].1, years[1].2),
            (date(2020, 1, 1), date(2021, 1, 1))
        );
        let quarters = ticks(date(2024, 2, 10), date(2024, 12, 31), 5, 1000, true, &l);
        assert_eq!(
            labels(&quarters),
            vec!["Jan 2024", "Apr 2024", "Jul 2024", "Oct 2024"]
        );
        assert_eq!(quarters[1].1, date(2024, 4, 1));
        // Ten days in at most twelve ticks: days (a date field never gets hours).
        let days = ticks(date(2024, 3, 1), date(2024, 3, 10), 12, 1000, true, &l);
        assert_eq!(days.len(), 9);
        assert_eq!(
            days[0].0,
            format_date(date(2024, 3, 1), &l.date_format, &l).unwrap_or_default()
        );
        let one_day = ticks(date(2024, 3, 1), date(2024, 3, 2), 12, 1000, true, &l);
        assert_eq!(one_day.len(), 1);
    }

    #[test]
    fn timestamps_get_hours_and_minutes_and_weeks_start_on_the_first_week_day() {
        let l = Locale::default();
        let day = date(2024, 3, 1);
        let hours = ticks(day + 0.1, day + 0.9, 8, 1000, false, &l);
        assert!(hours.len() <= 8 && hours.len() >= 4, "{hours:?}");
        assert_eq!(hours[0].1, day, "3-hour steps from midnight");
        assert!((hours[1].1 - (day + 0.125)).abs() < 1e-9);
        let weeks = ticks(date(2024, 3, 1), date(2024, 3, 28), 5, 1000, true, &l);
        let first = dates::parts(weeks[0].1).map(|p| p.weekday);
        assert_eq!(first, Some(i64::from(l.first_week_day)));
    }

    #[test]
    fn out_of_range_or_empty_ranges_have_no_ticks_and_the_cap_holds() {
        let l = Locale::default();
        assert!(ticks(f64::NAN, 1.0, 5, 1000, true, &l).is_empty());
        assert!(ticks(5.0, 5.0, 5, 1000, true, &l).is_empty());
        assert!(ticks(0.0, 1e12, 5, 1000, true, &l).is_empty());
        // A huge max is held to the cap: a year of minutes has no step within 10 ticks but years.
        let capped = ticks(
            date(2020, 1, 1),
            date(2030, 1, 1),
            usize::MAX,
            10,
            false,
            &l,
        );
        assert!(capped.len() <= 10 && !capped.is_empty());
    }
}
