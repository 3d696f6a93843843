//! A handle on one connection: the core every generated class (`Doc`, `GenericObject`, `Field`, ...) wraps.

use crate::connection::{Connection, Event};
use crate::Error;
use serde_json::Value;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast;

/// What identifies an object across sockets. The handle is atomic because a resume that lands in a new
/// session gives the same object a new handle, under the feet of every clone.
#[derive(Debug)]
pub(crate) struct ObjectCore {
    handle: AtomicI64,
    /// The QIX class (`qType` of the `ObjectInterface`): which methods it has and how to find it again.
    class: String,
    /// `qGenericId`: the object id (the app id for a doc, the name for a field).
    generic_id: String,
    /// `qGenericType`: the object type (`sheet`, `barchart`, ...).
    generic_type: String,
}

impl ObjectCore {
    pub(crate) fn handle(&self) -> i64 {
        self.handle.load(Ordering::Acquire)
    }
    pub(crate) fn set_handle(&self, h: i64) {
        self.handle.store(h, Ordering::Release)
    }
    pub(crate) fn class(&self) -> &str {
        &self.class
    }
    pub(crate) fn generic_id(&self) -> &str {
        &self.generic_id
    }
}

/// An object of the QIX API on one connection: its handle, identity and events, and raw calls.
#[derive(Debug, Clone)]
pub struct RemoteObject {
    conn: Connection,
    core: Arc<ObjectCore>,
}

/// A change of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectEvent {
    /// Its layout is stale: get it again.
    Changed,
    /// It is gone (destroyed, its session or doc closed, or not found again after a resume).
    Closed,
}

/// The `Changed` / `Closed` events of one object, from the session's change and close lists.
#[derive(Debug)]
pub struct ObjectEvents {
    core: Arc<ObjectCore>,
    rx: broadcast::Receiver<Event>,
}

impl ObjectEvents {
    /// The next event of this object; `None` when the connection is gone.
    pub async fn next(&mut self) -> Option<ObjectEvent> {
        loop {
            let event = match self.rx.recv().await {
                Ok(e) => e,
                Err(broadcast::error::RecvError::Lagged(_)) => return Some(ObjectEvent::Changed),
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            let mine = self.core.handle();
            match event {
                Event::Changed(hs) if hs.contains(&mine) => return Some(ObjectEvent::Changed),
                Event::Closed(hs) if hs.contains(&mine) => return Some(ObjectEvent::Closed),
                _ => {}
            }
        }
    }
}

impl RemoteObject {
    pub(crate) fn new(
        conn: Connection,
        handle: i64,
        class: &str,
        generic_id: &str,
        generic_type: &str,
    ) -> RemoteObject {
        let core = Arc::new(ObjectCore {
            handle: AtomicI64::new(handle),
            class: class.to_string(),
            generic_id: generic_id.to_string(),
            generic_type: generic_type.to_string(),
        });
        if handle >= 0 {
            conn.register(&core);
        }
        RemoteObject { conn, core }
    }

    /// The handle on the current socket.
    pub fn handle(&self) -> i64 {
        self.core.handle()
    }

    /// The QIX class (`Doc`, `GenericObject`, `Field`, ...).
    pub fn class(&self) -> &str {
        &self.core.class
    }

    /// The object's id (`qGenericId`): the app id of a doc, the name of a field, the id of an object.
    pub fn generic_id(&self) -> &str {
        &self.core.generic_id
    }

    /// The object's type (`qGenericType`), e.g. `sheet` or `barchart`.
    pub fn generic_type(&self) -> &str {
        &self.core.generic_type
    }

    /// The connection the object lives on.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// This object's `Changed` / `Closed` events from now on.
    pub fn events(&self) -> ObjectEvents {
        ObjectEvents {
            core: self.core.clone(),
            rx: self.conn.events(),
        }
    }

    /// Calls any method on this object with positional (array) or named (object) params; the answer is
    /// the raw `result`.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, Error> {
        self.conn.call(self.handle(), method, params).await
    }

    /// [`RemoteObject::call`], answered with the `result`'s JSON text as it came (see
    /// [`Connection::call_raw`]).
    pub async fn call_raw(
        &self,
        method: &str,
        params: Value,
    ) -> Result<Box<serde_json::value::RawValue>, Error> {
        self.conn.call_raw(self.handle(), method, params).await
    }

    /// Calls a method that opens an object: the engine's error 2 (LOCERR_GENERIC_NOT_FOUND) becomes
    /// [`Error::ObjectNotFound`], the same as a null handle, so callers need one check for both answers.
    pub(crate) async fn call_opening(&self, method: &str, params: Value) -> Result<Value, Error> {
        match self.call(method, params).await {
            Err(Error::Engine(e)) if e.code == 2 => Err(Error::ObjectNotFound(method.to_string())),
            other => other,
        }
    }

    /// The object a result's `qReturn` (an `ObjectInterface`) opens; a null handle means it does not exist.
    /// `class` is what the method returns when the engine leaves `qType` out.
    pub(crate) fn open(
        &self,
        result: &Value,
        method: &str,
        class: &str,
    ) -> Result<RemoteObject, Error> {
        let r = &result["qReturn"];
        let handle = r["qHandle"]
            .as_i64()
            .ok_or_else(|| Error::ObjectNotFound(method.to_string()))?;
        let text = |k: &str| r[k].as_str().unwrap_or("").to_string();
        Ok(RemoteObject::new(
            self.conn.clone(),
            handle,
            r["qType"]
                .as_str()
                .filter(|t| !t.is_empty())
                .unwrap_or(class),
            &text("qGenericId"),
            &text("qGenericType"),
        ))
    }
}
