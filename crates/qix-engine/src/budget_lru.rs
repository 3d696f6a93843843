//! A least-recently-used map bounded by the bytes of its entries rather than their number: results of
//! one kind differ in size by orders of magnitude (a KPI's one row, a 10M-row selection's row set), so a
//! count bound either wastes memory or evicts too early. Counts hits and misses for the metrics.

use lru::LruCache;
use std::hash::Hash;

/// What an LRU holds and how it has served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Entries held.
    pub entries: usize,
    /// Their bytes, as estimated when each was put.
    pub bytes: usize,
    /// Lookups answered.
    pub hits: u64,
    /// Lookups not answered.
    pub misses: u64,
}

/// The map: values with the bytes each was put with, the least recently used evicted first.
pub struct BudgetLru<K: Hash + Eq, V: Clone> {
    map: LruCache<K, (V, usize)>,
    budget: usize,
    stats: CacheStats,
}

impl<K: Hash + Eq, V: Clone> BudgetLru<K, V> {
    /// Empty, holding at most `budget` bytes.
    pub fn new(budget: usize) -> BudgetLru<K, V> {
        BudgetLru {
            map: LruCache::unbounded(),
            budget,
            stats: CacheStats::default(),
        }
    }

    /// The value for `key`, now the most recently used; counts a hit or a miss.
    pub fn get(&mut self, key: &K) -> Option<V> {
        let found = self.map.get(key).map(|(v, _)| v.clone());
        match found {
            Some(_) => self.stats.hits += 1,
            None => self.stats.misses += 1,
        }
        found
    }

    /// The value for `key`, now the most recently used, without counting a lookup: a lookup on the
    /// cache's own behalf (a result computed from another), not a reader's.
    pub fn peek(&mut self, key: &K) -> Option<V> {
        self.map.get(key).map(|(v, _)| v.clone())
    }

    /// Keeps `value` (estimated at `bytes`), evicting the least recently used until it fits. A value
    /// larger than the whole budget is not kept.
    pub fn put(&mut self, key: K, value: V, bytes: usize) {
        if let Some((_, old)) = self.map.pop(&key) {
            self.stats.bytes -= old;
        }
        if bytes > self.budget {
            return;
        }
        while self.stats.bytes + bytes > self.budget {
            match self.map.pop_lru() {
                Some((_, (_, b))) => self.stats.bytes -= b,
                None => break,
            }
        }
        self.map.put(key, (value, bytes));
        self.stats.bytes += bytes;
    }

    /// Forgets every entry (the counts stay).
    pub fn clear(&mut self) {
        self.map.clear();
        self.stats.bytes = 0;
    }

    /// Entries, bytes, hits and misses.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.map.len(),
            ..self.stats
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_least_recently_used_by_bytes() {
        let mut lru: BudgetLru<u32, u32> = BudgetLru::new(100);
        lru.put(1, 10, 40);
        lru.put(2, 20, 40);
        assert_eq!(lru.get(&1), Some(10)); // 2 is now the least recently used
        lru.put(3, 30, 40);
        assert_eq!(lru.get(&2), None);
        assert_eq!(lru.get(&1), Some(10));
        assert_eq!(lru.get(&3), Some(30));
        lru.put(4, 40, 500); // larger than the budget: not kept, nothing evicted
        assert_eq!(lru.get(&4), None);
        let s = lru.stats();
        assert_eq!((s.entries, s.bytes, s.hits, s.misses), (2, 80, 3, 2));
        // A lookup on the cache's own behalf counts neither a hit nor a miss.
        assert_eq!((lru.peek(&1), lru.peek(&2)), (Some(10), None));
        assert_eq!((lru.stats().hits, lru.stats().misses), (3, 2));
        lru.put(1, 11, 10); // replacing an entry gives its bytes back
        assert_eq!(lru.stats().bytes, 50);
        lru.clear();
        assert_eq!(lru.stats().bytes, 0);
    }
}
