//! A list object's search in progress (`SearchListObjectFor`), per object and definition path: session
//! state like expanded pivot nodes, never saved, gone with the object or when the search is accepted or
//! aborted; a change makes the object's layout stale.

use super::{DocState, Effects};
use crate::handles::ObjectRef;

impl DocState {
    /// The search text of the list object at `path` of object `id`, while one is in progress.
    pub fn list_search(&self, id: &str, path: &str) -> Option<&str> {
        self.list_searches
            .get(&(id.to_string(), path.to_string()))
            .map(String::as_str)
    }

    /// Starts (`Some`) or ends (`None`) the search of the list object at `path` of object `id`; the
    /// object is stale.
    pub fn set_list_search(
        &mut self,
        id: &str,
        path: &str,
        text: Option<String>,
        effects: &mut Effects,
    ) {
        let key = (id.to_string(), path.to_string());
        match text {
            Some(t) => self.list_searches.insert(key, t),
            None => self.list_searches.remove(&key),
        };
        self.changed(ObjectRef::Object(id.to_string()), effects);
    }

    /// Forgets the searches of object `id` (destroyed).
    pub(super) fn forget_list_searches(&mut self, id: &str) {
        self.list_searches.retain(|(o, _), _| o != id);
    }
}
