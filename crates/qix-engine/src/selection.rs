//! Selection state: per field, the selected symbols and whether the field is locked. Small, cheap to clone
//! and hashable — it is the session's whole view of the data, and the cache key for results.

use crate::model::FieldId;
use std::collections::BTreeMap;

/// One field's selection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldSelection {
    /// Selected symbols, sorted, unique.
    pub selected: Vec<u32>,
    /// A locked field's selection cannot change until it is unlocked.
    pub locked: bool,
}

/// The selections of a session (or of one alternate state).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SelectionState {
    fields: BTreeMap<FieldId, FieldSelection>,
}

impl SelectionState {
    /// No selections.
    pub fn new() -> SelectionState {
        SelectionState::default()
    }

    /// Whether nothing is selected or locked.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The selected symbols of `field`, if any are selected.
    pub fn selected(&self, field: FieldId) -> Option<&[u32]> {
        self.fields
            .get(&field)
            .map(|f| f.selected.as_slice())
            .filter(|s| !s.is_empty())
    }

    /// Whether `field` is locked.
    pub fn is_locked(&self, field: FieldId) -> bool {
        self.fields.get(&field).is_some_and(|f| f.locked)
    }

    /// Fields with selections, in field order.
    pub fn selected_fields(&self) -> impl Iterator<Item = (FieldId, &[u32])> {
        self.fields
            .iter()
            .filter(|(_, s)| !s.selected.is_empty())
            .map(|(f, s)| (*f, s.selected.as_slice()))
    }

    /// Replaces the selection of `field` (empty clears it). False when the field is locked or nothing
    /// changed.
    pub fn set(&mut self, field: FieldId, mut symbols: Vec<u32>) -> bool {
        if self.is_locked(field) {
            return false;
        }
        symbols.sort_unstable();
        symbols.dedup();
        let current = self.selected(field).unwrap_or(&[]);
        if current == symbols.as_slice() {
            return false;
        }
        if symbols.is_empty() {
            self.fields.remove(&field);
        } else {
            self.fields.entry(field).or_default().selected = symbols;
        }
        true
    }

    /// Sets `field`'s selection to `symbols` whatever its lock, dropping the lock (set analysis builds its
    /// states this way: a set modifier overrides locks). Empty clears the field.
    pub fn replace(&mut self, field: FieldId, mut symbols: Vec<u32>) {
        symbols.sort_unstable();
        symbols.dedup();
        if symbols.is_empty() {
            self.fields.remove(&field);
        } else {
            self.fields.insert(
                field,
                FieldSelection {
                    selected: symbols,
                    locked: false,
                },
            );
        }
    }

    /// Toggles each symbol in or out of the selection of `field`.
    pub fn toggle(&mut self, field: FieldId, symbols: &[u32]) -> bool {
        let mut current: Vec<u32> = self.selected(field).unwrap_or(&[]).to_vec();
        for s in symbols {
            match current.binary_search(s) {
                Ok(i) => {
                    current.remove(i);
                }
                Err(i) => current.insert(i, *s),
            }
        }
        self.set(field, current)
    }

    /// Clears `field` unless locked.
    pub fn clear(&mut self, field: FieldId) -> bool {
        self.set(field, Vec::new())
    }

    /// Clears every field that is not locked.
    pub fn clear_all(&mut self) -> bool {
        let before = self.fields.len();
        let before_state = self.clone();
        self.fields.retain(|_, f| f.locked);
        before != self.fields.len() || before_state != *self
    }

    /// Locks `field` (only a field with a selection can be locked, as in Qlik).
    pub fn lock(&mut self, field: FieldId) -> bool {
        match self.fields.get_mut(&field) {
            Some(f) if !f.locked && !f.selected.is_empty() => {
                f.locked = true;
                true
            }
            _ => false,
        }
    }

    /// Unlocks `field`.
    pub fn unlock(&mut self, field: FieldId) -> bool {
        match self.fields.get_mut(&field) {
            Some(f) if f.locked => {
                f.locked = false;
                true
            }
            _ => false,
        }
    }

