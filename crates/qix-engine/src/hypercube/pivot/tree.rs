//! An axis of a pivot: the trie of the value combinations of its dimensions (from the sub-cube grouped by
//! them, in its sort order), then the visible nodes — a collapsed node's values are cut, a total node is
//! added to a level whose dimension asks for one, and the measure pseudo-dimension repeats below every
//! node of the level above it. The leaves, in order, are the rows (left) or columns (top) of the data.

use super::{CubeFn, Level, NodeKey, NodeSet, PivotSpec};
use crate::hypercube::{ColumnSort, CubeError, DimCell, HyperCubeDef, MeasureDef};
use std::collections::HashMap;

/// The values under one node of the trie, in sort order.
#[derive(Debug, Default)]
struct Trie {
    children: Vec<(DimCell, Trie)>,
    index: HashMap<NodeKey, usize, foldhash::fast::RandomState>,
}

impl Trie {
    fn insert(&mut self, cells: &[DimCell]) {
        let Some((first, rest)) = cells.split_first() else {
            return;
        };
        // The sub-cube's rows are distinct combinations: on the last level a value is always new.
        if rest.is_empty() {
            self.children.push((first.clone(), Trie::default()));
            return;
        }
        let key = NodeKey::of(first);
        // The sub-cube's rows come sorted by the axis' dimensions: a value is most often the last one seen.
        let last = self.children.len().checked_sub(1);
        let same = last.filter(|&i| NodeKey::of(&self.children[i].0) == key);
        let at = match same.or_else(|| self.index.get(&key).copied()) {
            Some(i) => i,
            None => {
                self.children.push((first.clone(), Trie::default()));
                self.index.insert(key, self.children.len() - 1);
                self.children.len() - 1
            }
        };
        self.children[at].1.insert(rest);
    }
}

/// What a node shows.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A value of dimension `.0`.
    Value(usize, DimCell),
    /// The total of dimension `.0`'s level, with its label.
    Total(usize, String),
    /// Measure `i`.
    Measure(usize),
}

/// A visible node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it shows.
    pub kind: NodeKind,
    /// Its keys from the root (what expansion names it by).
    pub path: Vec<NodeKey>,
    /// It is collapsed and has values below.
    pub can_expand: bool,
    /// It is expanded and may be collapsed.
    pub can_collapse: bool,
    /// The visible nodes below.
    pub children: Vec<Node>,
    /// Its first leaf (data row or column).
    pub first_leaf: usize,
    /// How many leaves it spans (1 for a leaf).
    pub leaves: usize,
}

/// A leaf of an axis: what its data row (or column) is grouped by.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Leaf {
    /// The dimension values on its path (dimension index, key).
    pub dims: Vec<(usize, NodeKey)>,
    /// The measure on its path, if the pseudo-dimension is on this axis.
    pub measure: Option<usize>,
    /// A total is on its path.
    pub total: bool,
}

/// One axis, laid out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Axis {
    /// Its levels, outermost first.
    pub levels: Vec<Level>,
    /// The outermost visible nodes.
    pub roots: Vec<Node>,
    /// The leaves in order.
    pub leaves: Vec<Leaf>,
}

impl Axis {
    /// Lays out the axis of `levels`: the trie from the sub-cube of its dimensions, then the visible nodes.
    pub fn build(
        def: &HyperCubeDef,
        spec: &PivotSpec,
        levels: &[Level],
        set: &NodeSet,
        measures: usize,
        cube: &mut CubeFn<'_>,
    ) -> Result<Axis, CubeError> {
        let trie = trie(def, levels, cube)?;
        let mut gen = Gen {
            levels,
            spec,
            set,
            measures,
            leaves: Vec::new(),
            path: Vec::new(),
            leaf: Leaf::default(),
        };
        let roots = gen.level(Some(&trie), 0);
        Ok(Axis {
            levels: levels.to_vec(),
            roots,
            leaves: gen.leaves,
        })
    }

    /// The visible node at nesting depth `depth` that spans leaf `leaf`.
    pub fn node_at(&self, leaf: usize, depth: usize) -> Option<&Node> {
        let mut nodes = &self.roots;
        for d in 0..=depth {
            let n = nodes
                .iter()
                .find(|n| n.first_leaf <= leaf && leaf < n.first_leaf + n.leaves)?;
            if d == depth {
                return Some(n);
            }
            nodes = &n.children;
        }
        None
    }
}

