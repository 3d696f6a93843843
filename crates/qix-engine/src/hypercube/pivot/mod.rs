//! Pivot and stacked cubes (`qMode` `P` and `K`): the dimensions split over a left and a top axis (the
//! measures, as the pseudo-dimension, on either), each axis a tree of values that a session expands and
//! collapses, with a total per level where a dimension asks for one. Every data cell is the measure
//! grouped by the values of its row's and column's path only, so subtotals of any aggregation (`Avg`,
//! `Count(DISTINCT ...)`) are right: each set of grouping dimensions is a sub-cube of its own (a
//! `GROUPING SETS` of the definition), computed when a page first needs it.
//!
//! By phase, one module each:
//!
//! - `expansion`: which nodes a session has expanded ([`Expansion`]);
//! - `tree`: the value trie of an axis from a sub-cube's rows, then the visible nodes with totals and
//!   measure nodes ([`Axis`]);
//! - `cells`: the sub-cubes and the value of each (row, column) cell ([`Cells`]).

mod cells;
mod expansion;
mod tree;

pub use cells::{Cell, Cells};
pub use expansion::{Expansion, NodeSet};
pub use tree::{Axis, Leaf, Node, NodeKind};

use super::{CubeError, DimCell, HyperCube, HyperCubeDef};
use std::sync::Arc;

/// One level of an axis: a dimension (its index in the definition) or the measures (`-1` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Dimension `i` of the definition.
    Dim(usize),
    /// The measure pseudo-dimension.
    Measures,
}

/// How a pivot lays out its definition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PivotSpec {
    /// The left axis, outermost first.
    pub left: Vec<Level>,
    /// The top axis, outermost first.
    pub top: Vec<Level>,
    /// Per dimension (definition order): whether its level has a total node (`qTotalMode` `TOTAL_EXPR`).
    pub totals: Vec<bool>,
    /// Per dimension: the text of its total node.
    pub total_labels: Vec<String>,
    /// Totals before the values of their level (`qShowTotalsAbove`).
    pub totals_above: bool,
    /// Every node expanded, none collapsible (`qAlwaysFullyExpanded`).
    pub fully_expanded: bool,
}

/// The key of a node on its path from the root: a dimension value, a measure, or a total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKey {
    /// A dimension value: its symbol (`None` for NULL) and whether it is the Others group.
    Value(Option<u32>, bool),
    /// Measure `i`.
    Measure(usize),
    /// A total.
    Total,
}

impl NodeKey {
    /// The key of a dimension cell.
    pub fn of(cell: &DimCell) -> NodeKey {
        NodeKey::Value(cell.symbol, cell.other)
    }
}

/// Computes the cube of a definition (through a cache, in the server).
pub type CubeFn<'a> = dyn FnMut(&HyperCubeDef) -> Result<Arc<HyperCube>, CubeError> + 'a;

/// A pivot laid out for one session: both axes with their visible nodes, and the cells' sub-cubes.
pub struct Pivot {
    /// The left axis.
    pub left: Axis,
    /// The top axis.
    pub top: Axis,
    /// The data cells.
    pub cells: Cells,
}

impl Pivot {
    /// Lays out `def` as `spec` says, expanded as `expansion` says; `cube` computes each sub-cube.
    pub fn build(
        def: &HyperCubeDef,
        spec: &PivotSpec,
        expansion: &Expansion,
        cube: &mut CubeFn<'_>,
    ) -> Result<Pivot, CubeError> {
        let nm = def.measures.len();
        let left = Axis::build(def, spec, &spec.left, &expansion.left, nm, cube)?;
        let top = Axis::build(def, spec, &spec.top, &expansion.top, nm, cube)?;
        Ok(Pivot {
            left,
            top,
            cells: Cells::new(def),
        })
    }

    /// Rows of the data matrix (`qSize.qcy`).
    pub fn height(&self) -> usize {
        self.left.leaf_count().max(1)
    }

    /// Columns of the data matrix (`qSize.qcx`).
    pub fn width(&self) -> usize {
        self.top.leaf_count().max(1)
    }

    /// The cell at data row `row`, column `col`.
    pub fn cell(&mut self, row: usize, col: usize, cube: &mut CubeFn<'_>) -> Cell {
        let (l, t) = (self.left.leaf(row), self.top.leaf(col));
        let direct = cells::direct(&self.left, row, l.as_ref(), t.as_ref())
            .or_else(|| cells::direct(&self.top, col, t.as_ref(), l.as_ref()));
        direct.unwrap_or_else(|| self.cells.cell(l.as_ref(), t.as_ref(), cube))
    }
}
