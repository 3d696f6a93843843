//! Generic objects' lifecycle: creating, destroying and setting the properties of an object (and its
//! children), shared by the Doc methods and the GenericObject ones.

use super::context::{object_interface, Ctx};
use super::props::prepare_props;
use crate::handles::ObjectRef;
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// `CreateObject` / `CreateSessionObject` / a child's creation: a new generic object (`persistent`: saved
/// by DoSave) under an id free in the session, with the engine's defaults; answers with the caller's
/// handle for it.
pub fn create_object(
    ctx: &mut Ctx<'_>,
    props: Map<String, Value>,
    persistent: bool,
) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let (id, mut props) = prepare_props(doc, props)?;
    crate::view::defaults::object(&mut props);
    let q_type = props["qInfo"]["qType"].as_str().unwrap_or("").to_string();
    let info = props["qInfo"].clone();
    doc.insert_object(id.clone(), props, persistent);
    let handle = ctx.handle_for(&ObjectRef::Object(id.clone()))?;
    let ret = object_interface("GenericObject", handle, &q_type, &id);
    Ok(if persistent {
        json!({"qInfo": info, "qReturn": ret})
    } else {
        json!({"qReturn": ret})
    })
}

/// `DestroyObject` (`persistent`) / `DestroySessionObject` / a child's destruction: destroys the object,
/// with its children, when it is of that kind; `qSuccess` false otherwise.
pub fn destroy_object(ctx: &mut Ctx<'_>, id: &str, persistent: bool) -> Result<Value, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    let done = doc.object_is_persistent(id) == Some(persistent) && doc.destroy_object(id, effects);
    Ok(json!({"qSuccess": done}))
}

/// The object's properties (without soft patches). Its handle outliving it (destroyed by another socket a
/// moment ago) is the engine's invalid-handle case.
pub fn props<'c>(ctx: &'c mut Ctx<'_>, id: &str) -> Result<&'c Map<String, Value>, RpcError> {
    ctx.doc()?.object(id).ok_or_else(RpcError::invalid_handle)
}

/// `SetProperties`: the new properties replace the old (the id stays; the type may change), soft patches
/// go.
pub fn set_properties(
    ctx: &mut Ctx<'_>,
    id: &str,
    mut new: Map<String, Value>,
) -> Result<Value, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    doc.set_object_props(id, effects, |current| {
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
        crate::view::defaults::object(&mut next);
        Ok(next)
    })?;
    Ok(json!({}))
}
