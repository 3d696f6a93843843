//! Child objects: CreateChild / GetChild / GetParent / GetChildInfos / DestroyChild / DestroyAllChildren,
//! `qChildListDef`, and the whole tree at once (GetFullPropertyTree / SetFullPropertyTree).
//!
//! A child is a generic object with a parent link; it is persistent when its parent is (saved by DoSave)
//! and dies with its parent.

use crate::api::{object_interface, Ctx};
use crate::handles::ObjectRef;
use crate::view::objects::{create_object, set_properties};
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

pub fn null_handle() -> Value {
    json!({"qReturn": {"qType": null, "qHandle": null, "qGenericType": null, "qGenericId": null}})
}

/// Sets the parent's own properties when a `qPropForThis` came with the call.
pub fn prop_for_this(ctx: &mut Ctx<'_>, id: &str, p: &Map<String, Value>) -> Result<(), RpcError> {
    if let Some(Value::Object(own)) = p.get("qPropForThis") {
        if !own.is_empty() {
            set_properties(ctx, id, own.clone())?;
        }
    }
    Ok(())
}

/// `CreateChild`: a new object under `parent` (persistent when the parent is).
pub fn create(ctx: &mut Ctx<'_>, parent: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let child = match p.get("qProp") {
        Some(Value::Object(m)) => m.clone(),
        _ => return Err(RpcError::invalid_params("qProp must be an object")),
    };
    let max = ctx.env.limits.max_child_depth;
    let mut depth = 1;
    let mut up = ctx.doc()?.parent_of(parent);
    while let Some(p) = up {
        depth += 1;
        if depth >= max {
            return Err(RpcError::invalid_params(format!(
                "child objects nested too deeply (more than {max} levels)"
            )));
        }
        up = ctx.doc()?.parent_of(&p);
    }
    let persistent = ctx.doc()?.object_is_persistent(parent) == Some(true);
    let mut r = create_object(ctx, child, persistent)?;
    let id = r["qReturn"]["qGenericId"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let (doc, effects) = ctx.doc_effects()?;
    doc.add_child(parent, &id, effects);
    prop_for_this(ctx, parent, p)?;
    if r.get("qInfo").is_none() {
        let info = r["qReturn"].clone();
        r["qInfo"] = json!({"qId": info["qGenericId"], "qType": info["qGenericType"]});
    }
    Ok(r)
}

/// `GetChild`: a child of this object by id (a null handle when it is not one).
pub fn get(ctx: &mut Ctx<'_>, parent: &str, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    if doc.parent_of(id).as_deref() != Some(parent) {
        return Ok(null_handle());
    }
    open(ctx, id)
}

/// `GetParent`.
pub fn parent(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    match ctx.doc()?.parent_of(id) {
        Some(parent) => open(ctx, &parent),
        None => Err(RpcError::new(
            ErrorCode::NotFound,
            "the object has no parent",
        )),
    }
}

pub fn open(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let q_type = match ctx.doc()?.object(id) {
        Some(p) => p["qInfo"]["qType"].as_str().unwrap_or("").to_string(),
        None => return Ok(null_handle()),
    };
    let handle = ctx.handle_for(&ObjectRef::Object(id.to_string()))?;
    Ok(json!({"qReturn": object_interface("GenericObject", handle, &q_type, id)}))
}

/// `GetChildInfos`.
pub fn infos(ctx: &mut Ctx<'_>, parent: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let infos: Vec<Value> = doc
        .children(parent)
        .iter()
        .filter_map(|c| doc.object(c).map(|p| p["qInfo"].clone()))
        .collect();
    Ok(json!({"qInfos": infos}))
}

/// `DestroyChild` (with its own children).
pub fn destroy(ctx: &mut Ctx<'_>, parent: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let id = p.get("qId").and_then(Value::as_str).unwrap_or("");
    let doc = ctx.doc()?;
    if doc.parent_of(id).as_deref() != Some(parent) {
        return Ok(json!({"qSuccess": false}));
    }
    // Its parent is stale: its child list changed.
    let (doc, effects) = ctx.doc_effects()?;
    doc.destroy_object(id, effects);
    prop_for_this(ctx, parent, p)?;
    Ok(json!({"qSuccess": true}))
}

