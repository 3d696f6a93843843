//! One WebSocket: attach to the session, send `OnConnected`, then read frame → dispatch → write, until the
//! client goes or the server shuts down; then detach.
//!
//! A writer task owns the sending half and drains the socket's outbox, so responses and pushes from other
//! sockets of the session go out in one order. Each request runs on the blocking pool, so a slow one never
//! stalls the runtime that serves other sockets. Requests are answered in the order they came, except that
//! consecutive layouts run in parallel ([`crate::reads`]) while the server has threads to spare; requests
//! already read that run in order anyway go to one pool thread together ([`gather_batch`]).

use crate::api::{self, Env};
use crate::outbox::{outbox, Outbox, OutboxReceiver};
use crate::reads::Reads;
use crate::registry::{Attached, Registry};
use crate::session::{Outgoing, Session, SessionKey, SocketInfo};
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
    // A frame read while gathering a batch (below) that did not join it: the next one to handle.
    let mut pending = None;
    loop {
        let frame = match pending.take() {
            Some(frame) => frame,
            None => tokio::select! {
                f = stream.next() => f,
                _ = shutdown.changed() => break,
                _ = tx.overflowed() => break,
            },
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
        if is_reload(&request.method) {
            // A reload runs for as long as the script does; the socket keeps answering meanwhile (GetProgress,
            // CancelReload), as the real engine does. Other requests stay in order.
            let (env, tx) = (env.clone(), tx.clone());
            let attached = attached.clone();
            tokio::spawn(async move {
                answer_and_queue(&env, &attached, request, &tx).await;
            });
            continue;
        }
        let spare = request_permits().available_permits() > 1;
        if reads.may_join(&request, spare) {
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
        // Requests the client sent together that run one after the other anyway (under load, a sheet's
        // layouts too) go to a pool thread together.
        let mut batch = vec![request];
        pending = gather_batch(&env, &mut stream, &mut batch, spare);
        requests.fetch_add(batch.len() as u64 - 1, Ordering::Relaxed);
        let answered = match batch.len() {
            1 => Box::pin(answer_and_queue(&env, &attached, batch.remove(0), &tx)).await,
            _ => Box::pin(answer_batch(&env, &attached, batch, &tx)).await,
        };
        if !answered {
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
        splices: vec![],
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
    let started = Instant::now();
    let label = metric_label(&request.method);
    let reads = api::only_reads(&request.method);
    let answered = answer(env, attached, request).await;
    deliver(&label, started, reads, answered, &attached.session, tx)
}

/// What follows a request's answer: its metric (time since `started`), the session kept alive when the
/// request may have changed it (as the client's activity), the response queued. False when the socket's
/// writer is gone.
fn deliver(
    label: &str,
    started: Instant,
    reads: bool,
    answered: Answered,
    session: &Session,
    tx: &Outbox,
) -> bool {
    telemetry::request(label, started.elapsed().as_secs_f64(), answered.error);
    if !reads || answered.pushes {
        session.touch();
    }
    tx.send(Outgoing::Text(answered.text)).is_ok()
}

/// Requests at most in one batch (see [`gather_batch`]).
const MAX_BATCH: usize = 16;

/// The frames already read after the ones `batch` holds, added to it while they are requests that run in
/// order: not a reload (it runs beside the others), nor — while the server has threads to spare
/// (`spare`) — a layout, which may run in parallel with the next ones (see [`crate::reads`]). Returns
/// the first frame that is not one, to be handled next. Takes only what has arrived: it never waits.
fn gather_batch(
    env: &Env,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    batch: &mut Vec<Request>,
    spare: bool,
) -> Option<Option<Result<Message, axum::Error>>> {
    use futures_util::FutureExt;
    while batch.len() < MAX_BATCH {
        let frame = stream.next().now_or_never()?;
        let request = match &frame {
            Some(Ok(Message::Text(t))) => parse(env, t.as_str()).ok(),
            _ => None,
        };
        match request {
            Some(r) if runs_in_order(&r, spare) => batch.push(r),
            _ => return Some(frame),
        }
    }
    None
}

/// Whether `request` runs after the requests before it are answered and before the next one starts.
fn runs_in_order(request: &Request, spare: bool) -> bool {
    match request.method.as_str() {
        "GetLayout" => !spare,
        method => !is_reload(method),
    }
}

/// A reload runs for as long as its script does: beside the socket's other requests, and without a
/// permit (see [`answer`]).
fn is_reload(method: &str) -> bool {
    matches!(method, "DoReload" | "DoReloadEx")
}

/// Answers `batch` in order on one thread of the blocking pool, queueing each response as it is made
/// (one hand-off to the pool instead of one a request). False when the socket's writer is gone.
async fn answer_batch(
    env: &Arc<Env>,
    attached: &Attached,
    batch: Vec<Request>,
    tx: &Outbox,
) -> bool {
    let _permit = request_permits().acquire().await.ok();
    let (env, session, socket, tx) = (
        env.clone(),
        attached.session.clone(),
        attached.socket,
        tx.clone(),
    );
    let answered = tokio::task::spawn_blocking(move || {
        batch.into_iter().all(|request| {
            let started = Instant::now();
            let label = metric_label(&request.method);
            let reads = api::only_reads(&request.method);
            let id = request.id.clone();
            let run = || Answered::of(&api::handle_request(&env, &session, socket, &request));
            let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
                .unwrap_or_else(|_| {
                    tracing::error!("request handler panicked");
                    Answered::internal_error(id)
                });
            deliver(&label, started, reads, answered, &session, &tx)
        })
    });
    answered.await.unwrap_or(false)
}

/// A request's method as a metric label: only method names the API has, so clients cannot grow the set.
fn metric_label(method: &str) -> String {
    match Spec::global().has_method_name(method) {
        true => method.to_string(),
        false => "unknown".to_string(),
    }
}

/// Answers one request on the blocking pool.
async fn answer(env: &Arc<Env>, attached: &Attached, request: Request) -> Answered {
    let env = env.clone();
    let session = attached.session.clone();
    let socket = attached.socket;
    let id = request.id.clone();
    // Short requests share a few threads: waiting for a permit costs a task, not a thread, so an overload
    // queues instead of growing the blocking pool to hundreds of threads (and their memory). A reload runs
    // for as long as its script does and takes no permit.
    let _permit = match is_reload(&request.method) {
        true => None,
        false => request_permits().acquire().await.ok(),
    };
    // The response is written out as text on the blocking thread that made it: a page of thousands of
    // cells takes milliseconds to write, which on a runtime thread would stall every socket it serves;
    // and its JSON tree is freed on the thread that allocated it.
    tokio::task::spawn_blocking(move || {
        let response = api::handle_request(&env, &session, socket, &request);
        Answered::of(&response)
    })
    .await
    .unwrap_or_else(|e| {
        tracing::error!(error = %e, "request handler panicked");
        Answered::internal_error(id)
    })
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
    /// The answer to a request whose handler panicked.
    fn internal_error(id: serde_json::Value) -> Answered {
        Answered::of(&Response {
            id,
            outcome: Err(RpcError::new(
                qix_protocol::ErrorCode::Internal,
                "internal error",
            )),
            change: vec![],
            close: vec![],
            delta: false,
            splices: vec![],
        })
    }

    fn of(response: &Response) -> Answered {
        Answered {
            text: response.to_text(),
            error: response.outcome.as_ref().err().map(|e| e.code),
            pushes: !response.change.is_empty() || !response.close.is_empty(),
        }
    }
}
