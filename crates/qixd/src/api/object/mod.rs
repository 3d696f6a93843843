//! The GenericObject class: layouts, properties, data pages and selections; children in `children`,
//! snapshots in `snapshot`, pivot and stacked data and expansion in `pivot`, `ExportData` in `export`.

mod charts;
mod children;
mod export;
mod list_search;
mod pivot;
mod ranges;
mod snapshot;

use crate::api::{obj_param, Ctx};
use crate::doc::DocState;
use crate::handles::ObjectRef;
use crate::view::defs::Page;
use crate::view::groups::Cycle;
use crate::view::layout::Written;
use crate::view::objects::{props, set_properties};
use crate::view::props::{layout_from_props, patched};
use qix_engine::State;
use qix_protocol::splice::Splice;
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
        "GetProperties" => props(ctx, id).map(|p| crate::api::result("qProp", p.clone())),
        "GetEffectiveProperties" => effective(ctx, id).map(|p| crate::api::result("qProp", p)),
        "GetInfo" => props(ctx, id).map(|p| json!({"qInfo": p["qInfo"].clone()})),
        "SetProperties" => set_properties(ctx, id, obj_param(p, "qProp")),
        "ApplyPatches" => apply_patches(ctx, id, p),
        "GetHyperCubeData" | "GetListObjectData" => data_pages(ctx, id, method, p),
        // The data unreduced: every point the pages ask for (a client asks for reduced data to draw
        // fewer; the pages' cell limit still holds).
        "GetHyperCubeReducedData" => data_pages(ctx, id, "GetHyperCubeData", p),
        "ExportData" => export::export_data(ctx, id, p),
        "DrillUp" => drill_up(ctx, id, p),
        "StepCycle" | "SetActiveField" => cycle(ctx, id, method, p),
        "GetHyperCubePivotData" => pivot::data(ctx, id, p, false),
        "GetHyperCubeTreeData" => charts::tree_data(ctx, id, p),
        "GetHyperCubeBinnedData" => charts::binned_data(ctx, id, p),
        "GetHyperCubeContinuousData" => charts::continuous_data(ctx, id, p),
        "GetHyperCubeStackData" => pivot::data(ctx, id, p, true),
        "ExpandLeft" => pivot::expand(ctx, id, p, true, true),
        "CollapseLeft" => pivot::expand(ctx, id, p, true, false),
        "ExpandTop" => pivot::expand(ctx, id, p, false, true),
        "CollapseTop" => pivot::expand(ctx, id, p, false, false),
        "SelectPivotCells" => pivot::select_cells(ctx, id, p),
        "SelectHyperCubeValues" => {
            let dim = p.get("qDimNo").and_then(Value::as_u64).unwrap_or(0) as usize;
            select_values(ctx, id, p, Some(dim))
        }
        "SelectListObjectValues" => select_values(ctx, id, p, None),
        "SearchListObjectFor" => list_search::search_for(ctx, id, p),
        "AbortListObjectSearch" => list_search::abort(ctx, id, p),
        "AcceptListObjectSearch" => list_search::accept(ctx, id, p),
        "SelectHyperCubeCells" => select_cells(ctx, id, p),
        "RangeSelectHyperCubeValues" => ranges::range_select(ctx, id, p),
        "MultiRangeSelectHyperCubeValues" => ranges::multi_range_select(ctx, id, p),
        "SelectHyperCubeContinuousRange" => ranges::continuous_range(ctx, id, p),
        "MultiRangeSelectTreeDataValues" => ranges::tree_range_select(ctx, id, p),
        "CreateChild" => children::create(ctx, id, p),
        "GetChild" => children::get(ctx, id, super::str_param(p, "qId")),
        "GetParent" => children::parent(ctx, id),
        "GetChildInfos" => children::infos(ctx, id),
        "DestroyChild" => children::destroy(ctx, id, p),
        "DestroyAllChildren" => children::destroy_all(ctx, id, p),
        "GetFullPropertyTree" => children::full_tree(ctx, id),
        "SetChildArrayOrder" => children::set_order(ctx, id, p),
        "SetFullPropertyTree" => children::set_full_tree(ctx, id, p),
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
            d.begin_selections(id);
            json!({})
        }),
        "EndSelections" => {
            let accept = p.get("qAccept").and_then(Value::as_bool).unwrap_or(true);
            end_selections(ctx, accept, true)
        }
        "ResetMadeSelections" => end_selections(ctx, false, false),
        "EmbedSnapshotObject" => snapshot::embed(ctx, id, super::str_param(p, "qId")),
        "GetSnapshotObject" => snapshot::get(ctx, id),
        _ => return crate::api::missing_part("GenericObject", method),
    })
}

