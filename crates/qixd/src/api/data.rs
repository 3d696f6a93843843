//! Doc methods over the app's data: reload and its progress, script checks, tables and keys, fields,
//! selections (clear, lock, back / forward), evaluation and data connections.

use super::{no_active_doc, obj_param, str_param, Ctx, Env};
use crate::doc::{LoadedData, ReloadProgress};
use crate::handles::ObjectRef;
use crate::session::{Session, SocketId};
use qix_engine::{DataModel, FieldId, HyperCubeDef, SelectionState};
use qix_protocol::{ErrorCode, Request, Response, RpcError};
use serde_json::{json, Map, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Runs a Doc method of this module; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "CheckScriptSyntax" => check_syntax(ctx),
        "GetEmptyScript" => Ok(json!({"qReturn": super::global::DEFAULT_SCRIPT})),
        "GetScriptEx" => ctx.doc().map(|d| json!({"qScript": {"qScript": d.record.script, "qMeta": {}}})),
        "GetTablesAndKeys" => tables_and_keys(ctx),
        "GetFieldDescription" => field_description(ctx, str_param(p, "qFieldName")),
        "GetField" => get_field(ctx, str_param(p, "qFieldName"), str_param(p, "qStateName")),
        "GetTableData" => table_data(ctx, p),
        "ClearAll" => {
            let locked_too = p.get("qLockedAlso").and_then(Value::as_bool).unwrap_or(false);
            select_in(ctx, str_param(p, "qStateName"), |s, _| {
                if locked_too {
                    s.unlock_all();
                }
                s.clear_all()
            })
            .map(|_| json!({}))
        }
        "LockAll" => {
            select_in(ctx, str_param(p, "qStateName"), |s, _| s.lock_all()).map(|_| json!({}))
        }
        "UnlockAll" => {
            select_in(ctx, str_param(p, "qStateName"), |s, _| s.unlock_all()).map(|_| json!({}))
        }
        "Back" => history(ctx, true),
        "Forward" => history(ctx, false),
        "Evaluate" => evaluate(ctx, str_param(p, "qExpression")).map(|v| {
            json!({"qReturn": v.map_or_else(|e| e, |v| v.text().unwrap_or_else(|| "-".into()))})
        }),
        "EvaluateEx" => evaluate(ctx, str_param(p, "qExpression")).map(|v| match v {
            Ok(v) => json!({"qValue": {"qText": v.text().unwrap_or_else(|| "-".into()), "qIsNumeric": v.num().is_some(), "qNumber": v.num().map_or(json!("NaN"), |n| json!(n))}}),
            Err(e) => json!({"qValue": {"qText": e, "qIsNumeric": false, "qNumber": "NaN"}}),
        }),
        "CheckExpression" => check_expression(ctx, str_param(p, "qExpr")),
        "CreateConnection" => create_connection(ctx, obj_param(p, "qConnection")),
        "GetConnections" => ctx.doc().map(|d| {
            let list: Vec<Value> = d
                .record
                .connections
                .iter()
                .map(|(name, path)| json!({"qId": name, "qName": name, "qConnectionString": path, "qType": "folder"}))
                .collect();
            json!({"qConnections": list})
        }),
        "GetConnection" => {
            let id = str_param(p, "qConnectionId").to_string();
            ctx.doc().and_then(|d| match d.record.connections.get(&id) {
                Some(path) => Ok(json!({"qConnection": {"qId": id, "qName": id, "qConnectionString": path, "qType": "folder"}})),
                None => Err(RpcError::new(ErrorCode::NotFound, id)),
            })
        }
        "DeleteConnection" => {
            let id = str_param(p, "qConnectionId").to_string();
            ctx.doc().and_then(|d| match d.record.connections.remove(&id) {
                Some(_) => {
                    d.modified = true;
                    Ok(json!({}))
                }
                None => Err(RpcError::new(ErrorCode::NotFound, id)),
            })
        }
        _ => return None,
    })
}

