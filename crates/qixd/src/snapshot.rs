//! Session snapshots: sessions that survive a restart of their node, or its death.
//!
//! A session with a TTL is written to `--sessions-dir` (by default in the apps folder, so nodes sharing
//! the apps share it too) as one JSON file named by a hash of its key: the key, the TTL, when it expires
//! (or that a socket was attached), the open app's id, the selections of every state (as values, which
//! outlive symbol numbers), the session objects with their soft patches and child links, the session
//! variables and states, and a session app's record with its data (QVD files in a folder beside).
//!
//! When: every [`TICK`], only sessions touched since their last snapshot are taken again, and a file is
//! written only when its text changed, so the cost follows what clients change, not how many sessions
//! live; at shutdown, once the sockets are closed, every session is written with the time it expires.
//! A session that ends has its file removed.
//!
//! Restoring: at start a node puts back, detached, the sessions whose files it owns, each with the time
//! left of its TTL; and a socket whose session does not live here finds its file whatever node wrote it
//! (that node died, or the proxy moved the session), so it attaches (`SESSION_ATTACHED`) and finds its
//! objects by id. The node that restores a session takes it over: it writes the file as its owner. A
//! node that finds its session's file taken over by another node since it took it ends its own copy.
//!
//! What is not kept: unsaved changes to a stored app (a session's working copy reopens as saved),
//! unsaved reloaded data of a stored app, selection history, and modal selections.

use crate::api::Env;
use crate::auth::UserId;
use crate::doc::{DocState, Effects, LoadedData, SessionPart};
use crate::registry::Registry;
use crate::session::{Session, SessionKey};
use qix_apps::{AppRecord, BookmarkField};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often touched sessions are written.
pub const TICK: Duration = Duration::from_secs(1);

/// The snapshot format this build writes and reads.
const FORMAT: u32 = 1;

/// One session on disk.
#[derive(Debug, Serialize, Deserialize)]
struct SessionFile {
    format: u32,
    /// The node that owns the session (wrote it last, or took it over).
    node: String,
    /// When `node` took the session over (ms since the epoch): a newer claim by another node wins.
    claimed_ms: u64,
    directory: String,
    user: String,
    app: Option<String>,
    identity: String,
    ttl_secs: u64,
    /// When the session expires (ms since the epoch); `None`: a socket was attached when written, so its
    /// TTL starts when it is restored.
    expires_ms: Option<u64>,
    doc: Option<DocFile>,
}

/// The open app of a session on disk.
#[derive(Debug, Serialize, Deserialize)]
struct DocFile {
    app: String,
    /// A session app's record (script, properties ...): it is stored nowhere else.
    session_app: Option<AppRecord>,
    /// The folder (beside the file) holding a session app's data.
    data: Option<String>,
    part: SessionPart,
    /// Selections by state (`$` and alternate states).
    selections: BTreeMap<String, Vec<BookmarkField>>,
}

/// Only who owns a file, read before writing over or removing it.
#[derive(Debug, Deserialize)]
struct Owner {
    node: String,
    claimed_ms: u64,
}

/// What this node last wrote of one of its sessions.
#[derive(Debug)]
struct Written {
    key: SessionKey,
    generation: u64,
    text_hash: u64,
    claimed_ms: u64,
    /// The session app data last written, and the folder it went to.
    data: Option<(Weak<LoadedData>, String)>,
}

