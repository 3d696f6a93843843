//! What the session inspector shows of an open app: how many session objects and variables a session
//! made, its current selections, and a rough estimate of the memory that is the session's own.

use super::DocState;
use qix_engine::SelectionState;
use serde_json::{json, Value};
use std::sync::Arc;

/// Most selected values listed per field; past it only the count is exact.
const LISTED_VALUES: usize = 20;

impl DocState {
    /// Session objects (`CreateSessionObject`), not the app's persistent ones.
    pub fn session_object_count(&self) -> usize {
        self.objects.len()
    }

    /// Session variables (`CreateSessionVariable`), not the app's persistent ones.
    pub fn session_variable_count(&self) -> usize {
        self.variables.values().filter(|v| !v.persistent).count()
    }

    /// The current selections of every state, `$` first: per state a list of
    /// `{field, selectedCount, values}` (the first values as text).
    pub fn selections_by_state(&self) -> Value {
        let mut out = serde_json::Map::new();
        out.insert("$".into(), self.describe(self.selections.current()));
        for (name, selections) in &self.alternate {
            out.insert(name.clone(), self.describe(selections.current()));
        }
        Value::Object(out)
    }

    fn describe(&self, state: &SelectionState) -> Value {
        let model = &self.data.model;
        let fields: Vec<Value> = state
            .selected_fields()
            .filter_map(|(f, symbols)| {
                let field = model.fields.get(f)?;
                let values: Vec<String> = symbols
                    .iter()
                    .take(LISTED_VALUES)
                    .map(|s| field.symbols.text(*s).into_owned())
                    .collect();
                Some(json!({"field": field.name, "selectedCount": symbols.len(), "values": values}))
            })
            .collect();
        Value::Array(fields)
    }

    /// A rough estimate, in bytes, of what this session holds on its own: its session objects, soft
    /// patches and variables (as the size of their JSON), the selections of every state with their
    /// history, and the app record when the session changed it (a copy no other session shares). The
    /// loaded data is shared by every session of the app and not counted.
    pub fn estimated_bytes(&self) -> usize {
        let json_size =
            |m: &serde_json::Map<String, Value>| serde_json::to_vec(m).map_or(0, |v| v.len());
        let objects: usize = self.objects.values().map(json_size).sum();
        let soft: usize = self.soft.values().map(json_size).sum();
        let variables: usize = self
            .variables
            .values()
            .filter(|v| !v.persistent)
            .map(|v| json_size(&v.props))
            .sum();
        let selections: usize = std::iter::once(&self.selections)
            .chain(self.alternate.values())
            .map(|s| {
                let (back, forward) = s.history();
                let symbols: usize = s.current().selected_fields().map(|(_, v)| v.len()).sum();
                // Each history step keeps a state about the size of the current one.
                (symbols * 4 + 64) * (1 + back + forward)
            })
            .sum();
        let record = if Arc::strong_count(&self.record) == 1 {
            serde_json::to_vec(&*self.record).map_or(0, |v| v.len())
        } else {
            0
        };
        objects + soft + variables + selections + record
    }
}
