//! Taking snapshots: the periodic pass over the sessions that changed or ended, writing one session's
//! file under its claim, and removing the files of sessions that ended.

use super::claim::{self, Claim};
use super::file::{self, DocFile, SessionFile, FORMAT};
use super::{Snapshots, Written, REFRESH_PASSES};
use crate::clock::now_ms;
use crate::doc::{DocState, LoadedData};
use crate::registry::Registry;
use crate::session::{Session, SessionKey};
use qix_apps::AppRecord;
use std::collections::BTreeMap;
use std::fs;
use std::hash::{Hash, Hasher};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Instant;

impl Snapshots {
    /// Writes every session touched since the writer last looked (every session with `all`), and
    /// removes the files of sessions that ended. Blocking: run it off the async threads.
    pub fn write_changed(&self, registry: &Registry, all: bool) {
        let _pass = self.pass();
        let mut due = registry.take_dirty();
        due.extend(self.due_for_refresh());
        for (id, key) in due {
            match registry.lookup(&key) {
                Some((session, expires)) if session.id == id => {
                    self.write_or_end(registry, &session, expires)
                }
                // A new session of the same key writes the file next: only this one's data goes.
                Some(_) => self.forget(id),
                None => self.remove(id, &key),
            }
        }
        if all {
            for (session, expires) in registry.sessions() {
                self.write_or_end(registry, &session, expires);
            }
        }
    }

    /// Every [`REFRESH_PASSES`] passes: the sessions whose file is due for a [`super::REFRESH`] (and, at
    /// the first pass, those restored at start, whose files this node has not written yet).
    fn due_for_refresh(&self) -> Vec<(u64, SessionKey)> {
        if !self
            .passes
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(REFRESH_PASSES)
        {
            return Vec::new();
        }
        let written = self.written();
        written
            .iter()
            .filter(|(_, w)| w.is_due())
            .map(|(id, w)| (*id, w.key.clone()))
            .collect()
    }

    /// Writes `session`, or ends it when another node took it over.
    fn write_or_end(&self, registry: &Registry, session: &Session, expires: Option<Instant>) {
        if !self.write_session(session, expires) {
            registry.end(session.id, "the session moved to another node");
        }
    }

    /// Writes one session under its stem's lock; false when another node took it over since this node
    /// claimed it (this copy should end). A session without a TTL is not written (it ends with its last
    /// socket anyway).
    fn write_session(&self, session: &Session, expires: Option<Instant>) -> bool {
        // Most sessions have no TTL: they cost no lock and no read of the folder.
        let ttl_less = session.read().0.ttl.is_zero();
        if ttl_less && !self.written().contains_key(&session.id) {
            return true;
        }
        let stem = file::stem(&session.key);
        match claim::lock(self.dir(), &stem) {
            Ok(_lock) => self.write_locked(session, expires, &stem),
            Err(e) => {
                tracing::warn!(error = %e, "session snapshot not written: no lock");
                true
            }
        }
    }

    /// [`Snapshots::write_session`] to file `stem`, its lock held by the caller.
    pub(super) fn write_locked(
        &self,
        session: &Session,
        expires: Option<Instant>,
        stem: &str,
    ) -> bool {
        let head = file::read_head(&self.path(stem));
        let mine = self.written().get(&session.id).and_then(|w| w.epoch);
        let epoch = match claim::decide(head.as_ref(), &session.key, self.node(), mine) {
            Claim::Write(epoch) => epoch,
            Claim::TakenOver => {
                self.written().remove(&session.id);
                return false;
            }
            Claim::Foreign => {
                tracing::warn!(
                    stem,
                    "session snapshot not written: its file is another session's"
                );
                return true;
            }
        };
        let Some((mut file, data)) = self.capture(session, expires, epoch) else {
            self.forget_ttl_less(session, stem);
            return true;
        };
        let data_dir = self.write_data(session, stem, data);
        if let Some(doc) = file.doc.as_mut() {
            doc.data = data_dir.as_ref().map(|(_, d)| d.clone());
        }
        self.store(session, stem, &file, epoch, data_dir);
        true
    }

    /// A session without a TTL (any more) ends with its sockets: no snapshot of it stays.
    fn forget_ttl_less(&self, session: &Session, stem: &str) {
        let had_file = self.written().contains_key(&session.id);
        if had_file {
            self.remove_locked(session.id, &session.key, stem);
        }
    }

