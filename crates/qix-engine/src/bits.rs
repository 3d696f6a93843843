//! Plain bitsets over rows of a table or symbols of a field.

/// A fixed-size set of indexes `0..len`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    /// The empty set over `0..len`.
    pub fn empty(len: usize) -> Bits {
        Bits {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// The full set over `0..len`.
    pub fn full(len: usize) -> Bits {
        let mut b = Bits {
            words: vec![!0u64; len.div_ceil(64)],
            len,
        };
        b.trim();
        b
    }

    /// Builds from per-64 words (extra high bits are cleared).
    pub fn from_words(words: Vec<u64>, len: usize) -> Bits {
        let mut b = Bits { words, len };
        b.trim();
        b
    }

    fn trim(&mut self) {
        let extra = self.words.len() * 64 - self.len;
        if extra > 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= !0u64 >> extra;
            }
        }
    }

    /// The size of the universe.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the universe is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The words.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Whether `i` is in the set.
    #[inline]
    pub fn contains(&self, i: usize) -> bool {
        i < self.len && self.words[i >> 6] & (1u64 << (i & 63)) != 0
    }

    /// Adds `i`.
    #[inline]
    pub fn insert(&mut self, i: usize) {
        self.words[i >> 6] |= 1u64 << (i & 63);
    }

    /// Removes `i`.
    #[inline]
    pub fn remove(&mut self, i: usize) {
        self.words[i >> 6] &= !(1u64 << (i & 63));
    }

    /// Members.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Keeps only members of `other`.
    pub fn intersect_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= *b;
        }
    }

    /// Adds the members of `other`.
    pub fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= *b;
        }
    }

    /// Removes the members of `other`.
    pub fn difference_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !*b;
        }
    }

    /// Keeps the indexes in exactly one of the two sets.
    pub fn symmetric_difference_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a ^= *b;
        }
        self.trim();
    }

    /// Whether every index is a member.
    pub fn is_full(&self) -> bool {
        self.count() == self.len
    }

    /// Members in increasing order as a list, or `None` when there are more than `max` of them. Counted
    /// first, so that the list is allocated once at its size (growing it would copy it and touch fresh
    /// pages at each doubling).
    pub fn list_up_to(&self, max: usize) -> Option<Box<[u32]>> {
        let count = self.count();
        if count > max {
            return None;
        }
        let mut out = Vec::with_capacity(count);
        for (wi, &w) in self.words.iter().enumerate() {
            if w != 0 {
                out.extend(ones(wi * 64, w).map(|i| i as u32));
            }
        }
        Some(out.into_boxed_slice())
    }

    /// Members in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (self.words.iter().enumerate()).flat_map(|(wi, &w)| ones(wi * 64, w))
    }

    /// Members in `start..end`, in increasing order: a word of the set at a time, so a sparse range
    /// costs its words, not its indexes.
    pub fn iter_range(&self, start: usize, end: usize) -> impl Iterator<Item = usize> + '_ {
        let end = end.min(self.len);
        let first = start / 64;
        let words = match start < end {
            true => &self.words[first..end.div_ceil(64)],
            false => &[][..],
        };
        words.iter().enumerate().flat_map(move |(i, &w)| {
            let base = (first + i) * 64;
            // Clear the word's indexes before `start` (only the first word has any: fewer than 64) and
            // from `end` on.
            let mut w = w & (!0u64 << start.saturating_sub(base));
            let keep = end - base;
            if keep < 64 {
                w &= (1u64 << keep) - 1;
            }
            ones(base, w)
        })
    }
}

/// The indexes `base + i` of the set bits `i` of `w`, in increasing order.
fn ones(base: usize, mut w: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if w == 0 {
            return None;
        }
        let t = w.trailing_zeros() as usize;
        w &= w - 1;
        Some(base + t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_of_a_range() {
        let mut b = Bits::empty(300);
        for i in [0, 5, 63, 64, 65, 127, 128, 200, 299] {
            b.insert(i);
        }
        let range = |s, e| b.iter_range(s, e).collect::<Vec<_>>();
        assert_eq!(range(0, 300), b.iter().collect::<Vec<_>>());
        assert_eq!(range(5, 65), vec![5, 63, 64]);
        assert_eq!(range(6, 128), vec![63, 64, 65, 127]);
        assert_eq!(range(64, 64), Vec::<usize>::new());
        assert_eq!(range(129, 1000), vec![200, 299]);
        assert_eq!(range(300, 400), Vec::<usize>::new());
    }

    #[test]
    fn set_operations() {
        let mut a = Bits::full(130);
        assert_eq!(a.count(), 130);
        a.remove(3);
        a.remove(129);
        assert!(!a.contains(3) && a.contains(4) && !a.contains(130));
        let mut b = Bits::empty(130);
        b.insert(3);
        b.insert(64);
        let mut c = a.clone();
        c.intersect_with(&b);
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![64]);
        c.union_with(&b);
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![3, 64]);
    }
}
