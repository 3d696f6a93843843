//! The open app's variables: persistent ones (`CreateVariableEx`, saved by DoSave) and session ones
//! (`CreateSessionVariable`, gone with the session), side by side by id. Changing a persistent variable
//! modifies the app; changing a session one does not.

use super::{DocState, Effects};
use crate::handles::ObjectRef;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A variable of the working copy: its properties (qInfo, qName, qDefinition, custom ones).
#[derive(Debug, Clone)]
pub struct VariableState {
    /// The properties as last set.
    pub props: Map<String, Value>,
    /// Made by `CreateVariableEx` (saved with the app by `DoSave`) rather than `CreateSessionVariable`
    /// (dies with the session).
    pub persistent: bool,
}

impl VariableState {
    /// A variable of the stored app.
    pub(super) fn persistent(props: Map<String, Value>) -> VariableState {
        VariableState {
            props,
            persistent: true,
        }
    }

    /// The variable's name (`qName`).
    pub fn name(&self) -> Option<&str> {
        self.props.get("qName").and_then(Value::as_str)
    }

    /// The variable's definition (`qDefinition`), if it has one.
    pub fn definition(&self) -> Option<&str> {
        self.props.get("qDefinition").and_then(Value::as_str)
    }
}

impl DocState {
    /// Every variable, persistent and session, by id.
    pub fn variables(&self) -> &BTreeMap<String, VariableState> {
        &self.variables
    }

    /// The variable with id `id`.
    pub fn variable(&self, id: &str) -> Option<&VariableState> {
        self.variables.get(id)
    }

    /// The id of the variable named `name` (names are unique among the session's variables).
    pub fn variable_id_by_name(&self, name: &str) -> Option<String> {
        self.variables
            .iter()
            .find(|(_, v)| v.name() == Some(name))
            .map(|(id, _)| id.clone())
    }

    /// Adds a variable (`persistent`: saved with the app, which is then modified). It starts stale
    /// without a `change`: it has never been laid out, so its first change is its first layout.
    pub fn insert_variable(&mut self, id: String, props: Map<String, Value>, persistent: bool) {
        self.stale.insert(ObjectRef::Variable(id.clone()));
        self.variables
            .insert(id, VariableState { props, persistent });
        if persistent {
            self.modified = true;
        }
    }

    /// Removes a variable, reporting it in `close`; the app is modified when it was persistent. False when
    /// there is no such variable.
    pub fn remove_variable(&mut self, id: &str, effects: &mut Effects) -> bool {
        let Some(removed) = self.variables.remove(id) else {
            return false;
        };
        if removed.persistent {
            self.modified = true;
        }
        self.close(ObjectRef::Variable(id.to_string()), effects);
        true
    }

    /// Changes a variable's properties: the variable is stale and, when it is persistent, the app is
    /// modified. `None` when there is no such variable (its handle outlived it).
    pub fn change_variable<T>(
        &mut self,
        id: &str,
        effects: &mut Effects,
        change: impl FnOnce(&mut Map<String, Value>) -> T,
    ) -> Option<T> {
        let var = self.variables.get_mut(id)?;
        let out = change(&mut var.props);
        if var.persistent {
            self.modified = true;
        }
        self.changed(ObjectRef::Variable(id.to_string()), effects);
        Some(out)
    }
}
