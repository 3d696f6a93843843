//! Master items: GenericDimension and GenericMeasure, stored with the app (saved by DoSave) and usable
//! from hypercubes through `qLibraryId`.

use super::doc::{meta_from_def, prepare_props};
use super::{obj_param, object_interface, Ctx};
use crate::doc::DocState;
use crate::handles::ObjectRef;
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Which kind of master item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// `qDim`.
    Dimension,
    /// `qMeasure`.
    Measure,
}

impl Kind {
    fn items(self, doc: &mut DocState) -> &mut BTreeMap<String, Map<String, Value>> {
        match self {
            Kind::Dimension => &mut doc.record.dimensions,
            Kind::Measure => &mut doc.record.measures,
        }
    }
    fn object(self, id: &str) -> ObjectRef {
        match self {
            Kind::Dimension => ObjectRef::Dimension(id.to_string()),
            Kind::Measure => ObjectRef::Measure(id.to_string()),
        }
    }
    fn class(self) -> &'static str {
        match self {
            Kind::Dimension => "GenericDimension",
            Kind::Measure => "GenericMeasure",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Kind::Dimension => "qDim",
            Kind::Measure => "qMeasure",
        }
    }
    fn fill_defaults(self, props: &mut Map<String, Value>) {
        match self {
            Kind::Dimension => super::defaults::dimension(props),
            Kind::Measure => super::defaults::measure(props),
        }
    }
    fn default_type(self) -> &'static str {
        match self {
            Kind::Dimension => "dimension",
            Kind::Measure => "measure",
        }
    }
}

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
    kind.items(doc).insert(id.clone(), props);
    doc.modified = true;
    let object = kind.object(&id);
    let mut ignored = Default::default();
    doc.invalidate(object.clone(), &mut ignored);
    let handle = ctx.handle_for(&object)?;
    Ok(json!({"qInfo": info, "qReturn": object_interface(kind.class(), handle, &q_type, &id)}))
}

/// `GetDimension` / `GetMeasure` (a missing id is error 2, as for GetObject).
pub fn get(ctx: &mut Ctx<'_>, kind: Kind, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let Some(props) = kind.items(doc).get(id) else {
        return Err(RpcError::not_found(id));
    };
    let q_type = props["qInfo"]["qType"].as_str().unwrap_or("").to_string();
    let handle = ctx.handle_for(&kind.object(id))?;
    Ok(json!({"qReturn": object_interface(kind.class(), handle, &q_type, id)}))
}

/// `DestroyDimension` / `DestroyMeasure`.
pub fn destroy(ctx: &mut Ctx<'_>, kind: Kind, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
    if kind.items(doc).remove(id).is_none() {
        return Ok(json!({"qSuccess": false}));
    }
    doc.modified = true;
    doc.remove(kind.object(id), &mut ctx.effects);
    Ok(json!({"qSuccess": true}))
}

/// Runs a GenericDimension / GenericMeasure method; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    kind: Kind,
    id: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "GetLayout" => layout(ctx, kind, id),
        "GetProperties" => props(ctx, kind, id).map(|p| json!({"qProp": p.clone()})),
        "GetInfo" => props(ctx, kind, id).map(|p| json!({"qInfo": p["qInfo"].clone()})),
        "GetDimension" if kind == Kind::Dimension => {
            props(ctx, kind, id).map(|p| json!({"qDim": p["qDim"].clone()}))
        }
        "GetMeasure" if kind == Kind::Measure => {
            props(ctx, kind, id).map(|p| json!({"qMeasure": p["qMeasure"].clone()}))
        }
        "SetProperties" => set_properties(ctx, kind, id, obj_param(p, "qProp")),
        _ => return None,
    })
}

fn props<'c>(
    ctx: &'c mut Ctx<'_>,
    kind: Kind,
    id: &str,
) -> Result<&'c mut Map<String, Value>, RpcError> {
    let doc = ctx.doc()?;
    kind.items(doc)
        .get_mut(id)
        .ok_or_else(RpcError::invalid_handle)
}

fn layout(ctx: &mut Ctx<'_>, kind: Kind, id: &str) -> Result<Value, RpcError> {
    let p = props(ctx, kind, id)?.clone();
    let mut out = Map::new();
    for (k, v) in &p {
        if k == "qMetaDef" {
            out.insert("qMeta".into(), meta_from_def(v));
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    if kind == Kind::Dimension {
        let doc = ctx.doc()?;
        let model = doc.data.model.clone();
        let infos: Vec<Value> = p["qDim"]["qFieldDefs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|f| match model.field_id(f) {
                Some(fid) => {
                    let symbols = &model.fields[fid].symbols;
                    let glyphs = (0..symbols.len() as u32)
                        .map(|s| symbols.text(s).chars().count())
                        .max()
                        .unwrap_or(0);
                    json!({"qApprMaxGlyphCount": glyphs, "qCardinal": symbols.len(),
                           "qTags": super::data::field_tags(&model, fid, None)})
                }
                None => json!({"qApprMaxGlyphCount": 0, "qCardinal": 0, "qTags": []}),
            })
            .collect();
        out.insert("qDimInfos".into(), json!(infos));
    }
    ctx.doc()?.validate(&kind.object(id));
    Ok(json!({"qLayout": out}))
}

fn set_properties(
    ctx: &mut Ctx<'_>,
    kind: Kind,
    id: &str,
    mut new: Map<String, Value>,
) -> Result<Value, RpcError> {
    let current = props(ctx, kind, id)?;
    let info = current["qInfo"].clone();
    new.insert("qInfo".into(), info);
    new.entry("qMetaDef").or_insert_with(|| json!({}));
    kind.fill_defaults(&mut new);
    *current = new;
    ctx.doc()?.modified = true;
    ctx.invalidate(kind.object(id))?;
    // Objects that use the item through qLibraryId are stale too.
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
    doc.invalidate_all(&mut ctx.effects);
    Ok(json!({}))
}
