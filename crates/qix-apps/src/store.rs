//! The apps folder: `<apps-dir>/<app id>/app.json`, the app's record, and `<apps-dir>/<app id>/data-<n>/`,
//! the data version the record names.
//!
//! One writer per app at a time: every change of an app happens under its [`AppLock`]. A save with new data
//! writes it as a new version, numbered one above every version in the app's folder (chosen under the lock,
//! so never reused), into a temporary folder that is fsynced and renamed into place; then the record naming
//! it is written (temporary file, fsync, rename, fsync of the folder); only then are older versions removed.
//! A crash at any instant leaves the old record with its data or the new record with its data. What a crash
//! leaves over (temporary files, data versions no record names) is removed when the store is next opened.
//!
//! Several processes may share one apps folder (qixd nodes on a file share): an [`AppLock`] is also an
//! advisory lock (`flock`) on `<apps-dir>/.locks/<app id>.lock`, which the kernel releases when its
//! process ends however it ends (no stale lock after a crash) and which Linux's NFS client maps onto
//! NFS byte-range locks. So saves of one app from two nodes take turns: each writes whole, the last one
//! wins, and a save never removes the data version another node's record names.

use crate::record::{now_iso, AppRecord};
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

/// The folder under the apps folder holding one lock file per app (a name no app id can have).
const LOCKS_DIR: &str = ".locks";

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No app has that id (or the id could never name one).
    #[error("app not found: {0}")]
    NotFound(String),
    /// [`AppStore::insert`] found an app with that id already stored (made meanwhile by another session
    /// or another process sharing the folder): it is left as it is.
    #[error("an app with the id {0:?} exists")]
    AlreadyExists(String),
    /// The file system failed.
    #[error("storage error on {path}: {source}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A stored file is not a valid app record.
    #[error("corrupt app file {path}: {source}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A record to save names a data version its app's folder does not hold (saving it would lose the
    /// app's data): save it with its data instead.
    #[error("app {id} has no data version {version}")]
    MissingData {
        /// The app.
        id: String,
        /// The data version the record names.
        version: u64,
    },
    /// [`AppLock::save`] was given the record of another app than the one locked.
    #[error("the record of app {record} cannot be saved under the lock of app {locked}")]
    WrongApp {
        /// The app the lock is for.
        locked: String,
        /// The app the record is for.
        record: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The folder that holds all persistent apps.
#[derive(Debug)]
pub struct AppStore {
    /// The root folder (`--apps-dir`).
    dir: PathBuf,
    /// The ids of the apps an [`AppLock`] is held on.
    locked: Mutex<HashSet<String>>,
    /// Signalled whenever an [`AppLock`] is released.
    released: Condvar,
    /// What [`AppStore::open`] removed, and what it could not.
    cleanup: Cleanup,
}

/// What [`AppStore::open`] found left over by a crash: temporary files and folders, and data versions that
/// no record names.
#[derive(Debug, Default)]
pub struct Cleanup {
    /// The files and folders removed.
    pub removed: Vec<PathBuf>,
    /// Those that could not be removed (they stay, and are tried again at the next open).
    pub failed: Vec<StoreError>,
}

/// Exclusive access to one app of an [`AppStore`], until dropped: the only way to change an app, so saves
/// of one app never interleave. Reading the record and its data under the lock gives a matching pair.
///
/// Locks are not reentrant: while holding one, do not call the [`AppStore`] methods that take the same
/// app's lock ([`AppStore::save`], [`AppStore::delete`], [`AppStore::lock`]).
#[derive(Debug)]
pub struct AppLock<'a> {
    store: &'a AppStore,
    id: String,
    /// The app's folder.
    dir: PathBuf,
    /// The app's lock file, locked (`flock`) while held: what keeps other processes on the same folder
    /// out. `None` only while the lock is being taken.
    file: Option<File>,
}

const RECORD_FILE: &str = "app.json";
const DATA_PREFIX: &str = "data-";
/// Every temporary file or folder ends so; anything so named is left over by a crash when no lock is held.
const TMP_SUFFIX: &str = ".tmp";

