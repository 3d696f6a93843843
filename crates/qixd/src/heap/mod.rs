//! The binary's settings of glibc's malloc, and the trim that gives freed memory back to the system —
//! what lets a server that served many sessions return to its size at start. Everything here is for
//! glibc on Linux and does nothing elsewhere. The per-thread caches, which a trim cannot reach, are
//! [`thread_caches`].

pub mod thread_caches;

use qixd::sync::Recover;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::RwLock;

/// Blocks at least this large get pages of their own from the kernel (mmap), given back when freed.
/// glibc starts at 128 KiB and raises the bar to the size of each such block freed, up to 32 MiB on
/// 64-bit; fixed here at that ceiling, where a server that has done one large scan or load would be
/// anyway, because fixing one threshold fixes both (glibc stops adjusting once either is set) and the
/// trim below must set the other.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 32 << 20;
/// Free memory at the top of a heap beyond this goes back to the system as blocks are freed; twice the
/// mmap threshold, as glibc's own adjustment keeps it. While requests run, the heap keeps this much
/// free for the next ones instead of giving it back and faulting it in again.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: i32 = 64 << 20;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" {
    fn mallopt(param: i32, value: i32) -> i32;
    fn malloc_trim(pad: usize) -> i32;
}

// The C allocator itself, for this module and `thread_caches`, which must reach glibc's caches directly
// (Rust's allocator may align or size a block differently).
extern "C" {
    fn malloc(size: usize) -> *mut std::ffi::c_void;
    fn free(block: *mut std::ffi::c_void);
}
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const M_TRIM_THRESHOLD: i32 = -1;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const M_MMAP_THRESHOLD: i32 = -3;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const M_ARENA_MAX: i32 = -8;

/// How many arenas glibc may make (one per core, see [`configure`]).
static ARENAS: AtomicUsize = AtomicUsize::new(0);

/// Sets glibc's malloc up for the server; runs before any other thread exists.
///
/// Arenas: glibc gives each thread that contends for its heap a new arena, up to 8 per core; freed
/// memory is then spread over many arenas, where live leftovers pin it. One arena per core keeps the
/// heap compact, so what [`release`] trims goes back (measured with bench/load-test: RSS after 500
/// sessions 30 MiB instead of 36 from a 21 MiB start; two a core, with every arena trimmed, took less
/// CPU under load but held 16.3–16.4 KB an idle socket instead of 15.4–15.5). Thresholds: see
/// [`MMAP_THRESHOLD`].
pub fn configure() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    ARENAS.store(cores, Ordering::Relaxed);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt takes no pointer; called before other threads start.
        unsafe {
            mallopt(M_ARENA_MAX, i32::try_from(cores).unwrap_or(i32::MAX));
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
    }
}

/// Gives the memory freed by sessions that ended or a reload that finished back to the system now:
/// glibc's malloc keeps freed pages in its arenas for reuse, so without this the server stays at its
/// peak size. `malloc_trim` gives back the free pages inside every arena but shrinks the top of the
/// main arena's heap only; the other arenas' heaps shrink when a large block is freed into them and
/// their free top exceeds the trim threshold (a load that ran in such an arena left tens of MiB there).
/// So, with the threshold lowered for the while, a large block freed into every arena
/// ([`trim_every_arena`]), then the trim.
pub fn release() {
    with_trim_threshold_lowered(|| {
        trim_every_arena();
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: glibc's malloc_trim takes no pointer and may run on any thread at any time.
        unsafe {
            malloc_trim(0);
        }
    });
}

/// Frees a large block into every arena. A thread is given its arena at its first allocation: one no
/// live thread uses if there is one, else the next in turn. So twice as many new threads as there may
/// be arenas, each allocating once while all are alive, reach every arena; each then frees a large block
/// into its own. The threads wait behind `gate` until all have their arena; a thread that cannot be
/// started is left out (fewer arenas reached, nothing else).
fn trim_every_arena() {
    let threads = 2 * ARENAS.load(Ordering::Relaxed).max(1);
    let gate = RwLock::new(());
    let closed = gate.write().recover();
    let attached = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let mut started = 0;
        for _ in 0..threads {
            let thread = std::thread::Builder::new().spawn_scoped(s, || {
                let first = std::hint::black_box(Box::new(0u8));
                attached.fetch_add(1, Ordering::AcqRel);
                drop(gate.read());
                trim_own_arena();
                drop(first);
            });
            match thread {
                Ok(_) => started += 1,
                Err(_) => break,
            }
        }
        while attached.load(Ordering::Acquire) < started {
            std::thread::yield_now();
        }
        drop(closed);
    });
}

/// Runs `f` with the trim threshold at zero (every heap shrinks to what it uses), then puts it back.
fn with_trim_threshold_lowered(f: impl FnOnce()) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt takes no pointer and takes the main arena's lock while it sets the value.
        unsafe { mallopt(M_TRIM_THRESHOLD, 0) };
        f();
        // SAFETY: as above.
        unsafe { mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) };
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    f();
}

/// Frees a block of 64 KiB into the calling thread's arena: glibc then trims that arena's heap to the
/// trim threshold (it does so when a block of at least 64 KiB is freed). `black_box`: the compiler
/// knows malloc and free, and would drop a block nothing uses.
fn trim_own_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: a block from malloc (null when out of memory: free ignores it), freed once, never touched.
    unsafe {
        free(std::hint::black_box(malloc(64 << 10)));
    }
}

