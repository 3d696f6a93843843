//! One value's rows in a row index ([`crate::rowindex`]): a posting list of increasing row numbers kept
//! close to the entropy of their gaps, and [`Cursor`], the one reader that decodes it.
//!
//! The layout is Rice coding with the two parts of each code kept apart, as search engines keep posting
//! lists. Each gap between rows, less one, is split at bit `k` (chosen per list to make the list
//! smallest): its low `k` bits are bit-packed 128 at a time by `bitpacking`'s SIMD kernels — stored as
//! running sums, so unpacking adds them up — and its quotient goes to a bit stream of its own in unary
//! (that many zeros, then a one). The rows of a block then come without a running sum of the quotients:
//! the quotients of its first `j + 1` gaps add up to the position of the `(j + 1)`-th one bit after the
//! block's start, less `j`. A head every [`GROUP`] blocks records the row before the group and where its
//! quotients start, so a reader passes over groups without decoding them.
//!
//! Why not fixed-width gaps, a block as wide as its widest gap (the layout before this one): on values
//! spread over a long table — each on 1–2% of the rows, the benchmark's `Sel` and `Dim` — that took 8.8 and
//! 9.8 bits a row with its 12-byte block headers, this takes 7.2 and 8.4 (such gaps' entropy is ~7.1 and
//! ~8.1 bits), which keeps 100M rows of the benchmark table with both indexes under 10 bytes a row.
//! The price is decoding: ~0.7 ns a row against ~0.2 (unpacking the low bits is the same; finding the one
//! bits is the rest).

use bitpacking::{BitPacker, BitPacker4x};

/// Row numbers per packed block.
pub(crate) const BLOCK: usize = BitPacker4x::BLOCK_LEN;

/// Blocks per head: a head costs 8 bytes, an eighth of a bit a row at this size; a reader passing over
/// rows decodes at most this many blocks it does not need.
const GROUP: usize = 4;

/// The widest low part: 128 of them summed must fit a `u32` (the unpacked running sums).
const MAX_K: u8 = 24;

/// Where a group of blocks starts.
#[derive(Debug, Clone, Copy)]
struct Head {
    /// The row before the group's first (`u32::MAX` before the list's first row: the gaps wrap).
    before: u32,
    /// The position in the quotients' stream of the group's first quotient.
    at: u32,
}

/// One value's rows, in increasing order: full blocks of [`BLOCK`] Rice-coded gaps, then the rest as
/// they are.
#[derive(Debug, Default)]
pub(crate) struct Postings {
    /// Where each gap splits: its low `k` bits packed, the rest in unary.
    k: u8,
    /// How many full blocks.
    blocks: usize,
    /// One per [`GROUP`] full blocks.
    heads: Vec<Head>,
    /// Per full block, 16 × `k` bytes: the running sums of its gaps' low parts, bit-packed.
    low: Vec<u8>,
    /// The quotients in unary, lowest bit first; a zero word after the last one read.
    high: Vec<u64>,
    tail: Vec<u32>,
}

impl Postings {
    /// Codes `rows` (increasing).
    pub(crate) fn new(rows: &[u32]) -> Postings {
        let full = rows.len() / BLOCK * BLOCK;
        let (k, bits) = best_k(&rows[..full]);
        let packer = BitPacker4x::new();
        let mut low = Vec::with_capacity(full / BLOCK * 16 * k as usize);
        let mut high = Unary::new(bits);
        let mut heads = Vec::with_capacity((full / BLOCK).div_ceil(GROUP));
        let mut sums = [0u32; BLOCK];
        let mut buffer = [0u8; 4 * BLOCK];
        let mut before = u32::MAX;
        for (b, chunk) in rows[..full].chunks_exact(BLOCK).enumerate() {
            if b.is_multiple_of(GROUP) {
                heads.push(Head {
                    before,
                    at: high.len as u32,
                });
            }
            let mut sum = 0u32;
            for (s, &row) in sums.iter_mut().zip(chunk) {
                let gap = row.wrapping_sub(before).wrapping_sub(1);
                before = row;
                sum += gap & low_mask(k);
                *s = sum;
                high.push(gap >> k);
            }
            let n = packer.compress_sorted(0, &sums, &mut buffer, k);
            low.extend_from_slice(&buffer[..n]);
        }
        Postings {
            k,
            blocks: full / BLOCK,
            heads,
            low,
            high: high.finish(),
            tail: rows[full..].to_vec(),
        }
    }

