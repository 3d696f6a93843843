//! Client eras: Qlik Cloud's session apps on connect (`/app/SessionApp_<id>`) and Qlik Core's apps opened
//! by name (id, title or file name).

mod common;

use common::{handle, TestServer};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_on_a_session_app_url_finds_its_app() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/SessionApp_abc123").await;
    let r = a.ok(-1, "GetActiveDoc", json!([])).await;
    assert_eq!(r["qReturn"]["qGenericId"], "SessionApp_abc123", "{r}");
    let doc = handle(&r);
    let layout = a.ok(doc, "GetAppLayout", json!([])).await;
    assert_eq!(layout["qLayout"]["qIsSessionApp"], true);
    a.ok(
        doc,
        "SetScript",
        json!(["T: LOAD RecNo() AS n AUTOGENERATE 3;"]),
    )
    .await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    // OpenDoc by the same id answers the same app, not "already open".
    let again = a.ok(-1, "OpenDoc", json!(["SessionApp_abc123"])).await;
    assert_eq!(handle(&again), doc);
    assert_eq!(a.err(doc, "DoSave", json!([])).await["code"], 9009);
    // A second socket of the session shares it.
    let mut b = s.connect("/app/SessionApp_abc123").await;
    let doc_b = handle(&b.ok(-1, "GetActiveDoc", json!([])).await);
    assert_eq!(
        b.ok(doc_b, "Evaluate", json!(["Sum(n)"])).await["qReturn"],
        "6"
    );
    // Another session app URL is another app; the stored apps never see either.
    let mut c = s.connect("/app/SessionApp_other").await;
    let doc_c = handle(&c.ok(-1, "GetActiveDoc", json!([])).await);
    let tables = c
        .ok(doc_c, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    assert_eq!(tables["qtr"], json!([]), "another session app has no data");
    assert_eq!(
        c.ok(-1, "GetDocList", json!([])).await["qDocList"],
        json!([])
    );
    // It dies with its session.
    a.close().await;
    b.close().await;
    let registry = s.server.as_ref().unwrap().registry().clone();
    assert!(common::eventually(10_000, || registry.live_sessions() == 1).await);
    let mut d = s.connect("/app/SessionApp_abc123").await;
    let doc_d = handle(&d.ok(-1, "GetActiveDoc", json!([])).await);
    let tables = d
        .ok(doc_d, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    assert_eq!(tables["qtr"], json!([]), "a new session, a new session app");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_open_by_id_title_or_file_name() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/").await;
    let r = a.ok(-1, "CreateApp", json!(["sales.qvf"])).await;
    assert_eq!(
        r["qAppId"], "sales.qvf",
        "a name that can be an id is the id"
    );
    assert_eq!(
        a.err(-1, "CreateApp", json!(["sales.qvf"])).await["code"],
        1000
    );
    let r = a.ok(-1, "CreateApp", json!(["My Sales"])).await;
    let guid = r["qAppId"].as_str().unwrap().to_string();
    assert_ne!(guid, "My Sales");
    for name in ["sales.qvf", "sales"] {
        let mut c = s.connect(&format!("/app/{name}")).await;
        let r = c.ok(-1, "OpenDoc", json!([name])).await;
        assert!(r["qReturn"]["qHandle"].is_i64(), "{name}: {r}");
        let layout = c.ok(handle(&r), "GetAppLayout", json!([])).await;
        assert_eq!(layout["qLayout"]["qTitle"], "sales.qvf");
    }
    let mut c = s.connect("/app/My%20Sales").await;
    let r = c.ok(-1, "OpenDoc", json!(["My Sales"])).await;
    let layout = c.ok(handle(&r), "GetAppLayout", json!([])).await;
    assert_eq!(layout["qLayout"]["qTitle"], "My Sales");
    // Two apps with one title: that title names neither, and the error says why.
    a.ok(-1, "CreateApp", json!(["My Sales"])).await;
    let mut d = s.connect("/app/other").await;
    let e = d.err(-1, "OpenDoc", json!(["My Sales"])).await;
    assert_eq!(e["code"], 1003);
    assert!(e["parameter"].as_str().unwrap().contains("2 apps"), "{e}");
    assert!(d.ok(-1, "OpenDoc", json!([guid])).await["qReturn"]["qHandle"].is_i64());
    // DeleteApp takes the same names.
    assert_eq!(
        a.ok(-1, "DeleteApp", json!(["sales"])).await["qSuccess"],
        true
    );
    assert_eq!(
        a.err(-1, "OpenDoc", json!(["sales.qvf"])).await["code"],
        1003
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_as_turns_a_session_app_into_a_stored_app() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/").await;
    let doc = a.session_app().await;
    a.ok(
        doc,
        "SetScript",
        json!(["T: LOAD RecNo() AS n AUTOGENERATE 4;"]),
    )
    .await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    a.ok(
        doc,
        "CreateObject",
        json!([{"qInfo": {"qId": "s1", "qType": "sheet"}}]),
    )
    .await;
    let id = a.ok(doc, "SaveAs", json!(["kept.qvf"])).await["qNewAppId"].clone();
    assert_eq!(id, "kept.qvf");
    assert_eq!(
        a.err(doc, "SaveAs", json!(["kept.qvf"])).await["code"],
        1000
    );
    let mut b = s.connect("/app/kept.qvf").await;
    let d = handle(&b.ok(-1, "OpenDoc", json!(["kept.qvf"])).await);
    assert_eq!(
        b.ok(d, "Evaluate", json!(["Sum(n)"])).await["qReturn"],
        "10"
    );
    assert!(b.ok(d, "GetObject", json!(["s1"])).await["qReturn"]["qHandle"].is_i64());
    assert_eq!(
        b.ok(d, "GetAppLayout", json!([])).await["qLayout"]["qIsSessionApp"],
        false
    );
}
