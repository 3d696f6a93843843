//! The apps folder: `<apps-dir>/<app id>/app.json`, each written atomically.

use crate::record::{now_iso, AppRecord};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No app has that id (or the id could never name one).
    #[error("app not found: {0}")]
    NotFound(String),
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
    /// Serialises writers so two saves of one app never interleave their temp files and renames.
    write_lock: Mutex<()>,
}

const RECORD_FILE: &str = "app.json";

/// Ids come from clients: only plain names are allowed, so an id can never reach outside the folder.
fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

impl AppStore {
    /// Opens (and creates, if needed) the apps folder.
    pub fn open(dir: impl Into<PathBuf>) -> Result<AppStore, StoreError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        Ok(AppStore {
            dir,
            write_lock: Mutex::new(()),
        })
    }

    /// The root folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn app_dir(&self, id: &str) -> Result<PathBuf, StoreError> {
        if !is_valid_id(id) {
            return Err(StoreError::NotFound(id.to_string()));
        }
        Ok(self.dir.join(id))
    }

    /// Creates a new app with the given title and stores it.
    pub fn create(&self, title: &str) -> Result<AppRecord, StoreError> {
        let record = AppRecord::new(title);
        self.write(&record)?;
        Ok(record)
    }

    /// Creates a new app with the given title and initial script, and stores it.
    pub fn create_with_script(&self, title: &str, script: &str) -> Result<AppRecord, StoreError> {
        let mut record = AppRecord::new(title);
        record.script = script.to_string();
        self.write(&record)?;
        Ok(record)
    }

    /// Reads one app.
    pub fn get(&self, id: &str) -> Result<AppRecord, StoreError> {
        let path = self.app_dir(id)?.join(RECORD_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound(id.to_string()))
            }
            Err(e) => return Err(io(&path)(e)),
        };
        serde_json::from_str(&text).map_err(|source| StoreError::Corrupt { path, source })
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

    /// Saves a new version of an existing app (the engine's `DoSave`); sets `modified`.
    pub fn save(&self, record: &AppRecord) -> Result<AppRecord, StoreError> {
        if !self.exists(&record.id) {
            return Err(StoreError::NotFound(record.id.clone()));
        }
        let mut record = record.clone();
        record.modified = now_iso();
        self.write(&record)?;
        Ok(record)
    }

    /// Writes a new version of an app's data files into `<app>/data-<version>/`: every file is written and
    /// fsynced in a temporary folder, which is then renamed into place. The record names the version only
    /// once [`AppStore::save`] has written it, so a crash leaves the old record with its old data, or the new.
    pub fn write_data(
        &self,
        id: &str,
        version: u64,
        files: &[(String, Vec<u8>)],
    ) -> Result<(), StoreError> {
        let dir = self.app_dir(id)?;
        let tmp = dir.join(format!("data-{version}.tmp"));
        let done = dir.join(format!("data-{version}"));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(io(&tmp))?;
        for (name, bytes) in files {
            if !is_valid_id(name) {
                return Err(StoreError::NotFound(name.clone()));
            }
            let path = tmp.join(name);
            let mut f = File::create(&path).map_err(io(&path))?;
            f.write_all(bytes).map_err(io(&path))?;
            f.sync_all().map_err(io(&path))?;
        }
        sync_dir(&tmp)?;
        let _ = fs::remove_dir_all(&done);
        fs::rename(&tmp, &done).map_err(io(&done))?;
        sync_dir(&dir)
    }

    /// Reads the data files of version `version` of an app, in name order.
    pub fn read_data(&self, id: &str, version: u64) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let dir = self.app_dir(id)?.join(format!("data-{version}"));
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let path = entry.path();
            let bytes = fs::read(&path).map_err(io(&path))?;
            out.push((entry.file_name().to_string_lossy().into_owned(), bytes));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Removes data versions other than `keep` (after the record naming `keep` is saved).
    pub fn prune_data(&self, id: &str, keep: u64) {
        let Ok(dir) = self.app_dir(id) else { return };
        let Ok(entries) = fs::read_dir(&dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("data-") && name != format!("data-{keep}") {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }

    /// Deletes an app and everything stored with it.
    pub fn delete(&self, id: &str) -> Result<(), StoreError> {
        let dir = self.app_dir(id)?;
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        if !dir.join(RECORD_FILE).is_file() {
            return Err(StoreError::NotFound(id.to_string()));
        }
        fs::remove_dir_all(&dir).map_err(io(&dir))?;
        sync_dir(&self.dir)
    }

    /// Writes `record` atomically: temp file, fsync, rename, fsync of the folder.
    fn write(&self, record: &AppRecord) -> Result<(), StoreError> {
        let dir = self.app_dir(&record.id)?;
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let created = !dir.exists();
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let tmp = dir.join(format!("{RECORD_FILE}.{}.tmp", std::process::id()));
        let target = dir.join(RECORD_FILE);
        let bytes = serde_json::to_vec_pretty(record).map_err(|source| StoreError::Corrupt {
            path: target.clone(),
            source,
        })?;
        {
            let mut f = File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(&bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        fs::rename(&tmp, &target).map_err(io(&target))?;
        sync_dir(&dir)?;
        if created {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // A reopened store sees the same apps.
        let again = AppStore::open(tmp.path().join("apps")).unwrap();
        assert_eq!(again.get(&a.id).unwrap().script, a.script);
    }

    #[test]
    fn data_versions_are_written_whole_and_pruned() {
        let tmp = tempfile::tempdir().unwrap();
        let store = AppStore::open(tmp.path()).unwrap();
        let mut a = store.create("x").unwrap();
        store
            .write_data(&a.id, 1, &[("0.qvd".into(), b"one".to_vec())])
            .unwrap();
        a.data_version = 1;
        store.save(&a).unwrap();
        store
            .write_data(
                &a.id,
                2,
                &[
                    ("0.qvd".into(), b"two".to_vec()),
                    ("meta.json".into(), b"{}".to_vec()),
                ],
            )
            .unwrap();
        // Until the record names version 2, version 1 is what the app has.
        assert_eq!(store.get(&a.id).unwrap().data_version, 1);
        assert_eq!(store.read_data(&a.id, 1).unwrap()[0].1, b"one");
        a.data_version = 2;
        store.save(&a).unwrap();
        store.prune_data(&a.id, 2);
        assert!(store.read_data(&a.id, 1).is_err());
        assert_eq!(store.read_data(&a.id, 2).unwrap().len(), 2);
        assert!(store
            .write_data(&a.id, 3, &[("../x".into(), vec![])])
            .is_err());
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
}
