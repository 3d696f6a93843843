//! The pivot parts of a `qHyperCubeDef`: `qMode`, `qNoOfLeftDims`, `qInterColumnSortOrder` with the
//! measure pseudo-dimension `-1`, `qAlwaysFullyExpanded`, `qShowTotalsAbove`, `qIndentMode`,
//! `qMaxStackedCells`, and each dimension's `qOtherTotalSpec.qTotalMode` / `qTotalLabel`. Parsing never
//! fails: a missing or mistyped property is its default.

use crate::view::pointer::at;
use qix_engine::hypercube::pivot::{Expansion, Level, PivotSpec};
use serde_json::{Map, Value};

/// `qMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// `S`: straight (`qDataPages`).
    #[default]
    Straight,
    /// `P`: pivot (`qPivotDataPages`).
    Pivot,
    /// `K`: stacked (`qStackedDataPages`).
    Stacked,
    /// `T`: tree (`GetHyperCubeTreeData`, `qTreeNodesOnDim`).
    Tree,
}

impl Mode {
    /// The letter the layout reports.
    pub fn letter(self) -> &'static str {
        match self {
            Mode::Straight => "S",
            Mode::Pivot => "P",
            Mode::Stacked => "K",
            Mode::Tree => "T",
        }
    }
}

/// The pivot parts of a cube definition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PivotDef {
    /// `qMode`.
    pub mode: Mode,
    /// The effective column order (`qEffectiveInterColumnSortOrder`): dimension indexes and `-1`.
    pub order: Vec<i64>,
    /// How many entries of `order` are on the left (`qNoOfLeftDims` of the layout).
    pub left: usize,
    /// `qIndentMode`.
    pub indent: bool,
    /// `qMaxStackedCells` (default 5000).
    pub max_stacked_cells: usize,
    /// What the engine lays out.
    pub spec: PivotSpec,
    /// The expanded nodes `qExpansionState` starts with.
    pub initial: Expansion,
}

impl PivotDef {
    /// The pivot parts of a `qHyperCubeDef` with `measures` measures.
    pub fn parse(def: &Map<String, Value>, measures: usize) -> PivotDef {
        let mode = match def.get("qMode").and_then(Value::as_str) {
            Some("P" | "DATA_MODE_PIVOT") => Mode::Pivot,
            Some("K" | "DATA_MODE_PIVOT_STACK") => Mode::Stacked,
            Some("T" | "DATA_MODE_TREE") => Mode::Tree,
            _ => Mode::Straight,
        };
        let dims: &[Value] = def
            .get("qDimensions")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let flag = |k: &str| def.get(k).and_then(Value::as_bool).unwrap_or(false);
        let order = effective_order(def, dims.len(), measures);
        let asked = def
            .get("qNoOfLeftDims")
            .and_then(Value::as_i64)
            .unwrap_or(-1);
        let left = match usize::try_from(asked) {
            Ok(n) => n.min(order.len()),
            // -1: every dimension on the left, the measures on top.
            Err(_) => order.iter().take_while(|i| **i >= 0).count(),
        };
        let level = |i: &i64| match usize::try_from(*i) {
            Ok(d) => Level::Dim(d),
            Err(_) => Level::Measures,
        };
        let mut spec = PivotSpec {
            left: order[..left].iter().map(level).collect(),
            top: order[left..].iter().map(level).collect(),
            totals: dims.iter().map(shows_total).collect(),
            total_labels: dims.iter().map(total_label).collect(),
            totals_above: flag("qShowTotalsAbove"),
            fully_expanded: flag("qAlwaysFullyExpanded"),
        };
        // With no top dimension the top shows the measures.
        if spec.top.is_empty() && measures > 0 && !spec.left.contains(&Level::Measures) {
            spec.top.push(Level::Measures);
        }
        PivotDef {
            mode,
            order,
            left,
            indent: flag("qIndentMode"),
            max_stacked_cells: def
                .get("qMaxStackedCells")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(5000),
            initial: super::expansion_state::parse(def, &spec, dims),
            spec,
        }
    }
}

