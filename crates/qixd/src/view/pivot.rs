//! The renderer of pivot pages (`NxPivotPage`): the visible nodes of each axis that a page's rows and
//! columns span, as trees of `NxPivotDimensionCell` with `qUp` / `qDown` (a node's leaves before and
//! after the page), and the data cells as `NxPivotValuePoint`s. Nothing here computes: the engine's
//! [`Pivot`] is read, its cells asked for through the caller's cube function.

use super::defs::{CubeDef, Page};
use super::render::{num_json, Cells};
use qix_engine::hypercube::pivot::{Axis, CubeFn, NodeKind, Pivot};
use qix_engine::hypercube::DimCell;
use serde_json::{json, Map, Value};

/// A page of `pivot`, clipped to its data matrix.
pub fn page(pivot: &mut Pivot, cells: Cells<'_>, page: &Page, cube: &mut CubeFn<'_>) -> Value {
    let (width, height) = (pivot.width(), pivot.height());
    let left = page.left.min(width);
    let w = page.width.min(width - left);
    let top = page.top.min(height);
    let h = page.height.min(height - top);
    let def = cells.def;
    let q_left = nodes(&pivot.left, pivot.left.roots(), top, top + h, def);
    let q_top = nodes(&pivot.top, pivot.top.roots(), left, left + w, def);
    let mut data = Vec::with_capacity(h);
    for row in top..top + h {
        let line: Vec<Value> = (left..left + w)
            .map(|col| value_point(&pivot.cell(row, col, cube), cells))
            .collect();
        data.push(Value::Array(line));
    }
    json!({"qLeft": q_left, "qTop": q_top, "qData": data,
           "qArea": {"qLeft": left, "qTop": top, "qWidth": w, "qHeight": h}})
}

/// A data cell: its measure's text and number, `T` in a total row or column, `E` where no data has the
/// combination.
fn value_point(cell: &qix_engine::hypercube::pivot::Cell, cells: Cells<'_>) -> Value {
    let formatted = cells.measure(cell.measure, &cell.value);
    let kind = match (cell.missing, cell.total) {
        (_, true) => "T",
        (true, false) => "E",
        (false, false) => "V",
    };
    json!({"qText": formatted["qText"], "qNum": formatted["qNum"], "qType": kind,
           "qAttrExps": {"qValues": []}, "qAttrDims": {"qValues": []}})
}

/// The nodes of `axis` among `ids` spanning leaves `lo..hi`, with their sub-nodes.
fn nodes(
    axis: &Axis,
    ids: impl Iterator<Item = usize>,
    lo: usize,
    hi: usize,
    def: &CubeDef,
) -> Vec<Value> {
    let mut out = Vec::new();
    for id in ids {
        let n = axis.node(id);
        if n.first_leaf >= hi {
            break; // siblings come in leaf order
        }
        if n.first_leaf + n.leaves <= lo {
            continue;
        }
        let mut cell = node_cell(axis, id, def);
        cell.insert("qUp".into(), json!(lo.saturating_sub(n.first_leaf)));
        let end = n.first_leaf + n.leaves;
        cell.insert("qDown".into(), json!(end.saturating_sub(hi)));
        let subs = nodes(axis, axis.children(id), lo, hi, def);
        cell.insert("qSubNodes".into(), Value::Array(subs));
        out.push(Value::Object(cell));
    }
    out
}

/// Node `id`'s own fields (`qCanExpand` / `qCanCollapse` only when true, as the engine writes them).
pub fn node_cell(axis: &Axis, id: usize, def: &CubeDef) -> Map<String, Value> {
    let n = axis.node(id);
    let (text, elem, value, kind) = match n.kind {
        NodeKind::Value(..) => axis.value(id).map_or_else(null_fields, dim_fields),
        NodeKind::Total(d) => (axis.total_label(d).to_string(), -1, json!("NaN"), "T"),
        NodeKind::Measure(m) => {
            let label = def
                .measures
                .get(m)
                .map(|m| m.label.as_ref().unwrap_or(&m.expr));
            let label = label.cloned().unwrap_or_default();
            (label, m as i64, json!("NaN"), "P")
        }
    };
    let mut out = Map::new();
    out.insert("qText".into(), json!(text));
    out.insert("qElemNo".into(), json!(elem));
    out.insert("qValue".into(), value);
    if n.can_expand {
        out.insert("qCanExpand".into(), json!(true));
    }
    if n.can_collapse {
        out.insert("qCanCollapse".into(), json!(true));
    }
    out.insert("qType".into(), json!(kind));
    out.insert("qAttrExps".into(), json!({"qValues": []}));
    out.insert("qAttrDims".into(), json!({"qValues": []}));
    out
}