/// The properties with this session's soft patches.
fn effective(ctx: &mut Ctx<'_>, id: &str) -> Result<Map<String, Value>, RpcError> {
    ctx.doc()?
        .effective(id)?
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(RpcError::invalid_handle)
}

fn layout(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let env = ctx.env;
    let doc = ctx.doc()?;
    let (layout, splices) = computed_layout(env, doc, id)?;
    doc.validate(&ObjectRef::Object(id.to_string()));
    ctx.splices = splices;
    Ok(layout)
}

/// `GetLayout`'s answer for object `id`, read from the app without changing it: what the shared-lock path
/// of [`crate::api::handle_request`] computes before it marks the object laid out. Its data pages are
/// written as text already: they go where the splices say.
pub fn computed_layout(
    env: &crate::env::Env,
    doc: &DocState,
    id: &str,
) -> Result<(Value, Vec<Splice>), RpcError> {
    let mut props = doc.effective(id)?.ok_or_else(RpcError::invalid_handle)?;
    let view = crate::view::View::of(env, doc);
    if crate::view::dollar::has_expansions(&props) {
        crate::view::dollar::expand_props(&view, props.to_mut());
    }
    let mut written = Written::at("");
    let computed = crate::view::layout::layout(&view, &props, &mut written);
    let mut splices = written.splices;
    let mut layout = layout_from_props(computed, &mut splices);
    if doc.soft_patch(id).is_some() {
        layout.insert("qHasSoftPatches".into(), json!(true));
    }
    if let Some(made) = doc.modal_selections(id) {
        layout.insert(
            "qSelectionInfo".into(),
            json!({"qInSelections": true, "qMadeSelections": made}),
        );
    }
    let layout = crate::api::result("qLayout", layout);
    for s in &mut splices {
        s.pointer.insert_str(0, "/qLayout");
    }
    // A page goes only where the layout still holds its place.
    splices.retain(|s| crate::view::pointer::at(&layout, &s.pointer) == Some(&Value::Null));
    Ok((layout, splices))
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
        let (doc, effects) = ctx.doc_effects()?;
        let own = doc.patched(id).ok_or_else(RpcError::invalid_handle)?;
        let m = patched(own, &patches, &env.limits)?;
        doc.set_soft_patch(id, m, effects);
        return Ok(json!({}));
    }
    let (doc, effects) = ctx.doc_effects()?;
    doc.set_object_props(id, effects, |current| {
        let mut m = patched(current, &patches, &env.limits)?;
        crate::view::defaults::object(&mut m);
        Ok(m)
    })?;
    Ok(json!({}))
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
    crate::view::dollar::expand_props(&crate::view::View::of(env, ctx.doc()?), &mut props);
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

/// What a data call works on: the definition at `qPath`, the selection state it works in, and the
/// pages asked for (checked against the page limits).
type DataRequest = (Map<String, Value>, String, Vec<Page>);

/// The [`DataRequest`] of a data call's params.
fn data_request(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
) -> Result<DataRequest, RpcError> {
    let def = def_at(ctx, id, p)?;
    let state = state_name(ctx, id, &def)?;
    let pages = Page::parse_all(p.get("qPages"));
    ctx.env.limits.check_pages(&pages)?;
    Ok((def, state, pages))
}

fn data_pages(
    ctx: &mut Ctx<'_>,
    id: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let cube = method == "GetHyperCubeData";
    let path = match cube {
        true => cube_path(p),
        false => list_path(p),
    };
    let (def, state, pages) = data_request(ctx, id, &with_path(p, path))?;
    let env = ctx.env;
    let doc = ctx.doc()?;
    let view = crate::view::View::of(env, doc).in_state(Some(&state));
    let pages = if cube {
        crate::view::layout::cube_pages(&view, &def, &pages)
            .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?
    } else {
        let search = doc.list_search(id, path);
        crate::view::layout::list_pages(&view, &def, &pages, search)
    };
    let (result, splices) = pages.under("qDataPages");
    ctx.splices = splices;
    Ok(result)
}

/// The definition path a cube method names: its `qPath`, `/qHyperCubeDef` when it names none.
fn cube_path(p: &Map<String, Value>) -> &str {
    match p.get("qPath").and_then(Value::as_str) {
        Some(path) if !path.is_empty() => path,
        _ => "/qHyperCubeDef",
    }
}

