//! Bit-packed columns: one symbol index per row with as few bits as the field needs.
//!
//! Stored value = symbol + 1, so that 0 is NULL. Packing and unpacking use `tantivy-bitpacker`.

use tantivy_bitpacker::{BitPacker, BitUnpacker};

/// Marks a NULL cell in the unpacked form.
pub const NULL: u32 = u32::MAX;

/// How many rows a scan decodes at a time.
pub const CHUNK: usize = 1024;

/// How many rows ahead [`PackedColumn::for_each_listed`] asks for the bytes it will read (measured on the
/// benchmark table's 2% selection, one thread, the 3-measure cube: no prefetch 8.1–8.4 ms, 16 rows ahead
/// 7.3, 32 rows ahead 6.6–7.1, 64 no better).
const GATHER_AHEAD: usize = 32;

/// One table column of symbol indexes.
#[derive(Debug, Clone)]
pub struct PackedColumn {
    data: Vec<u8>,
    unpacker: BitUnpacker,
    len: usize,
}

/// Bits needed to store values 0..=max.
fn bits_for(max: u64) -> u8 {
    (64 - max.leading_zeros()) as u8
}

impl Default for PackedColumn {
    fn default() -> Self {
        PackedColumn::pack(&[], 0)
    }
}

impl PackedColumn {
    /// Packs symbol indexes (`NULL` for null cells) of a field with `symbols` distinct values.
    pub fn pack(cells: &[u32], symbols: usize) -> PackedColumn {
        Self::pack_iter(cells.iter().copied(), cells.len(), symbols)
    }

    /// Packs `len` symbol indexes as they come (`NULL` for null cells; an index past `symbols` is stored
    /// as NULL), so a source can pack a column without holding it unpacked first.
    pub fn pack_iter(cells: impl Iterator<Item = u32>, len: usize, symbols: usize) -> PackedColumn {
        let bits = bits_for(symbols as u64).max(1);
        let mut data = Vec::with_capacity(len * bits as usize / 8 + 16);
        let mut packer = BitPacker::new();
        let mut count = 0;
        for c in cells.take(len) {
            let v = if (c as usize) < symbols {
                c as u64 + 1
            } else {
                0
            };
            // Writing to a Vec cannot fail.
            let _ = packer.write(v, bits, &mut data);
            count += 1;
        }
        let _ = packer.close(&mut data);
        // Padding lets every read take the unaligned 8-byte fast path.
        data.extend_from_slice(&[0u8; 8]);
        PackedColumn {
            data,
            unpacker: BitUnpacker::new(bits),
            len: count,
        }
    }

    /// The symbols of every row, unpacked.
    pub fn unpack(&self) -> Vec<u32> {
        let mut out = vec![0u32; self.len];
        self.get_range(0, &mut out);
        out
    }

    /// The symbols row by row (`NULL` for nulls), decoded [`CHUNK`] rows at a time.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let mut buf = [0u32; CHUNK];
        (0..self.len).step_by(CHUNK).flat_map(move |start| {
            let n = (self.len - start).min(CHUNK);
            self.get_range(start, &mut buf[..n]);
            buf.into_iter().take(n)
        })
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bits per row.
    pub fn bits(&self) -> u8 {
        self.unpacker.bit_width()
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.data.len()
    }

    /// The symbol of a row, or [`NULL`].
    #[inline]
    pub fn get(&self, row: usize) -> u32 {
        let v = self.unpacker.get(row as u32, &self.data);
        (v as u32).wrapping_sub(1)
    }

    /// Calls `f(row, symbol)` for each of `rows` in order (`NULL` as both for a `NULL` row).
    ///
    /// Rows spread over a long column make each read a cache miss of its own, and the hardware
    /// prefetcher does not follow a list of row numbers: the bytes of the row
    /// [`GATHER_AHEAD`] places on are asked for while this one is decoded, so that several misses are
    /// in flight at once instead of one after another.
    pub fn for_each_listed(&self, rows: &[u32], mut f: impl FnMut(u32, u32)) {
        for (i, &r) in rows.iter().enumerate() {
            if let Some(&ahead) = rows.get(i + GATHER_AHEAD) {
                self.prefetch(ahead);
            }
            f(
                r,
                if r == NULL {
                    NULL
                } else {
                    self.get(r as usize)
                },
            );
        }
    }

    /// The symbols of `rows` (`NULL` for a `NULL` row), in order, appended to `out` (read as
    /// [`PackedColumn::for_each_listed`] reads them).
    pub fn gather(&self, rows: &[u32], out: &mut Vec<u32>) {
        out.reserve(rows.len());
        self.for_each_listed(rows, |_, s| out.push(s));
    }

    /// Asks the CPU to bring the bytes of `row` into its cache: a hint, with no effect on any result.
    #[inline]
    fn prefetch(&self, row: u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(byte) = self.data.get(row as usize * self.bits() as usize / 8) {
            // SAFETY: a prefetch reads nothing into the program and never faults; the address is a
            // byte of `data` besides.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    (byte as *const u8).cast(),
                )
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = row;
    }

    /// Decodes rows `start..start + out.len()` as stored: symbol + 1, 0 for NULL.
    #[inline]
    pub fn get_raw_range(&self, start: usize, out: &mut [u64]) {
        self.unpacker.get_range(start as u32, &self.data, out);
    }

    /// Decodes rows `start..start + out.len()` into symbols (`NULL` for nulls).
    #[inline]
    pub fn get_range(&self, start: usize, out: &mut [u32]) {
        let mut raw = [0u64; CHUNK];
        let mut done = 0;
        while done < out.len() {
            let n = (out.len() - done).min(CHUNK);
            self.unpacker
                .get_range((start + done) as u32, &self.data, &mut raw[..n]);
            for (o, r) in out[done..done + n].iter_mut().zip(&raw[..n]) {
                *o = (*r as u32).wrapping_sub(1);
            }
            done += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_nulls() {
        let cells: Vec<u32> = (0..5000u32)
            .map(|i| if i % 7 == 0 { NULL } else { i % 300 })
            .collect();
        let col = PackedColumn::pack(&cells, 300);
        assert_eq!(col.bits(), 9);
        for (i, c) in cells.iter().enumerate() {
            assert_eq!(col.get(i), *c);
        }
        assert_eq!(col.iter().collect::<Vec<_>>(), cells);
        let mut out = vec![0u32; 2100];
        col.get_range(1234, &mut out);
        assert_eq!(&out[..], &cells[1234..1234 + 2100]);
        assert!(col.bytes() <= 5000 * 9 / 8 + 16);
    }

    #[test]
    fn gather_reads_the_listed_rows_and_passes_null_rows_through() {
        let cells: Vec<u32> = (0..100_000u32)
            .map(|i| if i % 13 == 0 { NULL } else { (i * 31) % 1000 })
            .collect();
        let col = PackedColumn::pack(&cells, 1000);
        // Spread rows, the last row, and NULL entries where a join found no row.
        let rows: Vec<u32> = (0..100_000u32)
            .step_by(97)
            .chain([99_999, NULL, 5])
            .collect();
        let mut got = vec![7];
        col.gather(&rows, &mut got);
        let want: Vec<u32> = std::iter::once(7)
            .chain(rows.iter().map(|&r| match r {
                NULL => NULL,
                r => cells[r as usize],
            }))
            .collect();
        assert_eq!(got, want);
    }
}
