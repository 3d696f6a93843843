//! String functions: `Len`, `Upper`, `Lower`, `Capitalize`, `Left`, `Right`, `Mid`, `Index`, `Trim`,
//! `LTrim`, `RTrim`, `Replace`, `SubField`, `Chr`, `Ord`, `Repeat`, `PurgeChar`, `KeepChar`,
//! `FindOneOf`, `SubStringCount`, `TextBetween` and `LevenshteinDist`. Positions count characters, not
//! bytes.

use super::args::Args;
use super::MAX_TEXT;
use crate::value::Value;

/// Runs `name` if it is one of this family's functions; `None` when it is not. A missing text or number
/// where a function needs one makes the call `Null`.
pub(super) fn apply(name: &str, args: &mut Args) -> Option<Value> {
    let value = match name {
        "Len" => args.text(0).map(|s| Value::Num(s.chars().count() as f64)),
        "Upper" => args.text(0).map(|s| Value::Text(s.to_uppercase())),
        "Lower" => args.text(0).map(|s| Value::Text(s.to_lowercase())),
        "Capitalize" => args.text(0).map(|s| Value::Text(capitalize(&s))),
        "Left" | "Right" => left_right(name == "Left", args),
        "Mid" => mid(args),
        "Index" => index(args),
        "Trim" => args.text(0).map(|s| Value::Text(s.trim().to_string())),
        "LTrim" => args
            .text(0)
            .map(|s| Value::Text(s.trim_start().to_string())),
        "RTrim" => args.text(0).map(|s| Value::Text(s.trim_end().to_string())),
        "Replace" => replace(args),
        "SubField" => sub_field(args),
        "Chr" => args
            .int(0)
            .map(|k| match u32::try_from(k).ok().and_then(char::from_u32) {
                Some(c) => Value::Text(c.to_string()),
                None => Value::Null,
            }),
        "Ord" => args.text(0).map(|s| match s.chars().next() {
            Some(c) => Value::Num(f64::from(u32::from(c))),
            None => Value::Null,
        }),
        "Repeat" => repeat(args),
        "PurgeChar" | "KeepChar" => {
            let keep = name == "KeepChar";
            args.text(0).and_then(|s| {
                let set = args.text(1)?;
                Some(Value::Text(
                    s.chars().filter(|&c| set.contains(c) == keep).collect(),
                ))
            })
        }
        "FindOneOf" => find_one_of(args),
        "SubStringCount" => args.text(0).and_then(|s| {
            let sub = args.text(1)?;
            let n = if sub.is_empty() {
                0
            } else {
                s.matches(sub.as_str()).count()
            };
            Some(Value::Num(n as f64))
        }),
        "TextBetween" => text_between(args),
        "LevenshteinDist" => args.text(0).and_then(|a| {
            let b = args.text(1)?;
            levenshtein(&a, &b).map(|d| Value::Num(d as f64))
        }),
        _ => return None,
    };
    Some(value.unwrap_or(Value::Null))
}

/// `FindOneOf(s, chars, k)`: the 1-based position of the `k`-th (1 by default) character of `s` that
/// is one of `chars`; 0 when there is none.
fn find_one_of(args: &mut Args) -> Option<Value> {
    let s = args.text(0)?;
    let set = args.text(1)?;
    let k = usize::try_from(args.int_or(2, 1))
        .ok()
        .filter(|&k| k >= 1)?;
    let at = s
        .chars()
        .enumerate()
        .filter(|(_, c)| set.contains(*c))
        .nth(k - 1)
        .map_or(0, |(i, _)| i + 1);
    Some(Value::Num(at as f64))
}

/// `TextBetween(s, before, after, k)`: the text between the `k`-th (1 by default) occurrence of
/// `before` and the next `after`; `Null` when there is none.
fn text_between(args: &mut Args) -> Option<Value> {
    let s = args.text(0)?;
    let (before, after) = (args.text(1)?, args.text(2)?);
    let k = usize::try_from(args.int_or(3, 1))
        .ok()
        .filter(|&k| k >= 1)?;
    if before.is_empty() || after.is_empty() {
        return None;
    }
    let mut rest = s.as_str();
    let mut found = None;
    for _ in 0..k {
        let start = rest.find(before.as_str())? + before.len();
        let inner = rest.get(start..)?;
        let end = inner.find(after.as_str())?;
        found = inner.get(..end);
        rest = inner;
    }
    found.map(|t| Value::Text(t.to_string()))
}

/// The Levenshtein distance between `a` and `b` (in characters); `None` when both are long enough to
/// make it costly (over 10⁸ cells).
fn levenshtein(a: &str, b: &str) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().saturating_mul(b.len()) > 100_000_000 {
        return None;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (up + 1).min(row[j] + 1).min(diag + usize::from(ca != cb));
            diag = up;
        }
    }
    row.last().copied()
}

