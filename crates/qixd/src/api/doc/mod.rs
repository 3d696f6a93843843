//! The Doc class: the session's open app. One dispatch for every Doc method; the work is split by concern
//! into the submodules (app properties and saving, data and selections, objects, variables, master items,
//! bookmarks), which import only `api/mod.rs` and the view layer, never each other.

mod app;
mod bookmarks;
mod data;
mod extra;
mod master;
mod objects;
mod samples;
mod search;
mod search_objects;
mod variables;

use super::{obj_param, str_param, Ctx};
use crate::view;
use crate::view::master::Kind;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// Runs a Doc method; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "GetAppLayout" => app::app_layout(ctx),
        "GetAppProperties" => app::app_properties(ctx),
        "SetAppProperties" => app::set_app_properties(ctx, obj_param(p, "qProp")),
        "GetScript" => ctx.doc().map(|d| json!({"qScript": d.record().script})),
        "SetScript" => app::set_script(ctx, str_param(p, "qScript")),
        "CreateSessionObject" => view::objects::create_object(ctx, obj_param(p, "qProp"), false),
        "CreateObject" => view::objects::create_object(ctx, obj_param(p, "qProp"), true),
        "DestroyObject" => view::objects::destroy_object(ctx, str_param(p, "qId"), true),
        "GetObjects" => objects::get_objects(ctx, obj_param(p, "qOptions")),
        "GetAllInfos" => objects::all_infos(ctx),
        "CreateDimension" => {
            master::create(ctx, Kind::Dimension, obj_param(p, "qProp"))
        }
        "CreateMeasure" => {
            master::create(ctx, Kind::Measure, obj_param(p, "qProp"))
        }
        "GetDimension" => {
            master::get(ctx, Kind::Dimension, str_param(p, "qId"))
        }
        "GetMeasure" => master::get(ctx, Kind::Measure, str_param(p, "qId")),
        "DestroyDimension" => {
            master::destroy(ctx, Kind::Dimension, str_param(p, "qId"))
        }
        "DestroyMeasure" => {
            master::destroy(ctx, Kind::Measure, str_param(p, "qId"))
        }
        "GetLocaleInfo" => Ok(json!({"qReturn": app::locale_info()})),
        "GetObject" => objects::get_object(ctx, str_param(p, "qId")),
        "DestroySessionObject" => view::objects::destroy_object(ctx, str_param(p, "qId"), false),
        "CreateSessionVariable" => variables::create_variable(ctx, obj_param(p, "qProp"), false),
        "CreateVariableEx" => variables::create_variable(ctx, obj_param(p, "qProp"), true),
        "DestroyVariableById" => variables::destroy_variable(ctx, Some(str_param(p, "qId")), None),
        "DestroyVariableByName" => variables::destroy_variable(ctx, None, Some(str_param(p, "qName"))),
        "DestroySessionVariable" => variables::destroy_variable(ctx, Some(str_param(p, "qId")), None),
        "GetVariableByName" => variables::get_variable_by_name(ctx, str_param(p, "qName")),
        "GetVariableById" => variables::get_variable_by_id(ctx, str_param(p, "qId")),
        "CreateBookmark" => bookmarks::create(ctx, obj_param(p, "qProp"), &[]),
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
            bookmarks::create(ctx, obj_param(p, "qProp"), &ids)
        }
        "GetBookmark" => bookmarks::get(ctx, str_param(p, "qId")),
        "DestroyBookmark" => bookmarks::destroy(ctx, str_param(p, "qId")),
        "ApplyBookmark" => view::bookmarks::apply(ctx, str_param(p, "qId")),
        "GetBookmarks" => bookmarks::list(ctx, &obj_param(p, "qOptions")),
        "AddAlternateState" => app::add_state(ctx, str_param(p, "qStateName"), true),
        "AddSessionAlternateState" => app::add_state(ctx, str_param(p, "qStateName"), false),
        "RemoveAlternateState" => app::remove_state(ctx, str_param(p, "qStateName")).map(|_| json!({})),
        "RemoveSessionAlternateState" => {
            app::remove_state(ctx, str_param(p, "qStateName")).map(|ok| json!({"qSuccess": ok}))
        }
        "DoSave" => ctx.may_change_app().and_then(|_| app::save(ctx)),
        "SaveAs" => app::save_as(ctx, str_param(p, "qNewAppName")),
        "CheckScriptSyntax" => data::check_syntax(ctx),
        "GetEmptyScript" => Ok(json!({"qReturn": super::DEFAULT_SCRIPT})),
        "GetScriptEx" => ctx.doc().map(|d| json!({"qScript": {"qScript": d.record().script, "qMeta": {}}})),
        "GetTablesAndKeys" => data::tables_and_keys(ctx),
        "GetFieldDescription" => data::field_description(ctx, str_param(p, "qFieldName")),
        "GetField" => data::get_field(ctx, str_param(p, "qFieldName"), str_param(p, "qStateName")),
        "GetTableData" => data::table_data(ctx, p),
        "ClearAll" => {
            let locked_too = p.get("qLockedAlso").and_then(Value::as_bool).unwrap_or(false);
            view::select::select_in(ctx, str_param(p, "qStateName"), |s, _| {
                if locked_too {
                    s.unlock_all();
                }
                s.clear_all()
            })
            .map(|_| json!({}))
        }
        "LockAll" => {
            view::select::select_in(ctx, str_param(p, "qStateName"), |s, _| s.lock_all()).map(|_| json!({}))
        }
        "UnlockAll" => {
            view::select::select_in(ctx, str_param(p, "qStateName"), |s, _| s.unlock_all()).map(|_| json!({}))
        }
        "Back" => data::history(ctx, true),
        "Forward" => data::history(ctx, false),
        "Evaluate" => view::evaluate(ctx, str_param(p, "qExpression")).map(|v| {
            json!({"qReturn": v.map_or_else(|e| e, |v| v.text().unwrap_or_else(|| "-".into()))})
        }),
        "EvaluateEx" => view::evaluate(ctx, str_param(p, "qExpression")).map(|v| match v {
            Ok(v) => json!({"qValue": {"qText": v.text().unwrap_or_else(|| "-".into()), "qIsNumeric": v.own_num().is_some(), "qNumber": v.own_num().map_or(json!("NaN"), |n| json!(n))}}),
            Err(e) => json!({"qValue": {"qText": e, "qIsNumeric": false, "qNumber": "NaN"}}),
        }),
        "CheckExpression" => data::check_expression(ctx, str_param(p, "qExpr")),
        "CreateConnection" => data::create_connection(ctx, obj_param(p, "qConnection")),
        "GetConnections" => ctx.doc().map(|d| {
            let list: Vec<Value> = d
                .record()
                .connections
                .iter()
                .map(|(name, path)| json!({"qId": name, "qName": name, "qConnectionString": path, "qType": "folder"}))
                .collect();
            json!({"qConnections": list})
        }),
        "GetConnection" => {
            let id = str_param(p, "qConnectionId").to_string();
            ctx.doc().and_then(|d| match d.record().connections.get(&id) {
                Some(path) => Ok(json!({"qConnection": {"qId": id, "qName": id, "qConnectionString": path, "qType": "folder"}})),
                None => Err(RpcError::new(ErrorCode::NotFound, id)),
            })
        }
        "DeleteConnection" => {
            let id = str_param(p, "qConnectionId").to_string();
            ctx.doc_effects().and_then(|(d, fx)| {
                if !d.record().connections.contains_key(&id) {
                    return Err(RpcError::new(ErrorCode::NotFound, id));
                }
                d.change_record(&[], fx, |r| r.connections.remove(&id));
                Ok(json!({}))
            })
        }
        "DoReload" | "DoReloadEx" => data::reload(ctx, method, p),
        _ => return more(ctx, method, p),
    })
}

