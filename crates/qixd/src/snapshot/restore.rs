//! Restoring: this node's own sessions at start (with a sweep of what ran out or was left over), and a
//! session another node wrote when a socket asks for it here.
//!
//! Nothing in a file is trusted: its key must match its name, its TTL is capped as a client's would be,
//! its app must still be one its user may open, its user must be under `--max-sessions-per-user`, and a
//! file that fails any of this (or panics while being put back) is skipped with a log line while the
//! others are restored.

use super::claim;
use super::file::{self, DocFile, SessionFile};
use super::{Snapshots, Written};
use crate::api::Env;
use crate::clock::now_ms;
use crate::doc::{DocState, Effects, LoadedData};
use crate::registry::Registry;
use crate::session::SessionKey;
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// A restored open app and the session app data folder it was read from.
type Restored = (Option<DocState>, Option<(Weak<LoadedData>, String)>);

impl Snapshots {
    /// At start: puts back, detached, every session whose file this node owns and whose TTL has not run
    /// out; removes the files that ran out (whoever wrote them) or are of an older format, stale
    /// temporary files, and stale data folders no file names. Returns how many sessions came back.
    pub fn restore_own(&self, registry: &Registry, env: &Env) -> usize {
        let _pass = self.pass();
        let Ok(entries) = fs::read_dir(self.dir()) else {
            return 0;
        };
        let (mut restored, mut named, mut data_dirs) = (0, HashSet::new(), Vec::new());
        for entry in entries.flatten() {
            let path = entry.path();
            match path.extension().and_then(|e| e.to_str()) {
                Some("tmp") if file::is_stale(&path) => {
                    let _ = fs::remove_file(&path);
                }
                Some("data") => data_dirs.push(path),
                Some("json") => {
                    let (back, data) = self.restore_own_file(registry, env, &path);
                    restored += usize::from(back);
                    named.extend(data);
                }
                _ => {}
            }
        }
        sweep_data(data_dirs, &named);
        restored
    }

    /// One file at start, under its lock: whether its session came back, and the data folder it names
    /// (kept by the sweep) unless it ran out and was removed.
    fn restore_own_file(
        &self,
        registry: &Registry,
        env: &Env,
        path: &Path,
    ) -> (bool, Option<String>) {
        let Some(stem) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(str::to_string)
        else {
            return (false, None);
        };
        let Ok(_lock) = claim::lock(self.dir(), &stem) else {
            return (false, None);
        };
        let Some(file) = file::read(path) else {
            if file::is_outdated(path) {
                let _ = fs::remove_file(path);
            }
            return (false, None);
        };
        let data = file.data_dir(&stem).map(str::to_string);
        if file::stem(&file.key()) != stem {
            tracing::warn!(path = %path.display(), "session snapshot under another key's name skipped");
            return (false, data);
        }
        if file.ends_ms() <= now_ms() {
            let _ = fs::remove_file(path);
            if let Some(name) = &data {
                let _ = fs::remove_dir_all(self.dir().join(name));
            }
            return (false, None);
        }
        let mine = file.node == self.node();
        let epoch = Some(file.epoch);
        let back = mine && self.put_back_logged(registry, env, file, &stem, epoch);
        (back, data)
    }

    /// A socket is about to attach to `key`, which has no live session here: when another node wrote a
    /// snapshot of it whose TTL has not run out, puts the session back, takes it over (writes it as its
    /// owner, under the file's lock) and returns true. A file this node wrote is not used: its sessions
    /// came back at start, and one that ended since stays ended.
    pub fn restore_for(&self, registry: &Registry, env: &Env, key: &SessionKey) -> bool {
        let _pass = self.pass();
        if registry.find(key).is_some() {
            return false;
        }
        let stem = file::stem(key);
        let Ok(_lock) = claim::lock(self.dir(), &stem) else {
            return false;
        };
        let Some(file) = file::read(&self.path(&stem)).filter(|f| f.key() == *key) else {
            return false;
        };
        if file.node == self.node() || file.ends_ms() <= now_ms() {
            return false;
        }
        let from = file.node.clone();
        if !self.put_back_logged(registry, env, file, &stem, None) {
            return false;
        }
        let Some((session, expires)) = registry.lookup(key) else {
            return false;
        };
        if !self.write_locked(&session, expires, &stem) {
            registry.end(session.id, "the session moved to another node");
            return false;
        }
        tracing::info!(from = %from, session = session.id, "session restored from its snapshot");
        true
    }