/// `--return-memory`: glibc reads its tunables only when a process starts, so the binary executes itself
/// again (same process id, same arguments) with them set — no per-thread cache (`tcache`), no fast bins,
/// no cache of the stacks of ended threads. Chunks parked in the caches of long-lived threads are what
/// keeps pages of the heap from going back when the sessions that used them end. Does nothing in the
/// restarted process (marked by an environment variable of its own) or when the binary cannot be executed
/// again.
pub fn restart_returning_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        const TUNABLES: &str =
            "glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0:glibc.pthread.stack_cache_size=0";
        // Our own mark, not the tunables: glibc drops `GLIBC_TUNABLES` for a privileged binary (setuid,
        // file capabilities), which would otherwise restart for ever.
        const RESTARTED: &str = "QIXD_RESTARTED_RETURNING_MEMORY";
        if std::env::var_os(RESTARTED).is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        // Started through the dynamic loader (`ld-linux.so ./qixd`): its path is not qixd's.
        if exe
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("ld-"))
        {
            eprintln!("qixd: --return-memory: started through the loader, not restarted");
            return;
        }
        let current = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        let value = match current.is_empty() {
            true => TUNABLES.to_string(),
            false => format!("{current}:{TUNABLES}"),
        };
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("GLIBC_TUNABLES", value)
            .env(RESTARTED, "1")
            .exec();
        eprintln!(
            "qixd: --return-memory: cannot restart with glibc's tunables set ({err}); going on"
        );
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
pub(crate) mod tests {
    use super::*;
    use std::sync::{Mutex, MutexGuard};

    /// glibc's `struct mallinfo2`.
    #[repr(C)]
    #[derive(Default)]
    pub struct MallInfo {
        pub arena: usize,
        pub ordblks: usize,
        pub smblks: usize,
        pub hblks: usize,
        pub hblkhd: usize,
        pub usmblks: usize,
        pub fsmblks: usize,
        /// Bytes in blocks in use (blocks in a thread's cache count).
        pub uordblks: usize,
        pub fordblks: usize,
        pub keepcost: usize,
    }

    extern "C" {
        fn mallinfo2() -> MallInfo;
    }

    /// The heap's counts, summed over all arenas.
    pub fn mallinfo() -> MallInfo {
        // SAFETY: mallinfo2 takes nothing and returns a plain struct.
        unsafe { mallinfo2() }
    }

    /// The heap tests measure the whole process: one at a time, with glibc set up as the binary sets it,
    /// and rayon's pool started (its first use allocates).
    pub fn one_at_a_time() -> MutexGuard<'static, ()> {
        static ONE: Mutex<()> = Mutex::new(());
        let guard = ONE.lock().recover();
        configure();
        rayon::broadcast(|_| ());
        guard
    }

    fn resident_kib() -> usize {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    extern "C" {
        fn sbrk(increment: isize) -> *mut std::ffi::c_void;
    }

    /// Fills 24 MiB in an arena other than the main one and frees it, where it stays at the top of that
    /// arena's heap. Threads are started one at a time and kept alive (so each takes the next arena)
    /// until one allocates above the main heap's break — in another arena's heap; that one fills. All
    /// are joined before this returns, so their ends (their caches going back) are over. False when no
    /// thread got another arena.
    fn fill_and_free_outside_the_main_arena() -> bool {
        let gate = RwLock::new(());
        let closed = gate.write().unwrap();
        let gate = &gate;
        std::thread::scope(|s| {
            let mut threads = Vec::new();
            let mut filled = false;
            for _ in 0..8 {
                let (tx, rx) = std::sync::mpsc::channel();
                threads.push(s.spawn(move || {
                    let probe = std::hint::black_box(Box::new(0u64));
                    // SAFETY: sbrk(0) only reads the current break.
                    let brk = unsafe { sbrk(0) } as usize;
                    let outside = &*probe as *const u64 as usize > brk;
                    if outside {
                        let blocks: Vec<Vec<u8>> = (0..24).map(|_| vec![1u8; 1 << 20]).collect();
                        drop(std::hint::black_box(blocks));
                    }
                    let _ = tx.send(outside);
                    drop(gate.read());
                }));
                if rx.recv().unwrap_or(false) {
                    filled = true;
                    break;
                }
            }
            drop(closed);
            // Joined, not left to the scope: a scope ends when the threads' closures return, before
            // their caches go back to the heap.
            for t in threads {
                t.join().unwrap();
            }
            filled
        })
    }

    /// Whenever `malloc_trim` alone keeps what a thread freed in another arena than the main one (it
    /// stays at the top of that arena's heap), `release` gives it back. Tried a few times, since where a
    /// thread's blocks land depends on the other threads of the moment; at least one try must be such a
    /// case.
    #[test]
    fn release_gives_back_the_top_of_every_arena() {
        let _one = one_at_a_time();
        if ARENAS.load(Ordering::Relaxed) < 2 {
            return; // one core: a single arena, which malloc_trim shrinks by itself
        }
        let mut kept_by_trim = 0;
        for _ in 0..20 {
            let start = resident_kib();
            if !fill_and_free_outside_the_main_arena() {
                std::thread::sleep(std::time::Duration::from_millis(20));
                continue;
            }
            // SAFETY: as in `release`.
            unsafe { malloc_trim(0) };
            let trimmed = resident_kib();
            release();
            let released = resident_kib();
            if trimmed > start + 16 * 1024 {
                kept_by_trim += 1;
                assert!(
                    released < start + 4 * 1024,
                    "{start} -> {trimmed} -> {released} KiB"
                );
            }
        }
        assert!(
            kept_by_trim > 0,
            "malloc_trim alone never kept another arena's top"
        );
    }
}
