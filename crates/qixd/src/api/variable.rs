//! The GenericVariable class for session variables.
//!
//! A variable's value comes from its definition: a number when the definition reads as one, else text.
//! Definitions that are expressions (`=...`) are shown as written until the expression engine lands.

use super::{obj_param, str_param, Ctx};
use crate::handles::ObjectRef;
use crate::view::eval::{format_number, value_of};
use crate::view::props::{meta_from_def, patched};
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// Properties that define the variable and do not appear in its layout.
const DEFINITION_KEYS: &[&str] = &[
    "qName",
    "qDefinition",
    "qComment",
    "qNumberPresentation",
    "qIncludeInBookmark",
    "qConstraints",
];

/// Runs a GenericVariable method on variable `id`; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    id: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "GetLayout" => layout(ctx, id),
        "GetProperties" => props(ctx, id).map(|p| crate::api::result("qProp", p.clone())),
        "GetInfo" => props(ctx, id).map(|p| json!({"qInfo": p["qInfo"].clone()})),
        "SetProperties" => set_properties(ctx, id, obj_param(p, "qProp")),
        "SetStringValue" => set_definition(ctx, id, str_param(p, "qVal").to_string()),
        "SetNumValue" => {
            let n = p.get("qVal").and_then(Value::as_f64).unwrap_or(0.0);
            set_definition(ctx, id, format_number(n))
        }
        // A dual: the text is what the variable shows and holds as its definition.
        "SetDualValue" => set_definition(ctx, id, str_param(p, "qText").to_string()),
        "GetRawContent" => props(ctx, id)
            .map(|p| json!({"qReturn": p.get("qDefinition").cloned().unwrap_or(json!(""))})),
        "ApplyPatches" => {
            let env = ctx.env;
            let patches = super::patches_param(p);
            props(ctx, id)
                .and_then(|cur| patched(cur, &patches, &env.limits))
                .and_then(|new| set_properties(ctx, id, new))
        }
        _ => return super::missing_part("GenericVariable", method),
    })
}

/// The variable's properties; its handle outliving it is the engine's invalid-handle case.
fn props<'c>(ctx: &'c mut Ctx<'_>, id: &str) -> Result<&'c Map<String, Value>, RpcError> {
    ctx.doc()?
        .variable(id)
        .map(|v| &v.props)
        .ok_or_else(RpcError::invalid_handle)
}

/// Changes the variable's properties (through the doc, which knows whether that modifies the app).
fn change(
    ctx: &mut Ctx<'_>,
    id: &str,
    change: impl FnOnce(&mut Map<String, Value>),
) -> Result<Value, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    doc.change_variable(id, effects, change)
        .ok_or_else(RpcError::invalid_handle)?;
    Ok(json!({}))
}

fn layout(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let props = props(ctx, id)?.clone();
    let definition = props
        .get("qDefinition")
        .and_then(Value::as_str)
        .unwrap_or("");
    let (text, num) = match definition.trim_start().strip_prefix('=') {
        // An expression: evaluated over the session's data and selections.
        Some(_) => {
            let env = ctx.env;
            let doc = ctx.doc()?;
            let view = crate::view::View::of(env, doc);
            let definition = crate::view::dollar::expand(&view, definition);
            match crate::view::eval::evaluate_in(&view, &definition) {
                Ok(v) => (
                    v.text().unwrap_or_else(|| "-".into()),
                    v.num().map_or(json!("NaN"), |n| json!(n)),
                ),
                Err(e) => (e, json!("NaN")),
            }
        }
        None => value_of(definition),
    };
    let mut layout = Map::new();
    for (k, v) in &props {
        if k == "qMetaDef" {
            layout.insert("qMeta".into(), meta_from_def(v));
        } else if !DEFINITION_KEYS.contains(&k.as_str()) {
            layout.insert(k.clone(), v.clone());
        }
    }
    layout.insert("qText".into(), json!(text));
    layout.insert("qNum".into(), num);
    ctx.doc()?.validate(&ObjectRef::Variable(id.to_string()));
    Ok(crate::api::result("qLayout", layout))
}

fn set_properties(
    ctx: &mut Ctx<'_>,
    id: &str,
    mut new: Map<String, Value>,
) -> Result<Value, RpcError> {
    let name = new.get("qName").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() {
        return Err(RpcError::new(ErrorCode::VariableNoName, "qName"));
    }
    let doc = ctx.doc()?;
    if doc
        .variable_id_by_name(name)
        .is_some_and(|other| other != id)
    {
        return Err(RpcError::new(
            ErrorCode::VariableDuplicateName,
            name.to_string(),
        ));
    }
    let info = props(ctx, id)?["qInfo"].clone();
    new.insert("qInfo".into(), info);
    new.entry("qMetaDef").or_insert_with(|| json!({}));
    change(ctx, id, |current| *current = new)
}

fn set_definition(ctx: &mut Ctx<'_>, id: &str, definition: String) -> Result<Value, RpcError> {
    change(ctx, id, |p| {
        p.insert("qDefinition".into(), json!(definition));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_the_definition() {
        assert_eq!(value_of("1"), ("1".to_string(), json!(1.0)));
        assert_eq!(value_of("abc").1, json!("NaN"));
        assert_eq!(format_number(5.0), "5");
        assert_eq!(format_number(2.5), "2.5");
    }
}
