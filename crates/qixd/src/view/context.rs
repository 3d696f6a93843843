//! One method call's context: the session state under its lock, the calling socket, and what the call
//! changed for other sockets; and the small helpers every QIX class needs to read params and answer.

use crate::auth::UserId;
use crate::doc::{DocState, Effects};
use crate::env::Env;
use crate::handles::ObjectRef;
use crate::session::{SessionKey, SessionState, SocketId};
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// The last step of deferred work: runs under the session lock again and gives the method's answer.
pub type Finish = Box<dyn FnOnce(&mut Ctx<'_>) -> Result<Value, RpcError>>;

/// Work a method leaves to run after the session lock is released (a reload): it returns the step that
/// finishes the method under the lock.
pub type Deferred = Box<dyn FnOnce(&Env) -> Finish>;

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
    /// Work to run once the lock is released (see [`Deferred`]).
    pub deferred: Option<Deferred>,
    /// The JSON-RPC id of the request (what AbortRequest names).
    pub request_id: Option<Value>,
    /// Parts of the answer written as JSON text already (data pages, see [`qix_protocol::splice`]): the
    /// answer holds `null` at each one's pointer.
    pub splices: Vec<qix_protocol::splice::Splice>,
}

impl<'a> Ctx<'a> {
    /// The context of one call on `socket` of the session with this key and (locked) state.
    pub fn new(
        env: &'a Env,
        key: &'a SessionKey,
        state: &'a mut SessionState,
        socket: SocketId,
    ) -> Ctx<'a> {
        Ctx {
            env,
            key,
            state,
            socket,
            effects: Effects::default(),
            deferred: None,
            request_id: None,
            splices: Vec::new(),
        }
    }

    /// Refuses a user who may not change the open app's stored record (server mode's rule,
    /// [`crate::rights`]); the stored owner counts, not the session's copy. Session apps are their user's.
    pub fn may_change_app(&mut self) -> Result<(), RpcError> {
        let env = self.env;
        let user = self.key.user.clone();
        let doc = self.doc()?;
        if doc.is_session_app() {
            return Ok(());
        }
        let stored = env.store.get(doc.id()).map_err(store_error)?;
        env.rights.check_change(&user, &stored)
    }

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

    /// The open app, or the engine's error for "no app open".
    pub fn doc(&mut self) -> Result<&mut DocState, RpcError> {
        self.state.doc.as_mut().ok_or_else(no_active_doc)
    }

    /// The open app and this call's effects, to change the app through its methods (which report what
    /// they make stale in the effects).
    pub fn doc_effects(&mut self) -> Result<(&mut DocState, &mut Effects), RpcError> {
        let doc = self.state.doc.as_mut().ok_or_else(no_active_doc)?;
        Ok((doc, &mut self.effects))
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

/// The `qPatches` of an `ApplyPatches` (none when missing).
pub fn patches_param(p: &Map<String, Value>) -> Vec<Value> {
    p.get("qPatches")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
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

pub use crate::env::store_error;

/// The error for a selection state the app does not have.
pub fn unknown_state(name: &str) -> RpcError {
    RpcError::new(
        qix_protocol::ErrorCode::NotFound,
        format!("no alternate state named {name:?}"),
    )
}
