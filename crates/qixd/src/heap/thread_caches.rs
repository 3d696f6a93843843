//! Empties glibc's per-thread malloc caches of the threads that live on, when the server goes idle —
//! the part of giving memory back after the sessions end that a trim ([`super::release`]) cannot do.
//!
//! Why: glibc keeps up to seven freed blocks of each small size (up to 1 KiB) in a cache per thread
//! (tcache). To the heap those blocks are still in use, so `malloc_trim` cannot give back the pages they
//! sit on; after a load, the caches of the threads that never end — tokio's workers, rayon's — hold
//! blocks scattered over hundreds of pages. glibc has no call that empties a cache (it empties one only
//! when its thread ends), and `--return-memory` turns the caches off at the price of every request's
//! allocations. What glibc does do: a block freed while its size's cache is full goes to the heap. So a
//! thread empties its own cache by
//! 1. taking its cached blocks out with `malloc` (seven of each size: the cached ones come first),
//! 2. filling its cache with a *ballast* — seven blocks of each size made by a new thread, whose cache
//!    was empty, so they are fresh and lie side by side on a few pages,
//! 3. freeing the blocks of step 1, which now go to the heap,
//! 4. taking the ballast back out, which leaves its cache empty.
//!
//! Before its cache, each thread also hands crossbeam-epoch's bag of frees it deferred to be run
//! ([`run_deferred_frees`]): another per-thread store of freed memory that an idle server never empties.
//!
//! The ballast is made by a thread of its own and freed by another one that then ends (its cache goes
//! to the heap with it), so nothing is kept between rounds. Each thread must run the steps itself (a
//! cache belongs to its thread): rayon's threads through `rayon::broadcast`, tokio's workers when they
//! next park ([`on_worker_park`], woken by empty tasks). What this is not: the trim that gives the
//! emptied blocks' pages back, which [`super::release`] does after it.

use super::{free, malloc};
use qixd::sync::Recover;
use std::cell::Cell;
use std::ffi::c_void;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Sizes glibc's cache keeps by default: blocks of 32 to 1,040 bytes in steps of 16.
const SIZES: usize = 64;
/// Blocks of one size a cache holds by default (`glibc.malloc.tcache_count`).
const PER_SIZE: usize = 7;
/// Flushes of crossbeam-epoch's garbage a thread makes in a round (see [`run_deferred_frees`]): two move
/// the epoch past this thread's own bag; each runs up to eight bags.
const DEFERRED_FLUSHES: usize = 16;
/// How long the tokio workers get to park and empty their caches.
const WORKERS_WAIT: Duration = Duration::from_secs(1);

/// The request that makes a block of cache size `i`: glibc adds 8 bytes of header and rounds to 16.
fn request(i: usize) -> usize {
    24 + 16 * i
}

/// Seven blocks of each cached size, made by a thread whose cache was empty.
struct Ballast {
    blocks: [[*mut c_void; PER_SIZE]; SIZES],
}

// SAFETY: the blocks are plain malloc'd memory, owned by the ballast alone and never read or written;
// glibc lets any thread free a block.
unsafe impl Send for Ballast {}

impl Ballast {
    /// Made on a new thread: its cache is empty, so every block comes fresh from the heap. None when no
    /// thread can be started.
    fn made_fresh() -> Option<Ballast> {
        let made = std::thread::Builder::new().spawn(|| {
            let mut ballast = Ballast {
                blocks: [[std::ptr::null_mut(); PER_SIZE]; SIZES],
            };
            for (i, blocks) in ballast.blocks.iter_mut().enumerate() {
                for b in blocks {
                    // SAFETY: malloc of a small size; a null block is kept as null (free ignores it).
                    *b = unsafe { black_box(malloc(request(i))) };
                }
            }
            ballast
        });
        made.ok()?.join().ok()
    }

