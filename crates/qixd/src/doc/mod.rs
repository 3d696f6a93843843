//! The app a session has open: its working copy of the stored app plus what lives only in the session.
//!
//! A session works on its own copy of the app record (script, properties, persistent objects, master items,
//! bookmarks): changes are visible to every socket of the session at once and to other sessions only after
//! `DoSave`. Session objects, session variables, soft patches and selections live here and die with the
//! session.
//!
//! The state is private: reads go through methods, and so do changes, each keeping the rules in one place:
//!
//! - a change to what `DoSave` stores (the record, persistent objects and variables, child links of
//!   persistent objects, app-level state names, the data after a reload) marks the app modified
//!   (`qModified`); a change that lives only in the session (session objects and variables, soft patches,
//!   selections, session states) does not. An object or variable knows whether it is persistent, so the
//!   method decides, not its caller;
//! - a change reports what depends on it as stale in [`Effects`], once per valid→invalid transition (as the
//!   engine sends `change`), and `crate::api` fans that out to the session's sockets.
//!
//! By concern: generic objects, soft patches, links and children in `objects`, variables in `variables`,
//! selections, alternate states and modal selections in `states`, expanded pivot nodes in `expansion`,
//! list object searches in `list_search`, the data, its reload and saving in `data`, what lives only in
//! the session (taken out for a session snapshot and put back) in `snapshot`. This file holds the state,
//! opening it, invalidation and the changes to the record itself.

mod data;
mod expansion;
mod footprint;
mod list_search;
mod objects;
mod snapshot;
mod states;
#[cfg(test)]
mod tests;
mod undo;
mod variables;

pub use data::{LoadedData, ReloadProgress, ReloadStatus};
pub use expansion::shown_expansion;
pub use snapshot::SessionPart;
pub use variables::VariableState;

use crate::handles::ObjectRef;
use qix_apps::AppRecord;
use qix_engine::{SelectionState, Selections};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// The open app of a session.
#[derive(Debug)]
pub struct DocState {
    /// The session's working copy of the app.
    /// Shared with the other sessions that opened the same stored record, until this one changes it
    /// (copy on write): a session costs little until it changes the app.
    record: Arc<AppRecord>,
    /// Created by `CreateSessionApp`: never stored, dies with the session.
    session_app: bool,
    /// Session objects by `qInfo.qId`, holding their properties.
    objects: BTreeMap<String, Map<String, Value>>,
    /// Objects with soft patches (`ApplyPatches` with `qSoftPatch`): their effective properties, seen by
    /// this session's layouts and GetEffectiveProperties only — never saved, gone with a hard change.
    soft: HashMap<String, Map<String, Value>>,
    /// Pivot nodes this session expanded, by (object id, definition path).
    expansions: HashMap<(String, String), qix_engine::hypercube::pivot::Expansion>,
    /// The cell (`qx`, `qy`) of the last node expanded or collapsed, by (object id, definition path),
    /// until the object's next layout has reported it (`qLastExpandedPos`).
    last_expanded: HashMap<(String, String), (u64, u64)>,
    /// List object searches in progress (`SearchListObjectFor`), by (object id, definition path).
    list_searches: HashMap<(String, String), String>,
    /// Child objects (`CreateChild`), session and persistent: parent id → children in their order.
    /// Persistent links are saved into the record by DoSave.
    children: BTreeMap<String, Vec<String>>,
    /// Variables (persistent ones from the record, then session ones) by `qInfo.qId`.
    variables: BTreeMap<String, VariableState>,
    /// Changed since the last save (`qModified`).
    modified: bool,
    /// The data from the last successful reload.
    data: Arc<LoadedData>,
    /// Whether `data` is what the app's saved data version holds (false after a reload until `DoSave`).
    data_saved: bool,
    /// The session's selections over that data, with back / forward history.
    selections: Selections,
    /// The selections of each alternate state (app-level names, session-level selections); session
    /// states (`AddSessionAlternateState`) are here too, without a name in the record.
    alternate: BTreeMap<String, Selections>,
    /// The reload status (shared with the thread running a reload).
    reload: Arc<ReloadStatus>,
    /// The selections when `BeginSelections` started modal selections, to roll back to.
    modal_base: Option<SelectionState>,
    /// The object whose BeginSelections started the modal state (its layout says `qInSelections`).
    modal_object: Option<String>,
    /// Objects whose layout changed and has not been fetched since; no second `change` is sent for them.
    stale: HashSet<ObjectRef>,
    /// This session's changes of persistent objects, the latest last, for `Undo`; and those undone,
    /// for `Redo`.
    undo: undo::History,
}

/// What a request did that sockets must hear about: objects whose layouts are stale, objects gone.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Effects {
    /// Objects to report in `change`.
    pub change: Vec<ObjectRef>,
    /// Objects to report in `close`.
    pub close: Vec<ObjectRef>,
}

impl DocState {
    /// Opens a working copy of `record`: its persistent variables, child links and state names come out of
    /// the record to live beside it (DoSave folds them back); nothing is modified yet.
    pub fn open(record: Arc<AppRecord>, session_app: bool, data: Arc<LoadedData>) -> DocState {
        let variables = record
            .variables
            .iter()
            .map(|(id, props)| (id.clone(), VariableState::persistent(props.clone())))
            .collect();
        let alternate = record
            .state_names
            .iter()
            .map(|n| (n.clone(), Selections::default()))
            .collect();
        DocState {
            soft: HashMap::new(),
            expansions: HashMap::new(),
            last_expanded: HashMap::new(),
            list_searches: HashMap::new(),
            children: record.children.clone(),
            record,
            session_app,
            objects: BTreeMap::new(),
            variables,
            modified: false,
            data,
            data_saved: true,
            selections: Selections::default(),
            alternate,
            reload: Arc::new(ReloadStatus::default()),
            modal_base: None,
            modal_object: None,
            stale: HashSet::new(),
            undo: undo::History::default(),
        }
    }

