//! The Global class (handle -1): engine facts, the app list, opening and creating apps.

use super::DEFAULT_SCRIPT;
use super::{no_active_doc, not_implemented, obj_param, str_param, unsupported, Ctx};
use crate::config::Mode;
use crate::doc::DocState;
use crate::doc::ReloadProgress;
use crate::handles::ObjectRef;
use crate::sync::Recover;
use crate::view::bnf::{self, BnfType};
use crate::view::context::store_error;
use qix_apps::{AppRecord, AppStore};
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// The QIX API version qixd speaks (the OpenRPC description it implements).
pub const API_VERSION: &str = "12.2528.0";

/// Runs a Global method; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    let desktop = ctx.env.mode == Mode::Desktop;
    Some(match method {
        "EngineVersion" => Ok(json!({"qVersion": {"qComponentVersion": API_VERSION}})),
        "ProductVersion" => Ok(json!({"qReturn": env!("CARGO_PKG_VERSION")})),
        "QvVersion" => Ok(json!({"qReturn": API_VERSION})),
        "OSName" => Ok(json!({"qReturn": std::env::consts::OS})),
        "OSVersion" => Ok(json!({"qReturn": os_version()})),
        "QTProduct" => Ok(json!({"qReturn": "qixd"})),
        "IsDesktopMode" | "IsPersonalMode" => Ok(json!({"qReturn": desktop})),
        "GetAuthenticatedUser" => Ok(json!({"qReturn": ctx.user().to_string()})),
        "GetUniqueID" => Ok(json!({"qUniqueID": uuid::Uuid::new_v4().to_string()})),
        "AllowCreateApp" => Ok(json!({"qReturn": true})),
        "GetDefaultAppFolder" => Ok(json!({"qPath": default_folder(ctx)})),
        "GetCustomConnectors" => Ok(json!({"qConnectors": []})),
        "GetDocList" => doc_list(ctx),
        "OpenDoc" => open_doc(ctx, str_param(p, "qDocName")),
        "GetActiveDoc" => active_doc(ctx),
        "CreateApp" => create_app(ctx, str_param(p, "qAppName")),
        "DeleteApp" => delete_app(ctx, str_param(p, "qAppId")),
        "CreateSessionApp" => create_session_app(ctx, None),
        "CreateSessionAppFromApp" => create_session_app(ctx, Some(str_param(p, "qSrcAppId"))),
        "GetProgress" => progress(ctx),
        // Of the session's requests only a reload runs long: these stop it (AbortRequest and CancelRequest
        // when they name its request id), and answer an empty result when there is nothing to stop.
        "CancelReload" | "AbortAll" => {
            cancel_reload(ctx, None);
            Ok(json!({}))
        }
        "AbortRequest" | "CancelRequest" => {
            cancel_reload(ctx, p.get("qRequestId"));
            Ok(json!({}))
        }
        "ConfigureReload" => Ok(json!({})),
        "GetBNF" | "GetBaseBNF" | "GetBaseBNFHash" | "GetBaseBNFString" => grammar(method, p),
        "GetFunctions" => {
            Ok(json!({"qFunctions": bnf::function_list(p.get("qGroup").and_then(Value::as_str))}))
        }
        "GetSupportedCodePages" => Ok(json!({"qCodePages": bnf::code_pages()})),
        // qixd loads no extensions: there is no list to reload.
        "ReloadExtensionList" => Ok(json!({})),
        "GetOdbcDsns" => Ok(json!({"qOdbcDsns": []})),
        "GetOleDbProviders" => Ok(json!({"qOleDbProviders": []})),
        "GetLogicalDriveStrings" => Ok(json!({"qDrives": []})),
        "GetAppEntry" => app_entry(ctx, str_param(p, "qAppID")),
        "GetFolderItemsForPath" => folder_items(ctx, str_param(p, "qPath")),
        "IsValidConnectionString" => {
            let c = obj_param(p, "qConnection");
            let folder = c
                .get("qType")
                .and_then(Value::as_str)
                .is_none_or(|t| t.eq_ignore_ascii_case("folder"));
            let path = c
                .get("qConnectionString")
                .and_then(Value::as_str)
                .unwrap_or("");
            Ok(json!({"qReturn": folder && ctx.env.folders.connection_root(path).is_ok()}))
        }
        // No reload asks the user anything (qixd's scripts have no interactive statements).
        "GetInteract" => Ok(
            json!({"qDef": {"qType": "IT_END", "qTitle": "", "qMsg": "", "qButtons": 0,
            "qLine": "", "qOldLineNr": 0, "qNewLineNr": 0, "qPath": "", "qHidden": true, "qResult": 0,
            "qInput": ""}, "qReturn": false}),
        ),
        "InteractDone" => Ok(json!({})),
        // A client may not stop the server.
        "ShutdownProcess" => Err(RpcError::new(ErrorCode::AccessDenied, "ShutdownProcess")),
        // Streams, publishing and app copies across a repository: Qlik Sense Enterprise's, not the engine's.
        "GetStreamList" | "PublishApp" | "ExportApp" | "CopyApp" | "ReplaceAppFromID" => {
            Err(unsupported(method))
        }
        // Only folder connections: no database drivers to ask.
        "GetDatabasesFromConnectionString" => Err(unsupported("database connections")),
        // Desktop-only methods of Qlik Sense Desktop's file dialogs and the legacy document API.
        "SaveAs" | "CreateDocEx" => Err(not_implemented(method)),
        _ => return None,
    })
}