    /// Empties the calling thread's cache (the module's steps 1–4). Whatever the cache held goes to the
    /// heap; the ballast ends as it began, out of every cache.
    fn empty_this_threads_cache(&mut self) {
        for (i, ballast) in self.blocks.iter_mut().enumerate() {
            let size = request(i);
            // SAFETY: every block passed to free here came from malloc and is freed once: the taken
            // blocks right after, the ballast's before it takes the same number back.
            // `black_box`: the compiler knows malloc and free, and would drop blocks nothing uses.
            unsafe {
                let taken: [*mut c_void; PER_SIZE] =
                    std::array::from_fn(|_| black_box(malloc(size)));
                for b in ballast.iter() {
                    free(black_box(*b));
                }
                for b in taken {
                    free(black_box(b));
                }
                for b in ballast.iter_mut() {
                    *b = black_box(malloc(size));
                }
            }
        }
    }

    /// Frees the blocks on a new thread that then ends: they go to its cache, which goes to the heap
    /// when it ends, instead of into a cache that stays (or here, when no thread can be started). Joined,
    /// not scoped: a scope ends when the thread's closure returns, before its cache goes to the heap, and
    /// the trim that follows would miss the ballast.
    fn free_elsewhere(self) {
        let ballast = Arc::new(Mutex::new(Some(self)));
        let theirs = ballast.clone();
        let freeing = std::thread::Builder::new().spawn(move || {
            let taken = theirs.lock().recover().take();
            if let Some(ballast) = taken {
                ballast.free();
            }
        });
        if let Ok(thread) = freeing {
            let _ = thread.join();
        }
        let left = ballast.lock().recover().take();
        if let Some(ballast) = left {
            ballast.free();
        }
    }

    fn free(self) {
        for b in self.blocks.iter().flatten() {
            // SAFETY: each block came from malloc and is freed once, here.
            unsafe { free(black_box(*b)) };
        }
    }
}

/// The ballast of the round under way (`None` between rounds).
static BALLAST: Mutex<Option<Ballast>> = Mutex::new(None);
/// Rounds started so far; a worker empties its cache once a round.
static ROUND: AtomicU64 = AtomicU64::new(0);
/// Tokio workers that emptied their cache in the round under way.
static WORKERS_DONE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The last round this thread emptied its cache in.
    static EMPTIED_IN: Cell<u64> = const { Cell::new(0) };
}

fn ballast() -> MutexGuard<'static, Option<Ballast>> {
    BALLAST.lock().recover()
}

/// Empties this thread's cache with the round's ballast, once a round; false when there is no round
/// under way, or another thread holds the ballast (`wait: false`).
fn empty_here(wait: bool) -> bool {
    let round = ROUND.load(Ordering::Acquire);
    if EMPTIED_IN.with(Cell::get) == round {
        return false;
    }
    let mut guard = match wait {
        true => ballast(),
        false => match BALLAST.try_lock() {
            Ok(g) => g,
            Err(_) => return false,
        },
    };
    let Some(ballast) = guard.as_mut() else {
        return false;
    };
    run_deferred_frees();
    ballast.empty_this_threads_cache();
    EMPTIED_IN.with(|r| r.set(round));
    true
}

/// Frees what this thread handed to crossbeam-epoch to free later, and what every thread handed it
/// before (rayon's queues and the metrics recorder's histogram samples are freed this way).
///
/// Why: a thread's deferred frees wait in a bag of its own until 64 have gathered, and then until every
/// thread has moved two epochs on; a server gone idle does neither, so after a load the workers' bags
/// kept drained histogram samples — in use, to the heap, wherever they lie (~0.3 MiB of the anonymous
/// memory left after a footprint pass). Here the bag goes to the global queue, and each `flush` moves
/// the epoch on (no other thread is pinned while the server is idle) and runs up to eight expired bags:
/// the bags of threads visited earlier in the round, and of threads that ended, run now; this one's,
/// two flushes later. The frees land in this thread's cache, which is emptied next.
fn run_deferred_frees() {
    for _ in 0..DEFERRED_FLUSHES {
        crossbeam_epoch::pin().flush();
    }
}

/// For tokio's `on_thread_park`: a worker about to park empties its cache when a round is under way.
/// Costs one atomic load and a thread-local read otherwise.
pub fn on_worker_park() {
    if empty_here(false) {
        WORKERS_DONE.fetch_add(1, Ordering::AcqRel);
    }
}

