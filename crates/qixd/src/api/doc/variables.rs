//! Doc methods on variables: CreateSessionVariable, CreateVariableEx, GetVariableByName / ById, Destroy*.

use crate::api::{object_interface, Ctx};
use crate::doc::VariableState;
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
    doc.variables
        .insert(id.clone(), VariableState { props, persistent });
    if persistent {
        doc.modified = true;
    }
    let object = ObjectRef::Variable(id.clone());
    let mut ignored = Default::default();
    doc.invalidate(object.clone(), &mut ignored);
    let handle = ctx.handle_for(&object)?;
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
    let doc = ctx
        .state
        .doc
        .as_mut()
        .ok_or_else(crate::api::no_active_doc)?;
    let id = match (id, name) {
        (Some(id), _) => Some(id.to_string()),
        (None, Some(name)) => doc.variable_id_by_name(name),
        (None, None) => None,
    };
    let Some(removed) = id.as_ref().and_then(|id| doc.variables.remove(id)) else {
        return Ok(json!({"qSuccess": false}));
    };
    if removed.persistent {
        doc.modified = true;
    }
    if let Some(id) = id {
        doc.remove(ObjectRef::Variable(id), &mut ctx.effects);
    }
    Ok(json!({"qSuccess": true}))
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
    let found = ctx
        .doc()?
        .variables
        .contains_key(id)
        .then(|| id.to_string());
    variable_return(ctx, found)
}