/// Global.GetProgress: the progress of the session's running (or last) reload.
pub fn progress(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let p: ReloadProgress = match &ctx.state.doc {
        Some(doc) => doc
            .reload
            .progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone(),
        None => ReloadProgress::default(),
    };
    let transient = p
        .tables
        .iter()
        .map(|(t, n)| format!("{t} << {n} Lines fetched"))
        .collect::<Vec<_>>()
        .join("\n");
    let persistent = p.log.join("\n");
    Ok(json!({"qProgressData": {
        "qStarted": p.running || !p.log.is_empty(), "qFinished": !p.running, "qCompleted": p.tables.len(), "qTotal": p.tables.len(),
        "qKB": 0, "qMillisecs": 0, "qUserInteractionWanted": false,
        "qPersistentProgress": persistent, "qTransientProgress": transient,
        "qErrorData": p.error.iter().map(|e| json!({"qErrorString": e, "qLineEnd": "", "qLine": "", "qErrorDataCode": "EDC_ERROR"})).collect::<Vec<_>>(),
    }}))
}

fn check_syntax(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let script = ctx.doc()?.record.script.clone();
    let errors: Vec<Value> = qix_script::check_syntax(&script)
        .into_iter()
        .map(|e| {
            let text_pos: usize = script.lines().take(e.line.saturating_sub(1)).map(|l| l.len() + 1).sum::<usize>() + e.col.saturating_sub(1);
            json!({"qErrLen": e.statement.len().max(1), "qTabIx": 0, "qLineInTab": e.line.saturating_sub(1), "qColInLine": e.col.saturating_sub(1), "qTextPos": text_pos, "qSecondaryFailure": false, "qMessage": e.message})
        })
        .collect();
    Ok(json!({"qErrors": errors}))
}

/// The tags the engine gives a field: `$key`, `$numeric`, `$integer`, `$text`, `$ascii`.
pub fn field_tags(model: &DataModel, f: FieldId, extra: Option<&Vec<String>>) -> Vec<String> {
    let field = &model.fields[f];
    let symbols = &field.symbols;
    let mut tags = Vec::new();
    if field.is_key() {
        tags.push("$key".to_string());
    }
    let numeric = !symbols.is_empty() && symbols.all_numeric();
    if numeric {
        tags.push("$numeric".into());
        if symbols.nums().iter().all(|n| n.fract() == 0.0) {
            tags.push("$integer".into());
        }
    } else if !symbols.is_empty() {
        if (0..symbols.len() as u32).all(|s| symbols.text(s).is_ascii()) {
            tags.push("$ascii".into());
        }
        tags.push("$text".into());
    }
    tags.extend(extra.into_iter().flatten().cloned());
    tags
}

fn tables_and_keys(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let data = ctx.doc()?.data.clone();
    let m = &data.model;
    let tables: Vec<Value> = m
        .tables
        .iter()
        .map(|t| {
            let fields: Vec<Value> = t
                .columns
                .iter()
                .map(|c| {
                    let f = &m.fields[c.field];
                    let non_null = (0..t.rows).filter(|r| c.data.get(*r) != qix_engine::packed::NULL).count();
                    let present = qix_engine::scan::symbols_in(&c.data, None, f.symbols.len()).count();
                    json!({
                        "qName": f.name, "qOriginalFields": [], "qPresent": true, "qHasNull": non_null < t.rows,
                        "qHasWild": false, "qHasDuplicates": present < non_null, "qIsSynthetic": false,
                        "qInformationDensity": if t.rows == 0 { 0.0 } else { non_null as f64 / t.rows as f64 },
                        "qnNonNulls": non_null, "qnRows": t.rows,
                        "qSubsetRatio": if f.symbols.is_empty() { 0.0 } else { present as f64 / f.symbols.len() as f64 },
                        "qnTotalDistinctValues": f.symbols.len(), "qnPresentDistinctValues": present,
                        "qKeyType": if !f.is_key() { "NOT_KEY" } else if present == non_null { "PRIMARY_KEY" } else { "PERFECT_KEY" },
                        "qComment": data.comments.get(&f.name).cloned().unwrap_or_default(),
                        "qTags": field_tags(m, c.field, data.tags.get(&f.name)),
                        "qDerivedFields": [], "qIsFieldOnTheFly": false, "qReadableName": f.name,
                    })
                })
                .collect();
            json!({"qName": t.name, "qLoose": false, "qNoOfRows": t.rows, "qFields": fields, "qPos": {"qx": 0, "qy": 0},
                   "qComment": "", "qIsDirectDiscovery": false, "qIsSynthetic": false, "qTableTags": [], "qProfilingData": {}})
        })
        .collect();
    let keys: Vec<Value> = m
        .fields
        .iter()
        .filter(|f| f.is_key())
        .map(|f| {
            json!({"qKeyFields": [f.name], "qTables": f.tables.iter().map(|t| m.tables[*t].name.clone()).collect::<Vec<_>>()})
        })
        .collect();
    Ok(json!({"qtr": tables, "qk": keys}))
}

