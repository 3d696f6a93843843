//! The inspector's JSON: server totals and one object per live session.

use super::access::Viewer;
use crate::clock::epoch_ms;
use crate::config::Mode;
use crate::rights::Rights;
use crate::session::Session;
use crate::shared::Shared;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// Bytes a socket costs besides what waits in its outbox (its read buffer, handles, the task).
const SOCKET_BYTES: usize = 8 * 1024;

/// `{server, sessions}`: everything the inspector page shows.
pub fn all(shared: &Shared, viewer: &Viewer) -> Value {
    let sessions: Vec<Value> = shared
        .registry
        .sessions()
        .iter()
        .map(|(s, expires)| session(s, *expires, viewer))
        .collect();
    let detached = sessions
        .iter()
        .filter(|s| s["sockets"].as_array().is_some_and(|a| a.is_empty()))
        .count();
    let sockets: usize = sessions
        .iter()
        .filter_map(|s| s["sockets"].as_array().map(Vec::len))
        .sum();
    let memory: u64 = sessions
        .iter()
        .filter_map(|s| s["memoryBytes"].as_u64())
        .sum();
    json!({
        "server": {
            "version": env!("CARGO_PKG_VERSION"),
            "mode": match shared.config.mode { Mode::Desktop => "desktop", Mode::Server => "server" },
            "uptimeSeconds": shared.env.started.elapsed().as_secs_f64(),
            "now": epoch_ms(SystemTime::now()),
            "sessions": sessions.len(),
            "detachedSessions": detached,
            "sockets": sockets,
            "memoryBytes": memory,
        },
        "sessions": sessions,
    })
}

/// One session as the inspector shows it; `expires` is its deadline when it has no socket.
pub fn session(session: &Arc<Session>, expires: Option<Instant>, viewer: &Viewer) -> Value {
    let key = &session.key;
    let identity = viewer
        .sees_identity_of(&key.user)
        .then(|| key.identity.clone());
    let (st, _) = session.read();
    let mut sockets: Vec<(u64, Value)> = st
        .sockets
        .iter()
        .map(|(id, link)| {
            (
                *id,
                json!({
                    "id": id,
                    "remoteAddress": link.info.remote.map(|a| a.to_string()),
                    "connectedAt": epoch_ms(link.info.connected_at),
                    "requests": link.info.requests.load(Ordering::Relaxed),
                    "queuedBytes": link.outbox.queued(),
                }),
            )
        })
        .collect();
    sockets.sort_by_key(|(id, _)| *id);
    let queued: usize = st.sockets.values().map(|l| l.outbox.queued()).sum();
    let mut memory = queued + SOCKET_BYTES * st.sockets.len();
    let (app, selections, objects, variables) = match &st.doc {
        Some(doc) => {
            memory += doc.estimated_bytes();
            (
                json!({"id": doc.id(), "title": doc.record().title, "sessionApp": doc.is_session_app()}),
                doc.selections_by_state(),
                doc.session_object_count(),
                doc.session_variable_count(),
            )
        }
        None => (Value::Null, json!({}), 0, 0),
    };
    let now = Instant::now();
    json!({
        "id": session.id,
        "user": Rights::owner_name(&key.user),
        "app": key.app,
        "identity": identity,
        "identityHidden": identity.is_none(),
        "createdAt": epoch_ms(session.created_wall),
        "ttlSeconds": st.ttl.as_secs(),
        "expiresInSeconds": expires.map(|when| when.saturating_duration_since(now).as_secs_f64()),
        "sockets": sockets.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        "openApp": app,
        "selections": selections,
        "sessionObjects": objects,
        "sessionVariables": variables,
        "memoryBytes": memory,
    })
}
