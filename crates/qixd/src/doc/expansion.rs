//! The pivot nodes a session has expanded, per object and definition path (`ExpandLeft`, `CollapseTop`,
//! ...): session state like soft patches, never saved, gone with the object; a change makes the object's
//! layout stale.
//!
//! Until a session changes a node, the pivot shows the nodes its properties' `qExpansionState` names;
//! from the first change on, the session's own nodes — even when they are back to all collapsed, which
//! is why "untouched" is an absent entry and never an empty [`Expansion`].

use super::{DocState, Effects};
use crate::handles::ObjectRef;
use qix_engine::hypercube::pivot::Expansion;

impl DocState {
    /// The expanded nodes of the pivot at `path` (`/qHyperCubeDef`) of object `id`, if changed from the
    /// start (all collapsed).
    pub fn expansion(&self, id: &str, path: &str) -> Option<&Expansion> {
        self.expansions.get(&(id.to_string(), path.to_string()))
    }

    /// Changes the expanded nodes of the pivot at `path` of object `id` — the first change starting
    /// from `initial` (the properties' `qExpansionState`); the object is stale.
    pub fn update_expansion(
        &mut self,
        id: &str,
        path: &str,
        initial: Expansion,
        change: impl FnOnce(&mut Expansion),
        effects: &mut Effects,
    ) {
        let key = (id.to_string(), path.to_string());
        change(self.expansions.entry(key).or_insert(initial));
        self.changed(ObjectRef::Object(id.to_string()), effects);
    }

    /// Forgets the expanded nodes of object `id` (destroyed).
    pub(super) fn forget_expansions(&mut self, id: &str) {
        self.expansions.retain(|(o, _), _| o != id);
    }
}

/// The nodes a pivot shows: the session's (`session`, from [`DocState::expansion`]) once it changed
/// any, else the properties' `initial` ones.
pub fn shown_expansion<'a>(
    session: Option<&'a Expansion>,
    initial: &'a Expansion,
) -> &'a Expansion {
    session.unwrap_or(initial)
}
