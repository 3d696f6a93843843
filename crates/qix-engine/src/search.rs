//! Search strings, as typed in a Qlik list box or passed to `Field.Select`:
//! - `*` and `?` wildcards: the whole value must match, case-insensitively (`a*`, `*son`, `?b?`);
//! - numeric comparisons: `>10`, `>=10`, `<5`, `<=5`, `=3`, and ranges such as `>=10<20`;
//! - plain text: values with a word that starts with the text, case-insensitively (Qlik's normal search).

use crate::dual::{parse_number, Dual};

/// A parsed search string.
#[derive(Debug, Clone, PartialEq)]
pub enum Search {
    /// Wildcard pattern, lowercased.
    Wildcard(Vec<char>),
    /// All comparisons must hold for the value's number.
    Numeric(Vec<(Cmp, f64)>),
    /// Word-prefix search, lowercased.
    Text(String),
}

/// A numeric comparison operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
}

impl Search {
    /// Parses a search string.
    pub fn parse(text: &str) -> Search {
        let t = text.trim();
        if let Some(cmps) = parse_comparisons(t) {
            return Search::Numeric(cmps);
        }
        if t.contains('*') || t.contains('?') {
            return Search::Wildcard(t.to_lowercase().chars().collect());
        }
        Search::Text(t.to_lowercase())
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &Dual) -> bool {
        match self {
            Search::Numeric(cmps) => value.num.is_some_and(|n| {
                cmps.iter().all(|(c, v)| match c {
                    Cmp::Lt => n < *v,
                    Cmp::Le => n <= *v,
                    Cmp::Gt => n > *v,
                    Cmp::Ge => n >= *v,
                    Cmp::Eq => n == *v,
                })
            }),
            Search::Wildcard(p) => {
                let v: Vec<char> = value.text.to_lowercase().chars().collect();
                wildcard(p, &v)
            }
            Search::Text(s) => {
                let v = value.text.to_lowercase();
                if s.is_empty() {
                    return true;
                }
                v.starts_with(s.as_str())
                    || v.match_indices(s.as_str())
                        .any(|(i, _)| v[..i].chars().last().is_some_and(|c| !c.is_alphanumeric()))
            }
        }
    }
}

fn parse_comparisons(t: &str) -> Option<Vec<(Cmp, f64)>> {
    let mut rest = t;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (cmp, len) = if rest.starts_with(">=") {
            (Cmp::Ge, 2)
        } else if rest.starts_with("<=") {
            (Cmp::Le, 2)
        } else if rest.starts_with('>') {
            (Cmp::Gt, 1)
        } else if rest.starts_with('<') {
            (Cmp::Lt, 1)
        } else if rest.starts_with('=') {
            (Cmp::Eq, 1)
        } else {
            return None;
        };
        rest = &rest[len..];
        let end = rest.find(['<', '>', '=']).unwrap_or(rest.len());
        let n = parse_number(&rest[..end])?;
        out.push((cmp, n));
        rest = &rest[end..];
    }
    (!out.is_empty()).then_some(out)
}

/// Full-match of `*` / `?` patterns.
fn wildcard(p: &[char], v: &[char]) -> bool {
    let (mut pi, mut vi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(search: &str, value: &str) -> bool {
        Search::parse(search).matches(&Dual::interpret(value))
    }

    #[test]
    fn wildcards_numbers_and_words() {
        assert!(m("a*", "Apple"));
        assert!(!m("a*", "banana"));
        assert!(m("*an*", "Banana"));
        assert!(m("?b?", "abc"));
        assert!(!m("?b?", "abcd"));
        assert!(m(">=10", "10"));
        assert!(!m(">10", "10"));
        assert!(m("<5", "4.9"));
        assert!(m(">=10<20", "15"));
        assert!(!m(">=10<20", "20"));
        assert!(!m(">5", "abc"));
        assert!(m("=3", "3"));
        assert!(m("york", "New York"));
        assert!(m("new", "New York"));
        assert!(!m("ork", "New York"));
    }
}
