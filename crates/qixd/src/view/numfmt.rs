//! Number formats (`FieldAttributes`: `{qType, qFmt, qDec, qThou, qnDec, qUseThou}`) as the real engine
//! applies them to the `qText` of measure cells: a pattern in `qFmt` with the given (else the script's)
//! separators for numbers and money, a date/time pattern (else the script's `DateFormat`, `TimeFormat`,
//! `TimestampFormat`) for dates, times and intervals; `U` (unknown) and `A` (text) leave the text alone.

use qix_expr::dates::format::{format_date, format_interval};
use qix_expr::{format_with_pattern, Locale, Value as X};
use serde_json::Value;

/// Longest `qFmt` honoured (a longer one is ignored: the text would grow with it for every cell).
const MAX_PATTERN: usize = 256;
/// Longest separator honoured.
const MAX_SEPARATOR: usize = 8;

/// The kind of a format (`qType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Real,
    Fix,
    Money,
    Date,
    Time,
    Timestamp,
    Interval,
}

/// A number format that changes texts (not `U` nor `A`), with the JSON it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct NumFormat {
    kind: Kind,
    pattern: Option<String>,
    dec: Option<String>,
    thou: Option<String>,
    n_dec: usize,
    use_thou: bool,
    /// The `qNumFormat` as given: the layout's info echoes it.
    pub json: Value,
}

impl NumFormat {
    /// A `qNumFormat`; `None` when absent, not an object, of type `U` / `A` / unknown, or its
    /// separators are too long.
    pub fn parse(v: Option<&Value>) -> Option<NumFormat> {
        let v = v.filter(|v| v.is_object())?;
        let kind = match v.get("qType").and_then(Value::as_str)? {
            "I" | "INTEGER" => Kind::Integer,
            "R" | "REAL" => Kind::Real,
            "F" | "FIX" => Kind::Fix,
            "M" | "MONEY" => Kind::Money,
            "D" | "DATE" => Kind::Date,
            "T" | "TIME" => Kind::Time,
            "TS" | "TIMESTAMP" => Kind::Timestamp,
            "IV" | "INTERVAL" => Kind::Interval,
            _ => return None,
        };
        let text = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let (dec, thou) = (text("qDec"), text("qThou"));
        let too_long = |s: &Option<String>| s.as_ref().is_some_and(|s| s.len() > MAX_SEPARATOR);
        if too_long(&dec) || too_long(&thou) {
            return None;
        }
        let n_dec = v.get("qnDec").and_then(Value::as_u64).unwrap_or(10).min(15) as usize;
        Some(NumFormat {
            kind,
            pattern: text("qFmt").filter(|p| p.len() <= MAX_PATTERN),
            dec,
            thou,
            n_dec,
            use_thou: v.get("qUseThou").and_then(Value::as_i64).unwrap_or(0) != 0,
            json: v.clone(),
        })
    }

    /// The text of `v` in this format: numbers (and duals) are formatted, texts and NULL keep theirs.
    pub fn text(&self, v: &X, locale: &Locale) -> Option<String> {
        let n = v.own_num().filter(|n| n.is_finite())?;
        match self.kind {
            Kind::Date | Kind::Time | Kind::Timestamp => {
                format_date(n, &self.date_pattern(locale), locale)
            }
            Kind::Interval => format_interval(n, &self.date_pattern(locale)),
            Kind::Integer | Kind::Real | Kind::Fix | Kind::Money => self.number(n, locale),
        }
    }

    /// The date/time pattern: `qFmt`, else the script's for the kind.
    fn date_pattern(&self, locale: &Locale) -> String {
        self.pattern.clone().unwrap_or_else(|| match self.kind {
            Kind::Date => locale.date_format.clone(),
            Kind::Timestamp => locale.timestamp_format.clone(),
            _ => locale.time_format.clone(),
        })
    }

