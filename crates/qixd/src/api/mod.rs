//! The QIX classes: a request's handle picks the class, the spec binds and type-checks its params, and the
//! class's module runs the method on the session state.
//!
//! Every method runs under the session lock with the session's state in a [`Ctx`]; what it changes for other
//! sockets is collected in [`Effects`] and fanned out once the method returns.

mod bookmark;
mod children;
mod data;
mod defaults;
mod doc;
mod dollar;
mod field;
mod global;
pub mod layout;
mod master;
mod object;
mod variable;

use crate::auth::UserId;
use crate::config::Mode;
use crate::doc::{DocState, Effects};
use crate::handles::ObjectRef;
use crate::session::{Session, SessionKey, SessionState, SocketId};
use qix_apps::AppStore;
use qix_protocol::{Request, Response, RpcError, Spec};
use serde_json::{json, Map, Value};
use std::time::Instant;

/// What every request may need from the server, beyond its session.
#[derive(Debug)]
pub struct Env {
    /// Persistent apps.
    pub store: AppStore,
    /// Desktop or server mode (answers IsDesktopMode).
    pub mode: Mode,
    /// When the server started.
    pub started: Instant,
    /// The folder behind `lib://data/`.
    pub data_dir: std::path::PathBuf,
    /// The data each saved app was last saved with, by app id: what a session opening the app starts from.
    pub published:
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<crate::doc::LoadedData>>>,
    /// Inferences and hypercubes, shared by every session.
    pub cache: qix_engine::ResultCache,
    /// What one client may ask for (property depth, page cells, ...).
    pub limits: crate::limits::Limits,
    /// The folders data connections may read and write.
    pub folders: crate::folders::Folders,
    /// Who may open, change and delete which app (server mode).
    pub rights: crate::rights::Rights,
}

impl Env {
    /// The data an app was last saved with (empty when never reloaded): see [`Env::open_saved`].
    pub fn published(&self, app: &str) -> std::sync::Arc<crate::doc::LoadedData> {
        self.open_saved(app)
            .map(|(_, data)| data)
            .unwrap_or_default()
    }

    /// An app's stored record and the data it was saved with, read as a pair under the app's lock (so a
    /// `DoSave` of another session cannot fall between them): the data from memory, else from the saved
    /// data version on disk (after a restart), which is then kept in memory. The data is empty when the app
    /// was never reloaded, or when its saved data cannot be read (logged).
    pub fn open_saved(
        &self,
        app: &str,
    ) -> Result<(qix_apps::AppRecord, std::sync::Arc<crate::doc::LoadedData>), qix_apps::StoreError>
    {
        let lock = self.store.lock(app)?;
        let record = lock.get()?;
        let published = self.published.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(d) = published.get(app) {
            return Ok((record, d.clone()));
        }
        drop(published);
        if record.data_version == 0 {
            return Ok((record, Default::default()));
        }
        let files = lock.read_data(record.data_version);
        // Rebuilding the model needs no lock: the files are the pair of the record.
        drop(lock);
        let loaded = files
            .map_err(|e| e.to_string())
            .and_then(|files| crate::persist::import(&files));
        match loaded {
            Ok(data) => {
                let data = std::sync::Arc::new(data);
                // A save meanwhile published newer data: that stays (this session keeps its pair).
                self.published
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(app.to_string())
                    .or_insert_with(|| data.clone());
                Ok((record, data))
            }
            Err(e) => {
                tracing::error!(app, error = %e, "saved data could not be read; the app opens without data");
                Ok((record, Default::default()))
            }
        }
    }
}

/// One method call: the session state, the calling socket and what the call changed.
pub struct Ctx<'a> {
    /// Server-wide things.
    pub env: &'a Env,
    /// The session's key (user, app, identity).
    pub key: &'a SessionKey,
    /// The session's state, locked for the call.
    pub state: &'a mut SessionState,
    /// The calling socket.
    pub socket: SocketId,
    /// Objects to report as changed or closed.
    pub effects: Effects,
}

impl Ctx<'_> {
    /// The authenticated user.
    pub fn user(&self) -> &UserId {
        &self.key.user
    }

    /// The caller's handle for `object` (assigned on first use).
    pub fn handle_for(&mut self, object: &ObjectRef) -> Result<i64, RpcError> {
        let link =
            self.state.sockets.get_mut(&self.socket).ok_or_else(|| {
                RpcError::new(qix_protocol::ErrorCode::Internal, "socket detached")
            })?;
        Ok(link.handles.handle_for(object))
    }

    /// Marks `object` stale, reporting it as changed on its valid→invalid transition.
    pub fn invalidate(&mut self, object: ObjectRef) -> Result<(), RpcError> {
        let doc = self.state.doc.as_mut().ok_or_else(no_active_doc)?;
        // Objects linked to this one (`qExtendsId`) show its properties: they change with it.
        let linked = match &object {
            ObjectRef::Object(id) => doc.linked_to(id),
            _ => Vec::new(),
        };
        doc.invalidate(object, &mut self.effects);
        for id in linked {
            doc.invalidate(ObjectRef::Object(id), &mut self.effects);
        }
        Ok(())
    }

    /// The open app, or the engine's error for "no app open".
    pub fn doc(&mut self) -> Result<&mut DocState, RpcError> {
        self.state.doc.as_mut().ok_or_else(no_active_doc)
    }
}

