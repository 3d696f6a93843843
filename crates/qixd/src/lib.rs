//! qixd: a Qlik-compatible QIX engine server with Qlik's engine session model.
//!
//! What this crate is for: the session registry and the server. It accepts WebSockets on `/app/...`
//! (authenticating at the upgrade), finds or creates the engine session for (user, app, identity), sends
//! `OnConnected`, dispatches JSON-RPC requests by handle to the QIX classes, fans `change` / `close` out to
//! every socket of the session, and destroys sessions whose TTL ran out.
//!
//! What it is not for: the wire format (that is `qix-protocol`), app storage (`qix-apps`), or the data
//! engine (`qix-engine`), expressions (`qix-expr`) or the load script (`qix-script`).
//!
//! Data flows one way: socket ([`socket`]) → session ([`registry`], [`session`]) → QIX class ([`api`]) →
//! view layer ([`view`]: evaluation, selection, typed definitions, the renderer) → open app ([`doc`]) and
//! engine → storage. What one client may do is bounded by [`limits`], [`folders`] and [`rights`].
//! Several nodes behind a proxy ([`cluster`]) share the apps folder, and sessions outlive their node
//! through [`snapshot`]s.

pub mod api;
pub mod auth;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod delta;
pub mod demo;
pub mod doc;
pub mod env;
pub mod exports;
pub mod folders;
pub mod handles;
pub mod http;
pub mod hub;
pub mod inspector;
pub mod limits;
pub mod outbox;
pub mod persist;
pub mod reads;
pub mod registry;
pub mod rights;
pub mod session;
pub mod shared;
pub mod snapshot;
pub mod socket;
pub mod sync;
pub mod telemetry;
pub mod tls;
pub mod view;

pub use config::{Config, Mode};

use axum::serve::ListenerExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Bad authentication flags.
    #[error(transparent)]
    Auth(#[from] auth::AuthConfigError),
    /// The apps folder could not be opened.
    #[error(transparent)]
    Store(#[from] qix_apps::StoreError),
    /// The data folder could not be created, or the port could not be bound.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// A bad TLS certificate, key or CA file.
    #[error("TLS: {0}")]
    Config(String),
}

/// A server that is running; dropping it does not stop it: call [`RunningServer::shutdown`].
pub struct RunningServer {
    addr: SocketAddr,
    registry: Arc<registry::Registry>,
    shutdown_tx: watch::Sender<bool>,
    serve: JoinHandle<()>,
    purge: JoinHandle<()>,
    /// The idle-memory, metrics-upkeep and session-snapshot tasks.
    background: [JoinHandle<()>; 3],
    snapshots: Arc<snapshot::Snapshots>,
}

/// Starts a server with `config` (port 0 picks a free port) and returns once it is listening.
pub async fn start(config: Config) -> Result<RunningServer, StartError> {
    let auth = auth::Authenticator::from_config(&config)?;
    let tls = tls::server_config(&config)?;
    let store = qix_apps::AppStore::open(&config.apps_dir)?;
    for path in &store.cleanup().removed {
        tracing::info!(path = %path.display(), "removed what an interrupted save left");
    }
    for e in &store.cleanup().failed {
        tracing::warn!(error = %e, "could not remove what an interrupted save left");
    }
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| StartError::Io(format!("cannot create {}", config.data_dir.display()), e))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| StartError::Io(format!("cannot listen on {}", config.listen), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Io("no local address".into(), e))?;
    let node = cluster::node_id(config.node_id.as_deref(), addr);
    let sessions_dir = config.sessions_dir();
    let snapshots = snapshot::Snapshots::new(sessions_dir.clone(), node.clone())
        .map(Arc::new)
        .map_err(|e| StartError::Io(format!("cannot create {}", sessions_dir.display()), e))?;
    telemetry::handle();
    let registry = registry::Registry::new(registry::Limits {
        default_ttl: Duration::from_secs(config.session_ttl),
        max_ttl: Duration::from_secs(config.max_session_ttl),
        max_sessions_per_user: config.max_sessions_per_user,
    });
    let purge = registry.spawn_purge_task();
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let env = Arc::new(api::Env::new(&config, store));
    snapshot::restore_sessions(&snapshots, &registry, &env).await;
    let background = [
        tokio::spawn(release_when_idle(registry.clone(), env.clone())),
        tokio::spawn(metrics_upkeep()),
        tokio::spawn(snapshot::take_snapshots(
            snapshots.clone(),
            registry.clone(),
        )),
    ];
    if config.demo {
        let env = env.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let loaded = demo::load(&env);
            if let Some(release) = env.release_memory {
                release(); // what the load script needed while it ran
            }
            loaded
        });
        match loaded.await {
            Ok(Ok(id)) => {
                tracing::info!(app = %id, "demo app loaded: open it with OpenDoc(\"{id}\")")
            }
            Ok(Err(e)) => tracing::error!(error = %e, "the demo app did not load"),
            Err(e) => tracing::error!(error = %e, "the demo app did not load"),
        }
    }
    let shared = Arc::new(http::Shared {
        config,
        node,
        auth,
        registry: registry.clone(),
        env,
        shutdown: shutdown_rx.clone(),
        snapshots: snapshots.clone(),
    });
    let app = http::router(shared);
    let mut stop = shutdown_rx;
    let stopped = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    let serve = match tls {
        Some(tls) => {
            // The no-op tap gives the TLS listener axum's `ConnectInfo<SocketAddr>` (the peer address the
            // session inspector shows), as the plain listener's tap does.
            let listener = tls::TlsListener::new(listener, tls)
                .map_err(|e| StartError::Io("no local address".into(), e))?
                .tap_io(|_| {});
            tokio::spawn(async move {
                let graceful = axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(stopped);
                if let Err(e) = graceful.await {
                    tracing::error!(error = %e, "server stopped with an error");
                }
            })
        }
        None => tokio::spawn(async move {
            // Answers go out at once: with Nagle's algorithm on, a response written in two pieces waits
            // for the client's delayed ACK (about 40 ms a layout, measured by bench/load-test).
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let graceful = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(stopped);
            if let Err(e) = graceful.await {
                tracing::error!(error = %e, "server stopped with an error");
            }
        }),
    };
    Ok(RunningServer {
        addr,
        registry,
        shutdown_tx,
        serve,
        purge,
        background,
        snapshots,
    })
}

