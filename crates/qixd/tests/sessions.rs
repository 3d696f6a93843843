//! The session model on the wire: created/attached, sharing and its limits, TTL, pushes.

mod common;

use common::{eventually, TestServer};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_key_attaches_other_keys_create() {
    let s = TestServer::start_with(|c| c.trust_user_header = true).await;
    // Every client is kept open: a session with TTL 0 dies with its last socket.
    let mut keep = Vec::new();
    let mut check = |c: common::Client, want: &str| {
        assert_eq!(c.state, want);
        keep.push(c);
    };
    check(s.connect("/app/sales").await, "SESSION_CREATED");
    check(s.connect("/app/sales").await, "SESSION_ATTACHED");
    // A different identity, app or user is a different session.
    check(s.connect("/app/sales/identity/x").await, "SESSION_CREATED");
    check(s.connect("/app/other").await, "SESSION_CREATED");
    check(s.connect("/app/").await, "SESSION_CREATED");
    check(s.connect("/app/engineData").await, "SESSION_ATTACHED");
    let bob = [("X-Qlik-User", "UserDirectory=CORP; UserId=bob")];
    check(s.connect_with("/app/sales", &bob).await, "SESSION_CREATED");
    check(s.connect_with("/app/sales", &bob).await, "SESSION_ATTACHED");
    // X-Qlik-Session names the identity, but never crosses users.
    let h = [("X-Qlik-Session", "shared-token")];
    check(s.connect_with("/app/sales", &h).await, "SESSION_CREATED");
    check(
        s.connect("/app/sales/identity/shared-token").await,
        "SESSION_ATTACHED",
    );
    let bob_h = [bob[0], h[0]];
    check(
        s.connect_with("/app/sales", &bob_h).await,
        "SESSION_CREATED",
    );
    let health = s.health().await;
    assert_eq!(health["liveSessions"], 7, "{health}");
    assert_eq!(health["liveSockets"], 11, "{health}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_of_a_session_share_doc_objects_and_variables() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/x/identity/shared").await;
    let doc_a = a.session_app().await;
    a.ok(doc_a, "SetScript", json!(["LOAD 1 AS x AUTOGENERATE 1;"]))
        .await;
    let obj = a
        .ok(
            doc_a,
            "CreateSessionObject",
            json!([{"qInfo": {"qId": "kpi1", "qType": "kpi"}, "custom": 1}]),
        )
        .await;
    assert_eq!(obj["qReturn"]["qGenericId"], "kpi1");
    assert_eq!(obj["qReturn"]["qGenericType"], "kpi");

    let mut b = s.connect("/app/x/identity/shared").await;
    assert_eq!(b.state, "SESSION_ATTACHED");
    let active = b.ok(-1, "GetActiveDoc", json!([])).await;
    let doc_b = active["qReturn"]["qHandle"].as_i64().unwrap();
    assert_eq!(active["qReturn"]["qType"], "Doc");
    assert_eq!(
        b.ok(doc_b, "GetScript", json!([])).await["qScript"],
        "LOAD 1 AS x AUTOGENERATE 1;"
    );
    let got = b.ok(doc_b, "GetObject", json!(["kpi1"])).await;
    let h_b = got["qReturn"]["qHandle"].as_i64().unwrap();
    assert_eq!(
        b.ok(h_b, "GetProperties", json!([])).await["qProp"]["custom"],
        1
    );
    // A second OpenDoc / CreateSessionApp in the session is refused.
    assert_eq!(b.err(-1, "CreateSessionApp", json!([])).await["code"], 1002);

    // A different session on the same app does not see any of it.
    let mut c = s.connect("/app/x/identity/other").await;
    let e = c.err(-1, "GetActiveDoc", json!([])).await;
    assert_eq!(
        e,
        json!({"code": 1007, "parameter": "No active document", "message": "App invalid"})
    );

    // Variables are shared too.
    a.ok(
        doc_a,
        "CreateSessionVariable",
        json!([{"qName": "vLimit", "qDefinition": "10"}]),
    )
    .await;
    let v = b.ok(doc_b, "GetVariableByName", json!(["vLimit"])).await;
    let vh = v["qReturn"]["qHandle"].as_i64().unwrap();
    let layout = b.ok(vh, "GetLayout", json!([])).await["qLayout"].clone();
    assert_eq!(
        (layout["qText"].clone(), layout["qNum"].clone()),
        (json!("10"), json!(10.0))
    );
    assert_eq!(layout["qInfo"]["qType"], "variable");
    assert!(layout.get("qName").is_none());
    assert_eq!(
        a.err(doc_a, "CreateSessionVariable", json!([{"qName": "vLimit"}]))
            .await["code"],
        18001
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_are_pushed_to_the_other_sockets_of_the_session_only() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/p/identity/one").await;
    let doc_a = a.session_app().await;
    let created = a
        .ok(
            doc_a,
            "CreateSessionObject",
            json!([{"qInfo": {"qId": "o1", "qType": "t"}, "title": "v1"}]),
        )
        .await;
    let h_a = created["qReturn"]["qHandle"].as_i64().unwrap();

    let mut b = s.connect("/app/p/identity/one").await;
    let doc_b = b.ok(-1, "GetActiveDoc", json!([])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    // Take another handle first so that b's handle numbers differ from a's.
    b.ok(
        doc_b,
        "CreateSessionObject",
        json!([{"qInfo": {"qType": "filler"}}]),
    )
    .await;
    let h_b = b.ok(doc_b, "GetObject", json!(["o1"])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    assert_ne!(h_a, h_b);
    b.ok(h_b, "GetLayout", json!([])).await;

    let mut other = s.connect("/app/p/identity/two").await;
    let doc_o = other.session_app().await;
    other
        .ok(
            doc_o,
            "CreateSessionObject",
            json!([{"qInfo": {"qId": "o1", "qType": "t"}}]),
        )
        .await;

    let r = a
        .call(
            h_a,
            "SetProperties",
            json!([{"qInfo": {"qId": "o1", "qType": "t"}, "title": "v2"}]),
        )
        .await;
    assert_eq!(
        r["change"],
        json!([h_a]),
        "the caller's response lists its own handle: {r}"
    );
    let push = b.push_within(2000).await.expect("b gets a push");
    assert_eq!(push, json!({"jsonrpc": "2.0", "change": [h_b]}));
    assert!(push.get("id").is_none() && push.get("params").is_none());
    assert!(
        other.push_within(300).await.is_none(),
        "another session hears nothing"
    );

    // Once invalid, a second change is not reported again until the layout is fetched.
    let r = a
        .call(
            h_a,
            "SetProperties",
            json!([{"qInfo": {"qType": "t"}, "title": "v3"}]),
        )
        .await;
    assert!(
        r.get("change").is_none(),
        "no second change before GetLayout: {r}"
    );
    assert!(b.push_within(300).await.is_none());
    let layout = b.ok(h_b, "GetLayout", json!([])).await["qLayout"].clone();
    assert_eq!(layout["title"], "v3");
    assert_eq!(layout["qInfo"], json!({"qId": "o1", "qType": "t"}));
    assert_eq!(layout["qMeta"]["privileges"][0], "read");
    // Valid again: the next change is reported to both.
    let r = a
        .call(
            h_a,
            "SetProperties",
            json!([{"qInfo": {"qType": "t"}, "title": "v4"}]),
        )
        .await;
    assert_eq!(r["change"], json!([h_a]));
    assert_eq!(b.push_within(2000).await.unwrap()["change"], json!([h_b]));

    // Destroying pushes close with each socket's own handle, and the handle is gone.
    let r = a.call(doc_a, "DestroySessionObject", json!(["o1"])).await;
    assert_eq!(r["result"]["qSuccess"], true);
    assert_eq!(r["close"], json!([h_a]));
    assert_eq!(
        b.push_within(2000).await.unwrap(),
        json!({"jsonrpc": "2.0", "close": [h_b]})
    );
    let e = b.err(h_b, "GetLayout", json!([])).await;
    assert_eq!(
        e,
        json!({"code": -32602, "parameter": "Invalid handle", "message": "Invalid Params"})
    );
    // GetObject on a missing id: error 2 "Object not found".
    let e = b.err(doc_b, "GetObject", json!(["o1"])).await;
    assert_eq!(
        e,
        json!({"code": 2, "parameter": "o1", "message": "Object not found"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttl_keeps_a_session_for_reattach_then_it_expires() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/t/identity/i/ttl/1").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!(["kept"])).await;
    a.close().await;
    // Within the TTL: attached, same state.
    let mut b = s.connect("/app/t/identity/i/ttl/1").await;
    assert_eq!(b.state, "SESSION_ATTACHED");
    let d = b.ok(-1, "GetActiveDoc", json!([])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    assert_eq!(b.ok(d, "GetScript", json!([])).await["qScript"], "kept");
    b.close().await;
    let registry = s.server.as_ref().unwrap().registry().clone();
    assert_eq!(registry.live_sessions(), 1);
    // After the TTL the purge task destroys it.
    assert!(eventually(3000, || registry.live_sessions() == 0).await);
    let mut c = s.connect("/app/t/identity/i/ttl/1").await;
    assert_eq!(c.state, "SESSION_CREATED");
    assert_eq!(c.err(-1, "GetActiveDoc", json!([])).await["code"], 1007);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_ttl_zero_destroys_at_last_close_and_max_ttl_caps() {
    let s = TestServer::start_with(|c| c.max_session_ttl = 1).await;
    let registry = s.server.as_ref().unwrap().registry().clone();
    let a = s.connect("/app/z").await;
    assert_eq!(registry.live_sessions(), 1);
    a.close().await;
    assert!(
        eventually(1000, || registry.live_sessions() == 0).await,
        "TTL 0: gone at once"
    );
    let b = s.connect("/app/z").await;
    assert_eq!(b.state, "SESSION_CREATED");
    b.close().await;
    assert!(eventually(1000, || registry.live_sessions() == 0).await);

    let c = s.connect("/app/capped/ttl/3600").await;
    c.close().await;
    assert_eq!(registry.live_sessions(), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        registry.live_sessions(),
        1,
        "still alive within the capped TTL"
    );
    assert!(
        eventually(2000, || registry.live_sessions() == 0).await,
        "capped at 1 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latest_connection_sets_the_ttl() {
    let s = TestServer::start().await;
    let a = s.connect("/app/l/ttl/30").await;
    // The second connection asks for no TTL: the default (0) wins, so the session dies at the last close.
    let b = s.connect("/app/l").await;
    assert_eq!(b.state, "SESSION_ATTACHED");
    a.close().await;
    b.close().await;
    let registry = s.server.as_ref().unwrap().registry().clone();
    assert!(eventually(1000, || registry.live_sessions() == 0).await);
    assert_eq!(s.connect("/app/l").await.state, "SESSION_CREATED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_user_session_limit() {
    let s = TestServer::start_with(|c| {
        c.max_sessions_per_user = 2;
        c.trust_user_header = true;
    })
    .await;
    let _a = s.connect("/app/a").await;
    let _b = s.connect("/app/b").await;
    // Attaching to an existing session does not count as a new one.
    assert_eq!(s.connect("/app/a").await.state, "SESSION_ATTACHED");
    let mut c = s.connect_raw_expect_refusal("/app/c").await;
    let note = c.0;
    assert_eq!(note["method"], "OnMaxParallelSessionsExceeded");
    assert_eq!(note["params"]["severity"], "fatal");
    assert_eq!(c.1, Some(1008));
    // Another user is unaffected.
    let bob = [("X-Qlik-User", "UserDirectory=CORP; UserId=bob")];
    assert_eq!(
        s.connect_with("/app/c", &bob).await.state,
        "SESSION_CREATED"
    );
    c.0 = serde_json::Value::Null;
}

trait Refusal {
    async fn connect_raw_expect_refusal(&self, path: &str) -> (serde_json::Value, Option<u16>);
}

impl Refusal for TestServer {
    /// Connects where the first frame is a notification other than OnConnected, then the close.
    async fn connect_raw_expect_refusal(&self, path: &str) -> (serde_json::Value, Option<u16>) {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        let (mut ws, _) = tokio_tungstenite::connect_async(self.url(path))
            .await
            .unwrap();
        let first = match ws.next().await {
            Some(Ok(Message::Text(t))) => serde_json::from_str(t.as_str()).unwrap(),
            other => panic!("expected a notification, got {other:?}"),
        };
        let code = match ws.next().await {
            Some(Ok(Message::Close(f))) => f.map(|f| u16::from(f.code)),
            _ => None,
        };
        (first, code)
    }
}
