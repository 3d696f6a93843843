//! The GenericObject class. Until the engine computes hypercubes and list objects, a layout is the
//! object's properties with `qMetaDef` turned into `qMeta` and an empty `qSelectionInfo`.

use super::doc::privileges;
use super::{obj_param, Ctx};
use crate::handles::ObjectRef;
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// Runs a GenericObject method on object `id`; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    id: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "GetLayout" => layout(ctx, id),
        "GetProperties" | "GetEffectiveProperties" => {
            props(ctx, id).map(|p| json!({"qProp": p.clone()}))
        }
        "GetInfo" => props(ctx, id).map(|p| json!({"qInfo": p["qInfo"].clone()})),
        "SetProperties" => set_properties(ctx, id, obj_param(p, "qProp")),
        _ => return None,
    })
}

/// The object's properties. Its handle outliving it (destroyed by another socket a moment ago) is the
/// engine's invalid-handle case.
fn props<'c>(ctx: &'c mut Ctx<'_>, id: &str) -> Result<&'c mut Map<String, Value>, RpcError> {
    ctx.doc()?
        .objects
        .get_mut(id)
        .ok_or_else(RpcError::invalid_handle)
}

/// A layout from properties: `qMetaDef` becomes `qMeta` (with the user's privileges), plus `qSelectionInfo`.
pub fn layout_from_props(props: &Map<String, Value>) -> Map<String, Value> {
    let mut layout = Map::new();
    for (k, v) in props {
        if k == "qMetaDef" {
            let mut meta = v.as_object().cloned().unwrap_or_default();
            if let Value::Object(p) = privileges() {
                meta.extend(p);
            }
            layout.insert("qMeta".into(), Value::Object(meta));
        } else {
            layout.insert(k.clone(), v.clone());
        }
    }
    layout.insert("qSelectionInfo".into(), json!({}));
    layout
}

fn layout(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let layout = layout_from_props(props(ctx, id)?);
    ctx.doc()?.validate(&ObjectRef::Object(id.to_string()));
    Ok(json!({"qLayout": layout}))
}

fn set_properties(
    ctx: &mut Ctx<'_>,
    id: &str,
    mut new: Map<String, Value>,
) -> Result<Value, RpcError> {
    let current = props(ctx, id)?;
    // The id cannot change; the type can.
    let mut info = current["qInfo"].as_object().cloned().unwrap_or_default();
    if let Some(Value::Object(given)) = new.remove("qInfo") {
        if let Some(t) = given.get("qType").filter(|t| t.is_string()) {
            info.insert("qType".into(), t.clone());
        }
    }
    let mut next = Map::new();
    next.insert("qInfo".into(), Value::Object(info));
    next.insert(
        "qMetaDef".into(),
        new.remove("qMetaDef").unwrap_or_else(|| json!({})),
    );
    next.extend(new);
    *current = next;
    ctx.invalidate(ObjectRef::Object(id.to_string()))?;
    Ok(json!({}))
}
