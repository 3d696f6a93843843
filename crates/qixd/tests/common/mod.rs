//! Test support: a real qixd on an ephemeral port and a real WebSocket client.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use qixd::{Config, RunningServer};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A running server with its own apps folder.
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub config: Config,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::defaults();
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.apps_dir = dir.path().join("apps");
        config.data_dir = dir.path().join("data");
        tweak(&mut config);
        Self::start_in(dir, config).await
    }

    /// Starts a server on an existing folder (for restart tests).
    pub async fn start_in(dir: tempfile::TempDir, config: Config) -> TestServer {
        let server = qixd::start(config.clone()).await.expect("server starts");
        let addr = server.addr();
        TestServer {
            server: Some(server),
            addr,
            dir,
            config,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }

    pub async fn connect(&self, path: &str) -> Client {
        Client::connect(&self.url(path), &[])
            .await
            .expect("connects")
    }

    pub async fn connect_with(&self, path: &str, headers: &[(&str, &str)]) -> Client {
        Client::connect(&self.url(path), headers)
            .await
            .expect("connects")
    }

    /// Stops the server, keeping its folder.
    pub async fn stop(mut self) -> (tempfile::TempDir, Config) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        (self.dir, self.config)
    }

    pub async fn health(&self) -> Value {
        let body = http_get(self.addr, "/healthcheck").await;
        serde_json::from_str(body.split("\r\n\r\n").nth(1).unwrap_or("")).unwrap()
    }

    /// Waits (up to 5 s) until `/healthcheck` counts `n` live sessions: a closed socket's session ends
    /// on the server's side after the close handshake the client sees.
    pub async fn until_live_sessions(&self, n: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.health().await["liveSessions"] != n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{n} live sessions never reached"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn apps_dir(&self) -> PathBuf {
        self.config.apps_dir.clone()
    }
}

/// A minimal HTTP/1.1 GET; returns the whole response text.
pub async fn http_get(addr: SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

/// An HTTP/1.1 request with headers; returns the status and the body (the connection closes after it).
pub async fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {out:?}"));
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A WebSocket client speaking JSON-RPC, keeping pushed frames aside.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: i64,
    /// Frames without an id (pushes and notifications), in arrival order.
    pub pushes: VecDeque<Value>,
    /// The OnConnected session state.
    pub state: String,
}

/// Why a connection failed: the HTTP status of a refused upgrade, or another error.
#[derive(Debug)]
pub enum ConnectError {
    Status(u16, String),
    Other(String),
}

impl Client {
    pub async fn connect(url: &str, headers: &[(&str, &str)]) -> Result<Client, ConnectError> {
        let mut req = url.into_client_request().unwrap();
        for (k, v) in headers {
            req.headers_mut().insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let (ws, _) = match tokio_tungstenite::connect_async(req).await {
            Ok(x) => x,
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                let body = resp
                    .body()
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                return Err(ConnectError::Status(resp.status().as_u16(), body));
            }
            Err(e) => return Err(ConnectError::Other(e.to_string())),
        };
        let mut c = Client {
            ws,
            next_id: 1,
            pushes: VecDeque::new(),
            state: String::new(),
        };
        let hello = c.read_frame().await.expect("a first frame");
        assert_eq!(
            hello["method"], "OnConnected",
            "first frame must be OnConnected: {hello}"
        );
        c.state = hello["params"]["qSessionState"]
            .as_str()
            .unwrap()
            .to_string();
        Ok(c)
    }

