//! The `qixd` binary: parse flags, start the server, stop cleanly on SIGINT / SIGTERM.

use clap::Parser;
use qixd::Config;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    // Colour codes only on a terminal: logs that go to a file or a collector stay plain text.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let mut config = Config::parse();
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