/// Empties the caches of the calling thread, rayon's threads and tokio's workers (those that park
/// within a second). Call it from a thread that may block, inside the runtime, before `malloc_trim`.
pub fn empty_all() {
    let Some(fresh) = Ballast::made_fresh() else {
        return;
    };
    *ballast() = Some(fresh);
    WORKERS_DONE.store(0, Ordering::Release);
    ROUND.fetch_add(1, Ordering::AcqRel);
    empty_here(true);
    rayon::broadcast(|_| {
        empty_here(true);
    });
    wake_workers_until_emptied();
    let used = ballast().take();
    if let Some(ballast) = used {
        ballast.free_elsewhere();
    }
}

/// Wakes tokio's workers with empty tasks until each has parked and emptied its cache, for at most
/// `WORKERS_WAIT` (a worker busy with a request the whole time keeps its cache this round).
fn wake_workers_until_emptied() {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let workers = runtime.metrics().num_workers();
    let deadline = Instant::now() + WORKERS_WAIT;
    while WORKERS_DONE.load(Ordering::Acquire) < workers && Instant::now() < deadline {
        for _ in 0..workers {
            runtime.spawn(async {});
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// The bytes glibc counts as in use, over all arenas (blocks parked in a thread's cache count).
    fn in_use() -> usize {
        crate::heap::tests::mallinfo().uordblks
    }

    /// Frees seven blocks of every cached size on this thread: they go to its cache.
    fn park_blocks() {
        for i in 0..SIZES {
            let blocks: Vec<Vec<u8>> = (0..PER_SIZE).map(|_| vec![1u8; request(i)]).collect();
            drop(black_box(blocks));
        }
    }

    /// What the blocks of `park_blocks` take: seven of each size with glibc's 8-byte header.
    const PARKED: usize = PER_SIZE * (SIZES * 32 + 16 * SIZES * (SIZES - 1) / 2);

    #[test]
    fn a_threads_cached_blocks_go_back_to_the_heap() {
        let _one = crate::heap::tests::one_at_a_time();
        std::thread::spawn(|| {
            park_blocks();
            let before = in_use();
            park_blocks();
            let still = in_use();
            empty_all();
            let after = in_use();
            // Parking again changes nothing (the blocks come from and go back to the cache) ...
            assert!(before.abs_diff(still) < PARKED / 10, "{before} -> {still}");
            // ... emptying gives the heap back what the cache held.
            assert!(
                before - after >= PARKED * 9 / 10,
                "in use {before} -> {after}, {PARKED} parked"
            );
        })
        .join()
        .unwrap();
    }

    /// Blocks a thread handed crossbeam-epoch to free later (fewer than fill its bag, which alone would
    /// never go to the global queue) are freed by the round.
    #[test]
    fn deferred_frees_run_in_a_round() {
        let _one = crate::heap::tests::one_at_a_time();
        const BLOCKS: usize = 32;
        const SIZE: usize = 4096;
        std::thread::spawn(|| {
            let before = in_use();
            for _ in 0..BLOCKS {
                let block = black_box(vec![1u8; SIZE]);
                crossbeam_epoch::pin().defer(move || drop(block));
            }
            let deferred = in_use();
            empty_all();
            let after = in_use();
            assert!(deferred - before >= BLOCKS * SIZE, "{before} -> {deferred}");
            assert!(
                deferred - after >= BLOCKS * SIZE * 9 / 10,
                "in use {deferred} -> {after} after the round"
            );
        })
        .join()
        .unwrap();
    }

    #[test]
    fn workers_empty_their_caches_when_they_park() {
        let _one = crate::heap::tests::one_at_a_time();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .on_thread_park(on_worker_park)
            .build()
            .unwrap();
        runtime.block_on(async {
            // Both workers park blocks: each task runs on a worker until it ends.
            let parked = (0..8).map(|_| tokio::spawn(async { park_blocks() }));
            for p in parked.collect::<Vec<_>>() {
                p.await.unwrap();
            }
            let before = in_use();
            let after = tokio::task::spawn_blocking(|| {
                empty_all();
                in_use()
            })
            .await
            .unwrap();
            assert_eq!(
                WORKERS_DONE.load(Ordering::Acquire),
                2,
                "both workers emptied"
            );
            assert!(
                before - after >= PARKED * 9 / 10,
                "in use {before} -> {after}, {PARKED} parked at least once"
            );
        });
    }
}
