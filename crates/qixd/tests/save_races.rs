//! Several sessions of one app reloading and calling `DoSave` at the same moment, then a kill -9 of the
//! server in the middle of such saves and a restart: every save succeeds, and every app opens with the
//! script and the data of one same save, with no temporary files or unreferenced data versions left behind.

mod common;

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const APPS: usize = 6;
const SESSIONS: usize = 3;
const ROWS: u64 = 3000;

fn spawn(dir: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_qixd"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--apps-dir"])
        .arg(dir.join("apps"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("qixd starts")
}

async fn connect(port: u16, path: &str) -> common::Client {
    let url = format!("ws://127.0.0.1:{port}{path}");
    for _ in 0..200 {
        if let Ok(c) = common::Client::connect(&url, &[]).await {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("qixd did not start");
}

/// A script whose data names the save it came from.
fn script(tag: &str) -> String {
    format!("T: LOAD '{tag}' AS tag, RecNo() AS r AUTOGENERATE {ROWS};")
}

/// One session of `app` (its own identity) that sets a script naming itself, reloads and saves, `rounds`
/// times. Returns every failed call.
async fn save_loop(
    port: u16,
    app: String,
    session: usize,
    rounds: usize,
    prefix: String,
) -> Vec<Value> {
    let mut c = connect(port, &format!("/app/{app}/identity/s{session}")).await;
    let doc = c.open_doc(&app).await;
    let mut errors = Vec::new();
    for round in 0..rounds {
        let tag = format!("{prefix}-a{app}-s{session}-r{round}");
        for (method, params) in [
            ("SetScript", json!([script(&tag)])),
            ("DoReload", json!([])),
            ("DoSave", json!([])),
        ] {
            let r = c.call(doc, method, params).await;
            if r.get("error").is_some() || (method == "DoReload" && r["result"]["qReturn"] != true)
            {
                errors.push(json!({"method": method, "tag": tag, "response": r}));
            }
        }
    }
    c.close().await;
    errors
}

/// Opens `app` in a new session and checks that its script and its data come from one same save.
async fn check_consistent(port: u16, app: &str, when: &str) {
    let mut c = connect(port, &format!("/app/{app}/identity/check")).await;
    let r = c.call(-1, "OpenDoc", json!([app])).await;
    let doc = r["result"]["qReturn"]["qHandle"]
        .as_i64()
        .unwrap_or_else(|| panic!("{when}: app {app} opens: {r}"));
    let script = c.ok(doc, "GetScript", json!([])).await["qScript"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if let Some(tag) = script
        .strip_prefix("T: LOAD '")
        .and_then(|s| s.split('\'').next())
    {
        assert_eq!(
            c.ok(doc, "Evaluate", json!(["Only(tag)"])).await["qReturn"],
            tag,
            "{when}: app {app} has the script of save {tag} and other data"
        );
        assert_eq!(
            c.ok(doc, "Evaluate", json!(["Count(r)"])).await["qReturn"],
            ROWS.to_string(),
            "{when}: app {app}"
        );
    } else {
        // Never saved by a save loop: still the new app's script, and no data.
        assert!(script.starts_with("///$tab Main"), "{when}: {script}");
    }
    c.close().await;
}

/// After a restart: each app folder holds its record and the one data version it names, nothing else.
fn check_folder(apps_dir: &Path, app: &str) {
    let dir = apps_dir.join(app);
    let record: Value =
        serde_json::from_slice(&std::fs::read(dir.join("app.json")).expect("app.json"))
            .expect("json");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("app folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want = vec!["app.json".to_string()];
    let version = record["data_version"].as_u64().unwrap_or(0);
    if version != 0 {
        want.push(format!("data-{version}"));
    }
    assert_eq!(
        names, want,
        "app {app}: only the record and its data remain"
    );
}

/// What a kill left in an app folder: temporary files and data versions beside the one the record names.
fn leftovers(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.count().saturating_sub(2))
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_saves_of_one_app_then_a_kill_leave_consistent_apps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut child = spawn(dir.path(), port);
    let mut c = connect(port, "/app/").await;
    let mut apps = Vec::new();
    for i in 0..APPS {
        apps.push(c.create_app(&format!("Race {i}")).await);
    }
    c.close().await;

    // Every session of every app saves at once: no save fails, and each app ends with one save's
    // script and the same save's data, in memory and after a restart.
    let mut tasks = Vec::new();
    for app in &apps {
        for s in 0..SESSIONS {
            tasks.push(tokio::spawn(save_loop(
                port,
                app.clone(),
                s,
                5,
                "race".into(),
            )));
        }
    }
    let mut errors = Vec::new();
    for t in tasks {
        errors.extend(t.await.expect("save loop"));
    }
    assert!(
        errors.is_empty(),
        "{} calls failed: {:#?}",
        errors.len(),
        errors
    );
    for app in &apps {
        check_consistent(port, app, "after racing saves").await;
    }

    // Then kill -9 while such saves are under way, at a different moment each round.
    let mut left_over = 0;
    for round in 0..3u64 {
        let mut tasks = Vec::new();
        for app in &apps {
            for s in 0..SESSIONS {
                let prefix = format!("kill{round}");
                tasks.push(tokio::spawn(save_loop(port, app.clone(), s, 1000, prefix)));
            }
        }
        tokio::time::sleep(Duration::from_millis(300 + round * 173)).await;
        // The clients stop first (their pending calls would panic on the closed socket); the server is
        // still working on the saves they sent when it is killed.
        for t in &tasks {
            t.abort();
        }
        child.kill().expect("SIGKILL"); // kill -9
        child.wait().expect("reaped");
        left_over += apps
            .iter()
            .map(|app| leftovers(&dir.path().join("apps").join(app)))
            .sum::<usize>();
        child = spawn(dir.path(), port);
        let _ = connect(port, "/app/").await;
        for app in &apps {
            check_folder(&dir.path().join("apps"), app);
            check_consistent(port, app, &format!("after kill {round}")).await;
        }
    }
    assert!(
        left_over > 0,
        "no kill landed in the middle of a save: the test proves nothing"
    );
    let _ = child.kill();
    let _ = child.wait();
}
