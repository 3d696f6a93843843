//! Generic objects' lifecycle: creating, destroying and setting the properties of an object (and its
//! children), shared by the Doc methods and the GenericObject ones.

use super::context::{object_interface, Ctx};
use super::props::prepare_props;
use crate::handles::ObjectRef;
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

pub fn create_object(
    ctx: &mut Ctx<'_>,
    props: Map<String, Value>,
    persistent: bool,
) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let (id, mut props) = prepare_props(doc, props)?;
    crate::view::defaults::object(&mut props);
    let q_type = props["qInfo"]["qType"].as_str().unwrap_or("").to_string();
    let info = props["qInfo"].clone();
    if persistent {
        doc.record.objects.insert(id.clone(), props);
        doc.modified = true;
    } else {
        doc.objects.insert(id.clone(), props);
    }
    // A new object has never been laid out: it starts stale, so its first change is its first GetLayout.
    let object = ObjectRef::Object(id.clone());
    let mut ignored = Default::default();
    doc.invalidate(object.clone(), &mut ignored);
    let handle = ctx.handle_for(&object)?;
    let ret = object_interface("GenericObject", handle, &q_type, &id);
    Ok(if persistent {
        json!({"qInfo": info, "qReturn": ret})
    } else {
        json!({"qReturn": ret})
    })
}

pub fn destroy_object(ctx: &mut Ctx<'_>, id: &str, persistent: bool) -> Result<Value, RpcError> {
    let doc = ctx
        .state
        .doc
        .as_mut()
        .ok_or_else(crate::view::context::no_active_doc)?;
    let removed = if persistent {
        doc.record.objects.remove(id).is_some()
    } else {
        doc.objects.remove(id).is_some()
    };
    if !removed {
        return Ok(json!({"qSuccess": false}));
    }
    if persistent {
        doc.modified = true;
    }
    doc.remove(ObjectRef::Object(id.to_string()), &mut ctx.effects);
    doc.soft.remove(id);
    // Its children (and theirs) go with it.
    let kids = doc.children(id);
    doc.unlink(id);
    let children: Vec<(String, bool)> = kids
        .into_iter()
        .map(|c| {
            let persistent = doc.record.objects.contains_key(&c);
            (c, persistent)
        })
        .collect();
    for (child, persistent) in children {
        destroy_object(ctx, &child, persistent)?;
    }
    Ok(json!({"qSuccess": true}))
}

/// The object's properties. Its handle outliving it (destroyed by another socket a moment ago) is the
/// engine's invalid-handle case.
pub fn props<'c>(ctx: &'c mut Ctx<'_>, id: &str) -> Result<&'c mut Map<String, Value>, RpcError> {
    let doc = ctx.doc()?;
    if doc.record.objects.contains_key(id) && !doc.objects.contains_key(id) {
        // Changing a persistent object changes the app (saved by DoSave).
        doc.modified = true;
    }
    doc.object_mut(id).ok_or_else(RpcError::invalid_handle)
}

pub fn set_properties(
    ctx: &mut Ctx<'_>,
    id: &str,
    mut new: Map<String, Value>,
) -> Result<Value, RpcError> {
    ctx.doc()?.soft.remove(id);
    let current = props(ctx, id)?;
    // The id cannot change; the type can.
    let mut info = current["qInfo"].as_object().cloned().unwrap_or_default();
    if let Some(Value::Object(given)) = new.remove("qInfo") {
        if let Some(t) = given.get("qType").filter(|t| t.is_string()) {
            info.insert("qType".into(), t.clone());
        }
    }
    let mut next = Map::new();
    next.insert("qInfo".into(), Value::Object(info));
    next.insert(
        "qMetaDef".into(),
        new.remove("qMetaDef").unwrap_or_else(|| json!({})),
    );
    next.extend(new);
    crate::view::defaults::object(&mut next);
    *current = next;
    ctx.invalidate(ObjectRef::Object(id.to_string()))?;
    Ok(json!({}))
}