    /// Calls `f` with each row.
    pub(crate) fn for_each(&self, mut f: impl FnMut(u32)) {
        self.any(|r| {
            f(r);
            false
        });
    }

    /// How many rows.
    pub(crate) fn len(&self) -> usize {
        self.blocks * BLOCK + self.tail.len()
    }

    /// How many blocks reading every row decodes (the rest after the full ones counting as one).
    pub(crate) fn block_count(&self) -> usize {
        self.blocks + 1
    }

    /// Whether `hit` holds for some row, reading blocks only until it does.
    pub(crate) fn any(&self, mut hit: impl FnMut(u32) -> bool) -> bool {
        let mut cursor = Cursor::new(self);
        while cursor.decode_next() {
            if cursor.block().iter().any(|r| hit(*r)) {
                return true;
            }
        }
        false
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.low.capacity()
            + self.high.capacity() * 8
            + self.heads.capacity() * std::mem::size_of::<Head>()
            + self.tail.capacity() * 4
            + std::mem::size_of::<Postings>()
    }

    /// Decodes full block `b`, whose gaps start after row `before` and whose quotients start at `at`,
    /// into `out`; the block's last row and where the next block's quotients start.
    fn decode(&self, b: usize, before: u32, at: u32, out: &mut [u32; BLOCK]) -> (u32, u32) {
        let k = self.k;
        BitPacker4x::new().decompress_sorted(0, &self.low[b * 16 * k as usize..], out, k);
        let word = at as usize / 64;
        let mut ones = [0u32; ONES_LEN];
        one_positions(&self.high[word..], at % 64, &mut ones);
        // Positions count from the start of `word`; the quotients from the block's start.
        let start = at % 64;
        for (j, (row, one)) in out.iter_mut().zip(&ones).enumerate() {
            let quotients = one - start - j as u32;
            *row = before
                .wrapping_add(*row)
                .wrapping_add(j as u32 + 1)
                .wrapping_add(quotients << k);
        }
        let next = (word * 64) as u32 + ones[BLOCK - 1] + 1;
        (out[BLOCK - 1], next)
    }
}

/// The low `k` bits.
fn low_mask(k: u8) -> u32 {
    ((1u64 << k) - 1) as u32
}

/// The `k` that codes the gaps of `rows` in the fewest bits (`k` bits and a stop bit per gap, plus the
/// quotients' zeros), tried around the one the mean gap suggests; and the quotients' bits with it.
fn best_k(rows: &[u32]) -> (u8, usize) {
    let Some(&last) = rows.last() else {
        return (0, 0);
    };
    let n = rows.len() as u64;
    // The gaps less one add up to the last row + 1 - n; the best k of geometric gaps is near
    // log2(mean × ln 2).
    let mean = (u64::from(last) + 1 - n) as f64 / n as f64;
    let guess = (mean * std::f64::consts::LN_2).max(1.0).log2().floor() as u8;
    let candidates = [guess.saturating_sub(1), guess, guess + 1].map(|k| k.min(MAX_K));
    let mut zeros = [0u64; 3];
    let mut before = u32::MAX;
    for &row in rows {
        let gap = row.wrapping_sub(before).wrapping_sub(1);
        before = row;
        for (z, k) in zeros.iter_mut().zip(candidates) {
            *z += u64::from(gap >> k);
        }
    }
    (candidates.iter().zip(zeros))
        .min_by_key(|(k, z)| n * u64::from(**k) + z)
        .map_or((0, 0), |(k, z)| (*k, (z + n) as usize))
}