    /// Locks every field with a selection.
    pub fn lock_all(&mut self) -> bool {
        let mut changed = false;
        for f in self.fields.values_mut() {
            if !f.locked && !f.selected.is_empty() {
                f.locked = true;
                changed = true;
            }
        }
        changed
    }

    /// Unlocks every field.
    pub fn unlock_all(&mut self) -> bool {
        let mut changed = false;
        for f in self.fields.values_mut() {
            changed |= f.locked;
            f.locked = false;
        }
        changed
    }

    /// The same state without `field`'s selection (for alternative values).
    pub fn without(&self, field: FieldId) -> SelectionState {
        let mut s = self.clone();
        s.fields.remove(&field);
        s
    }
}

/// A session's selections with back / forward history.
#[derive(Debug, Clone, Default)]
pub struct Selections {
    current: SelectionState,
    back: Vec<SelectionState>,
    forward: Vec<SelectionState>,
}

impl Selections {
    /// The current state.
    pub fn current(&self) -> &SelectionState {
        &self.current
    }

    /// Applies `change` to a copy of the current state; if it reports a change, the copy becomes current
    /// and the old state goes on the back stack (forward history is dropped). Returns whether it changed.
    pub fn apply(&mut self, change: impl FnOnce(&mut SelectionState) -> bool) -> bool {
        let mut next = self.current.clone();
        if !change(&mut next) || next == self.current {
            return false;
        }
        self.back.push(std::mem::replace(&mut self.current, next));
        self.forward.clear();
        true
    }

    /// Steps back in history.
    pub fn back(&mut self) -> bool {
        match self.back.pop() {
            Some(prev) => {
                self.forward
                    .push(std::mem::replace(&mut self.current, prev));
                true
            }
            None => false,
        }
    }

    /// Steps forward in history.
    pub fn forward(&mut self) -> bool {
        match self.forward.pop() {
            Some(next) => {
                self.back.push(std::mem::replace(&mut self.current, next));
                true
            }
            None => false,
        }
    }

    /// The state `n` steps back in history (`$1` of set analysis is one step back), if there is one.
    pub fn back_state(&self, n: usize) -> Option<&SelectionState> {
        self.back
            .len()
            .checked_sub(n)
            .and_then(|i| self.back.get(i))
    }

    /// The state `n` steps forward in history (`$_1`), if there is one.
    pub fn forward_state(&self, n: usize) -> Option<&SelectionState> {
        self.forward
            .len()
            .checked_sub(n)
            .and_then(|i| self.forward.get(i))
    }

    /// How many steps back / forward are available.
    pub fn history(&self) -> (usize, usize) {
        (self.back.len(), self.forward.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_toggle_clear_and_locks() {
        let mut s = SelectionState::new();
        assert!(s.set(0, vec![3, 1, 3]));
        assert_eq!(s.selected(0), Some(&[1, 3][..]));
        assert!(!s.set(0, vec![1, 3]), "no change");
        assert!(s.toggle(0, &[3, 5]));
        assert_eq!(s.selected(0), Some(&[1, 5][..]));
        assert!(s.lock(0));
        assert!(!s.set(0, vec![2]), "locked");
        assert!(!s.clear(0));
        s.set(1, vec![7]);
        assert!(s.clear_all());
        assert_eq!(
            s.selected(0),
            Some(&[1, 5][..]),
            "locked survives clear all"
        );
        assert_eq!(s.selected(1), None);
        assert!(s.unlock_all());
        assert!(s.clear_all());
        assert!(s.is_empty());
        assert!(!s.lock(0), "nothing to lock");
    }

    #[test]
    fn history() {
        let mut h = Selections::default();
        assert!(h.apply(|s| s.set(0, vec![1])));
        assert!(h.apply(|s| s.set(0, vec![2])));
        assert!(!h.apply(|s| s.set(0, vec![2])));
        assert_eq!(h.history(), (2, 0));
        assert!(h.back());
        assert_eq!(h.current().selected(0), Some(&[1][..]));
        assert!(h.forward());
        assert_eq!(h.current().selected(0), Some(&[2][..]));
        h.back();
        h.apply(|s| s.set(0, vec![9]));
        assert!(!h.forward(), "a new change drops forward history");
    }
}
