//! What every request may need from the server beyond its session: the app store, the mode, the limits,
//! the folders, the rights, the shared result cache and the data each saved app was last saved with.

use crate::config::Mode;
use crate::sync::Recover;
use qix_apps::{AppRecord, AppStore};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What every request may need from the server, beyond its session.
#[derive(Debug)]
pub struct Env {
    /// Persistent apps.
    pub store: AppStore,
    /// Desktop or server mode (answers IsDesktopMode).
    pub mode: Mode,
    /// When the server started.
    pub started: Instant,
    /// The folder behind `lib://data/`.
    pub data_dir: std::path::PathBuf,
    /// The data each saved app was last saved or opened with, by app id, with the data version of the
    /// record it pairs with: what a session opening the app starts from while the stored record still
    /// names that version (another node sharing the apps folder may have saved a newer one).
    pub published: std::sync::Mutex<
        std::collections::HashMap<String, (u64, std::sync::Arc<crate::doc::LoadedData>)>,
    >,
    /// Inferences and hypercubes, shared by every session.
    pub cache: qix_engine::ResultCache,
    /// The stored record each app was last opened with, shared by the sessions that opened that same record
    /// (each copies it only when it changes it).
    pub records: Mutex<HashMap<String, Arc<AppRecord>>>,
    /// Gives freed memory back to the system (the binary's allocator trim), if set.
    pub release_memory: Option<fn()>,
    /// Empties the allocator's caches of long-lived threads (the binary's, for glibc), if set.
    pub empty_thread_caches: Option<fn()>,
    /// What one reload may do (nesting, call depth, rows, memory).
    pub script_limits: qix_script::Limits,
    /// What one client may ask for (property depth, page cells, ...).
    pub limits: crate::limits::Limits,
    /// The folders data connections may read and write.
    pub folders: crate::folders::Folders,
    /// Who may open, change and delete which app (server mode).
    pub rights: crate::rights::Rights,
    /// Files `ExportData` made, waiting for their download.
    pub exports: crate::exports::Exports,
}

impl Env {
    /// What the requests of a server started with `config` share, over the apps in `store`. Made in one
    /// place so the server and the tests that need an `Env` of their own build it alike.
    pub fn new(config: &crate::config::Config, store: AppStore) -> Env {
        Env {
            store,
            mode: config.mode,
            started: Instant::now(),
            data_dir: config.data_dir.clone(),
            published: Default::default(),
            cache: qix_engine::ResultCache::new(config.cache_bytes()),
            records: Default::default(),
            limits: config.limits(),
            script_limits: config.script_limits(),
            release_memory: config.release_memory,
            empty_thread_caches: config.empty_thread_caches,
            folders: crate::folders::Folders::new(config),
            rights: crate::rights::Rights::new(config.mode, config.admin_users.clone()),
            exports: crate::exports::Exports::default(),
        }
    }

    /// Drops the row indexes of every app's published data (when no session is left: the next selection
    /// builds them again).
    pub fn release_row_indexes(&self) {
        let models: Vec<Arc<qix_engine::DataModel>> = {
            let published = self.published.lock().recover();
            published.values().map(|(_, d)| d.model.clone()).collect()
        };
        // Waits for any index still building: not under the lock of the published data.
        for model in models {
            model.indexes.release();
        }
    }

    /// The stored app a client names: by id; else by title; else by file name, as Qlik Core names apps
    /// after their files (`sales` and `sales.qvf` are the same app). A title that two apps share names
    /// neither: the error says so, and the app must be opened by id.
    pub fn find_app(&self, name: &str) -> Result<AppRecord, qix_protocol::RpcError> {
        use qix_protocol::{ErrorCode, RpcError};
        match self.store.get(name) {
            Ok(record) => return Ok(record),
            Err(qix_apps::StoreError::NotFound(_)) => {}
            Err(e) => return Err(store_error(e)),
        }
        let stem = name.strip_suffix(".qvf").unwrap_or(name);
        let (apps, _) = self.store.list().map_err(store_error)?;
        for candidate in [name.to_string(), stem.to_string(), format!("{stem}.qvf")] {
            let hits: Vec<&AppRecord> = apps
                .iter()
                .filter(|a| a.id == candidate || a.title == candidate)
                .collect();
            match hits.as_slice() {
                [] => continue,
                [one] => return Ok((*one).clone()),
                many => {
                    return Err(RpcError::new(
                        ErrorCode::AppNotFound,
                        format!(
                            "{} apps are named {candidate:?}: open one by its id",
                            many.len()
                        ),
                    ))
                }
            }
        }
        Err(RpcError::new(ErrorCode::AppNotFound, "Could not find app"))
    }

