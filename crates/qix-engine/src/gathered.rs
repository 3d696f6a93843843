//! The symbols of an inference's listed rows, read once per field.
//!
//! After a click that leaves a few thousand rows of a long table, each cube of the sheet reads its fields'
//! values at those rows — spread over the table, each read waits on memory — and several cubes read the
//! same fields (a sheet's measures share `Sum(Sales)`, its charts a dimension). The values read are kept
//! with the inference, which the sessions in that state share, so a field is read there once.
//!
//! Bounded by bytes, counted in the inference's weight from the start (see `Inference::bytes`), so a cache
//! that weighs an inference when it stores it never holds more than it counted.

use crate::model::{FieldId, TableId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Per (table, field): the field's symbols at the table's listed rows, in the list's order.
type Kept = HashMap<(TableId, FieldId), Arc<Vec<u32>>>;

/// The symbols kept (see the module's doc).
#[derive(Debug, Default)]
pub(crate) struct Gathered {
    fields: Mutex<Kept>,
}

impl Gathered {
    /// The most the kept symbols hold together.
    pub(crate) const MAX_BYTES: usize = 64 * 1024;

    /// The symbols of `field` at the listed rows of `table`: kept ones, else `read()`'s, kept while they
    /// fit in [`Gathered::MAX_BYTES`]. (Read outside the lock: two readers may both read, the first
    /// one's is kept.)
    pub(crate) fn get_or_read(
        &self,
        table: TableId,
        field: FieldId,
        read: impl FnOnce() -> Vec<u32>,
    ) -> Arc<Vec<u32>> {
        if let Some(kept) = self.lock().get(&(table, field)) {
            return kept.clone();
        }
        let read = Arc::new(read());
        let mut fields = self.lock();
        let held: usize = fields.values().map(|v| v.len() * 4).sum();
        if held + read.len() * 4 <= Gathered::MAX_BYTES {
            return fields.entry((table, field)).or_insert(read).clone();
        }
        read
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.fields.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A copy starts empty: what it keeps is a cache, read again on demand.
impl Clone for Gathered {
    fn clone(&self) -> Gathered {
        Gathered::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_read_once_and_the_memo_stays_within_its_bytes() {
        let g = Gathered::default();
        let mut reads = 0;
        for _ in 0..3 {
            let got = g.get_or_read(0, 1, || {
                reads += 1;
                vec![7; 10]
            });
            assert_eq!(*got, vec![7; 10]);
        }
        assert_eq!(reads, 1);
        // Too large to keep: answered, read again next time.
        let big = Gathered::MAX_BYTES / 4;
        let mut big_reads = 0;
        for _ in 0..2 {
            let got = g.get_or_read(0, 2, || {
                big_reads += 1;
                vec![1; big]
            });
            assert_eq!(got.len(), big);
        }
        assert_eq!(big_reads, 2);
    }
}
