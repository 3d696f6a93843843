//! Qlik's smart search (the search bar of every Qlik client, `Doc.SearchResults` and its relatives):
//! several terms, each matched against the field values, combined into groups of values that go together.
//!
//! - [`Term`]: one search term — a word prefix (`swe` finds `Sweden` and `New Sweden`), a quoted phrase
//!   (`"new yo"`), a `*` / `?` wildcard pattern (the whole value must match) or a numeric comparison
//!   (`>10`), case-insensitively, as Qlik's list-box search reads them ([`crate::Search`]).
//! - [`TextIndex`]: a field's values lowercased once, with every word start sorted, so that a word-prefix
//!   term costs a binary search instead of a scan of the values.
//! - [`ranges`]: where a term matched in a value (for highlighting).
//! - [`groups`]: the combinations of terms whose matching values are associated with each other.

mod groups;
mod index;
mod ranges;

pub use groups::{groups, FieldMatches, Group, GroupItem};
pub use index::TextIndex;
pub use ranges::ranges;

use crate::search::Search;

/// One smart-search term.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The term as the client sent it.
    pub text: String,
    /// How it matches.
    pub search: Search,
}

impl Term {
    /// Reads a term: surrounding double quotes make a phrase (its text, spaces included, matched at the
    /// start of a word); otherwise as a list-box search string.
    pub fn parse(text: &str) -> Term {
        let t = text.trim();
        let quoted = t.len() >= 2 && t.starts_with('"') && t.ends_with('"');
        let search = if quoted {
            Search::Text(t[1..t.len() - 1].to_lowercase())
        } else {
            Search::parse(t)
        };
        Term {
            text: text.to_string(),
            search,
        }
    }

    /// Whether the term can match anything (an empty term or phrase matches nothing in smart search).
    pub fn is_empty(&self) -> bool {
        matches!(&self.search, Search::Text(s) if s.is_empty())
    }
}

/// The symbols of one field that match `term`, among `candidates` (`None`: every symbol), sorted.
pub fn matching_symbols(
    index: &TextIndex,
    symbols: &crate::symbols::SymbolTable,
    term: &Term,
    candidates: Option<&crate::Bits>,
) -> Vec<u32> {
    if term.is_empty() {
        return vec![];
    }
    let mut hits = match &term.search {
        Search::Text(s) => index.prefix(s),
        other => (0..symbols.len() as u32)
            .filter(|s| other.matches(&symbols.get(*s)))
            .collect(),
    };
    if let Some(c) = candidates {
        hits.retain(|s| c.contains(*s as usize));
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbols::SymbolTable;
    use crate::Dual;

    fn table(values: &[&str]) -> SymbolTable {
        let mut t = SymbolTable::default();
        for v in values {
            t.intern(Dual::interpret(v));
        }
        t
    }

    fn hits(values: &[&str], term: &str) -> Vec<String> {
        let t = table(values);
        let index = TextIndex::build(&t);
        matching_symbols(&index, &t, &Term::parse(term), None)
            .into_iter()
            .map(|s| t.text(s).into_owned())
            .collect()
    }

    #[test]
    fn word_prefixes_phrases_wildcards_and_numbers() {
        let v = [
            "New York",
            "York",
            "Newark",
            "new-york",
            "Oslo",
            "10",
            "25",
            "Yorkshire",
        ];
        assert_eq!(
            hits(&v, "york"),
            ["New York", "York", "new-york", "Yorkshire"]
        );
        assert_eq!(hits(&v, "YORK"), hits(&v, "york"));
        assert_eq!(hits(&v, "ork"), Vec::<String>::new());
        assert_eq!(hits(&v, "new"), ["New York", "Newark", "new-york"]);
        assert_eq!(hits(&v, "\"new york\""), ["New York"]);
        assert_eq!(hits(&v, "\"new yo\""), ["New York"]);
        assert_eq!(hits(&v, "*ork"), ["New York", "York", "new-york"]);
        assert_eq!(hits(&v, "?slo"), ["Oslo"]);
        assert_eq!(hits(&v, ">=20"), ["25"]);
        assert_eq!(hits(&v, "1"), ["10"]);
        assert_eq!(hits(&v, "\"\""), Vec::<String>::new());
        assert_eq!(hits(&v, "zzz"), Vec::<String>::new());
    }

    #[test]
    fn candidates_limit_the_hits() {
        let t = table(&["alpha", "alps", "beta"]);
        let index = TextIndex::build(&t);
        let mut only_second = crate::Bits::empty(3);
        only_second.insert(1);
        let got = matching_symbols(&index, &t, &Term::parse("al"), Some(&only_second));
        assert_eq!(got, [1]);
    }
}
