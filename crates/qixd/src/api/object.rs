//! The GenericObject class. Until the engine computes hypercubes and list objects, a layout is the
//! object's properties with `qMetaDef` turned into `qMeta` and an empty `qSelectionInfo`.

use super::doc::meta_from_def;
use super::{obj_param, Ctx};
use crate::handles::ObjectRef;
use qix_engine::State;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// Runs a GenericObject method on object `id`; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    id: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "GetLayout" => layout(ctx, id),
        "GetProperties" => props(ctx, id).map(|p| json!({"qProp": p.clone()})),
        "GetEffectiveProperties" => effective(ctx, id).map(|p| json!({"qProp": p})),
        "GetInfo" => props(ctx, id).map(|p| json!({"qInfo": p["qInfo"].clone()})),
        "SetProperties" => set_properties(ctx, id, obj_param(p, "qProp")),
        "ApplyPatches" => apply_patches(ctx, id, p),
        "GetHyperCubeData" | "GetListObjectData" => data_pages(ctx, id, method, p),
        "SelectHyperCubeValues" => {
            let dim = p.get("qDimNo").and_then(Value::as_u64).unwrap_or(0) as usize;
            select_values(ctx, id, p, Some(dim))
        }
        "SelectListObjectValues" => select_values(ctx, id, p, None),
        "SelectHyperCubeCells" => select_cells(ctx, id, p),
        "CreateChild" => super::children::create(ctx, id, p),
        "GetChild" => super::children::get(ctx, id, super::str_param(p, "qId")),
        "GetParent" => super::children::parent(ctx, id),
        "GetChildInfos" => super::children::infos(ctx, id),
        "DestroyChild" => super::children::destroy(ctx, id, p),
        "DestroyAllChildren" => super::children::destroy_all(ctx, id, p),
        "GetFullPropertyTree" => super::children::full_tree(ctx, id),
        "SetChildArrayOrder" => super::children::set_order(ctx, id, p),
        "SetFullPropertyTree" => super::children::set_full_tree(ctx, id, p),
        "SelectListObjectPossible" | "SelectListObjectExcluded" | "SelectListObjectAll" => {
            let keep: fn(State) -> bool = match method {
                "SelectListObjectPossible" => {
                    |s| matches!(s, State::Optional | State::Selected | State::Locked)
                }
                "SelectListObjectExcluded" => |s| matches!(s, State::Excluded | State::Alternative),
                // SelectListObjectAll: excluded values are selected too, as in Qlik.
                _ => |_| true,
            };
            select_by_state(ctx, id, p, keep)
        }
        "ClearSelections" => clear_selections(ctx, id, p),
        "BeginSelections" => ctx.doc().map(|d| {
            if d.modal_base.is_none() {
                d.modal_base = Some(d.selections.current().clone());
            }
            d.modal_object = Some(id.to_string());
            json!({})
        }),
        "EndSelections" => {
            let accept = p.get("qAccept").and_then(Value::as_bool).unwrap_or(true);
            end_selections(ctx, accept, true)
        }
        "ResetMadeSelections" => end_selections(ctx, false, false),
        _ => return None,
    })
}

/// The object's properties. Its handle outliving it (destroyed by another socket a moment ago) is the
/// engine's invalid-handle case.
pub(super) fn props<'c>(
    ctx: &'c mut Ctx<'_>,
    id: &str,
) -> Result<&'c mut Map<String, Value>, RpcError> {
    let doc = ctx.doc()?;
    if doc.record.objects.contains_key(id) && !doc.objects.contains_key(id) {
        // Changing a persistent object changes the app (saved by DoSave).
        doc.modified = true;
    }
    doc.object_mut(id).ok_or_else(RpcError::invalid_handle)
}

/// The properties with this session's soft patches.
fn effective(ctx: &mut Ctx<'_>, id: &str) -> Result<Map<String, Value>, RpcError> {
    ctx.doc()?
        .effective(id)?
        .ok_or_else(RpcError::invalid_handle)
}

