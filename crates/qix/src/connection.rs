//! One WebSocket to an engine: waits for `OnConnected`, correlates responses with requests (many may be in
//! flight), and hands out change/close pushes and notifications as events.

use crate::Error;
use futures_util::{SinkExt, StreamExt};
use qix_protocol::RpcError;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// What `OnConnected` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// A new session was created for this socket.
    Created,
    /// The socket joined a live session.
    Attached,
    /// Another state (an error state such as `SESSION_ERROR_LIMIT_EXCEEDED`).
    Other(String),
}

/// Something the engine said without being asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// These handles' layouts are stale (in responses or pushed).
    Changed(Vec<i64>),
    /// These handles' objects are gone.
    Closed(Vec<i64>),
    /// A notification (method and params), e.g. `OnMaxParallelSessionsExceeded`.
    Notification(String, Value),
}

type Pending = Arc<Mutex<HashMap<i64, oneshot::Sender<Result<Value, Error>>>>>;

/// An open connection. Cheap to clone; the socket closes when the last clone is dropped.
#[derive(Clone)]
pub struct Connection {
    state: SessionState,
    outbox: mpsc::UnboundedSender<Message>,
    pending: Pending,
    events: broadcast::Sender<Event>,
    next_id: Arc<AtomicI64>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("state", &self.state)
            .finish()
    }
}

fn route(events: &broadcast::Sender<Event>, frame: &Value) {
    for (key, make) in [
        ("change", Event::Changed as fn(Vec<i64>) -> Event),
        ("close", Event::Closed),
    ] {
        if let Some(list) = frame.get(key).and_then(Value::as_array) {
            let handles: Vec<i64> = list.iter().filter_map(Value::as_i64).collect();
            let _ = events.send(make(handles));
        }
    }
}

impl Connection {
    /// Opens `url` with extra headers and waits for `OnConnected`.
    pub async fn open(url: &str, headers: &[(String, String)]) -> Result<Connection, Error> {
        let mut req = url
            .into_client_request()
            .map_err(|e| Error::Location(e.to_string()))?;
        for (k, v) in headers {
            let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| Error::Location(e.to_string()))?;
            let value = v
                .parse()
                .map_err(|_| Error::Location(format!("bad header value for {k}")))?;
            req.headers_mut().insert(name, value);
        }
        let (ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Http(r) => {
                    Error::Connect(format!("HTTP {}", r.status()))
                }
                other => Error::Connect(other.to_string()),
            })?;
        let (mut sink, mut stream) = ws.split();
        let state = loop {
            match stream.next().await {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str())
                        .map_err(|e| Error::Connection(e.to_string()))?;
                    if v["method"] == "OnConnected" {
                        break match v["params"]["qSessionState"].as_str().unwrap_or("") {
                            "SESSION_CREATED" => SessionState::Created,
                            "SESSION_ATTACHED" => SessionState::Attached,
                            other => SessionState::Other(other.to_string()),
                        };
                    }
                    if let Some(m) = v["method"].as_str() {
                        let msg = v["params"]["message"].as_str().unwrap_or("").to_string();
                        return Err(Error::Connect(format!("{m}: {msg}")));
                    }
                }
                Some(Ok(_)) => continue,
                _ => {
                    return Err(Error::Connect(
                        "the socket closed before OnConnected".into(),
                    ))
                }
            }
        };
        let (outbox, mut rx) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
        let (events, _) = broadcast::channel(1024);
        let (p, ev) = (pending.clone(), events.clone());
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(t) = msg else { continue };
                let Ok(v) = serde_json::from_str::<Value>(t.as_str()) else {
                    continue;
                };
                route(&ev, &v);
                match v.get("id").and_then(Value::as_i64) {
                    Some(id) => {
                        let waiter = p.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                        if let Some(w) = waiter {
                            let result = match v.get("error") {
                                Some(e) => Err(Error::Engine(
                                    serde_json::from_value::<RpcError>(e.clone()).unwrap_or_else(
                                        |_| RpcError::invalid_request(e.to_string()),
                                    ),
                                )),
                                None => Ok(v.get("result").cloned().unwrap_or(Value::Null)),
                            };
                            let _ = w.send(result);
                        }
                    }
                    None => {
                        if let Some(m) = v.get("method").and_then(Value::as_str) {
                            let _ =
                                ev.send(Event::Notification(m.to_string(), v["params"].clone()));
                        }
                    }
                }
            }
            // The socket is gone: every waiting call fails.
            for (_, w) in p.lock().unwrap_or_else(|e| e.into_inner()).drain() {
                let _ = w.send(Err(Error::Connection("the socket closed".into())));
            }
        });
        Ok(Connection {
            state,
            outbox,
            pending,
            events,
            next_id: Arc::new(AtomicI64::new(1)),
        })
    }

    /// What `OnConnected` said.
    pub fn state(&self) -> &SessionState {
        &self.state
    }

    /// Change, close and notification events from now on.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Calls `method` on `handle` with positional (array) or named (object) params.
    pub async fn call(&self, handle: i64, method: &str, params: Value) -> Result<Value, Error> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, tx);
        let frame = json!({"jsonrpc": "2.0", "id": id, "method": method, "handle": handle, "params": params});
        self.outbox
            .send(Message::Text(frame.to_string().into()))
            .map_err(|_| Error::Connection("the socket closed".into()))?;
        rx.await
            .map_err(|_| Error::Connection("the socket closed".into()))?
    }

    /// Closes the socket.
    pub fn close(&self) {
        let _ = self.outbox.send(Message::Close(None));
    }
}
