//! One WebSocket: attach to the session, send `OnConnected`, then read frame → dispatch → write, until the
//! client goes or the server shuts down; then detach.
//!
//! A writer task owns the sending half and drains the socket's outbox, so responses and pushes from other
//! sockets of the session go out in one order. Each request runs on the blocking pool, so a slow one never
//! stalls the runtime that serves other sockets. Requests are answered in the order they came, except that
//! consecutive layouts run in parallel ([`crate::reads`]).

use crate::api::{self, Env};
use crate::outbox::{outbox, Outbox, OutboxReceiver};
use crate::reads::Reads;
use crate::registry::{Attached, Registry};
use crate::session::{Outgoing, SessionKey, SocketInfo};
use crate::telemetry;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use qix_protocol::frame::FrameError;
use qix_protocol::{Notification, Request, Response, RpcError, Spec};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Close code for a message over `--max-message-bytes` (RFC 6455: message too big).
const CLOSE_TOO_BIG: u16 = 1009;
/// Close code for a policy refusal (the per-user session limit).
const CLOSE_POLICY: u16 = 1008;
/// Close code for a broken frame stream.
const CLOSE_PROTOCOL: u16 = 1002;

/// Where an upgraded socket goes and where it comes from.
pub struct Target {
    /// The session it belongs to.
    pub key: SessionKey,
    /// The TTL its URL asks for.
    pub ttl: Option<u64>,
    /// The peer's address, when known.
    pub remote: Option<SocketAddr>,
}

/// Serves one upgraded socket for the session `target.key`.
pub async fn serve(
    socket: WebSocket,
    registry: Arc<Registry>,
    env: Arc<Env>,
    target: Target,
    mut shutdown: watch::Receiver<bool>,
) {
    // Shutdown waits for this guard, so the last frames (the 1001 close) get written before the exit.
    let _running = registry.handler_started();
    let (mut sink, mut stream) = socket.split();
    let (tx, rx) = outbox(env.limits.max_outgoing_bytes);
    let info = SocketInfo::new(target.remote);
    let requests = info.requests.clone();
    let attached = match registry.attach(target.key, target.ttl, tx.clone(), info) {
        Ok(a) => a,
        Err(e) => {
            Box::pin(refuse_session(&mut sink, &e.to_string())).await;
            return;
        }
    };
    tracing::debug!(
        session = attached.session.id,
        socket = attached.socket,
        created = attached.created,
        "socket attached"
    );
    let writer = tokio::spawn(write_frames(sink, rx));
    let mut reads = Reads::default();
    loop {
        let frame = tokio::select! {
            f = stream.next() => f,
            _ = shutdown.changed() => break,
            _ = tx.overflowed() => break,
        };
        let request = match frame {
            None => break,
            Some(Ok(Message::Close(_))) => {
                // The WebSocket layer has queued the reply to the client's close; it is written when
                // the stream is read again, which then ends.
                let drain = async { while let Some(Ok(_)) = stream.next().await {} };
                let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
                break;
            }
            Some(Ok(Message::Text(t))) => parse(&env, t.as_str()),
            Some(Ok(Message::Binary(b))) => match std::str::from_utf8(&b) {
                Ok(t) => parse(&env, t),
                Err(_) => Err(FrameError {
                    id: serde_json::Value::Null,
                    error: RpcError::parse("binary frame is not UTF-8 text"),
                }),
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
        requests.fetch_add(1, Ordering::Relaxed);
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                send_frame_error(&tx, e);
                continue;
            }
        };
        if matches!(request.method.as_str(), "DoReload" | "DoReloadEx") {
            // A reload runs for as long as the script does; the socket keeps answering meanwhile (GetProgress,
            // CancelReload), as the real engine does. Other requests stay in order.
            let (env, tx) = (env.clone(), tx.clone());
            let attached = attached.clone();
            tokio::spawn(async move {
                answer_and_queue(&env, &attached, request, &tx).await;
            });
            continue;
        }
        if reads.may_join(&request, request_permits().available_permits() > 1) {
            let (env, tx) = (env.clone(), tx.clone());
            let attached = attached.clone();
            let handle = request.handle;
            let answer = Box::pin(async move {
                answer_and_queue(&env, &attached, request, &tx).await;
            });
            reads.spawn(handle, answer).await;
            continue;
        }
        // Anything else comes after the layouts asked before it. (The answer's future is boxed, here and
        // above: inline, its state — several KB — would be part of every idle socket's task for good.)
        reads.drain().await;
        if !Box::pin(answer_and_queue(&env, &attached, request, &tx)).await {
            break;
        }
    }
    reads.drain().await;
    registry.detach(&attached.session, attached.socket);
    let overflowed = tx.is_overflowed();
    drop(tx);
    if overflowed {
        // The client does not read: waiting for the writer would wait on it.
        writer.abort();
    } else {
        let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
    }
}

