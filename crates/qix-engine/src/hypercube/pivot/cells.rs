//! The data cells of a pivot: the cell of a left leaf and a top leaf is its measure in the sub-cube
//! grouped by the dimensions on both paths (a total on a path drops the dimensions at and below it), so
//! each distinct set of grouping dimensions is one sub-cube, computed the first time a cell needs it and
//! indexed by its rows' keys.

use super::tree::{grouped_by, Axis, Leaf};
use super::{CubeFn, NodeKey};
use crate::hypercube::{HyperCube, HyperCubeDef};
use foldhash::fast::FixedState;
use hashbrown::HashTable;
use qix_expr::Value;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

/// One data cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Its value (NULL when missing or failed).
    pub value: Value,
    /// The measure it shows.
    pub measure: usize,
    /// A total is on its row's or column's path.
    pub total: bool,
    /// No data has its row's and column's combination of values.
    pub missing: bool,
}

/// A sub-cube with its rows indexed by their dimension keys (the table holds row numbers only: no key
/// is copied).
struct Sub {
    cube: Arc<HyperCube>,
    index: HashTable<usize>,
}

impl Sub {
    /// Indexes the rows of `cube`.
    fn new(cube: Arc<HyperCube>) -> Sub {
        let mut index = HashTable::with_capacity(cube.rows.len());
        let row_hash = |i: &usize| key_hash(cube.rows[*i].dims.iter().map(NodeKey::of));
        for i in 0..cube.rows.len() {
            index.insert_unique(row_hash(&i), i, row_hash);
        }
        Sub { cube, index }
    }

    /// The row with dimension keys `keys`.
    fn row(&self, keys: &[NodeKey]) -> Option<usize> {
        let same = |i: &usize| {
            let dims = &self.cube.rows[*i].dims;
            dims.len() == keys.len() && dims.iter().map(NodeKey::of).eq(keys.iter().copied())
        };
        self.index
            .find(key_hash(keys.iter().copied()), same)
            .copied()
    }
}

/// The hash of a sequence of keys.
fn key_hash(keys: impl Iterator<Item = NodeKey>) -> u64 {
    let mut h = FixedState::with_seed(0x7069_766f).build_hasher();
    for k in keys {
        k.hash(&mut h);
    }
    h.finish()
}

/// The cell of leaf `i` of `axis` (`leaf`) and the other axis's leaf `other`, read from the axis's own
/// sub-cube when the other leaf groups by nothing (no dimension, no total) and leaf `i` by every dimension
/// of its axis: that sub-cube is the cell's grouping, and its row is known without a look-up.
pub(super) fn direct(
    axis: &Axis,
    i: usize,
    leaf: Option<&Leaf>,
    other: Option<&Leaf>,
) -> Option<Cell> {
    if other.is_some_and(|o| !o.dims.is_empty() || o.total) {
        return None;
    }
    // The axis's sub-cube is grouped (and sorted) by its dimensions in level order, the cells' by them in
    // definition order: the same cube only when those agree (chart functions such as `RowNo` or `Above`
    // read the row order).
    if !axis.dims().windows(2).all(|w| w[0] < w[1]) {
        return None;
    }
    let (cube, row) = axis.full_row(i)?;
    let measure = leaf
        .and_then(|l| l.measure)
        .or(other.and_then(|o| o.measure))
        .unwrap_or(0);
    let value = cube.rows.get(row)?.measures.get(measure)?.clone();
    Some(Cell {
        value,
        measure,
        total: false,
        missing: false,
    })
}

/// The sub-cubes of a pivot's cells.
pub struct Cells {
    def: HyperCubeDef,
    /// By grouping dimensions (sorted); `None`: the sub-cube failed.
    subs: HashMap<Vec<usize>, Option<Sub>>,
}

impl Cells {
    /// No sub-cube computed yet.
    pub fn new(def: &HyperCubeDef) -> Cells {
        Cells {
            def: def.clone(),
            subs: HashMap::new(),
        }
    }

    /// The cell of left leaf `l` and top leaf `t` (`None`: the axis has no leaves).
    pub fn cell(&mut self, l: Option<&Leaf>, t: Option<&Leaf>, cube: &mut CubeFn<'_>) -> Cell {
        let mut dims: Vec<(usize, NodeKey)> = Vec::new();
        for leaf in [l, t].into_iter().flatten() {
            dims.extend_from_slice(&leaf.dims);
        }
        dims.sort_by_key(|(d, _)| *d);
        let measure = l
            .and_then(|l| l.measure)
            .or(t.and_then(|t| t.measure))
            .unwrap_or(0);
        let total = l.is_some_and(|l| l.total) || t.is_some_and(|t| t.total);
        let (group, keys): (Vec<usize>, Vec<NodeKey>) = dims.into_iter().unzip();
        let def = &self.def;
        let sub = self
            .subs
            .entry(group)
            .or_insert_with_key(|group| cube(&grouped_by(def, group)).ok().map(Sub::new));
        let value = sub.as_ref().and_then(|s| {
            let row = s.row(&keys)?;
            s.cube.rows[row].measures.get(measure).cloned()
        });
        Cell {
            missing: value.is_none(),
            value: value.unwrap_or(Value::Null),
            measure,
            total,
        }
    }
}
