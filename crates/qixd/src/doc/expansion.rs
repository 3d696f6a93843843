//! The pivot nodes a session has expanded, per object and definition path (`ExpandLeft`, `CollapseTop`,
//! ...): session state like soft patches, never saved, gone with the object; a change makes the object's
//! layout stale.

use super::{DocState, Effects};
use crate::handles::ObjectRef;
use qix_engine::hypercube::pivot::Expansion;

impl DocState {
    /// The expanded nodes of the pivot at `path` (`/qHyperCubeDef`) of object `id`, if changed from the
    /// start (all collapsed).
    pub fn expansion(&self, id: &str, path: &str) -> Option<&Expansion> {
        self.expansions.get(&(id.to_string(), path.to_string()))
    }

    /// Changes the expanded nodes of the pivot at `path` of object `id`; the object is stale.
    pub fn update_expansion(
        &mut self,
        id: &str,
        path: &str,
        change: impl FnOnce(&mut Expansion),
        effects: &mut Effects,
    ) {
        let key = (id.to_string(), path.to_string());
        change(self.expansions.entry(key).or_default());
        self.changed(ObjectRef::Object(id.to_string()), effects);
    }

    /// Forgets the expanded nodes of object `id` (destroyed).
    pub(super) fn forget_expansions(&mut self, id: &str) {
        self.expansions.retain(|(o, _), _| o != id);
    }
}