/// Ids come from clients: only plain names are allowed, so an id can never reach outside the folder.
fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// The folder of data version `version`.
fn data_name(version: u64) -> String {
    format!("{DATA_PREFIX}{version}")
}

/// The version number in a `data-<n>` folder's name, or in a temporary `data-<n>.<suffix>` one.
fn data_version_of(name: &str) -> Option<u64> {
    let rest = name.strip_prefix(DATA_PREFIX)?;
    rest.split('.').next()?.parse().ok()
}

/// A unique name for a temporary file or folder: `<base>.<random>.tmp`.
fn tmp_name(base: &str) -> String {
    format!("{base}.{}{TMP_SUFFIX}", uuid::Uuid::new_v4().simple())
}

impl AppStore {
    /// Opens (and creates, if needed) the apps folder, and removes what a crash left over: temporary files
    /// and folders, data versions the app's record does not name, and app folders holding nothing else
    /// (a create that never wrote its record). See [`AppStore::cleanup`].
    pub fn open(dir: impl Into<PathBuf>) -> Result<AppStore, StoreError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let locks = dir.join(LOCKS_DIR);
        fs::create_dir_all(&locks).map_err(io(&locks))?;
        let cleanup = clean(&dir)?;
        Ok(AppStore {
            dir,
            locked: Mutex::new(HashSet::new()),
            released: Condvar::new(),
            cleanup,
        })
    }

    /// The root folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What [`AppStore::open`] removed (and failed to remove).
    pub fn cleanup(&self) -> &Cleanup {
        &self.cleanup
    }

    fn app_dir(&self, id: &str) -> Result<PathBuf, StoreError> {
        if !is_valid_id(id) {
            return Err(StoreError::NotFound(id.to_string()));
        }
        Ok(self.dir.join(id))
    }

    /// Whether `id` can be an app's id (letters, digits, `-`, `_`, `.`, not starting with a dot, at most
    /// 128 bytes): it names a folder of the store.
    pub fn is_valid_id(id: &str) -> bool {
        is_valid_id(id)
    }

    /// Waits until no one else holds app `id`'s lock, in this process and in any other process sharing
    /// the folder, and takes it. The app need not exist yet.
    pub fn lock(&self, id: &str) -> Result<AppLock<'_>, StoreError> {
        let dir = self.app_dir(id)?;
        let mut locked = self.locked.lock().unwrap_or_else(PoisonError::into_inner);
        while locked.contains(id) {
            locked = self
                .released
                .wait(locked)
                .unwrap_or_else(PoisonError::into_inner);
        }
        locked.insert(id.to_string());
        drop(locked);
        // From here the guard exists, so an error below releases the in-process lock again.
        let mut guard = AppLock {
            store: self,
            id: id.to_string(),
            dir,
            file: None,
        };
        let path = lock_path(&self.dir, id);
        let file = open_lock_file(&path)?;
        file.lock().map_err(io(&path))?;
        guard.file = Some(file);
        Ok(guard)
    }

    /// Creates a new app with the given title and stores it.
    pub fn create(&self, title: &str) -> Result<AppRecord, StoreError> {
        self.create_with_script(title, "")
    }

    /// Creates a new app with the given title and initial script, and stores it.
    pub fn create_with_script(&self, title: &str, script: &str) -> Result<AppRecord, StoreError> {
        let mut record = AppRecord::new(title);
        record.script = script.to_string();
        self.insert(record)
    }

    /// Stores a new app made by the caller (e.g. with its owner set), in one write; refused when an app
    /// with its id exists (checked under the app's lock, so two nodes creating one id cannot both win).
    pub fn insert(&self, record: AppRecord) -> Result<AppRecord, StoreError> {
        let app = self.lock(&record.id)?;
        if app.dir.join(RECORD_FILE).is_file() {
            return Err(StoreError::AlreadyExists(record.id));
        }
        fs::create_dir_all(&app.dir).map_err(io(&app.dir))?;
        write_record(&app.dir, &record)?;
        sync_dir(&self.dir)?;
        Ok(record)
    }

    /// Reads one app's record. Records are replaced atomically, so this needs no lock; to read a record
    /// and its data as a pair, use [`AppLock::get`] and [`AppLock::read_data`].
    pub fn get(&self, id: &str) -> Result<AppRecord, StoreError> {
        read_record(&self.app_dir(id)?, id)
    }

    /// Whether an app with this id exists.
    pub fn exists(&self, id: &str) -> bool {
        self.app_dir(id)
            .map(|d| d.join(RECORD_FILE).is_file())
            .unwrap_or(false)
    }

    /// Every readable app, sorted by title then id. Unreadable entries are skipped (and reported).
    pub fn list(&self) -> Result<(Vec<AppRecord>, Vec<StoreError>), StoreError> {
        let mut apps = Vec::new();
        let mut errors = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(io(&self.dir))? {
            let entry = entry.map_err(io(&self.dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.path().join(RECORD_FILE).is_file() {
                continue;
            }
            match self.get(&name) {
                Ok(r) => apps.push(r),
                Err(e) => errors.push(e),
            }
        }
        apps.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
        Ok((apps, errors))
    }

    /// Saves a new version of an existing app's record, keeping the data version it names; sets
    /// `modified`. Takes the app's lock: see [`AppLock::save`], also to save new data with the record.
    pub fn save(&self, record: &AppRecord) -> Result<AppRecord, StoreError> {
        self.lock(&record.id)?.save(record, None)
    }

    /// Reads the data files of version `version` of an app, in name order. Outside the app's lock a save
    /// may remove the version meanwhile: see [`AppLock::read_data`].
    pub fn read_data(&self, id: &str, version: u64) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        read_files(&self.app_dir(id)?.join(data_name(version)))
    }

    /// Deletes an app and everything stored with it.
    pub fn delete(&self, id: &str) -> Result<(), StoreError> {
        let app = self.lock(id)?;
        if !app.dir.join(RECORD_FILE).is_file() {
            return Err(StoreError::NotFound(id.to_string()));
        }
        fs::remove_dir_all(&app.dir).map_err(io(&app.dir))?;
        sync_dir(&self.dir)
    }
}

