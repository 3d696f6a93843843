//! Tree cubes (`qMode` `T`, what org charts and treemaps ask for): the dimensions are levels of a tree,
//! a node per distinct value of a level under its parent, each with the measures computed at its level
//! (a node's value is the measure over its whole subtree's rows, not a sum of its children). The root
//! carries the grand totals. `GetHyperCubeTreeData` answers [`render`]'s nodes; the layout's
//! `qTreeNodesOnDim` counts the nodes of each level.
//!
//! Phases: [`TreeOptions::parse`] (the request), [`compute`] (one cube per level, through the shared
//! cache), [`Tree::build`] (nodes and their children), [`render`] (the `NxTreeNode` JSON of the nodes the
//! options ask for).

use super::defs::CubeDef;
use super::eval::evaluate_in;
use super::render::{num_json, Cells};
use super::View;
use qix_engine::hypercube::DimCell;
use qix_engine::{HyperCube, HyperCubeDef};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// A `qArea` of `NxPageTreeNode`: levels `left..left + width`, nodes `top..top + height` of each.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Area {
    left: usize,
    top: usize,
    width: usize,
    height: usize,
}

/// `NxTreeDataOption`: which nodes `GetHyperCubeTreeData` returns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TreeOptions {
    /// `qMaxNbrOfNodes` (positive): more nodes than this and none are returned.
    max_nodes: Option<usize>,
    /// `qTreeNodes[].qArea`: a level no area names is returned whole.
    areas: Vec<Area>,
    /// `qTreeLevels.qLeft`: the first level returned (the levels before are left out, their children
    /// hang from the root).
    first_level: usize,
    /// `qTreeLevels.qDepth` (non-negative): how many levels are returned.
    depth: Option<usize>,
}

impl TreeOptions {
    /// The options of `qNodeOptions` (absent: the whole tree).
    pub fn parse(v: Option<&Value>) -> TreeOptions {
        let Some(v) = v else {
            return TreeOptions::default();
        };
        let uint = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64).unwrap_or(-1);
        let areas = v
            .get("qTreeNodes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|n| n.get("qArea"))
            .map(|a| Area {
                left: uint(a, "qLeft").max(0) as usize,
                top: uint(a, "qTop").max(0) as usize,
                width: uint(a, "qWidth").max(0) as usize,
                height: uint(a, "qHeight").max(0) as usize,
            })
            .filter(|a| a.width > 0)
            .collect();
        let levels = v.get("qTreeLevels");
        TreeOptions {
            max_nodes: usize::try_from(uint(v, "qMaxNbrOfNodes"))
                .ok()
                .filter(|n| *n > 0),
            areas,
            first_level: levels.map_or(0, |l| uint(l, "qLeft").max(0) as usize),
            depth: levels.and_then(|l| usize::try_from(uint(l, "qDepth")).ok()),
        }
    }

    /// Whether node `index` of level `level` is asked for.
    fn wants(&self, level: usize, index: usize) -> bool {
        let on_level = |a: &&Area| (a.left..a.left + a.width).contains(&level);
        let mut named = self.areas.iter().filter(on_level).peekable();
        named.peek().is_none() || named.any(|a| (a.top..a.top + a.height).contains(&index))
    }

    /// Whether the tree is small enough for `qMaxNbrOfNodes` (more, and no node is returned).
    fn within(&self, tree: &Tree) -> bool {
        self.max_nodes.is_none_or(|max| tree.nodes.len() <= max)
    }

    /// Whether level `level` is returned.
    fn shows_level(&self, level: usize) -> bool {
        level >= self.first_level && self.depth.is_none_or(|d| level < self.first_level + d)
    }
}