/// The definition path a list object method names: its `qPath`, `/qListObjectDef` when it names none.
/// The one normalisation of it, so that the list's data and its session search agree on the key.
fn list_path(p: &Map<String, Value>) -> &str {
    match p.get("qPath").and_then(Value::as_str) {
        Some(path) if !path.is_empty() => path,
        _ => "/qListObjectDef",
    }
}

/// `p` with `qPath` set to `path`.
fn with_path(p: &Map<String, Value>, path: &str) -> Map<String, Value> {
    let mut params = p.clone();
    params.insert("qPath".into(), json!(path));
    params
}

/// `p` with `qPath` set to [`cube_path`] (the methods on a cube default to `/qHyperCubeDef`).
fn cube_params(p: &Map<String, Value>) -> Map<String, Value> {
    with_path(p, cube_path(p))
}

/// A call on a grouped dimension: the definition's path, its selection state, the dimension number,
/// and the group's fields and the level shown, as the session sees them.
struct GroupCall {
    path: String,
    state: String,
    dim: usize,
    fields: Vec<String>,
    pos: usize,
}

/// The [`GroupCall`] of a cube method's params (`qPath`, `qDimNo`); `None` when that dimension is not a
/// group of kind `grouping` (`H` or `C`).
fn group_call(
    ctx: &mut Ctx<'_>,
    id: &str,
    p: &Map<String, Value>,
    grouping: &str,
) -> Result<Option<GroupCall>, RpcError> {
    let params = cube_params(p);
    let path = cube_path(p).to_string();
    let def = def_at(ctx, id, &params)?;
    let state = state_name(ctx, id, &def)?;
    let dim = p.get("qDimNo").and_then(Value::as_u64).unwrap_or(0) as usize;
    let env = ctx.env;
    let view = crate::view::View::of(env, ctx.doc()?).in_state(Some(&state));
    let resolved = Value::Object(crate::view::library::resolve_library(&view, &def).into_owned());
    let Some(qdef) = resolved
        .pointer(&format!("/qDimensions/{dim}/qDef"))
        .filter(|d| d.get("qGrouping").and_then(Value::as_str) == Some(grouping))
    else {
        return Ok(None);
    };
    Ok(Some(GroupCall {
        fields: crate::view::defs::strings_at(qdef, "qGroupFieldDefs"),
        pos: qdef.get("qGroupPos").and_then(Value::as_u64).unwrap_or(0) as usize,
        path,
        state,
        dim,
    }))
}

/// `DrillUp(qPath, qDimNo, qNbrSteps)`: a drill-down dimension goes back `qNbrSteps` levels (0: to its
/// top) by clearing the selections of the fields between; other dimensions do not move.
fn drill_up(ctx: &mut Ctx<'_>, id: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let Some(g) = group_call(ctx, id, p, "H")? else {
        return Ok(json!({}));
    };
    let steps = p.get("qNbrSteps").and_then(Value::as_u64).unwrap_or(0) as usize;
    let target = if steps == 0 {
        0
    } else {
        g.pos.saturating_sub(steps)
    };
    crate::view::select::select_in(ctx, &g.state, |s, m| {
        let mut changed = false;
        for f in g.fields.iter().take(g.pos).skip(target) {
            if let Some(fid) = m.field_id(f) {
                changed |= s.clear(fid);
            }
        }
        changed
    })?;
    Ok(json!({}))
}

