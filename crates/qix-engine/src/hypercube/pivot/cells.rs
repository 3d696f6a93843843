//! The data cells of a pivot: the cell of a left leaf and a top leaf is its measure in the sub-cube
//! grouped by the dimensions on both paths (a total on a path drops the dimensions at and below it), so
//! each distinct set of grouping dimensions is one sub-cube, computed the first time a cell needs it and
//! indexed by its rows' keys.

use super::tree::{grouped_by, Leaf};
use super::{CubeFn, NodeKey};
use crate::hypercube::{HyperCube, HyperCubeDef};
use qix_expr::Value;
use std::collections::HashMap;
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

/// A sub-cube with its rows indexed by their dimension keys.
struct Sub {
    cube: Arc<HyperCube>,
    index: HashMap<Vec<NodeKey>, usize, foldhash::fast::RandomState>,
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
        let sub = self.subs.entry(group).or_insert_with_key(|group| {
            let cube = cube(&grouped_by(def, group)).ok()?;
            let index = cube
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| (r.dims.iter().map(NodeKey::of).collect(), i))
                .collect();
            Some(Sub { cube, index })
        });
        let value = sub.as_ref().and_then(|s| {
            let row = s.index.get(&keys)?;
            s.cube.rows[*row].measures.get(measure).cloned()
        });
        Cell {
            missing: value.is_none(),
            value: value.unwrap_or(Value::Null),
            measure,
            total,
        }
    }
}
