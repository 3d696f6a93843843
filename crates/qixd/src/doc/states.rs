//! The open app's selections: the default state and the alternate states (app-level names saved by DoSave,
//! session ones not), each with back / forward history, and modal selections (BeginSelections /
//! EndSelections). Selections are the session's own: changing them never modifies the app, and every
//! layout depends on them.

use super::{DocState, Effects};
use crate::handles::ObjectRef;
use qix_engine::{DataModel, SelectionState, Selections};

impl DocState {
    /// The default state's selections.
    pub fn selections(&self) -> &Selections {
        &self.selections
    }

    /// The selections of state `name` (`$` or empty: the default state); `None` for an unknown state.
    pub fn state(&self, name: &str) -> Option<&Selections> {
        match name {
            "" | "$" => Some(&self.selections),
            other => self.alternate.get(other),
        }
    }

    /// The alternate states (app-level and session ones) with their selections, by name.
    pub fn alternate_states(&self) -> impl Iterator<Item = (&String, &Selections)> {
        self.alternate.iter()
    }

    /// Applies a selection change in state `state` over the current data model and records it in the
    /// state's history; on a change every layout is stale. `None` for an unknown state, else whether it
    /// changed anything.
    pub fn select(
        &mut self,
        state: &str,
        effects: &mut Effects,
        change: impl FnOnce(&mut SelectionState, &DataModel) -> bool,
    ) -> Option<bool> {
        let model = &self.data.model;
        let selections = match state {
            "" | "$" => &mut self.selections,
            other => self.alternate.get_mut(other)?,
        };
        let changed = selections.apply(|s| change(s, model));
        if changed {
            self.invalidate_all(effects);
        }
        Some(changed)
    }

    /// `Back` / `Forward` in the default state's history; when it moved, every layout is stale.
    pub fn step_history(&mut self, back: bool, effects: &mut Effects) -> bool {
        let moved = if back {
            self.selections.back()
        } else {
            self.selections.forward()
        };
        if moved {
            self.invalidate_all(effects);
        }
        moved
    }

    /// Adds alternate state `name` with empty selections, if it is new: an app-level one (`in_app`,
    /// `AddAlternateState`) is a name in the record and modifies the app; a session one does not. The
    /// Doc's layout (`qStateNames`) is stale.
    pub fn add_state(&mut self, name: &str, in_app: bool, effects: &mut Effects) {
        if self.alternate.contains_key(name) {
            return;
        }
        self.alternate
            .insert(name.to_string(), Selections::default());
        if in_app {
            self.record_mut().state_names.push(name.to_string());
            self.modified = true;
        }
        self.invalidate(ObjectRef::Doc, effects);
    }

    /// Removes alternate state `name` (an app-level name modifies the app): objects in it fall back to the
    /// default state, so the Doc and every layout are stale. False for an unknown state.
    pub fn remove_state(&mut self, name: &str, effects: &mut Effects) -> bool {
        if self.alternate.remove(name).is_none() {
            return false;
        }
        if let Some(i) = self.record.state_names.iter().position(|n| n == name) {
            self.record_mut().state_names.remove(i);
            self.modified = true;
        }
        self.invalidate(ObjectRef::Doc, effects);
        self.invalidate_all(effects);
        true
    }

    /// Every state's selections start empty, with no history (new data: the old symbol numbers mean
    /// nothing).
    pub(super) fn reset_selections(&mut self) {
        self.selections = Selections::default();
        for s in self.alternate.values_mut() {
            *s = Selections::default();
        }
    }

    /// `BeginSelections` on `object`: it is the one in modal selections; the default state's selections
    /// when modal selections began (not when this object took over) are what EndSelections rolls back to.
    pub fn begin_selections(&mut self, object: &str) {
        if self.modal_base.is_none() {
            self.modal_base = Some(self.selections.current().clone());
        }
        self.modal_object = Some(object.to_string());
    }

    /// `EndSelections` (`leave`: modal selections end, the object's `qSelectionInfo` is stale) or
    /// `ResetMadeSelections` (they go on). Unless `accept`, the default state returns to the selections
    /// modal selections began with, which makes every layout stale when that changes anything.
    pub fn end_selections(&mut self, accept: bool, leave: bool, effects: &mut Effects) {
        let base = if leave {
            if let Some(o) = self.modal_object.take() {
                self.invalidate(ObjectRef::Object(o), effects);
            }
            self.modal_base.take()
        } else {
            self.modal_base.clone()
        };
        let Some(base) = base.filter(|_| !accept) else {
            return;
        };
        let restored = self.selections.apply(|s| {
            *s = base;
            true
        });
        if restored {
            self.invalidate_all(effects);
        }
    }

    /// When `object` is the one in modal selections: whether selections were made since they began (its
    /// layout's `qSelectionInfo.qMadeSelections`). `None` otherwise.
    pub fn modal_selections(&self, object: &str) -> Option<bool> {
        (self.modal_object.as_deref() == Some(object))
            .then(|| self.modal_base.as_ref() != Some(self.selections.current()))
    }
}
