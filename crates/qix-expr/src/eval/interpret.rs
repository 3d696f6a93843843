//! Interpretation functions: `Num#` and `Money#` (the number a text stands for, with a format code and
//! separators), `Date#`, `Time#`, `Timestamp#` and `Interval#` (with a date/time format code), and
//! `Text`. Each keeps the text it read: the result is a dual of that text and its number, `Null` when
//! the text does not fit; formats and separators default to the locale's.

use super::args::Args;
use crate::dates::format::{parse_date, parse_interval};
use crate::locale::Locale;
use crate::value::{parse_number, Value};

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args, locale: &Locale) -> Option<Value> {
    let (text, read) = match name {
        "Text" => {
            return Some(match args.text(0) {
                Some(s) => Value::Text(s),
                None => Value::Null,
            });
        }
        "Num#" | "Money#" => {
            let money = name == "Money#";
            // The format code only says which decorations to expect; any are read (`read_number`).
            let text = args.text(0);
            let dec = args.text_opt(2).unwrap_or_else(|| {
                if money {
                    locale.money_decimal_sep.clone()
                } else {
                    locale.decimal_sep.clone()
                }
            });
            let thou = args.text(3).unwrap_or_else(|| {
                if money {
                    locale.money_thousand_sep.clone()
                } else {
                    locale.thousand_sep.clone()
                }
            });
            let read = text.as_deref().and_then(|t| read_number(t, &dec, &thou));
            (text, read)
        }
        "Date#" | "Time#" | "Timestamp#" | "Interval#" => {
            let text = args.text(0);
            let format = args.text_opt(1).unwrap_or_else(|| match name {
                "Date#" => locale.date_format.clone(),
                "Timestamp#" => locale.timestamp_format.clone(),
                _ => locale.time_format.clone(),
            });
            let read = text.as_deref().and_then(|t| {
                if name == "Interval#" {
                    parse_interval(t, &format)
                } else {
                    parse_date(t, &format, locale)
                }
            });
            (text, read)
        }
        _ => return None,
    };
    Some(match (text, read) {
        (Some(t), Some(n)) => Value::Dual(t, n),
        _ => Value::Null,
    })
}

/// The number `text` stands for, written with the decimal separator `dec` and digit groups separated
/// by `thou`: the text around the digits may hold a currency sign or other words, a `%` (the number is
/// divided by 100) and the sign (`-` before or after, or parentheses around the number).
pub(crate) fn read_number(text: &str, dec: &str, thou: &str) -> Option<f64> {
    let t = text.trim();
    let is_body = |c: char| c.is_ascii_digit() || dec.starts_with(c);
    let start = t.find(is_body)?;
    let end = t.rfind(|c: char| c.is_ascii_digit())? + 1;
    let (prefix, body, suffix) = (t.get(..start)?, t.get(start..end)?, t.get(end..)?);
    let negative = prefix.contains('-')
        || suffix.contains('-')
        || (prefix.contains('(') && suffix.contains(')'));
    let percent = prefix.contains('%') || suffix.contains('%');
    let mut s = body.to_string();
    if !thou.is_empty() && thou != dec {
        s = s.replace(thou, "");
    }
    if !dec.is_empty() && dec != "." {
        if s.contains('.') {
            return None;
        }
        s = s.replace(dec, ".");
    }
    let mut n = parse_number(&s)?;
    if negative {
        n = -n;
    }
    if percent {
        n /= 100.0;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_around_their_decorations() {
        assert_eq!(read_number("1,234.50", ".", ","), Some(1234.5));
        assert_eq!(read_number("$ 1,234.50", ".", ","), Some(1234.5));
        assert_eq!(read_number("-$1,234.50", ".", ","), Some(-1234.5));
        assert_eq!(read_number("(1,234)", ".", ","), Some(-1234.0));
        assert_eq!(read_number("35 648,375", ",", " "), Some(35648.375));
        assert_eq!(read_number("12.5%", ".", ","), Some(0.125));
        assert_eq!(read_number("1.5e3", ".", ","), Some(1500.0));
        assert_eq!(read_number("12abc34", ".", ","), None);
        assert_eq!(read_number("abc", ".", ","), None);
        assert_eq!(read_number("1.000,5", ",", "."), Some(1000.5));
    }
}
