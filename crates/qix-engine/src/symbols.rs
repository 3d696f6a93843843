//! Symbol tables: the distinct values of one field, across every table that has the field.
//!
//! Rows never hold values, only symbol indexes. Two values are the same symbol when they have the same
//! number (whatever their texts: the first text loaded is kept, as Qlik does) or, for pure texts, the same
//! text (case-sensitive).
//!
//! The store is compact because a field can have as many symbols as rows (an id column): per symbol one
//! `f64` (NaN for a pure text), and texts in one shared buffer — a number whose text is its default format
//! (`1234`, `2.5`) stores no text at all, the text is formatted when asked for. The hash index (value →
//! symbol) is built only when something looks a value up or interns into a table that already has
//! symbols: a table filled from a source's distinct values ([`SymbolTable::push_distinct`], what an
//! optimized QVD load does) never pays for hashing.

use crate::dual::{format_number, Dual};
use foldhash::fast::FixedState;
use hashbrown::HashTable;
use std::borrow::Cow;
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// Marks a text end whose symbol has no stored text (its text is the number's default format).
const DERIVED: u64 = 1 << 63;

/// Texts of the symbols that have one: one buffer and each symbol's end offset in it.
#[derive(Debug, Clone, Default)]
struct Texts {
    bytes: String,
    /// Per symbol, the end of its text in `bytes` (the start is the previous end), with [`DERIVED`] set
    /// when the symbol has no stored text.
    ends: Vec<u64>,
}

impl Texts {
    fn get(&self, i: usize) -> Option<&str> {
        let end = self.ends[i];
        if end & DERIVED != 0 {
            return None;
        }
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] & !DERIVED
        };
        self.bytes.get(start as usize..end as usize)
    }

    fn push(&mut self, text: Option<&str>) {
        match text {
            Some(t) => {
                self.bytes.push_str(t);
                self.ends.push(self.bytes.len() as u64);
            }
            None => self.ends.push(self.bytes.len() as u64 | DERIVED),
        }
    }
}

/// The distinct values of a field, in load order.
#[derive(Debug, Clone, Default)]
pub struct SymbolTable {
    /// The number of each symbol (NaN for text): aggregation reads these directly.
    nums: Vec<f64>,
    /// Stored texts; `None` while every symbol is a number shown in its default format.
    texts: Option<Texts>,
    /// Value → symbol, built on first use (see the module doc).
    index: OnceLock<HashTable<u32>>,
}

/// Hashing shared by lookups and the index: numbers by value (-0 is 0), texts by text.
fn hasher() -> FixedState {
    FixedState::with_seed(0x5178_6400)
}

fn num_key(n: f64) -> u64 {
    if n == 0.0 {
        0
    } else {
        n.to_bits()
    }
}

fn hash_num(n: f64) -> u64 {
    hasher().hash_one((0u8, num_key(n)))
}

fn hash_text(t: &str) -> u64 {
    hasher().hash_one((1u8, t))
}

/// Whether `text` (which reads as `n`) is how the engine prints `n` anyway. Plain integers are checked
/// without formatting (the common case in keys and ids).
fn is_default_format(text: &str, n: f64) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let no_leading_zero = !digits.starts_with('0') || digits == "0";
        return no_leading_zero && !(text.starts_with('-') && n == 0.0);
    }
    text == format_number(n)
}

/// A symbol's value as the index sees it.
enum Key<'a> {
    Num(f64),
    Text(&'a str),
}

impl<'a> Key<'a> {
    /// The key of a value given as its number (NaN for a pure text) and text.
    fn of(num: f64, text: Option<&'a str>) -> Key<'a> {
        if num.is_nan() {
            Key::Text(text.unwrap_or(""))
        } else {
            Key::Num(num)
        }
    }

    fn hash(&self) -> u64 {
        match self {
            Key::Num(n) => hash_num(*n),
            Key::Text(t) => hash_text(t),
        }
    }
}

impl SymbolTable {
    /// Room for `additional` more symbols.
    pub fn reserve(&mut self, additional: usize) {
        self.nums.reserve(additional);
        if let Some(t) = &mut self.texts {
            t.ends.reserve(additional);
        }
    }

