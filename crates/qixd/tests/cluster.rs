//! Several nodes on one apps folder, and sessions that outlive their node: the node id on the wire,
//! session snapshots across a restart and across nodes, and saves seen from another node.
//! (`scripts/cluster-test.sh` runs the same behind HAProxy with three processes and a kill -9.)

mod common;

use common::{handle, page_texts, table_props, Client, TestServer};
use serde_json::json;
use std::time::Duration;

/// A stored app with field `Dim` (A, B, C) and measure data, reloaded and saved; returns its id.
async fn saved_app(s: &TestServer, title: &str) -> String {
    let mut c = s.connect("/app/").await;
    let id = c.create_app(title).await;
    let doc = c.open_doc(&id).await;
    c.ok(
        doc,
        "SetScript",
        json!(["LOAD * INLINE [\nDim,Amount\nA,1\nB,2\nC,3\n];"]),
    )
    .await;
    c.ok(doc, "DoReload", json!([])).await;
    c.ok(doc, "DoSave", json!([])).await;
    c.close().await;
    id
}

/// The selections of state `state` a selection object shows, as (field, selected texts).
async fn current_selections(c: &mut Client, doc: i64, state: &str) -> Vec<(String, String)> {
    let sel = c
        .ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "sel"}, "qStateName": state, "qSelectionObjectDef": {}}]),
        )
        .await;
    let layout = c.ok(handle(&sel), "GetLayout", json!([])).await;
    layout["qLayout"]["qSelectionObject"]["qSelections"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            (
                s["qField"].as_str().unwrap_or("").to_string(),
                s["qSelected"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Opens `app`, selects `B` in `Dim`, and makes a session object `mine` (soft-patched), a session
/// variable and a session state `mystate` with `C` selected in it.
async fn fill(c: &mut Client, app: &str) {
    let doc = c.open_doc(app).await;
    let field = handle(&c.ok(doc, "GetField", json!(["Dim"])).await);
    c.ok(field, "Select", json!(["B"])).await;
    let obj = c
        .ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qId": "mine", "qType": "note"}, "text": "hard"}]),
        )
        .await;
    c.ok(
        handle(&obj),
        "ApplyPatches",
        json!([[{"qOp": "replace", "qPath": "/text", "qValue": "\"soft\""}], true]),
    )
    .await;
    c.ok(
        doc,
        "CreateSessionVariable",
        json!([{"qInfo": {"qId": "v1"}, "qName": "vSession", "qDefinition": "42"}]),
    )
    .await;
    c.ok(doc, "AddSessionAlternateState", json!(["mystate", ""]))
        .await;
    let field = handle(&c.ok(doc, "GetField", json!(["Dim", "mystate"])).await);
    c.ok(field, "Select", json!(["C"])).await;
}

/// What `fill` left is there: the app, the selections, the object with its soft patch, the variable
/// and the state.
async fn check_filled(c: &mut Client) {
    let doc = handle(&c.ok(-1, "GetActiveDoc", json!([])).await);
    assert_eq!(
        current_selections(c, doc, "$").await,
        [("Dim".to_string(), "B".to_string())]
    );
    assert_eq!(
        current_selections(c, doc, "mystate").await,
        [("Dim".to_string(), "C".to_string())],
        "the session state and its selection"
    );
    let obj = handle(&c.ok(doc, "GetObject", json!(["mine"])).await);
    let props = c.ok(obj, "GetEffectiveProperties", json!([])).await;
    assert_eq!(props["qProp"]["text"], "soft", "{props}");
    let hard = c.ok(obj, "GetProperties", json!([])).await;
    assert_eq!(hard["qProp"]["text"], "hard", "{hard}");
    let var = c.ok(doc, "GetVariableByName", json!(["vSession"])).await;
    assert_eq!(var["qReturn"]["qGenericId"], "v1", "{var}");
}

async fn stop_and_restart(s: TestServer) -> TestServer {
    let (dir, config) = s.stop().await;
    TestServer::start_in(dir, config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_with_a_ttl_survives_a_restart_with_its_objects_selections_and_session_app() {
    let s = TestServer::start_with(|c| c.node_id = Some("n1".into())).await;
    let app = saved_app(&s, "restart").await;
    let mut a = s.connect("/app/restart/identity/one/ttl/60").await;
    fill(&mut a, &app).await;
    // A session app with its own script and data.
    let mut b = s.connect("/app/x/identity/sa/ttl/60").await;
    let doc = b.session_app().await;
    b.ok(
        doc,
        "SetScript",
        json!(["LOAD * INLINE [\nK,V\nk1,10\nk2,20\n];"]),
    )
    .await;
    b.ok(doc, "DoReload", json!([])).await;
    b.ok(
        doc,
        "CreateSessionObject",
        json!([{"qInfo": {"qId": "t", "qType": "table"}}]),
    )
    .await;
    // A session without a TTL ends with its socket, restart or not.
    let c = s.connect("/app/restart/identity/no-ttl").await;
    drop((a, b, c));

    let s = stop_and_restart(s).await;
    assert_eq!(s.health().await["liveSessions"], 2, "restored, detached");
    let mut a = s.connect("/app/restart/identity/one/ttl/60").await;
    assert_eq!(a.state, "SESSION_ATTACHED");
    check_filled(&mut a).await;
    let mut b = s.connect("/app/x/identity/sa/ttl/60").await;
    assert_eq!(b.state, "SESSION_ATTACHED");
    let doc = handle(&b.ok(-1, "GetActiveDoc", json!([])).await);
    let script = b.ok(doc, "GetScript", json!([])).await;
    assert!(script["qScript"].as_str().unwrap_or("").contains("k1,10"));
    b.ok(doc, "GetObject", json!(["t"])).await;
    let cube = handle(
        &b.ok(doc, "CreateSessionObject", table_props("K", &["Sum(V)"]))
            .await,
    );
    let layout = b.ok(cube, "GetLayout", json!([])).await;
    assert_eq!(
        page_texts(&layout["qLayout"]),
        [["k1", "10"], ["k2", "20"]],
        "the session app's data came back without a reload"
    );
    let c = s.connect("/app/restart/identity/no-ttl").await;
    assert_eq!(c.state, "SESSION_CREATED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_session_whose_ttl_runs_out_is_gone_with_its_snapshot() {
    let s = TestServer::start_with(|c| c.node_id = Some("n1".into())).await;
    let mut a = s.connect("/app/x/identity/short/ttl/1").await;
    a.session_app().await;
    drop(a);
    let s = stop_and_restart(s).await;
    assert_eq!(s.health().await["liveSessions"], 1);
    let gone = common::eventually(5000, || {
        // Only the lock files' folder stays.
        std::fs::read_dir(s.apps_dir().join(".sessions"))
            .map(|d| d.flatten().all(|e| e.file_name() == ".locks"))
            .unwrap_or(false)
    })
    .await;
    assert!(gone, "the snapshot of an expired session is removed");
    assert_eq!(s.health().await["liveSessions"], 0);
    let a = s.connect("/app/x/identity/short/ttl/1").await;
    assert_eq!(a.state, "SESSION_CREATED");
}

/// The texts of the snapshot files in the apps folder `apps`.
fn snapshot_texts(apps: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(apps.join(".sessions"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Two nodes on one apps folder: the second restores a session of the first from its snapshot (as when
/// the first died and the proxy sends the session on), and the first, finding it taken over, ends its
/// copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_moves_to_another_node_and_the_old_copy_ends() {
    let one = TestServer::start_with(|c| c.node_id = Some("one".into())).await;
    let apps = one.apps_dir();
    let two = TestServer::start_with(|c| {
        c.node_id = Some("two".into());
        c.apps_dir = apps.clone();
    })
    .await;
    let app = saved_app(&one, "moving").await;
    let mut a = one.connect("/app/moving/identity/m/ttl/60").await;
    fill(&mut a, &app).await;
    // The periodic snapshot (every second) has the session once it holds the last change `fill` made.
    let written = common::eventually(5000, || {
        snapshot_texts(&apps)
            .iter()
            .any(|t| t.contains("\"mystate\"") && t.contains("\"C\"") && t.contains("\"soft\""))
    })
    .await;
    assert!(written, "one's snapshot has the whole session");
    let mut b = two.connect("/app/moving/identity/m/ttl/60").await;
    assert_eq!(b.state, "SESSION_ATTACHED", "restored from one's snapshot");
    check_filled(&mut b).await;
    // One's copy is touched, finds the snapshot taken over, and ends with OnSessionClosed.
    a.ok(-1, "GetActiveDoc", json!([])).await;
    assert_eq!(a.closed().await, Some(4001));
    assert!(a.pushes.iter().any(|p| p["method"] == "OnSessionClosed"));
    // Two's copy goes on.
    b.ok(-1, "GetActiveDoc", json!([])).await;
}

/// A save on one node is what another node opens next (its cached copy of the app is older), with the
/// data the first node reloaded: the second does not reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_on_one_node_is_seen_by_the_other_at_the_next_open() {
    let one = TestServer::start_with(|c| c.node_id = Some("one".into())).await;
    let apps = one.apps_dir();
    let two = TestServer::start_with(|c| {
        c.node_id = Some("two".into());
        c.apps_dir = apps.clone();
    })
    .await;
    let app = saved_app(&one, "shared").await;
    // Two opens it first, so it keeps the first version's data.
    let mut t = two.connect("/app/shared/identity/early").await;
    let doc = t.open_doc(&app).await;
    let cube = handle(
        &t.ok(
            doc,
            "CreateSessionObject",
            table_props("Dim", &["Sum(Amount)"]),
        )
        .await,
    );
    assert_eq!(
        page_texts(&t.ok(cube, "GetLayout", json!([])).await["qLayout"]).len(),
        3
    );
    t.close().await;
    // One reloads new data and saves.
    let mut o = one.connect("/app/shared/identity/writer").await;
    let doc = o.open_doc(&app).await;
    o.ok(
        doc,
        "SetScript",
        json!(["LOAD * INLINE [\nDim,Amount\nA,1\nB,2\nC,3\nD,4\n];"]),
    )
    .await;
    o.ok(doc, "DoReload", json!([])).await;
    o.ok(
        doc,
        "CreateObject",
        json!([{"qInfo": {"qId": "saved-obj", "qType": "note"}}]),
    )
    .await;
    o.ok(doc, "DoSave", json!([])).await;
    let mut t = two.connect("/app/shared/identity/late").await;
    let doc = t.open_doc(&app).await;
    t.ok(doc, "GetObject", json!(["saved-obj"])).await;
    let cube = handle(
        &t.ok(
            doc,
            "CreateSessionObject",
            table_props("Dim", &["Sum(Amount)"]),
        )
        .await,
    );
    let rows = page_texts(&t.ok(cube, "GetLayout", json!([])).await["qLayout"]);
    assert_eq!(rows.len(), 4, "the data one reloaded: {rows:?}");
    let reload = t.ok(doc, "GetAppLayout", json!([])).await;
    assert!(!reload["qLayout"]["qLastReloadTime"]
        .as_str()
        .unwrap_or("")
        .is_empty());
}

/// `/healthcheck` and every response (the WebSocket upgrade too) name the node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_id_is_in_the_healthcheck_and_every_response() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start_with(|c| c.node_id = Some("node-7".into())).await;
    assert_eq!(s.health().await["nodeId"], "node-7");
    let head = common::http_get(s.addr, "/healthcheck")
        .await
        .to_lowercase();
    assert!(head.contains("x-qixd-node: node-7"), "{head}");
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(
        b"GET /app/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
          Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let head = String::from_utf8_lossy(&buf[..n]).to_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(head.contains("x-qixd-node: node-7"), "{head}");
}

/// The snapshot of a session is written again when the session changes, not when it is only read: the
/// periodic pass costs what clients change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_is_written_on_change_only() {
    let s = TestServer::start_with(|c| c.node_id = Some("n1".into())).await;
    let app = saved_app(&s, "changes").await;
    let mut c = s.connect("/app/changes/identity/w/ttl/60").await;
    let doc = c.open_doc(&app).await;
    let field = handle(&c.ok(doc, "GetField", json!(["Dim"])).await);
    let dir = s.apps_dir().join(".sessions");
    let snapshot = || -> Option<(std::time::SystemTime, String)> {
        let entry = std::fs::read_dir(&dir)
            .ok()?
            .flatten()
            .find(|e| e.path().extension().and_then(|x| x.to_str()) == Some("json"))?;
        let modified = entry.metadata().ok()?.modified().ok()?;
        Some((modified, std::fs::read_to_string(entry.path()).ok()?))
    };
    // The snapshot once it has the open app (what the last change, OpenDoc, made).
    let opened = format!("\"app\":\"{app}\"");
    assert!(
        common::eventually(3000, || snapshot()
            .is_some_and(|(_, t)| t.contains(&opened)))
        .await
    );
    let first = snapshot().expect("a snapshot");
    for _ in 0..5 {
        c.ok(doc, "GetAppLayout", json!([])).await;
    }
    // A negative check: nothing may happen for a while, so this waits; 1.5 s is more than one pass of the
    // writer (every second).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(snapshot(), Some(first.clone()), "reads write nothing");
    c.ok(field, "Select", json!(["C"])).await;
    let changed = common::eventually(3000, || {
        snapshot().is_some_and(|(_, text)| text != first.1 && text.contains("\"C\""))
    })
    .await;
    assert!(changed, "a selection is in the next snapshot");
}

/// A session an admin ended (the session inspector's DELETE) does not come back from the snapshot its
/// node wrote of it when its client reconnects at once, before the writer's next pass removes the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_was_ended_is_not_restored_from_its_own_snapshot() {
    let s = TestServer::start_with(|c| c.node_id = Some("n1".into())).await;
    let mut a = s.connect("/app/x/identity/gone/ttl/60").await;
    a.session_app().await;
    let apps = s.apps_dir();
    assert!(common::eventually(3000, || !snapshot_texts(&apps).is_empty()).await);
    let (_, list) = common::http_request(s.addr, "GET", "/api/v1/sessions", &[]).await;
    let list: serde_json::Value = serde_json::from_str(&list).expect("session list");
    let id = list["sessions"][0]["id"]
        .as_u64()
        .expect("the session's id");
    let path = format!("/api/v1/sessions/{id}");
    let (status, _) = common::http_request(s.addr, "DELETE", &path, &[]).await;
    assert_eq!(status, 204);
    let a = s.connect("/app/x/identity/gone/ttl/60").await;
    assert_eq!(
        a.state, "SESSION_CREATED",
        "not brought back from its own file"
    );
}
