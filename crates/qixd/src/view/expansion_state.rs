//! `qExpansionState` of a pivot's properties: the expanded nodes it starts with (a session's own
//! `ExpandLeft` / `CollapseTop` then take over).
//!
//! Each `ExpansionData` names one node by `qPos` — `qDimName`, the dimension of the node (its field or
//! label), and `qElemNo`, the element numbers of the values on its path from the axis' first level
//! down to it — and says whether it is expanded (`qExcludeList` false) or collapsed out of a
//! fully expanded axis (`qExcludeList` true: the axis starts expanded, this node excepted). Nodes under
//! the measure pseudo-dimension, or whose dimension is on no axis, are left out. (Qlik documents the
//! types only; this reading is a guess, listed in the README.)

use qix_engine::hypercube::pivot::{Expansion, Level, NodeKey, PivotSpec};
use serde_json::{Map, Value};

/// The starting expansion of a `qHyperCubeDef` laid out as `spec`, `dims` its `qDimensions`.
pub fn parse(def: &Map<String, Value>, spec: &PivotSpec, dims: &[Value]) -> Expansion {
    let mut out = Expansion::default();
    let entries = def.get("qExpansionState").and_then(Value::as_array);
    for e in entries.into_iter().flatten() {
        let Some(name) = e.pointer("/qPos/qDimName").and_then(Value::as_str) else {
            continue;
        };
        let Some(dim) = dims.iter().position(|d| names(d).iter().any(|n| n == name)) else {
            continue;
        };
        let path: Vec<NodeKey> = e
            .pointer("/qPos/qElemNo")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .map(|n| NodeKey::Value(u32::try_from(n).ok(), false))
            .collect();
        let exclude = e
            .get("qExcludeList")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        for (levels, set) in [(&spec.left, &mut out.left), (&spec.top, &mut out.top)] {
            let Some(depth) = levels.iter().position(|l| *l == Level::Dim(dim)) else {
                continue;
            };
            let plain = levels[..=depth].iter().all(|l| matches!(l, Level::Dim(_)));
            if !plain || path.len() != depth + 1 {
                continue;
            }
            if exclude && !set.all {
                set.set_all(true);
            }
            set.set(path.clone(), !exclude);
        }
    }
    out
}

/// The names a dimension answers to: its field and its label.
fn names(d: &Value) -> Vec<String> {
    ["/qDef/qFieldDefs/0", "/qDef/qFieldLabels/0"]
        .iter()
        .filter_map(|p| d.pointer(p).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> PivotSpec {
        PivotSpec {
            left: vec![Level::Dim(0), Level::Dim(1)],
            top: vec![Level::Measures],
            ..Default::default()
        }
    }

    #[test]
    fn named_nodes_start_expanded() {
        let dims = [
            json!({"qDef": {"qFieldDefs": ["Region"]}}),
            json!({"qDef": {"qFieldDefs": ["City"]}}),
        ];
        let def = json!({"qExpansionState": [
            {"qExcludeList": false, "qPos": {"qDimName": "Region", "qElemNo": [2]}},
            {"qExcludeList": false, "qPos": {"qDimName": "Nowhere", "qElemNo": [1]}},
            {"qExcludeList": false, "qPos": {"qDimName": "City", "qElemNo": [2]}}
        ]});
        let e = parse(def.as_object().unwrap_or(&Map::new()), &spec(), &dims);
        assert!(e.left.is_expanded(&[NodeKey::Value(Some(2), false)]));
        assert!(!e.left.is_expanded(&[NodeKey::Value(Some(1), false)]));
        assert_eq!(
            e.left.toggled.len(),
            1,
            "a path of the wrong length names nothing"
        );
        assert_eq!(e.top, Default::default());
    }

    #[test]
    fn an_exclude_list_starts_expanded_but_those() {
        let dims = [json!({"qDef": {"qFieldDefs": ["Region"], "qFieldLabels": ["R"]}})];
        let def = json!({"qExpansionState": [
            {"qExcludeList": true, "qPos": {"qDimName": "R", "qElemNo": [0]}}
        ]});
        let e = parse(def.as_object().unwrap_or(&Map::new()), &spec(), &dims);
        assert!(e.left.all);
        assert!(!e.left.is_expanded(&[NodeKey::Value(Some(0), false)]));
        assert!(e.left.is_expanded(&[NodeKey::Value(Some(3), false)]));
    }
}
