//! What the search methods share in their answers: match ranges (`SearchCharRange`) in the encoding the
//! client asked for, paging by offset and count, and the order of a field's matches.

use qix_engine::smart::{ranges, Term};
use serde_json::{json, Map, Value};

/// How `qCharPos` / `qCharCount` count (`qCharEncoding`): UTF-8 bytes (the default) or UTF-16 units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 bytes.
    Utf8,
    /// UTF-16 code units (what a JavaScript string's indexes count).
    Utf16,
}

impl Encoding {
    /// `qCharEncoding` of the options: `Utf16` / `CHAR_ENCODING_UTF16` / 1, else UTF-8.
    pub fn of(options: &Map<String, Value>) -> Encoding {
        match options.get("qCharEncoding") {
            Some(Value::String(s)) if s == "Utf16" || s == "CHAR_ENCODING_UTF16" => Encoding::Utf16,
            Some(Value::Number(n)) if n.as_u64() == Some(1) => Encoding::Utf16,
            _ => Encoding::Utf8,
        }
    }

    /// The length of `text` in this encoding.
    fn len(self, text: &str) -> usize {
        match self {
            Encoding::Utf8 => text.len(),
            Encoding::Utf16 => text.encode_utf16().count(),
        }
    }
}

/// The `SearchCharRange`s of every term of `which` in `text`, in the order they stand in the text.
pub fn char_ranges(terms: &[Term], which: &[usize], text: &str, enc: Encoding) -> Vec<Value> {
    let mut found: Vec<(usize, usize, usize)> = which
        .iter()
        .filter_map(|t| terms.get(*t).map(|term| (*t, term)))
        .flat_map(|(t, term)| {
            ranges(&term.search, text)
                .into_iter()
                .map(move |(at, len)| (at, len, t))
        })
        .collect();
    found.sort_unstable();
    found
        .into_iter()
        .map(|(at, len, t)| {
            json!({"qCharPos": enc.len(&text[..at]), "qCharCount": enc.len(&text[at..at + len]), "qTerm": t})
        })
        .collect()
}

/// A group or item type of the paging options: its title, its upper-case name or its number.
pub struct PageType {
    /// `DatasetType`, `Field`, ...
    pub title: &'static str,
    /// `DATASET_GROUP`, `FIELD`, ...
    pub name: &'static str,
    /// The enum's number.
    pub number: u64,
}

/// The data-set group of `SearchResults`.
pub const DATASET: PageType = PageType {
    title: "DatasetType",
    name: "DATASET_GROUP",
    number: 1,
};
/// A field item of `SearchResults`.
pub const FIELD: PageType = PageType {
    title: "Field",
    name: "FIELD",
    number: 1,
};
/// The generic-object group of `SearchObjects`.
pub const OBJECTS: PageType = PageType {
    title: "GenericObjectsType",
    name: "GENERIC_OBJECTS_GROUP",
    number: 2,
};
/// A generic-object item of `SearchObjects`.
pub const OBJECT: PageType = PageType {
    title: "GenericObject",
    name: "GENERIC_OBJECT",
    number: 2,
};

impl PageType {
    fn is(&self, v: &Value) -> bool {
        match v {
            Value::String(s) => s == self.title || s == self.name,
            Value::Number(n) => n.as_u64() == Some(self.number),
            _ => false,
        }
    }
}

/// `(offset, count)` of the options in `list` (`qGroupOptions` / `qGroupItemOptions`) whose `type_key` is
/// `kind` (or that names no type); count `None` is all (missing or negative).
pub fn paging(list: Option<&Value>, type_key: &str, kind: &PageType) -> (usize, Option<usize>) {
    let found = list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|o| o.get(type_key).is_none_or(|t| kind.is(t)));
    match found {
        Some(o) => offset_count(o),
        None => (0, None),
    }
}

/// `qOffset` / `qCount` of an object (a negative or missing count: all).
pub fn offset_count(o: &Value) -> (usize, Option<usize>) {
    let offset = o.get("qOffset").and_then(Value::as_u64).unwrap_or(0) as usize;
    let count = o
        .get("qCount")
        .and_then(Value::as_i64)
        .and_then(|c| usize::try_from(c).ok());
    (offset, count)
}