/// The Doc methods added for the rest of the API: small answers here, the rest in [`extra`].
fn more(
    ctx: &mut Ctx<'_>,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    let name = || str_param(p, "qName").to_string();
    Some(match method {
        "GetFieldOnTheFlyByName" => data::get_field(ctx, str_param(p, "qReadableName"), ""),
        "CheckNumberOrExpression" => data::check_expression(ctx, str_param(p, "qExpr")),
        "BackCount" | "ForwardCount" => ctx.doc().map(|d| {
            let (back, forward) = d.selections().history();
            json!({"qReturn": if method == "BackCount" { back } else { forward }})
        }),
        // The deprecated name-only variable methods.
        "CreateVariable" => variables::create_variable(
            ctx,
            json_map(json!({"qName": name(), "qDefinition": ""})),
            true,
        )
        .map(|_| json!({"qReturn": true})),
        "RemoveVariable" => {
            variables::destroy_variable(ctx, None, Some(&name())).map(|_| json!({"qReturn": true}))
        }
        "DestroySessionVariableById" => {
            variables::destroy_variable(ctx, Some(str_param(p, "qId")), None)
        }
        "DestroySessionVariableByName" => variables::destroy_variable(ctx, None, Some(&name())),
        "GetVariables" => variable_list(ctx, &obj_param(p, "qListDef")),
        "SearchResults" => search::results(ctx, p),
        "SearchAssociations" => search::associations(ctx, p),
        "SearchSuggest" => search::suggest(ctx, p),
        "SelectAssociations" => search::select(ctx, p),
        "GetFieldAndColumnSamples" => samples::samples(ctx, p),
        "SearchObjects" => search_objects::search_objects(ctx, p),
        "GetMeasureWithLabel" => {
            let label = str_param(p, "qLabel");
            let id = ctx.doc().map(|d| {
                d.record()
                    .measures
                    .iter()
                    .find(|(_, m)| {
                        m["qMeasure"]["qLabel"].as_str() == Some(label)
                            || m["qMetaDef"]["title"].as_str() == Some(label)
                    })
                    .map(|(id, _)| id.clone())
            });
            match id {
                Ok(Some(id)) => master::get(ctx, Kind::Measure, &id),
                Ok(None) => Err(RpcError::not_found(label)),
                Err(e) => Err(e),
            }
        }
        "CloneDimension" => clone_master(ctx, Kind::Dimension, str_param(p, "qId")),
        "CloneMeasure" => clone_master(ctx, Kind::Measure, str_param(p, "qId")),
        "CloneObject" => clone_object(ctx, str_param(p, "qId")),
        "GetOrCreateObject" => get_or_create(ctx, obj_param(p, "qProp")),
        "ApplyAndVerifyBookmark" => view::bookmarks::apply(ctx, str_param(p, "qId"))
            .map(|_| json!({"qResult": {"qApplySuccess": true, "qWarnings": []}})),
        "SaveObjects" => ctx
            .may_change_app()
            .and_then(|_| app::save(ctx))
            .map(|_| json!({})),
        "AbortModal" => {
            let accept = p.get("qAccept").and_then(Value::as_bool).unwrap_or(false);
            ctx.doc_effects().map(|(d, fx)| {
                d.end_selections(accept, true, fx);
                json!({})
            })
        }
        "ModifyConnection" => modify_connection(
            ctx,
            str_param(p, "qConnectionId"),
            obj_param(p, "qConnection"),
        ),
        // Settings of Qlik's desktop clients and of fetching that qixd has no use for: accepted, kept nowhere.
        "Resume"
        | "SetFetchLimit"
        | "SetProhibitBinaryLoad"
        | "CommitScript"
        | "SetViewDlgSaveInfo"
        | "SetScriptBreakpoints"
        | "ApplyGroupStates" => Ok(json!({})),
        "GetScriptBreakpoints" => Ok(json!({"qBreakpoints": []})),
        "GetTextMacros" => Ok(json!({"qMacros": []})),
        "GetScriptMeta" => Ok(json!({"qMeta": {}})),
        "GetGroupStates" => Ok(json!({"qGroupStates": []})),
        "GetViewDlgSaveInfo" => Ok(
            json!({"qReturn": {"qPos": {"qLeft": 0, "qTop": 0, "qWidth": 0, "qHeight": 0},
            "qCtlInfo": {}, "qViewMode": 0, "qVisibleTables": [], "qZoomFactor": 1}}),
        ),
        "GetLooselyCoupledVector" => data::loosely_coupled_vector(ctx),
        "SetLooselyCoupledVector" => Ok(json!({"qReturn": false})),
        // No content libraries or media in qixd (they are Qlik Sense's repository's).
        "GetMediaList" => Ok(json!({"qList": {"qItems": []}, "qReturn": true})),
        "GetContentLibraries" => Ok(json!({"qList": {"qItems": []}})),
        "GetLibraryContent" => Err(RpcError::not_found(name())),
        _ => return extra::call(ctx, method, p),
    })
}