/// `Left(s, k)` (`left`) or `Right(s, k)`: the first or last `k` characters.
fn left_right(left: bool, args: &mut Args) -> Option<Value> {
    let s = args.text(0)?;
    let Ok(k) = usize::try_from(args.int(1)?) else {
        return None;
    };
    if left {
        Some(Value::Text(s.chars().take(k).collect()))
    } else {
        let len = s.chars().count();
        Some(Value::Text(s.chars().skip(len.saturating_sub(k)).collect()))
    }
}

/// `Mid(s, start, count)`: the characters from `start` (1-based), all or `count` of them.
fn mid(args: &mut Args) -> Option<Value> {
    let s = args.text(0)?;
    let start = args.int(1)?;
    let skip = usize::try_from(start.saturating_sub(1)).ok()?;
    let rest = s.chars().skip(skip);
    if args.len() > 2 {
        let k = usize::try_from(args.int(2)?).ok()?;
        Some(Value::Text(rest.take(k).collect()))
    } else {
        Some(Value::Text(rest.collect()))
    }
}

/// `Index(s, sub, k)`: the 1-based character position where the `k`-th occurrence of `sub` starts
/// (negative `k` counts from the end), 0 when there is none.
fn index(args: &mut Args) -> Option<Value> {
    let s = args.text(0)?;
    let sub = args.text(1)?;
    let k = if args.len() > 2 { args.int(2)? } else { 1 };
    // Counting from the start, only the first k occurrences are needed.
    let limit = if k > 0 {
        usize::try_from(k).unwrap_or(usize::MAX)
    } else {
        usize::MAX
    };
    let found = occurrences(&s, &sub, limit);
    let at = nth_index(k, found.len())
        .and_then(|i| found.get(i))
        .and_then(|&byte| s.get(..byte))
        .map_or(0, |before| before.chars().count() + 1);
    Some(Value::Num(at as f64))
}

/// `Replace(s, from, to)`; `Null` when the result would be longer than [`MAX_TEXT`].
fn replace(args: &mut Args) -> Option<Value> {
    let s = args.text(0)?;
    let (from, to) = (args.text(1), args.text(2));
    let (from, to) = from.zip(to)?;
    if from.is_empty() {
        return Some(Value::Text(s));
    }
    let count = s.matches(from.as_str()).count();
    let size = s.len().saturating_add(count.saturating_mul(to.len()));
    if size > MAX_TEXT {
        return None;
    }
    Some(Value::Text(s.replace(from.as_str(), &to)))
}

/// `SubField(s, delimiter, k)`: the `k`-th part (1 by default; negative counts from the end).
fn sub_field(args: &mut Args) -> Option<Value> {
    let s = args.text(0).unwrap_or_default();
    let delim = args.text(1)?;
    let k = if args.len() > 2 { args.int(2)? } else { 1 };
    let parts: Vec<&str> = if delim.is_empty() {
        vec![s.as_str()]
    } else {
        s.split(delim.as_str()).collect()
    };
    let part = nth_index(k, parts.len()).and_then(|i| parts.get(i))?;
    Some(Value::Text((*part).to_string()))
}

/// `Repeat(s, k)`: `s` `k` times (once by default); `Null` when longer than [`MAX_TEXT`].
fn repeat(args: &mut Args) -> Option<Value> {
    let s = args.text(0)?;
    let k = if args.len() > 1 { args.int(1)? } else { 1 };
    let k = usize::try_from(k).unwrap_or(0);
    if s.len().saturating_mul(k) > MAX_TEXT {
        return None;
    }
    Some(Value::Text(s.repeat(k)))
}

fn capitalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if in_word {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            in_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

/// The byte offsets where `sub` starts in `s` (overlapping occurrences included), at most `limit` of them.
fn occurrences(s: &str, sub: &str, limit: usize) -> Vec<usize> {
    let mut found = Vec::new();
    if sub.is_empty() {
        return found;
    }
    let mut pos = 0;
    while found.len() < limit {
        let Some(start) = s
            .get(pos..)
            .and_then(|rest| rest.find(sub))
            .map(|o| pos + o)
        else {
            break;
        };
        found.push(start);
        // Go on one character after the start of this occurrence.
        pos = start
            + s.get(start..)
                .and_then(|r| r.chars().next())
                .map_or(1, char::len_utf8);
    }
    found
}

/// The `k`-th item (1-based; negative counts from the end) of a list of `len` items.
fn nth_index(k: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if k > 0 {
        k - 1
    } else if k < 0 {
        len + k
    } else {
        return None;
    };
    if (0..len).contains(&i) {
        usize::try_from(i).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_index_counts_from_both_ends() {
        assert_eq!(nth_index(1, 3), Some(0));
        assert_eq!(nth_index(3, 3), Some(2));
        assert_eq!(nth_index(4, 3), None);
        assert_eq!(nth_index(-1, 3), Some(2));
        assert_eq!(nth_index(-3, 3), Some(0));
        assert_eq!(nth_index(-4, 3), None);
        assert_eq!(nth_index(0, 3), None);
        assert_eq!(nth_index(i64::MIN, 3), None);
    }
}