    /// Writes `file` unless its text is what was last written for `session` (and that is recent); then
    /// removes the one data folder the file no longer names. On a failure nothing is noted (tried again
    /// at the next change) and the new data folder goes.
    fn store(
        &self,
        session: &Session,
        stem: &str,
        file: &SessionFile,
        epoch: u64,
        data: Option<(Weak<LoadedData>, String)>,
    ) {
        let hash = text_hash(file);
        let previous = self
            .written()
            .get(&session.id)
            .map(|w| (w.text_hash, w.data_name(), w.is_due()));
        if previous
            .as_ref()
            .is_some_and(|(h, _, due)| *h == hash && !due)
        {
            return;
        }
        let old_name = previous.and_then(|(_, name, _)| name);
        let new_name = data.as_ref().map(|(_, d)| d.clone());
        let written = serde_json::to_vec(file)
            .map_err(std::io::Error::other)
            .and_then(|text| file::write_atomic(&self.path(stem), &text));
        if old_name != new_name {
            // The file names one of the two folders now: the new one once written, else still the old.
            let unnamed = if written.is_ok() { old_name } else { new_name };
            if let Some(name) = unnamed {
                let _ = fs::remove_dir_all(self.dir().join(name));
            }
        }
        if let Err(e) = written {
            tracing::warn!(error = %e, "session snapshot not written");
            return;
        }
        let noted = Written {
            key: session.key.clone(),
            at: Some(Instant::now()),
            text_hash: hash,
            epoch: Some(epoch),
            data,
        };
        self.written().insert(session.id, noted);
    }

    /// The file of `session` and a session app's data, taken under the session's lock; `None` for a
    /// session without a TTL.
    fn capture(
        &self,
        session: &Session,
        expires: Option<Instant>,
        epoch: u64,
    ) -> Option<(SessionFile, Option<Arc<LoadedData>>)> {
        let (st, _) = session.read();
        if st.ttl.is_zero() {
            return None;
        }
        let now = now_ms();
        let expires_ms = expires.filter(|_| st.sockets.is_empty()).map(|when| {
            let left = when.saturating_duration_since(Instant::now());
            now.saturating_add(u64::try_from(left.as_millis()).unwrap_or(u64::MAX))
        });
        let data = st
            .doc
            .as_ref()
            .filter(|d| d.is_session_app())
            .map(|d| d.data().clone());
        let key = &session.key;
        let file = SessionFile {
            format: FORMAT,
            node: self.node().to_string(),
            epoch,
            written_ms: now,
            directory: key.user.directory.clone(),
            user: key.user.id.clone(),
            app: key.app.clone(),
            identity: key.identity.clone(),
            ttl_secs: st.ttl.as_secs(),
            expires_ms,
            doc: st.doc.as_ref().map(capture_doc),
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
        let last = self.written().get(&session.id).and_then(|w| w.data.clone());
        if let Some((weak, dir)) = last {
            if weak.upgrade().is_some_and(|w| Arc::ptr_eq(&w, &data)) {
                return Some((weak, dir));
            }
        }
        let name = format!("{stem}.{}.data", uuid::Uuid::new_v4().simple());
        let dir = self.dir().join(&name);
        let written = file::private_dir(&dir).and_then(|()| {
            for (file, bytes) in crate::persist::export(&data) {
                file::write_atomic(&dir.join(file), &bytes)?;
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

/// Removing the snapshots of sessions that ended.
impl Snapshots {
    /// Session `id` of `key` ended: removes its file and data folder, unless the file is no longer this
    /// node's session's (another node took it over, or it is another key's).
    fn remove(&self, id: u64, key: &SessionKey) {
        if !self.written().contains_key(&id) {
            return;
        }
        let stem = file::stem(key);
        match claim::lock(self.dir(), &stem) {
            Ok(_lock) => self.remove_locked(id, key, &stem),
            Err(e) => tracing::warn!(error = %e, "session snapshot not removed: no lock"),
        }
    }

    /// [`Snapshots::remove`] of file `stem`, its lock held by the caller.
    pub(super) fn remove_locked(&self, id: u64, key: &SessionKey, stem: &str) {
        let Some(written) = self.written().remove(&id) else {
            return;
        };
        let head = file::read_head(&self.path(stem));
        let ours = head
            .as_ref()
            .is_none_or(|h| h.is_of(key) && h.node == self.node());
        if !ours {
            return;
        }
        let _ = fs::remove_file(self.path(stem));
        if let Some(name) = written.data_name() {
            let _ = fs::remove_dir_all(self.dir().join(name));
        }
    }

    /// Session `id` ended and a new session of its key lives: the file is the new one's to write over;
    /// only the ended one's data folder goes, when the new one does not use it.
    fn forget(&self, id: u64) {
        let Some(written) = self.written().remove(&id) else {
            return;
        };
        let Some(name) = written.data_name() else {
            return;
        };
        let used = self
            .written()
            .values()
            .any(|w| w.data_name().as_deref() == Some(name.as_str()));
        if !used {
            let _ = fs::remove_dir_all(self.dir().join(name));
        }
    }
}

/// A hash of the file's text but for when it was written: equal hashes mean nothing to write.
fn text_hash(file: &SessionFile) -> u64 {
    let mut value = serde_json::to_value(file).unwrap_or_default();
    if let Some(fields) = value.as_object_mut() {
        fields.remove("written_ms");
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.to_string().hash(&mut hasher);
    // 0 means "nothing written" in `Written`.
    hasher.finish().max(1)
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
