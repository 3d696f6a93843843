//! The Doc class: the session's open app — layout, properties, script, session objects and variables, save.

use super::global::store_error;
use super::{obj_param, object_interface, str_param, Ctx};
use crate::doc::VariableState;
use crate::handles::ObjectRef;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// Runs a Doc method; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "GetAppLayout" => app_layout(ctx),
        "GetAppProperties" => app_properties(ctx),
        "SetAppProperties" => set_app_properties(ctx, obj_param(p, "qProp")),
        "GetScript" => ctx.doc().map(|d| json!({"qScript": d.record.script})),
        "SetScript" => set_script(ctx, str_param(p, "qScript")),
        "CreateSessionObject" => create_object(ctx, obj_param(p, "qProp"), false),
        "CreateObject" => create_object(ctx, obj_param(p, "qProp"), true),
        "DestroyObject" => destroy_object(ctx, str_param(p, "qId"), true),
        "GetObjects" => get_objects(ctx, obj_param(p, "qOptions")),
        "GetAllInfos" => all_infos(ctx),
        "CreateDimension" => {
            super::master::create(ctx, super::master::Kind::Dimension, obj_param(p, "qProp"))
        }
        "CreateMeasure" => {
            super::master::create(ctx, super::master::Kind::Measure, obj_param(p, "qProp"))
        }
        "GetDimension" => {
            super::master::get(ctx, super::master::Kind::Dimension, str_param(p, "qId"))
        }
        "GetMeasure" => super::master::get(ctx, super::master::Kind::Measure, str_param(p, "qId")),
        "DestroyDimension" => {
            super::master::destroy(ctx, super::master::Kind::Dimension, str_param(p, "qId"))
        }
        "DestroyMeasure" => {
            super::master::destroy(ctx, super::master::Kind::Measure, str_param(p, "qId"))
        }
        "GetLocaleInfo" => Ok(json!({"qReturn": locale_info()})),
        "GetObject" => get_object(ctx, str_param(p, "qId")),
        "DestroySessionObject" => destroy_object(ctx, str_param(p, "qId"), false),
        "CreateSessionVariable" => create_variable(ctx, obj_param(p, "qProp"), false),
        "CreateVariableEx" => create_variable(ctx, obj_param(p, "qProp"), true),
        "DestroyVariableById" => destroy_variable(ctx, Some(str_param(p, "qId")), None),
        "DestroyVariableByName" => destroy_variable(ctx, None, Some(str_param(p, "qName"))),
        "DestroySessionVariable" => destroy_variable(ctx, Some(str_param(p, "qId")), None),
        "GetVariableByName" => get_variable_by_name(ctx, str_param(p, "qName")),
        "GetVariableById" => get_variable_by_id(ctx, str_param(p, "qId")),
        "CreateBookmark" => super::bookmark::create(ctx, obj_param(p, "qProp"), &[]),
        "CreateBookmarkEx" => {
            let ids: Vec<String> = p
                .get("qObjectIdsToPatch")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            super::bookmark::create(ctx, obj_param(p, "qProp"), &ids)
        }
        "GetBookmark" => super::bookmark::get(ctx, str_param(p, "qId")),
        "DestroyBookmark" => super::bookmark::destroy(ctx, str_param(p, "qId")),
        "ApplyBookmark" => super::bookmark::apply(ctx, str_param(p, "qId")),
        "GetBookmarks" => super::bookmark::list(ctx, &obj_param(p, "qOptions")),
        "AddAlternateState" => add_state(ctx, str_param(p, "qStateName"), true),
        "AddSessionAlternateState" => add_state(ctx, str_param(p, "qStateName"), false),
        "RemoveAlternateState" => remove_state(ctx, str_param(p, "qStateName")).map(|_| json!({})),
        "RemoveSessionAlternateState" => {
            remove_state(ctx, str_param(p, "qStateName")).map(|ok| json!({"qSuccess": ok}))
        }
        "DoSave" => may_change(ctx).and_then(|_| save(ctx)),
        _ => return super::data::call(ctx, method, p),
    })
}

/// `AddAlternateState` (an app-level name, saved by DoSave) / `AddSessionAlternateState` (this session
/// only). Its selections start empty.
fn add_state(ctx: &mut Ctx<'_>, name: &str, in_app: bool) -> Result<Value, RpcError> {
    if name.is_empty() || name == "$" {
        return Err(RpcError::invalid_params(format!(
            "{name:?} cannot name an alternate state"
        )));
    }
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
    if !doc.alternate.contains_key(name) {
        doc.alternate.insert(name.to_string(), Default::default());
        if in_app {
            doc.record.state_names.push(name.to_string());
            doc.modified = true;
        }
        doc.invalidate(ObjectRef::Doc, &mut ctx.effects);
    }
    Ok(json!({}))
}