    /// A doc just put in the session is new to every socket: the Doc is reported changed (the engine lists
    /// the new doc handle in OpenDoc's response).
    pub fn announce(&mut self, effects: &mut Effects) {
        self.invalidate(ObjectRef::Doc, effects);
    }

    /// The session's working copy of the app record (what DoSave stores, less the variables and child
    /// links, which live apart while the app is open).
    pub fn record(&self) -> &AppRecord {
        &self.record
    }

    /// The working record, to change: copied first if other sessions share it. Private: changes go through
    /// the methods that mark the app modified.
    fn record_mut(&mut self) -> &mut AppRecord {
        Arc::make_mut(&mut self.record)
    }

    /// The app's id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// Made by `CreateSessionApp`: never stored, so never saved.
    pub fn is_session_app(&self) -> bool {
        self.session_app
    }

    /// Changed since it was opened or last saved (`qModified`).
    pub fn is_modified(&self) -> bool {
        self.modified
    }

    /// Whether an id is taken by a session object, a persistent object, a master item, a variable or a
    /// bookmark: ids are unique across all of them in a session.
    pub fn id_in_use(&self, id: &str) -> bool {
        self.objects.contains_key(id)
            || self.record.objects.contains_key(id)
            || self.record.dimensions.contains_key(id)
            || self.record.measures.contains_key(id)
            || self.variables.contains_key(id)
            || self.record.bookmarks.contains_key(id)
    }

    /// The layout of `object` was just computed for a client: it is valid again, so its next change is
    /// reported.
    pub fn validate(&mut self, object: &ObjectRef) {
        self.stale.remove(object);
        if let ObjectRef::Object(id) = object {
            self.reported_expansion(id);
        }
    }

    /// Changes the working record (what DoSave stores): runs `change`, marks the app modified and reports
    /// `stale` and what depends on them as changed. The one path for changing a record item in place.
    pub fn change_record<T>(
        &mut self,
        stale: &[ObjectRef],
        effects: &mut Effects,
        change: impl FnOnce(&mut AppRecord) -> T,
    ) -> T {
        let out = change(self.record_mut());
        self.modified = true;
        for object in stale {
            self.changed(object.clone(), effects);
        }
        out
    }

    /// Adds an item to the working record (a master item, a bookmark): marks the app modified; the new
    /// object starts stale without a `change` (it has never been laid out: its first change is its first
    /// layout).
    pub fn add_to_record<T>(&mut self, new: ObjectRef, add: impl FnOnce(&mut AppRecord) -> T) -> T {
        let out = add(self.record_mut());
        self.modified = true;
        self.stale.insert(new);
        out
    }

    /// Removes an item from the working record: `remove` says whether there was one; if so the app is
    /// modified and `gone` is reported in `close`.
    pub fn remove_from_record(
        &mut self,
        gone: ObjectRef,
        effects: &mut Effects,
        remove: impl FnOnce(&mut AppRecord) -> bool,
    ) -> bool {
        if !remove(self.record_mut()) {
            return false;
        }
        self.modified = true;
        self.close(gone, effects);
        true
    }

    /// `object` changed: it and what depends on it are stale. Generic objects linked to it (`qExtendsId`)
    /// show its properties; every layout may use a master item (`qLibraryId` users are not tracked).
    fn changed(&mut self, object: ObjectRef, effects: &mut Effects) {
        let linked = match &object {
            ObjectRef::Object(id) => self.linked_to(id),
            _ => Vec::new(),
        };
        let everything = matches!(object, ObjectRef::Dimension(_) | ObjectRef::Measure(_));
        self.invalidate(object, effects);
        for id in linked {
            self.invalidate(ObjectRef::Object(id), effects);
        }
        if everything {
            self.invalidate_all(effects);
        }
    }

    /// Marks every object, master item, variable and bookmark stale (the data or the selections changed).
    fn invalidate_all(&mut self, effects: &mut Effects) {
        let r = &self.record;
        let ids: Vec<ObjectRef> = self
            .objects
            .keys()
            .chain(r.objects.keys())
            .map(|k| ObjectRef::Object(k.clone()))
            .chain(r.dimensions.keys().map(|k| ObjectRef::Dimension(k.clone())))
            .chain(r.measures.keys().map(|k| ObjectRef::Measure(k.clone())))
            .chain(
                self.variables
                    .keys()
                    .map(|k| ObjectRef::Variable(k.clone())),
            )
            .chain(r.bookmarks.keys().map(|k| ObjectRef::Bookmark(k.clone())))
            .collect();
        for o in ids {
            self.invalidate(o, effects);
        }
    }

    /// Marks `object`'s layout stale; reports it in `effects` only on the valid→invalid transition.
    fn invalidate(&mut self, object: ObjectRef, effects: &mut Effects) {
        if self.stale.insert(object.clone()) {
            effects.change.push(object);
        }
    }

    /// Forgets `object` (destroyed) and reports it in `close`.
    fn close(&mut self, object: ObjectRef, effects: &mut Effects) {
        self.stale.remove(&object);
        effects.close.push(object);
    }
}