/// `qInterColumnSortOrder` read as a pivot's order: the dimensions it names (and `-1`) in its order,
/// then the dimensions it leaves out; the pseudo-dimension last when it is left out and there are
/// several measures.
fn effective_order(def: &Map<String, Value>, dims: usize, measures: usize) -> Vec<i64> {
    let given = def
        .get("qInterColumnSortOrder")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut order: Vec<i64> = Vec::with_capacity(dims + 1);
    for i in given.iter().filter_map(Value::as_i64) {
        let known = i == -1 && measures > 0 || usize::try_from(i).is_ok_and(|d| d < dims);
        if known && !order.contains(&i) {
            order.push(i);
        }
    }
    for d in 0..dims as i64 {
        if !order.contains(&d) {
            order.push(d);
        }
    }
    if measures > 1 && !order.contains(&-1) {
        order.push(-1);
    }
    order
}

/// Whether a dimension's level has a total (`qOtherTotalSpec.qTotalMode` `TOTAL_EXPR`).
fn shows_total(d: &Value) -> bool {
    at(d, "/qOtherTotalSpec/qTotalMode").and_then(Value::as_str) == Some("TOTAL_EXPR")
}

/// The text of a dimension's total node: its `qTotalLabel` (a plain text), else `Totals`.
fn total_label(d: &Value) -> String {
    let label = d
        .get("qTotalLabel")
        .and_then(|l| l.get("qv").or(Some(l)))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty() && !s.trim_start().starts_with('='));
    label.unwrap_or("Totals").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value, measures: usize) -> PivotDef {
        PivotDef::parse(v.as_object().expect("an object"), measures)
    }

    #[test]
    fn the_pseudo_dimension_goes_where_the_order_puts_it_or_last() {
        let dims = json!([{}, {}, {}, {}]);
        let p = parse(
            json!({"qMode": "P", "qDimensions": dims, "qInterColumnSortOrder": [0, -1, 1, 2, 3], "qNoOfLeftDims": 3}),
            2,
        );
        assert_eq!(p.mode, Mode::Pivot);
        assert_eq!(p.order, vec![0, -1, 1, 2, 3]);
        assert_eq!(
            p.spec.left,
            vec![Level::Dim(0), Level::Measures, Level::Dim(1)]
        );
        assert_eq!(p.spec.top, vec![Level::Dim(2), Level::Dim(3)]);
        let p = parse(json!({"qDimensions": dims, "qNoOfLeftDims": 3}), 2);
        assert_eq!(p.order, vec![0, 1, 2, 3, -1]);
        assert_eq!(p.spec.top, vec![Level::Dim(3), Level::Measures]);
        assert_eq!(p.mode, Mode::Straight);
    }

    #[test]
    fn one_measure_has_no_pseudo_dimension_but_shows_on_top_without_top_dimensions() {
        let p = parse(json!({"qDimensions": [{}, {}], "qNoOfLeftDims": -1}), 1);
        assert_eq!(p.order, vec![0, 1]);
        assert_eq!(p.left, 2);
        assert_eq!(p.spec.top, vec![Level::Measures]);
        let p = parse(json!({"qDimensions": [{}, {}], "qNoOfLeftDims": 1}), 1);
        assert_eq!(p.spec.top, vec![Level::Dim(1)]);
    }

    #[test]
    fn totals_labels_and_flags_are_read_with_their_defaults() {
        let p = parse(
            json!({"qDimensions": [{"qOtherTotalSpec": {"qTotalMode": "TOTAL_EXPR"}, "qTotalLabel": {"qv": "All"}},
                                   {"qOtherTotalSpec": {"qTotalMode": "TOTAL_OFF"}}],
                   "qShowTotalsAbove": true, "qIndentMode": "yes", "qMode": "K", "qMaxStackedCells": 10}),
            1,
        );
        assert_eq!(p.spec.totals, vec![true, false]);
        assert_eq!(p.spec.total_labels, vec!["All", "Totals"]);
        assert!(p.spec.totals_above && !p.spec.fully_expanded && !p.indent);
        assert_eq!((p.mode, p.max_stacked_cells), (Mode::Stacked, 10));
    }
}
