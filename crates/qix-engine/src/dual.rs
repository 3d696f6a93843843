//! Field values: Qlik's *dual* — a text and, when the value is a number, the number.

/// One field value: its text, and its number when it has one. NULL is not a `Dual`: it is the absence of
/// a value (`Option<Dual>::None`), which can be neither selected nor counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Dual {
    /// What is shown.
    pub text: String,
    /// The number, for numeric and dual values.
    pub num: Option<f64>,
}

impl Dual {
    /// A pure text value (no number, even if the text reads as one — Qlik's `Text()`).
    pub fn text(text: impl Into<String>) -> Dual {
        Dual {
            text: text.into(),
            num: None,
        }
    }

    /// A number, shown in the engine's default format.
    pub fn number(n: f64) -> Dual {
        Dual {
            text: format_number(n),
            num: Some(n),
        }
    }

    /// A value with both a text and a number (Qlik's `Dual()`; also what a loaded `01` becomes).
    pub fn with_text(text: impl Into<String>, n: f64) -> Dual {
        Dual {
            text: text.into(),
            num: Some(n),
        }
    }

    /// How a loaded text is interpreted: a text that reads as a number keeps its text and gains the number
    /// (so `01` and `1` are two texts of the number 1), anything else stays text.
    pub fn interpret(text: &str) -> Dual {
        match parse_number(text) {
            Some(n) => Dual::with_text(text, n),
            None => Dual::text(text),
        }
    }
}

/// Reads a number the way the default script settings do (`.` decimal separator, optional sign and
/// exponent, surrounding spaces allowed). `inf`/`nan` are text.
pub fn parse_number(text: &str) -> Option<f64> {
    if let Some(n) = parse_plain_decimal(text.as_bytes()) {
        return Some(n);
    }
    let t = text.trim();
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The common case of [`parse_number`] without the general parser: `[-]digits[.digits]` with at most 15
/// significant digits. The value is the digits as an integer divided by a power of ten — both exact in
/// an `f64`, so IEEE division rounds the quotient exactly as parsing the text would. `None`: use the
/// general parser.
fn parse_plain_decimal(b: &[u8]) -> Option<f64> {
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut scale: Option<usize> = None;
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => mantissa = mantissa * 10 + (c - b'0') as u64,
            b'.' if scale.is_none() && i > 0 && i + 1 < digits.len() => {
                scale = Some(digits.len() - i - 1)
            }
            _ => return None,
        }
    }
    if mantissa >= 1 << 53 {
        return None;
    }
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let n = mantissa as f64 / POW10[scale.unwrap_or(0)];
    Some(if neg { -n } else { n })
}

/// The engine's default number format (integers without decimals, others with up to 14 significant digits
/// and no trailing zeros): the expression layer's, so a symbol's text and a computed value's never differ.
pub use qix_expr::format_number;

/// Sort order of two values' numbers: numbers first, ascending; values without a number after them all
/// (how Qlik sorts by number, for cube columns and list boxes alike).
pub(crate) fn cmp_num(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interprets_numbers_like_the_loader() {
        assert_eq!(Dual::interpret("01"), Dual::with_text("01", 1.0));
        assert_eq!(Dual::interpret(" 2.5 ").num, Some(2.5));
        assert_eq!(Dual::interpret("abc").num, None);
        assert_eq!(Dual::interpret("inf").num, None);
        assert_eq!(Dual::interpret("").num, None);
        assert_eq!(format_number(3.0), "3");
        // The fast path agrees with the general parser.
        for t in [
            "0",
            "-0",
            "7",
            "123.45",
            "-0.001",
            "999999999999999",
            "12.3456789012345",
            "1.",
            ".5",
            "1.2.3",
            "-",
            "1e5",
        ] {
            assert_eq!(
                parse_number(t).map(f64::to_bits),
                t.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .map(f64::to_bits),
                "{t}"
            );
        }
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(-2.5), "-2.5");
    }
}