/// Text, element number, value and type of a NULL value.
fn null_fields() -> (String, i64, Value, &'static str) {
    ("-".to_string(), -2, json!("NaN"), "U")
}

/// Text, element number, value and type of a dimension value: `U` / -2 for NULL, `O` / -3 for Others.
fn dim_fields(cell: &DimCell) -> (String, i64, Value, &'static str) {
    match (cell.other, cell.symbol) {
        (true, _) => (cell.text.to_string(), -3, json!("NaN"), "O"),
        (false, None) => null_fields(),
        (false, Some(s)) => (cell.text.to_string(), i64::from(s), num_json(cell.num), "N"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qix_engine::hypercube::pivot::{Level, NodeKey, NodeSet, PivotSpec};
    use qix_engine::hypercube::{CubeRow, HyperCube};
    use qix_engine::{HyperCubeDef, State};
    use std::sync::Arc;

    fn cell(s: u32) -> DimCell {
        DimCell {
            symbol: Some(s),
            text: format!("v{s}").into(),
            num: None,
            state: State::Optional,
            other: false,
        }
    }

    #[test]
    fn a_page_keeps_the_nodes_it_spans_with_the_leaves_outside_it_counted() {
        // v0{v1, v2, v3} (expanded, leaves 0..3) and v4 (collapsed, leaf 3); the page is rows 1..3.
        let rows = [(0, 1), (0, 2), (0, 3), (4, 5)].map(|(a, b)| CubeRow {
            dims: [cell(a), cell(b)].into_iter().collect(),
            measures: Default::default(),
            attrs: Vec::new(),
        });
        let sub = Arc::new(HyperCube {
            rows: rows.to_vec(),
            totals: Vec::new(),
            dim_info: Vec::new(),
            measure_range: Vec::new(),
            measure_errors: Vec::new(),
            calculated: Vec::new(),
        });
        let def = HyperCubeDef::of(&["A", "B"], &[]);
        let levels = [Level::Dim(0), Level::Dim(1)];
        let mut set = NodeSet::default();
        set.set(vec![NodeKey::Value(Some(0), false)], true);
        let spec = PivotSpec::default();
        let mut cube = |_: &HyperCubeDef| Ok(sub.clone());
        let axis = Axis::build(&def, &spec, &levels, &set, 0, &mut cube).expect("axis");
        assert_eq!(axis.leaf_count(), 4);
        let out = nodes(&axis, axis.roots(), 1, 3, &CubeDef::default());
        assert_eq!(out.len(), 1, "v4 is after the page");
        assert_eq!(
            (out[0]["qUp"].clone(), out[0]["qDown"].clone()),
            (json!(1), json!(0))
        );
        let subs = out[0]["qSubNodes"].as_array().expect("sub-nodes");
        let texts: Vec<_> = subs.iter().map(|s| s["qText"].clone()).collect();
        assert_eq!(texts, vec![json!("v2"), json!("v3")]);
        assert_eq!(out[0]["qCanCollapse"], json!(true));
        assert!(out[0].get("qCanExpand").is_none(), "false is left out");
        assert_eq!(subs[0]["qType"], json!("N"));
        assert_eq!(subs[0]["qElemNo"], json!(2));
        let last = nodes(&axis, axis.roots(), 3, 4, &CubeDef::default());
        assert_eq!(last[0]["qText"], json!("v4"));
        assert_eq!(last[0]["qCanExpand"], json!(true));
        assert_eq!(axis.path(axis.node_at(2, 1).expect("v3")), {
            vec![
                NodeKey::Value(Some(0), false),
                NodeKey::Value(Some(3), false),
            ]
        });
    }

    #[test]
    fn nulls_others_and_totals_have_their_types_and_element_numbers() {
        let null = DimCell {
            symbol: None,
            text: "-".into(),
            num: None,
            state: State::Optional,
            other: false,
        };
        assert_eq!(dim_fields(&null).1, -2);
        assert_eq!(dim_fields(&null).3, "U");
        let other = DimCell {
            other: true,
            text: "Others".into(),
            ..null
        };
        assert_eq!((dim_fields(&other).1, dim_fields(&other).3), (-3, "O"));
    }
}