/// How long an idle thread of tokio's blocking pool (where requests run) lives before it ends; tokio's
/// default is 10 s. glibc's malloc keeps a small cache of freed blocks per thread (tcache) that goes back
/// to the heap only when the thread ends, and a load leaves a dozen or more such threads: their memory can
/// be given back only after they are gone. The binary builds its runtime with this (main.rs). So work
/// sent to the blocking pool at a steady interval shorter than this keeps one thread, and its cache,
/// for ever: a periodic task that may have nothing to do checks first (`snapshot::take_snapshots`).
pub const BLOCKING_THREAD_KEEP_ALIVE: Duration = Duration::from_secs(2);

/// When the last session is gone, forgets the results cached for them and the row indexes their
/// selections built, and lets the allocator give the
/// memory back, so a server that served many sessions returns to its size at start. A second after the
/// session count reached zero, and only if it still is; then once more after the request threads of the
/// blocking pool, idle since, have ended and returned their per-thread malloc caches (measured with
/// bench/load-test: RSS 6 s after 500 sessions close 30-33 MiB with the first pass alone, ~26 MiB with
/// both, from 21 MiB at start).
async fn release_when_idle(registry: Arc<registry::Registry>, env: Arc<api::Env>) {
    loop {
        registry.emptied().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        if registry.live_sessions() > 0 {
            continue;
        }
        env.cache.clear();
        let e = env.clone();
        let _ = tokio::task::spawn_blocking(move || e.release_row_indexes()).await;
        release_memory(&env).await;
        tracing::debug!("no session left: cached results released");
        tokio::time::sleep(BLOCKING_THREAD_KEEP_ALIVE + Duration::from_secs(1)).await;
        if registry.live_sessions() > 0 {
            continue;
        }
        release_memory(&env).await;
    }
}

/// Empties the long-lived threads' allocator caches, then gives the freed memory back.
async fn release_memory(env: &api::Env) {
    let (empty, release) = (env.empty_thread_caches, env.release_memory);
    let _ = tokio::task::spawn_blocking(move || {
        // Histogram samples recorded since the last upkeep are freed now, not after the trim.
        telemetry::handle().run_upkeep();
        if let Some(empty) = empty {
            empty();
        }
        if let Some(release) = release {
            release();
        }
    })
    .await;
}

/// The Prometheus recorder keeps every histogram sample until it is drained (by a scrape of /metrics or
/// an upkeep): drained every 5 s, its memory stays bounded whether anyone scrapes or not.
async fn metrics_upkeep() {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        every.tick().await;
        telemetry::handle().run_upkeep();
    }
}

impl RunningServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The session registry (for diagnostics and tests).
    pub fn registry(&self) -> &Arc<registry::Registry> {
        &self.registry
    }

    /// Closes every socket (code 1001), stops accepting, waits up to 5 s for connections to end, then
    /// writes a snapshot of every session with a TTL (they come back, detached, at the next start).
    pub async fn shutdown(self) {
        // What changed since the last periodic snapshot goes to disk before the sockets close: a client
        // that reconnects at once reaches another node, which restores the session from it.
        snapshot::write_snapshots(&self.snapshots, &self.registry, false).await;
        self.registry.shutdown();
        let _ = self.shutdown_tx.send(true);
        let serving = tokio::time::timeout(Duration::from_secs(5), self.serve).await;
        // Upgraded sockets are not connections axum waits for: wait for their handlers too.
        let flushed = self
            .registry
            .handlers_finished(Duration::from_secs(5))
            .await;
        if serving.is_err() || !flushed {
            tracing::warn!("connections did not close within 5 s");
        }
        self.purge.abort();
        for task in &self.background {
            task.abort();
        }
        snapshot::write_snapshots(&self.snapshots, &self.registry, true).await;
    }
}