/// Tells a client its session could not be made (the per-user limit) and closes the socket.
async fn refuse_session(sink: &mut SplitSink<WebSocket, Message>, why: &str) {
    let note = Notification::Event {
        method: "OnMaxParallelSessionsExceeded".into(),
        severity: "fatal".into(),
        message: format!("Maximum number of parallel sessions exceeded: {why}"),
        timestamp: qix_apps::now_iso(),
    };
    let _ = sink.send(Message::Text(note.to_text().into())).await;
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code: CLOSE_POLICY,
            reason: "max parallel sessions exceeded".into(),
        })))
        .await;
}

/// The writer task: owns the sending half and drains the socket's outbox in order.
async fn write_frames(mut sink: SplitSink<WebSocket, Message>, mut rx: OutboxReceiver) {
    while let Some(out) = rx.recv().await {
        let (msg, last) = match &out {
            Outgoing::Text(t) => (Message::Text(t.as_str().into()), false),
            Outgoing::Close(code, reason) => (
                Message::Close(Some(CloseFrame {
                    code: *code,
                    reason: reason.as_str().into(),
                })),
                true,
            ),
        };
        let sent = sink.send(msg).await;
        rx.written(&out);
        if sent.is_err() || last {
            break;
        }
    }
}

/// One frame as a request. The JSON values are counted on the raw text first, so a frame of millions of
/// tiny values is refused before it is inflated into a tree many times its size; the frame is parsed once.
#[allow(clippy::result_large_err)] // as `Request::parse`
fn parse(env: &Env, text: &str) -> Result<Request, FrameError> {
    let max = env.limits.max_frame_values;
    if crate::limits::count_values(text, max) > max {
        return Err(FrameError {
            id: serde_json::Value::Null,
            error: RpcError::invalid_request(format!("a frame may hold at most {max} JSON values")),
        });
    }
    Request::parse(text)
}

/// The permits for requests running at once: twice the cores (at least 4), so a core is never idle
/// while a request waits on the session lock.
fn request_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new((cores * 2).max(4))
    })
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn send_frame_error(tx: &Outbox, e: FrameError) {
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

/// Answers `request` and queues its response; a request that may have changed the session keeps it alive
/// (as the client's activity). False when the socket's writer is gone.
async fn answer_and_queue(
    env: &Arc<Env>,
    attached: &Attached,
    request: Request,
    tx: &Outbox,
) -> bool {
    let (response, changed) = answer(env, attached, request).await;
    if changed {
        attached.session.touch();
    }
    tx.send(Outgoing::Text(response)).is_ok()
}

/// Answers one request on the blocking pool: the response's text, and whether the request may have
/// changed the session (what decides a new snapshot of it).
async fn answer(env: &Arc<Env>, attached: &Attached, request: Request) -> (String, bool) {
    let started = Instant::now();
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
    let reads = api::only_reads(&request.method);
    // Short requests share a few threads: waiting for a permit costs a task, not a thread, so an overload
    // queues instead of growing the blocking pool to hundreds of threads (and their memory). A reload runs
    // for as long as its script does and takes no permit.
    let _permit = match request.method.as_str() {
        "DoReload" | "DoReloadEx" => None,
        _ => request_permits().acquire().await.ok(),
    };
    // The response is written out as text on the blocking thread that made it: a page of thousands of
    // cells takes milliseconds to write, which on a runtime thread would stall every socket it serves;
    // and its JSON tree is freed on the thread that allocated it.
    let answered = tokio::task::spawn_blocking(move || {
        let response = api::handle_request(&env, &session, socket, &request);
        Answered::of(&response)
    })
    .await
    .unwrap_or_else(|e| {
        tracing::error!(error = %e, "request handler panicked");
        Answered::of(&Response {
            id,
            outcome: Err(RpcError::new(
                qix_protocol::ErrorCode::Internal,
                "internal error",
            )),
            change: vec![],
            close: vec![],
            delta: false,
        })
    });
    telemetry::request(&label, started.elapsed().as_secs_f64(), answered.error);
    let changed = !reads || answered.pushes;
    (answered.text, changed)
}

/// What the socket keeps of a response once it is written out.
struct Answered {
    /// The response's text.
    text: String,
    /// Its error code, if it is an error.
    error: Option<i64>,
    /// Whether it names objects changed or closed.
    pushes: bool,
}

impl Answered {
    fn of(response: &Response) -> Answered {
        Answered {
            text: response.to_text(),
            error: response.outcome.as_ref().err().map(|e| e.code),
            pushes: !response.change.is_empty() || !response.close.is_empty(),
        }
    }
}