    /// [`Snapshots::put_back`], a panic in it caught and logged as a skipped file.
    fn put_back_logged(
        &self,
        registry: &Registry,
        env: &Env,
        file: SessionFile,
        stem: &str,
        epoch: Option<u64>,
    ) -> bool {
        let put = catch_unwind(AssertUnwindSafe(|| {
            self.put_back(registry, env, file, stem, epoch)
        }));
        put.unwrap_or_else(|_| {
            tracing::warn!(stem, "session snapshot skipped: restoring it failed");
            false
        })
    }

    /// Builds the session of `file` and inserts it detached, with this node's claim `epoch`.
    fn put_back(
        &self,
        registry: &Registry,
        env: &Env,
        file: SessionFile,
        stem: &str,
        epoch: Option<u64>,
    ) -> bool {
        let key = file.key();
        let Some((ttl, deadline)) = lifetime(registry, &file) else {
            tracing::warn!(
                stem,
                "session snapshot skipped: no TTL, or one out of range"
            );
            return false;
        };
        let (doc, data) = match file.doc {
            Some(d) => match self.open_doc(env, &key, stem, d) {
                Some(restored) => restored,
                None => return false,
            },
            None => (None, None),
        };
        if !registry.insert_detached(key.clone(), ttl, deadline, doc) {
            tracing::info!(stem, "session snapshot not restored: the session lives, or its user has the most sessions");
            return false;
        }
        if let Some(session) = registry.find(&key) {
            let noted = Written {
                key,
                at: None,
                text_hash: 0,
                epoch,
                data,
            };
            self.written().insert(session.id, noted);
        }
        true
    }

    /// Opens the app of a restored session and gives it back its session part and selections. A stored
    /// app that is gone leaves the session without an app; one its user may no longer open skips the
    /// session (`None`).
    fn open_doc(&self, env: &Env, key: &SessionKey, stem: &str, file: DocFile) -> Option<Restored> {
        let (mut doc, data) = match file.session_app {
            Some(record) => {
                let name = file.data.filter(|d| file::is_data_name_of(d, stem));
                let data = Arc::new(
                    name.as_ref()
                        .map(|d| read_data(&self.dir().join(d)))
                        .unwrap_or_default(),
                );
                let weak = name.map(|d| (Arc::downgrade(&data), d));
                (DocState::open(Arc::new(record), true, data), weak)
            }
            None => match env.open_saved(&file.app) {
                Ok((record, data)) => {
                    if env.rights.check_open(&key.user, &record).is_err() {
                        tracing::warn!(app = %file.app, "session snapshot skipped: its user may not open its app");
                        return None;
                    }
                    (DocState::open(record, false, data), None)
                }
                Err(e) => {
                    tracing::warn!(app = %file.app, error = %e, "a restored session's app did not open");
                    return Some((None, None));
                }
            },
        };
        doc.restore_session_part(file.part);
        restore_selections(&mut doc, &file.selections);
        Some((Some(doc), data))
    }
}

/// The TTL of a restored session (capped by `--max-ttl` as a client's is) and when it expires; `None`
/// for a TTL of 0 or a deadline out of range.
fn lifetime(registry: &Registry, file: &SessionFile) -> Option<(Duration, Instant)> {
    let ttl = registry.effective_ttl(Some(file.ttl_secs));
    if ttl.is_zero() {
        return None;
    }
    let left = match file.expires_ms {
        Some(when) => Duration::from_millis(when.saturating_sub(now_ms())).min(ttl),
        None => ttl,
    };
    Some((ttl, Instant::now().checked_add(left)?))
}

/// Removes the data folders no file names once they are stale (younger ones may be a write under way).
fn sweep_data(dirs: Vec<PathBuf>, named: &HashSet<String>) {
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| !named.contains(&n)) && file::is_stale(&dir) {
            let _ = fs::remove_dir_all(&dir);
        }
    }
}

/// A session app's data from its folder; empty (logged) when it cannot be read.
fn read_data(dir: &Path) -> LoadedData {
    match qix_apps::read_files(dir)
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
fn restore_selections(
    doc: &mut DocState,
    selections: &BTreeMap<String, Vec<qix_apps::BookmarkField>>,
) {
    let mut effects = Effects::default();
    for (state, fields) in selections {
        doc.select(state, &mut effects, |s, m| {
            crate::view::bookmarks::select_fields(s, m, fields)
        });
    }
}
