//! Session snapshots: sessions that survive a restart of their node, or its death.
//!
//! A session with a TTL is written to `--sessions-dir` (by default in the apps folder, so nodes sharing
//! the apps share it too) as one JSON file named by a hash of its key ([`file`]): the key, the TTL, when it
//! expires (or that a socket was attached, and when it was written), the open app's id, the selections of
//! every state (as values, which outlive symbol numbers), the session objects with their soft patches and
//! child links, the session variables and states, and a session app's record with its data (QVD files in
//! a folder beside).
//!
//! When ([`capture`]): every [`TICK`], only the sessions that changed or ended since the last pass (the
//! registry's dirty set) are visited, and a file is written only when its text changed, so the cost
//! follows what clients change, not how many sessions live; at shutdown, once the sockets are closed,
//! every session is written with the time it expires. A session that ends has its file removed.
//!
//! Restoring ([`restore`]): at start a node puts back, detached, the sessions whose files it owns, each
//! with the time left of its TTL, and removes the files that ran out; and a socket whose session does not
//! live here finds its file when another node wrote it (that node died, or the proxy moved the session),
//! so it attaches (`SESSION_ATTACHED`) and finds its objects by id. Every check and write of a file is
//! under its lock, and ownership is an epoch ([`claim`]): the node that restores a session takes it over,
//! and a node that finds its session's file claimed above its own claim ends its copy.
//!
//! What is not kept: unsaved changes to a stored app (a session's working copy reopens as saved),
//! unsaved reloaded data of a stored app, selection history, and modal selections.

mod capture;
mod claim;
mod file;
mod restore;
#[cfg(test)]
mod tests;

use crate::api::Env;
use crate::doc::LoadedData;
use crate::registry::Registry;
use crate::session::SessionKey;
use crate::sync::Recover;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// How often touched sessions are written.
pub const TICK: Duration = Duration::from_secs(1);

/// A file this node has not written for this long is written again, changed or not: a file whose session
/// had a socket when written says only when it was written, and the start sweep of any node removes it
/// [`file::GRACE`] after that plus its TTL, so a session that lives on unchanged must keep it recent.
const REFRESH: Duration = Duration::from_secs(600);

/// Every this many passes of the writer, the files due for a [`REFRESH`] are looked for.
const REFRESH_PASSES: u64 = 60;

/// What this node last wrote of one of its sessions.
#[derive(Debug)]
struct Written {
    /// The session's key (what a refresh looks the session up by).
    key: SessionKey,
    /// When the file was last written by this node; `None`: not since the session was restored.
    at: Option<Instant>,
    /// A hash of the text last written; 0: nothing written yet (a session just restored).
    text_hash: u64,
    /// This node's claim; `None`: not claimed yet (restored from another node's file, claimed at its
    /// first write).
    epoch: Option<u64>,
    /// The session app data last written, and the one folder it went to (the only one to remove).
    data: Option<(Weak<LoadedData>, String)>,
}

impl Written {
    /// Whether the file is due to be written again though unchanged (see [`REFRESH`]).
    fn is_due(&self) -> bool {
        self.at.is_none_or(|at| at.elapsed() >= REFRESH)
    }

    /// The name of the data folder last written.
    fn data_name(&self) -> Option<String> {
        self.data.as_ref().map(|(_, name)| name.clone())
    }
}

/// Writes and restores this node's session snapshots.
#[derive(Debug)]
pub struct Snapshots {
    dir: PathBuf,
    node: String,
    /// By session id.
    written: Mutex<HashMap<u64, Written>>,
    /// Held by a pass of [`Snapshots::write_changed`] and by a restore: two writes of one session never
    /// run at once in this process, and the last pass at shutdown waits for a periodic one still running.
    pass: Mutex<()>,
    /// Passes of the writer so far (every [`REFRESH_PASSES`]-th looks for files due for a refresh).
    passes: AtomicU64,
}

impl Snapshots {
    /// Snapshots of node `node` in `dir` (created if missing, private to the server's user).
    pub fn new(dir: PathBuf, node: String) -> std::io::Result<Snapshots> {
        file::private_dir(&dir)?;
        Ok(Snapshots {
            dir,
            node,
            written: Mutex::new(HashMap::new()),
            pass: Mutex::new(()),
            passes: AtomicU64::new(0),
        })
    }

    /// The node id written as the owner.
    pub fn node(&self) -> &str {
        &self.node
    }

    fn dir(&self) -> &Path {
        &self.dir
    }

    fn written(&self) -> MutexGuard<'_, HashMap<u64, Written>> {
        self.written.lock().recover()
    }

    fn pass(&self) -> MutexGuard<'_, ()> {
        self.pass.lock().recover()
    }

    fn path(&self, stem: &str) -> PathBuf {
        self.dir.join(format!("{stem}.json"))
    }
}

/// Puts back, detached, the sessions this node's snapshots hold (at start).
pub async fn restore_sessions(
    snapshots: &Arc<Snapshots>,
    registry: &Arc<Registry>,
    env: &Arc<Env>,
) {
    let (s, r, e) = (snapshots.clone(), registry.clone(), env.clone());
    match tokio::task::spawn_blocking(move || s.restore_own(&r, &e)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(sessions = n, "sessions restored from their snapshots"),
        Err(e) => tracing::error!(error = %e, "restoring sessions failed"),
    }
}

/// Every [`TICK`], writes the snapshots of the sessions touched since their last one.
///
/// A tick with nothing to do (no session changed, no file of this node to refresh) does not go to the
/// blocking pool: a task there every second would keep one of its threads from ever ending, and with it
/// the malloc cache it filled while serving requests — pages an idle server could give back.
pub async fn take_snapshots(snapshots: Arc<Snapshots>, registry: Arc<Registry>) {
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if registry.nothing_dirty() && snapshots.written().is_empty() {
            continue;
        }
        write_snapshots(&snapshots, &registry, false).await;
    }
}

/// Writes the snapshots of the sessions touched since their last one (`all`: of every session).
pub async fn write_snapshots(snapshots: &Arc<Snapshots>, registry: &Arc<Registry>, all: bool) {
    let (snapshots, registry) = (snapshots.clone(), registry.clone());
    let written = tokio::task::spawn_blocking(move || snapshots.write_changed(&registry, all));
    if let Err(e) = written.await {
        tracing::error!(error = %e, "the session snapshots were not written");
    }
}
