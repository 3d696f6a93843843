//! The mapping functions over the script's MAPPING LOAD tables: `ApplyMap` and `MapSubString`.

use super::arg;
use crate::exec::cells::{cell_key, to_cell, to_value};
use crate::exec::Exec;
use qix_expr::Value;
use std::collections::HashMap;

impl Exec<'_> {
    /// `ApplyMap(map, value, default)`: the value's mapping, else the default, else the value itself.
    pub(super) fn apply_map(&self, args: &[Value]) -> Value {
        let map = arg(args, 0).text().unwrap_or_default();
        let v = arg(args, 1);
        let key = cell_key(&to_cell(v.clone()));
        match self.mappings.get(&map).and_then(|m| m.get(&key)) {
            Some((_, c)) => to_value(c),
            None if args.len() > 2 => arg(args, 2),
            None => v,
        }
    }

    /// `MapSubString(map, text)`: the text with each part that is a key of the mapping replaced by its
    /// value, from left to right, the longest key first where several start at the same place; the
    /// values put in are not looked at again. Case-sensitive. NULL for an unknown mapping.
    pub(super) fn map_substring(&self, args: &[Value]) -> Value {
        let map = arg(args, 0).text().unwrap_or_default();
        let Some(m) = self.mappings.get(&map) else {
            return Value::Null;
        };
        let Some(text) = arg(args, 1).text() else {
            return Value::Null;
        };
        // The keys by their first character, longest first.
        let mut by_first: HashMap<char, Vec<(&str, String)>> = HashMap::new();
        for (key, value) in m.values() {
            if let Some(c) = key.chars().next() {
                let value = value.as_ref().map(|d| d.text.clone()).unwrap_or_default();
                by_first.entry(c).or_default().push((key.as_str(), value));
            }
        }
        for keys in by_first.values_mut() {
            keys.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
        }
        Value::Text(replace_parts(&text, &by_first))
    }
}

/// `text` with its parts replaced as [`Exec::map_substring`] says.
fn replace_parts(text: &str, by_first: &HashMap<char, Vec<(&str, String)>>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let found = by_first
            .get(&c)
            .and_then(|keys| keys.iter().find(|(k, _)| rest.starts_with(k)));
        match found {
            Some((k, v)) => {
                out.push_str(v);
                rest = &rest[k.len()..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}
