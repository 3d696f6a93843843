//! Qlik's date and time format codes: writing a serial with a format ([`format_date`],
//! [`format_interval`]) and reading text with one ([`parse_date`]).
//!
//! Codes: `YYYY` / `YY` year; `M` / `MM` month number, `MMM` / `MMMM` its short / long name; `D` / `DD`
//! day; `W` weekday number (0 Monday), `WWW` / `WWWW` its short / long name; `h` / `hh` hour (1 to 12 when
//! the format has `TT`); `m` / `mm` minute; `s` / `ss` second; `f`, `ff`, `fff` fractions of a second;
//! `TT` AM/PM. `[...]` marks a part that may be missing when reading. Everything else is copied. `Y`, `D`
//! and `W` may be written in lower case too; `M` (month) and `m` (minute) differ by case.

use super::{parts, DAY_MS};
use crate::locale::Locale;

/// One piece of a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Year(usize),
    Month(usize),
    Day(usize),
    Weekday(usize),
    Hour(usize),
    Minute(usize),
    Second(usize),
    Fraction(usize),
    AmPm,
    Lit(char),
    OptStart,
    OptEnd,
}

fn tokens(format: &str) -> Vec<Tok> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let run = chars
            .get(i..)
            .map_or(0, |r| r.iter().take_while(|&&x| x == c).count());
        let tok = match c {
            'Y' | 'y' => Tok::Year(run),
            'M' => Tok::Month(run),
            'D' | 'd' => Tok::Day(run),
            'W' | 'w' => Tok::Weekday(run),
            'h' | 'H' => Tok::Hour(run),
            'm' => Tok::Minute(run),
            's' | 'S' => Tok::Second(run),
            'f' | 'F' => Tok::Fraction(run),
            'T' | 't'
                if chars
                    .get(i + 1)
                    .is_some_and(|n| n.eq_ignore_ascii_case(&'t')) =>
            {
                i += 2;
                out.push(Tok::AmPm);
                continue;
            }
            '[' => Tok::OptStart,
            ']' => Tok::OptEnd,
            _ => Tok::Lit(c),
        };
        let len = match tok {
            Tok::Lit(_) | Tok::OptStart | Tok::OptEnd => 1,
            _ => run,
        };
        out.push(tok);
        i += len;
    }
    out
}

fn name(list: &[String], i: i64) -> &str {
    usize::try_from(i)
        .ok()
        .and_then(|i| list.get(i))
        .map_or("", String::as_str)
}

/// `serial` written with the date/time format `format`; `None` when the serial is out of range.
pub fn format_date(serial: f64, format: &str, locale: &Locale) -> Option<String> {
    let p = parts(serial)?;
    let toks = tokens(format);
    let twelve = toks.contains(&Tok::AmPm);
    let mut out = String::with_capacity(format.len() + 8);
    let mut k = 0;
    while let Some(&t) = toks.get(k) {
        k += 1;
        match t {
            Tok::Year(n) if n <= 2 => push_num(&mut out, p.year.rem_euclid(100), 2),
            Tok::Year(_) => push_num(&mut out, p.year, 4),
            Tok::Month(n) if n >= 4 => out.push_str(name(&locale.long_month_names, p.month - 1)),
            Tok::Month(3) => out.push_str(name(&locale.month_names, p.month - 1)),
            Tok::Month(n) => push_num(&mut out, p.month, n),
            Tok::Day(n) => push_num(&mut out, p.day, n.min(2)),
            Tok::Weekday(n) if n >= 4 => out.push_str(name(&locale.long_day_names, p.weekday)),
            Tok::Weekday(n) if n >= 2 => out.push_str(name(&locale.day_names, p.weekday)),
            Tok::Weekday(_) => push_num(&mut out, p.weekday, 1),
            Tok::Hour(n) if twelve => push_num(&mut out, (p.hour + 11) % 12 + 1, n.min(2)),
            Tok::Hour(n) => push_num(&mut out, p.hour, n.min(2)),
            Tok::Minute(n) => push_num(&mut out, p.minute, n.min(2)),
            Tok::Second(n) => push_num(&mut out, p.second, n.min(2)),
            Tok::Fraction(n) => push_fraction(&mut out, p.milli, n),
            Tok::AmPm => out.push_str(if p.hour < 12 { "AM" } else { "PM" }),
            Tok::Lit(c) => out.push(c),
            Tok::OptStart => {
                // An optional part whose time fields are all zero is left out (`[.fff]`).
                let inner = toks.get(k..).unwrap_or(&[]);
                let len = inner
                    .iter()
                    .position(|t| *t == Tok::OptEnd)
                    .unwrap_or(inner.len());
                let zero = inner.get(..len).unwrap_or(&[]).iter().all(|t| match t {
                    Tok::Fraction(_) => p.milli == 0,
                    Tok::Second(_) => p.second == 0,
                    Tok::Minute(_) => p.minute == 0,
                    Tok::Lit(_) => true,
                    _ => false,
                });
                if zero {
                    k += len;
                }
            }
            Tok::OptEnd => {}
        }
    }
    Some(out)
}

