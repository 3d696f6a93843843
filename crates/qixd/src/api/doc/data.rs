//! Doc methods over the app's data: reload and its progress, script checks, tables and keys, fields,
//! selections (clear, lock, back / forward), evaluation and data connections.

use crate::api::{str_param, Ctx, Env};
use crate::doc::{LoadedData, ReloadProgress};
use crate::handles::ObjectRef;
use crate::sync::Recover;
use crate::view::context::unknown_state;
use crate::view::context::Finish;
use crate::view::fields::field_tags;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;

pub fn check_syntax(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let script = ctx.doc()?.record().script.clone();
    let errors: Vec<Value> = qix_script::check_syntax_with(&script, &ctx.env.script_limits)
        .into_iter()
        .map(|e| {
            let text_pos: usize = script.lines().take(e.line.saturating_sub(1)).map(|l| l.len() + 1).sum::<usize>() + e.col.saturating_sub(1);
            json!({"qErrLen": e.statement.len().max(1), "qTabIx": 0, "qLineInTab": e.line.saturating_sub(1), "qColInLine": e.col.saturating_sub(1), "qTextPos": text_pos, "qSecondaryFailure": false, "qMessage": e.message})
        })
        .collect();
    Ok(json!({"qErrors": errors}))
}

pub fn tables_and_keys(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let data = ctx.doc()?.data().clone();
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
                        "qHasWild": false, "qHasDuplicates": present < non_null, "qIsSynthetic": is_synthetic(&f.name),
                        "qInformationDensity": if t.rows == 0 { 0.0 } else { non_null as f64 / t.rows as f64 },
                        "qnNonNulls": non_null, "qnRows": t.rows,
                        "qSubsetRatio": if f.symbols.is_empty() { 0.0 } else { present as f64 / f.symbols.len() as f64 },
                        "qnTotalDistinctValues": f.symbols.len(), "qnPresentDistinctValues": present,
                        "qKeyType": if !f.is_key() { "NOT_KEY" } else if present == non_null { "PRIMARY_KEY" } else { "PERFECT_KEY" },
                        "qComment": data.comments.get(&f.name).cloned().unwrap_or_default(),
                        "qTags": crate::view::fields::tags_of(&data, c.field, data.tags.get(&f.name)),
                        "qDerivedFields": [], "qIsFieldOnTheFly": false, "qReadableName": f.name,
                    })
                })
                .collect();
            json!({"qName": t.name, "qLoose": t.coupling.is_loose(), "qNoOfRows": t.rows, "qFields": fields, "qPos": {"qx": 0, "qy": 0},
                   "qComment": "", "qIsDirectDiscovery": false, "qIsSynthetic": is_synthetic(&t.name), "qTableTags": [], "qProfilingData": {}})
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

/// Whether a table or field is one the script made for a synthetic key (`$Syn 1`, `$Syn 1 Table`).
fn is_synthetic(name: &str) -> bool {
    name.strip_prefix("$Syn ")
        .and_then(|rest| rest.trim_end_matches(" Table").parse::<u32>().ok())
        .is_some()
}

/// `GetLooselyCoupledVector`: per table in load order, 0 tight, 2 loosened by the script or to cut a
/// loop (the engine API's "loosely coupled and cannot be changed through the API").
pub fn loosely_coupled_vector(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let data = ctx.doc()?.data().clone();
    let v: Vec<u8> = data
        .model
        .tables
        .iter()
        .map(|t| if t.coupling.is_loose() { 2 } else { 0 })
        .collect();
    Ok(json!({ "qv": v }))
}

/// `GetTableData(qOffset, qRows, qSyntheticMode, qTableName)`: rows of a table as loaded.
pub fn table_data(ctx: &mut Ctx<'_>, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let data = ctx.doc()?.data().clone();
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
    Ok(crate::api::result("qData", rows))
}

