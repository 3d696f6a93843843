//! The session inspector's API on the wire: what it shows of live sessions and their sockets, the TTL
//! of a detached session counting down to its removal, ending a session, the event stream, and who may
//! ask (401 / 403).

mod common;

use common::{eventually, http_request, Client, TestServer};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `GET path` as JSON; panics unless the status is 200.
async fn get_json(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Value {
    let (status, body) = http_request(addr, "GET", path, headers).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

async fn sessions(s: &TestServer) -> Vec<Value> {
    let all = get_json(s.addr, "/api/v1/sessions", &[]).await;
    all["sessions"].as_array().cloned().unwrap_or_default()
}

/// The session list once `cond` holds of it (polled for up to 3 s; the last list when it never does).
async fn sessions_when(s: &TestServer, cond: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut list = sessions(s).await;
    for _ in 0..60 {
        if cond(&list) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        list = sessions(s).await;
    }
    list
}

fn socket_count(session: &Value) -> usize {
    session["sockets"].as_array().map_or(usize::MAX, Vec::len)
}

/// A session app with a field `Dim` and a selection of `A` in it, one session object and one session
/// variable, made over `c`.
async fn fill_session(c: &mut Client) {
    let doc = c.session_app().await;
    c.ok(
        doc,
        "SetScript",
        json!(["LOAD * INLINE [\nDim\nA\nB\nC\n];"]),
    )
    .await;
    c.ok(doc, "DoReload", json!([])).await;
    let field = common::handle(&c.ok(doc, "GetField", json!(["Dim"])).await);
    c.ok(field, "Select", json!(["A"])).await;
    c.ok(
        doc,
        "CreateSessionObject",
        json!([{"qInfo": {"qType": "x"}}]),
    )
    .await;
    c.ok(
        doc,
        "CreateSessionVariable",
        json!([{"qName": "v", "qDefinition": "1"}]),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sockets_of_one_session_and_another_identity_are_two_sessions() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/sales/identity/one").await;
    let b = s.connect("/app/sales/identity/one").await;
    let c = s.connect("/app/sales/identity/two").await;
    assert_eq!(b.state, "SESSION_ATTACHED");
    fill_session(&mut a).await;

    let all = get_json(s.addr, "/api/v1/sessions", &[]).await;
    assert_eq!(all["server"]["sessions"], 2, "{all}");
    assert_eq!(all["server"]["sockets"], 3, "{all}");
    assert_eq!(all["server"]["detachedSessions"], 0, "{all}");
    let list = all["sessions"].as_array().cloned().unwrap_or_default();
    let one = list
        .iter()
        .find(|x| x["identity"] == "one")
        .expect("session one");
    let two = list
        .iter()
        .find(|x| x["identity"] == "two")
        .expect("session two");
    assert_eq!((socket_count(one), socket_count(two)), (2, 1));
    assert_eq!(one["user"], "Personal\\Me");
    assert_eq!(one["app"], "sales");
    assert_eq!(one["expiresInSeconds"], Value::Null);
    assert_eq!(one["openApp"]["sessionApp"], true);
    assert_eq!(two["openApp"], Value::Null);
    assert_eq!(
        one["selections"]["$"],
        json!([{"field": "Dim", "selectedCount": 1, "values": ["A"]}])
    );
    assert_eq!(
        (
            one["sessionObjects"].clone(),
            one["sessionVariables"].clone()
        ),
        (json!(1), json!(1))
    );
    assert!(
        one["memoryBytes"].as_u64() > two["memoryBytes"].as_u64(),
        "{one} {two}"
    );
    let sockets = one["sockets"].as_array().cloned().unwrap_or_default();
    let requests: Vec<u64> = sockets
        .iter()
        .filter_map(|x| x["requests"].as_u64())
        .collect();
    // The first socket made the 7 requests of fill_session, the second none.
    assert_eq!(requests, vec![7, 0], "{one}");
    for x in &sockets {
        let remote = x["remoteAddress"].as_str().unwrap_or_default();
        assert!(remote.starts_with("127.0.0.1:"), "{x}");
        assert!(
            x["connectedAt"].as_u64() >= one["createdAt"].as_u64(),
            "{x}"
        );
    }

    // One session by id; unknown and malformed ids.
    let id = one["id"].as_u64().expect("an id");
    let single = get_json(s.addr, &format!("/api/v1/sessions/{id}"), &[]).await;
    assert_eq!(
        (single["identity"].clone(), socket_count(&single)),
        (json!("one"), 2)
    );
    let (status, _) = http_request(s.addr, "GET", "/api/v1/sessions/99999", &[]).await;
    assert_eq!(status, 404);
    let (status, body) = http_request(s.addr, "GET", "/api/v1/sessions/x1", &[]).await;
    assert_eq!(status, 400, "{body}");
    drop((b, c));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detached_session_counts_down_its_ttl_and_is_gone_at_expiry() {
    let s = TestServer::start().await;
    let a = s.connect("/app/sales/identity/t/ttl/3").await;
    let b = s.connect("/app/sales/identity/t/ttl/3").await;
    a.close().await;
    let list = sessions_when(&s, |l| l.len() == 1 && socket_count(&l[0]) == 1).await;
    assert_eq!((list.len(), socket_count(&list[0])), (1, 1), "{list:?}");
    assert_eq!(list[0]["expiresInSeconds"], Value::Null);
    b.close().await;
    let first = sessions_when(&s, |l| l.len() == 1 && socket_count(&l[0]) == 0).await;
    assert_eq!(socket_count(&first[0]), 0, "{first:?}");
    assert_eq!(first[0]["ttlSeconds"], 3);
    let left = first[0]["expiresInSeconds"].as_f64().expect("time left");
    // Counting from the detach a moment ago (a loaded machine may have taken a while to ask).
    assert!(left > 0.5 && left <= 3.0, "{left}");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let later = sessions(&s).await;
    let left_later = later[0]["expiresInSeconds"].as_f64().expect("time left");
    assert!(left_later < left - 1.0, "{left} then {left_later}");
    let all = get_json(s.addr, "/api/v1/sessions", &[]).await;
    assert_eq!(all["server"]["detachedSessions"], 1, "{all}");
    // At expiry the session is gone.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let end = sessions_when(&s, |l| l.is_empty()).await;
    assert!(end.is_empty(), "the session outlived its TTL: {end:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_ends_the_session_and_closes_its_sockets() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/sales/identity/d/ttl/60").await;
    let mut b = s.connect("/app/sales/identity/d/ttl/60").await;
    let other = s.connect("/app/sales/identity/keep").await;
    let list = sessions(&s).await;
    let id = list
        .iter()
        .find(|x| x["identity"] == "d")
        .and_then(|x| x["id"].as_u64())
        .expect("session d");
    let (status, body) =
        http_request(s.addr, "DELETE", &format!("/api/v1/sessions/{id}"), &[]).await;
    assert_eq!(status, 204, "{body}");
    for c in [&mut a, &mut b] {
        assert_eq!(c.closed().await, Some(qixd::registry::CLOSE_SESSION_ENDED));
        let note = c.pushes.pop_front().expect("a notice before the close");
        assert_eq!(note["method"], "OnSessionClosed", "{note}");
        assert_eq!(note["params"]["severity"], "fatal");
    }
    // Gone at once, whatever its TTL; the other session is untouched.
    let left = sessions(&s).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["identity"], "keep");
    let health = s.health().await;
    assert_eq!(
        (
            health["liveSessions"].clone(),
            health["liveSockets"].clone()
        ),
        (json!(1), json!(1))
    );
    let (status, _) = http_request(s.addr, "DELETE", &format!("/api/v1/sessions/{id}"), &[]).await;
    assert_eq!(status, 404);
    // The same key makes a new session.
    let again = s.connect("/app/sales/identity/d").await;
    assert_eq!(again.state, "SESSION_CREATED");
    assert!(
        eventually(2000, || s
            .server
            .as_ref()
            .is_some_and(|x| x.registry().live_sockets() == 2))
        .await
    );
    drop((other, again));
}

/// Reads the open response on `tcp` into `seen` until it holds `want` (5 s for each read).
async fn read_until(tcp: &mut tokio::net::TcpStream, seen: &mut String, want: &str) {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    while !seen.contains(want) {
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
            .await
            .expect("an event within 5 s")
            .expect("the stream stays open");
        assert!(n > 0, "the stream ended: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_sends_the_list_at_once_and_at_each_change() {
    use tokio::io::AsyncWriteExt;
    let s = TestServer::start().await;
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(b"GET /api/v1/sessions/events HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut seen = String::new();
    read_until(&mut tcp, &mut seen, "event: sessions").await;
    assert!(seen.contains("text/event-stream"), "{seen}");
    assert!(seen.contains("\"sessions\":[]"), "{seen}");
    let c = s.connect("/app/sales/identity/live").await;
    read_until(&mut tcp, &mut seen, "\"identity\":\"live\"").await;
    drop(c);
}

fn hs256(claims: Value) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(b"s3cret"),
    )
    .expect("a token")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_server_mode_only_admins_get_in() {
    let s = TestServer::start_with(|c| {
        c.mode = qixd::Mode::Server;
        c.trust_user_header = true;
        c.jwt_secret = Some("s3cret".into());
        c.admin_users = vec!["CORP\\root".into()];
        c.admin_claim = Some("qixdAdmin".into());
    })
    .await;
    let bob = [("X-Qlik-User", "UserDirectory=CORP; UserId=bob")];
    let bobs = s.connect_with("/app/sales/identity/secret", &bob).await;
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + 600;
    let admin_token = format!(
        "Bearer {}",
        hs256(json!({"sub": "carol", "exp": exp, "qixdAdmin": true}))
    );
    let plain_token = format!(
        "Bearer {}",
        hs256(json!({"sub": "dave", "exp": exp, "qixdAdmin": false}))
    );
    let cases: Vec<(Vec<(&str, &str)>, u16)> = vec![
        (vec![], 401),
        (vec![("Authorization", "Bearer nonsense")], 401),
        (bob.to_vec(), 403),
        (vec![("Authorization", plain_token.as_str())], 403),
        (
            vec![("X-Qlik-User", "UserDirectory=corp; UserId=ROOT")],
            200,
        ),
        (vec![("Authorization", admin_token.as_str())], 200),
    ];
    for (headers, want) in &cases {
        for path in ["/api/v1/sessions", "/api/v1/sessions/events"] {
            let (status, body) = if *want == 200 && path.ends_with("events") {
                continue; // an open stream; the list answers for the same rule
            } else {
                http_request(s.addr, "GET", path, headers).await
            };
            assert_eq!(status, *want, "{path} {headers:?}: {body}");
            if *want != 200 {
                let error: Value = serde_json::from_str(&body).unwrap_or_default();
                assert!(
                    error["error"].as_str().is_some_and(|e| !e.is_empty()),
                    "{body}"
                );
            }
        }
    }
    // Admins see every session's identity; a non-admin cannot end one.
    let root = [("X-Qlik-User", "UserDirectory=CORP; UserId=root")];
    let all = get_json(s.addr, "/api/v1/sessions", &root).await;
    assert_eq!(all["sessions"][0]["user"], "CORP\\bob");
    assert_eq!(all["sessions"][0]["identity"], "secret");
    let id = all["sessions"][0]["id"].as_u64().expect("an id");
    let path = format!("/api/v1/sessions/{id}");
    assert_eq!(http_request(s.addr, "DELETE", &path, &bob).await.0, 403);
    assert_eq!(http_request(s.addr, "DELETE", &path, &root).await.0, 204);
    drop(bobs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_pages_are_served_by_the_binary() {
    let s = TestServer::start().await;
    for (path, needle) in [
        ("/", "/hub/index.js"),
        ("/sessions", "/hub/sessions.js"),
        ("/hub/app.html", "/hub/vendor/stardust.js"),
    ] {
        let (status, body) = http_request(s.addr, "GET", path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains(needle), "{path} lacks {needle}");
    }
    assert_eq!(
        http_request(s.addr, "GET", "/hub/nothing.js", &[]).await.0,
        404
    );
}