/// The engine's error when a doc method runs with no app open.
pub fn no_active_doc() -> RpcError {
    RpcError::new(qix_protocol::ErrorCode::AppInvalid, "No active document")
}

/// `qReturn` for a handle: `{qType, qHandle, qGenericType, qGenericId}`.
pub fn object_interface(q_type: &str, handle: i64, generic_type: &str, generic_id: &str) -> Value {
    json!({"qType": q_type, "qHandle": handle, "qGenericType": generic_type, "qGenericId": generic_id})
}

/// A string param (already type-checked by the spec); empty when absent.
pub fn str_param<'p>(params: &'p Map<String, Value>, name: &str) -> &'p str {
    params.get(name).and_then(Value::as_str).unwrap_or("")
}

/// An object param (already type-checked by the spec); empty when absent.
pub fn obj_param(params: &Map<String, Value>, name: &str) -> Map<String, Value> {
    params
        .get(name)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Answers one request on a socket of `session`.
pub fn handle_request(env: &Env, session: &Session, socket: SocketId, req: &Request) -> Response {
    if req.method == "DoReload" || req.method == "DoReloadEx" {
        if let Some(r) = data::reload(env, session, socket, req) {
            return r;
        }
    }
    let mut state = session.lock();
    let object = state
        .sockets
        .get(&socket)
        .and_then(|link| link.handles.resolve(req.handle));
    let Some(object) = object else {
        return Response {
            id: req.id.clone(),
            outcome: Err(RpcError::invalid_handle()),
            change: vec![],
            close: vec![],
            delta: false,
        };
    };
    let mut ctx = Ctx {
        env,
        key: &session.key,
        state: &mut state,
        socket,
        effects: Effects::default(),
    };
    let outcome = call(&mut ctx, &object, req);
    let effects = std::mem::take(&mut ctx.effects);
    let (change, close) = state.fan_out(socket, &effects);
    let mut response = Response {
        id: req.id.clone(),
        outcome,
        change,
        close,
        delta: false,
    };
    if req.delta && DELTA_METHODS.contains(&req.method.as_str()) {
        if let (Some(link), Ok(result)) = (state.sockets.get_mut(&socket), &mut response.outcome) {
            to_delta(&mut link.delta_base, req.handle, &req.method, result);
            response.delta = true;
        }
    }
    response
}

/// Methods answered with JSON Patches when the client asks for delta mode: the ones whose results are
/// large and change little between calls.
const DELTA_METHODS: &[&str] = &[
    "GetLayout",
    "GetProperties",
    "GetEffectiveProperties",
    "GetAppLayout",
    "GetAppProperties",
    "GetHyperCubeData",
    "GetListObjectData",
];

/// Turns every key of `result` into a JSON Patch against the previous value sent for the same handle,
/// method and key (the first one replaces the root), and remembers the new values.
fn to_delta(
    bases: &mut std::collections::HashMap<(i64, String, String), Value>,
    handle: i64,
    method: &str,
    result: &mut Value,
) {
    let Value::Object(map) = result else { return };
    for (key, value) in map.iter_mut() {
        let k = (handle, method.to_string(), key.clone());
        let patch = match bases.get(&k) {
            Some(prev) => {
                serde_json::to_value(json_patch::diff(prev, value)).unwrap_or_else(|_| json!([]))
            }
            None => json!([{"op": "add", "path": "/", "value": value.clone()}]),
        };
        bases.insert(k, std::mem::replace(value, patch));
    }
}

fn call(ctx: &mut Ctx<'_>, object: &ObjectRef, req: &Request) -> Result<Value, RpcError> {
    let class = object.class();
    let spec = Spec::global()
        .method(class, &req.method)
        .ok_or_else(|| RpcError::method_not_found(req.method.clone()))?;
    ctx.env.limits.check_depth(&req.params)?;
    let params = spec.bind(&req.params)?;
    let result = match object {
        ObjectRef::Global => global::call(ctx, &req.method, &params),
        ObjectRef::Doc => doc::call(ctx, &req.method, &params),
        ObjectRef::Object(id) => object::call(ctx, id, &req.method, &params),
        ObjectRef::Variable(id) => variable::call(ctx, id, &req.method, &params),
        ObjectRef::Field(name, state) => field::call(ctx, name, state, &req.method, &params),
        ObjectRef::Dimension(id) => {
            master::call(ctx, master::Kind::Dimension, id, &req.method, &params)
        }
        ObjectRef::Measure(id) => {
            master::call(ctx, master::Kind::Measure, id, &req.method, &params)
        }
        ObjectRef::Bookmark(id) => bookmark::call(ctx, id, &req.method, &params),
    };
    result.unwrap_or_else(|| {
        Err(RpcError::method_not_found(format!(
            "{class}.{} is not implemented by qixd yet",
            req.method
        )))
    })
}