/// `RemoveAlternateState` / `RemoveSessionAlternateState`: objects in that state fall back to the default.
fn remove_state(ctx: &mut Ctx<'_>, name: &str) -> Result<bool, RpcError> {
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
    if doc.alternate.remove(name).is_none() {
        return Ok(false);
    }
    if let Some(i) = doc.record.state_names.iter().position(|n| n == name) {
        doc.record.state_names.remove(i);
        doc.modified = true;
    }
    doc.invalidate(ObjectRef::Doc, &mut ctx.effects);
    doc.invalidate_all(&mut ctx.effects);
    Ok(true)
}

/// Privileges the engine reports in `qMeta` of objects the user may change.
pub fn privileges() -> Value {
    json!({"privileges": ["read", "update", "delete", "exportdata"]})
}

/// A layout's `qMeta`: the properties' `qMetaDef` plus the user's privileges.
pub fn meta_from_def(meta_def: &Value) -> Value {
    let mut meta = meta_def.as_object().cloned().unwrap_or_default();
    if let Value::Object(p) = privileges() {
        meta.extend(p);
    }
    Value::Object(meta)
}

fn app_layout(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    doc.validate(&ObjectRef::Doc);
    let r = &doc.record;
    let mut layout = r.properties.clone();
    let fixed = json!({
        "qTitle": r.title,
        "qFileName": r.id,
        "qLastReloadTime": r.last_reload_time,
        "qModified": doc.modified,
        "qHasScript": !r.script.is_empty(),
        "qStateNames": r.state_names,
        "qMeta": privileges(),
        "qLocaleInfo": locale_info(),
        "qHasData": false,
        "qReadOnly": false,
        "qIsOpenedWithoutData": false,
        "qIsSessionApp": doc.session_app,
        "qThumbnail": {"qUrl": ""},
    });
    if let Value::Object(fixed) = fixed {
        layout.extend(fixed);
    }
    Ok(json!({"qLayout": layout}))
}

/// The locale the default script sets (en-US conventions).
fn locale_info() -> Value {
    json!({
        "qDecimalSep": ".", "qThousandSep": ",", "qListSep": ",", "qMoneyDecimalSep": ".",
        "qMoneyThousandSep": ",", "qCurrentYear": 2026, "qMoneyFmt": "$ ###0.00;-$ ###0.00",
        "qTimeFmt": "h:mm:ss TT", "qDateFmt": "M/D/YYYY", "qTimestampFmt": "M/D/YYYY h:mm:ss[.fff] TT",
        "qCalendarStrings": {
            "qDayNames": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"],
            "qMonthNames": ["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"],
            "qLongDayNames": ["Monday","Tuesday","Wednesday","Thursday","Friday","Saturday","Sunday"],
            "qLongMonthNames": ["January","February","March","April","May","June","July","August",
                                "September","October","November","December"]
        },
        "qFirstWeekDay": 6, "qBrokenWeeks": true, "qReferenceDay": 0, "qFirstMonthOfYear": 1,
        "qCollation": "en-US",
        "qNumericalAbbreviation": "3:k;6:M;9:G;12:T;15:P;18:E;21:Z;24:Y;-3:m;-6:\u{3bc};-9:n;-12:p;-15:f;-18:a;-21:z;-24:y"
    })
}

fn app_properties(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let r = &ctx.doc()?.record;
    let mut props = r.properties.clone();
    props.insert("qTitle".into(), json!(r.title));
    props.insert("qLastReloadTime".into(), json!(r.last_reload_time));
    props
        .entry("qThumbnail")
        .or_insert_with(|| json!({"qStaticContentUrlDef": {}}));
    Ok(json!({"qProp": props}))
}

fn set_app_properties(ctx: &mut Ctx<'_>, mut props: Map<String, Value>) -> Result<Value, RpcError> {
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
    if let Some(title) = props.remove("qTitle") {
        let Value::String(title) = title else {
            return Err(RpcError::invalid_params("qProp.qTitle must be a string"));
        };
        doc.record.title = title;
    }
    // qLastReloadTime is the engine's to set, not the client's.
    props.remove("qLastReloadTime");
    doc.record.properties = props;
    doc.modified = true;
    doc.invalidate(ObjectRef::Doc, &mut ctx.effects);
    Ok(json!({}))
}

