//! Bookmarks: the Doc methods that make, find, apply and destroy them, and the GenericBookmark class.
//!
//! A bookmark stores its selections as values (text and number), not symbol numbers, so it still applies
//! after a reload renumbered the symbols. Bookmarks are app objects: private to the session until DoSave.

use super::data::select_in;
use super::doc::{meta_from_def, prepare_props};
use super::field::find_value;
use super::{obj_param, object_interface, Ctx};
use crate::doc::DocState;
use crate::handles::ObjectRef;
use qix_apps::{BookmarkField, BookmarkRecord};
use qix_engine::Dual;
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// A value as a `FieldValue` (`{qText, qIsNumeric, qNumber}`).
fn field_value(d: &Dual) -> Value {
    match d.num {
        Some(n) => json!({"qText": d.text, "qIsNumeric": true, "qNumber": n}),
        None => json!({"qText": d.text, "qIsNumeric": false}),
    }
}

/// The selections of one state, field by field.
fn capture(doc: &DocState, state: &qix_engine::SelectionState) -> Vec<BookmarkField> {
    let model = &doc.data.model;
    state
        .selected_fields()
        .map(|(f, symbols)| {
            let field = &model.fields[f];
            BookmarkField {
                name: field.name.clone(),
                values: symbols
                    .iter()
                    .map(|s| field_value(&field.symbols.get(*s)))
                    .collect(),
                locked: state.is_locked(f),
            }
        })
        .collect()
}

/// Every variable of the session as a `BookmarkVariableItem`, by name. The value is the definition's
/// (`=` expressions are kept as definitions and computed again when the layout asks).
fn variable_items(doc: &DocState) -> Vec<Value> {
    let mut items: Vec<Value> = doc
        .variables
        .values()
        .filter_map(|v| {
            let name = v.props.get("qName").and_then(Value::as_str)?;
            let definition = v
                .props
                .get("qDefinition")
                .and_then(Value::as_str)
                .unwrap_or("");
            let (text, num) = super::variable::value_of(definition);
            Some(json!({"qName": name, "qDefinition": definition,
                        "qValue": {"qText": text, "qIsNumeric": num.is_number(),
                                   "qNumber": if num.is_number() { num } else { json!(0) }}}))
        })
        .collect();
    items.sort_by(|a, b| a["qName"].as_str().cmp(&b["qName"].as_str()));
    items
}

/// The soft patches of the objects `ids` (those that have some) as `NxPatches`: the difference between
/// their properties and their soft-patched properties.
fn soft_patches(doc: &DocState, ids: &[String]) -> Vec<Value> {
    ids.iter()
        .filter_map(|id| {
            let soft = doc.soft.get(id)?;
            let hard = doc.object(id)?;
            let diff = json_patch::diff(&Value::Object(hard.clone()), &Value::Object(soft.clone()));
            let patches: Vec<Value> = diff
                .0
                .iter()
                .filter_map(|op| match op {
                    json_patch::PatchOperation::Add(a) => Some(
                        json!({"qOp": "add", "qPath": a.path.to_string(), "qValue": a.value.to_string()}),
                    ),
                    json_patch::PatchOperation::Replace(r) => Some(
                        json!({"qOp": "replace", "qPath": r.path.to_string(), "qValue": r.value.to_string()}),
                    ),
                    json_patch::PatchOperation::Remove(r) => {
                        Some(json!({"qOp": "remove", "qPath": r.path.to_string(), "qValue": ""}))
                    }
                    _ => None,
                })
                .collect();
            Some(json!({"qInfo": hard.get("qInfo").cloned().unwrap_or_default(),
                        "qPatches": patches, "qChildren": []}))
        })
        .collect()
}

