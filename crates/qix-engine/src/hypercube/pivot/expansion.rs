//! Which nodes of a pivot's axes are expanded: per axis, a default (all expanded or all collapsed) and the
//! nodes toggled from it, each named by its path of keys from the root — so a node keeps its state when
//! selections move it to another row.

use super::NodeKey;
use std::collections::HashSet;

/// The expanded nodes of one axis.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeSet {
    /// Nodes not in `toggled` are expanded (after an expand-all) or collapsed (the start).
    pub all: bool,
    /// Nodes whose state differs from `all`.
    pub toggled: HashSet<Vec<NodeKey>>,
}

impl NodeSet {
    /// Whether the node at `path` is expanded.
    pub fn is_expanded(&self, path: &[NodeKey]) -> bool {
        self.all != self.toggled.contains(path)
    }

    /// Expands or collapses the node at `path`.
    pub fn set(&mut self, path: Vec<NodeKey>, expanded: bool) {
        if expanded == self.all {
            self.toggled.remove(&path);
        } else {
            self.toggled.insert(path);
        }
    }

    /// Expands or collapses every node.
    pub fn set_all(&mut self, expanded: bool) {
        self.all = expanded;
        self.toggled.clear();
    }
}

/// The expanded nodes of both axes of a pivot (all collapsed at the start).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expansion {
    /// The left axis.
    pub left: NodeSet,
    /// The top axis.
    pub top: NodeSet,
}