/// `GetTableData(qOffset, qRows, qSyntheticMode, qTableName)`: rows of a table as loaded.
fn table_data(ctx: &mut Ctx<'_>, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let data = ctx.doc()?.data.clone();
    let m = &data.model;
    let name = str_param(p, "qTableName");
    let t = m
        .table_id(name)
        .ok_or_else(|| RpcError::new(ErrorCode::NotFound, name.to_string()))?;
    let offset = p.get("qOffset").and_then(Value::as_u64).unwrap_or(0) as usize;
    let count = p.get("qRows").and_then(Value::as_u64).unwrap_or(0) as usize;
    let table = &m.tables[t];
    let end = offset.saturating_add(count).min(table.rows);
    let rows: Vec<Value> = (offset.min(end)..end)
        .map(|r| {
            let cells: Vec<Value> = table
                .columns
                .iter()
                .map(|c| {
                    let s = c.data.get(r);
                    if s == qix_engine::packed::NULL {
                        return json!({"qText": "-", "qIsNumeric": false, "qNumber": 0});
                    }
                    let v = m.fields[c.field].symbols.get(s);
                    json!({"qText": v.text, "qIsNumeric": v.num.is_some(), "qNumber": v.num.unwrap_or(0.0)})
                })
                .collect();
            json!({"qValue": cells})
        })
        .collect();
    Ok(json!({"qData": rows}))
}

fn field_description(ctx: &mut Ctx<'_>, name: &str) -> Result<Value, RpcError> {
    let data = ctx.doc()?.data.clone();
    let m = &data.model;
    let f = m
        .field_id(name)
        .ok_or_else(|| RpcError::new(ErrorCode::NotFound, name.to_string()))?;
    let field = &m.fields[f];
    Ok(json!({"qReturn": {
        "qInternalNumber": f, "qName": field.name, "qSrcTables": field.tables.iter().map(|t| m.tables[*t].name.clone()).collect::<Vec<_>>(),
        "qIsSystem": false, "qIsHidden": false, "qIsSemantic": false, "qDistinctOnly": false, "qCardinal": field.symbols.len(),
        "qTotalCount": field.tables.iter().map(|t| m.tables[*t].rows).sum::<usize>(), "qIsLocked": false, "qAlwaysOneSelected": false,
        "qAndMode": false, "qIsNumeric": field.symbols.all_numeric(),
        "qComment": data.comments.get(name).cloned().unwrap_or_default(), "qTags": field_tags(m, f, data.tags.get(name)),
        "qIsDefinitionOnly": false, "qByteSize": field.symbols.bytes(),
    }}))
}

fn get_field(ctx: &mut Ctx<'_>, name: &str, state: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    if doc.state(state).is_none() {
        return Err(unknown_state(state));
    }
    let exists = doc.data.model.field_id(name).is_some();
    if !exists {
        return Ok(
            json!({"qReturn": {"qType": null, "qHandle": null, "qGenericType": null, "qGenericId": null}}),
        );
    }
    let state = if state.is_empty() { "$" } else { state };
    let h = ctx.handle_for(&ObjectRef::Field(name.to_string(), state.to_string()))?;
    Ok(
        json!({"qReturn": {"qType": "Field", "qHandle": h, "qGenericType": "Field", "qGenericId": name}}),
    )
}

/// The error for a selection state the app does not have.
pub fn unknown_state(name: &str) -> RpcError {
    RpcError::new(
        qix_protocol::ErrorCode::NotFound,
        format!("no alternate state named {name:?}"),
    )
}

/// Applies a selection change in the selection state `state` (`$` or empty: the default state); on a change
/// every object of the session is stale. Returns whether it changed anything.
pub fn select_in(
    ctx: &mut Ctx<'_>,
    state: &str,
    change: impl FnOnce(&mut SelectionState, &DataModel) -> bool,
) -> Result<bool, RpcError> {
    let doc = ctx.state.doc.as_mut().ok_or_else(no_active_doc)?;
    let data = doc.data.clone();
    let changed = doc
        .state_mut(state)
        .ok_or_else(|| unknown_state(state))?
        .apply(|s| change(s, &data.model));
    if changed {
        doc.invalidate_all(&mut ctx.effects);
    }
    Ok(changed)
}

