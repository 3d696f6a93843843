//! Master items: GenericDimension and GenericMeasure, stored with the app (saved by DoSave) and usable
//! from hypercubes through `qLibraryId`.

use super::{obj_param, Ctx};
use crate::view::groups::Cycle;
use crate::view::master::Kind;
use crate::view::props::{meta_from_def, patched};
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

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
        "GetProperties" => props(ctx, kind, id).map(|p| crate::api::result("qProp", p.clone())),
        "GetInfo" => props(ctx, kind, id).map(|p| json!({"qInfo": p["qInfo"].clone()})),
        "GetDimension" if kind == Kind::Dimension => {
            props(ctx, kind, id).map(|p| json!({"qDim": p["qDim"].clone()}))
        }
        "GetMeasure" if kind == Kind::Measure => {
            props(ctx, kind, id).map(|p| json!({"qMeasure": p["qMeasure"].clone()}))
        }
        "SetProperties" => set_properties(ctx, kind, id, obj_param(p, "qProp")),
        "ApplyPatches" => {
            let env = ctx.env;
            let patches = super::patches_param(p);
            props(ctx, kind, id)
                .and_then(|cur| patched(cur, &patches, &env.limits))
                .and_then(|new| set_properties(ctx, kind, id, new))
        }
        "GetActiveField" if kind == Kind::Dimension => props(ctx, kind, id)
            .map(|p| json!({"qReturn": crate::view::groups::active_field(&p["qDim"])})),
        "StepCycle" | "SetActiveField" if kind == Kind::Dimension => cycle(ctx, id, method, p),
        _ => return super::missing_part(kind.class(), method),
    })
}

/// `StepCycle(qStep)` / `SetActiveField(qIx)` on a cyclic master dimension: its `qDim.qActiveField`
/// moves (every chart using it follows, unless the chart stepped on its own). Another dimension does not
/// move.
fn cycle(
    ctx: &mut Ctx<'_>,
    id: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let kind = Kind::Dimension;
    let mut new = props(ctx, kind, id)?.clone();
    let dim = new.get("qDim").cloned().unwrap_or(Value::Null);
    let fields = crate::view::defs::strings_at(&dim, "qFieldDefs");
    if dim.get("qGrouping").and_then(Value::as_str) != Some("C") || fields.is_empty() {
        // Only a cyclic dimension steps: another one stays as it is (as a chart's dimension does).
        return Ok(json!({}));
    }
    let to = match method {
        "StepCycle" => Cycle::Step(p.get("qStep").and_then(Value::as_i64).unwrap_or(1)),
        _ => Cycle::Set(p.get("qIx").and_then(Value::as_i64).unwrap_or(-1)),
    };
    let current = crate::view::groups::active_field(&dim);
    let Some(next) = crate::view::groups::next_active(current, fields.len(), to) else {
        return Err(RpcError::invalid_params(format!(
            "qIx {} is not a field of the group",
            p.get("qIx").unwrap_or(&Value::Null)
        )));
    };
    if let Some(Value::Object(d)) = new.get_mut("qDim") {
        d.insert("qActiveField".into(), json!(next));
    }
    set_properties(ctx, kind, id, new)
}

/// The item's properties; its handle outliving it is the engine's invalid-handle case.
fn props<'c>(
    ctx: &'c mut Ctx<'_>,
    kind: Kind,
    id: &str,
) -> Result<&'c Map<String, Value>, RpcError> {
    kind.items(ctx.doc()?.record())
        .get(id)
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
        let model = doc.data().model.clone();
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
                           "qTags": crate::view::fields::field_tags(&model, fid, None)})
                }
                None => json!({"qApprMaxGlyphCount": 0, "qCardinal": 0, "qTags": []}),
            })
            .collect();
        out.insert("qDimInfos".into(), json!(infos));
    }
    ctx.doc()?.validate(&kind.object(id));
    Ok(crate::api::result("qLayout", out))
}

fn set_properties(
    ctx: &mut Ctx<'_>,
    kind: Kind,
    id: &str,
    mut new: Map<String, Value>,
) -> Result<Value, RpcError> {
    let info = props(ctx, kind, id)?["qInfo"].clone();
    new.insert("qInfo".into(), info);
    new.entry("qMetaDef").or_insert_with(|| json!({}));
    kind.fill_defaults(&mut new);
    // The item and every layout that may use it through qLibraryId are stale.
    let (doc, effects) = ctx.doc_effects()?;
    doc.change_record(&[kind.object(id)], effects, |r| {
        kind.items_mut(r).insert(id.to_string(), new)
    });
    Ok(json!({}))
}
