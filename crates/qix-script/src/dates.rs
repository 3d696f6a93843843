//! Dates and times as Qlik keeps them: serial numbers of days since 1899-12-30 (the fraction is the time
//! of day), shown through format strings such as `M/D/YYYY` or `YYYY-MM-DD hh:mm:ss[.fff]`.

/// Month and day names used by formats (the script's `MonthNames` / `DayNames` when set).
#[derive(Debug, Clone)]
pub struct Names {
    /// Short month names.
    pub months: Vec<String>,
    /// Long month names.
    pub long_months: Vec<String>,
    /// Short day names, Monday first.
    pub days: Vec<String>,
    /// Long day names, Monday first.
    pub long_days: Vec<String>,
}

impl Default for Names {
    fn default() -> Names {
        let v = |s: &str| s.split(';').map(str::to_string).collect::<Vec<_>>();
        Names {
            months: v("Jan;Feb;Mar;Apr;May;Jun;Jul;Aug;Sep;Oct;Nov;Dec"),
            long_months: v("January;February;March;April;May;June;July;August;September;October;November;December"),
            days: v("Mon;Tue;Wed;Thu;Fri;Sat;Sun"),
            long_days: v("Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday"),
        }
    }
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 1899-12-30 in days since 1970-01-01.
const EPOCH: i64 = -25_569;

/// The serial number of a date.
pub fn make_date(y: i64, m: i64, d: i64) -> f64 {
    (days_from_civil(y, m, d) - EPOCH) as f64
}

/// Parts of a serial number: year, month, day, hour, minute, second, millisecond, weekday (Monday 0).
pub fn parts(serial: f64) -> (i64, i64, i64, i64, i64, i64, i64, i64) {
    let days = serial.floor();
    let (y, m, d) = civil_from_days(days as i64 + EPOCH);
    let ms_total = ((serial - days) * 86_400_000.0).round() as i64;
    let (h, rest) = (ms_total / 3_600_000, ms_total % 3_600_000);
    let (mi, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    // 1899-12-30 was a Saturday (weekday 5 with Monday 0).
    let wd = (days as i64 + 5).rem_euclid(7);
    (y, m, d, h, mi, s, ms, wd)
}

/// ISO-8601 week number.
pub fn iso_week(serial: f64) -> i64 {
    let (.., wd) = parts(serial);
    let thursday = serial.floor() - wd as f64 + 3.0;
    let (y, ..) = parts(thursday);
    let jan1 = make_date(y, 1, 1);
    ((thursday - jan1) / 7.0).floor() as i64 + 1
}

/// Tokens of a format string.
fn tokens(fmt: &str) -> Vec<String> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, 'Y' | 'M' | 'D' | 'W' | 'h' | 'm' | 's' | 'f' | 'T' | 't') {
            let mut j = i;
            while j < chars.len() && chars[j] == c {
                j += 1;
            }
            out.push(chars[i..j].iter().collect());
            i = j;
        } else if c == '[' || c == ']' {
            i += 1; // optional parts are always shown
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// Formats a serial number.
pub fn format(serial: f64, fmt: &str, names: &Names) -> String {
    let (y, m, d, h, mi, s, ms, wd) = parts(serial);
    let mut out = String::new();
    for t in tokens(fmt) {
        match t.as_str() {
            "YYYY" => out.push_str(&format!("{y:04}")),
            "YY" => out.push_str(&format!("{:02}", y.rem_euclid(100))),
            "MMMM" => out.push_str(
                names
                    .long_months
                    .get(m as usize - 1)
                    .map_or("", String::as_str),
            ),
            "MMM" => out.push_str(names.months.get(m as usize - 1).map_or("", String::as_str)),
            "MM" => out.push_str(&format!("{m:02}")),
            "M" => out.push_str(&m.to_string()),
            "DD" => out.push_str(&format!("{d:02}")),
            "D" => out.push_str(&d.to_string()),
            "WWWW" => out.push_str(names.long_days.get(wd as usize).map_or("", String::as_str)),
            "WWW" | "W" => out.push_str(names.days.get(wd as usize).map_or("", String::as_str)),
            "hh" => out.push_str(&format!(
                "{:02}",
                if fmt.contains("TT") {
                    (h + 11) % 12 + 1
                } else {
                    h
                }
            )),
            "h" => out.push_str(
                &(if fmt.contains("TT") {
                    (h + 11) % 12 + 1
                } else {
                    h
                })
                .to_string(),
            ),
            "mm" => out.push_str(&format!("{mi:02}")),
            "ss" => out.push_str(&format!("{s:02}")),
            "fff" => out.push_str(&format!("{ms:03}")),
            "TT" | "tt" => out.push_str(if h < 12 { "AM" } else { "PM" }),
            other => out.push_str(other),
        }
    }
    out
}

/// Parses `text` with a format; `None` when it does not fit.
pub fn parse(text: &str, fmt: &str, names: &Names) -> Option<f64> {
    let chars: Vec<char> = text.trim().chars().collect();
    let mut i = 0;
    let (mut y, mut m, mut d, mut h, mut mi, mut s, mut ms) =
        (1899i64, 12i64, 30i64, 0i64, 0i64, 0i64, 0i64);
    let mut pm = None;
    let mut has_date = false;
    let digits = |i: &mut usize, max: usize| -> Option<i64> {
        let start = *i;
        while *i < chars.len() && *i - start < max && chars[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        chars[start..*i].iter().collect::<String>().parse().ok()
    };
    let toks = tokens(fmt);
    for t in &toks {
        match t.as_str() {
            "YYYY" => {
                y = digits(&mut i, 4)?;
                has_date = true;
            }
            "YY" => {
                y = 2000 + digits(&mut i, 2)?;
                has_date = true;
            }
            "MMMM" | "MMM" => {
                let rest: String = chars[i..].iter().collect::<String>().to_lowercase();
                let list = if t == "MMMM" {
                    &names.long_months
                } else {
                    &names.months
                };
                let (k, len) = list
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| !n.is_empty() && rest.starts_with(&n.to_lowercase()))
                    .map(|(k, n)| (k, n.chars().count()))
                    .max_by_key(|x| x.1)?;
                m = k as i64 + 1;
                i += len;
                has_date = true;
            }
            "MM" | "M" => {
                m = digits(&mut i, 2)?;
                has_date = true;
            }
            "DD" | "D" => {
                d = digits(&mut i, 2)?;
                has_date = true;
            }
            "hh" | "h" => h = digits(&mut i, 2)?,
            "mm" => mi = digits(&mut i, 2)?,
            "ss" => s = digits(&mut i, 2)?,
            "fff" => {
                if i < chars.len() && chars[i].is_ascii_digit() {
                    ms = digits(&mut i, 3)?
                }
            }
            "TT" | "tt" => {
                let rest: String = chars[i..].iter().take(2).collect::<String>().to_uppercase();
                pm = Some(rest == "PM");
                i += 2.min(chars.len() - i);
            }
            "WWW" | "WWWW" | "W" => {
                while i < chars.len() && chars[i].is_alphabetic() {
                    i += 1;
                }
            }
            lit => {
                // Literal separators; an optional fraction may be missing.
                if i < chars.len() && lit.starts_with(chars[i]) {
                    i += 1;
                } else if lit == "." && i >= chars.len() {
                } else if !lit.trim().is_empty() {
                    return None;
                } else if i < chars.len() && chars[i].is_whitespace() {
                    i += 1;
                }
            }
        }
    }
    if i != chars.len()
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || h > 23
        || mi > 59
        || s > 59
    {
        return None;
    }
    if let Some(pm) = pm {
        h = h % 12 + if pm { 12 } else { 0 };
    }
    let date = if has_date { make_date(y, m, d) } else { 0.0 };
    Some(date + (h as f64 * 3600.0 + mi as f64 * 60.0 + s as f64 + ms as f64 / 1000.0) / 86_400.0)
}

/// Now, as a serial number (UTC).
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

    #[test]
    fn serials_formats_and_parsing() {
        let n = Names::default();
        assert_eq!(make_date(1899, 12, 30), 0.0);
        assert_eq!(make_date(2010, 1, 4), 40182.0);
        assert_eq!(format(40182.0, "YYYY-MM-DD", &n), "2010-01-04");
        assert_eq!(format(40182.0, "M/D/YYYY", &n), "1/4/2010");
        assert_eq!(
            format(40182.75, "M/D/YYYY h:mm:ss TT", &n),
            "1/4/2010 6:00:00 PM"
        );
        assert_eq!(format(40182.0, "WWW DD MMM YY", &n), "Mon 04 Jan 10");
        assert_eq!(parse("2010-01-04", "YYYY-MM-DD", &n), Some(40182.0));
        assert_eq!(parse("1/4/2010", "M/D/YYYY", &n), Some(40182.0));
        assert_eq!(parse("4 Jan 2010", "D MMM YYYY", &n), Some(40182.0));
        assert_eq!(parse("2010-13-01", "YYYY-MM-DD", &n), None);
        assert_eq!(parse("garbage", "YYYY-MM-DD", &n), None);
        let t = parse("2010-01-04 18:00:00", "YYYY-MM-DD hh:mm:ss[.fff]", &n).unwrap();
        assert!((t - 40182.75).abs() < 1e-9);
        assert_eq!(parts(40182.0).7, 0, "a Monday");
        assert_eq!(iso_week(make_date(2021, 1, 1)), 53);
        assert_eq!(iso_week(make_date(2021, 1, 4)), 1);
    }
}
