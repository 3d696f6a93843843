//! The renderer of stacked pages (`NxStackPage`, `qMode` `K`): one root cell (`R`) whose sub-nodes are the
//! first dimension's values in the page, each with its inner dimensions' values and, under the innermost,
//! the measure's cell (`V`). Every cell carries `qMaxPos` / `qMinNeg`, the sums of the positive and of the
//! negative values below it (what a stacked bar's extent is), and `qRow`, its first row in the cube.

use super::defs::Page;
use super::pivot::node_cell;
use super::render::Cells;
use qix_engine::hypercube::pivot::{CubeFn, Node, Pivot};
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
    let roots = pivot.left.roots.clone();
    let top = page.top.min(roots.len());
    let mut taken = 0;
    let mut used = 0;
    for n in roots[top..].iter().take(page.height) {
        if taken > 0 && used + n.leaves > max_cells {
            break;
        }
        used += n.leaves;
        taken += 1;
    }
    let mut sums = (0.0, 0.0);
    let mut subs = Vec::with_capacity(taken);
    for n in &roots[top..top + taken] {
        let (cell, pos, neg) = stacked(n, pivot, cells, cube);
        sums = (sums.0 + pos, sums.1 + neg);
        subs.push(cell);
    }
    let root = json!({"qText": "", "qElemNo": -1, "qValue": "NaN", "qType": "R",
        "qMaxPos": sums.0, "qMinNeg": sums.1, "qUp": top, "qDown": roots.len() - top - taken,
        "qRow": 0, "qSubNodes": subs, "qAttrExps": {"qValues": []}, "qAttrDims": {"qValues": []}});
    json!({"qData": [root],
           "qArea": {"qLeft": page.left, "qTop": top, "qWidth": page.width, "qHeight": taken}})
}

/// A node with its sub-nodes, and the sums of the positive and negative values below it.
fn stacked(
    n: &Node,
    pivot: &mut Pivot,
    cells: Cells<'_>,
    cube: &mut CubeFn<'_>,
) -> (Value, f64, f64) {
    let mut out: Map<String, Value> = node_cell(n, cells.def);
    let (mut pos, mut neg) = (0.0, 0.0);
    let mut subs = Vec::new();
    if n.children.is_empty() {
        let cell = pivot.cell(n.first_leaf, 0, cube);
        let shown = cells.measure(cell.measure, &cell.value);
        let v = cell.value.num().filter(|v| v.is_finite()).unwrap_or(0.0);
        (pos, neg) = (v.max(0.0), v.min(0.0));
        subs.push(json!({"qText": shown["qText"], "qElemNo": 0, "qValue": shown["qNum"], "qType": "V",
            "qMaxPos": pos, "qMinNeg": neg, "qUp": 0, "qDown": 0, "qRow": n.first_leaf, "qSubNodes": [],
            "qAttrExps": {"qValues": []}, "qAttrDims": {"qValues": []}}));
    } else {
        for c in &n.children {
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
        ("qRow", json!(n.first_leaf)),
        ("qSubNodes", Value::Array(subs)),
    ] {
        out.insert(k.into(), v);
    }
    (Value::Object(out), pos, neg)
}
