//! The `qixd` binary: parse flags, start the server, stop cleanly on SIGINT / SIGTERM.

use clap::Parser;
use qixd::Config;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

fn main() {
    let config = Config::parse();
    if config.return_memory {
        restart_returning_memory();
    }
    limit_malloc_arenas();
    // As `#[tokio::main]`, with the blocking pool's idle threads ending sooner (see
    // `qixd::BLOCKING_THREAD_KEEP_ALIVE`): a thread's malloc cache goes back to the heap only when it ends.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_keep_alive(qixd::BLOCKING_THREAD_KEEP_ALIVE)
        .build()
        .expect("cannot start the tokio runtime")
        .block_on(run(config));
}

/// `--return-memory`: glibc reads its tunables only when a process starts, so the binary executes itself
/// again (same process id, same arguments) with them set — no per-thread cache (`tcache`), no fast bins,
/// no cache of the stacks of ended threads. Chunks parked in the caches of long-lived threads are what
/// keeps pages of the heap from going back when the sessions that used them end. Does nothing in the
/// restarted process (marked by an environment variable of its own) or when the binary cannot be executed
/// again.
fn restart_returning_memory() {
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

/// glibc gives each thread that contends for its heap a new arena, up to 8 per core; freed memory is then
/// spread over many arenas, where live leftovers pin it. One arena per core keeps the heap compact, so
/// what `release_memory` trims goes back (measured with bench/load-test: RSS after 500 sessions 30 MiB
/// instead of 36 from a 21 MiB start). Runs before any other thread exists.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        const M_ARENA_MAX: i32 = -8;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        // SAFETY: mallopt takes no pointer; called before other threads start.
        unsafe {
            mallopt(M_ARENA_MAX, i32::try_from(cores).unwrap_or(i32::MAX));
        }
    }
}

async fn run(mut config: Config) {
    // Colour codes only on a terminal: logs that go to a file or a collector stay plain text.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    config.release_memory = Some(release_memory);
    let mode = config.mode;
    let scheme = if config.tls_cert.is_some() {
        "wss"
    } else {
        "ws"
    };
    let server = match qixd::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qixd: {e}");
            std::process::exit(2);
        }
    };
    tracing::info!(addr = %server.addr(), ?mode, "qixd listening: {scheme}://{}/app/", server.addr());
    wait_for_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
}

/// Gives the memory freed by sessions that ended or a reload that finished back to the system now: glibc's
/// malloc keeps freed pages in its arenas for reuse, so without this the server stays at its peak size.
/// (Measured with bench/load-test: RSS after all sessions close is back near its size at start.)
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim takes no pointer and may run on any thread at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
