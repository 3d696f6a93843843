//! Doc methods on variables: CreateSessionVariable, CreateVariableEx, GetVariableByName / ById, Destroy*.

use crate::api::{object_interface, Ctx};
use crate::handles::ObjectRef;
use crate::view::props::prepare_props;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// CreateSessionVariable (dies with the session) and CreateVariableEx (saved with the app by DoSave).
pub fn create_variable(
    ctx: &mut Ctx<'_>,
    mut props: Map<String, Value>,
    persistent: bool,
) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let name = props
        .get("qName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        return Err(RpcError::new(ErrorCode::VariableNoName, "qName"));
    }
    if doc.variable_id_by_name(&name).is_some() {
        return Err(RpcError::new(ErrorCode::VariableDuplicateName, name));
    }
    let info = props.entry("qInfo").or_insert_with(|| json!({}));
    if let Value::Object(info) = info {
        info.entry("qType").or_insert_with(|| json!("variable"));
    } else {
        return Err(RpcError::invalid_params("qProp.qInfo must be an object"));
    }
    let (id, props) = prepare_props(doc, props)?;
    let info = props["qInfo"].clone();
    doc.insert_variable(id.clone(), props, persistent);
    let handle = ctx.handle_for(&ObjectRef::Variable(id.clone()))?;
    let returned = object_interface("GenericVariable", handle, "variable", &id);
    Ok(if persistent {
        json!({"qInfo": info, "qReturn": returned})
    } else {
        json!({"qReturn": returned})
    })
}

/// DestroyVariableById / DestroyVariableByName / DestroySessionVariable: `qSuccess` false when there is
/// no such variable.
pub fn destroy_variable(
    ctx: &mut Ctx<'_>,
    id: Option<&str>,
    name: Option<&str>,
) -> Result<Value, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    let id = match (id, name) {
        (Some(id), _) => Some(id.to_string()),
        (None, Some(name)) => doc.variable_id_by_name(name),
        (None, None) => None,
    };
    let removed = id.is_some_and(|id| doc.remove_variable(&id, effects));
    Ok(json!({"qSuccess": removed}))
}

pub fn variable_return(ctx: &mut Ctx<'_>, id: Option<String>) -> Result<Value, RpcError> {
    let Some(id) = id else {
        return Ok(
            json!({"qReturn": {"qType": null, "qHandle": null, "qGenericType": null, "qGenericId": null}}),
        );
    };
    let handle = ctx.handle_for(&ObjectRef::Variable(id.clone()))?;
    Ok(json!({"qReturn": object_interface("GenericVariable", handle, "variable", &id)}))
}

pub fn get_variable_by_name(ctx: &mut Ctx<'_>, name: &str) -> Result<Value, RpcError> {
    let id = ctx.doc()?.variable_id_by_name(name);
    variable_return(ctx, id)
}

pub fn get_variable_by_id(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let found = ctx.doc()?.variable(id).is_some().then(|| id.to_string());
    variable_return(ctx, found)
}
