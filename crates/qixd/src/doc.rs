//! The app a session has open: its working copy of the stored app plus what lives only in the session.
//!
//! A session works on its own copy of the app record (script, properties): changes are visible to every
//! socket of the session at once and to other sessions only after `DoSave`. Session objects and session
//! variables live here and die with the session. Which objects have stale layouts is tracked here too, so
//! that a `change` is sent once per valid→invalid transition, as the engine does.

use crate::handles::ObjectRef;
use qix_apps::AppRecord;
use qix_engine::{DataModel, Selections};
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// A variable of the working copy: its properties (qInfo, qName, qDefinition, custom ones).
#[derive(Debug, Clone)]
pub struct VariableState {
    /// The properties as last set.
    pub props: Map<String, Value>,
    /// Made by `CreateVariableEx` (saved with the app by `DoSave`) rather than `CreateSessionVariable`
    /// (dies with the session).
    pub persistent: bool,
}

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

/// The open app of a session.
#[derive(Debug)]
pub struct DocState {
    /// The session's working copy of the app.
    pub record: AppRecord,
    /// Created by `CreateSessionApp`: never stored, dies with the session.
    pub session_app: bool,
    /// Session objects by `qInfo.qId`, holding their properties.
    pub objects: BTreeMap<String, Map<String, Value>>,
    /// Objects with soft patches (`ApplyPatches` with `qSoftPatch`): their effective properties, seen by
    /// this session's layouts and GetEffectiveProperties only — never saved, gone with a hard change.
    pub soft: HashMap<String, Map<String, Value>>,
    /// Child objects (`CreateChild`), session and persistent: parent id → children in their order.
    /// Persistent links are saved into the record by DoSave.
    pub children: BTreeMap<String, Vec<String>>,
    /// Variables (persistent ones from the record, then session ones) by `qInfo.qId`.
    pub variables: BTreeMap<String, VariableState>,
    /// Changed since the last save (`qModified`).
    pub modified: bool,
    /// The data from the last successful reload.
    pub data: Arc<LoadedData>,
    /// Whether `data` is what the app's saved data version holds (false after a reload until `DoSave`).
    pub data_saved: bool,
    /// The session's selections over that data, with back / forward history.
    pub selections: Selections,
    /// The selections of each alternate state (app-level names, session-level selections); session
    /// states (`AddSessionAlternateState`) are here too, without a name in the record.
    pub alternate: BTreeMap<String, Selections>,
    /// The reload status (shared with the thread running a reload).
    pub reload: Arc<ReloadStatus>,
    /// The selections when `BeginSelections` started modal selections, to roll back to.
    pub modal_base: Option<qix_engine::SelectionState>,
    /// The object whose BeginSelections started the modal state (its layout says `qInSelections`).
    pub modal_object: Option<String>,
    /// Objects whose layout changed and has not been fetched since; no second `change` is sent for them.
    stale: HashSet<ObjectRef>,
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
    /// Opens a working copy of `record`.
    pub fn open(record: AppRecord, session_app: bool, data: Arc<LoadedData>) -> DocState {
        let variables = record
            .variables
            .iter()
            .map(|(id, props)| {
                let v = VariableState {
                    props: props.clone(),
                    persistent: true,
                };
                (id.clone(), v)
            })
            .collect();
        let children = record.children.clone();
        let alternate = record
            .state_names
            .iter()
            .map(|n| (n.clone(), Selections::default()))
            .collect();
        DocState {
            soft: HashMap::new(),
            children,
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
        }
    }

    /// Marks every object and variable stale (the data or the selections changed).
    pub fn invalidate_all(&mut self, effects: &mut Effects) {
        let ids: Vec<ObjectRef> = self
            .objects
            .keys()
            .chain(self.record.objects.keys())
            .map(|k| ObjectRef::Object(k.clone()))
            .chain(
                self.record
                    .dimensions
                    .keys()
                    .map(|k| ObjectRef::Dimension(k.clone())),
            )
            .chain(
                self.record
                    .measures
                    .keys()
                    .map(|k| ObjectRef::Measure(k.clone())),
            )
            .chain(
                self.variables
                    .keys()
                    .map(|k| ObjectRef::Variable(k.clone())),
            )
            .chain(
                self.record
                    .bookmarks
                    .keys()
                    .map(|k| ObjectRef::Bookmark(k.clone())),
            )
            .collect();
        for o in ids {
            self.invalidate(o, effects);
        }
    }

    /// Marks `object`'s layout stale; reports it in `effects` only on the valid→invalid transition.
    pub fn invalidate(&mut self, object: ObjectRef, effects: &mut Effects) {
        if self.stale.insert(object.clone()) {
            effects.change.push(object);
        }
    }

    /// The layout of `object` was just computed for a client: it is valid again.
    pub fn validate(&mut self, object: &ObjectRef) {
        self.stale.remove(object);
    }

    /// Forgets `object` (destroyed) and reports it in `close`.
    pub fn remove(&mut self, object: ObjectRef, effects: &mut Effects) {
        self.stale.remove(&object);
        effects.close.push(object);
    }

    /// Whether an id is taken by a session object, a persistent object or a variable.
    pub fn id_in_use(&self, id: &str) -> bool {
        self.objects.contains_key(id)
            || self.record.objects.contains_key(id)
            || self.record.dimensions.contains_key(id)
            || self.record.measures.contains_key(id)
            || self.variables.contains_key(id)
            || self.record.bookmarks.contains_key(id)
    }

