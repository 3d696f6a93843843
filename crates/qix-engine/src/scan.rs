//! Parallel scans over packed columns: filtering rows by symbol, collecting the symbols of rows.
//! Rows are split into blocks of whole 64-bit words so each thread writes its own words.

use crate::bits::Bits;
use crate::packed::{PackedColumn, CHUNK, NULL};
use rayon::prelude::*;

/// Rows per parallel block (a multiple of 64).
const BLOCK: usize = 64 * 1024;

/// `rows ∩ {r : column[r] ∈ allowed}`; `rows = None` means every row. NULL cells never match.
pub fn filter_rows(column: &PackedColumn, rows: Option<&Bits>, allowed: &Bits) -> Bits {
    let n = column.len();
    let mut words = vec![0u64; n.div_ceil(64)];
    // Membership by the stored value (symbol + 1; 0, NULL, never matches): one shift of a 64-bit table
    // for fields with fewer than 64 values, one byte of a table otherwise — no branch per row.
    let lut: Option<u64> =
        (allowed.len() < 64).then(|| allowed.iter().fold(0u64, |acc, s| acc | 1u64 << (s + 1)));
    let bytes: Vec<u8> = match lut {
        Some(_) => Vec::new(),
        None => std::iter::once(0)
            .chain((0..allowed.len()).map(|s| allowed.contains(s) as u8))
            .collect(),
    };
    words
        .par_chunks_mut(BLOCK / 64)
        .enumerate()
        .for_each(|(bi, out)| {
            let start = bi * BLOCK;
            // Decoded 1,024 rows (16 words) at a time.
            let mut raw_block = [0u64; 1024];
            let mut decoded_from = usize::MAX;
            for (wi, w) in out.iter_mut().enumerate() {
                let base = start + wi * 64;
                let mask = match rows {
                    Some(r) => r.words()[base / 64],
                    None => !0u64,
                };
                if mask == 0 {
                    continue;
                }
                let lim = (n - base).min(64);
                let chunk = base - base % 1024;
                if chunk != decoded_from {
                    let len = (n - chunk).min(1024);
                    column.get_raw_range(chunk, &mut raw_block[..len]);
                    decoded_from = chunk;
                }
                let raw = &raw_block[base - chunk..base - chunk + lim];
                let mut bits = 0u64;
                match lut {
                    Some(lut) => {
                        for (j, v) in raw.iter().enumerate() {
                            bits |= ((lut >> v) & 1) << j;
                        }
                    }
                    None => {
                        for (j, v) in raw.iter().enumerate() {
                            let hit = bytes.get(*v as usize).copied().unwrap_or(0);
                            bits |= (hit as u64) << j;
                        }
                    }
                }
                *w = mask & bits;
            }
        });
    Bits::from_words(words, n)
}

/// Calls `keep` with each row of `{r ∈ rows : column[r] ∈ allowed}` in increasing order, reading only
/// the listed rows: for a few rows of a long column, where decoding the whole column would cost more.
/// NULL cells never match.
pub fn filter_listed_rows(
    column: &PackedColumn,
    rows: &Bits,
    allowed: &Bits,
    mut keep: impl FnMut(u32),
) {
    // A chunk of rows at a time, read together (see `PackedColumn::for_each_listed`).
    let mut listed = Vec::with_capacity(CHUNK);
    let mut rows = rows.iter().map(|r| r as u32).peekable();
    while rows.peek().is_some() {
        listed.clear();
        listed.extend(rows.by_ref().take(CHUNK));
        filter_list(column, &listed, allowed, &mut keep);
    }
}

/// Calls `keep` with each of the listed `rows` (in their order) whose value in `column` is `allowed`.
/// NULL cells never match.
pub fn filter_list(column: &PackedColumn, rows: &[u32], allowed: &Bits, mut keep: impl FnMut(u32)) {
    column.for_each_listed(rows, |r, s| {
        if s != NULL && allowed.contains(s as usize) {
            keep(r);
        }
    });
}