/// Stops the session's running reload; with `request_id`, only when it is that request's.
fn cancel_reload(ctx: &Ctx<'_>, request_id: Option<&Value>) {
    let Some(doc) = &ctx.state.doc else { return };
    if let Some(id) = request_id {
        let progress = doc.reload_status().progress.lock().recover();
        let same = progress
            .request_id
            .as_ref()
            .is_some_and(|r| r == id || r.as_f64().is_some_and(|r| Some(r) == id.as_f64()));
        if !(progress.running && same) {
            return;
        }
    }
    doc.reload_status()
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
}

/// `GetBNF` (the defs), `GetBaseBNF` (defs and hash), `GetBaseBNFHash`, `GetBaseBNFString` (text and
/// hash) for the grammar `qBnfType` names.
fn grammar(method: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let t = BnfType::parse(p.get("qBnfType"))
        .ok_or_else(|| RpcError::invalid_params("qBnfType must be S or E"))?;
    let defs = bnf::defs(t);
    let text = bnf::text(&defs);
    let hash = bnf::hash(&text);
    Ok(match method {
        "GetBNF" => json!({"qBnfDefs": defs}),
        "GetBaseBNF" => json!({"qBnfDefs": defs, "qBnfHash": hash}),
        "GetBaseBNFHash" => json!({"qBnfHash": hash}),
        _ => json!({"qBnfStr": text, "qBnfHash": hash}),
    })
}

/// `GetAppEntry`: the app's entry as the app list shows it.
fn app_entry(ctx: &Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    let a = ctx.env.store.get(id).map_err(store_error)?;
    ctx.env.rights.check_open(ctx.user(), &a)?;
    Ok(
        json!({"qEntry": {"qID": a.id, "qTitle": a.title, "qPath": a.id, "qLastReloadTime": a.last_reload_time,
        "qReadOnly": false, "qMeta": {}, "qThumbnail": {"qUrl": ""}, "qFileSize": 0, "qHasSectionAccess": false}}),
    )
}

/// `GetFolderItemsForPath`: the files and folders in a folder a connection could name (the data folder,
/// an allowed one, or in desktop mode any absolute path).
fn folder_items(ctx: &Ctx<'_>, path: &str) -> Result<Value, RpcError> {
    let root = ctx
        .env
        .folders
        .connection_root(path)
        .map_err(|e| RpcError::new(ErrorCode::FileAccessDenied, e))?;
    Ok(json!({"qFolderItems": crate::view::files::list(&root)}))
}

