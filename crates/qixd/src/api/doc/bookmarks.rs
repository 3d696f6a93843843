//! Doc methods on bookmarks: CreateBookmark(Ex), GetBookmark, DestroyBookmark, GetBookmarks.

use crate::api::{object_interface, Ctx};
use crate::handles::ObjectRef;
use crate::view::bookmarks::{capture, soft_patches, variable_items};
use crate::view::props::{meta_from_def, prepare_props};
use qix_apps::BookmarkRecord;
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

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
    let fields = capture(doc, doc.selections().current());
    let states = doc
        .alternate_states()
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
    let bookmark = BookmarkRecord {
        properties: props,
        fields,
        modified: qix_apps::now_iso(),
        states,
        variables,
        patches,
    };
    let object = ObjectRef::Bookmark(id.clone());
    doc.add_to_record(object.clone(), |r| r.bookmarks.insert(id.clone(), bookmark));
    let handle = ctx.handle_for(&object)?;
    Ok(json!({"qInfo": info, "qReturn": object_interface("GenericBookmark", handle, &q_type, &id)}))
}

/// `GetBookmark` (a missing id is error 2, as for GetObject).
pub fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let Some(b) = doc.record().bookmarks.get(id) else {
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
    let (doc, effects) = ctx.doc_effects()?;
    let gone = ObjectRef::Bookmark(id.to_string());
    let removed = doc.remove_from_record(gone, effects, |r| r.bookmarks.remove(id).is_some());
    Ok(json!({"qSuccess": removed}))
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
        .record()
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
                   "qData": crate::view::layout::data_paths(&props, data.as_ref())})
        })
        .collect();
    Ok(json!({"qList": list}))
}