impl AppLock<'_> {
    /// The app this lock is for.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The app's stored record.
    pub fn get(&self) -> Result<AppRecord, StoreError> {
        read_record(&self.dir, &self.id)
    }

    /// Whether the app's folder holds data version `version` (0, no data, always).
    pub fn has_data(&self, version: u64) -> bool {
        version == 0 || self.dir.join(data_name(version)).is_dir()
    }

    /// Reads the files of data version `version`, in name order.
    pub fn read_data(&self, version: u64) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        read_files(&self.dir.join(data_name(version)))
    }

    /// Saves a new version of the app (the engine's `DoSave`); sets `modified` and the revision (one above
    /// the stored one, whatever `record.revision` says: the last save wins), and returns what was saved.
    ///
    /// With `data`, its files become a new data version (plain file names only) and the saved record names
    /// it, whatever `record.data_version` says; without, the record keeps the data version it names, which
    /// must be in the app's folder ([`StoreError::MissingData`] otherwise). The record is published last,
    /// atomically; then every other data version is removed.
    pub fn save(
        &self,
        record: &AppRecord,
        data: Option<&[(String, Vec<u8>)]>,
    ) -> Result<AppRecord, StoreError> {
        if record.id != self.id {
            return Err(StoreError::WrongApp {
                locked: self.id.clone(),
                record: record.id.clone(),
            });
        }
        let stored = self.get()?;
        let mut record = record.clone();
        record.modified = now_iso();
        record.revision = stored.revision.saturating_add(1);
        match data {
            Some(files) => record.data_version = self.write_data(stored.data_version, files)?,
            None if !self.has_data(record.data_version) => {
                return Err(StoreError::MissingData {
                    id: self.id.clone(),
                    version: record.data_version,
                })
            }
            None => {}
        }
        write_record(&self.dir, &record)?;
        // Older versions only go once the record no longer names them; what is left (a failed removal)
        // goes at the next save or open.
        let _ = sweep(&self.dir, Some(record.data_version));
        Ok(record)
    }

    /// Writes `files` as a new data version: into a temporary folder, each file fsynced, the folder fsynced
    /// and renamed into place, the app's folder fsynced. Returns the version.
    fn write_data(&self, stored: u64, files: &[(String, Vec<u8>)]) -> Result<u64, StoreError> {
        if let Some((name, _)) = files.iter().find(|(name, _)| !is_valid_id(name)) {
            return Err(StoreError::NotFound(name.clone()));
        }
        let version = self.next_version(stored)?;
        let tmp = self.dir.join(tmp_name(&data_name(version)));
        let done = self.dir.join(data_name(version));
        let written = write_files(&tmp, files)
            .and_then(|()| fs::rename(&tmp, &done).map_err(io(&done)))
            .and_then(|()| sync_dir(&self.dir));
        if written.is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
        written.map(|()| version)
    }

    /// One above the stored version and every version (temporary ones included) in the app's folder.
    fn next_version(&self, stored: u64) -> Result<u64, StoreError> {
        let mut highest = stored;
        for entry in fs::read_dir(&self.dir).map_err(io(&self.dir))? {
            let entry = entry.map_err(io(&self.dir))?;
            if let Some(n) = data_version_of(&entry.file_name().to_string_lossy()) {
                highest = highest.max(n);
            }
        }
        highest.checked_add(1).ok_or_else(|| StoreError::Io {
            path: self.dir.clone(),
            source: std::io::Error::other("no data version number left"),
        })
    }
}

