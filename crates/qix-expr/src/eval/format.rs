//! Formatting functions: `Num` and `Money` (a number with a format code and separators), `Date`,
//! `Time`, `Timestamp` and `Interval` (a number with a date/time format code), and `Dual`. Each gives a
//! dual: the number unchanged, with its text; formats and separators default to the locale's.

use super::args::Args;
use super::{num, MAX_TEXT};
use crate::dates::format::{format_date, format_interval};
use crate::locale::Locale;
use crate::value::{format_with_pattern, Value};

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    Some(match name {
        "Num" => number(args, None, &locale.decimal_sep, &locale.thousand_sep),
        "Money" => number(
            args,
            Some(&locale.money_format),
            &locale.money_decimal_sep,
            &locale.money_thousand_sep,
        ),
        "Date" | "Time" | "Timestamp" => {
            let default = match name {
                "Date" => &locale.date_format,
                "Time" => &locale.time_format,
                _ => &locale.timestamp_format,
            };
            let Some(x) = args.date(0, locale) else {
                return Some(Value::Null);
            };
            let format = args.text_opt(1).unwrap_or_else(|| default.clone());
            date_dual(x, &format, locale)
        }
        "Interval" => {
            let Some(x) = args.date(0, locale) else {
                return Some(Value::Null);
            };
            let format = args
                .text_opt(1)
                .unwrap_or_else(|| locale.time_format.clone());
            match format_interval(x, &format) {
                Some(text) => Value::Dual(text, x),
                None => Value::Null,
            }
        }
        "Dual" => {
            let text = args.text(0).unwrap_or_default();
            match args.num(1) {
                Some(x) => Value::Dual(text, x),
                None => Value::Text(text),
            }
        }
        _ => return None,
    })
}

/// `x` as a dual with its text in the date/time `format`; `Null` when out of the calendar's range.
pub(super) fn date_dual(x: f64, format: &str, locale: &Locale) -> Value {
    match format_date(x, format, locale) {
        Some(text) => Value::Dual(text, x),
        None => Value::Null,
    }
}

/// `Num(x, format, decimal separator, thousands separator)` and `Money(...)`: `x` as a dual with its
/// text in the format (`default_format` when none is given; `Num` without one gives the number
/// itself). A decimal separator given without a thousands separator makes the thousands separator
/// the other of `.` and `,`.
fn number(args: &mut Args, default_format: Option<&str>, dec: &str, thou: &str) -> Value {
    let Some(x) = args.num(0) else {
        return Value::Null;
    };
    let format = args
        .text_opt(1)
        .or_else(|| default_format.map(str::to_string));
    let Some(format) = format else {
        return num(x);
    };
    let given_dec = args.text_opt(2);
    let given_thou = args.text(3);
    let thou = match (&given_dec, given_thou) {
        (_, Some(t)) => t,
        (Some(d), None) if d == "," => ".".to_string(),
        (Some(_), None) => ",".to_string(),
        (None, None) => thou.to_string(),
    };
    let dec = given_dec.unwrap_or_else(|| dec.to_string());
    // A number has at most a few hundred digits, so about 120 separators.
    if thou.len().saturating_mul(128) > MAX_TEXT {
        return Value::Null;
    }
    Value::Dual(format_with_pattern(x, &format, &dec, &thou), x)
}