/// The sub-definition grouped by `dims` only (in that order, sorted by them in that order; measures kept
/// for suppression, unsorted; no attributes).
pub(super) fn grouped_by(def: &HyperCubeDef, dims: &[usize]) -> HyperCubeDef {
    let measures = def.measures.iter().map(|m| MeasureDef {
        expr: m.expr.clone(),
        sort: ColumnSort::default(),
    });
    HyperCubeDef {
        dimensions: dims.iter().map(|&d| def.dimensions[d].clone()).collect(),
        measures: measures.collect(),
        suppress_zero: def.suppress_zero,
        suppress_missing: def.suppress_missing,
        include_zero: false,
        inter_column_sort: (0..dims.len()).collect(),
        attributes: Vec::new(),
        dim_options: dims
            .iter()
            .map(|&d| def.dim_options.get(d).cloned().unwrap_or_default())
            .collect(),
    }
}

/// The trie of the value combinations of the axis's dimensions.
fn trie(def: &HyperCubeDef, levels: &[Level], cube: &mut CubeFn<'_>) -> Result<Trie, CubeError> {
    let dims: Vec<usize> = levels
        .iter()
        .filter_map(|l| match l {
            Level::Dim(d) => Some(*d),
            Level::Measures => None,
        })
        .collect();
    let mut root = Trie::default();
    if dims.is_empty() {
        return Ok(root);
    }
    let sub = cube(&grouped_by(def, &dims))?;
    for row in &sub.rows {
        root.insert(&row.dims);
    }
    Ok(root)
}

/// The walk making the visible nodes, with the path and leaf of the node it is in.
struct Gen<'a> {
    levels: &'a [Level],
    spec: &'a PivotSpec,
    set: &'a NodeSet,
    measures: usize,
    leaves: Vec<Leaf>,
    path: Vec<NodeKey>,
    leaf: Leaf,
}

impl Gen<'_> {
    /// The nodes of level `depth` under the current path; `trie` is `None` below a collapsed or total
    /// node, where only measure levels show.
    fn level(&mut self, trie: Option<&Trie>, depth: usize) -> Vec<Node> {
        match (self.levels.get(depth), trie) {
            (None, _) => Vec::new(),
            (Some(Level::Measures), _) => (0..self.measures)
                .map(|m| {
                    self.leaf.measure = Some(m);
                    let node = self.node(NodeKey::Measure(m), NodeKind::Measure(m), |g| {
                        (g.level(trie, depth + 1), false, false)
                    });
                    self.leaf.measure = None;
                    node
                })
                .collect(),
            (Some(Level::Dim(_)), None) => self.level(None, depth + 1),
            (Some(&Level::Dim(d)), Some(trie)) => self.values(trie, depth, d),
        }
    }

    /// The values of dimension `d` at level `depth`, with its total.
    fn values(&mut self, trie: &Trie, depth: usize, d: usize) -> Vec<Node> {
        let deeper = self.levels[depth + 1..]
            .iter()
            .any(|l| matches!(l, Level::Dim(_)));
        let fully = self.spec.fully_expanded;
        let total = self.spec.totals.get(d).copied().unwrap_or(false);
        let mut out = Vec::with_capacity(trie.children.len() + 1);
        if total && self.spec.totals_above {
            out.push(self.total(depth, d));
        }
        for (cell, sub) in &trie.children {
            let key = NodeKey::of(cell);
            self.leaf.dims.push((d, key));
            let node = self.node(key, NodeKind::Value(d, cell.clone()), |g| {
                let expanded = deeper && (fully || g.set.is_expanded(&g.path));
                let below = g.level(expanded.then_some(sub), depth + 1);
                (below, deeper && !expanded, deeper && expanded && !fully)
            });
            self.leaf.dims.pop();
            out.push(node);
        }
        if total && !self.spec.totals_above {
            out.push(self.total(depth, d));
        }
        out
    }

    /// The total node of dimension `d`'s level.
    fn total(&mut self, depth: usize, d: usize) -> Node {
        let label = self.spec.total_labels.get(d).cloned();
        let label = label.unwrap_or_else(|| "Totals".to_string());
        self.leaf.total = true;
        let node = self.node(NodeKey::Total, NodeKind::Total(d, label), |g| {
            (g.level(None, depth + 1), false, false)
        });
        self.leaf.total = self.path.contains(&NodeKey::Total);
        node
    }

    /// A node with key `key`: `below` makes its children and says whether it can expand / collapse. A
    /// node without children is a leaf.
    fn node(
        &mut self,
        key: NodeKey,
        kind: NodeKind,
        below: impl FnOnce(&mut Self) -> (Vec<Node>, bool, bool),
    ) -> Node {
        self.path.push(key);
        let first_leaf = self.leaves.len();
        let (children, can_expand, can_collapse) = below(self);
        if children.is_empty() {
            self.leaves.push(self.leaf.clone());
        }
        let path = self.path.clone();
        self.path.pop();
        Node {
            kind,
            path,
            can_expand,
            can_collapse,
            children,
            first_leaf,
            leaves: self.leaves.len() - first_leaf,
        }
    }
}