pub fn field_description(ctx: &mut Ctx<'_>, name: &str) -> Result<Value, RpcError> {
    let data = ctx.doc()?.data().clone();
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

pub fn get_field(ctx: &mut Ctx<'_>, name: &str, state: &str) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    if doc.state(state).is_none() {
        return Err(unknown_state(state));
    }
    let exists = doc.data().model.field_id(name).is_some();
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

pub fn history(ctx: &mut Ctx<'_>, back: bool) -> Result<Value, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    doc.step_history(back, effects);
    Ok(json!({}))
}

/// Parses an expression and reports field names the model lacks, with where they stand in the text.
pub fn check_expression(ctx: &mut Ctx<'_>, text: &str) -> Result<Value, RpcError> {
    let model = ctx.doc()?.data().model.clone();
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

pub fn create_connection(ctx: &mut Ctx<'_>, conn: Map<String, Value>) -> Result<Value, RpcError> {
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
    ctx.may_change_app()?;
    ctx.env
        .folders
        .connection_root(&path)
        .map_err(|e| RpcError::new(ErrorCode::FileAccessDenied, e))?;
    let (doc, effects) = ctx.doc_effects()?;
    if doc.record().connections.contains_key(&name) {
        return Err(RpcError::new(
            ErrorCode::AppAlreadyOpen,
            format!("connection {name} already exists"),
        ));
    }
    doc.change_record(&[], effects, |r| r.connections.insert(name.clone(), path));
    Ok(json!({"qConnectionId": name}))
}

/// DoReload / DoReloadEx: takes the script under the session lock and leaves the reload itself as deferred
/// work, run without the lock (other sockets of the session keep working and can call GetProgress or
/// CancelReload); the finishing step installs the new data — or, on failure, keeps the previous data and
/// reports the error.
pub fn reload(ctx: &mut Ctx<'_>, method: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let request_id = ctx.request_id.clone();
    // `qPartial`: DoReload's own parameter, DoReloadEx's in `qParams`.
    let partial = p
        .get("qPartial")
        .or_else(|| p.get("qParams").and_then(|q| q.get("qPartial")))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let doc = ctx.doc()?;
    let status = doc.reload_status().clone();
    {
        let mut p = status.progress.lock().recover();
        if p.running {
            return Err(RpcError::new(
                ErrorCode::Aborted,
                "a reload is already running",
            ));
        }
        *p = ReloadProgress {
            running: true,
            request_id,
            ..Default::default()
        };
    }
    status.cancel.store(false, Ordering::Relaxed);
    let job = ReloadJob {
        script: doc.record().script.clone(),
        connections: doc.record().connections.clone(),
        app_id: doc.id().to_string(),
        status,
        detailed: method == "DoReloadEx",
        previous: partial.then(|| doc.data().model.clone()),
    };
    ctx.deferred = Some(Box::new(move |env| job.run(env)));
    Ok(json!({}))
}

/// What a reload needs once the session lock is released.
struct ReloadJob {
    script: String,
    connections: std::collections::BTreeMap<String, String>,
    app_id: String,
    status: Arc<crate::doc::ReloadStatus>,
    /// DoReloadEx's answer (`qResult`) rather than DoReload's (`qReturn`).
    detailed: bool,
    /// A partial reload's starting point: the data model the app has.
    previous: Option<Arc<qix_engine::DataModel>>,
}

impl ReloadJob {
    /// Runs the script (no lock held); returns the step that installs its outcome.
    fn run(self, env: &Env) -> Finish {
        let conn = |name: &str| env.folders.connection(&self.connections, name);
        let progress_sink = self.status.progress.clone();
        let on_progress = move |table: &str, rows: usize| {
            let mut p = progress_sink.lock().recover();
            match p.tables.iter_mut().find(|(t, _)| t == table) {
                Some(entry) => entry.1 = rows,
                None => p.tables.push((table.to_string(), rows)),
            }
        };
        let load_env = qix_script::LoadEnv {
            connection: &conn,
            default_dir: env.data_dir.clone(),
            cancel: Some(&self.status.cancel),
            progress: Some(&on_progress),
            limits: env.script_limits,
        };
        let result = match &self.previous {
            Some(model) => qix_script::reload_partial(&self.script, &load_env, model),
            None => qix_script::reload(&self.script, &load_env),
        }
        .map_err(|e| e.to_string());
        if let Some(release) = env.release_memory {
            release(); // the load's working memory, freed by now
        }
        Box::new(move |ctx| Ok(self.install(ctx, result)))
    }

    /// Under the lock again: the new data replaces the old (selections cleared, every object changed), or
    /// the error is kept for GetProgress and the old data stays.
    fn install(self, ctx: &mut Ctx<'_>, result: Result<qix_script::LoadOutput, String>) -> Value {
        let doc = ctx.state.doc.as_mut().filter(|d| d.id() == self.app_id);
        let mut p = self.status.progress.lock().recover();
        p.running = false;
        let success = match (result, doc) {
            (Ok(out), Some(doc)) => {
                let data = LoadedData {
                    system_tags: Default::default(),
                    search_index: Default::default(),
                    model: Arc::new(out.model),
                    comments: out.field_comments,
                    tags: out.field_tags,
                    script_variables: out.variables,
                };
                doc.install_reload(data, &mut ctx.effects);
                p.log = out.log;
                true
            }
            (result, _) => {
                p.error = Some(match result {
                    Err(e) => e,
                    Ok(_) => "the app was closed during the reload".into(),
                });
                tracing::info!(error = ?p.error, "reload failed; previous data kept");
                false
            }
        };
        if self.detailed {
            json!({"qResult": {"qSuccess": success, "qScriptLogFile": "", "qEndedWithMemoryConstraint": false}})
        } else {
            json!({"qReturn": success})
        }
    }
}