/// `StepCycle(qPath, qDimNo, qNbrSteps)` and `SetActiveField(qPath, qDimNo, qNewIndex)`: a cyclic
/// dimension shows another field of its group, for this session (a soft patch of its `qActiveField`).
fn cycle(
    ctx: &mut Ctx<'_>,
    id: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let Some(g) = group_call(ctx, id, p, "C")? else {
        return Ok(json!({}));
    };
    let to = match method {
        "StepCycle" => Cycle::Step(p.get("qNbrSteps").and_then(Value::as_i64).unwrap_or(1)),
        _ => Cycle::Set(p.get("qNewIndex").and_then(Value::as_i64).unwrap_or(0)),
    };
    let Some(next) = crate::view::groups::next_active(g.pos, g.fields.len(), to) else {
        return Err(RpcError::invalid_params(format!(
            "qNewIndex {} is not a field of the group",
            p.get("qNewIndex").unwrap_or(&Value::Null)
        )));
    };
    let patch = json!({"qSoftPatch": true, "qPatches": [{"qOp": "add",
        "qPath": format!("{}/qDimensions/{}/qDef/qActiveField", g.path, g.dim),
        "qValue": next.to_string()}]});
    apply_patches(ctx, id, patch.as_object().unwrap_or(&Map::new()))
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
    let view = crate::view::View::of(env, ctx.doc()?).in_state(Some(&state));
    let def = crate::view::library::resolve_library(&view, &def);
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
        .filter_map(|v| u32::try_from(v).ok())
        .collect();
    let picks = match (dim, qix_engine::hypercube::is_calculated(&field)) {
        (Some(d), true) => {
            let view = crate::view::View::of(env, ctx.doc()?).in_state(Some(&state));
            let (_, cube) = crate::view::layout::cube(&view, &def)
                .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
            crate::view::select::dimension_picks(&cube, &field, view.model(), d, values)
        }
        _ => vec![(field, values)],
    };
    let changed = crate::view::select::select_in(ctx, &state, |s, m| {
        let mut changed = false;
        for (field, values) in picks {
            let Some(f) = m.field_id(&field) else {
                continue;
            };
            let n = m.fields[f].symbols.len() as u32;
            let syms: Vec<u32> = values.into_iter().filter(|v| *v < n).collect();
            changed |= if toggle {
                s.toggle(f, &syms)
            } else {
                s.set(f, syms)
            };
        }
        changed
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
    let picks = {
        let ndims = def
            .get("qDimensions")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let dims: Vec<usize> = cols
            .iter()
            .map(|c| usize::try_from(*c).ok().filter(|c| *c < ndims).ok_or(*c))
            .collect::<Result<_, _>>()
            .map_err(|bad| {
                RpcError::new(
                    ErrorCode::InvalidParams,
                    format!("column {bad} is not a dimension"),
                )
            })?;
        let view = crate::view::View::of(env, ctx.doc()?).in_state(Some(&state));
        let (def, cube) = crate::view::layout::cube(&view, &def)
            .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
        // A row index that is not one of the cube's picks nothing (a negative one reads as row 0).
        let picked_rows: Vec<_> = rows
            .iter()
            .filter_map(|r| cube.rows.get(usize::try_from(*r).unwrap_or(0)))
            .collect();
        let mut picks: Vec<(String, Vec<u32>)> = Vec::new();
        for &d in &dims {
            let ids = picked_rows
                .iter()
                .filter_map(|row| row.dims[d].symbol)
                .collect();
            let field = &def.dimensions[d].field;
            let model = view.model();
            picks.extend(crate::view::select::dimension_picks(
                &cube, field, model, d, ids,
            ));
        }
        picks
    };
    let changed = select_picks(ctx, &state, picks, deselect_one)?;
    Ok(json!({"qSuccess": changed}))
}

/// Selects the picked values of each field (`deselect_one`: picking the one value already selected
/// clears it); answers whether the selections changed. A field picked no value of is left as it is: a
/// range or a click that meets nothing must not clear the field's selection.
fn select_picks(
    ctx: &mut Ctx<'_>,
    state: &str,
    mut picks: Vec<(String, Vec<u32>)>,
    deselect_one: bool,
) -> Result<bool, RpcError> {
    picks.retain(|(_, syms)| !syms.is_empty());
    if picks.is_empty() {
        return Ok(false);
    }
    crate::view::select::select_in(ctx, state, |s, m| {
        let mut changed = false;
        for (field, mut syms) in picks {
            let Some(f) = m.field_id(&field) else {
                continue;
            };
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
    })
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
    let model = doc.data().model.clone();
    let state = doc
        .state(&state_name)
        .ok_or_else(|| crate::view::context::unknown_state(&state_name))?
        .current()
        .clone();
    let Some(f) = model.field_id(&field) else {
        return Ok(json!({"qReturn": false}));
    };
    let inference = env.cache.inference(&model, &state);
    let states = qix_engine::field_states_in(&model, &state, f, &inference, &|s| {
        env.cache.inference(&model, s)
    });
    let syms: Vec<u32> = states
        .iter()
        .enumerate()
        .filter(|(_, s)| keep(**s))
        .map(|(i, _)| i as u32)
        .collect();
    let changed = crate::view::select::select_in(ctx, &state_name, |s, _| s.set(f, syms))?;
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
    crate::view::select::select_in(ctx, &state, |s, m| {
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
    let (doc, effects) = ctx.doc_effects()?;
    doc.end_selections(accept, leave, effects);
    Ok(json!({}))
}
