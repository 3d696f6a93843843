//! Formatting functions: `Num` (a number with a format pattern and separators), `Text` and `Dual`.

use super::args::Args;
use super::{num, MAX_TEXT};
use crate::value::{format_with_pattern, Value};

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args) -> Option<Value> {
    Some(match name {
        "Num" => num_formatted(args),
        "Text" => match args.text(0) {
            Some(s) => Value::Text(s),
            None => Value::Null,
        },
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

/// `Num(x, pattern, decimal separator, thousands separator)`: `x` as a dual with its formatted text;
/// without a pattern, just the number.
fn num_formatted(args: &mut Args) -> Value {
    let Some(x) = args.num(0) else {
        return Value::Null;
    };
    let n = args.len();
    let pattern = if n > 1 {
        args.text(1).unwrap_or_default()
    } else {
        String::new()
    };
    if pattern.is_empty() {
        return num(x);
    }
    let dec = if n > 2 {
        args.text(2).unwrap_or_default()
    } else {
        ".".to_string()
    };
    let thou = if n > 3 {
        args.text(3).unwrap_or_default()
    } else if dec == "," {
        ".".to_string()
    } else {
        ",".to_string()
    };
    // A number has at most a few hundred digits, so about 120 separators.
    if thou.len().saturating_mul(128) > MAX_TEXT {
        return Value::Null;
    }
    Value::Dual(format_with_pattern(x, &pattern, &dec, &thou), x)
}
