//! Where a term matched in a value, for highlighting: byte ranges of the value's own text.

use super::index::word_starts;
use crate::search::Search;

/// The (byte offset, byte length) ranges of `text` that `term` matched: every word start followed by the
/// term's text (case-insensitively, not overlapping) for a word or phrase term; the whole text for a
/// wildcard or numeric term that matches it; none otherwise.
pub fn ranges(term: &Search, text: &str) -> Vec<(usize, usize)> {
    match term {
        Search::Text(t) if t.is_empty() => vec![],
        Search::Text(t) => {
            let mut out: Vec<(usize, usize)> = vec![];
            for at in word_starts(text) {
                if out.last().is_some_and(|(p, n)| at < p + n) {
                    continue;
                }
                if let Some(len) = lower_prefix_len(&text[at..], t) {
                    out.push((at, len));
                }
            }
            out
        }
        other if other.matches(&crate::Dual::interpret(text)) => vec![(0, text.len())],
        _ => vec![],
    }
}

/// How many bytes of `text` it takes for its lowercase to start with `prefix` (already lowercase).
fn lower_prefix_len(text: &str, prefix: &str) -> Option<usize> {
    let mut want = prefix.chars().peekable();
    for (i, c) in text.char_indices() {
        for l in c.to_lowercase() {
            match want.next() {
                Some(w) if w == l => {}
                _ => return None,
            }
        }
        if want.peek().is_none() {
            return Some(i + c.len_utf8());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(term: &str, text: &str) -> Vec<(usize, usize)> {
        ranges(&super::super::Term::parse(term).search, text)
    }

    #[test]
    fn every_word_start_the_term_matches() {
        assert_eq!(r("new", "New York, new Newark"), [(0, 3), (10, 3), (14, 3)]);
        assert_eq!(r("york", "New York"), [(4, 4)]);
        assert_eq!(r("ork", "New York"), Vec::<(usize, usize)>::new());
        assert_eq!(r("\"new yo\"", "The New York"), [(4, 6)]);
        assert_eq!(r("ÅR", "Året år"), [(0, 3), (6, 3)]);
        assert_eq!(r("*ork", "New York"), [(0, 8)]);
        assert_eq!(r(">5", "7"), [(0, 1)]);
        assert_eq!(r(">5", "3"), Vec::<(usize, usize)>::new());
    }
}