fn json_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `GetVariables`: the variable list of `qListDef`, as a `qVariableListDef` layout lists it.
fn variable_list(ctx: &mut Ctx<'_>, def: &Map<String, Value>) -> Result<Value, RpcError> {
    let env = ctx.env;
    let doc = ctx.doc()?;
    let v = view::View::of(env, doc);
    Ok(json!({"qList": view::variables::variable_items(&v, def)}))
}

/// `CloneDimension` / `CloneMeasure`: a new master item with the same properties.
fn clone_master(ctx: &mut Ctx<'_>, kind: Kind, id: &str) -> Result<Value, RpcError> {
    let mut props = kind
        .items(ctx.doc()?.record())
        .get(id)
        .cloned()
        .ok_or_else(|| RpcError::not_found(id))?;
    props.insert("qInfo".into(), json!({"qType": props["qInfo"]["qType"]}));
    let made = master::create(ctx, kind, props)?;
    Ok(json!({"qCloneId": made["qInfo"]["qId"]}))
}

/// `CloneObject`: a new persistent object with the same properties (its children are not copied).
fn clone_object(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let mut props = ctx
        .doc()?
        .object(id)
        .cloned()
        .ok_or_else(|| RpcError::not_found(id))?;
    props.insert("qInfo".into(), json!({"qType": props["qInfo"]["qType"]}));
    let made = view::objects::create_object(ctx, props, true)?;
    Ok(json!({"qCloneId": made["qInfo"]["qId"]}))
}

