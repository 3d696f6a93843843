//! The pivot nodes a session has expanded, per object and definition path (`ExpandLeft`, `CollapseTop`,
//! ...): session state like soft patches, never saved, gone with the object; a change makes the object's
//! layout stale, and that next layout says which cell changed (`qLastExpandedPos`, which sn-pivot-table
//! reads to keep the expanded node in view).
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
    /// from `initial` (the properties' `qExpansionState`); the object is stale. `at` is the cell
    /// (`qx`, `qy`) of the node changed, which the next layout reports (none for a whole axis).
    pub fn update_expansion(
        &mut self,
        id: &str,
        path: &str,
        initial: Expansion,
        at: Option<(u64, u64)>,
        change: impl FnOnce(&mut Expansion),
        effects: &mut Effects,
    ) {
        let key = (id.to_string(), path.to_string());
        match at {
            Some(at) => self.last_expanded.insert(key.clone(), at),
            None => self.last_expanded.remove(&key),
        };
        change(self.expansions.entry(key).or_insert(initial));
        self.changed(ObjectRef::Object(id.to_string()), effects);
    }

    /// The cell of the node last expanded or collapsed in the pivot at `path` of object `id`, while no
    /// layout of the object has reported it yet (its `qLastExpandedPos`).
    pub fn last_expanded(&self, id: &str, path: &str) -> Option<(u64, u64)> {
        self.last_expanded
            .get(&(id.to_string(), path.to_string()))
            .copied()
    }

    /// Object `id`'s layout went out: the last expanded cell is reported.
    pub(super) fn reported_expansion(&mut self, id: &str) {
        self.last_expanded.retain(|(o, _), _| o != id);
    }

    /// Forgets the expanded nodes of object `id` (destroyed).
    pub(super) fn forget_expansions(&mut self, id: &str) {
        self.expansions.retain(|(o, _), _| o != id);
        self.reported_expansion(id);
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