/// The symbols (of a field with `symbols` values) that occur in the listed `rows` of `column`.
pub fn symbols_of_rows(column: &PackedColumn, rows: &[u32], symbols: usize) -> Bits {
    let mut out = Bits::empty(symbols);
    column.for_each_listed(rows, |_, s| {
        if s != NULL && (s as usize) < symbols {
            out.insert(s as usize);
        }
    });
    out
}

/// The symbols (of a field with `symbols` values) that occur in `rows` of `column`.
pub fn symbols_in(column: &PackedColumn, rows: Option<&Bits>, symbols: usize) -> Bits {
    let n = column.len();
    let blocks = n.div_ceil(BLOCK);
    (0..blocks)
        .into_par_iter()
        .fold(
            || Bits::empty(symbols),
            |mut acc, bi| {
                let start = bi * BLOCK;
                let end = (start + BLOCK).min(n);
                if let Some(r) = rows {
                    let set: usize = r.words()[start / 64..end.div_ceil(64)]
                        .iter()
                        .map(|w| w.count_ones() as usize)
                        .sum();
                    // Few rows in the block: read just those.
                    if set * 8 < end - start {
                        for row in r.iter_range(start, end) {
                            let s = column.get(row);
                            if s != NULL {
                                acc.insert(s as usize);
                            }
                        }
                        return acc;
                    }
                }
                let mut syms = vec![0u32; end - start];
                column.get_range(start, &mut syms);
                let mut add = |s: u32| {
                    if s != NULL {
                        acc.insert(s as usize);
                    }
                };
                match rows {
                    None => syms.iter().for_each(|s| add(*s)),
                    // Only the listed rows, a word of the row set at a time.
                    Some(r) => r
                        .iter_range(start, end)
                        .for_each(|row| add(syms[row - start])),
                }
                acc
            },
        )
        .reduce(
            || Bits::empty(symbols),
            |mut a, b| {
                a.union_with(&b);
                a
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_and_collect_match_a_plain_loop() {
        let cells: Vec<u32> = (0..200_000u32)
            .map(|i| if i % 11 == 0 { NULL } else { (i * 7) % 13 })
            .collect();
        let col = PackedColumn::pack(&cells, 13);
        let mut allowed = Bits::empty(13);
        allowed.insert(2);
        allowed.insert(5);
        let mut rows = Bits::full(cells.len());
        rows.remove(5);
        let got = filter_rows(&col, Some(&rows), &allowed);
        for (i, c) in cells.iter().enumerate() {
            let want = i != 5 && *c != NULL && (*c == 2 || *c == 5);
            assert_eq!(got.contains(i), want, "row {i}");
        }
        let syms = symbols_in(&col, Some(&got), 13);
        assert_eq!(syms.iter().collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(symbols_in(&col, None, 13).count(), 13);
    }

    #[test]
    fn fields_of_many_values_filter_by_a_byte_table() {
        let cells: Vec<u32> = (0..150_000u32)
            .map(|i| if i % 13 == 0 { NULL } else { (i * 7) % 113 })
            .collect();
        let col = PackedColumn::pack(&cells, 113);
        let mut allowed = Bits::empty(113);
        for s in [2, 64, 112] {
            allowed.insert(s);
        }
        let mut rows = Bits::full(cells.len());
        rows.remove(2 * 7);
        let got = filter_rows(&col, Some(&rows), &allowed);
        let mut listed = Bits::empty(cells.len());
        filter_listed_rows(&col, &rows, &allowed, |r| listed.insert(r as usize));
        for (i, c) in cells.iter().enumerate() {
            let want = i != 14 && *c != NULL && [2, 64, 112].contains(c);
            assert_eq!(got.contains(i), want, "row {i}");
            assert_eq!(listed.contains(i), want, "listed row {i}");
        }
        let syms = symbols_in(&col, Some(&got), 113);
        assert_eq!(syms.iter().collect::<Vec<_>>(), vec![2, 64, 112]);
    }
}