/// The part of `items` a page shows.
pub fn page<T>(items: &[T], (offset, count): (usize, Option<usize>)) -> &[T] {
    let from = offset.min(items.len());
    let to = count.map_or(items.len(), |c| from.saturating_add(c).min(items.len()));
    &items[from..to]
}

/// How well a value (lowercased) matched a term: 0 the whole value, 1 from its start, 2 elsewhere.
pub fn match_rank(lower: &str, term: &Term) -> u8 {
    match &term.search {
        qix_engine::Search::Text(t) if lower == t => 0,
        qix_engine::Search::Text(t) if lower.starts_with(t.as_str()) => 1,
        qix_engine::Search::Text(_) => 2,
        _ => 1,
    }
}

/// The first `offset + count` of `symbols` in order of `key` (best first), the rest left unsorted after
/// them: a page of a large match list without sorting all of it. Each key is worked out once.
pub fn order_page<K: Ord>(
    symbols: &mut [u32],
    (offset, count): (usize, Option<usize>),
    key: impl Fn(u32) -> K,
) {
    let wanted = count.map_or(symbols.len(), |c| offset.saturating_add(c));
    if wanted == 0 || symbols.len() < 2 {
        return;
    }
    let mut keyed: Vec<(K, u32)> = symbols.iter().map(|s| (key(*s), *s)).collect();
    if wanted < keyed.len() {
        keyed.select_nth_unstable(wanted - 1);
        keyed[..wanted].sort_unstable();
    } else {
        keyed.sort_unstable();
    }
    for (slot, (_, s)) in symbols.iter_mut().zip(keyed) {
        *slot = s;
    }
}

/// The `SearchFieldMatchType` of a field's best match: the whole value, a whole word, or the start of one.
pub fn match_type(text: &str, term: &Term) -> &'static str {
    let lower = text.to_lowercase();
    match &term.search {
        qix_engine::Search::Text(t) if lower == *t => "FieldMatchExact",
        qix_engine::Search::Text(t) => {
            let whole_word = ranges(&term.search, text).iter().any(|(at, len)| {
                text[at + len..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
            });
            if whole_word && !t.is_empty() {
                "FieldMatchWord"
            } else {
                "FieldMatchSubString"
            }
        }
        _ => "FieldMatchExact",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_count_bytes_or_utf16_units() {
        let terms = vec![Term::parse("ber"), Term::parse("zü")];
        let r = char_ranges(&terms, &[0, 1], "Zürich Bern", Encoding::Utf8);
        assert_eq!(
            r,
            [
                json!({"qCharPos": 0, "qCharCount": 3, "qTerm": 1}),
                json!({"qCharPos": 8, "qCharCount": 3, "qTerm": 0})
            ]
        );
        let r = char_ranges(&terms, &[0, 1], "Zürich Bern", Encoding::Utf16);
        assert_eq!(r[1], json!({"qCharPos": 7, "qCharCount": 3, "qTerm": 0}));
        assert_eq!(r[0]["qCharCount"], 2);
    }

    #[test]
    fn pages_and_partial_order() {
        assert_eq!(page(&[1, 2, 3, 4], (1, Some(2))), [2, 3]);
        assert_eq!(page(&[1, 2, 3, 4], (3, None)), [4]);
        assert_eq!(page(&[1, 2], (5, Some(1))), [] as [i32; 0]);
        let mut s = vec![9, 3, 7, 1, 5];
        order_page(&mut s, (0, Some(2)), |x| x);
        assert_eq!(&s[..2], [1, 3]);
        let opts = json!([{"qGroupType": "GenericObjectsType", "qCount": 1}, {"qGroupType": "DatasetType", "qOffset": 2, "qCount": -1}]);
        assert_eq!(paging(Some(&opts), "qGroupType", &DATASET), (2, None));
    }

    #[test]
    fn match_types() {
        assert_eq!(match_type("Oslo", &Term::parse("oslo")), "FieldMatchExact");
        assert_eq!(
            match_type("New York", &Term::parse("york")),
            "FieldMatchWord"
        );
        assert_eq!(
            match_type("New York", &Term::parse("yo")),
            "FieldMatchSubString"
        );
    }
}
