//! Doc methods on master items: CreateDimension / CreateMeasure, GetDimension / GetMeasure, DestroyDimension /
//! DestroyMeasure.

use crate::api::{object_interface, Ctx};
use crate::view::master::Kind;
use crate::view::props::prepare_props;
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// `CreateDimension` / `CreateMeasure`.
pub fn create(
    ctx: &mut Ctx<'_>,
    kind: Kind,
    mut props: Map<String, Value>,
) -> Result<Value, RpcError> {
    if !props.get(kind.key()).is_some_and(Value::is_object) {
        return Err(RpcError::invalid_params(format!(
            "qProp.{} is required",
            kind.key()
        )));
    }
    if let Value::Object(info) = props.entry("qInfo").or_insert_with(|| json!({})) {
        info.entry("qType")
            .or_insert_with(|| json!(kind.default_type()));
    }
    let doc = ctx.doc()?;
    let (id, mut props) = prepare_props(doc, props)?;
    kind.fill_defaults(&mut props);
    let info = props["qInfo"].clone();
    let q_type = info["qType"].as_str().unwrap_or("").to_string();
    kind.items(doc).insert(id.clone(), props);
    doc.modified = true;
    let object = kind.object(&id);
    let mut ignored = Default::default();
    doc.invalidate(object.clone(), &mut ignored);
    let handle = ctx.handle_for(&object)?;
    Ok(json!({"qInfo": info, "qReturn": object_interface(kind.class(), handle, &q_type, &id)}))
}

/// `GetDimension` / `GetMeasure` (a missing id is error 2, as for GetObject).
pub fn get(ctx: &mut Ctx<'_>, kind: Kind, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let Some(props) = kind.items(doc).get(id) else {
        return Err(RpcError::not_found(id));
    };
    let q_type = props["qInfo"]["qType"].as_str().unwrap_or("").to_string();
    let handle = ctx.handle_for(&kind.object(id))?;
    Ok(json!({"qReturn": object_interface(kind.class(), handle, &q_type, id)}))
}

/// `DestroyDimension` / `DestroyMeasure`.
pub fn destroy(ctx: &mut Ctx<'_>, kind: Kind, id: &str) -> Result<Value, RpcError> {
    let doc = ctx
        .state
        .doc
        .as_mut()
        .ok_or_else(crate::api::no_active_doc)?;
    if kind.items(doc).remove(id).is_none() {
        return Ok(json!({"qSuccess": false}));
    }
    doc.modified = true;
    doc.remove(kind.object(id), &mut ctx.effects);
    Ok(json!({"qSuccess": true}))
}
