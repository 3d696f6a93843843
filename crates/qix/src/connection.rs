//! One session's connection to an engine: waits for `OnConnected`, correlates responses with requests (many
//! may be in flight), hands out change/close pushes and notifications as events, and can be suspended and
//! resumed (a new socket to the same session URL; the objects it handed out are found again by id, as
//! enigma.js does).

use crate::object::{ObjectCore, RemoteObject};
use crate::tls::{Socket, TlsOptions};
use crate::Error;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use qix_protocol::RpcError;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
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

/// Something the engine said without being asked, or a change of the connection itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// These handles' layouts are stale (in responses or pushed).
    Changed(Vec<i64>),
    /// These handles' objects are gone.
    Closed(Vec<i64>),
    /// A notification (method and params), e.g. `OnMaxParallelSessionsExceeded`.
    Notification(String, Value),
    /// The socket closed: the engine went away or closed it, or `suspend()` closed it (then `Suspended`
    /// follows).
    SocketClosed,
    /// `suspend()` closed the socket; the session lives on for its TTL.
    Suspended,
    /// `resume()` reconnected, in this state.
    Resumed(SessionState),
}

/// A call's answer as it came: the `result`'s JSON text, not yet built into a tree.
type RawResult = Result<Box<RawValue>, Error>;

type Pending = Arc<Mutex<HashMap<i64, oneshot::Sender<RawResult>>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The live socket: a writer fed by a channel and a reader task that routes frames.
struct Link {
    outbox: mpsc::UnboundedSender<Message>,
    reader: Option<JoinHandle<()>>,
    state: SessionState,
}

struct Inner {
    /// Where to reconnect on `resume` (the session URL, with its identity and TTL).
    url: String,
    /// The same authentication on every socket.
    headers: Vec<(String, String)>,
    /// The same TLS trust and client certificate on every socket.
    tls: TlsOptions,
    /// `None` while suspended.
    link: Mutex<Option<Link>>,
    pending: Pending,
    events: broadcast::Sender<Event>,
    /// Ids keep counting across sockets, so a late answer can never be taken for another call's.
    next_id: AtomicI64,
    /// Objects handed out, in the order they were opened (a doc before its objects), to restore on resume.
    objects: Mutex<Vec<Weak<ObjectCore>>>,
    /// The params of the last `OpenDoc`, to open the doc again when a resume finds a new session.
    open_doc: Mutex<Option<Value>>,
}

/// An open connection. Cheap to clone; the socket closes when the last clone (and every object opened on it)
/// is dropped.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.inner.url)
            .field("state", &self.state())
            .finish()
    }
}

/// One frame from the engine, read only as far as routing it needs: its parts stay JSON text (borrowed
/// from the frame). The reader task serves every call of the connection; a layout built into a tree there
/// would be built on one task for all of them, and twice over for a typed call (tree, then type). The
/// caller's task parses its own answer, into whatever it wants.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    method: Option<&'a RawValue>,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
    #[serde(borrow)]
    result: Option<&'a RawValue>,
    #[serde(borrow)]
    error: Option<&'a RawValue>,
    #[serde(borrow)]
    change: Option<&'a RawValue>,
    #[serde(borrow)]
    close: Option<&'a RawValue>,
}

impl Envelope<'_> {
    /// The request id this frame answers (`None` for a push or a notification).
    fn id(&self) -> Option<i64> {
        self.id.and_then(|raw| raw.get().parse().ok())
    }

    /// What the waiting call gets: the result's text, or the engine's error.
    fn answer(&self) -> RawResult {
        if let Some(e) = self.error {
            return Err(Error::Engine(
                serde_json::from_str::<RpcError>(e.get())
                    .unwrap_or_else(|_| RpcError::invalid_request(e.get().to_string())),
            ));
        }
        Ok(self.result.map_or_else(null, RawValue::to_owned))
    }

    /// The frame's `change` and `close` lists as events.
    fn route(&self, events: &broadcast::Sender<Event>) {
        for (list, make) in [
            (self.change, Event::Changed as fn(Vec<i64>) -> Event),
            (self.close, Event::Closed),
        ] {
            if let Some(Ok(Value::Array(list))) = list.map(|l| serde_json::from_str(l.get())) {
                let handles: Vec<i64> = list.iter().filter_map(Value::as_i64).collect();
                let _ = events.send(make(handles));
            }
        }
    }

    /// A notification's method and params.
    fn notification(&self) -> Option<(String, Value)> {
        let method: String = serde_json::from_str(self.method?.get()).ok()?;
        let params = self.params.map_or(Value::Null, |p| {
            serde_json::from_str(p.get()).unwrap_or(Value::Null)
        });
        Some((method, params))
    }
}