    /// A number: by `qFmt` when given, else by the kind's rule (`None`: the text stays).
    fn number(&self, n: f64, locale: &Locale) -> Option<String> {
        let money = self.kind == Kind::Money;
        let (dec, thou) = match money {
            true => (&locale.money_decimal_sep, &locale.money_thousand_sep),
            false => (&locale.decimal_sep, &locale.thousand_sep),
        };
        let dec = self.dec.as_deref().unwrap_or(dec);
        let thou = self.thou.as_deref().unwrap_or(thou);
        let pattern = match (&self.pattern, self.kind) {
            (Some(p), _) => p.clone(),
            (None, Kind::Integer) => return None,
            (None, Kind::Money) => locale.money_format.clone(),
            (None, Kind::Fix) => self.fixed_pattern(dec, thou, "0"),
            // Real: up to qnDec decimals (14 when 0), an almost integer as an integer.
            (None, _) => self.fixed_pattern(dec, thou, "#"),
        };
        Some(format_with_pattern(n, &pattern, dec, thou))
    }

    /// `0.00`-like patterns for `qnDec` decimals of `digit` (`0`: always shown, `#`: when not zero),
    /// grouped by thousands when `qUseThou` is set.
    fn fixed_pattern(&self, dec: &str, thou: &str, digit: &str) -> String {
        let decimals = match (self.kind, self.n_dec) {
            (Kind::Real, 0) => 14,
            (_, n) => n,
        };
        let int = match self.use_thou && !thou.is_empty() {
            true => format!("#{thou}##0"),
            false => "0".to_string(),
        };
        match decimals {
            0 => int,
            d => format!("{int}{dec}{}", digit.repeat(d)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(fmt: Value, v: X) -> Option<String> {
        NumFormat::parse(Some(&fmt))
            .expect("a format")
            .text(&v, &Locale::default())
    }

    #[test]
    fn patterns_and_separators_as_given() {
        let f = json!({"qType": "F", "qFmt": "#,##0.00", "qDec": ".", "qThou": ","});
        assert_eq!(text(f, X::Num(1234.5)).as_deref(), Some("1,234.50"));
        let f = json!({"qType": "F", "qFmt": "# ##0,0", "qDec": ",", "qThou": " "});
        assert_eq!(text(f, X::Num(1234.56)).as_deref(), Some("1 234,6"));
        let f = json!({"qType": "R", "qFmt": "0.0%"});
        assert_eq!(text(f, X::Num(0.123)).as_deref(), Some("12.3%"));
        let f = json!({"qType": "M", "qFmt": "$#,##0.00"});
        assert_eq!(text(f, X::Dual("x".into(), 5.0)).as_deref(), Some("$5.00"));
    }

    #[test]
    fn kinds_without_a_pattern_follow_their_rule() {
        let f = json!({"qType": "F", "qnDec": 2, "qUseThou": 1, "qThou": ","});
        assert_eq!(text(f, X::Num(1234.5)).as_deref(), Some("1,234.50"));
        let f = json!({"qType": "R", "qnDec": 3});
        assert_eq!(text(f, X::Num(2.5)).as_deref(), Some("2.5"));
        assert_eq!(text(json!({"qType": "I"}), X::Num(2.5)), None);
        let f = json!({"qType": "D"});
        assert_eq!(text(f, X::Num(45000.0)).as_deref(), Some("3/15/2023"));
        let f = json!({"qType": "D", "qFmt": "YYYY-MM-DD"});
        assert_eq!(text(f, X::Num(45000.0)).as_deref(), Some("2023-03-15"));
        let f = json!({"qType": "IV", "qFmt": "hh:mm"});
        assert_eq!(text(f, X::Num(1.375)).as_deref(), Some("33:00"));
    }

    #[test]
    fn unknown_text_and_bad_formats_change_nothing() {
        assert!(NumFormat::parse(Some(&json!({"qType": "U", "qFmt": "0.00"}))).is_none());
        assert!(NumFormat::parse(Some(&json!({"qType": "A"}))).is_none());
        assert!(NumFormat::parse(Some(&json!("F"))).is_none());
        assert!(NumFormat::parse(Some(&json!({"qType": "F", "qThou": "x".repeat(99)}))).is_none());
        assert_eq!(
            text(json!({"qType": "F", "qFmt": "0.0"}), X::Text("a".into())),
            None
        );
        assert_eq!(text(json!({"qType": "F", "qFmt": "0.0"}), X::Null), None);
    }
}
