//! The one HTTP port: WebSocket upgrades on `/app/...`, `GET /healthcheck`, `GET /metrics`, the
//! downloads of `ExportData` at `GET /tempcontent/<id>/<name>` (only for the user who exported); the hub
//! pages ([`crate::hub`]) and the session inspector's API ([`crate::inspector`]) are merged in.
//!
//! Everything that can refuse a connection happens here, before any session exists: a bad path (400),
//! missing or bad credentials (401), a Random session without an app in server mode (403).

use crate::config::Mode;
use crate::session::SessionKey;
use crate::socket;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use qix_protocol::SessionPath;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

pub use crate::shared::Shared;

/// The router for all endpoints.
pub fn router(shared: Arc<Shared>) -> Router {
    let node = crate::cluster::header_value(&shared.node);
    Router::new()
        .route("/healthcheck", get(healthcheck))
        .route("/metrics", get(metrics))
        .route("/app", any(upgrade))
        .route("/app/", any(upgrade))
        .route("/app/{*rest}", any(upgrade))
        .route("/tempcontent/{id}/{name}", get(download))
        .merge(crate::inspector::routes())
        .merge(crate::hub::routes())
        .with_state(shared)
        .layer(axum::middleware::map_response(
            move |mut response: Response| {
                let node = node.clone();
                async move {
                    response
                        .headers_mut()
                        .insert(crate::cluster::NODE_HEADER, node);
                    response
                }
            },
        ))
}

async fn healthcheck(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "nodeId": shared.node,
        "uptimeSeconds": shared.env.started.elapsed().as_secs_f64(),
        "liveSessions": shared.registry.live_sessions(),
        "liveSockets": shared.registry.live_sockets(),
        "mode": match shared.config.mode { Mode::Desktop => "desktop", Mode::Server => "server" },
    }))
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    crate::telemetry::cache(&shared.env.cache);
    (
        [("content-type", "text/plain; version=0.0.4")],
        crate::telemetry::handle().render(),
    )
        .into_response()
}

/// An exported file, for the user who made it (anyone else, or an expired id: 404, as if it were not
/// there).
async fn download(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path((id, _name)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let user = match shared.auth.authenticate(&headers) {
        Ok(u) => u,
        Err(e) => return refuse(StatusCode::UNAUTHORIZED, e.to_string()),
    };
    match shared.env.exports.get(&id, &user) {
        Some(file) => (
            [
                ("content-type", file.content_type.to_string()),
                (
                    "content-disposition",
                    format!("attachment; filename=\"{}\"", file.name),
                ),
            ],
            file.bytes,
        )
            .into_response(),
        None => refuse(StatusCode::NOT_FOUND, "no such export".into()),
    }
}

fn refuse(status: StatusCode, message: String) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let path = match SessionPath::parse(uri.path()) {
        Ok(p) => p,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let user = match shared.auth.authenticate(&headers) {
        Ok(u) => u,
        Err(e) => return refuse(StatusCode::UNAUTHORIZED, e.to_string()),
    };
    let identity = headers
        .get("x-qlik-session")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or(path.identity.clone())
        .unwrap_or_default();
    if shared.config.mode == Mode::Server && path.app_id.is_none() && !identity.is_empty() {
        return refuse(
            StatusCode::FORBIDDEN,
            "Random sessions without an app are not allowed in server mode; connect to \
             /app/<appId>/identity/<identity> instead"
                .into(),
        );
    }
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    let key = SessionKey {
        user,
        app: path.app_id,
        identity,
    };
    let registry = shared.registry.clone();
    let env = shared.env.clone();
    let shutdown = shared.shutdown.clone();
    let snapshots = shared.snapshots.clone();
    let max = shared.config.max_message_bytes;
    let target = socket::Target {
        key,
        ttl: path.ttl,
        remote: Some(remote),
    };
    // A small read buffer: an idle socket should cost little (the default is 128 KiB). Requests are mostly
    // a few hundred bytes; frames larger than the buffer are still read whole (it grows to the frame), in
    // reads of its size. 1 KiB instead of 4 took an idle socket from 15.5–16.0 to 12.5 KB
    // (bench/load-test.sh, footprint pass).
    ws.max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(1024)
        .on_upgrade(move |socket| async move {
            // A session that lives on no node now may come back from its snapshot (its node died or
            // stopped, or the proxy moved it here).
            let (r, e, k) = (registry.clone(), env.clone(), target.key.clone());
            let _ = tokio::task::spawn_blocking(move || snapshots.restore_for(&r, &e, &k)).await;
            socket::serve(socket, registry, env, target, shutdown).await
        })
}
