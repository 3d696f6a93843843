//! One computation per key at a time: when several sessions ask for the same result at once (a hundred
//! users opening the same sheet with the same selections), the first computes it and the others wait for
//! its answer instead of computing it too. Only for work that never asks for its own key while it runs.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};

/// The computations in progress, by key.
pub struct SingleFlight<K, V> {
    inflight: Mutex<HashMap<K, Arc<OnceLock<V>>>>,
}

impl<K: Hash + Eq + Clone, V: Clone> SingleFlight<K, V> {
    /// Nothing in progress.
    pub fn new() -> SingleFlight<K, V> {
        SingleFlight {
            inflight: Mutex::new(HashMap::new()),
        }
    }

    /// `compute()`'s value for `key`, or the value a computation of `key` already in progress gives.
    /// `compute` should store its value where later callers look first (a cache) before it returns: the
    /// key stops being in progress once it has.
    pub fn run(&self, key: &K, compute: impl FnOnce() -> V) -> V {
        let cell = self
            .lock()
            .entry(key.clone())
            .or_insert_with(|| Arc::new(OnceLock::new()))
            .clone();
        let value = cell.get_or_init(compute).clone();
        let mut inflight = self.lock();
        if inflight.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            inflight.remove(key);
        }
        value
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Arc<OnceLock<V>>>> {
        self.inflight.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Default for SingleFlight<K, V> {
    fn default() -> SingleFlight<K, V> {
        SingleFlight::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn callers_at_once_share_one_computation() {
        let flight: SingleFlight<u32, u32> = SingleFlight::new();
        let runs = AtomicUsize::new(0);
        let answers: Vec<u32> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        flight.run(&7, || {
                            runs.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(200));
                            49
                        })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(answers, vec![49; 8]);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // Done: the next call computes again (its value would come from a cache first).
        assert_eq!(flight.run(&7, || 50), 50);
        assert!(flight.lock().is_empty());
    }
}