/// Writes and restores this node's session snapshots.
#[derive(Debug)]
pub struct Snapshots {
    dir: PathBuf,
    node: String,
    /// By session id.
    written: Mutex<HashMap<u64, Written>>,
    /// Held by a pass of [`Snapshots::write_changed`]: the last one at shutdown waits for a periodic
    /// one still running.
    pass: Mutex<()>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// FNV-1a, 64 bits: stable across builds and machines, unlike std's hasher.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The file stem of a session key (the key itself is in the file and checked on reading).
fn stem(key: &SessionKey) -> String {
    let text = serde_json::json!([key.user.directory, key.user.id, key.app, key.identity]);
    format!("s-{:016x}", fnv(text.to_string().as_bytes()))
}

fn same_key(file: &SessionFile, key: &SessionKey) -> bool {
    file.directory == key.user.directory
        && file.user == key.user.id
        && file.app == key.app
        && file.identity == key.identity
}

fn key_of(file: &SessionFile) -> SessionKey {
    SessionKey {
        user: UserId {
            directory: file.directory.clone(),
            id: file.user.clone(),
        },
        app: file.app.clone(),
        identity: file.identity.clone(),
    }
}

/// Writes `bytes` to `path` whole: a temporary file, fsynced, renamed over it.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    renamed
}

impl Snapshots {
    /// Snapshots of node `node` in `dir` (created if missing).
    pub fn new(dir: PathBuf, node: String) -> std::io::Result<Snapshots> {
        fs::create_dir_all(&dir)?;
        Ok(Snapshots {
            dir,
            node,
            written: Mutex::new(HashMap::new()),
            pass: Mutex::new(()),
        })
    }

    /// The node id written as the owner.
    pub fn node(&self) -> &str {
        &self.node
    }