fn set_script(ctx: &mut Ctx<'_>, script: &str) -> Result<Value, RpcError> {
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
    doc.record.script = script.to_string();
    doc.modified = true;
    doc.invalidate(ObjectRef::Doc, &mut ctx.effects);
    Ok(json!({}))
}

/// Checks `qInfo` and gives the object an id that is free in the session: the one asked for if free,
/// else a new one (the engine does the same). Fills the defaults the engine fills.
pub(super) fn prepare_props(
    doc: &crate::doc::DocState,
    mut props: Map<String, Value>,
) -> Result<(String, Map<String, Value>), RpcError> {
    let mut info = match props.remove("qInfo") {
        Some(Value::Object(info)) => info,
        _ => return Err(RpcError::invalid_params("qProp.qInfo is required")),
    };
    if !info.get("qType").is_some_and(Value::is_string) {
        return Err(RpcError::invalid_params("qProp.qInfo.qType is required"));
    }
    let wanted = info.get("qId").and_then(Value::as_str).unwrap_or("");
    let id = if wanted.is_empty() || doc.id_in_use(wanted) {
        uuid::Uuid::new_v4().to_string()
    } else {
        wanted.to_string()
    };
    info.insert("qId".into(), json!(id));
    let mut out = Map::new();
    out.insert("qInfo".into(), Value::Object(info));
    out.insert(
        "qMetaDef".into(),
        props.remove("qMetaDef").unwrap_or_else(|| json!({})),
    );
    out.extend(props);
    Ok((id, out))
}

pub(super) fn create_object(
    ctx: &mut Ctx<'_>,
    props: Map<String, Value>,
    persistent: bool,
) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let (id, mut props) = prepare_props(doc, props)?;
    super::defaults::object(&mut props);
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

fn get_object(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let Some(props) = doc.object(id) else {
        // Error 2 "Object not found": nebula.js creates the object (FieldList, DimensionList, ...) on it.
        return Err(RpcError::not_found(id));
    };
    let q_type = props["qInfo"]["qType"].as_str().unwrap_or("").to_string();
    let handle = ctx.handle_for(&ObjectRef::Object(id.to_string()))?;
    Ok(json!({"qReturn": object_interface("GenericObject", handle, &q_type, id)}))
}