/// A layout from properties: `qMetaDef` becomes `qMeta` (with the user's privileges), plus `qSelectionInfo`.
pub fn layout_from_props(props: &Map<String, Value>) -> Map<String, Value> {
    let mut layout = Map::new();
    for (k, v) in props {
        if k == "qMetaDef" {
            layout.insert("qMeta".into(), meta_from_def(v));
        } else {
            layout.insert(k.clone(), v.clone());
        }
    }
    layout.insert("qSelectionInfo".into(), json!({}));
    layout
}

fn layout(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let env = ctx.env;
    let doc = ctx.doc()?;
    let mut props = doc.effective(id)?.ok_or_else(RpcError::invalid_handle)?;
    let view = super::layout::View::of(env, doc);
    super::dollar::expand_props(&view, &mut props);
    let computed = super::layout::layout(&view, &props);
    let mut layout = layout_from_props(&computed);
    if doc.soft.contains_key(id) {
        layout.insert("qHasSoftPatches".into(), json!(true));
    }
    if doc.modal_object.as_deref() == Some(id) {
        let made = doc.modal_base.as_ref() != Some(doc.selections.current());
        layout.insert(
            "qSelectionInfo".into(),
            json!({"qInSelections": true, "qMadeSelections": made}),
        );
    }
    doc.validate(&ObjectRef::Object(id.to_string()));
    Ok(json!({"qLayout": layout}))
}

/// `ApplyPatches`: `{qOp: add|replace|remove, qPath, qValue (JSON text)}` on the properties. All patches
/// apply or none; the id cannot be patched.
fn apply_patches(ctx: &mut Ctx<'_>, id: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let patches = p
        .get("qPatches")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let soft = p
        .get("qSoftPatch")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let env = ctx.env;
    if soft {
        // On top of the earlier soft patches; the stored properties stay as they are. (The object's own
        // properties: what it links to by `qExtendsId` is merged in when it is laid out.)
        let doc = ctx.doc()?;
        let own = doc.patched(id).ok_or_else(RpcError::invalid_handle)?;
        let m = patched(own, &patches, &env.limits)?;
        doc.soft.insert(id.to_string(), m);
        ctx.invalidate(ObjectRef::Object(id.to_string()))?;
        return Ok(json!({}));
    }
    ctx.doc()?.soft.remove(id);
    let current = props(ctx, id)?;
    let mut m = patched(current, &patches, &env.limits)?;
    super::defaults::object(&mut m);
    *current = m;
    ctx.invalidate(ObjectRef::Object(id.to_string()))?;
    Ok(json!({}))
}

/// `current` with the `NxPatch`es applied, all or none, within the limits of a property tree; `current`
/// is untouched when any patch fails.
fn patched(
    current: &Map<String, Value>,
    patches: &[Value],
    limits: &crate::limits::Limits,
) -> Result<Map<String, Value>, RpcError> {
    let patch = json_patch_of(patches)?;
    let mut value = Value::Object(current.clone());
    json_patch::patch(&mut value, &patch).map_err(|e| RpcError::invalid_params(e.to_string()))?;
    limits.check_properties(&value)?;
    match value {
        Value::Object(m) => Ok(m),
        _ => Err(RpcError::invalid_params("properties must stay an object")),
    }
}

