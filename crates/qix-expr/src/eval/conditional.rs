//! Conditional and null-handling functions whose arguments are all evaluated: `Match`, `MixMatch`,
//! `WildMatch`, `Class`, `EmptyIsNull`, `IsNull`, `IsNum`, `IsText`, `Null`, `True`, `False`. (`If`, `Pick`, `Alt`
//! and `Coalesce` evaluate only some of their arguments; the evaluator runs them itself.)

use super::args::Args;
use crate::value::{format_number, Value};

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args) -> Option<Value> {
    Some(match name {
        "Match" | "MixMatch" | "WildMatch" => match_index(name, args),
        "Class" => class(args).unwrap_or(Value::Null),
        "EmptyIsNull" => {
            let v = args.take(0);
            if v.text().is_some_and(|s| s.is_empty()) {
                Value::Null
            } else {
                v
            }
        }
        "IsNull" => Value::from_bool(args.take(0).is_null()),
        "IsNum" => Value::from_bool(args.num(0).is_some()),
        "IsText" => Value::from_bool(matches!(args.take(0), Value::Text(_) | Value::Dual(..))),
        "Null" => Value::Null,
        "True" => Value::from_bool(true),
        "False" => Value::from_bool(false),
        _ => return None,
    })
}

/// `Match` (exact), `MixMatch` (any case) and `WildMatch` (any case, `*` and `?`): the 1-based position
/// of the first later argument that matches the first, 0 when none does.
fn match_index(name: &str, args: &mut Args) -> Value {
    let Some(x) = args.text(0) else {
        return Value::Num(0.0);
    };
    let folded = if name == "Match" { x } else { x.to_lowercase() };
    let chars: Vec<char> = folded.chars().collect();
    for i in 1..args.len() {
        let Some(c) = args.text(i) else { continue };
        let hit = match name {
            "Match" => folded == c,
            "MixMatch" => folded == c.to_lowercase(),
            _ => wildcard(&chars, &c.to_lowercase().chars().collect::<Vec<_>>()),
        };
        if hit {
            return Value::Num(i as f64);
        }
    }
    Value::Num(0.0)
}

/// `Class(x, width, label, offset)`: the bin of width `width` (bins start at `offset`, 0 by default)
/// that holds `x`, as a dual of the text `lo<=x<hi` (`label` instead of `x` when given) and `lo`.
fn class(args: &mut Args) -> Option<Value> {
    let x = args.num(0)?;
    let width = args.num(1).filter(|w| *w > 0.0)?;
    let label = args.text_opt(2).unwrap_or_else(|| "x".into());
    let offset = args.num(3).unwrap_or(0.0);
    let lo = ((x - offset) / width).floor() * width + offset;
    let hi = lo + width;
    let text = format!("{}<={label}<{}", format_number(lo), format_number(hi));
    Some(Value::Dual(text, lo))
}

/// Glob match with `*` (any run) and `?` (one character).
fn wildcard(text: &[char], pat: &[char]) -> bool {
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = text.get(t) {
        match pat.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&pc) if pc == '?' || pc == c => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat.get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matches_globs() {
        let m = |t: &str, p: &str| {
            wildcard(
                &t.chars().collect::<Vec<_>>(),
                &p.chars().collect::<Vec<_>>(),
            )
        };
        assert!(m("abc", "a*"));
        assert!(m("abc", "*c"));
        assert!(m("abc", "a?c"));
        assert!(m("abc", "*"));
        assert!(m("", "*"));
        assert!(m("aXbXc", "a*b*c"));
        assert!(!m("abc", "a?"));
        assert!(!m("abc", "b*"));
        assert!(!m("", "?"));
        assert!(m("mississippi", "*sip*"));
    }
}
