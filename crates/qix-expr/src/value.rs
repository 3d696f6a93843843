//! Values an expression evaluates to, and how numbers become text.

/// The result of evaluating an expression, and what a [`crate::Scope`] hands back for fields and
/// aggregations.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value (Qlik's NULL).
    Null,
    /// A pure number; its text is [`format_number`] of it.
    Num(f64),
    /// A pure text. It still reads as a number where one is needed if it looks like one (`'3'`).
    Text(String),
    /// Qlik's dual: a text shown to the user and the number used in calculations.
    Dual(String, f64),
}

impl Value {
    /// The number of the value: the number of a `Num` or `Dual`, or a `Text` that reads as a number
    /// ([`parse_number`]); `None` otherwise and for `Null`.
    pub fn num(&self) -> Option<f64> {
        match self {
            Value::Null => None,
            Value::Num(n) | Value::Dual(_, n) => Some(*n),
            Value::Text(s) => parse_number(s),
        }
    }

    /// The number the value carries itself, as Qlik's `qNum` shows it: that of a `Num` or `Dual`;
    /// `None` for `Null` and for a `Text`, even one that reads as a number (`Text(123)`, `'1' & '2'`).
    /// [`Value::num`] is the number arithmetic and comparisons use.
    pub fn own_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) | Value::Dual(_, n) => Some(*n),
            Value::Null | Value::Text(_) => None,
        }
    }

    /// The text of the value: a `Text` or the text of a `Dual` as it is, a `Num` formatted by
    /// [`format_number`]; `None` for `Null`.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Num(n) => Some(format_number(*n)),
            Value::Text(s) | Value::Dual(s, _) => Some(s.clone()),
        }
    }

    /// Is this `Null`?
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Qlik's truth: a value whose [`Value::num`] is a nonzero number is true; other texts and `Null` are
    /// false.
    pub fn truthy(&self) -> bool {
        self.num().is_some_and(|n| n != 0.0 && !n.is_nan())
    }

    /// A logical result as Qlik gives it: -1 for true, 0 for false.
    pub fn from_bool(b: bool) -> Value {
        Value::Num(if b { -1.0 } else { 0.0 })
    }
}

/// Reads a number written with the default settings: optional sign, digits with `.` as the decimal
/// separator, optional exponent, surrounding white space allowed (`' 2.5 '`, `'01'`, `'-1e3'`).
/// `inf`, `nan`, empty text and anything else are not numbers.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty()
        || !t.bytes().any(|b| b.is_ascii_digit())
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `n` rounded to `digits` significant decimal digits.
pub(crate) fn round_significant(n: f64, digits: usize) -> f64 {
    if !n.is_finite() || n == 0.0 {
        return n;
    }
    format!("{:.*e}", digits.saturating_sub(1), n)
        .parse()
        .unwrap_or(n)
}

/// Qlik's default number format.
///
/// Integers below 1e15 in magnitude are written without decimals (`"3"`, `"-12"`); other numbers are
/// rounded to 14 significant digits and written in the shortest form that reads back as that rounded
/// number (`0.1 + 0.2` gives `"0.3"`, `1/3` gives `"0.33333333333333"`). Magnitudes in `[1e-6, 1e15)` are
/// written without exponent, others as `"1.5e+20"`, `"2e-07"`. Negative zero is `"0"`; NaN is `"NaN"` and
/// the infinities `"+Inf"` / `"-Inf"` (evaluation never produces those: it gives `Null`).
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if n == 0.0 {
        return "0".into();
    }
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    // The 14 significant digits of `n`, written out directly: reading the rounded number back and writing
    // its shortest form (the definition) gives the same digits — they are the shortest that read back as
    // it, no other 14-digit decimal lying that close — at three times the cost, and a chart page formats
    // every measure cell. (Not so below the normal range, where a number has fewer digits of its own.)
    if n.abs() < f64::MIN_POSITIVE {
        return write_scientific(&format!("{:e}", round_significant(n, 14)));
    }
    write_scientific(&format!("{n:.13e}"))
}