impl Drop for AppLock<'_> {
    fn drop(&mut self) {
        // Closing the lock file releases the other processes' turn.
        drop(self.file.take());
        let mut locked = self
            .store
            .locked
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        locked.remove(&self.id);
        drop(locked);
        self.store.released.notify_all();
    }
}

/// The lock file of app `id` under the apps folder `root`.
fn lock_path(root: &Path, id: &str) -> PathBuf {
    root.join(LOCKS_DIR).join(format!("{id}.lock"))
}

/// Opens (creating if needed) a lock file. It is never removed: removing a lock file another process has
/// open would let a third lock a new file of the same name at the same time.
fn open_lock_file(path: &Path) -> Result<File, StoreError> {
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io(path))
}

fn read_record(dir: &Path, id: &str) -> Result<AppRecord, StoreError> {
    let path = dir.join(RECORD_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::NotFound(id.to_string()))
        }
        Err(e) => return Err(io(&path)(e)),
    };
    serde_json::from_str(&text).map_err(|source| StoreError::Corrupt { path, source })
}

/// Writes `record` into the app folder `dir` atomically: temporary file, fsync, rename, fsync of the folder.
fn write_record(dir: &Path, record: &AppRecord) -> Result<(), StoreError> {
    let target = dir.join(RECORD_FILE);
    let tmp = dir.join(tmp_name(RECORD_FILE));
    let bytes = serde_json::to_vec_pretty(record).map_err(|source| StoreError::Corrupt {
        path: target.clone(),
        source,
    })?;
    let written = File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(&bytes)?;
            f.sync_all()
        })
        .map_err(io(&tmp))
        .and_then(|()| fs::rename(&tmp, &target).map_err(io(&target)));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written?;
    sync_dir(dir)
}

/// Creates folder `dir` with `files` in it, each fsynced, then fsyncs the folder.
fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
    fs::create_dir(dir).map_err(io(dir))?;
    for (name, bytes) in files {
        let path = dir.join(name);
        let mut f = File::create(&path).map_err(io(&path))?;
        f.write_all(bytes).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))?;
    }
    sync_dir(dir)
}