/// JSON `null` as raw text: the result of an answer that has none.
fn null() -> Box<RawValue> {
    RawValue::from_string("null".to_string()).expect("`null` is JSON")
}

async fn dial(
    url: &str,
    headers: &[(String, String)],
    tls: &TlsOptions,
) -> Result<(Socket, SessionState), Error> {
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
    let mut ws = crate::tls::connect(req, tls).await?;
    let state = loop {
        match ws.next().await {
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
    Ok((ws, state))
}

fn start(
    ws: Socket,
    state: SessionState,
    pending: Pending,
    events: broadcast::Sender<Event>,
) -> Link {
    let (sink, stream) = ws.split();
    let (outbox, rx) = mpsc::unbounded_channel::<Message>();
    tokio::spawn(write(sink, rx));
    let reader = tokio::spawn(read(stream, pending, events));
    Link {
        outbox,
        reader: Some(reader),
        state,
    }
}

async fn write(mut sink: SplitSink<Socket, Message>, mut rx: mpsc::UnboundedReceiver<Message>) {
    while let Some(m) = rx.recv().await {
        let closing = matches!(m, Message::Close(_));
        if sink.send(m).await.is_err() || closing {
            break;
        }
    }
    let _ = sink.close().await;
}

async fn read(mut stream: SplitStream<Socket>, pending: Pending, events: broadcast::Sender<Event>) {
    while let Some(Ok(msg)) = stream.next().await {
        let Message::Text(t) = msg else { continue };
        let Ok(frame) = serde_json::from_str::<Envelope>(t.as_str()) else {
            continue;
        };
        frame.route(&events);
        match frame.id() {
            Some(id) => {
                let waiter = lock(&pending).remove(&id);
                if let Some(w) = waiter {
                    let _ = w.send(frame.answer());
                }
            }
            None => {
                if let Some((method, params)) = frame.notification() {
                    let _ = events.send(Event::Notification(method, params));
                }
            }
        }
    }
    // The socket is gone: every waiting call fails.
    for (_, w) in lock(&pending).drain() {
        let _ = w.send(Err(Error::Connection("the socket closed".into())));
    }
    let _ = events.send(Event::SocketClosed);
}

/// How a doc object is found again on a new socket: the method of the Doc class and the id to pass.
fn restore_method(class: &str) -> Option<&'static str> {
    Some(match class {
        "GenericObject" => "GetObject",
        "GenericDimension" => "GetDimension",
        "GenericMeasure" => "GetMeasure",
        "GenericBookmark" => "GetBookmark",
        "GenericVariable" => "GetVariableById",
        "Field" => "GetField",
        _ => return None,
    })
}

impl Connection {
    /// Opens `url` (`ws://` or `wss://` trusting the public web roots) with extra headers and waits for
    /// `OnConnected`.
    pub async fn open(url: &str, headers: &[(String, String)]) -> Result<Connection, Error> {
        Connection::open_with(url, headers, TlsOptions::default()).await
    }

    pub(crate) async fn open_with(
        url: &str,
        headers: &[(String, String)],
        tls: TlsOptions,
    ) -> Result<Connection, Error> {
        let (ws, state) = dial(url, headers, &tls).await?;
        let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
        let (events, _) = broadcast::channel(1024);
        let link = start(ws, state, pending.clone(), events.clone());
        Ok(Connection {
            inner: Arc::new(Inner {
                url: url.to_string(),
                headers: headers.to_vec(),
                tls,
                link: Mutex::new(Some(link)),
                pending,
                events,
                next_id: AtomicI64::new(1),
                objects: Mutex::new(vec![]),
                open_doc: Mutex::new(None),
            }),
        })
    }

    /// The session URL this connection uses.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// What `OnConnected` said on the current socket (`Other("SUSPENDED")` while suspended).
    pub fn state(&self) -> SessionState {
        match &*lock(&self.inner.link) {
            Some(l) => l.state.clone(),
            None => SessionState::Other("SUSPENDED".into()),
        }
    }

    /// Change, close, notification and connection events from now on.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// The Global API object (handle -1) of this connection.
    pub fn global(&self) -> RemoteObject {
        RemoteObject::new(self.clone(), -1, "Global", "", "")
    }

    /// Calls `method` on `handle` with positional (array) or named (object) params.
    pub async fn call(&self, handle: i64, method: &str, params: Value) -> Result<Value, Error> {
        let raw = self.call_raw(handle, method, params).await?;
        serde_json::from_str(raw.get()).map_err(|e| Error::Decode(e.to_string()))
    }

    /// [`Connection::call`], answered with the `result`'s JSON text as it came (checked to be JSON, not
    /// built into a tree): for a caller that reads it into its own types, forwards it, or needs only to
    /// know it came.
    pub async fn call_raw(
        &self,
        handle: i64,
        method: &str,
        params: Value,
    ) -> Result<Box<RawValue>, Error> {
        if handle == -1 && method == "OpenDoc" {
            self.remember_open_doc(params.clone());
        }
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let frame = json!({"jsonrpc": "2.0", "id": id, "method": method, "handle": handle, "params": params});
        {
            let link = lock(&self.inner.link);
            let link = link
                .as_ref()
                .ok_or_else(|| Error::Connection("the connection is suspended".into()))?;
            lock(&self.inner.pending).insert(id, tx);
            link.outbox
                .send(Message::Text(frame.to_string().into()))
                .map_err(|_| Error::Connection("the socket closed".into()))?;
        }
        rx.await
            .map_err(|_| Error::Connection("the socket closed".into()))?
    }

    /// Remembers an object this connection handed out, so `resume` can find it again.
    pub(crate) fn register(&self, core: &Arc<ObjectCore>) {
        let mut objects = lock(&self.inner.objects);
        objects.retain(|w| w.strong_count() > 0);
        objects.push(Arc::downgrade(core));
    }

    /// Remembers how the doc was opened (for a resume that lands in a new session).
    fn remember_open_doc(&self, params: Value) {
        *lock(&self.inner.open_doc) = Some(params);
    }

    /// Closes the socket and waits until it is closed. The engine keeps the session for its TTL; calls fail
    /// until [`Connection::resume`].
    pub async fn suspend(&self) {
        let link = lock(&self.inner.link).take();
        if let Some(mut link) = link {
            let _ = link.outbox.send(Message::Close(None));
            if let Some(reader) = link.reader.take() {
                let _ = reader.await;
            }
            let _ = self.inner.events.send(Event::Suspended);
        }
    }

    /// Reconnects to the same session URL. When the engine attaches the socket to the live session, every
    /// object keeps working; when it creates a new session (the TTL ran out), `only_if_attached` makes this
    /// an error (and every object is closed), otherwise the doc is opened again and the objects are looked up
    /// by id. Objects that cannot be found get a `Closed` event, the others a `Changed` event (their handle
    /// may have changed).
    pub async fn resume(&self, only_if_attached: bool) -> Result<SessionState, Error> {
        if lock(&self.inner.link).is_some() {
            return Err(Error::Connection("the connection is not suspended".into()));
        }
        let (ws, state) = dial(&self.inner.url, &self.inner.headers, &self.inner.tls).await?;
        let link = start(
            ws,
            state.clone(),
            self.inner.pending.clone(),
            self.inner.events.clone(),
        );
        *lock(&self.inner.link) = Some(link);
        let objects: Vec<Arc<ObjectCore>> = lock(&self.inner.objects)
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        if state == SessionState::Created && only_if_attached {
            self.suspend().await;
            let closed: Vec<i64> = objects.iter().map(|o| o.handle()).collect();
            let _ = self.inner.events.send(Event::Closed(closed));
            return Err(Error::Connect(
                "the session was gone: the engine created a new one".into(),
            ));
        }
        let (mut changed, mut closed) = (vec![], vec![]);
        let mut doc: Option<i64> = None;
        for o in objects.iter().filter(|o| o.class() == "Doc") {
            match self.restore_doc().await {
                Some(h) => {
                    o.set_handle(h);
                    doc = Some(h);
                    changed.push(h);
                }
                None => closed.push(o.handle()),
            }
        }
        for o in objects
            .iter()
            .filter(|o| o.class() != "Doc" && o.class() != "Global")
        {
            let found = match (doc, restore_method(o.class())) {
                (Some(d), Some(method)) => self
                    .call(d, method, json!([o.generic_id()]))
                    .await
                    .ok()
                    .and_then(|r| r["qReturn"]["qHandle"].as_i64()),
                _ => None,
            };
            match found {
                Some(h) => {
                    o.set_handle(h);
                    changed.push(h);
                }
                None => closed.push(o.handle()),
            }
        }
        let _ = self.inner.events.send(Event::Resumed(state.clone()));
        if !closed.is_empty() {
            let _ = self.inner.events.send(Event::Closed(closed));
        }
        if !changed.is_empty() {
            let _ = self.inner.events.send(Event::Changed(changed));
        }
        Ok(state)
    }

    /// The doc handle on the new socket: the session's active doc, else the doc opened again.
    async fn restore_doc(&self) -> Option<i64> {
        if let Ok(r) = self.call(-1, "GetActiveDoc", json!([])).await {
            if let Some(h) = r["qReturn"]["qHandle"].as_i64() {
                return Some(h);
            }
        }
        let params = lock(&self.inner.open_doc).clone()?;
        let r = self.call(-1, "OpenDoc", params).await.ok()?;
        r["qReturn"]["qHandle"].as_i64()
    }

    /// Closes the socket.
    pub fn close(&self) {
        if let Some(l) = &*lock(&self.inner.link) {
            let _ = l.outbox.send(Message::Close(None));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(frame: &str) -> Envelope<'_> {
        serde_json::from_str(frame).expect("a frame")
    }

    #[test]
    fn an_answer_keeps_its_result_as_it_came() {
        let frame = r#"{"jsonrpc":"2.0","id":7,"result":{"qLayout":{"b":1,"a":[1.50,"x\"y"]}},"change":[3]}"#;
        let e = envelope(frame);
        assert_eq!(e.id(), Some(7));
        let raw = e.answer().expect("a result");
        assert_eq!(raw.get(), r#"{"qLayout":{"b":1,"a":[1.50,"x\"y"]}}"#);
        // Without a result (or with `null`), the answer is `null`.
        for frame in [r#"{"id":8}"#, r#"{"id":8,"result":null}"#] {
            assert_eq!(envelope(frame).answer().expect("null").get(), "null");
        }
    }

    #[test]
    fn an_error_is_the_engines_error() {
        let e =
            envelope(r#"{"id":2,"error":{"code":1003,"parameter":"x","message":"App not found"}}"#);
        match e.answer() {
            Err(Error::Engine(err)) => {
                assert_eq!((err.code, err.message.as_str()), (1003, "App not found"))
            }
            other => panic!("{other:?}"),
        }
        // An error the SDK cannot read as the engine's still fails the call, with its text.
        match envelope(r#"{"id":2,"error":"broken"}"#).answer() {
            Err(Error::Engine(err)) => assert!(err.parameter.contains("broken"), "{err:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pushes_and_notifications_become_events() {
        let (tx, mut rx) = broadcast::channel(8);
        let push = envelope(r#"{"jsonrpc":"2.0","change":[1,2],"close":[5],"suspend":[]}"#);
        assert_eq!(push.id(), None);
        push.route(&tx);
        assert_eq!(rx.try_recv().ok(), Some(Event::Changed(vec![1, 2])));
        assert_eq!(rx.try_recv().ok(), Some(Event::Closed(vec![5])));
        let note = envelope(
            r#"{"jsonrpc":"2.0","method":"OnMaxParallelSessionsExceeded","params":{"severity":"fatal"}}"#,
        );
        note.route(&tx);
        assert!(rx.try_recv().is_err(), "no lists, no events");
        assert_eq!(
            note.notification(),
            Some((
                "OnMaxParallelSessionsExceeded".to_string(),
                json!({"severity": "fatal"})
            ))
        );
        // An id that is not an integer is no call's answer.
        assert_eq!(envelope(r#"{"id":"x","result":{}}"#).id(), None);
    }
}
