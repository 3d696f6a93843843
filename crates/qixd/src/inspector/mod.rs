//! The session inspector's HTTP API: `GET /api/v1/sessions` (server totals and every live session),
//! `GET /api/v1/sessions/{id}`, `GET /api/v1/sessions/events` (a server-sent event stream of the same
//! list), and `DELETE /api/v1/sessions/{id}` (ends a session: its sockets get `OnSessionClosed` and a
//! close frame, code 4001). Who may call it: [`access`].

pub mod access;
mod events;
pub mod view;

use crate::shared::Shared;
use access::Refusal;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::net::SocketAddr;
use std::sync::Arc;

/// The inspector's routes, to merge into the server's router.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v1/sessions", get(list))
        .route("/api/v1/sessions/events", get(events::stream))
        .route("/api/v1/sessions/{id}", get(one).delete(end))
}

async fn list(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    match access::check(&shared, &headers, remote) {
        Ok(viewer) => Json(view::all(&shared, &viewer)).into_response(),
        Err(refused) => refused.into_response(),
    }
}

/// A session id from the path: a positive whole number.
fn parse_id(text: &str) -> Result<u64, Refusal> {
    text.parse::<u64>().map_err(|_| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("'{text}' is not a session id (a whole number)"),
        )
    })
}

fn not_found(id: u64) -> Response {
    Refusal::new(StatusCode::NOT_FOUND, format!("no live session {id}")).into_response()
}

async fn one(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let viewer = match access::check(&shared, &headers, remote) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(bad) => return bad.into_response(),
    };
    match shared.registry.by_id(id) {
        Some((session, expires)) => Json(view::session(&session, expires, &viewer)).into_response(),
        None => not_found(id),
    }
}

async fn end(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let viewer = match access::check(&shared, &headers, remote) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    if !viewer.admin {
        return Refusal::new(StatusCode::FORBIDDEN, "only admins may end sessions").into_response();
    }
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(bad) => return bad.into_response(),
    };
    let why = format!(
        "Session ended by {} from the session inspector",
        crate::rights::Rights::owner_name(&viewer.user)
    );
    if shared.registry.end(id, &why) {
        tracing::info!(session = id, by = %viewer.user, "session ended from the inspector");
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found(id)
    }
}