/// `GetOrCreateObject`: the object `qProp.qInfo.qId` names, or a new persistent one with these properties.
fn get_or_create(ctx: &mut Ctx<'_>, props: Map<String, Value>) -> Result<Value, RpcError> {
    let id = props["qInfo"]["qId"].as_str().unwrap_or("").to_string();
    if !id.is_empty() && ctx.doc()?.object(&id).is_some() {
        let got = objects::get_object(ctx, &id)?;
        return Ok(json!({"qNewObject": false, "qReturn": got["qReturn"]}));
    }
    let made = view::objects::create_object(ctx, props, true)?;
    Ok(json!({"qNewObject": true, "qReturn": made["qReturn"]}))
}

/// `ModifyConnection`: the connection made again from the new definition (a folder connection).
fn modify_connection(
    ctx: &mut Ctx<'_>,
    id: &str,
    mut conn: Map<String, Value>,
) -> Result<Value, RpcError> {
    if !ctx.doc()?.record().connections.contains_key(id) {
        return Err(RpcError::new(ErrorCode::NotFound, id.to_string()));
    }
    let name = conn
        .entry("qName")
        .or_insert_with(|| json!(id))
        .as_str()
        .unwrap_or(id)
        .to_string();
    data::create_connection(ctx, conn)?;
    if name != id {
        let (d, fx) = ctx.doc_effects()?;
        d.change_record(&[], fx, |r| r.connections.remove(id));
    }
    Ok(json!({}))
}
