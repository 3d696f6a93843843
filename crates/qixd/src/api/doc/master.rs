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
    let object = kind.object(&id);
    doc.add_to_record(object.clone(), |r| {
        kind.items_mut(r).insert(id.clone(), props)
    });
    let handle = ctx.handle_for(&object)?;
    Ok(json!({"qInfo": info, "qReturn": object_interface(kind.class(), handle, &q_type, &id)}))
}

/// `GetDimension` / `GetMeasure` (a missing id is error 2, as for GetObject).
pub fn get(ctx: &mut Ctx<'_>, kind: Kind, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let Some(props) = kind.items(doc.record()).get(id) else {
        return Err(RpcError::not_found(id));
    };
    let q_type = props["qInfo"]["qType"].as_str().unwrap_or("").to_string();
    let handle = ctx.handle_for(&kind.object(id))?;
    Ok(json!({"qReturn": object_interface(kind.class(), handle, &q_type, id)}))
}

/// `DestroyDimension` / `DestroyMeasure`.
pub fn destroy(ctx: &mut Ctx<'_>, kind: Kind, id: &str) -> Result<Value, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    let removed = doc.remove_from_record(kind.object(id), effects, |r| {
        kind.items_mut(r).remove(id).is_some()
    });
    Ok(json!({"qSuccess": removed}))
}
