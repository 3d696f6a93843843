//! Apps survive a restart; session apps do not.

mod common;

use common::TestServer;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_apps_survive_a_restart() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let id = c.ok(-1, "CreateApp", json!(["Kept"])).await["qAppId"]
        .as_str()
        .unwrap()
        .to_string();
    c.ok(-1, "CreateApp", json!(["Unsaved edits"])).await;
    let doc = c.ok(-1, "OpenDoc", json!([id])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    c.ok(
        doc,
        "SetScript",
        json!(["LOAD 42 AS answer AUTOGENERATE 1;"]),
    )
    .await;
    c.ok(
        doc,
        "SetAppProperties",
        json!([{"qTitle": "Kept v2", "theme": "dark"}]),
    )
    .await;
    // Before DoSave another session still sees the stored version.
    let mut other = s.connect(&format!("/app/{id}")).await;
    let d2 = other.ok(-1, "OpenDoc", json!([id])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    assert!(other.ok(d2, "GetScript", json!([])).await["qScript"]
        .as_str()
        .unwrap()
        .starts_with("///$tab Main"));
    c.ok(doc, "DoSave", json!([])).await;
    let mut c2 = s.connect("/app/x").await;
    let d3 = c2.ok(-1, "OpenDoc", json!([id])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    assert_eq!(
        c2.ok(d3, "GetScript", json!([])).await["qScript"],
        "LOAD 42 AS answer AUTOGENERATE 1;"
    );

    let (dir, config) = s.stop().await;
    let s = TestServer::start_in(dir, config).await;
    let mut c = s.connect("/app/").await;
    let list = c.ok(-1, "GetDocList", json!([])).await["qDocList"].clone();
    let titles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["qTitle"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Kept v2", "Unsaved edits"]);
    let doc = c.ok(-1, "OpenDoc", json!([id])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    assert_eq!(
        c.ok(doc, "GetScript", json!([])).await["qScript"],
        "LOAD 42 AS answer AUTOGENERATE 1;"
    );
    let p = c.ok(doc, "GetAppProperties", json!([])).await["qProp"].clone();
    assert_eq!(
        (p["qTitle"].clone(), p["theme"].clone()),
        (json!("Kept v2"), json!("dark"))
    );
    let l = c.ok(doc, "GetAppLayout", json!([])).await["qLayout"].clone();
    assert_eq!(l["qModified"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_sockets_with_going_away() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let (_dir, _config) = s.stop().await;
    assert_eq!(c.closed().await, Some(1001));
}