/// An `NxPatch` list (`{qOp, qPath, qValue}` with the value as JSON text) as an RFC 6902 patch. The
/// engine's `replace` also creates a missing property, which is what RFC 6902's `add` does.
pub(super) fn json_patch_of(patches: &[Value]) -> Result<json_patch::Patch, RpcError> {
    let mut ops = Vec::new();
    for patch in patches {
        let op = patch
            .get("qOp")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let path = patch
            .get("qPath")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !path.starts_with('/') || path.starts_with("/qInfo/qId") {
            return Err(RpcError::invalid_params(format!("bad qPath {path:?}")));
        }
        let op_json = match op.as_str() {
            "remove" => json!({"op": "remove", "path": path}),
            "add" | "replace" => {
                let text = patch.get("qValue").and_then(Value::as_str).unwrap_or("");
                let value: Value = serde_json::from_str(text).map_err(|e| {
                    RpcError::invalid_params(format!("qValue of {path} is not JSON: {e}"))
                })?;
                json!({"op": "add", "path": path, "value": value})
            }
            other => return Err(RpcError::invalid_params(format!("unknown qOp {other:?}"))),
        };
        ops.push(op_json);
    }
    serde_json::from_value(Value::Array(ops)).map_err(|e| RpcError::invalid_params(e.to_string()))
}

/// The definition at `qPath` (e.g. `/qHyperCubeDef`) in the object's properties.
fn def_at(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
) -> Result<Map<String, Value>, RpcError> {
    let path = p.get("qPath").and_then(Value::as_str).unwrap_or("");
    let mut props = effective(ctx, id)?;
    let env = ctx.env;
    super::dollar::expand_props(&super::layout::View::of(env, ctx.doc()?), &mut props);
    Value::Object(props)
        .pointer(path)
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| RpcError::invalid_params(format!("no definition at qPath {path}")))
}

