//! The renderer of stacked pages (`NxStackPage`, `qMode` `K`): one root cell (`R`) whose sub-nodes are the
//! first dimension's values in the page, each with its inner dimensions' values and, under the innermost,
//! the measure's cell (`V`). Every cell carries `qMaxPos` / `qMinNeg`, the sums of the positive and of the
//! negative values below it (what a stacked bar's extent is), and `qRow`, its first row in the cube.

use super::defs::Page;
use super::pivot::node_cell;
use super::render::Cells;
use qix_engine::hypercube::pivot::{CubeFn, Pivot};
use serde_json::{json, Map, Value};

/// A page of a stacked cube laid out as a pivot with every dimension on the left, fully expanded: the
/// outer values `page.top..` that fit in `max_cells` leaf cells (at least one).
pub fn page(
    pivot: &mut Pivot,
    cells: Cells<'_>,
    page: &Page,
    max_cells: usize,
    cube: &mut CubeFn<'_>,
) -> Value {
    let roots: Vec<usize> = pivot.left.roots().collect();
    let top = page.top.min(roots.len());
    let mut taken = 0;
    let mut used = 0;
    for &id in roots[top..].iter().take(page.height) {
        let n = pivot.left.node(id);
        if taken > 0 && used + n.leaves > max_cells {
            break;
        }
        used += n.leaves;
        taken += 1;
    }
    let mut sums = (0.0, 0.0);
    let mut subs = Vec::with_capacity(taken);
    for &id in &roots[top..top + taken] {
        let (cell, pos, neg) = stacked(id, pivot, cells, cube);
        sums = (sums.0 + pos, sums.1 + neg);
        subs.push(cell);
    }
    let root = json!({"qText": "", "qElemNo": -1, "qValue": "NaN", "qType": "R",
        "qMaxPos": sums.0, "qMinNeg": sums.1, "qUp": top, "qDown": roots.len() - top - taken,
        "qRow": 0, "qSubNodes": subs, "qAttrExps": {"qValues": []}, "qAttrDims": {"qValues": []}});
    json!({"qData": [root],
           "qArea": {"qLeft": page.left, "qTop": top, "qWidth": page.width, "qHeight": taken}})
}

/// Node `id` of the left axis with its sub-nodes, and the sums of the positive and negative values below
/// it.
fn stacked(
    id: usize,
    pivot: &mut Pivot,
    cells: Cells<'_>,
    cube: &mut CubeFn<'_>,
) -> (Value, f64, f64) {
    let mut out: Map<String, Value> = node_cell(&pivot.left, id, cells.def);
    let first_leaf = pivot.left.node(id).first_leaf;
    let (mut pos, mut neg) = (0.0, 0.0);
    let mut subs = Vec::new();
    if !pivot.left.has_children(id) {
        let cell = pivot.cell(first_leaf, 0, cube);
        let shown = cells.measure(cell.measure, &cell.value);
        let v = cell.value.num().filter(|v| v.is_finite()).unwrap_or(0.0);
        (pos, neg) = (v.max(0.0), v.min(0.0));
        subs.push(json!({"qText": shown["qText"], "qElemNo": 0, "qValue": shown["qNum"], "qType": "V",
            "qMaxPos": pos, "qMinNeg": neg, "qUp": 0, "qDown": 0, "qRow": first_leaf, "qSubNodes": [],
            "qAttrExps": {"qValues": []}, "qAttrDims": {"qValues": []}}));
    } else {
        let children: Vec<usize> = pivot.left.children(id).collect();
        for c in children {
            let (cell, p, q) = stacked(c, pivot, cells, cube);
            pos += p;
            neg += q;
            subs.push(cell);
        }
    }
    for (k, v) in [
        ("qMaxPos", json!(pos)),
        ("qMinNeg", json!(neg)),
        ("qUp", json!(0)),
        ("qDown", json!(0)),
        ("qRow", json!(first_leaf)),
        ("qSubNodes", Value::Array(subs)),
    ] {
        out.insert(k.into(), v);
    }
    (Value::Object(out), pos, neg)
}
