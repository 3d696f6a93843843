//! An axis of a pivot: the trie of the value combinations of its dimensions (from the sub-cube grouped by
//! them, in its sort order), then the visible nodes — a collapsed node's values are cut, a total node is
//! added to a level whose dimension asks for one, and the measure pseudo-dimension repeats below every
//! node of the level above it. The leaves, in order, are the rows (left) or columns (top) of the data.
//!
//! A fully expanded axis of two dimensions of 100 × 1,000 values has 100,000 leaves, and a page shows 50:
//! so nothing here is per-node heap data. The trie holds row numbers of the sub-cube (its cells are read
//! from there, never copied), and the visible nodes are one flat arena in pre-order (a node's subtree is
//! the run of nodes up to its `end`), each naming its parent; a node's path and a leaf's values are read
//! off the parent chain when a page or a cell asks for them.

use super::{CubeFn, Level, NodeKey, NodeSet, PivotSpec};
use crate::hypercube::{ColumnSort, CubeError, DimCell, HyperCube, HyperCubeDef, MeasureDef};
use std::collections::HashMap;
use std::sync::Arc;

/// The value trie of an axis: `nodes[0]` is the root; an inner node's children are trie nodes, the
/// children of a node on the last dimension level are the sub-cube's rows themselves.
#[derive(Debug, Default)]
struct Trie {
    nodes: Vec<TrieNode>,
}

/// A trie node: the sub-cube row it takes its value from, and its children in sort order.
#[derive(Debug, Default)]
struct TrieNode {
    row: u32,
    children: Vec<u32>,
    /// Children by key, for values that come back after another (rows sorted by an expression).
    index: HashMap<NodeKey, u32, foldhash::fast::RandomState>,
}

impl Trie {
    /// The trie of `cube`'s rows, whose first `depth` cells are the axis's dimensions.
    fn of(cube: &HyperCube, depth: usize) -> Trie {
        let mut trie = Trie {
            nodes: vec![TrieNode::default()],
        };
        for (r, row) in cube.rows.iter().enumerate() {
            let mut at = 0;
            for level in 0..depth.saturating_sub(1) {
                at = trie.child(cube, at, level, &row.dims[level], r as u32);
            }
            // The sub-cube's rows are distinct combinations: on the last level a value is always new.
            trie.nodes[at].children.push(r as u32);
        }
        trie
    }

    /// The child of node `at` (on `level`) with `cell`'s value, made from row `r` when new.
    fn child(
        &mut self,
        cube: &HyperCube,
        at: usize,
        level: usize,
        cell: &DimCell,
        r: u32,
    ) -> usize {
        let key = NodeKey::of(cell);
        // The sub-cube's rows come sorted by the axis' dimensions: a value is most often the last one seen.
        let node = &self.nodes[at];
        let last = node.children.last().copied();
        let key_of =
            |c: u32| NodeKey::of(&cube.rows[self.nodes[c as usize].row as usize].dims[level]);
        if let Some(c) = last.filter(|&c| key_of(c) == key) {
            return c as usize;
        }
        if let Some(&c) = node.index.get(&key) {
            return c as usize;
        }
        let c = self.nodes.len() as u32;
        self.nodes.push(TrieNode {
            row: r,
            ..TrieNode::default()
        });
        let node = &mut self.nodes[at];
        node.children.push(c);
        node.index.insert(key, c);
        c as usize
    }
}

/// What a node shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NodeKind {
    /// A value of dimension `.0`, read from row `.1` of the axis's sub-cube ([`Axis::value`]).
    Value(usize, u32),
    /// The total of dimension `.0`'s level ([`Axis::total_label`]).
    Total(usize),
    /// Measure `i`.
    Measure(usize),
}

/// A visible node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it shows.
    pub kind: NodeKind,
    /// The node it is under (`None` for a root).
    pub parent: Option<usize>,
    /// It is collapsed and has values below.
    pub can_expand: bool,
    /// It is expanded and may be collapsed.
    pub can_collapse: bool,
    /// Its first leaf (data row or column).
    pub first_leaf: usize,
    /// How many leaves it spans (1 for a leaf).
    pub leaves: usize,
    /// The arena index past its subtree.
    end: usize,
}

/// A leaf of an axis: what its data row (or column) is grouped by.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Leaf {
    /// The dimension values on its path (dimension index, key), outermost first.
    pub dims: Vec<(usize, NodeKey)>,
    /// The measure on its path, if the pseudo-dimension is on this axis.
    pub measure: Option<usize>,
    /// A total is on its path.
    pub total: bool,
}