/// `DestroyAllChildren`.
pub fn destroy_all(
    ctx: &mut Ctx<'_>,
    parent: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    for child in doc.children(parent).to_vec() {
        doc.destroy_object(&child, effects);
    }
    prop_for_this(ctx, parent, p)?;
    // The parent is stale even when it had no children.
    let (doc, effects) = ctx.doc_effects()?;
    doc.set_children(parent, Vec::new(), effects);
    Ok(json!({}))
}

/// `GetFullPropertyTree`: `{qProperty, qChildren: [...], qEmbeddedSnapshotRef}` all the way down.
pub fn full_tree(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    fn entry(doc: &crate::doc::DocState, id: &str) -> Value {
        let children: Vec<Value> = doc.children(id).iter().map(|c| entry(doc, c)).collect();
        json!({"qProperty": doc.object(id).cloned().unwrap_or_default(), "qChildren": children})
    }
    if doc.object(id).is_none() {
        return Err(RpcError::invalid_handle());
    }
    Ok(json!({"qPropEntry": entry(doc, id)}))
}

/// `SetFullPropertyTree`: this object's properties, and its children made to match the tree (updated by
/// id, created when new, destroyed when left out).
pub fn set_full_tree(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let entry = p
        .get("qPropEntry")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| RpcError::invalid_params("qPropEntry must be an object"))?;
    set_entry(ctx, id, &entry)?;
    Ok(json!({}))
}

pub fn set_entry(ctx: &mut Ctx<'_>, id: &str, entry: &Map<String, Value>) -> Result<(), RpcError> {
    if let Some(Value::Object(own)) = entry.get("qProperty") {
        set_properties(ctx, id, own.clone())?;
    }
    let wanted: Vec<Map<String, Value>> = entry
        .get("qChildren")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .cloned()
        .collect();
    let wanted_ids: Vec<String> = wanted
        .iter()
        .filter_map(|e| {
            e.get("qProperty")?
                .pointer("/qInfo/qId")?
                .as_str()
                .map(str::to_string)
        })
        .collect();
    let (doc, effects) = ctx.doc_effects()?;
    for old in doc.children(id).to_vec() {
        if !wanted_ids.contains(&old) {
            doc.destroy_object(&old, effects);
        }
    }
    let mut order = vec![];
    for child in wanted {
        let props = child
            .get("qProperty")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| RpcError::invalid_params("qChildren[].qProperty must be an object"))?;
        let cid = props
            .get("qInfo")
            .and_then(|i| i.get("qId"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let existing = ctx.doc()?.parent_of(&cid).as_deref() == Some(id);
        let cid = if existing {
            set_properties(ctx, &cid, props)?;
            cid
        } else {
            let mut args = Map::new();
            args.insert("qProp".into(), Value::Object(props));
            let created = create(ctx, id, &args)?;
            created["qReturn"]["qGenericId"]
                .as_str()
                .unwrap_or("")
                .to_string()
        };
        let mut rest = child.clone();
        rest.remove("qProperty");
        set_entry(ctx, &cid, &rest)?;
        order.push(cid);
    }
    // The children take the tree's order.
    let (doc, effects) = ctx.doc_effects()?;
    doc.set_children(id, order, effects);
    Ok(())
}

/// `SetChildArrayOrder`: the children in the order of `qIds` (ids not among them keep their place after).
pub fn set_order(
    ctx: &mut Ctx<'_>,
    parent: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let wanted: Vec<String> = p
        .get("qIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let (doc, effects) = ctx.doc_effects()?;
    let current = doc.children(parent);
    let mut order: Vec<String> = wanted
        .into_iter()
        .filter(|id| current.contains(id))
        .collect();
    for id in current {
        if !order.contains(id) {
            order.push(id.clone());
        }
    }
    doc.set_children(parent, order, effects);
    Ok(json!({}))
}
