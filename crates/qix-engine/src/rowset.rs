//! A table's possible rows under a selection: a bitset over the table's rows, or — when they are few —
//! their list, with the bitset made only if something asks for it.
//!
//! A selection that keeps 2,000 of a 10M-row table's rows is 8 KB as a list and 1.25 MB as a set; the
//! cubes and lists of that state read the list (see `Inference::row_list`), and making the set would
//! cost more than all of them (allocating it, zeroing it, a page fault per 4 KiB of it). What this is
//! not: a general compressed bitmap — the set operations of inference and set analysis run on [`Bits`].
//!
//! The rows of a selection in one field of a table, found through the field's row index, are a third
//! kind: they are the selected values' rows, which the index already holds, so the set is made only if
//! something asks for it, and [`RowSet::values_of`] tells which values they are (the possible values of
//! the table's other fields are then read from the two fields' indexes, see `Inference::possible`).

use crate::bits::Bits;
use crate::model::FieldId;
use std::sync::{Arc, OnceLock};

/// Rows are listed when they are at most this share of the table: the list then takes at most an eighth
/// of the set's bytes (a `u32` a row against a bit a row of the table). Measured on the benchmark table
/// (10M rows): listing a 2% selection's rows cost more (0.4 ms) than the list saves the scans that read
/// them; a 0.02% selection's list saves 1.6 ms over a sheet's cubes and lists.
pub const LIST_SHARE: usize = 256;

/// Possible rows of a table of `len` rows: the set, the list, or both (at least one is always made,
/// unless the rows are a field's values' rows and the set is made on first use).
#[derive(Debug, Clone)]
pub struct RowSet {
    len: usize,
    bits: OnceLock<Bits>,
    list: OnceLock<Option<Box<[u32]>>>,
    values: Option<Arc<Values>>,
    /// How many rows, once counted (a set of a long table is counted once, not by each reader).
    count: OnceLock<usize>,
}

/// Rows that are exactly those holding one of some values of a field: which, and how their set is made.
struct Values {
    field: FieldId,
    allowed: Bits,
    make: Box<dyn Fn() -> Bits + Send + Sync>,
}

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (f.debug_struct("Values"))
            .field("field", &self.field)
            .field("allowed", &self.allowed.count())
            .finish_non_exhaustive()
    }
}

impl RowSet {
    /// The rows of `bits`.
    pub fn from_bits(bits: Bits) -> RowSet {
        RowSet {
            len: bits.len(),
            bits: OnceLock::from(bits),
            list: OnceLock::new(),
            values: None,
            count: OnceLock::new(),
        }
    }

    /// The rows of `list` (increasing, each below `len`) of a table of `len` rows.
    pub fn from_list(list: Vec<u32>, len: usize) -> RowSet {
        RowSet {
            len,
            bits: OnceLock::new(),
            count: OnceLock::from(list.len()),
            list: OnceLock::from(Some(list.into_boxed_slice())),
            values: None,
        }
    }

    /// The `count` rows of a table of `len` rows that hold one of the `allowed` values of `field`, more
    /// than a [`LIST_SHARE`]th of the table; `make` makes their set, when something asks for it.
    pub fn of_values(
        len: usize,
        field: FieldId,
        allowed: Bits,
        count: usize,
        make: impl Fn() -> Bits + Send + Sync + 'static,
    ) -> RowSet {
        let make = Box::new(make);
        RowSet {
            len,
            bits: OnceLock::new(),
            count: OnceLock::from(count),
            list: OnceLock::from(None),
            values: Some(Arc::new(Values {
                field,
                allowed,
                make,
            })),
        }
    }

    /// The field and values whose rows these are, while their set is not made (after, reading the set
    /// costs less than reading the values' rows again).
    pub fn values_of(&self) -> Option<(FieldId, &Bits)> {
        let v = self
            .values
            .as_deref()
            .filter(|_| self.bits.get().is_none())?;
        Some((v.field, &v.allowed))
    }

    /// The rows as a set, made from the list (or the values' rows) the first time it is asked for.
    pub fn bits(&self) -> &Bits {
        self.bits.get_or_init(|| {
            if let Some(v) = &self.values {
                return (v.make)();
            }
            let mut bits = Bits::empty(self.len);
            for &r in self.list.get().and_then(Option::as_deref).unwrap_or(&[]) {
                bits.insert(r as usize);
            }
            bits
        })
    }

    /// How many rows (a set counted the first time it is asked).
    pub fn count(&self) -> usize {
        *self.count.get_or_init(|| self.bits().count())
    }

    /// The rows in increasing order when they are at most a [`LIST_SHARE`]th of the table (made from
    /// the set the first time it is asked for); `None` when there are more.
    pub fn list(&self) -> Option<&[u32]> {
        let list = self.list.get_or_init(|| {
            let bits = self.bits.get()?;
            bits.list_up_to(self.len / LIST_SHARE)
        });
        list.as_deref()
    }

    /// The list, if it is already made (asking for it does not make it).
    pub fn list_made(&self) -> Option<&[u32]> {
        self.list.get().and_then(Option::as_deref)
    }

    /// The set with the rows moved out, made from the list if need be.
    pub fn into_bits(self) -> Bits {
        let len = self.len;
        self.bits();
        self.bits.into_inner().unwrap_or_else(|| Bits::empty(len))
    }

    /// The most bytes it can come to hold: the set, and a list of at most a [`LIST_SHARE`]th of the
    /// rows (what a cache that weighs it when it stores it must count, as either may be made later).
    pub fn bytes_at_most(&self) -> usize {
        self.len.div_ceil(64) * 8 + self.len / LIST_SHARE * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_and_a_set_of_the_same_rows_agree() {
        let len = 100_000;
        let rows: Vec<u32> = (0..len as u32).step_by(1_000).collect();
        let listed = RowSet::from_list(rows.clone(), len);
        assert_eq!(listed.list_made(), Some(&rows[..]));
        let from_list: Vec<u32> = listed.bits().iter().map(|r| r as u32).collect();
        assert_eq!(from_list, rows);
        let mut bits = Bits::empty(len);
        rows.iter().for_each(|&r| bits.insert(r as usize));
        let set = RowSet::from_bits(bits.clone());
        assert_eq!(set.list_made(), None);
        assert_eq!(set.list(), Some(&rows[..]), "100 rows of 100,000: listed");
        assert_eq!((set.count(), listed.count()), (100, 100));
        assert_eq!(RowSet::from_list(rows, len).into_bits(), bits);
        // Every other row: too many to list.
        assert_eq!(RowSet::from_bits(Bits::full(len)).list(), None);
    }
}
