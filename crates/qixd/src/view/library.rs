//! Master items in place: a definition's `qLibraryId` references to master dimensions and measures
//! replaced by the masters' definitions (dollar-expanded), and drill-down groups set to their active
//! level (`groups`), before a cube is parsed. Shared by straight
//! and pivot layouts, data pages and selections.

use super::View;
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// Replaces `qLibraryId` references to master dimensions and measures by their definitions, and shows
/// each grouped dimension's active field. A definition with neither is returned as it is: every layout
/// of every chart passes through here, and a copy of its whole definition is most of what this costs.
pub fn resolve_library<'a>(
    view: &View<'_>,
    def: &'a Map<String, Value>,
) -> Cow<'a, Map<String, Value>> {
    if !needs_resolving(def) {
        return Cow::Borrowed(def);
    }
    let mut def = def.clone();
    if let Some(Value::Array(dims)) = def.get_mut("qDimensions") {
        for d in dims.iter_mut() {
            let lib = library_id(d).map(str::to_string);
            if let Some(m) = lib.and_then(|id| view.doc.record().dimensions.get(&id)) {
                // A cyclic master's active field is the object's own when it has one (stepped, even
                // back to field 0), else the master's (`GenericDimension.StepCycle`).
                let active = d
                    .pointer("/qDef/qActiveField")
                    .filter(|a| a.as_u64().is_some())
                    .cloned();
                d["qDef"] = m.get("qDim").cloned().unwrap_or(json!({}));
                if let (Some(a), Value::Object(def)) = (active, &mut d["qDef"]) {
                    def.insert("qActiveField".into(), a);
                }
                expand_master(view, &mut d["qDef"]);
            }
        }
    }
    // Drill-down groups show the level the selections reached.
    super::groups::activate_all(view, &mut def);
    if let Some(Value::Array(ms)) = def.get_mut("qMeasures") {
        for d in ms.iter_mut() {
            let lib = library_id(d).map(str::to_string);
            if let Some(m) = lib.and_then(|id| view.doc.record().measures.get(&id)) {
                d["qDef"] = m.get("qMeasure").cloned().unwrap_or(json!({}));
                expand_master(view, &mut d["qDef"]);
            }
        }
    }
    Cow::Owned(def)
}

/// Whether some dimension or measure of a cube definition names a master item, or some dimension is a
/// group (see [`super::groups`]).
fn needs_resolving(def: &Map<String, Value>) -> bool {
    let items = |key: &str| def.get(key).and_then(Value::as_array).into_iter().flatten();
    let grouped = |d: &Value| (d.get("qDef")).is_some_and(|q| super::groups::group_of(q).is_some());
    items("qDimensions").any(|d| library_id(d).is_some() || grouped(d))
        || items("qMeasures").any(|m| library_id(m).is_some())
}

/// The master item a dimension or measure names (`qLibraryId`, when not empty).
fn library_id(item: &Value) -> Option<&str> {
    (item.get("qLibraryId").and_then(Value::as_str)).filter(|id| !id.is_empty())
}

/// Master items may use `$(...)` too: a master definition put in place of a `qLibraryId` is expanded
/// then (the object's own properties were expanded once, before their layout or data was asked for).
fn expand_master(view: &View<'_>, def: &mut Value) {
    if let Value::Object(m) = def {
        super::dollar::expand_props(view, m);
    }
}