    fn written(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Written>> {
        self.written.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn path(&self, stem: &str) -> PathBuf {
        self.dir.join(format!("{stem}.json"))
    }

    fn read(&self, path: &Path) -> Option<SessionFile> {
        let bytes = fs::read(path).ok()?;
        match serde_json::from_slice::<SessionFile>(&bytes) {
            Ok(f) if f.format == FORMAT => Some(f),
            Ok(f) => {
                tracing::warn!(path = %path.display(), format = f.format, "session snapshot of another format skipped");
                None
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "unreadable session snapshot skipped");
                None
            }
        }
    }

    fn owner(&self, stem: &str) -> Option<Owner> {
        let bytes = fs::read(self.path(stem)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Removes a session's file and data folders, unless another node owns the file now.
    fn remove(&self, stem: &str) {
        if self.owner(stem).is_some_and(|o| o.node != self.node) {
            return;
        }
        let _ = fs::remove_file(self.path(stem));
        self.remove_data_except(stem, None);
    }

    /// Removes the data folders of session `stem` but `keep`.
    fn remove_data_except(&self, stem: &str, keep: Option<&str>) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = name.starts_with(&format!("{stem}.")) && name.ends_with(".data");
            if ours && keep != Some(name.as_str()) {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// Taking snapshots.
impl Snapshots {
    /// Writes every session touched since its last snapshot (all of them with `all`), and removes the
    /// files of sessions that ended. Blocking: run it off the async threads.
    pub fn write_changed(&self, registry: &Registry, all: bool) {
        let _pass = self.pass.lock().unwrap_or_else(|p| p.into_inner());
        let live = registry.sessions();
        self.remove_ended(&live);
        for (session, expires) in live {
            let seen = self.written().get(&session.id).map(|w| w.generation);
            let due = all || seen != Some(session.generation());
            if due && !self.write_session(&session, expires) {
                registry.end(session.id, "the session moved to another node");
            }
        }
    }

    /// Removes the files of the sessions this node wrote that no longer live.
    fn remove_ended(&self, live: &[(Arc<Session>, Option<Instant>)]) {
        let ids: HashSet<u64> = live.iter().map(|(s, _)| s.id).collect();
        let ended: Vec<Written> = {
            let mut written = self.written();
            let gone: Vec<u64> = written
                .keys()
                .filter(|id| !ids.contains(id))
                .copied()
                .collect();
            gone.iter().filter_map(|id| written.remove(id)).collect()
        };
        if ended.is_empty() {
            return;
        }
        let keys: HashSet<&SessionKey> = live.iter().map(|(s, _)| &s.key).collect();
        for w in ended {
            // A new session of the same key writes its own file next.
            if !keys.contains(&w.key) {
                self.remove(&stem(&w.key));
            }
        }
    }

    /// Writes one session; false when another node took it over since this node took it (this copy
    /// should end). A session without a TTL is not written (it ends with its last socket anyway).
    fn write_session(&self, session: &Session, expires: Option<Instant>) -> bool {
        let stem = stem(&session.key);
        let generation = session.generation();
        let claimed_ms = self.claimed(session);
        if self.taken_over(&stem, claimed_ms) {
            self.written().remove(&session.id);
            return false;
        }
        let Some((mut file, data)) = self.capture(session, expires, claimed_ms) else {
            self.forget_ttl_less(session, &stem);
            self.note(session, generation, 0, claimed_ms, None);
            return true;
        };
        let data_dir = self.write_data(session, &stem, data);
        if let Some(doc) = file.doc.as_mut() {
            doc.data = data_dir.as_ref().map(|(_, d)| d.clone());
        }
        if let Some(hash) = self.store(session, &stem, &file, data_dir.as_ref()) {
            self.note(session, generation, hash, claimed_ms, data_dir);
        }
        true
    }

    /// Whether another node took the session of file `stem` over after this node took it (at
    /// `claimed_ms`).
    fn taken_over(&self, stem: &str, claimed_ms: u64) -> bool {
        self.owner(stem)
            .is_some_and(|o| o.node != self.node && o.claimed_ms > claimed_ms)
    }

    /// A session without a TTL (any more) ends with its sockets: no snapshot of it stays.
    fn forget_ttl_less(&self, session: &Session, stem: &str) {
        let had_file = self
            .written()
            .get(&session.id)
            .is_some_and(|w| w.text_hash != 0);
        if had_file {
            self.remove(stem);
        }
    }

    /// Writes `file` unless its text is what was last written for `session`; then removes the data
    /// folders it no longer names. The text's hash, or `None` when it could not be written (tried again
    /// at the next change).
    fn store(
        &self,
        session: &Session,
        stem: &str,
        file: &SessionFile,
        data_dir: Option<&(Weak<LoadedData>, String)>,
    ) -> Option<u64> {
        let text = serde_json::to_vec(file).ok()?;
        let hash = fnv(&text);
        let unchanged = self
            .written()
            .get(&session.id)
            .is_some_and(|w| w.text_hash == hash);
        if unchanged {
            return Some(hash);
        }
        if let Err(e) = write_atomic(&self.path(stem), &text) {
            tracing::warn!(error = %e, "session snapshot not written");
            return None;
        }
        self.remove_data_except(stem, data_dir.map(|(_, d)| d.as_str()));
        Some(hash)
    }

    /// When this node took `session`: when it was restored here, else when it was first written.
    fn claimed(&self, session: &Session) -> u64 {
        self.written()
            .get(&session.id)
            .map_or_else(now_ms, |w| w.claimed_ms)
    }

    fn note(
        &self,
        session: &Session,
        generation: u64,
        text_hash: u64,
        claimed_ms: u64,
        data: Option<(Weak<LoadedData>, String)>,
    ) {
        self.written().insert(
            session.id,
            Written {
                key: session.key.clone(),
                generation,
                text_hash,
                claimed_ms,
                data,
            },
        );
    }

    /// The file of `session` and a session app's data, taken under the session's lock; `None` for a
    /// session without a TTL.
    fn capture(
        &self,
        session: &Session,
        expires: Option<Instant>,
        claimed_ms: u64,
    ) -> Option<(SessionFile, Option<Arc<LoadedData>>)> {
        let st = session.lock();
        if st.ttl.is_zero() {
            return None;
        }
        let expires_ms = expires.map(|when| {
            let left = when.saturating_duration_since(Instant::now());
            now_ms().saturating_add(u64::try_from(left.as_millis()).unwrap_or(u64::MAX))
        });
        let doc = st.doc.as_ref().map(capture_doc);
        let data = st
            .doc
            .as_ref()
            .filter(|d| d.is_session_app())
            .map(|d| d.data().clone());
        let key = &session.key;
        let file = SessionFile {
            format: FORMAT,
            node: self.node.clone(),
            claimed_ms,
            directory: key.user.directory.clone(),
            user: key.user.id.clone(),
            app: key.app.clone(),
            identity: key.identity.clone(),
            ttl_secs: st.ttl.as_secs(),
            expires_ms: if st.sockets.is_empty() {
                expires_ms
            } else {
                None
            },
            doc,
        };
        Some((file, data))
    }

    /// Writes a session app's data as QVD files into a new folder, unless the folder last written holds
    /// this same data; returns the data and its folder.
    fn write_data(
        &self,
        session: &Session,
        stem: &str,
        data: Option<Arc<LoadedData>>,
    ) -> Option<(Weak<LoadedData>, String)> {
        let data = data?;
        if let Some((weak, dir)) = self
            .written()
            .get(&session.id)
            .and_then(|w| w.data.as_ref())
        {
            if weak.upgrade().is_some_and(|w| Arc::ptr_eq(&w, &data)) {
                return Some((weak.clone(), dir.clone()));
            }
        }
        let name = format!("{stem}.{}.data", uuid::Uuid::new_v4().simple());
        let dir = self.dir.join(&name);
        let written = fs::create_dir(&dir).and_then(|()| {
            for (file, bytes) in crate::persist::export(&data) {
                write_atomic(&dir.join(file), &bytes)?;
            }
            Ok(())
        });
        match written {
            Ok(()) => Some((Arc::downgrade(&data), name)),
            Err(e) => {
                tracing::warn!(error = %e, "session app data not written");
                let _ = fs::remove_dir_all(&dir);
                None
            }
        }
    }
}

/// The open app of a session as written: its id, a session app's record, the session-only part and the
/// selections of every state.
fn capture_doc(doc: &DocState) -> DocFile {
    let mut selections = BTreeMap::new();
    let default = crate::view::bookmarks::capture(doc, doc.selections().current());
    selections.insert("$".to_string(), default);
    for (name, state) in doc.alternate_states() {
        let fields = crate::view::bookmarks::capture(doc, state.current());
        if !fields.is_empty() {
            selections.insert(name.clone(), fields);
        }
    }
    DocFile {
        app: doc.id().to_string(),
        session_app: doc.is_session_app().then(|| AppRecord::clone(doc.record())),
        data: None,
        part: doc.session_part(),
        selections,
    }
}

/// Restoring.
impl Snapshots {
    /// At start: puts back, detached, every session whose file this node owns and whose TTL has not run
    /// out (files that ran out are removed, whoever wrote them). Returns how many came back.
    pub fn restore_own(&self, registry: &Registry, env: &Env) -> usize {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut restored = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some("tmp") {
                remove_if_stale(&path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Some(file) = self.read(&path) else {
                continue;
            };
            let stem = stem(&key_of(&file));
            if file.expires_ms.is_some_and(|e| e <= now_ms()) {
                let _ = fs::remove_file(&path);
                self.remove_data_except(&stem, None);
            } else if file.node == self.node && self.put_back(registry, env, file) {
                restored += 1;
            }
        }
        restored
    }

    /// A socket is about to attach to `key`, which has no live session here: when a snapshot of it
    /// exists (whatever node wrote it) and its TTL has not run out, puts the session back, takes it over
    /// and returns true.
    pub fn restore_for(&self, registry: &Registry, env: &Env, key: &SessionKey) -> bool {
        if registry.find(key).is_some() {
            return false;
        }
        let path = self.path(&stem(key));
        let Some(file) = self.read(&path).filter(|f| same_key(f, key)) else {
            return false;
        };
        if file.expires_ms.is_some_and(|e| e <= now_ms()) {
            return false;
        }
        let from = file.node.clone();
        if !self.put_back(registry, env, file) {
            return false;
        }
        if let Some((session, expires)) = registry.find(key).and_then(|s| registry.by_id(s.id)) {
            tracing::info!(from = %from, session = session.id, "session restored from its snapshot");
            // Taken over now, before any other node can restore it too.
            self.write_session(&session, expires);
        }
        true
    }

    /// Builds the session of `file` and inserts it detached; its claim is now.
    fn put_back(&self, registry: &Registry, env: &Env, file: SessionFile) -> bool {
        let key = key_of(&file);
        let ttl = Duration::from_secs(file.ttl_secs);
        let left = match file.expires_ms {
            Some(when) => Duration::from_millis(when.saturating_sub(now_ms())),
            None => ttl,
        };
        let stem = stem(&key);
        let doc = file.doc.and_then(|d| self.open_doc(env, &stem, d));
        if !registry.insert_detached(key.clone(), ttl, Instant::now() + left, doc) {
            return false;
        }
        if let Some(session) = registry.find(&key) {
            self.note(&session, 0, 0, now_ms(), None);
        }
        true
    }

    /// Opens the app of a restored session and gives it back its session part and selections. A stored
    /// app that is gone leaves the session without an app.
    fn open_doc(&self, env: &Env, stem: &str, file: DocFile) -> Option<DocState> {
        let mut doc = match file.session_app {
            Some(record) => {
                let data = file
                    .data
                    .filter(|d| d.starts_with(stem) && !d.contains('/'))
                    .map(|d| read_data(&self.dir.join(d)))
                    .unwrap_or_default();
                DocState::open(Arc::new(record), true, Arc::new(data))
            }
            None => match env.open_saved(&file.app) {
                Ok((record, data)) => DocState::open(record, false, data),
                Err(e) => {
                    tracing::warn!(app = %file.app, error = %e, "a restored session's app did not open");
                    return None;
                }
            },
        };
        doc.restore_session_part(file.part);
        restore_selections(&mut doc, &file.selections);
        Some(doc)
    }
}

/// Removes a temporary file a crash left (older than a minute: a node sharing the folder may be writing a
/// younger one now).
fn remove_if_stale(path: &Path) {
    let old = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > Duration::from_secs(60));
    if old {
        let _ = fs::remove_file(path);
    }
}

/// A session app's data from its folder; empty (logged) when it cannot be read.
fn read_data(dir: &Path) -> LoadedData {
    let files = fs::read_dir(dir).and_then(|entries| {
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry?;
            let bytes = fs::read(entry.path())?;
            files.push((entry.file_name().to_string_lossy().into_owned(), bytes));
        }
        Ok(files)
    });
    match files
        .map_err(|e| e.to_string())
        .and_then(|f| crate::persist::import(&f))
    {
        Ok(data) => data,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "a restored session app's data did not load");
            LoadedData::default()
        }
    }
}

/// Selects again, state by state, the values a snapshot holds (values no longer in the data are skipped).
fn restore_selections(doc: &mut DocState, selections: &BTreeMap<String, Vec<BookmarkField>>) {
    let mut effects = Effects::default();
    for (state, fields) in selections {
        doc.select(state, &mut effects, |s, m| {
            let mut changed = false;
            for f in fields {
                if let Some((fid, symbols)) = crate::view::select::field_symbols(m, f) {
                    changed |= s.set(fid, symbols);
                    if f.locked {
                        changed |= s.lock(fid);
                    }
                }
            }
            changed
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_stable_and_keys_are_checked() {
        let key = SessionKey {
            user: UserId::personal(),
            app: Some("a".into()),
            identity: "i".into(),
        };
        assert_eq!(stem(&key), stem(&key.clone()));
        let other = SessionKey {
            identity: "j".into(),
            ..key.clone()
        };
        assert_ne!(stem(&key), stem(&other));
        assert_eq!(fnv(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