fn history(ctx: &mut Ctx<'_>, back: bool) -> Result<Value, RpcError> {
    let doc = ctx.state.doc.as_mut().ok_or_else(no_active_doc)?;
    let moved = if back {
        doc.selections.back()
    } else {
        doc.selections.forward()
    };
    if moved {
        doc.invalidate_all(&mut ctx.effects);
    }
    Ok(json!({}))
}

/// Evaluates an expression over the session's current selections; `Err` carries the engine's error text.
pub fn evaluate(
    ctx: &mut Ctx<'_>,
    expr: &str,
) -> Result<Result<qix_expr::Value, String>, RpcError> {
    let env = ctx.env;
    let doc = ctx.doc()?;
    let view = super::layout::View::of(env, doc);
    let expr = super::dollar::expand(&view, expr);
    Ok(evaluate_in(env, view.model(), view.state, &expr))
}

/// Evaluates `expr` over the whole selection (no dimensions).
pub fn evaluate_in(
    env: &Env,
    model: &DataModel,
    state: &SelectionState,
    expr: &str,
) -> Result<qix_expr::Value, String> {
    let parsed = qix_expr::parse(expr).map_err(|e| format!("Error in expression: {e}"))?;
    if !qix_expr::has_aggregation(&parsed) {
        // Constants and scalar functions; a bare field is its only possible value.
        struct Only<'a>(&'a DataModel, &'a SelectionState, &'a Env);
        impl qix_expr::Scope for Only<'_> {
            fn field(&mut self, name: &str) -> qix_expr::Value {
                let only = format!("Only([{}])", name.replace(']', "]]"));
                let def = HyperCubeDef::of(&[], &[&only]);
                self.2
                    .cache
                    .hypercube(self.0, self.1, &def)
                    .ok()
                    .and_then(|c| c.totals.first().cloned())
                    .unwrap_or(qix_expr::Value::Null)
            }
            fn aggregate(&mut self, _: &qix_expr::Aggr) -> qix_expr::Value {
                qix_expr::Value::Null
            }
        }
        return Ok(qix_expr::eval(&parsed, &mut Only(model, state, env)));
    }
    let def = HyperCubeDef::of(&[], &[expr]);
    let cube = env
        .cache
        .hypercube(model, state, &def)
        .map_err(|e| format!("Error: {e}"))?;
    Ok(cube
        .totals
        .first()
        .cloned()
        .unwrap_or(qix_expr::Value::Null))
}

/// Parses an expression and reports field names the model lacks, with where they stand in the text.
fn check_expression(ctx: &mut Ctx<'_>, text: &str) -> Result<Value, RpcError> {
    let model = ctx.doc()?.data.model.clone();
    Ok(match qix_expr::parse(text) {
        Ok(e) => {
            let bad: Vec<Value> = qix_expr::field_names(&e)
                .into_iter()
                .filter(|f| model.field_id(f).is_none())
                .filter_map(|f| {
                    let at = text.find(&format!("[{f}]")).or_else(|| text.find(&f))?;
                    let len = if text[at..].starts_with('[') {
                        f.len() + 2
                    } else {
                        f.len()
                    };
                    Some(json!({"qFrom": at, "qCount": len}))
                })
                .collect();
            let msg = if bad.is_empty() {
                String::new()
            } else {
                "Bad field name(s)".to_string()
            };
            json!({"qErrorMsg": msg, "qBadFieldNames": bad, "qDangerousFieldNames": []})
        }
        Err(e) => {
            json!({"qErrorMsg": e.to_string(), "qBadFieldNames": [], "qDangerousFieldNames": []})
        }
    })
}

