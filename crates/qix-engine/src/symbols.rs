//! Symbol tables: the distinct values of one field, across every table that has the field.
//!
//! Rows never hold values, only symbol indexes. Two values are the same symbol when they have the same
//! number (whatever their texts: the first text loaded is kept, as Qlik does) or, for pure texts, the same
//! text (case-sensitive).

use crate::dual::Dual;
use foldhash::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SymbolKey {
    Num(u64),
    Text(String),
}

fn key_of_num(n: f64) -> SymbolKey {
    // -0 and 0 are one number.
    SymbolKey::Num(if n == 0.0 {
        0f64.to_bits()
    } else {
        n.to_bits()
    })
}

/// The distinct values of a field, in load order.
#[derive(Debug, Clone, Default)]
pub struct SymbolTable {
    values: Vec<Dual>,
    /// The number of each symbol (NaN for text), for fast aggregation.
    nums: Vec<f64>,
    index: HashMap<SymbolKey, u32>,
}

impl SymbolTable {
    /// Room for `additional` more symbols without rehashing.
    pub fn reserve(&mut self, additional: usize) {
        self.values.reserve(additional);
        self.nums.reserve(additional);
        self.index.reserve(additional);
    }

    /// The symbol index of `value`, adding it if new.
    pub fn intern(&mut self, value: Dual) -> u32 {
        let key = match value.num {
            Some(n) => key_of_num(n),
            None => SymbolKey::Text(value.text.clone()),
        };
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = self.values.len() as u32;
        self.nums.push(value.num.unwrap_or(f64::NAN));
        self.values.push(value);
        self.index.insert(key, i);
        i
    }

    /// The symbol index of the number `n`, adding it if new (no text is formatted unless it is new).
    pub fn intern_number(&mut self, n: f64) -> u32 {
        let key = key_of_num(n);
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.intern(Dual::number(n))
    }

    /// The symbol for a value, if the field has it.
    pub fn find(&self, value: &Dual) -> Option<u32> {
        let key = match value.num {
            Some(n) => key_of_num(n),
            None => SymbolKey::Text(value.text.clone()),
        };
        self.index.get(&key).copied()
    }

    /// The symbol whose text is `text` (texts of numbers included), if any.
    pub fn find_text(&self, text: &str) -> Option<u32> {
        if let Some(&i) = self.index.get(&SymbolKey::Text(text.to_string())) {
            return Some(i);
        }
        self.values
            .iter()
            .position(|v| v.text == text)
            .map(|i| i as u32)
    }

    /// The value of a symbol.
    pub fn get(&self, symbol: u32) -> &Dual {
        &self.values[symbol as usize]
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
    pub fn values(&self) -> &[Dual] {
        &self.values
    }

    /// How many distinct values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the field has no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Approximate bytes held.
    pub fn bytes(&self) -> usize {
        self.values
            .iter()
            .map(|v| v.text.len() + std::mem::size_of::<Dual>())
            .sum::<usize>()
            + self.nums.len() * 8
            + self.index.capacity() * (std::mem::size_of::<SymbolKey>() + 4)
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
}
