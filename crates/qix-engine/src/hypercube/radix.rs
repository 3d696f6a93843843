//! The order of integer keys by a least-significant-digit radix sort: a cube of 55,000 rows sorts by
//! its packed dimension keys in a few linear passes instead of a comparison sort's sixteen levels.
//! Stable, so equal keys keep their first order (what the cube's load-order tie-break wants).

/// Bits per pass: 2,048 counters, small enough to stay in the first-level cache.
const DIGIT: u32 = 11;

/// The positions of `keys` in ascending key order (equal keys in their order), reading only the low
/// `bits` bits of each key. `None` when there are more keys than a `u32` position holds.
pub(super) fn order(keys: &[u64], bits: u32) -> Option<Vec<u32>> {
    let n = u32::try_from(keys.len()).ok()?;
    let mut idx: Vec<u32> = (0..n).collect();
    let mut out = vec![0u32; keys.len()];
    let mask = (1u64 << DIGIT) - 1;
    let mut shift = 0;
    while shift < bits.min(64) {
        let digit = |i: u32| ((keys[i as usize] >> shift) & mask) as usize;
        let mut next = vec![0usize; 1 << DIGIT];
        for &i in &idx {
            next[digit(i)] += 1;
        }
        let mut start = 0;
        for slot in next.iter_mut() {
            (start, *slot) = (start + *slot, start);
        }
        for &i in &idx {
            let d = digit(i);
            out[next[d]] = i;
            next[d] += 1;
        }
        std::mem::swap(&mut idx, &mut out);
        shift += DIGIT;
    }
    Some(idx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn orders_as_a_stable_sort(keys in proptest::collection::vec(0u64..5000, 0..300), wide in any::<bool>()) {
            let keys: Vec<u64> = match wide {
                true => keys.iter().map(|k| k << 40 | k).collect(),
                false => keys,
            };
            let bits = 64 - keys.iter().max().copied().unwrap_or(0).leading_zeros();
            let mut want: Vec<u32> = (0..keys.len() as u32).collect();
            want.sort_by_key(|&i| keys[i as usize]);
            prop_assert_eq!(order(&keys, bits), Some(want));
        }
    }
}