/// `[-]d[.ddd]e[-]x` (as Rust writes `{:e}`) in the default format's form: trailing zeros dropped, without
/// exponent for magnitudes in `[1e-6, 1e15)`, else with a signed exponent of at least two digits.
fn write_scientific(s: &str) -> String {
    let (mantissa, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (minus, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.trim_end_matches('0') {
        "" => "0",
        d => d,
    };
    let mut out = String::with_capacity(digits.len() + 8);
    out.push_str(minus);
    if (-6..15).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(digits);
        } else {
            let int = exp as usize + 1;
            out.push_str(&digits[..int.min(digits.len())]);
            out.extend(std::iter::repeat_n('0', int.saturating_sub(digits.len())));
            if digits.len() > int {
                out.push('.');
                out.push_str(&digits[int..]);
            }
        }
        return out;
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    let sign = if exp < 0 { '-' } else { '+' };
    out.push_str(&format!("e{sign}{:02}", exp.unsigned_abs()));
    out
}

/// Formats `n` with a Qlik number format pattern such as `'0.00'`, `'#,##0'`, `'#,##0.0#'`, `'0%'`,
/// `'$#,##0.00'` or `'0.0;(0.0)'`.
///
/// The pattern's digit part runs from its first to its last `0` or `#`; text before and after it is
/// copied. In the integer part, `0`s give the least number of digits and a thousands separator turns on
/// grouping by three; in the decimal part, `0`s are digits always shown and `#`s digits shown when not
/// zero. A `%` outside the digit part multiplies by 100. A second `;`-separated section is used for
/// negative numbers (without a minus sign). Halves round away from zero, after rounding `n` to 15
/// significant digits so that `1.005` shows as `1.01` with two decimals. A pattern without digit
/// placeholders gives [`format_number`].
pub fn format_with_pattern(n: f64, pattern: &str, dec_sep: &str, thou_sep: &str) -> String {
    let mut sections = pattern.split(';');
    let first = sections.next().unwrap_or("");
    let second = sections.next().filter(|s| !s.is_empty());
    let (section, minus) = match second {
        Some(neg) if n < 0.0 => (neg, false),
        _ => (first, n < 0.0),
    };
    let is_digit = |c: char| c == '0' || c == '#';
    let (Some(first_d), Some(last_d)) = (section.find(is_digit), section.rfind(is_digit)) else {
        return format_number(n);
    };
    let prefix = section.get(..first_d).unwrap_or("");
    let core = section.get(first_d..=last_d).unwrap_or("");
    let suffix = section.get(last_d + 1..).unwrap_or("");
    let mut abs = n.abs();
    if prefix.contains('%') || suffix.contains('%') {
        abs *= 100.0;
    }
    let dec_sep = if dec_sep.is_empty() { "." } else { dec_sep };
    let (int_pat, frac_pat) = match core.find(dec_sep) {
        Some(i) => (
            core.get(..i).unwrap_or(""),
            core.get(i + dec_sep.len()..).unwrap_or(""),
        ),
        None => (core, ""),
    };
    let group = !thou_sep.is_empty() && int_pat.contains(thou_sep);
    let min_int = int_pat.chars().filter(|&c| c == '0').count();
    let min_dec = frac_pat.chars().filter(|&c| c == '0').count().min(30);
    let max_dec = frac_pat.chars().filter(|&c| is_digit(c)).count().min(30);

    let (int_digits, mut frac_digits) = round_decimal(abs, max_dec);
    while frac_digits.len() > min_dec && frac_digits.ends_with('0') {
        frac_digits.pop();
    }
    let int_digits = int_digits.trim_start_matches('0');
    let int_digits = "0".repeat(min_int.saturating_sub(int_digits.len())) + int_digits;
    let is_zero = int_digits.chars().all(|c| c == '0') && frac_digits.chars().all(|c| c == '0');
    let int_text = if group {
        let len = int_digits.len();
        let mut out = String::with_capacity(len + len / 3 * thou_sep.len());
        for (i, c) in int_digits.chars().enumerate() {
            if i > 0 && (len - i) % 3 == 0 {
                out.push_str(thou_sep);
            }
            out.push(c);
        }
        out
    } else {
        int_digits
    };
    let mut out = String::new();
    if minus && !is_zero {
        out.push('-');
    }
    out.push_str(prefix);
    out.push_str(&int_text);
    if !frac_digits.is_empty() {
        out.push_str(dec_sep);
        out.push_str(&frac_digits);
    }
    out.push_str(suffix);
    out
}

/// The decimal digits of `abs` (not negative, finite) rounded half up to `decimals` places: integer part
/// (possibly empty) and exactly `decimals` fraction digits.
fn round_decimal(abs: f64, decimals: usize) -> (String, String) {
    if !abs.is_finite() || abs == 0.0 {
        return (String::new(), "0".repeat(decimals));
    }
    // 15 significant digits: d.dddddddddddddde<exp>.
    let s = format!("{abs:.14e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // value = digits × 10^(exp - 14); we want round(value × 10^decimals).
    let shift = exp - 14 + decimals as i64;
    if shift >= 0 {
        digits.extend(std::iter::repeat_n(0, shift as usize));
    } else {
        let drop = (-shift) as usize;
        if drop > digits.len() {
            digits.clear();
        } else {
            let keep = digits.len().saturating_sub(drop);
            let round_up = digits.get(keep).is_some_and(|&d| d >= 5);
            digits.truncate(keep);
            if round_up {
                let mut carry = true;
                for d in digits.iter_mut().rev() {
                    if *d == 9 {
                        *d = 0;
                    } else {
                        *d += 1;
                        carry = false;
                        break;
                    }
                }
                if carry {
                    digits.insert(0, 1);
                }
            }
        }
    }
    while digits.len() < decimals {
        digits.insert(0, 0);
    }
    let (int, frac) = digits.split_at(digits.len().saturating_sub(decimals));
    let text = |d: &[u8]| d.iter().map(|&x| char::from(b'0' + x)).collect::<String>();
    (text(int), text(frac))
}
