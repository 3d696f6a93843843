//! The open app's data: what a reload produced, the reload's status, installing new data, and what a save
//! takes from the working copy and records back into it.

use super::{DocState, Effects};
use crate::handles::ObjectRef;
use qix_apps::AppRecord;
use qix_engine::DataModel;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// The data of an app after a reload: the model and what the script said about its fields.
#[derive(Debug, Default)]
pub struct LoadedData {
    /// The data model (empty before the first reload).
    pub model: Arc<DataModel>,
    /// `COMMENT FIELD` texts.
    pub comments: HashMap<String, String>,
    /// `TAG FIELD` tags.
    pub tags: HashMap<String, Vec<String>>,
    /// The script's variables (`SET` / `LET`) at its end: what `$(name)` in a chart expression falls back
    /// to when the app has no variable of that name, as in Qlik.
    pub script_variables: BTreeMap<String, String>,
    /// Each field's own tags (`$key`, `$numeric`, `$date`, ...), worked out once per field: the data does
    /// not change, and layouts ask for them every time.
    pub system_tags: Mutex<HashMap<qix_engine::FieldId, Arc<Vec<String>>>>,
    /// Each field's smart-search index (its values lowercased, word starts sorted), built on the first
    /// search that reads the field and kept with the data it indexes.
    pub search_index: Mutex<HashMap<qix_engine::FieldId, Arc<qix_engine::smart::TextIndex>>>,
}

/// A reload in progress or just finished, readable without the session lock.
#[derive(Debug, Default)]
pub struct ReloadStatus {
    /// Set by `CancelReload`.
    pub cancel: Arc<AtomicBool>,
    /// (table, rows so far) while a reload runs; the log lines once it ends.
    pub progress: Arc<Mutex<ReloadProgress>>,
}

/// What `GetProgress` reports.
#[derive(Debug, Default, Clone)]
pub struct ReloadProgress {
    /// A reload is running.
    pub running: bool,
    /// Rows loaded so far, per table.
    pub tables: Vec<(String, usize)>,
    /// Log of the last (or running) reload.
    pub log: Vec<String>,
    /// The error of the last reload, if it failed.
    pub error: Option<String>,
    /// The JSON-RPC id of the running reload's request (what `AbortRequest` names).
    pub request_id: Option<serde_json::Value>,
}

impl DocState {
    /// The data from the last successful reload (shared: layouts and a save read it without copying).
    pub fn data(&self) -> &Arc<LoadedData> {
        &self.data
    }

    /// The status of the running or last reload, shared with the thread that runs it (GetProgress and
    /// CancelReload read it without waiting for the reload).
    pub fn reload_status(&self) -> &Arc<ReloadStatus> {
        &self.reload
    }

    /// A reload succeeded: its data replaces the old, the selections of every state start empty (symbol
    /// numbers changed), the data is not saved yet, the reload time is now and the app is modified. The
    /// Doc and every object, master item, variable and bookmark are stale.
    pub fn install_reload(&mut self, data: LoadedData, effects: &mut Effects) {
        self.data = Arc::new(data);
        self.reset_selections();
        self.data_saved = false;
        self.record_mut().last_reload_time = qix_apps::now_iso();
        self.modified = true;
        self.invalidate(ObjectRef::Doc, effects);
        self.invalidate_all(effects);
    }

    /// Makes [`DocState::record`] what DoSave stores: folds the session's persistent variables and the
    /// child links among persistent objects into the working record (they live apart while the app is
    /// open). Not a change of the app: the record says what the session already has.
    pub fn fold_for_save(&mut self) {
        let variables = self
            .variables
            .iter()
            .filter(|(_, v)| v.persistent)
            .map(|(id, v)| (id.clone(), v.props.clone()))
            .collect();
        self.record_mut().variables = variables;
        let persistent = |id: &str| self.record.objects.contains_key(id);
        let children = self
            .children
            .iter()
            .filter(|(parent, _)| persistent(parent))
            .map(|(p, kids)| {
                let kept: Vec<String> = kids.iter().filter(|k| persistent(k)).cloned().collect();
                (p.clone(), kept)
            })
            .filter(|(_, kids)| !kids.is_empty())
            .collect();
        self.record_mut().children = children;
    }

    /// Whether the data is what the working record's data version names in storage (not reloaded since
    /// it was opened or saved): a save then need not write the data again.
    pub fn data_is_saved(&self) -> bool {
        self.data_saved
    }

    /// A save stored `saved` (the record as storage now has it, with its data version) and this session's
    /// data: the working copy is that record, not modified; a change of `qModified` makes the Doc stale.
    pub fn saved(&mut self, saved: AppRecord, effects: &mut Effects) {
        self.record = Arc::new(saved);
        self.data_saved = true;
        if self.modified {
            self.modified = false;
            self.invalidate(ObjectRef::Doc, effects);
        }
    }
}