/// `CreateBookmark` / `CreateBookmarkEx`: the current selections under a new id, with the soft patches of
/// the objects `patch_ids` (`qObjectIdsToPatch`).
pub fn create(
    ctx: &mut Ctx<'_>,
    mut props: Map<String, Value>,
    patch_ids: &[String],
) -> Result<Value, RpcError> {
    if let Value::Object(info) = props.entry("qInfo").or_insert_with(|| json!({})) {
        info.entry("qType").or_insert_with(|| json!("bookmark"));
    }
    let doc = ctx.doc()?;
    let (id, props) = prepare_props(doc, props)?;
    let info = props["qInfo"].clone();
    let q_type = info["qType"].as_str().unwrap_or("").to_string();
    let fields = capture(doc, doc.selections.current());
    let states = doc
        .alternate
        .iter()
        .map(|(name, s)| (name.clone(), capture(doc, s.current())))
        .filter(|(_, fields)| !fields.is_empty())
        .collect();
    let include_variables = props
        .get("qIncludeVariables")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let variables = if include_variables {
        variable_items(doc)
    } else {
        Vec::new()
    };
    let patches = soft_patches(doc, patch_ids);
    doc.record.bookmarks.insert(
        id.clone(),
        BookmarkRecord {
            properties: props,
            fields,
            modified: qix_apps::now_iso(),
            states,
            variables,
            patches,
        },
    );
    doc.modified = true;
    let object = ObjectRef::Bookmark(id.clone());
    let mut ignored = Default::default();
    doc.invalidate(object.clone(), &mut ignored);
    let handle = ctx.handle_for(&object)?;
    Ok(json!({"qInfo": info, "qReturn": object_interface("GenericBookmark", handle, &q_type, &id)}))
}

/// `GetBookmark` (a missing id is error 2, as for GetObject).
pub fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let Some(b) = doc.record.bookmarks.get(id) else {
        return Err(RpcError::not_found(id));
    };
    let q_type = b.properties["qInfo"]["qType"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let handle = ctx.handle_for(&ObjectRef::Bookmark(id.to_string()))?;
    Ok(json!({"qReturn": object_interface("GenericBookmark", handle, &q_type, id)}))
}

/// `DestroyBookmark`.
pub fn destroy(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
    if doc.record.bookmarks.remove(id).is_none() {
        return Ok(json!({"qSuccess": false}));
    }
    doc.modified = true;
    doc.remove(ObjectRef::Bookmark(id.to_string()), &mut ctx.effects);
    Ok(json!({"qSuccess": true}))
}

/// `ApplyBookmark` / `GenericBookmark.Apply`: in the default state and every alternate state the app has,
/// clears the unlocked fields, then selects the bookmark's values for that state (values that no longer
/// exist are skipped). `qSuccess` is false for an unknown bookmark.
pub fn apply(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let Some(bookmark) = ctx.doc()?.record.bookmarks.get(id).cloned() else {
        return Ok(json!({"qSuccess": false}));
    };
    let states: Vec<String> = ctx.doc()?.alternate.keys().cloned().collect();
    let none = Vec::new();
    for state in std::iter::once("$".to_string()).chain(states) {
        let fields = match state.as_str() {
            "$" => &bookmark.fields,
            other => bookmark.states.get(other).unwrap_or(&none),
        };
        select_in(ctx, &state, |s, m| {
            let mut changed = s.clear_all();
            for f in fields {
                if let Some(fid) = m.field_id(&f.name) {
                    let symbols: Vec<u32> = f
                        .values
                        .iter()
                        .filter_map(|v| find_value(m, fid, v))
                        .collect();
                    changed |= s.set(fid, symbols);
                    if f.locked {
                        changed |= s.lock(fid);
                    }
                }
            }
            changed
        })?;
    }
    // Objects whose soft patches the bookmark kept get exactly those soft patches back.
    for entry in &bookmark.patches {
        let Some(oid) = entry.pointer("/qInfo/qId").and_then(Value::as_str) else {
            continue;
        };
        let patches = entry["qPatches"].as_array().cloned().unwrap_or_default();
        let Ok(patch) = super::object::json_patch_of(&patches) else {
            continue;
        };
        let doc = ctx.doc()?;
        let Some(hard) = doc.object(oid).cloned() else {
            continue;
        };
        let mut soft = Value::Object(hard);
        if json_patch::patch(&mut soft, &patch).is_ok() {
            if let Value::Object(m) = soft {
                doc.soft.insert(oid.to_string(), m);
            }
            ctx.invalidate(ObjectRef::Object(oid.to_string()))?;
        }
    }
    // Variables kept by `qIncludeVariables` get their definitions back (those since removed are skipped).
    for item in &bookmark.variables {
        let (Some(name), Some(definition)) = (item["qName"].as_str(), item["qDefinition"].as_str())
        else {
            continue;
        };
        let doc = ctx.doc()?;
        let Some(var_id) = doc.variable_id_by_name(name) else {
            continue;
        };
        let Some(var) = doc.variables.get_mut(&var_id) else {
            continue;
        };
        if var.props.get("qDefinition").and_then(Value::as_str) != Some(definition) {
            var.props.insert("qDefinition".into(), json!(definition));
            if var.persistent {
                doc.modified = true;
            }
            ctx.invalidate(ObjectRef::Variable(var_id))?;
        }
    }
    Ok(json!({"qSuccess": true}))
}

