//! The `qixd` binary: parse flags, start the server, stop cleanly on SIGINT / SIGTERM.

mod heap;

use clap::Parser;
use qixd::Config;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

fn main() {
    let config = Config::parse();
    if config.return_memory {
        heap::restart_returning_memory();
    }
    heap::configure();
    start_rayon();
    // As `#[tokio::main]`, with the blocking pool's idle threads ending sooner (see
    // `qixd::BLOCKING_THREAD_KEEP_ALIVE`): a thread's malloc cache goes back to the heap only when it ends.
    // The workers, which do not end, empty theirs when they park after the last session closed.
    // Stacks of 8 MiB (virtual; only what a thread touches is resident) rather than 2: glibc keeps the
    // stacks of ended threads for reuse, up to 40 MiB of them, and each keeps ~24 KiB resident — twenty
    // cached stacks after a load (0.4 MiB), five with this size.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_keep_alive(qixd::BLOCKING_THREAD_KEEP_ALIVE)
        .thread_stack_size(8 << 20)
        .on_thread_park(heap::thread_caches::on_worker_park)
        .build()
        .expect("cannot start the tokio runtime")
        .block_on(run(config));
}

/// rayon's global pool (large scans and loads), started now rather than by the first large request, and
/// named: `heap::thread_caches` reaches its threads by `rayon::broadcast`, which would otherwise start the
/// pool when the server goes idle.
fn start_rayon() {
    let _ = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("rayon-{i}"))
        .build_global();
}

async fn run(mut config: Config) {
    // Colour codes only on a terminal: logs that go to a file or a collector stay plain text.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    config.release_memory = Some(heap::release);
    // glibc's caches; with `--return-memory` there are none.
    if cfg!(all(target_os = "linux", target_env = "gnu")) && !config.return_memory {
        config.empty_thread_caches = Some(heap::thread_caches::empty_all);
    }
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
