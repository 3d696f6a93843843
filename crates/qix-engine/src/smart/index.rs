//! A field's values lowercased once, with each word start of each value sorted by the text that follows
//! it: the values with a word starting with a term (phrases included: the text after a word start runs to
//! the end of the value) are one contiguous run of that order, found by two binary searches.

use crate::symbols::SymbolTable;

/// The word-start index of one field's symbol table.
#[derive(Debug, Default)]
pub struct TextIndex {
    /// Every symbol's text, lowercased, one after the other.
    lower: String,
    /// Per symbol, the end of its lowercased text in `lower`.
    ends: Vec<usize>,
    /// (symbol, byte offset in its lowercased text) of every word start, sorted by the text from there to
    /// the end of the value.
    starts: Vec<(u32, u32)>,
}

impl TextIndex {
    /// Indexes every symbol of `symbols`.
    pub fn build(symbols: &SymbolTable) -> TextIndex {
        let mut lower = String::new();
        let mut ends = Vec::with_capacity(symbols.len());
        let mut starts = Vec::with_capacity(symbols.len());
        for s in 0..symbols.len() as u32 {
            let begin = lower.len();
            lower.push_str(&symbols.text(s).to_lowercase());
            let text = &lower[begin..];
            starts.extend(word_starts(text).map(|at| (s, at as u32)));
            ends.push(lower.len());
        }
        let mut index = TextIndex {
            lower,
            ends,
            starts: vec![],
        };
        starts.sort_unstable_by(|a, b| index.suffix(*a).cmp(index.suffix(*b)));
        index.starts = starts;
        index
    }

    /// The lowercased text of `symbol`.
    pub fn lower(&self, symbol: u32) -> &str {
        let s = symbol as usize;
        let begin = if s == 0 { 0 } else { self.ends[s - 1] };
        &self.lower[begin..self.ends[s]]
    }

    /// The lowercased text from a word start to the end of its value.
    fn suffix(&self, (symbol, at): (u32, u32)) -> &str {
        self.lower(symbol).get(at as usize..).unwrap_or("")
    }

    /// The symbols with a word starting with `prefix` (lowercase), sorted, each once.
    pub fn prefix(&self, prefix: &str) -> Vec<u32> {
        let from = self.starts.partition_point(|w| self.suffix(*w) < prefix);
        let to =
            from + self.starts[from..].partition_point(|w| self.suffix(*w).starts_with(prefix));
        let mut out: Vec<u32> = self.starts[from..to].iter().map(|(s, _)| *s).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The words (lowercased, each once, in sorted order) that start with `prefix`, with how many word
    /// starts hold each: a word runs from a word start to the next character that is not a letter or
    /// digit.
    /// Only the values of the symbols `keep` accepts are read.
    pub fn words_with_prefix(&self, prefix: &str, keep: impl Fn(u32) -> bool) -> Vec<(&str, u32)> {
        let from = self.starts.partition_point(|w| self.suffix(*w) < prefix);
        let mut out: std::collections::BTreeMap<&str, u32> = Default::default();
        for w in &self.starts[from..] {
            let rest = self.suffix(*w);
            if !rest.starts_with(prefix) {
                break;
            }
            if !keep(w.0) {
                continue;
            }
            let end = rest
                .char_indices()
                .find(|(_, c)| !c.is_alphanumeric())
                .map_or(rest.len(), |(i, _)| i);
            *out.entry(&rest[..end]).or_default() += 1;
        }
        out.into_iter().collect()
    }
}

/// Byte offsets where a word starts: the start of the text and every character after one that is not a
/// letter or digit (as the list-box search reads a word).
pub(super) fn word_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut prev_alnum = false;
    text.char_indices().filter_map(move |(i, c)| {
        let start = i == 0 || !prev_alnum;
        prev_alnum = c.is_alphanumeric();
        start.then_some(i)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dual;

    #[test]
    fn words_start_after_anything_but_letters_and_digits() {
        let starts: Vec<usize> = word_starts("new-york  2x").collect();
        assert_eq!(starts, [0, 4, 9, 10]);
    }

    #[test]
    fn prefix_runs_and_word_counts() {
        let mut t = SymbolTable::default();
        for v in ["Swan Lake", "swan", "Swedish Swans", "Lake Swan", "Oslo"] {
            t.intern(Dual::interpret(v));
        }
        let i = TextIndex::build(&t);
        assert_eq!(i.prefix("swa"), [0, 1, 2, 3]);
        assert_eq!(i.prefix("swan l"), [0]);
        assert_eq!(i.prefix("lake"), [0, 3]);
        assert_eq!(i.prefix("q"), Vec::<u32>::new());
        assert_eq!(i.lower(2), "swedish swans");
        assert_eq!(
            i.words_with_prefix("sw", |_| true),
            [("swan", 3), ("swans", 1), ("swedish", 1)]
        );
        assert_eq!(
            i.words_with_prefix("sw", |s| s == 2),
            [("swans", 1), ("swedish", 1)]
        );
    }
}