/// Every file of folder `dir` with its bytes, by name: a data version as [`AppStore::read_data`] gives it
/// (also how a session snapshot's data folder is read back).
pub fn read_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let bytes = fs::read(&path).map_err(io(&path))?;
        out.push((entry.file_name().to_string_lossy().into_owned(), bytes));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// At open, before this process holds any lock: sweeps every app folder (see [`sweep`]), its record saying
/// which data version to keep, and removes app folders left empty. An app whose lock another process
/// holds (a node sharing the folder, saving now) is left alone: what it writes is not left over.
fn clean(root: &Path) -> Result<Cleanup, StoreError> {
    let mut cleanup = Cleanup::default();
    for entry in fs::read_dir(root).map_err(io(root))? {
        let entry = entry.map_err(io(root))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let dir = entry.path();
        if !is_valid_id(&name) || !dir.is_dir() {
            continue;
        }
        let path = lock_path(root, &name);
        let file = open_lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => continue,
            Err(fs::TryLockError::Error(e)) => return Err(io(&path)(e)),
        }
        // An unreadable record keeps all its data; a missing one (a create that crashed) has none.
        let keep = match read_record(&dir, &name) {
            Ok(record) => Some(record.data_version),
            Err(_) => None,
        };
        let (removed, failed) = sweep(&dir, keep);
        cleanup.removed.extend(removed);
        cleanup.failed.extend(failed);
        if fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_none()) {
            match fs::remove_dir(&dir) {
                Ok(()) => cleanup.removed.push(dir),
                Err(e) => cleanup.failed.push(io(&dir)(e)),
            }
        }
    }
    if !cleanup.removed.is_empty() {
        sync_dir(root)?;
    }
    Ok(cleanup)
}

