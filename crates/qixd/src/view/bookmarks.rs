//! Bookmarks' contents: the selections (as values, so they survive a reload), variables and soft patches
//! a bookmark captures, and applying them again.

use super::context::Ctx;
use super::select::{field_symbols, select_in};
use crate::doc::DocState;
use qix_apps::BookmarkField;
use qix_engine::Dual;
use qix_protocol::RpcError;
use serde_json::{json, Value};

/// A value as a `FieldValue` (`{qText, qIsNumeric, qNumber}`).
pub fn field_value(d: &Dual) -> Value {
    match d.num {
        Some(n) => json!({"qText": d.text, "qIsNumeric": true, "qNumber": n}),
        None => json!({"qText": d.text, "qIsNumeric": false}),
    }
}

/// Selects the values of `fields` (locking those locked) in selection state `s`; values no longer in the
/// data are skipped. Whether anything changed. Applying a bookmark and restoring a session snapshot
/// both give selections back so.
pub fn select_fields(
    s: &mut qix_engine::SelectionState,
    m: &qix_engine::DataModel,
    fields: &[BookmarkField],
) -> bool {
    let mut changed = false;
    for f in fields {
        if let Some((fid, symbols)) = field_symbols(m, f) {
            changed |= s.set(fid, symbols);
            if f.locked {
                changed |= s.lock(fid);
            }
        }
    }
    changed
}

/// The selections of one state, field by field.
pub fn capture(doc: &DocState, state: &qix_engine::SelectionState) -> Vec<BookmarkField> {
    let model = &doc.data().model;
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
pub fn variable_items(doc: &DocState) -> Vec<Value> {
    let mut items: Vec<Value> = doc
        .variables()
        .values()
        .filter_map(|v| {
            let name = v.props.get("qName").and_then(Value::as_str)?;
            let definition = v
                .props
                .get("qDefinition")
                .and_then(Value::as_str)
                .unwrap_or("");
            let (text, num) = crate::view::eval::value_of(definition);
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
pub fn soft_patches(doc: &DocState, ids: &[String]) -> Vec<Value> {
    ids.iter()
        .filter_map(|id| {
            let soft = doc.soft_patch(id)?;
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

/// `ApplyBookmark` / `GenericBookmark.Apply`: in the default state and every alternate state the app has,
/// clears the unlocked fields, then selects the bookmark's values for that state (values that no longer
/// exist are skipped). `qSuccess` is false for an unknown bookmark.
pub fn apply(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let Some(bookmark) = ctx.doc()?.record().bookmarks.get(id).cloned() else {
        return Ok(json!({"qSuccess": false}));
    };
    let states: Vec<String> = ctx
        .doc()?
        .alternate_states()
        .map(|(name, _)| name.clone())
        .collect();
    let none = Vec::new();
    for state in std::iter::once("$".to_string()).chain(states) {
        let fields = match state.as_str() {
            "$" => &bookmark.fields,
            other => bookmark.states.get(other).unwrap_or(&none),
        };
        select_in(ctx, &state, |s, m| {
            let cleared = s.clear_all();
            select_fields(s, m, fields) | cleared
        })?;
    }
    // Objects whose soft patches the bookmark kept get exactly those soft patches back.
    for entry in &bookmark.patches {
        let Some(oid) = entry.pointer("/qInfo/qId").and_then(Value::as_str) else {
            continue;
        };
        let patches = entry["qPatches"].as_array().cloned().unwrap_or_default();
        let Ok(patch) = crate::view::props::json_patch_of(&patches) else {
            continue;
        };
        let (doc, effects) = ctx.doc_effects()?;
        let Some(hard) = doc.object(oid).cloned() else {
            continue;
        };
        let mut soft = Value::Object(hard);
        if json_patch::patch(&mut soft, &patch).is_ok() {
            if let Value::Object(m) = soft {
                doc.set_soft_patch(oid, m, effects);
            }
        }
    }
    // Variables kept by `qIncludeVariables` get their definitions back (those since removed are skipped).
    for item in &bookmark.variables {
        let (Some(name), Some(definition)) = (item["qName"].as_str(), item["qDefinition"].as_str())
        else {
            continue;
        };
        let (doc, effects) = ctx.doc_effects()?;
        let Some(var_id) = doc.variable_id_by_name(name) else {
            continue;
        };
        if doc.variable(&var_id).and_then(|v| v.definition()) != Some(definition) {
            doc.change_variable(&var_id, effects, |p| {
                p.insert("qDefinition".into(), json!(definition))
            });
        }
    }
    Ok(json!({"qSuccess": true}))
}