/// `n` with at least `width` digits (a minus sign before them).
fn push_num(out: &mut String, n: i64, width: usize) {
    if n < 0 {
        out.push('-');
    }
    let digits = n.unsigned_abs().to_string();
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

/// The first `n` digits of a millisecond count as a fraction (`f` tenths, `ff` hundredths, ...).
fn push_fraction(out: &mut String, milli: i64, n: usize) {
    let digits = format!("{milli:03}");
    out.extend(digits.chars().chain(std::iter::repeat('0')).take(n));
}

/// A duration of `days` written with `format`: the largest unit the format has (days, hours, minutes
/// or seconds) takes the whole duration (`Interval(1.375, 'hh:mm')` is `33:00`); `TT` is ignored.
/// `None` when out of range.
pub fn format_interval(days: f64, format: &str) -> Option<String> {
    if !super::in_range(days) {
        return None;
    }
    let total = (days.abs() * DAY_MS as f64).round() as i64;
    let toks = tokens(format);
    let has = |f: fn(&Tok) -> bool| toks.iter().any(f);
    let unit_ms = [
        (has(|t| matches!(t, Tok::Day(_))), DAY_MS),
        (has(|t| matches!(t, Tok::Hour(_))), 3_600_000),
        (has(|t| matches!(t, Tok::Minute(_))), 60_000),
        (has(|t| matches!(t, Tok::Second(_))), 1000),
    ];
    // Each unit counts what is left after the larger units the format shows.
    let mut left = total;
    let mut amounts = [0i64; 4];
    for (k, &(shown, ms)) in unit_ms.iter().enumerate() {
        if shown {
            amounts[k] = left / ms;
            left %= ms;
        }
    }
    let mut out = String::new();
    if days < 0.0 && total > 0 {
        out.push('-');
    }
    for t in toks {
        match t {
            Tok::Day(n) => push_num(&mut out, amounts[0], n.min(2)),
            Tok::Hour(n) => push_num(&mut out, amounts[1], n.min(2)),
            Tok::Minute(n) => push_num(&mut out, amounts[2], n.min(2)),
            Tok::Second(n) => push_num(&mut out, amounts[3], n.min(2)),
            Tok::Fraction(n) => push_fraction(&mut out, left % 1000, n),
            Tok::Lit(c) => out.push(c),
            _ => {}
        }
    }
    Some(out.trim_end().to_string())
}

/// Reads a duration written with `format` (`Interval#('1 09:00', 'D hh:mm')` is 1.375): each of days,
/// hours, minutes and seconds may be as large as the text says; `None` when the text does not fit.
pub fn parse_interval(text: &str, format: &str) -> Option<f64> {
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    let mut ms = 0f64;
    for tok in tokens(format) {
        let unit = match tok {
            Tok::Day(_) => DAY_MS as f64,
            Tok::Hour(_) => 3_600_000.0,
            Tok::Minute(_) => 60_000.0,
            Tok::Second(_) => 1000.0,
            Tok::Fraction(_) => {
                let start = i;
                let f = digits(&chars, &mut i, 3)?;
                ms += (f * 10i64.pow(3 - (i - start) as u32)) as f64;
                continue;
            }
            Tok::Lit(c) => {
                if chars.get(i) == Some(&c) {
                    i += 1;
                } else if !c.is_whitespace() {
                    return None;
                }
                continue;
            }
            _ => continue,
        };
        ms += digits(&chars, &mut i, 12)? as f64 * unit;
    }
    if i != chars.len() {
        return None;
    }
    let days = ms / DAY_MS as f64;
    Some(if negative { -days } else { days })
}

/// What reading a text found.
#[derive(Default)]
struct Read {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    hour: i64,
    minute: i64,
    second: i64,
    milli: i64,
    pm: Option<bool>,
}

/// Reads `text` with the date/time format `format`: the serial it stands for (a text with only a time
/// gives a fraction of a day), `None` when it does not fit. Two-digit years are 1950 to 2049.
pub fn parse_date(text: &str, format: &str, locale: &Locale) -> Option<f64> {
    let chars: Vec<char> = text.trim().chars().collect();
    let toks = tokens(format);
    let mut r = Read::default();
    let mut i = 0;
    let mut k = 0;
    while let Some(&t) = toks.get(k) {
        k += 1;
        if t == Tok::OptStart {
            // An optional part is skipped when the text does not go on with it.
            let next_lit = toks.get(k).and_then(|t| match t {
                Tok::Lit(c) => Some(*c),
                _ => None,
            });
            let present = match (chars.get(i), next_lit) {
                (None, _) => false,
                (Some(c), Some(l)) => *c == l,
                (Some(_), None) => true,
            };
            if !present {
                while toks.get(k).is_some_and(|t| *t != Tok::OptEnd) {
                    k += 1;
                }
            }
            continue;
        }
        read_token(t, &chars, &mut i, &mut r, locale)?;
    }
    if i != chars.len() {
        return None;
    }
    serial_of(&r)
}

/// Reads one format token at `chars[*i..]` into `r`.
fn read_token(t: Tok, chars: &[char], i: &mut usize, r: &mut Read, locale: &Locale) -> Option<()> {
    match t {
        Tok::Year(n) if n <= 2 => {
            let y = digits(chars, i, 2)?;
            r.year = Some(if y < 50 { 2000 + y } else { 1900 + y });
        }
        Tok::Year(_) => r.year = Some(digits(chars, i, 4)?),
        Tok::Month(n) if n >= 3 => {
            let list = if n >= 4 {
                &locale.long_month_names
            } else {
                &locale.month_names
            };
            r.month = Some(read_name(chars, i, list)? + 1);
        }
        Tok::Month(_) => r.month = Some(digits(chars, i, 2)?),
        Tok::Day(_) => r.day = Some(digits(chars, i, 2)?),
        Tok::Weekday(n) if n >= 2 => {
            let list = if n >= 4 {
                &locale.long_day_names
            } else {
                &locale.day_names
            };
            read_name(chars, i, list)?;
        }
        Tok::Weekday(_) => {
            digits(chars, i, 1)?;
        }
        Tok::Hour(_) => r.hour = digits(chars, i, 2)?,
        Tok::Minute(_) => r.minute = digits(chars, i, 2)?,
        Tok::Second(_) => r.second = digits(chars, i, 2)?,
        Tok::Fraction(_) => {
            let start = *i;
            let f = digits(chars, i, 3)?;
            r.milli = f * 10i64.pow(3 - (*i - start) as u32);
        }
        Tok::AmPm => {
            let two: String = chars.get(*i..*i + 2)?.iter().collect();
            r.pm = Some(match two.to_ascii_uppercase().as_str() {
                "AM" => false,
                "PM" => true,
                _ => return None,
            });
            *i += 2;
        }
        Tok::Lit(c) => {
            if chars.get(*i) == Some(&c) {
                *i += 1;
            } else if !c.is_whitespace() {
                return None;
            }
        }
        Tok::OptStart | Tok::OptEnd => {}
    }
    Some(())
}

/// Up to `max` decimal digits at `chars[*i..]`, at least one.
fn digits(chars: &[char], i: &mut usize, max: usize) -> Option<i64> {
    let mut v = 0i64;
    let start = *i;
    while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
        if *i - start == max {
            break;
        }
        v = v * 10 + i64::from(d);
        *i += 1;
    }
    (*i > start).then_some(v)
}

