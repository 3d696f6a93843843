//! Per-socket handle tables.
//!
//! Handles belong to a socket, objects to the session: two sockets of one session holding the same object
//! have their own handle numbers for it (enigma.js checks that a re-fetched object gets a different handle
//! after a reattach). A `change` about an object is translated into each socket's own numbers here.

use std::collections::HashMap;

/// The handle of the Global object on every socket.
pub const GLOBAL_HANDLE: i64 = -1;

/// What a handle points at, named so that every socket of the session resolves it to the same object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectRef {
    /// The Global API (handle -1).
    Global,
    /// The session's open app.
    Doc,
    /// A generic object, by `qInfo.qId`.
    Object(String),
    /// A variable, by `qInfo.qId`.
    Variable(String),
    /// A field of the data model, by name, in a selection state (`$` is the default state).
    Field(String, String),
    /// A master dimension, by `qInfo.qId`.
    Dimension(String),
    /// A master measure, by `qInfo.qId`.
    Measure(String),
    /// A bookmark, by `qInfo.qId`.
    Bookmark(String),
}

impl ObjectRef {
    /// The QIX class whose methods this handle answers.
    pub fn class(&self) -> &'static str {
        match self {
            ObjectRef::Global => "Global",
            ObjectRef::Doc => "Doc",
            ObjectRef::Object(_) => "GenericObject",
            ObjectRef::Variable(_) => "GenericVariable",
            ObjectRef::Field(..) => "Field",
            ObjectRef::Dimension(_) => "GenericDimension",
            ObjectRef::Measure(_) => "GenericMeasure",
            ObjectRef::Bookmark(_) => "GenericBookmark",
        }
    }
}

/// One socket's handles: number → object and back.
#[derive(Debug, Default)]
pub struct SocketHandles {
    /// The last number handed out; the first object gets 1, as in the engine.
    last: i64,
    by_handle: HashMap<i64, ObjectRef>,
    by_object: HashMap<ObjectRef, i64>,
}

impl SocketHandles {
    /// The object behind a handle; -1 is always Global.
    pub fn resolve(&self, handle: i64) -> Option<ObjectRef> {
        if handle == GLOBAL_HANDLE {
            return Some(ObjectRef::Global);
        }
        self.by_handle.get(&handle).cloned()
    }

    /// This socket's handle for `object`, assigning the next number the first time.
    pub fn handle_for(&mut self, object: &ObjectRef) -> i64 {
        if *object == ObjectRef::Global {
            return GLOBAL_HANDLE;
        }
        if let Some(h) = self.by_object.get(object) {
            return *h;
        }
        self.last += 1;
        self.by_handle.insert(self.last, object.clone());
        self.by_object.insert(object.clone(), self.last);
        self.last
    }

    /// This socket's handle for `object`, if it holds one.
    pub fn existing(&self, object: &ObjectRef) -> Option<i64> {
        self.by_object.get(object).copied()
    }

    /// Forgets `object`; returns the handle it had.
    pub fn release(&mut self, object: &ObjectRef) -> Option<i64> {
        let h = self.by_object.remove(object)?;
        self.by_handle.remove(&h);
        Some(h)
    }

    /// Forgets every handle (the doc closed); returns them.
    pub fn release_all(&mut self) -> Vec<i64> {
        self.by_object.clear();
        let mut all: Vec<i64> = self.by_handle.drain().map(|(h, _)| h).collect();
        all.sort_unstable();
        all
    }

    /// How many handles the socket holds (Global not counted).
    pub fn len(&self) -> usize {
        self.by_handle.len()
    }

    /// Whether the socket holds no handle but Global.
    pub fn is_empty(&self) -> bool {
        self.by_handle.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_per_object_and_stable() {
        let mut h = SocketHandles::default();
        assert_eq!(h.handle_for(&ObjectRef::Doc), 1);
        assert_eq!(h.handle_for(&ObjectRef::Object("a".into())), 2);
        assert_eq!(h.handle_for(&ObjectRef::Doc), 1);
        assert_eq!(h.resolve(2), Some(ObjectRef::Object("a".into())));
        assert_eq!(h.resolve(-1), Some(ObjectRef::Global));
        assert_eq!(h.release(&ObjectRef::Object("a".into())), Some(2));
        assert_eq!(h.resolve(2), None);
        // Numbers are never reused within a socket.
        assert_eq!(h.handle_for(&ObjectRef::Object("a".into())), 3);
        assert_eq!(h.release_all(), vec![1, 3]);
        assert!(h.is_empty());
    }
}