/// A bit stream being written: quotients in unary.
struct Unary {
    words: Vec<u64>,
    len: usize,
    /// The word being written (at `len / 64`, as of the last one written), stored when the stream
    /// moves past it: ORing each bit into memory would wait on the store of the bit before.
    word: u64,
    at: usize,
}

impl Unary {
    /// A stream of `bits` bits, and a zero word after them (a block's decoding reads one word past its
    /// last one).
    fn new(bits: usize) -> Unary {
        Unary {
            words: vec![0; bits / 64 + 2],
            len: 0,
            word: 0,
            at: 0,
        }
    }

    /// Writes `q` zeros and a one (within the bits the stream was made for).
    fn push(&mut self, q: u32) {
        self.len += q as usize;
        if self.len / 64 != self.at {
            self.store();
            self.at = self.len / 64;
        }
        self.word |= 1 << (self.len % 64);
        self.len += 1;
    }

    /// Stores the word being written (the words after it are still zero).
    fn store(&mut self) {
        if let Some(word) = self.words.get_mut(self.at) {
            *word = self.word;
        }
        self.word = 0;
    }

    /// The stream's words.
    fn finish(mut self) -> Vec<u64> {
        self.store();
        self.words
    }
}

/// Room for a block's one bits: a word's ones are written eight at a time, past the block's last one.
const ONES_LEN: usize = BLOCK + 64 + 8;

/// Writes to `ones` the positions (from the start of `words`) of the first [`BLOCK`] one bits at bit
/// `skip` of `words` or later. With the CPU's instructions for counting and finding bits when it has them
/// (checked once, then cached by `std`), a block decodes in ~0.7 ns a row against ~0.9 without.
fn one_positions(words: &[u64], skip: u32, ones: &mut [u32; ONES_LEN]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("bmi1") && std::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has the features the function is compiled for, checked just above.
        return unsafe { one_positions_bmi(words, skip, ones) };
    }
    one_positions_portable(words, skip, ones)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi1,popcnt")]
unsafe fn one_positions_bmi(words: &[u64], skip: u32, ones: &mut [u32; ONES_LEN]) {
    one_positions_portable(words, skip, ones)
}

/// [`one_positions`]: each word's ones written eight at a time without a test each (a word holds ~30 on
/// the gaps of a value on 2% of the rows), the count of written ones moved on by the word's count.
#[inline(always)]
fn one_positions_portable(words: &[u64], skip: u32, ones: &mut [u32; ONES_LEN]) {
    let mut found = 0;
    let mut w = words[0] & (!0u64 << skip);
    let mut i = 0;
    while found < BLOCK {
        let base = (i * 64) as u32;
        let end = found + w.count_ones() as usize;
        let mut at = found;
        while at < end {
            for _ in 0..8 {
                ones[at] = base + w.trailing_zeros();
                w &= w.wrapping_sub(1);
                at += 1;
            }
        }
        found = end;
        i += 1;
        w = words[i];
    }
}

