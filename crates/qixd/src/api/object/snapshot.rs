//! `EmbedSnapshotObject` / `GetSnapshotObject`: a snapshot (a bookmark) embedded in an object — one at a
//! time, a new one replacing the last — kept in the object's properties as `qEmbeddedSnapshotRef`
//! (`{qInfo}` of the bookmark), so a persistent object's snapshot is saved with it.

use crate::api::Ctx;
use crate::handles::ObjectRef;
use crate::view::context::object_interface;
use qix_protocol::RpcError;
use serde_json::{json, Value};

/// Embeds bookmark `bookmark` in object `id` (error 2 when there is no such bookmark).
pub fn embed(ctx: &mut Ctx<'_>, id: &str, bookmark: &str) -> Result<Value, RpcError> {
    let info = ctx
        .doc()?
        .record()
        .bookmarks
        .get(bookmark)
        .map(|b| b.properties["qInfo"].clone())
        .ok_or_else(|| RpcError::not_found(bookmark))?;
    let (doc, effects) = ctx.doc_effects()?;
    doc.set_object_props(id, effects, |p| {
        let mut next = p.clone();
        next.insert("qEmbeddedSnapshotRef".into(), json!({"qInfo": info}));
        Ok(next)
    })?;
    Ok(json!({}))
}

/// The embedded snapshot's handle (a `GenericBookmark`); error 2 when none is embedded or it is gone.
pub fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let props = doc.object(id).ok_or_else(RpcError::invalid_handle)?;
    let bookmark = props
        .get("qEmbeddedSnapshotRef")
        .and_then(|r| r.pointer("/qInfo/qId"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| RpcError::not_found("no snapshot is embedded in this object"))?;
    let q_type = doc
        .record()
        .bookmarks
        .get(&bookmark)
        .map(|b| {
            b.properties["qInfo"]["qType"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .ok_or_else(|| RpcError::not_found(bookmark.clone()))?;
    let handle = ctx.handle_for(&ObjectRef::Bookmark(bookmark.clone()))?;
    Ok(json!({"qReturn": object_interface("GenericBookmark", handle, &q_type, &bookmark)}))
}