    /// The key of symbol `i`.
    fn key_at<'t>(nums: &[f64], texts: &'t Option<Texts>, i: usize) -> Key<'t> {
        Key::of(nums[i], texts.as_ref().and_then(|t| t.get(i)))
    }

    fn hash_of(nums: &[f64], texts: &Option<Texts>, i: usize) -> u64 {
        Self::key_at(nums, texts, i).hash()
    }

    fn matches(nums: &[f64], texts: &Option<Texts>, i: usize, key: &Key<'_>) -> bool {
        let n = nums[i];
        match key {
            Key::Num(k) => !n.is_nan() && num_key(n) == num_key(*k),
            Key::Text(t) => n.is_nan() && texts.as_ref().and_then(|x| x.get(i)) == Some(*t),
        }
    }

    fn build_index(nums: &[f64], texts: &Option<Texts>) -> HashTable<u32> {
        let mut index = HashTable::with_capacity(nums.len());
        for i in 0..nums.len() {
            let key = Self::key_at(nums, texts, i);
            let h = key.hash();
            // A source that repeats a value keeps its first symbol as the one lookups find.
            if index
                .find(h, |&s| Self::matches(nums, texts, s as usize, &key))
                .is_none()
            {
                index.insert_unique(h, i as u32, |&s| Self::hash_of(nums, texts, s as usize));
            }
        }
        index
    }

    /// The symbol of `key` (whose hash is `h`), building the index if it is not there yet.
    fn lookup(&self, key: &Key<'_>, h: u64) -> Option<u32> {
        let index = self
            .index
            .get_or_init(|| Self::build_index(&self.nums, &self.texts));
        index
            .find(h, |&s| {
                Self::matches(&self.nums, &self.texts, s as usize, key)
            })
            .copied()
    }

    /// Interns a value given as its number (NaN for a pure text) and stored text (`None`: the number's
    /// default format).
    fn intern_parts(&mut self, num: f64, text: Option<&str>) -> u32 {
        let key = Key::of(num, text);
        let h = key.hash();
        if let Some(s) = self.lookup(&key, h) {
            return s;
        }
        let i = self.append(num, text);
        let (nums, texts) = (&self.nums, &self.texts);
        if let Some(index) = self.index.get_mut() {
            index.insert_unique(h, i, |&s| Self::hash_of(nums, texts, s as usize));
        }
        i
    }

    /// Appends a symbol without looking for it (the caller knows it is new).
    fn append(&mut self, num: f64, text: Option<&str>) -> u32 {
        let i = self.nums.len() as u32;
        // A number whose text is its default format stores no text.
        let text = match text {
            Some(t) if !num.is_nan() && is_default_format(t, num) => None,
            None if num.is_nan() => Some(""),
            other => other,
        };
        if text.is_some() && self.texts.is_none() {
            let mut t = Texts::default();
            t.ends.reserve(self.nums.capacity());
            for _ in 0..self.nums.len() {
                t.push(None);
            }
            self.texts = Some(t);
        }
        if let Some(t) = &mut self.texts {
            t.push(text);
        }
        self.nums.push(num);
        i
    }

    /// Appends a value the caller knows is not in the table yet (a source's own distinct values), without
    /// hashing it unless the index is already built. `text` `None` means the number's default format.
    pub fn push_distinct(&mut self, num: Option<f64>, text: Option<&str>) -> u32 {
        let num = num.filter(|n| !n.is_nan()).unwrap_or(f64::NAN);
        if self.index.get().is_some() {
            return self.intern_parts(num, text);
        }
        self.append(num, text)
    }

    /// The symbol index of `value`, adding it if new.
    pub fn intern(&mut self, value: Dual) -> u32 {
        self.intern_parts(value.num.unwrap_or(f64::NAN), Some(&value.text))
    }

    /// The symbol index of the number `n`, adding it if new (its text is its default format). NaN is not
    /// a number symbol: it is kept as the text `NaN`.
    pub fn intern_number(&mut self, n: f64) -> u32 {
        if n.is_nan() {
            return self.intern_parts(f64::NAN, Some("NaN"));
        }
        self.intern_parts(n, None)
    }

    /// The symbol index of the number `n` read as `text`, adding it if new (the text is kept only when it
    /// is not the number's default format, and only for a new symbol).
    pub fn intern_dual(&mut self, text: &str, n: f64) -> u32 {
        self.intern_parts(n, Some(text))
    }

    /// The symbol index of the pure text `text`, adding it if new.
    pub fn intern_text(&mut self, text: &str) -> u32 {
        self.intern_parts(f64::NAN, Some(text))
    }

    /// Frees the value index (it is built again on the next lookup): a loaded table keeps only its values.
    pub fn drop_index(&mut self) {
        self.index = OnceLock::new();
    }

    /// Done adding values: the index goes (see [`SymbolTable::drop_index`]) and so does the room the
    /// value vectors grew for but never used (up to half of them, after doubling) — a big vector gives
    /// its tail back without a copy.
    pub fn finish_building(&mut self) {
        self.drop_index();
        self.nums.shrink_to_fit();
        if let Some(t) = &mut self.texts {
            t.bytes.shrink_to_fit();
            t.ends.shrink_to_fit();
        }
    }

    /// The symbol for a value, if the field has it.
    pub fn find(&self, value: &Dual) -> Option<u32> {
        let key = Key::of(value.num.unwrap_or(f64::NAN), Some(&value.text));
        self.lookup(&key, key.hash())
    }

    /// The symbol whose text is `text` (texts of numbers included), if any.
    pub fn find_text(&self, text: &str) -> Option<u32> {
        let key = Key::Text(text);
        if let Some(i) = self.lookup(&key, key.hash()) {
            return Some(i);
        }
        (0..self.len())
            .find(|&i| self.text(i as u32) == text)
            .map(|i| i as u32)
    }

    /// The value of a symbol.
    pub fn get(&self, symbol: u32) -> Dual {
        let n = self.nums[symbol as usize];
        Dual {
            text: self.text(symbol).into_owned(),
            num: (!n.is_nan()).then_some(n),
        }
    }

    /// The text of a symbol (formatted when it is a number without a text of its own).
    pub fn text(&self, symbol: u32) -> Cow<'_, str> {
        let i = symbol as usize;
        match self.texts.as_ref().and_then(|t| t.get(i)) {
            Some(t) => Cow::Borrowed(t),
            None => Cow::Owned(format_number(self.nums[i])),
        }
    }

    /// The text a symbol was loaded with, if it has one of its own (`None` for a number whose text is its
    /// default format) — without formatting anything.
    pub fn stored_text(&self, symbol: u32) -> Option<&str> {
        self.texts.as_ref().and_then(|t| t.get(symbol as usize))
    }

    /// The number of a symbol, NaN for text.
    pub fn num(&self, symbol: u32) -> f64 {
        self.nums[symbol as usize]
    }

    /// Numbers of all symbols, by index (NaN for text).
    pub fn nums(&self) -> &[f64] {
        &self.nums
    }

    /// All values, by symbol index.
    pub fn iter(&self) -> impl Iterator<Item = Dual> + '_ {
        (0..self.len() as u32).map(|s| self.get(s))
    }

    /// Whether every symbol is a number.
    pub fn all_numeric(&self) -> bool {
        self.nums.iter().all(|n| !n.is_nan())
    }

    /// How many distinct values.
    pub fn len(&self) -> usize {
        self.nums.len()
    }

    /// Whether the field has no values.
    pub fn is_empty(&self) -> bool {
        self.nums.is_empty()
    }

    /// Approximate bytes held.
    pub fn bytes(&self) -> usize {
        self.nums.len() * 8
            + self
                .texts
                .as_ref()
                .map_or(0, |t| t.bytes.len() + t.ends.len() * 8)
            + self.index.get().map_or(0, |i| i.capacity() * 5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_unify_texts_do_not() {
        let mut t = SymbolTable::default();
        let a = t.intern(Dual::interpret("01"));
        let b = t.intern(Dual::interpret("1"));
        let c = t.intern(Dual::text("1"));
        let d = t.intern_number(1.0);
        assert_eq!(a, b);
        assert_eq!(a, d);
        assert_ne!(a, c);
        assert_eq!(t.get(a).text, "01", "the first text loaded is kept");
        assert_eq!(t.len(), 2);
        assert_eq!(t.intern_number(-0.0), t.intern_number(0.0));
        assert!(t.num(c).is_nan());
        assert_eq!(t.find_text("1"), Some(c));
    }

    #[test]
    fn numbers_in_default_format_store_no_text_and_distinct_pushes_skip_the_index() {
        let mut t = SymbolTable::default();
        for i in 0..1000 {
            t.push_distinct(Some(i as f64), None);
        }
        assert!(t.texts.is_none(), "no text stored for plain numbers");
        assert!(t.index.get().is_none(), "no index until a lookup");
        assert_eq!(t.get(7), Dual::number(7.0));
        assert_eq!(t.text(999), "999");
        // Mixed in later: a text, a dual, an empty text.
        let x = t.push_distinct(None, Some("x"));
        let dual = t.push_distinct(Some(2000.0), Some("2,000"));
        let empty = t.intern_text("");
        assert_eq!(t.get(x), Dual::text("x"));
        assert_eq!(t.get(dual), Dual::with_text("2,000", 2000.0));
        assert_eq!(t.get(empty), Dual::text(""));
        assert_eq!(
            t.get(5),
            Dual::number(5.0),
            "earlier numbers keep their default text"
        );
        assert_eq!(t.find(&Dual::number(2000.0)), Some(dual));
        assert_eq!(t.find(&Dual::text("x")), Some(x));
        assert_eq!(t.find(&Dual::number(12.0)), Some(12));
        assert_eq!(t.find(&Dual::text("12")), None, "a text is not the number");
        assert_eq!(
            t.intern_number(12.0),
            12,
            "interning after the index is built finds old symbols"
        );
        assert_eq!(t.intern(Dual::text("y")), 1003);
        assert_eq!(
            t.push_distinct(Some(5000.0), None),
            1004,
            "pushes go in the index once it exists"
        );
        assert_eq!(t.find(&Dual::number(5000.0)), Some(1004));
    }

    #[test]
    fn default_format_is_recognised_without_formatting_integers() {
        assert!(is_default_format("123", 123.0));
        assert!(is_default_format("-7", -7.0));
        assert!(is_default_format("0", 0.0));
        assert!(!is_default_format("007", 7.0));
        assert!(!is_default_format("-0", 0.0));
        assert!(is_default_format("2.5", 2.5));
        assert!(!is_default_format("2.50", 2.5));
        assert!(!is_default_format("+3", 3.0));
        assert!(!is_default_format("1e3", 1000.0));
    }

    #[test]
    fn repeated_values_from_a_source_resolve_to_the_first() {
        let mut t = SymbolTable::default();
        t.push_distinct(None, Some("a"));
        t.push_distinct(None, Some("a"));
        assert_eq!(t.find(&Dual::text("a")), Some(0));
        assert_eq!(t.intern_text("a"), 0);
    }
}