/// A reader of one value's rows in increasing order, a block at a time: the one place a posting list is
/// decoded. A group of blocks ends at the row after which the next group starts, so groups wholly
/// before a row a reader moves to are passed over without being decoded.
pub(crate) struct Cursor<'a> {
    postings: &'a Postings,
    /// The next block to decode; the tail after the last one.
    next: usize,
    /// The row before block `next` and where its quotients start, once a block of its group is decoded.
    before: u32,
    at_bit: u32,
    /// The block decoded last, `rows[at..len]` not read yet.
    rows: [u32; BLOCK],
    len: usize,
    at: usize,
    /// Blocks decoded so far (what reading it has cost).
    pub(crate) decoded: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(postings: &'a Postings) -> Cursor<'a> {
        Cursor {
            postings,
            next: 0,
            before: u32::MAX,
            at_bit: 0,
            rows: [0; BLOCK],
            len: 0,
            at: 0,
            decoded: 0,
        }
    }

    /// Decodes the next block (the tail after the full ones); false past the end.
    fn decode_next(&mut self) -> bool {
        let p = self.postings;
        if self.next < p.blocks {
            if self.next.is_multiple_of(GROUP) {
                let head = p.heads[self.next / GROUP];
                (self.before, self.at_bit) = (head.before, head.at);
            }
            (self.before, self.at_bit) =
                p.decode(self.next, self.before, self.at_bit, &mut self.rows);
            self.len = BLOCK;
        } else if self.next == p.blocks && !p.tail.is_empty() {
            self.rows[..p.tail.len()].copy_from_slice(&p.tail);
            self.len = p.tail.len();
        } else {
            return false;
        }
        self.next += 1;
        self.at = 0;
        self.decoded += 1;
        true
    }

    /// The block decoded last.
    fn block(&self) -> &[u32] {
        &self.rows[..self.len]
    }

    /// Calls `f` with each row below `end` not read yet, in order.
    pub(crate) fn take_below(&mut self, end: u32, mut f: impl FnMut(u32)) {
        loop {
            let rest = &self.rows[self.at..self.len];
            // Most blocks end before `end`: their rows need no test.
            let below = match rest.last() {
                Some(&last) if last < end => rest.len(),
                _ => rest.partition_point(|&r| r < end),
            };
            rest[..below].iter().for_each(|&r| f(r));
            self.at += below;
            if self.at < self.len {
                return;
            }
            if !self.decode_next() {
                return;
            }
        }
    }

    /// The first row from `target` on, not read yet (it stays unread); `None` past the last.
    fn seek(&mut self, target: u32) -> Option<u32> {
        self.skip_below(target);
        self.rows[..self.len].get(self.at).copied()
    }

    /// Moves past the rows below `end`, decoding only the blocks of a group that reaches `end`.
    pub(crate) fn skip_below(&mut self, end: u32) {
        if self.at < self.len && self.rows[self.len - 1] >= end {
            self.take_below(end, |_| {});
            return;
        }
        self.at = self.len;
        // The group of block `next` ends where the next group starts after.
        let heads = &self.postings.heads;
        while let Some(head) = heads.get(self.next / GROUP + 1) {
            if head.before >= end {
                break;
            }
            self.next = (self.next / GROUP + 1) * GROUP;
        }
        self.take_below(end, |_| {});
    }
}