pub(super) fn destroy_object(
    ctx: &mut Ctx<'_>,
    id: &str,
    persistent: bool,
) -> Result<Value, RpcError> {
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
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

/// `GetObjects`: the generic objects (persistent and session), optionally only some types.
fn get_objects(ctx: &mut Ctx<'_>, options: Map<String, Value>) -> Result<Value, RpcError> {
    let types: Vec<String> = options
        .get("qTypes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let doc = ctx.doc()?;
    let list: Vec<Value> = doc
        .record
        .objects
        .iter()
        .chain(doc.objects.iter())
        .filter(|(_, p)| {
            types.is_empty()
                || types
                    .iter()
                    .any(|t| p["qInfo"]["qType"].as_str() == Some(t))
        })
        .map(|(_, p)| json!({"qInfo": p["qInfo"], "qMeta": privileges(), "qData": {}}))
        .collect();
    Ok(json!({"qList": list}))
}

/// `GetAllInfos`: the identifiers of every object and variable.
fn all_infos(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let infos: Vec<Value> = doc
        .record
        .objects
        .values()
        .chain(doc.objects.values())
        .chain(doc.record.dimensions.values())
        .chain(doc.record.measures.values())
        .map(|p| p["qInfo"].clone())
        .chain(doc.variables.values().map(|v| v.props["qInfo"].clone()))
        .chain(
            doc.record
                .bookmarks
                .values()
                .map(|b| b.properties["qInfo"].clone()),
        )
        .collect();
    Ok(json!({"qInfos": infos}))
}

/// CreateSessionVariable (dies with the session) and CreateVariableEx (saved with the app by DoSave).
fn create_variable(
    ctx: &mut Ctx<'_>,
    mut props: Map<String, Value>,
    persistent: bool,
) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    let name = props
        .get("qName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        return Err(RpcError::new(ErrorCode::VariableNoName, "qName"));
    }
    if doc.variable_id_by_name(&name).is_some() {
        return Err(RpcError::new(ErrorCode::VariableDuplicateName, name));
    }
    let info = props.entry("qInfo").or_insert_with(|| json!({}));
    if let Value::Object(info) = info {
        info.entry("qType").or_insert_with(|| json!("variable"));
    } else {
        return Err(RpcError::invalid_params("qProp.qInfo must be an object"));
    }
    let (id, props) = prepare_props(doc, props)?;
    let info = props["qInfo"].clone();
    doc.variables
        .insert(id.clone(), VariableState { props, persistent });
    if persistent {
        doc.modified = true;
    }
    let object = ObjectRef::Variable(id.clone());
    let mut ignored = Default::default();
    doc.invalidate(object.clone(), &mut ignored);
    let handle = ctx.handle_for(&object)?;
    let returned = object_interface("GenericVariable", handle, "variable", &id);
    Ok(if persistent {
        json!({"qInfo": info, "qReturn": returned})
    } else {
        json!({"qReturn": returned})
    })
}

/// DestroyVariableById / DestroyVariableByName / DestroySessionVariable: `qSuccess` false when there is
/// no such variable.
fn destroy_variable(
    ctx: &mut Ctx<'_>,
    id: Option<&str>,
    name: Option<&str>,
) -> Result<Value, RpcError> {
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
    let id = match (id, name) {
        (Some(id), _) => Some(id.to_string()),
        (None, Some(name)) => doc.variable_id_by_name(name),
        (None, None) => None,
    };
    let Some(removed) = id.as_ref().and_then(|id| doc.variables.remove(id)) else {
        return Ok(json!({"qSuccess": false}));
    };
    if removed.persistent {
        doc.modified = true;
    }
    if let Some(id) = id {
        doc.remove(ObjectRef::Variable(id), &mut ctx.effects);
    }
    Ok(json!({"qSuccess": true}))
}

fn variable_return(ctx: &mut Ctx<'_>, id: Option<String>) -> Result<Value, RpcError> {
    let Some(id) = id else {
        return Ok(
            json!({"qReturn": {"qType": null, "qHandle": null, "qGenericType": null, "qGenericId": null}}),
        );
    };
    let handle = ctx.handle_for(&ObjectRef::Variable(id.clone()))?;
    Ok(json!({"qReturn": object_interface("GenericVariable", handle, "variable", &id)}))
}

fn get_variable_by_name(ctx: &mut Ctx<'_>, name: &str) -> Result<Value, RpcError> {
    let id = ctx.doc()?.variable_id_by_name(name);
    variable_return(ctx, id)
}

fn get_variable_by_id(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let found = ctx
        .doc()?
        .variables
        .contains_key(id)
        .then(|| id.to_string());
    variable_return(ctx, found)
}

/// Refuses a user who may not change the open app's stored record (server mode's rule, [`crate::rights`]).
/// The stored owner counts, not the session's copy.
pub(super) fn may_change(ctx: &mut Ctx<'_>) -> Result<(), RpcError> {
    let env = ctx.env;
    let user = ctx.key.user.clone();
    let doc = ctx.doc()?;
    if doc.session_app {
        return Ok(());
    }
    let stored = env.store.get(&doc.record.id).map_err(store_error)?;
    env.rights.check_change(&user, &stored)
}

fn save(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let env = ctx.env;
    let doc = ctx.state.doc.as_mut().ok_or_else(super::no_active_doc)?;
    if doc.session_app {
        return Err(RpcError::new(
            ErrorCode::NotSupportedForSessionApp,
            "a session app cannot be saved",
        ));
    }
    doc.record.variables = doc
        .variables
        .iter()
        .filter(|(_, v)| v.persistent)
        .map(|(id, v)| (id.clone(), v.props.clone()))
        .collect();
    let persistent = |id: &str| doc.record.objects.contains_key(id);
    doc.record.children = doc
        .children
        .iter()
        .filter(|(parent, _)| persistent(parent))
        .map(|(p, kids)| {
            let kept: Vec<String> = kids.iter().filter(|k| persistent(k)).cloned().collect();
            (p.clone(), kept)
        })
        .filter(|(_, kids)| !kids.is_empty())
        .collect();
    // One save of the app at a time, from writing its data to publishing it: the last save wins whole.
    let app = env.store.lock(&doc.record.id).map_err(store_error)?;
    let stored = app.get().map_err(store_error)?;
    // The saved record names this session's data: the version it was saved as, while that is still the
    // stored one; else (reloaded, or another session saved since) a new version.
    let same = doc.data_saved
        && doc.record.data_version == stored.data_version
        && app.has_data(stored.data_version);
    let files = (!same).then(|| crate::persist::export(&doc.data));
    let saved = app
        .save(&doc.record, files.as_deref())
        .map_err(store_error)?;
    doc.record = saved;
    doc.data_saved = true;
    // Sessions that open the app from now on start from this data.
    env.published
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(doc.record.id.clone(), doc.data.clone());
    drop(app);
    if doc.modified {
        doc.modified = false;
        doc.invalidate(ObjectRef::Doc, &mut ctx.effects);
    }
    Ok(json!({}))
}
