//! One WebSocket: attach to the session, send `OnConnected`, then read frame → dispatch → write, until the
//! client goes or the server shuts down; then detach.
//!
//! A writer task owns the sending half and drains the socket's outbox, so responses and pushes from other
//! sockets of the session go out in one order. Each request runs on the blocking pool, so a slow one never
//! stalls the runtime that serves other sockets.

use crate::api::{self, Env};
use crate::registry::{Attached, Registry};
use crate::session::{Outgoing, SessionKey};
use crate::telemetry;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use qix_protocol::frame::FrameError;
use qix_protocol::{Notification, Request, Response, RpcError, Spec};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::sync::watch;

/// Close code for a message over `--max-message-bytes` (RFC 6455: message too big).
const CLOSE_TOO_BIG: u16 = 1009;
/// Close code for a policy refusal (the per-user session limit).
const CLOSE_POLICY: u16 = 1008;
/// Close code for a broken frame stream.
const CLOSE_PROTOCOL: u16 = 1002;

/// Serves one upgraded socket for the session `key`.
pub async fn serve(
    socket: WebSocket,
    registry: Arc<Registry>,
    env: Arc<Env>,
    key: SessionKey,
    ttl: Option<u64>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Shutdown waits for this guard, so the last frames (the 1001 close) get written before the exit.
    let _running = registry.handler_started();
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = unbounded_channel::<Outgoing>();
    let attached = match registry.attach(key, ttl, tx.clone()) {
        Ok(a) => a,
        Err(e) => {
            let note = Notification::Event {
                method: "OnMaxParallelSessionsExceeded".into(),
                severity: "fatal".into(),
                message: format!("Maximum number of parallel sessions exceeded: {e}"),
                timestamp: qix_apps::now_iso(),
            };
            let _ = sink.send(Message::Text(note.to_text().into())).await;
            let _ = sink
                .send(Message::Close(Some(CloseFrame {
                    code: CLOSE_POLICY,
                    reason: "max parallel sessions exceeded".into(),
                })))
                .await;
            return;
        }
    };
    tracing::debug!(
        session = attached.session.id,
        socket = attached.socket,
        created = attached.created,
        "socket attached"
    );

    let writer = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            let (msg, last) = match out {
                Outgoing::Text(t) => (Message::Text(t.into()), false),
                Outgoing::Close(code, reason) => (
                    Message::Close(Some(CloseFrame {
                        code,
                        reason: reason.into(),
                    })),
                    true,
                ),
            };
            if sink.send(msg).await.is_err() || last {
                break;
            }
        }
    });

    loop {
        let frame = tokio::select! {
            f = stream.next() => f,
            _ = shutdown.changed() => break,
        };
        let text = match frame {
            None => break,
            Some(Ok(Message::Close(_))) => {
                // The WebSocket layer has queued the reply to the client's close; it is written when
                // the stream is read again, which then ends.
                let drain = async { while let Some(Ok(_)) = stream.next().await {} };
                let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
                break;
            }
            Some(Ok(Message::Text(t))) => t.as_str().to_owned(),
            Some(Ok(Message::Binary(b))) => match String::from_utf8(b.to_vec()) {
                Ok(t) => t,
                Err(_) => {
                    send_frame_error(
                        &tx,
                        FrameError {
                            id: serde_json::Value::Null,
                            error: RpcError::parse("binary frame is not UTF-8 text"),
                        },
                    );
                    continue;
                }
            },
            Some(Ok(_)) => continue, // ping/pong: answered by the WebSocket layer
            Some(Err(e)) => {
                let text = e.to_string();
                let code = if text.contains("too long") || text.contains("too big") {
                    CLOSE_TOO_BIG
                } else {
                    CLOSE_PROTOCOL
                };
                tracing::info!(error = %text, "closing socket after a bad frame");
                let _ = tx.send(Outgoing::Close(code, truncate(&text, 120)));
                break;
            }
        };
        if is_reload(&text) {
            // A reload runs for as long as the script does; the socket keeps answering meanwhile (GetProgress,
            // CancelReload), as the real engine does. Other requests stay in order.
            let (env, tx) = (env.clone(), tx.clone());
            let attached = Attached {
                session: attached.session.clone(),
                socket: attached.socket,
                created: attached.created,
            };
            tokio::spawn(async move {
                let response = handle_text(&env, &attached, text).await;
                let _ = tx.send(Outgoing::Text(response));
            });
            continue;
        }
        let response = handle_text(&env, &attached, text).await;
        if tx.send(Outgoing::Text(response)).is_err() {
            break;
        }
    }
    registry.detach(&attached.session, attached.socket);
    drop(tx);
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
}

/// Whether a frame asks for `DoReload` / `DoReloadEx` (checked cheaply before the full parse).
fn is_reload(text: &str) -> bool {
    text.contains("DoReload")
        && serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| {
                v.get("method")
                    .and_then(|m| m.as_str())
                    .map(|m| m.starts_with("DoReload"))
            })
            .unwrap_or(false)
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn send_frame_error(tx: &UnboundedSender<Outgoing>, e: FrameError) {
    telemetry::request("invalid", 0.0, Some(e.error.code));
    let r = Response {
        id: e.id,
        outcome: Err(e.error),
        change: vec![],
        close: vec![],
        delta: false,
    };
    let _ = tx.send(Outgoing::Text(r.to_text()));
}

/// Parses and answers one text frame; returns the response text.
async fn handle_text(env: &Arc<Env>, attached: &Attached, text: String) -> String {
    let started = Instant::now();
    let request = match Request::parse(&text) {
        Ok(r) => r,
        Err(e) => {
            telemetry::request("invalid", 0.0, Some(e.error.code));
            return Response {
                id: e.id,
                outcome: Err(e.error),
                change: vec![],
                close: vec![],
                delta: false,
            }
            .to_text();
        }
    };
    // Only method names the API has become metric labels, so clients cannot grow the label set.
    let known = Spec::global().methods().any(|m| m.name == request.method);
    let label = if known {
        request.method.clone()
    } else {
        "unknown".to_string()
    };
    let env = env.clone();
    let session = attached.session.clone();
    let socket = attached.socket;
    let id = request.id.clone();
    let response =
        tokio::task::spawn_blocking(move || api::handle_request(&env, &session, socket, &request))
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "request handler panicked");
                Response {
                    id,
                    outcome: Err(RpcError::new(
                        qix_protocol::ErrorCode::Internal,
                        "internal error",
                    )),
                    change: vec![],
                    close: vec![],
                    delta: false,
                }
            });
    let code = response.outcome.as_ref().err().map(|e| e.code);
    telemetry::request(&label, started.elapsed().as_secs_f64(), code);
    response.to_text()
}