/// One axis, laid out.
#[derive(Debug, Clone, Default)]
pub struct Axis {
    /// Its levels, outermost first.
    pub levels: Vec<Level>,
    /// The visible nodes in pre-order.
    nodes: Vec<Node>,
    /// The node of each leaf, in order.
    leaves: Vec<usize>,
    /// The sub-cube grouped by the axis's dimensions (in level order), whose rows the value nodes name.
    cube: Option<Arc<HyperCube>>,
    /// The axis's dimensions in level order: a value node's cell is this column of its row.
    dims: Vec<usize>,
    /// Per dimension of the definition, the text of its total node.
    total_labels: Vec<String>,
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
        let dims: Vec<usize> = levels
            .iter()
            .filter_map(|l| match l {
                Level::Dim(d) => Some(*d),
                Level::Measures => None,
            })
            .collect();
        let sub = match dims.is_empty() {
            true => None,
            false => Some(cube(&grouped_by(def, &dims))?),
        };
        let trie = sub.as_deref().map(|c| Trie::of(c, dims.len()));
        let mut gen = Gen {
            levels,
            spec,
            set,
            measures,
            cube: sub.as_deref(),
            trie: trie.as_ref(),
            nodes: Vec::new(),
            leaves: Vec::new(),
            path: Vec::new(),
        };
        gen.level(trie.as_ref().map(|_| 0), 0, None);
        let (nodes, leaves) = (gen.nodes, gen.leaves);
        let total_labels = (0..def.dimensions.len())
            .map(|d| spec.total_labels.get(d).cloned())
            .map(|l| l.unwrap_or_else(|| "Totals".to_string()))
            .collect();
        Ok(Axis {
            levels: levels.to_vec(),
            nodes,
            leaves,
            cube: sub,
            dims,
            total_labels,
        })
    }

    /// How many leaves (data rows or columns) the axis has.
    pub fn leaf_count(&self) -> usize {
        self.leaves.len()
    }

    /// Node `id`.
    pub fn node(&self, id: usize) -> &Node {
        &self.nodes[id]
    }

    /// The outermost visible nodes.
    pub fn roots(&self) -> impl Iterator<Item = usize> + '_ {
        self.run(0, self.nodes.len())
    }

    /// The visible nodes right below node `id`.
    pub fn children(&self, id: usize) -> impl Iterator<Item = usize> + '_ {
        self.run(id + 1, self.nodes[id].end)
    }

    /// Whether node `id` has visible nodes below.
    pub fn has_children(&self, id: usize) -> bool {
        self.nodes[id].end > id + 1
    }

    /// The sibling nodes starting at `from`, up to `end`: each next one is past the subtree of the last.
    fn run(&self, from: usize, end: usize) -> impl Iterator<Item = usize> + '_ {
        let next = move |&i: &usize| Some(self.nodes[i].end).filter(|&n| n < end);
        std::iter::successors(Some(from).filter(|&f| f < end), next)
    }

    /// The dimension cell node `id` shows (`None` for a total or a measure).
    pub fn value(&self, id: usize) -> Option<&DimCell> {
        let NodeKind::Value(d, row) = self.nodes[id].kind else {
            return None;
        };
        let col = self.dims.iter().position(|&x| x == d)?;
        self.cube.as_ref()?.rows.get(row as usize)?.dims.get(col)
    }

    /// The text of dimension `d`'s total node.
    pub fn total_label(&self, d: usize) -> &str {
        self.total_labels.get(d).map_or("Totals", String::as_str)
    }

    /// The key a node is named by on its path.
    pub fn key(&self, id: usize) -> NodeKey {
        match self.nodes[id].kind {
            NodeKind::Value(..) => self
                .value(id)
                .map_or(NodeKey::Value(None, false), NodeKey::of),
            NodeKind::Total(_) => NodeKey::Total,
            NodeKind::Measure(m) => NodeKey::Measure(m),
        }
    }

    /// Node `id` and the nodes above it, innermost first.
    fn up(&self, id: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(id), |&i| self.nodes[i].parent)
    }

    /// The keys of node `id` from the root (what expansion names it by).
    pub fn path(&self, id: usize) -> Vec<NodeKey> {
        let mut path: Vec<NodeKey> = self.up(id).map(|i| self.key(i)).collect();
        path.reverse();
        path
    }

    /// What leaf `i` is grouped by.
    pub fn leaf(&self, i: usize) -> Option<Leaf> {
        let mut leaf = Leaf::default();
        for id in self.up(*self.leaves.get(i)?) {
            match self.nodes[id].kind {
                NodeKind::Value(d, _) => leaf.dims.push((d, self.key(id))),
                NodeKind::Total(_) => leaf.total = true,
                NodeKind::Measure(m) => leaf.measure = Some(m),
            }
        }
        leaf.dims.reverse();
        Some(leaf)
    }

    /// The sub-cube row of leaf `i` when it is grouped by every dimension of the axis (no total, nothing
    /// collapsed on its path): the row holding its measures.
    pub fn full_row(&self, i: usize) -> Option<(&HyperCube, usize)> {
        let (mut values, mut row) = (0, None);
        for n in self.up(*self.leaves.get(i)?) {
            match self.nodes[n].kind {
                NodeKind::Value(_, r) => {
                    values += 1;
                    row.get_or_insert(r as usize);
                }
                NodeKind::Total(_) => return None,
                NodeKind::Measure(_) => {}
            }
        }
        (values == self.dims.len()).then_some((self.cube.as_deref()?, row?))
    }

    /// The dimensions the axis groups by, in level order.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// The visible node at nesting depth `depth` that spans leaf `leaf`.
    pub fn node_at(&self, leaf: usize, depth: usize) -> Option<usize> {
        // The siblings at each depth: first the roots, then the children of the node found above.
        let (mut from, mut end) = (0, self.nodes.len());
        for d in 0..=depth {
            let n = self.run(from, end).find(|&n| {
                let node = &self.nodes[n];
                node.first_leaf <= leaf && leaf < node.first_leaf + node.leaves
            })?;
            if d == depth {
                return Some(n);
            }
            (from, end) = (n + 1, self.nodes[n].end);
        }
        None
    }
}