fn create_connection(ctx: &mut Ctx<'_>, conn: Map<String, Value>) -> Result<Value, RpcError> {
    let name = conn
        .get("qName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let path = conn
        .get("qConnectionString")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = conn
        .get("qType")
        .and_then(Value::as_str)
        .unwrap_or("folder");
    if name.is_empty() || path.is_empty() {
        return Err(RpcError::invalid_params(
            "qConnection needs qName and qConnectionString",
        ));
    }
    if !kind.eq_ignore_ascii_case("folder") {
        return Err(RpcError::new(
            ErrorCode::InvalidParams,
            format!("connection type {kind} is not supported (folder)"),
        ));
    }
    super::doc::may_change(ctx)?;
    ctx.env
        .folders
        .connection_root(&path)
        .map_err(|e| RpcError::new(ErrorCode::FileAccessDenied, e))?;
    let doc = ctx.doc()?;
    if doc.record.connections.contains_key(&name) {
        return Err(RpcError::new(
            ErrorCode::AppAlreadyOpen,
            format!("connection {name} already exists"),
        ));
    }
    doc.record.connections.insert(name.clone(), path);
    doc.modified = true;
    Ok(json!({"qConnectionId": name}))
}

/// DoReload / DoReloadEx: takes the script under the session lock, runs it without the lock (other sockets
/// of the session keep working and can call GetProgress or CancelReload), then installs the new data — or,
/// on failure, keeps the previous data and reports the error. `None` when the handle is not a Doc.
pub fn reload(env: &Env, session: &Session, socket: SocketId, req: &Request) -> Option<Response> {
    let respond = |outcome: Result<Value, RpcError>, change: Vec<i64>, close: Vec<i64>| Response {
        id: req.id.clone(),
        outcome,
        change,
        close,
        delta: false,
    };
    if let Some(Err(e)) = qix_protocol::Spec::global()
        .method("Doc", &req.method)
        .map(|m| m.bind(&req.params))
    {
        return Some(respond(Err(e), vec![], vec![]));
    }
    let (script, connections, status, app_id) = {
        let state = session.lock();
        let handle_is_doc = state
            .sockets
            .get(&socket)
            .and_then(|l| l.handles.resolve(req.handle))
            == Some(ObjectRef::Doc);
        if !handle_is_doc {
            return None;
        }
        let Some(doc) = state.doc.as_ref() else {
            return Some(respond(Err(no_active_doc()), vec![], vec![]));
        };
        {
            let mut p = doc
                .reload
                .progress
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if p.running {
                return Some(respond(
                    Err(RpcError::new(
                        ErrorCode::Aborted,
                        "a reload is already running",
                    )),
                    vec![],
                    vec![],
                ));
            }
            *p = ReloadProgress {
                running: true,
                request_id: Some(req.id.clone()),
                ..Default::default()
            };
        }
        doc.reload.cancel.store(false, Ordering::Relaxed);
        (
            doc.record.script.clone(),
            doc.record.connections.clone(),
            doc.reload.clone(),
            doc.record.id.clone(),
        )
    };
    let conn = |name: &str| env.folders.connection(&connections, name);
    let progress_sink = status.progress.clone();
    let on_progress = move |table: &str, rows: usize| {
        let mut p = progress_sink.lock().unwrap_or_else(|e| e.into_inner());
        match p.tables.iter_mut().find(|(t, _)| t == table) {
            Some(entry) => entry.1 = rows,
            None => p.tables.push((table.to_string(), rows)),
        }
    };
    let load_env = qix_script::LoadEnv {
        connection: &conn,
        default_dir: env.data_dir.clone(),
        cancel: Some(&status.cancel),
        progress: Some(&on_progress),
        limits: Default::default(),
    };
    let result = qix_script::reload(&script, &load_env);
    let mut state = session.lock();
    let mut effects = crate::doc::Effects::default();
    let success = match (result, state.doc.as_mut()) {
        (Ok(out), Some(doc)) if doc.record.id == app_id => {
            doc.data = Arc::new(LoadedData {
                model: Arc::new(out.model),
                comments: out.field_comments,
                tags: out.field_tags,
                script_variables: out.variables,
            });
            doc.selections = Default::default();
            for s in doc.alternate.values_mut() {
                *s = Default::default();
            }
            doc.data_saved = false;
            doc.record.last_reload_time = qix_apps::now_iso();
            doc.modified = true;
            doc.invalidate(ObjectRef::Doc, &mut effects);
            doc.invalidate_all(&mut effects);
            let mut p = status.progress.lock().unwrap_or_else(|e| e.into_inner());
            p.log = out.log;
            p.running = false;
            true
        }
        (result, _) => {
            let mut p = status.progress.lock().unwrap_or_else(|e| e.into_inner());
            p.running = false;
            p.error = Some(match result {
                Err(e) => e.to_string(),
                Ok(_) => "the app was closed during the reload".into(),
            });
            tracing::info!(error = ?p.error, "reload failed; previous data kept");
            false
        }
    };
    let (change, close) = state.fan_out(socket, &effects);
    let result = if req.method == "DoReload" {
        json!({"qReturn": success})
    } else {
        json!({"qResult": {"qSuccess": success, "qScriptLogFile": "", "qEndedWithMemoryConstraint": false}})
    };
    Some(respond(Ok(result), change, close))
}
