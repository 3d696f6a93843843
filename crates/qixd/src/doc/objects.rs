//! The open app's generic objects: persistent ones (in the working record, saved by DoSave) and session ones
//! (gone with the session), this session's soft patches over them, the links between them (`qExtendsId`)
//! and their children. Changing a persistent object or a link between persistent objects modifies the app;
//! changing a session object or a soft patch does not.

use super::{DocState, Effects};
use crate::handles::ObjectRef;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{Map, Value};
use std::borrow::Cow;

impl DocState {
    /// The properties of a generic object: a session object, else a persistent one (this session's copy).
    pub fn object(&self, id: &str) -> Option<&Map<String, Value>> {
        self.objects.get(id).or_else(|| self.record.objects.get(id))
    }

    /// Every generic object with its properties: the persistent ones, then the session ones.
    pub fn objects(&self) -> impl Iterator<Item = (&String, &Map<String, Value>)> {
        self.record.objects.iter().chain(self.objects.iter())
    }

    /// Whether object `id` is persistent (saved by DoSave) rather than a session object; `None` when
    /// there is no such object.
    pub fn object_is_persistent(&self, id: &str) -> Option<bool> {
        if self.objects.contains_key(id) {
            Some(false)
        } else if self.record.objects.contains_key(id) {
            Some(true)
        } else {
            None
        }
    }

    /// The object's soft-patched properties, when this session has soft patches for it.
    pub fn soft_patch(&self, id: &str) -> Option<&Map<String, Value>> {
        self.soft.get(id)
    }

    /// An object's own properties with this session's soft patches, if any (what it links to not merged).
    pub fn patched(&self, id: &str) -> Option<&Map<String, Value>> {
        self.soft.get(id).or_else(|| self.object(id))
    }