/// The sub-definition grouped by `dims` only (in that order, sorted by them in that order; measures kept
/// for suppression, unsorted; no attributes; zero rows when the pivot asks for them; rows only, no
/// per-dimension facts).
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
        include_zero: def.include_zero,
        inter_column_sort: (0..dims.len()).collect(),
        attributes: Vec::new(),
        dim_options: dims
            .iter()
            .map(|&d| def.dim_options.get(d).cloned().unwrap_or_default())
            .collect(),
        rows_only: true,
    }
}

/// The walk making the visible nodes: the arena, the leaves, and the path of the node it is in.
struct Gen<'a> {
    levels: &'a [Level],
    spec: &'a PivotSpec,
    set: &'a NodeSet,
    measures: usize,
    cube: Option<&'a HyperCube>,
    trie: Option<&'a Trie>,
    nodes: Vec<Node>,
    leaves: Vec<usize>,
    path: Vec<NodeKey>,
}

/// Where the walk is in the trie: a trie node, or (on the last dimension level's children) a row.
type At = usize;

impl Gen<'_> {
    /// The nodes of level `depth` under `parent`; `at` (the trie node whose children this level shows)
    /// is `None` below a collapsed or total node, where only measure levels show.
    fn level(&mut self, at: Option<At>, depth: usize, parent: Option<usize>) {
        match (self.levels.get(depth), at) {
            (None, _) => {}
            (Some(Level::Measures), _) => {
                for m in 0..self.measures {
                    self.node(
                        NodeKey::Measure(m),
                        NodeKind::Measure(m),
                        parent,
                        |g, id| {
                            g.level(at, depth + 1, Some(id));
                            (false, false)
                        },
                    );
                }
            }
            (Some(Level::Dim(_)), None) => self.level(None, depth + 1, parent),
            (Some(&Level::Dim(d)), Some(at)) => self.values(at, depth, d, parent),
        }
    }

    /// The values of dimension `d` at level `depth` (the children of trie node `at`), with its total.
    fn values(&mut self, at: At, depth: usize, d: usize, parent: Option<usize>) {
        let (Some(trie), Some(cube)) = (self.trie, self.cube) else {
            return;
        };
        let dim_level = self.levels[..depth]
            .iter()
            .filter(|l| matches!(l, Level::Dim(_)))
            .count();
        let deeper = self.levels[depth + 1..]
            .iter()
            .any(|l| matches!(l, Level::Dim(_)));
        let fully = self.spec.fully_expanded;
        let total = self.spec.totals.get(d).copied().unwrap_or(false);
        if total && self.spec.totals_above {
            self.total(depth, d, parent);
        }
        for &child in &trie.nodes[at].children {
            // On the last dimension level the children are rows; above it, trie nodes.
            let (row, below) = match deeper {
                true => (trie.nodes[child as usize].row, Some(child as usize)),
                false => (child, None),
            };
            let key = NodeKey::of(&cube.rows[row as usize].dims[dim_level]);
            self.node(key, NodeKind::Value(d, row), parent, |g, id| {
                let expanded = deeper && (fully || g.set.is_expanded(&g.path));
                g.level(below.filter(|_| expanded), depth + 1, Some(id));
                (deeper && !expanded, deeper && expanded && !fully)
            });
        }
        if total && !self.spec.totals_above {
            self.total(depth, d, parent);
        }
    }

    /// The total node of dimension `d`'s level.
    fn total(&mut self, depth: usize, d: usize, parent: Option<usize>) {
        self.node(NodeKey::Total, NodeKind::Total(d), parent, |g, id| {
            g.level(None, depth + 1, Some(id));
            (false, false)
        });
    }

    /// A node with key `key` under `parent`: `below` makes its children and says whether it can expand /
    /// collapse. A node without children is a leaf.
    fn node(
        &mut self,
        key: NodeKey,
        kind: NodeKind,
        parent: Option<usize>,
        below: impl FnOnce(&mut Self, usize) -> (bool, bool),
    ) {
        self.path.push(key);
        let id = self.nodes.len();
        let first_leaf = self.leaves.len();
        self.nodes.push(Node {
            kind,
            parent,
            can_expand: false,
            can_collapse: false,
            first_leaf,
            leaves: 0,
            end: id + 1,
        });
        let (can_expand, can_collapse) = below(self, id);
        if self.nodes.len() == id + 1 {
            self.leaves.push(id);
        }
        self.path.pop();
        let end = self.nodes.len();
        let leaves = self.leaves.len() - first_leaf;
        let node = &mut self.nodes[id];
        (node.can_expand, node.can_collapse, node.leaves, node.end) =
            (can_expand, can_collapse, leaves, end);
    }
}
