//! Bookmarks: the Doc methods that make, find, apply and destroy them, and the GenericBookmark class.
//!
//! A bookmark stores its selections as values (text and number), not symbol numbers, so it still applies
//! after a reload renumbered the symbols. Bookmarks are app objects: private to the session until DoSave.

use super::{obj_param, Ctx};
use crate::handles::ObjectRef;
use crate::view::props::{meta_from_def, patched};
use qix_apps::{BookmarkField, BookmarkRecord};
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// Runs a GenericBookmark method; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    id: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "GetLayout" => layout(ctx, id),
        "GetProperties" => {
            record(ctx, id).map(|b| crate::api::result("qProp", b.properties.clone()))
        }
        "GetInfo" => record(ctx, id).map(|b| json!({"qInfo": b.properties["qInfo"].clone()})),
        "SetProperties" => set_properties(ctx, id, obj_param(p, "qProp")),
        "Apply" => crate::view::bookmarks::apply(ctx, id),
        "ApplyPatches" => {
            let env = ctx.env;
            let patches = super::patches_param(p);
            record(ctx, id)
                .and_then(|b| patched(&b.properties, &patches, &env.limits))
                .and_then(|new| set_properties(ctx, id, new))
        }
        _ => return super::missing_part("GenericBookmark", method),
    })
}

/// The bookmark; its handle outliving it is the engine's invalid-handle case.
fn record<'c>(ctx: &'c mut Ctx<'_>, id: &str) -> Result<&'c BookmarkRecord, RpcError> {
    ctx.doc()?
        .record()
        .bookmarks
        .get(id)
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
    Ok(crate::api::result("qLayout", out))
}

fn set_properties(
    ctx: &mut Ctx<'_>,
    id: &str,
    mut new: Map<String, Value>,
) -> Result<Value, RpcError> {
    let info = record(ctx, id)?.properties["qInfo"].clone();
    new.insert("qInfo".into(), info);
    new.entry("qMetaDef").or_insert_with(|| json!({}));
    let (doc, effects) = ctx.doc_effects()?;
    doc.change_record(&[ObjectRef::Bookmark(id.to_string())], effects, |r| {
        if let Some(b) = r.bookmarks.get_mut(id) {
            b.properties = new;
            b.modified = qix_apps::now_iso();
        }
    });
    Ok(json!({}))
}