    /// The properties an object's layout is computed from: with this session's soft patches, if any, and
    /// laid over the object its `qExtendsId` links to (a master visualization), recursively. `Ok(None)`:
    /// no such object; an error: a link to a missing object (8001) or a loop of links (8002).
    /// Borrowed when the object links to nothing (a layout then copies its properties only if it must
    /// change them).
    pub fn effective(&self, id: &str) -> Result<Option<Cow<'_, Map<String, Value>>>, RpcError> {
        let Some(own) = self.patched(id) else {
            return Ok(None);
        };
        let mut next = linked_id(own);
        if next.is_none() {
            return Ok(Some(Cow::Borrowed(own)));
        }
        let mut chain = vec![id.to_string()];
        let mut merged = own.clone();
        while let Some(link) = next {
            if chain.contains(&link) {
                return Err(RpcError::new(ErrorCode::LinkedObjectInvalid, link));
            }
            let base = self
                .patched(&link)
                .ok_or_else(|| RpcError::new(ErrorCode::LinkedObjectNotFound, link.clone()))?;
            next = linked_id(base);
            merged = overlay(base.clone(), merged);
            chain.push(link);
        }
        Ok(Some(Cow::Owned(merged)))
    }

    /// The objects whose `qExtendsId` chain reaches `id`: their layouts change when it does.
    pub(super) fn linked_to(&self, id: &str) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        let mut frontier = vec![id.to_string()];
        while let Some(target) = frontier.pop() {
            for (other, props) in self.objects.iter().chain(self.record.objects.iter()) {
                if linked_id(props).as_deref() == Some(target.as_str())
                    && other != id
                    && !found.contains(other)
                {
                    found.push(other.clone());
                    frontier.push(other.clone());
                }
            }
        }
        found
    }

    /// Adds a generic object (`persistent`: in the record, and the app is modified). It starts stale
    /// without a `change`: it has never been laid out, so its first change is its first layout.
    pub fn insert_object(&mut self, id: String, props: Map<String, Value>, persistent: bool) {
        self.stale.insert(ObjectRef::Object(id.clone()));
        if persistent {
            self.undo.record(&id, None, Some(props.clone()));
            self.record_mut().objects.insert(id, props);
            self.modified = true;
        } else {
            self.objects.insert(id, props);
        }
    }

    /// A hard change of an object's properties: `next` makes the new properties from the current ones (an
    /// error changes nothing). The soft patches go; the object and those linked to it are stale; the app is
    /// modified when the object is persistent. Invalid handle when there is no such object.
    pub fn set_object_props(
        &mut self,
        id: &str,
        effects: &mut Effects,
        next: impl FnOnce(&Map<String, Value>) -> Result<Map<String, Value>, RpcError>,
    ) -> Result<(), RpcError> {
        let persistent = self
            .object_is_persistent(id)
            .ok_or_else(RpcError::invalid_handle)?;
        let old = self.object(id).ok_or_else(RpcError::invalid_handle)?;
        let new = next(old)?;
        if persistent {
            let old = old.clone();
            self.undo.record(id, Some(old), Some(new.clone()));
        }
        self.soft.remove(id);
        if persistent {
            self.record_mut().objects.insert(id.to_string(), new);
            self.modified = true;
        } else {
            self.objects.insert(id.to_string(), new);
        }
        self.changed(ObjectRef::Object(id.to_string()), effects);
        Ok(())
    }

    /// Sets this session's soft-patched properties of object `id` (never saved, so the app is not
    /// modified); it and the objects linked to it are stale.
    pub fn set_soft_patch(&mut self, id: &str, props: Map<String, Value>, effects: &mut Effects) {
        self.soft.insert(id.to_string(), props);
        self.changed(ObjectRef::Object(id.to_string()), effects);
    }

    /// Destroys object `id` with its soft patches and its children (and theirs), reporting each in
    /// `close`; its parent, if any, is stale (its child list changed). The app is modified when a
    /// persistent object goes. False when there is no such object.
    pub fn destroy_object(&mut self, id: &str, effects: &mut Effects) -> bool {
        let Some(persistent) = self.object_is_persistent(id) else {
            return false;
        };
        if persistent {
            self.record_mut().objects.remove(id);
            self.modified = true;
        } else {
            self.objects.remove(id);
        }
        self.close(ObjectRef::Object(id.to_string()), effects);
        self.soft.remove(id);
        self.forget_expansions(id);
        self.forget_list_searches(id);
        if let Some(parent) = self.parent_of(id) {
            self.changed(ObjectRef::Object(parent), effects);
        }
        let kids = self.children.remove(id).unwrap_or_default();
        self.detach(id);
        for kid in kids {
            self.destroy_object(&kid, effects);
        }
        true
    }

    /// The children of `parent`, in their order.
    pub fn children(&self, parent: &str) -> &[String] {
        self.children.get(parent).map_or(&[], Vec::as_slice)
    }

    /// The parent of `child`, if it is a child object.
    pub fn parent_of(&self, child: &str) -> Option<String> {
        self.children
            .iter()
            .find(|(_, kids)| kids.iter().any(|k| k == child))
            .map(|(p, _)| p.clone())
    }

    /// Makes `child` the last child of `parent` (and no other object's). The parent is stale; the app is
    /// modified when the link is saved (both objects persistent).
    pub fn add_child(&mut self, parent: &str, child: &str, effects: &mut Effects) {
        self.detach(child);
        self.children
            .entry(parent.to_string())
            .or_default()
            .push(child.to_string());
        if self.saved_link(parent, child) {
            self.modified = true;
        }
        self.changed(ObjectRef::Object(parent.to_string()), effects);
    }

    /// Makes `order` the children of `parent`, in that order (each no other object's child); their own
    /// children stay theirs. The parent is stale either way (the client set its child list); the app is
    /// modified when the list changed and the parent is persistent.
    pub fn set_children(&mut self, parent: &str, order: Vec<String>, effects: &mut Effects) {
        for child in &order {
            self.detach(child);
        }
        let before = self.children.remove(parent).unwrap_or_default();
        let same = before == order;
        if !order.is_empty() {
            self.children.insert(parent.to_string(), order);
        }
        if !same && self.object_is_persistent(parent) == Some(true) {
            self.modified = true;
        }
        self.changed(ObjectRef::Object(parent.to_string()), effects);
    }

    /// Whether DoSave stores a link from `parent` to `child`: both are persistent.
    fn saved_link(&self, parent: &str, child: &str) -> bool {
        self.object_is_persistent(parent) == Some(true)
            && self.object_is_persistent(child) == Some(true)
    }

    /// Forgets `id` as anyone's child (its own children stay its own).
    fn detach(&mut self, id: &str) {
        for kids in self.children.values_mut() {
            kids.retain(|k| k != id);
        }
        self.children.retain(|_, kids| !kids.is_empty());
    }
}

/// The id an object's `qExtendsId` links it to, if it has a non-empty one.
fn linked_id(props: &Map<String, Value>) -> Option<String> {
    props
        .get("qExtendsId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `own` laid over `base`: objects merge key by key, anything else (arrays, scalars) is `own`'s. The
/// linking object keeps its own `qInfo` (id and type) and `qExtendsId`.
fn overlay(mut base: Map<String, Value>, own: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in own {
        match (base.get_mut(&k), v) {
            (Some(Value::Object(b)), Value::Object(o)) if k != "qInfo" => {
                let merged = overlay(std::mem::take(b), o);
                *b = merged;
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
    base
}
