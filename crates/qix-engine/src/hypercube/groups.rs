//! Group keys: how a combination of dimension values becomes one number, and how numbers become group
//! indexes.
//!
//! A key is mixed-radix — per dimension its symbol + 1, 0 for NULL — so it is computed with a multiply and
//! an add per dimension and decoded without a lookup table. Both scans number groups in first-seen order
//! through a [`GroupIndex`], so the merge of per-thread partials only has to map one numbering onto
//! another.

use super::acc::Group;
use super::plan::Plan;
use super::CubeError;
use crate::model::DataModel;
use crate::packed::NULL;
use std::collections::HashMap;

/// The key space of a cube: the radix of each dimension and their product.
pub(super) struct KeySpace {
    /// Per dimension: its field's number of symbols + 1 (for NULL).
    pub(super) radix: Vec<u128>,
    /// The number of possible keys.
    pub(super) space: u128,
    /// Whether the space is small enough to index groups with a plain array.
    pub(super) dense: bool,
}

impl KeySpace {
    /// The key space of the plan's dimensions; too many combinations for a `u128` is [`CubeError::TooLarge`].
    pub(super) fn new(model: &DataModel, plan: &Plan<'_>) -> Result<KeySpace, CubeError> {
        let radix: Vec<u128> = (0..plan.dims.len())
            .map(|di| plan.dim_cardinal(model, di) as u128 + 1)
            .collect();
        let mut space: u128 = 1;
        for r in &radix {
            space = space.checked_mul(*r).ok_or(CubeError::TooLarge)?;
        }
        Ok(KeySpace {
            radix,
            space,
            dense: space <= 1 << 20,
        })
    }

    /// `key` extended by dimension `di`'s symbol `sym` (`NULL` included).
    #[inline]
    pub(super) fn push(&self, key: u128, di: usize, sym: u32) -> u128 {
        key * self.radix[di] + if sym == NULL { 0 } else { sym as u128 + 1 }
    }

    /// The dimension symbols of `key` (`None` for NULL): what [`KeySpace::push`] encoded.
    pub(super) fn decode(&self, key: u128) -> Vec<Option<u32>> {
        let mut k = key;
        let mut out = vec![None; self.radix.len()];
        for di in (0..self.radix.len()).rev() {
            out[di] = self.pop(&mut k, di).checked_sub(1);
        }
        out
    }

    /// The last digit of `key` — dimension `di`'s, its symbol + 1 or 0 for NULL — taken off it. Keys of
    /// a space that fits 64 bits are divided as such: a 128-bit division is a library call, and a cube
    /// of 55,000 rows decodes two digits per row.
    #[inline]
    pub(super) fn pop(&self, key: &mut u128, di: usize) -> u32 {
        let r = self.radix[di];
        if self.space <= u128::from(u64::MAX) {
            let (k, r) = (*key as u64, r as u64);
            *key = u128::from(k / r);
            (k % r) as u32
        } else {
            let digit = (*key % r) as u32;
            *key /= r;
            digit
        }
    }

    /// The key of dimension symbols `syms` (`None` for NULL).
    pub(super) fn encode(&self, syms: &[Option<u32>]) -> u128 {
        let digits = syms.iter().enumerate();
        digits.fold(0, |key, (di, s)| self.push(key, di, s.unwrap_or(NULL)))
    }

    /// An empty group index over this space.
    pub(super) fn index(&self) -> GroupIndex {
        GroupIndex::new(self.dense, self.space)
    }
}

/// Group keys → group numbers in first-seen order: a dense array when the key space is small, a hash map
/// otherwise.
pub(super) struct GroupIndex {
    dense: Option<Vec<u32>>,
    keys: HashMap<u128, u32>,
    /// The key of each group, by group number.
    pub(super) key_list: Vec<u128>,
}

impl GroupIndex {
    fn new(dense: bool, space: u128) -> GroupIndex {
        GroupIndex {
            dense: dense.then(|| vec![u32::MAX; space as usize]),
            keys: HashMap::new(),
            key_list: Vec::new(),
        }
    }

    /// The group of `key`, and whether it is new.
    #[inline]
    pub(super) fn group(&mut self, key: u128) -> (usize, bool) {
        let next = self.key_list.len() as u32;
        let slot = match &mut self.dense {
            Some(d) => &mut d[key as usize],
            None => self.keys.entry(key).or_insert(u32::MAX),
        };
        if *slot != u32::MAX {
            return (*slot as usize, false);
        }
        *slot = next;
        self.key_list.push(key);
        (next as usize, true)
    }
}

/// What a scan hands to rendering: every group's key and accumulators, and the accumulators over all rows.
pub(super) struct Grouped {
    /// Group keys, by group number.
    pub(super) keys: Vec<u128>,
    /// Accumulators, by group number.
    pub(super) groups: Vec<Group>,
    /// Accumulators over all scanned rows (grand totals).
    pub(super) total: Group,
}
