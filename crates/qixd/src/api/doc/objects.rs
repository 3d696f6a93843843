//! Doc methods on generic objects: GetObject, GetObjects, GetAllInfos (creating and destroying them is
//! `view::objects`, shared with child objects).

use crate::api::{object_interface, Ctx};
use crate::handles::ObjectRef;
use crate::view::props::privileges;
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

pub fn get_object(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let Some(props) = doc.object(id) else {
        // Error 2 "Object not found": nebula.js creates the object (FieldList, DimensionList, ...) on it.
        return Err(RpcError::not_found(id));
    };
    let q_type = props["qInfo"]["qType"].as_str().unwrap_or("").to_string();
    let handle = ctx.handle_for(&ObjectRef::Object(id.to_string()))?;
    Ok(json!({"qReturn": object_interface("GenericObject", handle, &q_type, id)}))
}

/// `GetObjects`: the generic objects (persistent and session), optionally only some types.
pub fn get_objects(ctx: &mut Ctx<'_>, options: Map<String, Value>) -> Result<Value, RpcError> {
    let types: Vec<String> = options
        .get("qTypes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    // Session objects only when asked for (the engine's default leaves them out).
    let sessions_too = options
        .get("qIncludeSessionObjects")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let data = options.get("qData");
    let doc = ctx.doc()?;
    let list: Vec<Value> = doc
        .objects()
        .filter(|(id, _)| sessions_too || doc.object_is_persistent(id) == Some(true))
        .filter(|(_, p)| {
            types.is_empty()
                || types
                    .iter()
                    .any(|t| p["qInfo"]["qType"].as_str() == Some(t))
        })
        .map(|(_, p)| {
            let props = Value::Object(p.clone());
            json!({"qInfo": p["qInfo"], "qMeta": privileges(), "qData": crate::view::layout::data_paths(&props, data)})
        })
        .collect();
    Ok(crate::api::result("qList", list))
}

/// `GetAllInfos`: the identifiers of every object and variable.
pub fn all_infos(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let r = doc.record();
    let infos: Vec<Value> = doc
        .objects()
        .map(|(_, p)| p)
        .chain(r.dimensions.values())
        .chain(r.measures.values())
        .map(|p| p["qInfo"].clone())
        .chain(doc.variables().values().map(|v| v.props["qInfo"].clone()))
        .chain(r.bookmarks.values().map(|b| b.properties["qInfo"].clone()))
        .collect();
    Ok(crate::api::result("qInfos", infos))
}
