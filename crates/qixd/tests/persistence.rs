//! Apps survive a restart; session apps do not.

mod common;

use common::TestServer;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_apps_survive_a_restart() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let id = c.create_app("Kept").await;
    c.ok(-1, "CreateApp", json!(["Unsaved edits"])).await;
    let doc = c.open_doc(&id).await;
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
    let d2 = other.open_doc(&id).await;
    assert!(other.ok(d2, "GetScript", json!([])).await["qScript"]
        .as_str()
        .unwrap()
        .starts_with("///$tab Main"));
    c.ok(doc, "DoSave", json!([])).await;
    let mut c2 = s.connect("/app/x").await;
    let d3 = c2.open_doc(&id).await;
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
    let doc = c.open_doc(&id).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_data_survives_a_restart_without_reload() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let id = c.create_app("Data").await;
    let doc = c.open_doc(&id).await;
    c.ok(doc, "SetScript", json!(["T: LOAD RecNo() AS n, Text(RecNo()) AS label, If(RecNo() = 3, Null(), Dual('x' & RecNo(), RecNo())) AS d AUTOGENERATE 1000; COMMENT FIELD n WITH 'row number';"])).await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    c.ok(doc, "DoSave", json!([])).await;
    let (dir, config) = s.stop().await;
    let s = TestServer::start_in(dir, config).await;
    let mut c = s.connect("/app/").await;
    let doc = c.open_doc(&id).await;
    assert_eq!(
        c.ok(doc, "Evaluate", json!(["Sum(n)"])).await["qReturn"],
        "500500"
    );
    assert_eq!(
        c.ok(doc, "Evaluate", json!(["Count(d)"])).await["qReturn"],
        "999",
        "NULL stays NULL"
    );
    assert_eq!(
        c.ok(doc, "Evaluate", json!(["Only(If(n = 7, d))"])).await["qReturn"],
        "x7",
        "duals keep their text"
    );
    let desc = c.ok(doc, "GetFieldDescription", json!(["n"])).await["qReturn"].clone();
    assert_eq!(desc["qComment"], "row number");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_repeated_saves_leaves_the_old_or_the_new_version() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_qixd"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--apps-dir"])
            .arg(dir.path().join("apps"))
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let connect = || async {
        for _ in 0..100 {
            if let Ok(c) =
                common::Client::connect(&format!("ws://127.0.0.1:{port}/app/"), &[]).await
            {
                return c;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("qixd did not start");
    };
    let mut child = spawn();
    let mut c = connect().await;
    let id = c.create_app("Crash").await;
    let doc = c.open_doc(&id).await;
    for round in 0..4u64 {
        // Save in a loop from a task; kill -9 at a different moment each round.
        let url = format!("ws://127.0.0.1:{port}/app/");
        let app = id.clone();
        let saver = tokio::spawn(async move {
            let Ok(mut c) = common::Client::connect(&url, &[]).await else {
                return;
            };
            let Some(doc) =
                c.call(-1, "OpenDoc", json!([app])).await["result"]["qReturn"]["qHandle"].as_i64()
            else {
                return;
            };
            for v in 1..1000u64 {
                let script = format!("T: LOAD {v} AS v, RecNo() AS r AUTOGENERATE 200;");
                c.call(doc, "SetScript", json!([script])).await;
                c.call(doc, "DoReload", json!([])).await;
                c.call(doc, "DoSave", json!([])).await;
            }
        });
        let _ = doc;
        tokio::time::sleep(std::time::Duration::from_millis(150 + round * 97)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        saver.abort();
        child = spawn();
        let mut c = connect().await;
        let r = c.call(-1, "OpenDoc", json!([id])).await;
        let doc = r["result"]["qReturn"]["qHandle"]
            .as_i64()
            .unwrap_or_else(|| panic!("the app opens after a kill: {r}"));
        let script = c.ok(doc, "GetScript", json!([])).await["qScript"]
            .as_str()
            .unwrap()
            .to_string();
        if let Some(v) = script
            .strip_prefix("T: LOAD ")
            .and_then(|s| s.split(' ').next())
        {
            // The saved data is the data of the saved script.
            assert_eq!(
                c.ok(doc, "Evaluate", json!(["Only(v)"])).await["qReturn"],
                v,
                "round {round}"
            );
            assert_eq!(
                c.ok(doc, "Evaluate", json!(["Count(r)"])).await["qReturn"],
                "200"
            );
        }
        c.close().await;
    }
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_objects_are_private_until_saved_and_survive_restarts() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/p/identity/a").await;
    let id = a.create_app("Objects").await;
    let doc = a.open_doc(&id).await;
    let r = a
        .ok(
            doc,
            "CreateObject",
            json!([{"qInfo": {"qId": "sheet1", "qType": "sheet"}, "title": "v1"}]),
        )
        .await;
    assert_eq!(r["qInfo"], json!({"qId": "sheet1", "qType": "sheet"}));
    a.ok(
        doc,
        "CreateSessionObject",
        json!([{"qInfo": {"qId": "tmp", "qType": "temp"}}]),
    )
    .await;
    let infos = a.ok(doc, "GetAllInfos", json!([])).await["qInfos"].clone();
    assert_eq!(infos.as_array().unwrap().len(), 2);
    let list = a
        .ok(doc, "GetObjects", json!([{"qTypes": ["sheet"]}]))
        .await["qList"]
        .clone();
    assert_eq!(list[0]["qInfo"]["qId"], "sheet1");
    // Another session does not see it before DoSave.
    let mut b = s.connect("/app/p/identity/b").await;
    let d = b.open_doc(&id).await;
    assert_eq!(b.err(d, "GetObject", json!(["sheet1"])).await["code"], 2);
    a.ok(doc, "DoSave", json!([])).await;
    let mut c = s.connect("/app/p/identity/c").await;
    let d = c.open_doc(&id).await;
    let h = c.ok(d, "GetObject", json!(["sheet1"])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    assert_eq!(
        c.ok(h, "GetProperties", json!([])).await["qProp"]["title"],
        "v1"
    );
    assert_eq!(
        c.err(d, "GetObject", json!(["tmp"])).await["code"],
        2,
        "session objects are not saved"
    );
    // The last save wins.
    c.ok(
        h,
        "SetProperties",
        json!([{"qInfo": {"qId": "sheet1", "qType": "sheet"}, "title": "v2"}]),
    )
    .await;
    c.ok(d, "DoSave", json!([])).await;
    let (dir, config) = s.stop().await;
    let s = TestServer::start_in(dir, config).await;
    let mut e = s.connect("/app/p").await;
    let d = e.open_doc(&id).await;
    let h = e.ok(d, "GetObject", json!(["sheet1"])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    assert_eq!(
        e.ok(h, "GetProperties", json!([])).await["qProp"]["title"],
        "v2"
    );
    let r = e.call(d, "DestroyObject", json!(["sheet1"])).await;
    assert_eq!(r["result"]["qSuccess"], true);
    assert_eq!(r["close"], json!([h]));
}
