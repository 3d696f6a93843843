//! Undo / Redo / ClearUndoBuffer over persistent objects' changes, and GetObjects' options.

mod common;

use common::{handle, TestServer};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_and_redo_property_changes_and_creations() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/").await;
    let id = a.ok(-1, "CreateApp", json!(["undo-app"])).await["qAppId"]
        .as_str()
        .unwrap()
        .to_string();
    let doc = handle(&a.ok(-1, "OpenDoc", json!([id])).await);
    let props = json!([{"qInfo": {"qId": "s1", "qType": "sheet"}, "qMetaDef": {"title": "one"}}]);
    let h = handle(&a.ok(doc, "CreateObject", props).await);
    a.ok(
        h,
        "SetProperties",
        json!([{"qInfo": {"qId": "s1", "qType": "sheet"}, "qMetaDef": {"title": "two"}}]),
    )
    .await;
    let title = |v: serde_json::Value| v["qProp"]["qMetaDef"]["title"].clone();
    assert_eq!(title(a.ok(h, "GetProperties", json!([])).await), "two");
    assert_eq!(a.ok(doc, "Undo", json!([])).await["qSuccess"], true);
    assert_eq!(title(a.ok(h, "GetProperties", json!([])).await), "one");
    assert_eq!(a.ok(doc, "Redo", json!([])).await["qSuccess"], true);
    assert_eq!(title(a.ok(h, "GetProperties", json!([])).await), "two");
    // Undo twice: the property change, then the creation itself.
    a.ok(doc, "Undo", json!([])).await;
    assert_eq!(a.ok(doc, "Undo", json!([])).await["qSuccess"], true);
    assert_eq!(a.err(doc, "GetObject", json!(["s1"])).await["code"], 2);
    assert_eq!(
        a.ok(doc, "Undo", json!([])).await["qSuccess"],
        false,
        "nothing left"
    );
    assert_eq!(a.ok(doc, "Redo", json!([])).await["qSuccess"], true);
    assert!(a.ok(doc, "GetObject", json!(["s1"])).await["qReturn"]["qHandle"].is_i64());
    a.ok(doc, "ClearUndoBuffer", json!([])).await;
    assert_eq!(a.ok(doc, "Redo", json!([])).await["qSuccess"], false);
    assert_eq!(a.ok(doc, "Undo", json!([])).await["qSuccess"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_objects_leaves_session_objects_out_unless_asked_and_reads_data_paths() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/").await;
    let id = a.ok(-1, "CreateApp", json!(["objects-app"])).await["qAppId"]
        .as_str()
        .unwrap()
        .to_string();
    let doc = handle(&a.ok(-1, "OpenDoc", json!([id])).await);
    a.ok(
        doc,
        "CreateObject",
        json!([{"qInfo": {"qId": "p1", "qType": "sheet"}, "qMetaDef": {"title": "Kept"}}]),
    )
    .await;
    a.ok(
        doc,
        "CreateSessionObject",
        json!([{"qInfo": {"qId": "t1", "qType": "sheet"}}]),
    )
    .await;
    let ids = |r: serde_json::Value| -> Vec<String> {
        r["qList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["qInfo"]["qId"].as_str().unwrap().to_string())
            .collect()
    };
    let persistent = a
        .ok(
            doc,
            "GetObjects",
            json!([{"qTypes": ["sheet"], "qData": {"title": "/qMetaDef/title"}}]),
        )
        .await;
    assert_eq!(ids(persistent.clone()), ["p1"]);
    assert_eq!(persistent["qList"][0]["qData"]["title"], "Kept");
    let all = a
        .ok(
            doc,
            "GetObjects",
            json!([{"qTypes": ["sheet"], "qIncludeSessionObjects": true}]),
        )
        .await;
    let mut all = ids(all);
    all.sort();
    assert_eq!(all, ["p1", "t1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_embeds_in_an_object_and_is_read_back() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/").await;
    let id = a.ok(-1, "CreateApp", json!(["snapshot-app"])).await["qAppId"]
        .as_str()
        .unwrap()
        .to_string();
    let doc = handle(&a.ok(-1, "OpenDoc", json!([id])).await);
    let h = handle(
        &a.ok(
            doc,
            "CreateObject",
            json!([{"qInfo": {"qId": "chart", "qType": "barchart"}}]),
        )
        .await,
    );
    assert_eq!(a.err(h, "GetSnapshotObject", json!([])).await["code"], 2);
    assert_eq!(
        a.err(h, "EmbedSnapshotObject", json!(["nope"])).await["code"],
        2
    );
    a.ok(
        doc,
        "CreateBookmark",
        json!([{"qInfo": {"qId": "snap1", "qType": "snapshot"}, "qMetaDef": {"title": "A snapshot"}}]),
    )
    .await;
    a.ok(h, "EmbedSnapshotObject", json!(["snap1"])).await;
    let r = a.ok(h, "GetSnapshotObject", json!([])).await;
    assert_eq!(r["qReturn"]["qType"], "GenericBookmark");
    assert_eq!(r["qReturn"]["qGenericId"], "snap1");
    let b = handle(&r);
    let layout = a.ok(b, "GetLayout", json!([])).await;
    assert_eq!(
        layout["qLayout"]["qMeta"]["title"], "A snapshot",
        "{layout}"
    );
}