    /// An app's stored record and the data it was saved with, read as a pair under the app's lock (so a
    /// `DoSave` of another session cannot fall between them): the data from memory, else from the saved
    /// data version on disk (after a restart), which is then kept in memory. The data is empty when the app
    /// was never reloaded, or when its saved data cannot be read (logged).
    pub fn open_saved(
        &self,
        app: &str,
    ) -> Result<(Arc<AppRecord>, std::sync::Arc<crate::doc::LoadedData>), qix_apps::StoreError>
    {
        let lock = self.store.lock(app)?;
        let record = self.shared_record(lock.get()?);
        let published = self.published.lock().recover();
        if let Some((_, d)) = published
            .get(app)
            .filter(|(version, _)| *version == record.data_version)
        {
            return Ok((record, d.clone()));
        }
        drop(published);
        if record.data_version == 0 {
            return Ok((record, Default::default()));
        }
        let files = lock.read_data(record.data_version);
        // Rebuilding the model needs no lock: the files are the pair of the record.
        drop(lock);
        let loaded = files
            .map_err(|e| e.to_string())
            .and_then(|files| crate::persist::import(&files));
        match loaded {
            Ok(data) => {
                let data = std::sync::Arc::new(data);
                // Read under the app's lock, so no save of this process came between: this pair is the
                // newest this process knows.
                self.publish(app, record.data_version, data.clone());
                Ok((record, data))
            }
            Err(e) => {
                tracing::error!(app, error = %e, "saved data could not be read; the app opens without data");
                Ok((record, Default::default()))
            }
        }
    }

    /// `record`, as the one copy every session that opens this same stored record shares: the copy kept
    /// from an earlier open when it is equal, else `record`, kept for the next.
    fn shared_record(&self, record: AppRecord) -> Arc<AppRecord> {
        let mut records = self.records.lock().recover();
        match records.get(&record.id) {
            Some(kept) if **kept == record => kept.clone(),
            _ => {
                let shared = Arc::new(record);
                records.insert(shared.id.clone(), shared.clone());
                shared
            }
        }
    }

    /// Sessions that open app `app` from now on start from `data`, the data of its stored data version
    /// `version` (while the stored record names it).
    pub fn publish(&self, app: &str, version: u64, data: Arc<crate::doc::LoadedData>) {
        self.published
            .lock()
            .recover()
            .insert(app.to_string(), (version, data));
    }

    /// Forgets what is kept of an app that was deleted.
    pub fn forget(&self, app: &str) {
        self.records.lock().recover().remove(app);
        self.published.lock().recover().remove(app);
    }
}

/// Maps storage failures to engine errors; not-found becomes 1003 naming the app.
pub fn store_error(e: qix_apps::StoreError) -> qix_protocol::RpcError {
    match e {
        qix_apps::StoreError::NotFound(_) => {
            qix_protocol::RpcError::new(qix_protocol::ErrorCode::AppNotFound, "Could not find app")
        }
        qix_apps::StoreError::AlreadyExists(id) => qix_protocol::RpcError::new(
            qix_protocol::ErrorCode::AppAlreadyExists,
            format!("an app with the id {id:?} exists"),
        ),
        other => {
            tracing::error!(error = %other, "app storage failed");
            qix_protocol::RpcError::new(qix_protocol::ErrorCode::Internal, other.to_string())
        }
    }
}