/// The first row both cursors hold, each moved on to the other's row in turn (a group behind the other's
/// row is passed over without being decoded).
pub(crate) fn first_shared(a: &mut Cursor<'_>, b: &mut Cursor<'_>) -> Option<u32> {
    let mut row = a.seek(0)?;
    loop {
        let theirs = b.seek(row)?;
        if theirs == row {
            return Some(row);
        }
        row = a.seek(theirs)?;
        if row == theirs {
            return Some(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of `rows`, decoded.
    fn decoded(rows: &[u32]) -> Vec<u32> {
        let postings = Postings::new(rows);
        let mut out = Vec::new();
        postings.for_each(|r| out.push(r));
        assert_eq!(postings.len(), rows.len());
        out
    }

    #[test]
    fn lists_round_trip_from_dense_to_spread_over_every_row_number() {
        let every: Vec<u32> = (0..1_000).collect();
        assert_eq!(decoded(&every), every);
        let step = u32::MAX / 300;
        let spread: Vec<u32> = (0..300).map(|i| i * step).chain([u32::MAX]).collect();
        assert_eq!(decoded(&spread), spread);
        // One row far from the others: its quotient is long, the others' short.
        let mut lumpy: Vec<u32> = (0..600).map(|i| i * 3).collect();
        lumpy.extend((0..300).map(|i| 4_000_000 + i * 50));
        assert_eq!(decoded(&lumpy), lumpy);
        assert!(decoded(&[]).is_empty());
        assert_eq!(decoded(&[7]), vec![7]);
    }

    #[test]
    fn a_value_on_two_percent_of_the_rows_takes_under_eight_bits_a_row() {
        // The benchmark's `Sel`: a multiplicative hash spreads each of 50 values over the rows.
        let rows: Vec<u32> = (0..5_000_000u64)
            .filter(|i| ((i * 2_654_435_761) % 4_294_967_291 / 100) % 50 == 7)
            .map(|i| i as u32)
            .collect();
        let postings = Postings::new(&rows);
        let bits = postings.bytes() as f64 * 8.0 / rows.len() as f64;
        assert!(bits < 7.5, "{bits:.2} bits a row");
        assert!(bits > 7.0, "{bits:.2} bits a row: under the gaps' entropy?");
        let mut out = Vec::new();
        postings.for_each(|r| out.push(r));
        assert_eq!(out, rows);
    }

    #[test]
    fn the_first_shared_row_of_two_lists() {
        let threes: Vec<u32> = (0..20_000).map(|i| i * 3).collect();
        let sevens: Vec<u32> = (1..20_000).map(|i| i * 7 + 50_001).collect();
        let (a, b) = (Postings::new(&threes), Postings::new(&sevens));
        let (mut x, mut y) = (Cursor::new(&a), Cursor::new(&b));
        // 50,008, 50,015, 50,022: the third is the first multiple of 3.
        assert_eq!(first_shared(&mut x, &mut y), Some(50_022));
        let far: Vec<u32> = vec![59_999 * 3 + 1];
        let c = Postings::new(&far);
        assert_eq!(
            first_shared(&mut Cursor::new(&a), &mut Cursor::new(&c)),
            None
        );
    }

    proptest::proptest! {
        /// A cursor read in stretches (each stretch either read or passed over) yields exactly the rows
        /// of each read stretch, whatever the block and group boundaries and the gaps' sizes: stretch
        /// ends fall inside blocks, on a block's last row, right after it, and past the end.
        #[test]
        fn a_cursor_reads_and_skips_stretches_exactly(
            widest in proptest::sample::select(vec![1u32, 2, 300, 1 << 20]),
            gaps in proptest::collection::vec(0u32..1 << 20, 0..2_000),
            ends in proptest::collection::vec((1u32..4_000, proptest::bool::ANY), 1..80),
            on_boundaries in proptest::bool::ANY,
        ) {
            let rows: Vec<u32> = gaps
                .iter()
                .scan(None, |at: &mut Option<u32>, g| {
                    let row = at.map_or(g % widest, |a| a + 1 + g % widest);
                    *at = Some(row);
                    Some(row)
                })
                .collect();
            let postings = Postings::new(&rows);
            let mut cursor = Cursor::new(&postings);
            let (mut from, mut end) = (0u32, 0u32);
            for (step, read) in ends {
                // Either a random step, or an end right at (or just after) a block's last row.
                let next = rows.partition_point(|&r| r < end);
                end = match rows.get(next / BLOCK * BLOCK + BLOCK - 1) {
                    Some(&last) if on_boundaries => last + u32::from(read),
                    _ => end.saturating_add(step.saturating_mul(widest)),
                };
                let want: Vec<u32> = rows.iter().copied().filter(|r| (from..end).contains(r)).collect();
                let mut got = Vec::new();
                if read {
                    cursor.take_below(end, |r| got.push(r));
                    proptest::prop_assert_eq!(&got, &want, "rows from {} below {}", from, end);
                } else {
                    cursor.skip_below(end);
                }
                from = end;
            }
            let mut rest = Vec::new();
            cursor.take_below(u32::MAX, |r| rest.push(r));
            let want: Vec<u32> = rows.iter().copied().filter(|&r| r >= from).collect();
            proptest::prop_assert_eq!(rest, want);
        }
    }
}