    /// The properties of a generic object: a session object, else a persistent one (this session's copy).
    pub fn object(&self, id: &str) -> Option<&Map<String, Value>> {
        self.objects.get(id).or_else(|| self.record.objects.get(id))
    }

    /// The selections of state `name` (`$` or empty: the default state); `None` for an unknown state.
    pub fn state(&self, name: &str) -> Option<&Selections> {
        match name {
            "" | "$" => Some(&self.selections),
            other => self.alternate.get(other),
        }
    }

    /// [`DocState::state`], to change.
    pub fn state_mut(&mut self, name: &str) -> Option<&mut Selections> {
        match name {
            "" | "$" => Some(&mut self.selections),
            other => self.alternate.get_mut(other),
        }
    }

    /// An object's own properties with this session's soft patches, if any (what it links to not merged).
    pub fn patched(&self, id: &str) -> Option<&Map<String, Value>> {
        self.soft.get(id).or_else(|| self.object(id))
    }

    /// The properties an object's layout is computed from: with this session's soft patches, if any, and
    /// laid over the object its `qExtendsId` links to (a master visualization), recursively. `Ok(None)`:
    /// no such object; an error: a link to a missing object (8001) or a loop of links (8002).
    pub fn effective(&self, id: &str) -> Result<Option<Map<String, Value>>, RpcError> {
        let Some(own) = self.patched(id) else {
            return Ok(None);
        };
        let mut chain = vec![id.to_string()];
        let mut merged = own.clone();
        let mut next = linked_id(own);
        while let Some(link) = next {
            if chain.contains(&link) {
                return Err(RpcError::new(ErrorCode::LinkedObjectInvalid, link));
            }
            let base = self
                .patched(&link)
                .ok_or_else(|| RpcError::new(ErrorCode::LinkedObjectNotFound, link.clone()))?;
            next = linked_id(base);
            merged = overlay(base.clone(), merged);
            chain.push(link);
        }
        Ok(Some(merged))
    }

    /// The objects whose `qExtendsId` chain reaches `id`: their layouts change when it does.
    pub fn linked_to(&self, id: &str) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        let mut frontier = vec![id.to_string()];
        while let Some(target) = frontier.pop() {
            for (other, props) in self.objects.iter().chain(self.record.objects.iter()) {
                if linked_id(props).as_deref() == Some(target.as_str())
                    && other != id
                    && !found.contains(other)
                {
                    found.push(other.clone());
                    frontier.push(other.clone());
                }
            }
        }
        found
    }

    /// [`DocState::object`], to change.
    pub fn object_mut(&mut self, id: &str) -> Option<&mut Map<String, Value>> {
        match self.objects.get_mut(id) {
            Some(o) => Some(o),
            None => self.record.objects.get_mut(id),
        }
    }

    /// The children of `parent`, in their order.
    pub fn children(&self, parent: &str) -> Vec<String> {
        self.children.get(parent).cloned().unwrap_or_default()
    }

    /// The parent of `child`, if it is a child object.
    pub fn parent_of(&self, child: &str) -> Option<String> {
        self.children
            .iter()
            .find(|(_, kids)| kids.iter().any(|k| k == child))
            .map(|(p, _)| p.clone())
    }

    /// Makes `child` the last child of `parent`.
    pub fn add_child(&mut self, parent: &str, child: &str) {
        self.unlink(child);
        self.children
            .entry(parent.to_string())
            .or_default()
            .push(child.to_string());
    }

    /// Forgets `id` as a child and as a parent.
    pub fn unlink(&mut self, id: &str) {
        self.children.remove(id);
        for kids in self.children.values_mut() {
            kids.retain(|k| k != id);
        }
        self.children.retain(|_, kids| !kids.is_empty());
    }

    /// The id of the session variable named `name`.
    pub fn variable_id_by_name(&self, name: &str) -> Option<String> {
        self.variables
            .iter()
            .find(|(_, v)| v.props.get("qName").and_then(Value::as_str) == Some(name))
            .map(|(id, _)| id.clone())
    }
}

/// The id an object's `qExtendsId` links it to, if it has a non-empty one.
fn linked_id(props: &Map<String, Value>) -> Option<String> {
    props
        .get("qExtendsId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `own` laid over `base`: objects merge key by key, anything else (arrays, scalars) is `own`'s. The
/// linking object keeps its own `qInfo` (id and type) and `qExtendsId`.
fn overlay(mut base: Map<String, Value>, own: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in own {
        match (base.get_mut(&k), v) {
            (Some(Value::Object(b)), Value::Object(o)) if k != "qInfo" => {
                let merged = overlay(std::mem::take(b), o);
                *b = merged;
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_is_reported_once_per_invalidation() {
        let mut doc = DocState::open(AppRecord::new("t"), true, Default::default());
        let obj = ObjectRef::Object("a".into());
        let mut fx = Effects::default();
        doc.invalidate(obj.clone(), &mut fx);
        doc.invalidate(obj.clone(), &mut fx);
        assert_eq!(fx.change, vec![obj.clone()]);
        doc.validate(&obj);
        doc.invalidate(obj.clone(), &mut fx);
        assert_eq!(fx.change.len(), 2);
    }
}
