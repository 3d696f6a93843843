//! What of an open app lives only in its session — session objects, soft patches, child links among
//! them, session variables and session alternate states — taken out as one value and put back, so a
//! session can be written to disk and restored by another process (`crate::snapshot`). Selections are
//! taken and given back by the caller as values (they outlive the symbol numbers of one process).

use super::{DocState, Effects};
use crate::handles::ObjectRef;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The session-only part of an open app, as stored in a session snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionPart {
    /// Session objects (`CreateSessionObject`) by id, with their properties.
    #[serde(default)]
    pub objects: BTreeMap<String, Map<String, Value>>,
    /// Soft-patched properties (`ApplyPatches` with `qSoftPatch`) by object id.
    #[serde(default)]
    pub soft: BTreeMap<String, Map<String, Value>>,
    /// Child links that involve a session object (parent id → children in order); links among
    /// persistent objects belong to the app.
    #[serde(default)]
    pub children: BTreeMap<String, Vec<String>>,
    /// Session variables (`CreateSessionVariable`) by id, with their properties.
    #[serde(default)]
    pub variables: BTreeMap<String, Map<String, Value>>,
    /// Alternate states the session added (`AddSessionAlternateState`), not named in the app.
    #[serde(default)]
    pub states: Vec<String>,
}

impl DocState {
    /// The session-only part of this open app.
    pub fn session_part(&self) -> SessionPart {
        let session_object = |id: &str| self.objects.contains_key(id);
        SessionPart {
            objects: self.objects.clone(),
            soft: self
                .soft
                .iter()
                .map(|(id, p)| (id.clone(), p.clone()))
                .collect(),
            children: self
                .children
                .iter()
                .filter(|(p, kids)| session_object(p) || kids.iter().any(|k| session_object(k)))
                .map(|(p, kids)| (p.clone(), kids.clone()))
                .collect(),
            variables: self
                .variables
                .iter()
                .filter(|(_, v)| !v.persistent)
                .map(|(id, v)| (id.clone(), v.props.clone()))
                .collect(),
            states: self
                .alternate
                .keys()
                .filter(|n| !self.record.state_names.contains(n))
                .cloned()
                .collect(),
        }
    }

    /// Puts a session-only part back into a just opened app. What no longer fits is skipped: a soft
    /// patch or child link of an object that is gone, an id the app now uses for something else. Nothing
    /// here modifies the app.
    pub fn restore_session_part(&mut self, part: SessionPart) {
        let mut effects = Effects::default();
        for (id, props) in part.objects {
            if !self.id_in_use(&id) {
                self.insert_object(id, props, false);
            }
        }
        for (id, props) in part.variables {
            if !self.id_in_use(&id) {
                self.insert_variable(id, props, false);
            }
        }
        for (id, props) in part.soft {
            if self.object(&id).is_some() {
                self.soft.insert(id, props);
            }
        }
        for (parent, kids) in part.children {
            if self.object(&parent).is_none() {
                continue;
            }
            let kids: Vec<String> = kids
                .into_iter()
                .filter(|k| self.object(k).is_some())
                .collect();
            self.children.insert(parent, kids);
        }
        for name in part.states {
            self.add_state(&name, false, &mut effects);
        }
        // A restored app is new to every socket that attaches: nothing of it has been laid out yet.
        self.stale.insert(ObjectRef::Doc);
    }
}