    /// The next text frame as JSON, or None when the socket closed (10 s limit).
    pub async fn read_frame(&mut self) -> Option<Value> {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .expect("frame within 10 s")?;
            match msg {
                Ok(Message::Text(t)) => return Some(serde_json::from_str(t.as_str()).unwrap()),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// Sends a raw text frame.
    pub async fn send_raw(&mut self, text: &str) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// Sends raw text frames in one write (the server reads them all at once).
    pub async fn send_all(&mut self, frames: &[String]) {
        for f in frames {
            self.ws
                .feed(Message::Text(f.as_str().into()))
                .await
                .unwrap();
        }
        self.ws.flush().await.unwrap();
    }

    /// Sends a raw text frame; an error when the server has closed the socket.
    pub async fn try_send_raw(&mut self, text: &str) -> Result<(), String> {
        self.ws
            .send(Message::Text(text.into()))
            .await
            .map_err(|e| e.to_string())
    }

    /// Reads until the response with `id`, keeping pushes aside.
    pub async fn response(&mut self, id: &Value) -> Value {
        loop {
            let f = self
                .read_frame()
                .await
                .expect("socket open while waiting for a response");
            if f.get("id") == Some(id) {
                return f;
            }
            self.pushes.push_back(f);
        }
    }

    /// Reserves `n` request ids, for requests sent at once with [`Client::send_raw`]; returns the first.
    pub fn reserve_ids(&mut self, n: usize) -> i64 {
        let first = self.next_id;
        self.next_id += n as i64;
        first
    }

    /// Calls a method and returns the whole response frame.
    pub async fn call(&mut self, handle: i64, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let req = json!({"jsonrpc":"2.0","id":id,"method":method,"handle":handle,"params":params});
        self.send_raw(&req.to_string()).await;
        self.response(&json!(id)).await
    }

    /// Calls a method and returns its result; panics on an error.
    pub async fn ok(&mut self, handle: i64, method: &str, params: Value) -> Value {
        let r = self.call(handle, method, params).await;
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    /// Calls a method that must fail; returns the error object.
    pub async fn err(&mut self, handle: i64, method: &str, params: Value) -> Value {
        let r = self.call(handle, method, params).await;
        assert!(r.get("error").is_some(), "{method} should fail: {r}");
        r["error"].clone()
    }

    /// The next pushed frame within `ms`, if any.
    pub async fn push_within(&mut self, ms: u64) -> Option<Value> {
        if let Some(p) = self.pushes.pop_front() {
            return Some(p);
        }
        match tokio::time::timeout(Duration::from_millis(ms), self.ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => Some(serde_json::from_str(t.as_str()).unwrap()),
            _ => None,
        }
    }

    /// Waits for the server to close the socket; returns the close code if one came.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.ws.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
                Ok(Some(Ok(Message::Text(t)))) => self
                    .pushes
                    .push_back(serde_json::from_str(t.as_str()).unwrap()),
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_))) | Ok(None) => return None,
                Err(_) => panic!("socket not closed within 10 s"),
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        // Drain until the server's close arrives, so the server has detached when this returns.
        while let Ok(Some(Ok(m))) =
            tokio::time::timeout(Duration::from_secs(5), self.ws.next()).await
        {
            if let Message::Close(_) = m {
                break;
            }
        }
    }

    /// Creates a stored app; returns its id.
    pub async fn create_app(&mut self, title: &str) -> String {
        let r = self.ok(-1, "CreateApp", json!([title])).await;
        r["qAppId"].as_str().expect("an app id").to_string()
    }

    /// Opens a stored app in this session; returns the doc handle.
    pub async fn open_doc(&mut self, id: &str) -> i64 {
        handle(&self.ok(-1, "OpenDoc", json!([id])).await)
    }

    /// Opens a session app in this session; returns the doc handle.
    pub async fn session_app(&mut self) -> i64 {
        let r = self.ok(-1, "CreateSessionApp", json!([])).await;
        r["qReturn"]["qHandle"].as_i64().unwrap()
    }

    /// Opens a session app loaded by `script` (which must reload); returns the doc handle.
    pub async fn loaded_session_app(&mut self, script: &str) -> i64 {
        let doc = self.session_app().await;
        self.ok(doc, "SetScript", json!([script])).await;
        let reloaded = self.ok(doc, "DoReload", json!([])).await;
        assert_eq!(reloaded["qReturn"], true, "the test script reloads");
        doc
    }
}

/// `qReturn.qHandle` of a result.
pub fn handle(result: &Value) -> i64 {
    result["qReturn"]["qHandle"]
        .as_i64()
        .unwrap_or_else(|| panic!("no handle in {result}"))
}

/// Waits until `cond` holds, polling every 20 ms, for at most `ms`.
pub async fn eventually(ms: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

/// `CreateSessionObject` params of a table: one dimension sorted by number then text, these measures, and
/// an initial page of every column and up to 100 rows.
pub fn table_props(dim: &str, measures: &[&str]) -> Value {
    let measures: Vec<Value> = measures
        .iter()
        .map(|m| json!({"qDef": {"qDef": m}}))
        .collect();
    json!([{
        "qInfo": {"qType": "table"},
        "qHyperCubeDef": {
            "qDimensions": [{"qDef": {"qFieldDefs": [dim], "qSortCriterias": [{"qSortByNumeric": 1, "qSortByAscii": 1}]}}],
            "qMeasures": measures,
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1 + measures.len(), "qHeight": 100}]
        }
    }])
}

/// The first data page of a layout's hypercube, as the cells' texts.
pub fn page_texts(layout: &Value) -> Vec<Vec<String>> {
    layout["qHyperCube"]["qDataPages"][0]["qMatrix"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    r.as_array()
                        .into_iter()
                        .flatten()
                        .map(|c| c["qText"].as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}
