//! `GET /api/v1/sessions/events`: the inspector's list as server-sent events. One `sessions` event at
//! once, then one at every change of the session list and at least every second (time left, requests and
//! selections change without the list changing). The stream ends when the server shuts down.

use super::{access, view};
use crate::shared::Shared;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Longest wait between two events.
const TICK: Duration = Duration::from_secs(1);

/// The event stream, for an allowed viewer.
pub async fn stream(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let viewer = match access::check(&shared, &headers, remote) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let changes = shared.registry.subscribe();
    let shutdown = shared.shutdown.clone();
    let state = (shared, viewer, changes, shutdown, true);
    let events = stream::unfold(
        state,
        |(shared, viewer, mut changes, mut shutdown, first)| async move {
            if !first {
                tokio::select! {
                    _ = changes.changed() => {}
                    _ = tokio::time::sleep(TICK) => {}
                    _ = shutdown.wait_for(|s| *s) => return None,
                }
            }
            if *shutdown.borrow() {
                return None;
            }
            let data = view::all(&shared, &viewer).to_string();
            let event = Event::default().event("sessions").data(data);
            Some((
                Ok::<_, Infallible>(event),
                (shared, viewer, changes, shutdown, false),
            ))
        },
    );
    Sse::new(events).into_response()
}