/// `GetBookmarks`: `qList` of `{qInfo, qMeta, qData}` for bookmarks of the asked types.
pub fn list(ctx: &mut Ctx<'_>, options: &Map<String, Value>) -> Result<Value, RpcError> {
    let types: Vec<&str> = options
        .get("qTypes")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let data = options.get("qData").cloned();
    let doc = ctx.doc()?;
    let list: Vec<Value> = doc
        .record
        .bookmarks
        .values()
        .filter(|b| {
            types.is_empty()
                || b.properties["qInfo"]["qType"]
                    .as_str()
                    .is_some_and(|t| types.contains(&t))
        })
        .map(|b| {
            let props = Value::Object(b.properties.clone());
            json!({"qInfo": props["qInfo"], "qMeta": meta_from_def(&props["qMetaDef"]),
                   "qData": super::layout::data_paths(&props, data.as_ref())})
        })
        .collect();
    Ok(json!({"qList": list}))
}

/// Runs a GenericBookmark method; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    id: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "GetLayout" => layout(ctx, id),
        "GetProperties" => record(ctx, id).map(|b| json!({"qProp": b.properties.clone()})),
        "GetInfo" => record(ctx, id).map(|b| json!({"qInfo": b.properties["qInfo"].clone()})),
        "SetProperties" => set_properties(ctx, id, obj_param(p, "qProp")),
        "Apply" => apply(ctx, id),
        _ => return None,
    })
}

fn record<'c>(ctx: &'c mut Ctx<'_>, id: &str) -> Result<&'c mut BookmarkRecord, RpcError> {
    ctx.doc()?
        .record
        .bookmarks
        .get_mut(id)
        .ok_or_else(RpcError::invalid_handle)
}

fn layout(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let b = record(ctx, id)?.clone();
    let mut out = Map::new();
    for (k, v) in &b.properties {
        if k == "qMetaDef" {
            out.insert("qMeta".into(), meta_from_def(v));
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    let items = |fields: &[BookmarkField]| -> Vec<Value> {
        fields
        .iter()
        .map(|f| {
            json!({"qDef": {"qName": f.name, "qType": "PRESENT"}, "qLocked": f.locked,
                   "qSelectInfo": {"qTextSearch": "", "qRangeLo": "NaN", "qRangeHi": "NaN", "qNumberFormat": {},
                                   "qRangeInfo": [], "qSoftLock": false, "qContinuousRangeInfo": []},
                   "qValues": f.values, "qExcludedValues": [], "qAndMode": false, "qOneAndOnlyOne": false,
                   "qValuesCount": f.values.len(), "qExcludedValuesCount": 0})
        })
        .collect()
    };
    let infos: Vec<Value> = b
        .fields
        .iter()
        .map(|f| json!({"qFieldName": f.name, "qValuesCount": f.values.len(), "qExcludedValuesCount": 0}))
        .collect();
    out.insert(
        "qBookmark".into(),
        json!({"qStateData": std::iter::once(json!({"qStateName": "$", "qFieldItems": items(&b.fields)}))
                   .chain(b.states.iter().map(|(name, f)| json!({"qStateName": name, "qFieldItems": items(f)})))
                   .collect::<Vec<_>>(),
               "qUtcModifyTime": b.modified, "qVariableItems": b.variables, "qPatches": b.patches}),
    );
    out.insert("qFieldInfos".into(), json!(infos));
    ctx.doc()?.validate(&ObjectRef::Bookmark(id.to_string()));
    Ok(json!({"qLayout": out}))
}

fn set_properties(
    ctx: &mut Ctx<'_>,
    id: &str,
    mut new: Map<String, Value>,
) -> Result<Value, RpcError> {
    let b = record(ctx, id)?;
    new.insert("qInfo".into(), b.properties["qInfo"].clone());
    new.entry("qMetaDef").or_insert_with(|| json!({}));
    b.properties = new;
    b.modified = qix_apps::now_iso();
    ctx.doc()?.modified = true;
    ctx.invalidate(ObjectRef::Bookmark(id.to_string()))?;
    Ok(json!({}))
}