/// The selection state a definition of object `id` works in: the definition's `qStateName`, else the
/// object's, else the default `$`.
fn state_name(ctx: &mut Ctx<'_>, id: &str, def: &Map<String, Value>) -> Result<String, RpcError> {
    let named = |m: &Map<String, Value>| {
        m.get("qStateName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(s) = named(def) {
        return Ok(s);
    }
    Ok(named(&effective(ctx, id)?).unwrap_or_else(|| "$".to_string()))
}

fn data_pages(
    ctx: &mut Ctx<'_>,
    id: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let def = def_at(ctx, id, p)?;
    let state = state_name(ctx, id, &def)?;
    let pages = p
        .get("qPages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let env = ctx.env;
    env.limits.check_pages(&pages)?;
    let doc = ctx.doc()?;
    let view = super::layout::View::of(env, doc).in_state(Some(&state));
    if method == "GetHyperCubeData" {
        let pages = super::layout::cube_pages(&view, &def, &pages)
            .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
        Ok(json!({"qDataPages": pages}))
    } else {
        Ok(json!({"qDataPages": super::layout::list_pages(&view, &def, &pages)}))
    }
}

/// The field of a list object or of a hypercube dimension.
fn field_at(def: &Map<String, Value>, dim: Option<usize>) -> String {
    let v = Value::Object(def.clone());
    let ptr = match dim {
        Some(d) => format!("/qDimensions/{d}/qDef/qFieldDefs/0"),
        None => "/qDef/qFieldDefs/0".to_string(),
    };
    v.pointer(&ptr)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn select_values(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
    dim: Option<usize>,
) -> Result<Value, RpcError> {
    let def = def_at(ctx, id, p)?;
    let state = state_name(ctx, id, &def)?;
    let env = ctx.env;
    let def = super::layout::resolve_library(&super::layout::View::of(env, ctx.doc()?), &def);
    let field = field_at(&def, dim);
    let toggle = p
        .get("qToggleMode")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let values: Vec<u32> = p
        .get("qValues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .filter(|v| *v >= 0)
        .map(|v| v as u32)
        .collect();
    let changed = super::data::select_in(ctx, &state, |s, m| {
        let Some(f) = m.field_id(&field) else {
            return false;
        };
        let n = m.fields[f].symbols.len() as u32;
        let syms: Vec<u32> = values.iter().copied().filter(|v| *v < n).collect();
        if toggle {
            s.toggle(f, &syms)
        } else {
            s.set(f, syms)
        }
    })?;
    Ok(json!({"qSuccess": changed, "qReturn": changed}))
}

/// `SelectHyperCubeCells`: selects, in each dimension column named in `qColIndices`, the values of the
/// cells at `qRowIndices` (rows of the sorted cube). With `qDeselectOnlyOneSelected`, picking the one value
/// already selected clears it instead.
fn select_cells(ctx: &mut Ctx<'_>, id: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let def = def_at(ctx, id, p)?;
    let state = state_name(ctx, id, &def)?;
    let env = ctx.env;
    let ints = |k: &str| -> Vec<i64> {
        p.get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .collect()
    };
    let (rows, cols) = (ints("qRowIndices"), ints("qColIndices"));
    let deselect_one = p
        .get("qDeselectOnlyOneSelected")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (fields, picks) = {
        let view = super::layout::View::of(env, ctx.doc()?).in_state(Some(&state));
        let def = super::layout::resolve_library(&view, &def);
        let ndims = def
            .get("qDimensions")
            .and_then(Value::as_array)
            .map_or(0, Vec::len) as i64;
        if let Some(bad) = cols.iter().find(|c| **c < 0 || **c >= ndims) {
            return Err(RpcError::new(
                ErrorCode::InvalidParams,
                format!("column {bad} is not a dimension"),
            ));
        }
        let pages: Vec<Value> = rows
            .iter()
            .map(|r| json!({"qTop": r, "qLeft": 0, "qWidth": ndims, "qHeight": 1}))
            .collect();
        let pages = super::layout::cube_pages(&view, &def, &pages)
            .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
        let fields: Vec<String> = cols
            .iter()
            .map(|c| field_at(&def, Some(*c as usize)))
            .collect();
        let picks: Vec<Vec<u32>> = cols
            .iter()
            .map(|c| {
                pages
                    .iter()
                    .filter_map(|pg| pg.pointer(&format!("/qMatrix/0/{c}/qElemNumber"))?.as_i64())
                    .filter(|e| *e >= 0)
                    .map(|e| e as u32)
                    .collect()
            })
            .collect();
        (fields, picks)
    };
    let changed = super::data::select_in(ctx, &state, |s, m| {
        let mut changed = false;
        for (field, mut syms) in fields.iter().zip(picks) {
            let Some(f) = m.field_id(field) else { continue };
            syms.sort_unstable();
            syms.dedup();
            let already = s.selected(f).is_some_and(|cur| cur == syms.as_slice());
            changed |= if deselect_one && syms.len() == 1 && already {
                s.clear(f)
            } else {
                s.set(f, syms)
            };
        }
        changed
    })?;
    Ok(json!({"qSuccess": changed}))
}

fn select_by_state(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
    keep: fn(State) -> bool,
) -> Result<Value, RpcError> {
    let def = def_at(ctx, id, p)?;
    let state_name = state_name(ctx, id, &def)?;
    let field = field_at(&def, None);
    let env = ctx.env;
    let doc = ctx.doc()?;
    let model = doc.data.model.clone();
    let state = doc
        .state(&state_name)
        .ok_or_else(|| super::data::unknown_state(&state_name))?
        .current()
        .clone();
    let Some(f) = model.field_id(&field) else {
        return Ok(json!({"qReturn": false}));
    };
    let inference = env.cache.inference(&model, &state);
    let states = qix_engine::field_states_with(&model, &state, f, &inference);
    let syms: Vec<u32> = states
        .iter()
        .enumerate()
        .filter(|(_, s)| keep(**s))
        .map(|(i, _)| i as u32)
        .collect();
    let changed = super::data::select_in(ctx, &state_name, |s, _| s.set(f, syms))?;
    Ok(json!({"qReturn": changed}))
}

fn clear_selections(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let def = def_at(ctx, id, p)?;
    let state = state_name(ctx, id, &def)?;
    let fields: Vec<String> = if def.contains_key("qDimensions") {
        let n = def
            .get("qDimensions")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let cols: Vec<usize> = p
            .get("qColIndices")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_u64)
                    .map(|x| x as usize)
                    .collect()
            })
            .filter(|v: &Vec<usize>| !v.is_empty())
            .unwrap_or_else(|| (0..n).collect());
        cols.into_iter()
            .filter(|c| *c < n)
            .map(|c| field_at(&def, Some(c)))
            .collect()
    } else {
        vec![field_at(&def, None)]
    };
    super::data::select_in(ctx, &state, |s, m| {
        let mut changed = false;
        for f in &fields {
            if let Some(id) = m.field_id(f) {
                changed |= s.clear(id);
            }
        }
        changed
    })?;
    Ok(json!({}))
}

fn end_selections(ctx: &mut Ctx<'_>, accept: bool, leave: bool) -> Result<Value, RpcError> {
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
    let base = if leave {
        if let Some(o) = doc.modal_object.take() {
            // Its qSelectionInfo changes.
            doc.invalidate(ObjectRef::Object(o), &mut ctx.effects);
        }
        doc.modal_base.take()
    } else {
        doc.modal_base.clone()
    };
    if let (false, Some(base)) = (accept, base) {
        let restored = doc.selections.apply(|s| {
            *s = base;
            true
        });
        if restored {
            doc.invalidate_all(&mut ctx.effects);
        }
    }
    Ok(json!({}))
}

pub(super) fn set_properties(
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
    super::defaults::object(&mut next);
    *current = next;
    ctx.invalidate(ObjectRef::Object(id.to_string()))?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use proptest::prelude::*;

    /// A JSON value of bounded size, up to `depth` levels.
    fn value(depth: u32) -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| json!(n)),
            "[a-z]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(depth, 64, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,3}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// An `NxPatch`, valid or not: any op, a path of keys and indexes, a value as JSON text or not.
    fn nx_patch() -> impl Strategy<Value = Value> {
        let op = prop_oneof![
            Just("add"),
            Just("replace"),
            Just("remove"),
            Just("Add"),
            Just("bogus")
        ];
        let path = prop::collection::vec(
            prop_oneof!["[a-z]{1,3}", "[0-9]{1,2}", Just("-".to_string())],
            0..6,
        )
        .prop_map(|segs| format!("/{}", segs.join("/")));
        let text = prop_oneof![value(4).prop_map(|v| v.to_string()), ".{0,12}",];
        (op, path, text)
            .prop_map(|(op, path, text)| json!({"qOp": op, "qPath": path, "qValue": text}))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Random patch lists on random trees never panic; an accepted result is an object within the
        /// limits, a refused one leaves the tree as it was.
        #[test]
        fn apply_patches_never_panics_and_keeps_the_limits(
            start in value(5),
            rounds in prop::collection::vec(prop::collection::vec(nx_patch(), 0..5), 1..8),
        ) {
            let limits = Limits { max_property_depth: 6, max_property_bytes: 4096, ..Limits::default() };
            let mut current = match start {
                Value::Object(m) => m,
                other => {
                    let mut m = Map::new();
                    m.insert("v".into(), other);
                    m
                }
            };
            for patches in rounds {
                let before = current.clone();
                match patched(&current, &patches, &limits) {
                    Ok(next) => {
                        prop_assert!(limits.check_properties(&Value::Object(next.clone())).is_ok());
                        current = next;
                    }
                    Err(e) => {
                        prop_assert!(e.code == -32602, "{e:?}");
                        prop_assert_eq!(&before, &current);
                    }
                }
            }
        }
    }

    #[test]
    fn repeated_patches_cannot_build_a_deep_tree() {
        let limits = Limits::default();
        let mut current = Map::new();
        let mut path = String::new();
        let mut refused = false;
        for _ in 0..1000 {
            let p = json!({"qOp": "add", "qPath": format!("{path}/a"), "qValue": "{}"});
            match patched(&current, &[p], &limits) {
                Ok(next) => current = next,
                Err(_) => {
                    refused = true;
                    break;
                }
            }
            path.push_str("/a");
        }
        assert!(refused);
        assert!(limits.check_properties(&Value::Object(current)).is_ok());
    }
}