/// One cube per level: level `l` grouped by the first `l + 1` dimensions, with every measure. Zero
/// suppression applies to the leaves only: a parent whose measures net to zero (+5 and -5 below it)
/// keeps its non-zero children; a parent with no leaf left under it is left out (see [`prune`]).
pub fn compute(view: &View<'_>, def: &CubeDef) -> Result<Vec<Arc<HyperCube>>, String> {
    let full = def.engine_with(&|e| evaluate_in(view, e).ok());
    let sets = super::sets::ViewSets(view);
    let levels = (0..full.dimensions.len())
        .map(|level| {
            let d = level_def(&full, level + 1);
            view.env
                .cache
                .hypercube_with(view.model(), view.state, &d, &sets)
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(match full.suppress_zero {
        true => prune(levels),
        false => levels,
    })
}

/// The parent levels' rows with at least one leaf (a row of the last level) under them: with zero
/// suppression on the leaves only, a parent whose leaves were all suppressed has nothing to show.
fn prune(mut levels: Vec<Arc<HyperCube>>) -> Vec<Arc<HyperCube>> {
    let Some(leaves) = levels.last().cloned() else {
        return levels;
    };
    let mut under: std::collections::HashSet<Key> = std::collections::HashSet::new();
    for r in &leaves.rows {
        let key: Key = r.dims.iter().map(|c| c.symbol).collect();
        for n in 1..key.len() {
            under.insert(key[..n].to_vec());
        }
    }
    let parents = levels.len().saturating_sub(1);
    for cube in levels.iter_mut().take(parents) {
        let kept = |r: &&qix_engine::CubeRow| {
            under.contains(&r.dims.iter().map(|c| c.symbol).collect::<Key>())
        };
        if cube.rows.iter().all(|r| kept(&r)) {
            continue;
        }
        let rows = cube.rows.iter().filter(kept).cloned().collect();
        *cube = Arc::new(HyperCube {
            rows,
            totals: cube.totals.clone(),
            dim_info: cube.dim_info.clone(),
            measure_range: cube.measure_range.clone(),
            measure_errors: cube.measure_errors.clone(),
            calculated: cube.calculated.clone(),
        });
    }
    levels
}

/// `full` grouped by its first `n` dimensions: the sort order kept for those columns, no attributes.
fn level_def(full: &HyperCubeDef, n: usize) -> HyperCubeDef {
    let ndims = full.dimensions.len();
    let sort = full
        .inter_column_sort
        .iter()
        .filter_map(|&c| match c < ndims {
            true => (c < n).then_some(c),
            false => Some(c - ndims + n),
        });
    HyperCubeDef {
        dimensions: full.dimensions[..n].to_vec(),
        dim_options: full.dim_options.iter().take(n).cloned().collect(),
        inter_column_sort: sort.collect(),
        attributes: Vec::new(),
        include_zero: false,
        // Only the leaves are zero-suppressed (see `compute`).
        suppress_zero: full.suppress_zero && n == ndims,
        ..full.clone()
    }
}

/// A node of the tree.
struct Node {
    level: usize,
    cell: DimCell,
    values: Vec<qix_expr::Value>,
    children: Vec<usize>,
    /// Its position among the nodes of its level.
    row: usize,
    /// Its position among its parent's children.
    group_pos: usize,
    /// The `group_pos` of its ancestors, from the top.
    path: Vec<usize>,
}

/// The nodes of a tree cube, and the root's (the grand totals').
pub struct Tree {
    nodes: Vec<Node>,
    top: Vec<usize>,
    totals: Vec<qix_expr::Value>,
}

/// The dimension symbols of a row (its key on that level).
type Key = Vec<Option<u32>>;

impl Tree {
    /// The tree of the levels' cubes (their rows in sort order).
    pub fn build(levels: &[Arc<HyperCube>]) -> Tree {
        let mut tree = Tree {
            nodes: Vec::new(),
            top: Vec::new(),
            totals: levels.first().map(|c| c.totals.clone()).unwrap_or_default(),
        };
        walk(levels, |level, row, r, parent| {
            tree.add(level, r, row, parent)
        });
        tree
    }

    /// Adds the node of row `r` (row `row` of its level) under `parent` (`None`: the root).
    fn add(
        &mut self,
        level: usize,
        r: &qix_engine::CubeRow,
        row: usize,
        parent: Option<usize>,
    ) -> usize {
        let id = self.nodes.len();
        let (siblings, mut path) = match parent {
            Some(p) => (self.nodes[p].children.len(), self.nodes[p].path.clone()),
            None => (self.top.len(), Vec::new()),
        };
        if let Some(p) = parent {
            path.push(self.nodes[p].group_pos);
            self.nodes[p].children.push(id);
        } else {
            self.top.push(id);
        }
        self.nodes.push(Node {
            level,
            cell: r.dims[level].clone(),
            values: r.measures.to_vec(),
            children: Vec::new(),
            row,
            group_pos: siblings,
            path,
        });
        id
    }
}

/// `qTreeNodesOnDim`: the nodes of each level, counted as [`Tree::build`] links them but without
/// building them (every layout of a tree cube asks for it).
pub fn nodes_on_dim(levels: &[Arc<HyperCube>]) -> Vec<usize> {
    walk(levels, |_, _, _, _| ())
}

/// Walks the levels' rows top-down, each under its parent (the row of the level above whose key is its
/// key's prefix; a row without one is left out): `visit(level, row, r, parent)` answers the handle its
/// children get. Answers how many rows of each level were visited.
fn walk<P: Copy>(
    levels: &[Arc<HyperCube>],
    mut visit: impl FnMut(usize, usize, &qix_engine::CubeRow, Option<P>) -> P,
) -> Vec<usize> {
    let mut per_level = Vec::with_capacity(levels.len());
    let mut parents: HashMap<Key, P> = HashMap::new();
    for (level, cube) in levels.iter().enumerate() {
        let mut here: HashMap<Key, P> = HashMap::new();
        for (row, r) in cube.rows.iter().enumerate() {
            let key: Key = r.dims.iter().map(|c| c.symbol).collect();
            let parent = match level {
                0 => None,
                _ => match key.get(..level).and_then(|k| parents.get(k)) {
                    Some(p) => Some(*p),
                    None => continue,
                },
            };
            here.insert(key, visit(level, row, r, parent));
        }
        per_level.push(here.len());
        parents = here;
    }
    per_level
}

/// How many nodes [`render`] returns for `opts` (without building them), so that a call asking for a
/// whole tree of millions of nodes can be refused before its JSON is built.
pub fn returned(tree: &Tree, opts: &TreeOptions) -> usize {
    if !opts.within(tree) {
        return 0;
    }
    let mut count = 0;
    let mut stack: Vec<usize> = tree.top.clone();
    while let Some(n) = stack.pop() {
        let node = &tree.nodes[n];
        let descend = match opts.shows_level(node.level) {
            true => opts.wants(node.level, node.row),
            false => node.level < opts.first_level,
        };
        count += usize::from(descend && opts.shows_level(node.level));
        if descend {
            stack.extend(&node.children);
        }
    }
    count
}

/// `GetHyperCubeTreeData`'s `qNodes`: the root, with the nodes `opts` asks for under it.
pub fn render(tree: &Tree, cells: Cells<'_>, opts: &TreeOptions) -> Value {
    let within = opts.within(tree);
    let children: Vec<Value> = match within {
        true => tree
            .top
            .iter()
            .flat_map(|&n| render_node(tree, n, cells, opts))
            .collect(),
        false => Vec::new(),
    };
    let values: Vec<Value> = tree
        .totals
        .iter()
        .enumerate()
        .map(|(m, v)| tree_value(cells, m, v))
        .collect();
    let (pos, neg) = spans(
        tree.top.iter().map(|&c| &tree.nodes[c].values),
        tree.totals.len(),
    );
    json!([{
        "qText": "", "qValue": "NaN", "qElemNo": -1, "qGroupPos": 0, "qGroupSize": tree.top.len(),
        "qRow": -1, "qType": "R", "qValues": values, "qNodes": children, "qMaxPos": pos,
        "qMinNeg": neg, "qState": "L", "qTreePath": [],
    }])
}

/// Node `n` and its subtree as asked for: the node itself when its level is shown and its position is
/// in the areas, else (a level left out) its children in its place.
fn render_node(tree: &Tree, n: usize, cells: Cells<'_>, opts: &TreeOptions) -> Vec<Value> {
    let node = &tree.nodes[n];
    let children = || {
        node.children
            .iter()
            .flat_map(|&c| render_node(tree, c, cells, opts))
            .collect::<Vec<Value>>()
    };
    if !opts.shows_level(node.level) {
        return match node.level < opts.first_level {
            true => children(),
            false => Vec::new(),
        };
    }
    if !opts.wants(node.level, node.row) {
        return Vec::new();
    }
    let mut out = node_json(tree, node, cells);
    out.insert("qNodes".into(), Value::Array(children()));
    vec![Value::Object(out)]
}

/// The `NxTreeNode` of a node, without its children.
fn node_json(tree: &Tree, node: &Node, cells: Cells<'_>) -> Map<String, Value> {
    let values: Vec<Value> = node
        .values
        .iter()
        .enumerate()
        .map(|(m, v)| tree_value(cells, m, v))
        .collect();
    let kids = node.children.iter().map(|&c| &tree.nodes[c].values);
    let (pos, neg) = match node.children.is_empty() {
        true => spans(std::iter::once(&node.values), node.values.len()),
        false => spans(kids, node.values.len()),
    };
    let (elem, kind) = match (node.cell.symbol, node.cell.other) {
        (_, true) => (-3, "O"),
        (Some(s), false) => (i64::from(s), "V"),
        (None, false) => (-2, "U"),
    };
    let out = json!({
        "qText": &*node.cell.text, "qValue": num_json(node.cell.num), "qElemNo": elem,
        "qGroupPos": node.group_pos, "qGroupSize": node.children.len(), "qRow": node.row,
        "qType": kind, "qValues": values, "qMaxPos": pos, "qMinNeg": neg,
        "qState": node.cell.state.letter(), "qTreePath": node.path,
    });
    match out {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// An `NxTreeValue`: the measure's text in its format and its number.
fn tree_value(cells: Cells<'_>, m: usize, v: &qix_expr::Value) -> Value {
    let cell = cells.measure(m, v);
    json!({"qText": cell["qText"], "qValue": cell["qNum"]})
}

/// Per measure, the sum of the positive and of the negative values of `rows` (`qMaxPos`, `qMinNeg`).
fn spans<'a>(
    rows: impl Iterator<Item = &'a Vec<qix_expr::Value>>,
    n: usize,
) -> (Vec<f64>, Vec<f64>) {
    let (mut pos, mut neg) = (vec![0.0; n], vec![0.0; n]);
    for r in rows {
        for (m, v) in r.iter().enumerate().take(n) {
            match v.num() {
                Some(x) if x > 0.0 => pos[m] += x,
                Some(x) => neg[m] += x,
                None => {}
            }
        }
    }
    (pos, neg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_areas_levels_and_limits() {
        let o = TreeOptions::parse(Some(&json!({
            "qMaxNbrOfNodes": 100,
            "qTreeNodes": [{"qArea": {"qLeft": 1, "qTop": 2, "qWidth": 1, "qHeight": 3}}],
            "qTreeLevels": {"qLeft": 0, "qDepth": -1}
        })));
        assert_eq!(o.max_nodes, Some(100));
        assert!(o.wants(0, 50), "level 0 is named by no area: whole");
        assert!(!o.wants(1, 1) && o.wants(1, 2) && o.wants(1, 4) && !o.wants(1, 5));
        assert!(o.shows_level(3));
        let d = TreeOptions::parse(Some(&json!({"qTreeLevels": {"qLeft": 1, "qDepth": 1}})));
        assert!(!d.shows_level(0) && d.shows_level(1) && !d.shows_level(2));
        assert_eq!(TreeOptions::parse(None), TreeOptions::default());
    }

    #[test]
    fn spans_split_positive_and_negative() {
        let rows = [
            vec![qix_expr::Value::Num(3.0), qix_expr::Value::Num(-1.0)],
            vec![qix_expr::Value::Num(-2.0), qix_expr::Value::Null],
        ];
        assert_eq!(spans(rows.iter(), 2), (vec![3.0, 0.0], vec![-2.0, -1.0]));
    }
}