/// Removes from the app folder `dir` every temporary file or folder and, when `keep` is known, every data
/// version but `keep`; fsyncs the folder after. Only safe with no writer at work in the folder (under the
/// app's lock, or at open). Returns what was removed and what could not be.
fn sweep(dir: &Path, keep: Option<u64>) -> (Vec<PathBuf>, Vec<StoreError>) {
    let mut removed = Vec::new();
    let mut failed = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return (removed, vec![io(dir)(e)]),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let old_version = data_version_of(&name)
            .is_some_and(|n| name == data_name(n) && keep.is_some_and(|k| k != n));
        if !name.ends_with(TMP_SUFFIX) && !old_version {
            continue;
        }
        let path = entry.path();
        let gone = match entry.file_type() {
            Ok(t) if t.is_dir() => fs::remove_dir_all(&path),
            Ok(_) => fs::remove_file(&path),
            Err(e) => Err(e),
        };
        match gone {
            Ok(()) => removed.push(path),
            Err(e) => failed.push(io(&path)(e)),
        }
    }
    if !removed.is_empty() {
        if let Err(e) = sync_dir(dir) {
            failed.push(e);
        }
    }
    (removed, failed)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn create_get_save_list_delete() {
        let tmp = tempfile::tempdir().unwrap();
        let store = AppStore::open(tmp.path().join("apps")).unwrap();
        let mut a = store.create("Sales").unwrap();
        let b = store.create("Alpha").unwrap();
        assert_eq!(store.get(&a.id).unwrap(), a);
        a.script = "LOAD 1 AS x AUTOGENERATE 1;".into();
        let saved = store.save(&a).unwrap();
        assert_eq!(store.get(&a.id).unwrap().script, a.script);
        assert!(saved.modified >= a.created);
        let (list, errs) = store.list().unwrap();
        assert!(errs.is_empty());
        assert_eq!(
            list.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
            ["Alpha", "Sales"]
        );
        store.delete(&b.id).unwrap();
        assert!(matches!(store.get(&b.id), Err(StoreError::NotFound(_))));
        assert!(matches!(store.delete(&b.id), Err(StoreError::NotFound(_))));
        assert!(matches!(store.save(&b), Err(StoreError::NotFound(_))));
        // A reopened store sees the same apps, and a clean folder loses nothing.
        let again = AppStore::open(tmp.path().join("apps")).unwrap();
        assert_eq!(again.get(&a.id).unwrap().script, a.script);
        assert!(again.cleanup().removed.is_empty());
    }

    #[test]
    fn data_versions_are_written_whole_and_pruned() {
        let tmp = tempfile::tempdir().unwrap();
        let store = AppStore::open(tmp.path()).unwrap();
        let a = store.create("x").unwrap();
        let app = store.lock(&a.id).unwrap();
        let one = [("0.qvd".to_string(), b"one".to_vec())];
        let v1 = app.save(&a, Some(&one)).unwrap();
        assert_eq!(v1.data_version, 1);
        assert_eq!(app.read_data(1).unwrap(), one);
        let two = [
            ("0.qvd".to_string(), b"two".to_vec()),
            ("meta.json".to_string(), b"{}".to_vec()),
        ];
        // The record passed in need not name the version: the saved one does.
        let v2 = app.save(&a, Some(&two)).unwrap();
        assert_eq!(store.get(&a.id).unwrap().data_version, 2);
        assert_eq!(app.read_data(2).unwrap(), two);
        assert!(app.read_data(1).is_err(), "the old version is removed");
        assert_eq!(names(&tmp.path().join(&a.id)), ["app.json", "data-2"]);
        // A save without data keeps the version the record names...
        let mut edited = v2.clone();
        edited.script = "edited".into();
        assert_eq!(app.save(&edited, None).unwrap().data_version, 2);
        // ...and refuses one that is gone, which would leave the app without its data.
        assert!(matches!(
            app.save(&v1, None),
            Err(StoreError::MissingData { version: 1, .. })
        ));
        assert!(app.save(&a, Some(&[("../x".into(), vec![])])).is_err());
        let b = store.create("y").unwrap();
        assert!(matches!(
            app.save(&b, None),
            Err(StoreError::WrongApp { .. })
        ));
        assert_eq!(store.get(&a.id).unwrap().script, "edited");
        assert_eq!(names(&tmp.path().join(&a.id)), ["app.json", "data-2"]);
    }

    /// Many threads save one app at once, each with a script and data naming the save; readers check,
    /// meanwhile, that the record and the data they read under the lock belong together.
    #[test]
    fn racing_saves_of_one_app_keep_each_record_with_its_data() {
        const WRITERS: usize = 8;
        const SAVES: usize = 25;
        let tmp = tempfile::tempdir().unwrap();
        let store = Arc::new(AppStore::open(tmp.path()).unwrap());
        let app = store.create("race").unwrap();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let (store, id, done) = (store.clone(), app.id.clone(), done.clone());
            std::thread::spawn(move || {
                let mut checked = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let lock = store.lock(&id).unwrap();
                    let record = lock.get().unwrap();
                    if record.data_version != 0 {
                        let data = lock.read_data(record.data_version).unwrap();
                        assert_eq!(data[0].1, record.script.as_bytes());
                        checked += 1;
                    }
                }
                checked
            })
        };
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (store, mut record) = (store.clone(), app.clone());
                std::thread::spawn(move || {
                    for s in 0..SAVES {
                        record.script = format!("writer {w} save {s}");
                        let files = [
                            ("payload".to_string(), record.script.clone().into_bytes()),
                            ("z-size".to_string(), vec![w as u8; 64 * 1024]),
                        ];
                        let lock = store.lock(&record.id).unwrap();
                        record = lock.save(&record, Some(&files)).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().expect("no save failed");
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reader.join().expect("every read pair matched") > 0);
        let record = store.get(&app.id).unwrap();
        assert_eq!(record.data_version, (WRITERS * SAVES) as u64);
        let data = store.read_data(&app.id, record.data_version).unwrap();
        assert_eq!(data[0].1, record.script.as_bytes());
        assert_eq!(
            names(&tmp.path().join(&app.id)),
            [
                "app.json".to_string(),
                format!("data-{}", record.data_version)
            ]
        );
        // After a restart as well.
        let again = AppStore::open(tmp.path()).unwrap();
        assert!(again.cleanup().removed.is_empty());
        let record = again.get(&app.id).unwrap();
        assert_eq!(
            again.read_data(&app.id, record.data_version).unwrap()[0].1,
            record.script.as_bytes()
        );
    }

    /// What a crash leaves (temporary files and folders, data versions no record names, the folder of a
    /// create that never wrote its record) is gone after the next open; the data a record names stays.
    #[test]
    fn open_removes_what_a_crash_left_over() {
        let tmp = tempfile::tempdir().unwrap();
        let store = AppStore::open(tmp.path()).unwrap();
        let a = store.create("a").unwrap();
        let a = store
            .lock(&a.id)
            .unwrap()
            .save(&a, Some(&[("f".into(), b"kept".to_vec())]))
            .unwrap();
        let corrupt = store.create("b").unwrap();
        let corrupt = store
            .lock(&corrupt.id)
            .unwrap()
            .save(&corrupt, Some(&[("f".into(), b"b".to_vec())]))
            .unwrap();
        drop(store);
        let dir_a = tmp.path().join(&a.id);
        // A save killed after renaming its data, another while writing its data and its record, and the
        // temporary names of older releases.
        for orphan in ["data-2", "data-3.0123abcd.tmp", "data-9.tmp"] {
            fs::create_dir(dir_a.join(orphan)).unwrap();
            fs::write(dir_a.join(orphan).join("f"), b"orphan").unwrap();
        }
        fs::write(dir_a.join("app.json.5b1e.tmp"), b"{half").unwrap();
        fs::write(dir_a.join("app.json.4242.tmp"), b"").unwrap();
        // A create killed before its record was renamed into place.
        let crashed = tmp.path().join("7d0c6a35-0000-4000-8000-000000000000");
        fs::create_dir(&crashed).unwrap();
        fs::write(crashed.join("app.json.77.tmp"), b"{}").unwrap();
        // An unreadable record keeps its data (which one it names is unknown) but not its temporaries.
        let dir_b = tmp.path().join(&corrupt.id);
        fs::write(dir_b.join(RECORD_FILE), "{broken").unwrap();
        fs::create_dir(dir_b.join("data-5")).unwrap();
        fs::write(dir_b.join("data-6.tmp"), b"").unwrap();

        let store = AppStore::open(tmp.path()).unwrap();
        assert!(store.cleanup().failed.is_empty());
        assert_eq!(store.cleanup().removed.len(), 8, "{:?}", store.cleanup());
        assert_eq!(names(&dir_a), ["app.json", "data-1"]);
        assert_eq!(names(&dir_b), ["app.json", "data-1", "data-5"]);
        assert!(!crashed.exists());
        assert_eq!(store.get(&a.id).unwrap(), a);
        assert_eq!(store.read_data(&a.id, 1).unwrap()[0].1, b"kept");
        assert_eq!(corrupt.data_version, 1);
        // Versions are never reused: the next one is above anything the folder held.
        let next = store
            .lock(&a.id)
            .unwrap()
            .save(&a, Some(&[("f".into(), b"next".to_vec())]))
            .unwrap();
        assert_eq!(next.data_version, 2);
        assert_eq!(names(&dir_a), ["app.json", "data-2"]);
    }

    #[test]
    fn one_lock_per_app_at_a_time() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Arc::new(AppStore::open(tmp.path()).unwrap());
        let a = store.create("a").unwrap();
        let b = store.create("b").unwrap();
        let held = store.lock(&a.id).unwrap();
        // Another app is not held up.
        drop(store.lock(&b.id).unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let (store, id) = (store.clone(), a.id.clone());
            std::thread::spawn(move || {
                let _lock = store.lock(&id).unwrap();
                tx.send(()).unwrap();
            })
        };
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(200))
            .is_err());
        drop(held);
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        waiter.join().unwrap();
    }

    #[test]
    fn ids_cannot_escape_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let store = AppStore::open(tmp.path()).unwrap();
        for id in ["../x", "/etc/passwd", "..", "", "a/b", ".hidden"] {
            assert!(
                matches!(store.get(id), Err(StoreError::NotFound(_))),
                "{id}"
            );
            assert!(!store.exists(id));
            assert!(matches!(store.lock(id), Err(StoreError::NotFound(_))));
        }
    }

    #[test]
    fn a_corrupt_file_is_reported_not_loaded() {
        let tmp = tempfile::tempdir().unwrap();
        let store = AppStore::open(tmp.path()).unwrap();
        let a = store.create("x").unwrap();
        fs::write(tmp.path().join(&a.id).join(RECORD_FILE), "{broken").unwrap();
        assert!(matches!(store.get(&a.id), Err(StoreError::Corrupt { .. })));
        let (list, errs) = store.list().unwrap();
        assert!(list.is_empty());
        assert_eq!(errs.len(), 1);
    }

    /// Two stores on one folder stand for two nodes on a file share: a lock held through one keeps the
    /// other waiting, and saves from both, interleaved in any order, leave a record whose data is there
    /// and whose revision counts every save.
    #[test]
    fn two_stores_on_one_folder_take_turns_and_the_last_save_wins() {
        let tmp = tempfile::tempdir().unwrap();
        let one = Arc::new(AppStore::open(tmp.path()).unwrap());
        let two = Arc::new(AppStore::open(tmp.path()).unwrap());
        let a = one.create("shared").unwrap();
        let held = one.lock(&a.id).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let (two, id) = (two.clone(), a.id.clone());
            std::thread::spawn(move || {
                let _lock = two.lock(&id).unwrap();
                tx.send(()).unwrap();
            })
        };
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err(),
            "the other store waits for the lock"
        );
        drop(held);
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        waiter.join().unwrap();

        let writers: Vec<_> = [one.clone(), two.clone()]
            .into_iter()
            .enumerate()
            .map(|(n, store)| {
                let id = a.id.clone();
                std::thread::spawn(move || {
                    for i in 0..20 {
                        let app = store.lock(&id).unwrap();
                        let mut record = app.get().unwrap();
                        record.script = format!("// node {n} save {i}");
                        let files = [("t.qvd".to_string(), format!("{n}:{i}").into_bytes())];
                        app.save(&record, Some(&files)).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let stored = one.get(&a.id).unwrap();
        assert_eq!(stored.revision, 40, "every save counted");
        assert!(
            matches!(two.insert(a.clone()), Err(StoreError::AlreadyExists(_))),
            "a create of the same id from the other node does not overwrite it"
        );
        let data = one.read_data(&a.id, stored.data_version).unwrap();
        let node = stored.script.split(' ').nth(2).unwrap().to_string();
        let save = stored.script.rsplit(' ').next().unwrap().to_string();
        assert_eq!(
            data[0].1,
            format!("{node}:{save}").into_bytes(),
            "record and data pair"
        );
    }

    /// A store opened while another process saves an app leaves that app's temporary files alone; once
    /// no one holds the app, they are left over and go.
    #[test]
    fn opening_a_shared_folder_does_not_sweep_an_app_being_saved() {
        let tmp = tempfile::tempdir().unwrap();
        let store = AppStore::open(tmp.path()).unwrap();
        let a = store.create("x").unwrap();
        let leftover = tmp.path().join(&a.id).join(tmp_name("data-9"));
        fs::create_dir(&leftover).unwrap();
        let held = store.lock(&a.id).unwrap();
        let other = AppStore::open(tmp.path()).unwrap();
        assert!(leftover.is_dir(), "kept while a writer holds the app");
        assert!(other.cleanup().removed.is_empty());
        drop(held);
        let later = AppStore::open(tmp.path()).unwrap();
        assert!(!leftover.exists());
        assert_eq!(later.cleanup().removed, [leftover]);
    }
}