fn os_version() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn default_folder(ctx: &Ctx<'_>) -> String {
    let dir = ctx.env.store.dir();
    std::fs::canonicalize(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

fn doc_list(ctx: &Ctx<'_>) -> Result<Value, RpcError> {
    let (apps, errors) = ctx.env.store.list().map_err(store_error)?;
    for e in errors {
        tracing::warn!(error = %e, "skipping unreadable app");
    }
    let list: Vec<Value> = apps
        .iter()
        .filter(|a| ctx.env.rights.may_open(ctx.user(), a))
        .map(|a| {
            json!({
                "qDocName": a.title, "qConnectedUsers": 0, "qFileTime": 0, "qFileSize": 0,
                "qDocId": a.id, "qMeta": {}, "qLastReloadTime": a.last_reload_time,
                "qReadOnly": false, "qTitle": a.title, "qThumbnail": {"qUrl": ""}
            })
        })
        .collect();
    Ok(json!({"qDocList": list}))
}

/// Puts `doc` in the session and answers with the caller's handle; the doc is new to every socket, so the
/// caller's response lists it in `change` (as the engine does).
fn install_doc(ctx: &mut Ctx<'_>, mut doc: DocState) -> Result<i64, RpcError> {
    doc.announce(&mut ctx.effects);
    ctx.state.doc = Some(doc);
    ctx.handle_for(&ObjectRef::Doc)
}

fn refuse_if_open(ctx: &Ctx<'_>) -> Result<(), RpcError> {
    match &ctx.state.doc {
        Some(doc) => Err(RpcError::new(
            ErrorCode::AppAlreadyOpen,
            doc.id().to_string(),
        )),
        None => Ok(()),
    }
}

fn open_doc(ctx: &mut Ctx<'_>, name: &str) -> Result<Value, RpcError> {
    // Qlik Cloud: the session app of the socket's URL opens by its id (made on first use).
    if is_session_app_id(name) && ctx.key.app.as_deref() == Some(name) {
        url_session_app(ctx)?;
    }
    if let Some(doc) = &ctx.state.doc {
        if doc.is_session_app() && doc.id() == name {
            let handle = ctx.handle_for(&ObjectRef::Doc)?;
            return Ok(json!({"qReturn": {"qType": "Doc", "qHandle": handle, "qGenericId": name}}));
        }
    }
    refuse_if_open(ctx)?;
    let record = ctx.env.find_app(name)?;
    ctx.env.rights.check_open(ctx.user(), &record)?;
    // The record again, with its data as a pair (a save may have come between).
    let (record, data) = ctx.env.open_saved(&record.id).map_err(store_error)?;
    let handle = install_doc(ctx, DocState::open(record, false, data))?;
    Ok(json!({"qReturn": {"qType": "Doc", "qHandle": handle, "qGenericId": name}}))
}

fn active_doc(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    url_session_app(ctx)?;
    let id = match &ctx.state.doc {
        Some(doc) => doc.id().to_string(),
        None => return Err(no_active_doc()),
    };
    let handle = ctx.handle_for(&ObjectRef::Doc)?;
    Ok(json!({"qReturn": {"qType": "Doc", "qHandle": handle, "qGenericId": id}}))
}

/// Whether `id` names a Qlik Cloud session app (`SessionApp_<id>`).
fn is_session_app_id(id: &str) -> bool {
    id.starts_with("SessionApp_")
}

/// Qlik Cloud: a socket on `/app/SessionApp_<id>` has a session app of that id, made for its session on
/// first use (`GetActiveDoc`, `OpenDoc`) and gone with the session.
fn url_session_app(ctx: &mut Ctx<'_>) -> Result<(), RpcError> {
    let Some(id) = ctx.key.app.clone().filter(|a| is_session_app_id(a)) else {
        return Ok(());
    };
    if ctx.state.doc.is_some() {
        return Ok(());
    }
    let mut record = AppRecord::new(&id);
    record.id = id.clone();
    record.owner = crate::rights::Rights::owner_name(ctx.user());
    install_doc(
        ctx,
        DocState::open(std::sync::Arc::new(record), true, Default::default()),
    )?;
    Ok(())
}

/// Global.CreateApp: a new stored app titled `name`. As in Qlik Core, a name that can be an id (letters,
/// digits, `-`, `_`, `.`: `sales.qvf`) and that no app has is also its id, so the app opens by that name
/// on any server; other names get a fresh GUID (the title still opens it). A name some app already has as
/// its id is refused.
fn create_app(ctx: &mut Ctx<'_>, name: &str) -> Result<Value, RpcError> {
    if name.trim().is_empty() {
        return Err(RpcError::new(ErrorCode::InvalidParams, "qAppName is empty"));
    }
    if ctx.env.store.exists(name) {
        return Err(RpcError::new(
            ErrorCode::AppAlreadyExists,
            format!("an app with the id {name:?} exists"),
        ));
    }
    let mut record = AppRecord::new(name);
    if AppStore::is_valid_id(name) {
        record.id = name.to_string();
    }
    record.script = DEFAULT_SCRIPT.to_string();
    record.owner = crate::rights::Rights::owner_name(ctx.user());
    let record = ctx.env.store.insert(record).map_err(store_error)?;
    Ok(json!({"qSuccess": true, "qAppId": record.id}))
}

fn delete_app(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, RpcError> {
    if ctx
        .state
        .doc
        .as_ref()
        .is_some_and(|d| d.id() == id && !d.is_session_app())
    {
        return Err(RpcError::new(ErrorCode::AppAlreadyOpen, id.to_string()));
    }
    let record = ctx.env.find_app(id)?;
    ctx.env.rights.check_change(ctx.user(), &record)?;
    ctx.env.store.delete(&record.id).map_err(store_error)?;
    ctx.env.forget(&record.id);
    Ok(json!({"qSuccess": true}))
}

fn create_session_app(ctx: &mut Ctx<'_>, source: Option<&str>) -> Result<Value, RpcError> {
    refuse_if_open(ctx)?;
    let id = format!("SessionApp_{}", uuid::Uuid::new_v4());
    let (mut record, data) = match source {
        Some(src) => {
            let src = ctx.env.find_app(src)?.id;
            let (record, data) = ctx.env.open_saved(&src).map_err(store_error)?;
            ctx.env.rights.check_open(ctx.user(), &record)?;
            (AppRecord::clone(&record), data)
        }
        None => (AppRecord::new(&id), Default::default()),
    };
    // A session app belongs to the session's user.
    record.owner = crate::rights::Rights::owner_name(ctx.user());
    record.id = id.clone();
    record.title = id.clone();
    let handle = install_doc(ctx, DocState::open(std::sync::Arc::new(record), true, data))?;
    Ok(json!({"qSessionAppId": id, "qReturn": {"qType": "Doc", "qHandle": handle}}))
}

/// Global.GetProgress: the progress of the session's running (or last) reload.
pub fn progress(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let p: ReloadProgress = match &ctx.state.doc {
        Some(doc) => doc.reload_status().progress.lock().recover().clone(),
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