/// The index of the longest name of `list` that `chars[*i..]` starts with, any case.
fn read_name(chars: &[char], i: &mut usize, list: &[String]) -> Option<i64> {
    let rest: String = chars.get(*i..)?.iter().collect::<String>().to_lowercase();
    let (k, len) = list
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.is_empty() && rest.starts_with(&n.to_lowercase()))
        .map(|(k, n)| (k, n.chars().count()))
        .max_by_key(|&(_, len)| len)?;
    *i += len;
    i64::try_from(k).ok()
}

fn serial_of(r: &Read) -> Option<f64> {
    let mut hour = r.hour;
    if let Some(pm) = r.pm {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    if hour > 23 || r.minute > 59 || r.second > 59 {
        return None;
    }
    let has_date = r.year.is_some() || r.month.is_some() || r.day.is_some();
    let date = if has_date {
        let (y, m, d) = (
            r.year.unwrap_or(1899),
            r.month.unwrap_or(1),
            r.day.unwrap_or(1),
        );
        if !(1..=12).contains(&m) || !(1..=super::days_in_month(y, m)).contains(&d) {
            return None;
        }
        super::make_date(y, m, d)?
    } else {
        0.0
    };
    let ms = ((hour * 60 + r.minute) * 60 + r.second) * 1000 + r.milli;
    Some(date + ms as f64 / DAY_MS as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_reads_dates() {
        let l = Locale::default();
        let f = |s: f64, fmt: &str| format_date(s, fmt, &l).unwrap_or_default();
        assert_eq!(f(40182.0, "YYYY-MM-DD"), "2010-01-04");
        assert_eq!(f(40182.0, "M/D/YYYY"), "1/4/2010");
        assert_eq!(f(40182.75, "M/D/YYYY h:mm:ss TT"), "1/4/2010 6:00:00 PM");
        assert_eq!(f(40182.0, "WWW DD MMM YY"), "Mon 04 Jan 10");
        assert_eq!(f(40182.0, "WWWW D MMMM YYYY W"), "Monday 4 January 2010 0");
        assert_eq!(f(40182.5, "hh:mm:ss.fff"), "12:00:00.000");
        assert_eq!(
            f(40182.0, "M/D/YYYY h:mm:ss[.fff] TT"),
            "1/4/2010 12:00:00 AM"
        );
        assert_eq!(
            f(40182.5 + 0.25 / 86_400.0, "hh:mm:ss[.fff]"),
            "12:00:00.250",
            "an optional part that is not zero is shown"
        );
        let p = |t: &str, fmt: &str| parse_date(t, fmt, &l);
        assert_eq!(p("2010-01-04", "YYYY-MM-DD"), Some(40182.0));
        assert_eq!(p("1/4/2010", "M/D/YYYY"), Some(40182.0));
        assert_eq!(p("4 jan 2010", "D MMM YYYY"), Some(40182.0));
        assert_eq!(p("2010-13-01", "YYYY-MM-DD"), None);
        assert_eq!(p("2010-02-30", "YYYY-MM-DD"), None);
        assert_eq!(p("garbage", "YYYY-MM-DD"), None);
        assert_eq!(
            p("1/4/2010 6:00:00 PM", "M/D/YYYY h:mm:ss[.fff] TT"),
            Some(40182.75)
        );
        assert_eq!(
            p("2010-01-04 18:00:00", "YYYY-MM-DD hh:mm:ss[.fff]"),
            Some(40182.75)
        );
        assert_eq!(p("09:00", "hh:mm"), Some(0.375));
        assert_eq!(p("12/31/99", "MM/DD/YY"), Some(36525.0));
    }

    #[test]
    fn intervals_give_the_largest_unit_everything() {
        let i = |d: f64, fmt: &str| format_interval(d, fmt).unwrap_or_default();
        // Qlik's Interval examples.
        assert_eq!(i(0.375, "h:mm:ss"), "9:00:00");
        assert_eq!(i(1.375, "hh:mm"), "33:00");
        assert_eq!(i(35.648, "h:mm:ss"), "855:33:07");
        assert_eq!(i(35.648, "d hh:mm"), "35 15:33");
        assert_eq!(i(0.375, "d hh"), "0 09");
        assert_eq!(i(468.95, "h:mm:ss"), "11254:48:00");
        assert_eq!(i(-0.5, "hh:mm"), "-12:00");
        assert_eq!(parse_interval("1 09:00", "D hh:mm"), Some(1.375));
        assert_eq!(parse_interval("33:00", "hh:mm"), Some(1.375));
        assert_eq!(parse_interval("-12:00", "hh:mm"), Some(-0.5));
        assert_eq!(parse_interval("x", "hh:mm"), None);
    }
}
