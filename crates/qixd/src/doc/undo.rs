//! `Undo` / `Redo` / `ClearUndoBuffer`: the session's changes of persistent objects' properties (and
//! their creation), undone and redone one at a time, latest first. A new change drops what was undone.
//! At most [`DEPTH`] changes are kept.

use super::{DocState, Effects};
use crate::handles::ObjectRef;
use serde_json::{Map, Value};

/// How many changes the undo history keeps.
const DEPTH: usize = 100;

/// One change: an object's properties before (`None`: it did not exist) and after.
#[derive(Debug, Clone)]
struct Change {
    id: String,
    before: Option<Map<String, Value>>,
    after: Option<Map<String, Value>>,
}

/// The undo and redo stacks.
#[derive(Debug, Default, Clone)]
pub(super) struct History {
    done: Vec<Change>,
    undone: Vec<Change>,
}

impl History {
    /// Records a change made by the session (what was undone can no longer be redone).
    pub(super) fn record(
        &mut self,
        id: &str,
        before: Option<Map<String, Value>>,
        after: Option<Map<String, Value>>,
    ) {
        self.undone.clear();
        self.done.push(Change {
            id: id.to_string(),
            before,
            after,
        });
        if self.done.len() > DEPTH {
            self.done.remove(0);
        }
    }
}

impl DocState {
    /// Undoes the latest change; false when there is none.
    pub fn undo(&mut self, effects: &mut Effects) -> bool {
        let Some(c) = self.undo.done.pop() else {
            return false;
        };
        self.put_object(&c.id, c.before.clone(), effects);
        self.undo.undone.push(c);
        true
    }

    /// Redoes the latest undone change; false when there is none.
    pub fn redo(&mut self, effects: &mut Effects) -> bool {
        let Some(c) = self.undo.undone.pop() else {
            return false;
        };
        self.put_object(&c.id, c.after.clone(), effects);
        self.undo.done.push(c);
        true
    }

    /// Forgets the undo and redo history.
    pub fn clear_undo(&mut self) {
        self.undo = History::default();
    }

    /// Sets a persistent object's properties as they were (`None`: removes it), reporting the change.
    fn put_object(&mut self, id: &str, props: Option<Map<String, Value>>, effects: &mut Effects) {
        self.soft.remove(id);
        self.modified = true;
        match props {
            Some(p) => {
                self.record_mut().objects.insert(id.to_string(), p);
                self.changed(ObjectRef::Object(id.to_string()), effects);
            }
            None => {
                self.record_mut().objects.remove(id);
                self.close(ObjectRef::Object(id.to_string()), effects);
            }
        }
    }
}
