//! What a hostile or careless client sends: each gets the engine's error (or is cut off), and the server,
//! the other sessions and the data stay intact. Each test here failed (or crashed the process) before the
//! limit it checks existed.

mod common;

use common::{handle, Client, TestServer};

use serde_json::{json, Value};

/// `[[[ ... 1 ... ]]]`, `depth` levels.
fn nested(depth: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..depth {
        v = Value::Array(vec![v]);
    }
    v
}

/// A session app in `c`'s session, loaded by `script`; its doc handle.
async fn loaded_session_app(c: &mut Client, script: &str) -> i64 {
    let doc = c.session_app().await;
    c.ok(doc, "SetScript", json!([script])).await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    doc
}

async fn session_object(c: &mut Client, doc: i64) -> i64 {
    handle(
        &c.ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "note"}, "text": "x"}]),
        )
        .await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn property_trees_cannot_grow_deeper_than_the_limit() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let doc = c.session_app().await;
    let obj = session_object(&mut c, doc).await;
    // 90 levels under /x: allowed.
    let value = nested(90).to_string();
    c.ok(
        obj,
        "ApplyPatches",
        json!([[{"qOp": "add", "qPath": "/x", "qValue": value}], false]),
    )
    .await;
    // Patching deeper into it, again and again, is how a 2,000-level tree was built before.
    let deep_path = format!("/x{}", "/0".repeat(89));
    for soft in [false, true] {
        let e = c
            .err(
                obj,
                "ApplyPatches",
                json!([[{"qOp": "add", "qPath": deep_path, "qValue": value}], soft]),
            )
            .await;
        assert_eq!(e["code"], -32602, "{e}");
        assert!(
            e["parameter"]
                .as_str()
                .unwrap()
                .contains("nested too deeply"),
            "{e}"
        );
    }
    // SetProperties of a tree over the limit (still under the JSON parser's own 128).
    let e = c
        .err(
            obj,
            "SetProperties",
            json!([{"qInfo": {"qType": "note"}, "deep": nested(110)}]),
        )
        .await;
    assert_eq!(e["code"], -32602);
    // The object is intact and lays out.
    let layout = c.ok(obj, "GetLayout", json!([])).await;
    assert_eq!(layout["qLayout"]["text"], "x");
    assert!(layout["qLayout"]["x"].is_array());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_chains_are_bounded() {
    let s = TestServer::start_with(|c| c.max_property_depth = 10).await;
    let mut c = s.connect("/app/").await;
    let doc = c.session_app().await;
    let mut parent = session_object(&mut c, doc).await;
    let mut refused = None;
    for level in 0..20 {
        let r = c
            .call(
                parent,
                "CreateChild",
                json!([{"qInfo": {"qType": "child"}}, {}]),
            )
            .await;
        if let Some(e) = r.get("error") {
            refused = Some((level, e.clone()));
            break;
        }
        parent = handle(&r["result"]);
    }
    let (level, e) = refused.expect("a chain of 20 children is refused");
    assert!(level < 12, "refused only at level {level}");
    assert_eq!(e["code"], -32602);
    c.ok(parent, "GetLayout", json!([])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_pages_are_capped_at_ten_thousand_cells() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let doc = loaded_session_app(
        &mut c,
        "T: LOAD RecNo() AS n, Mod(RecNo(), 7) AS m AUTOGENERATE 20000;",
    )
    .await;
    let cube = handle(
        &c.ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "t"}, "qHyperCubeDef": {
                "qDimensions": [{"qDef": {"qFieldDefs": ["n"]}}],
                "qMeasures": [{"qDef": {"qDef": "Sum(m)"}}],
                "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 6000}]}}]),
        )
        .await,
    );
    // The initial fetch asks for 12,000 cells: the layout carries the error instead of the pages.
    let layout = c.ok(cube, "GetLayout", json!([])).await;
    let hc = &layout["qLayout"]["qHyperCube"];
    assert_eq!(hc["qError"]["qErrorCode"], 7009, "{hc}");
    assert_eq!(hc["qDataPages"], json!([]));
    assert_eq!(hc["qSize"]["qcy"], 20000);
    // 200 pages of 100,000 x 3 took the process from 0.7 to 3.8 GB before it aborted.
    let pages: Vec<Value> = (0..200)
        .map(|i| json!({"qTop": i * 100, "qLeft": 0, "qWidth": 3, "qHeight": 100_000}))
        .collect();
    let e = c
        .err(cube, "GetHyperCubeData", json!(["/qHyperCubeDef", pages]))
        .await;
    assert_eq!(e["code"], 7009);
    assert_eq!(e["message"], "Calculation pages too large");
    // Within the cap: answered.
    let ok = c
        .ok(
            cube,
            "GetHyperCubeData",
            json!(["/qHyperCubeDef", [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 5000}]]),
        )
        .await;
    assert_eq!(
        ok["qDataPages"][0]["qMatrix"].as_array().unwrap().len(),
        5000
    );
    let list = handle(
        &c.ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "lb"}, "qListObjectDef": {"qDef": {"qFieldDefs": ["n"]}}}]),
        )
        .await,
    );
    let e = c
        .err(
            list,
            "GetListObjectData",
            json!(["/qListObjectDef", [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 10_001}]]),
        )
        .await;
    assert_eq!(e["code"], 7009);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_of_millions_of_values_and_unrepresentable_ids_are_refused() {
    let s = TestServer::start_with(|c| c.max_frame_values = 10_000).await;
    let mut c = s.connect("/app/").await;
    let many = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"EngineVersion","handle":-1,"params":[{}0]}}"#,
        "0,".repeat(20_000)
    );
    c.send_raw(&many).await;
    let r = c.read_frame().await.expect("an answer");
    assert_eq!(r["error"]["code"], -32600, "{r}");
    // The id 2^64 cannot be echoed as sent: refused rather than answered as 1.8446744073709552e19.
    c.send_raw(r#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"EngineVersion","handle":-1,"params":[]}"#)
        .await;
    let r = c.read_frame().await.expect("an answer");
    assert_eq!(r["error"]["code"], -32600, "{r}");
    assert_eq!(r["id"], Value::Null);
    c.send_raw(r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"EngineVersion","handle":-1,"params":[]}"#)
        .await;
    let text = loop {
        // Read the raw text: the id must come back digit for digit.
        let f = c.read_frame().await.expect("an answer");
        if f.get("id").is_some() {
            break f;
        }
    };
    assert_eq!(text["id"].to_string(), "18446744073709551615");
    // The socket still serves.
    c.ok(-1, "EngineVersion", json!([])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_is_cut_off_and_others_are_served() {
    let s = TestServer::start_with(|c| c.max_outgoing_bytes = 1024 * 1024).await;
    let mut slow = s.connect("/app/").await;
    let doc = slow.session_app().await;
    slow.ok(
        doc,
        "SetScript",
        json!([format!("// {}", "x".repeat(100_000))]),
    )
    .await;
    // 2,000 answers of 100 KB each (200 MB), never read: the socket buffers fill, then the queue.
    let mut frames = String::new();
    for id in 0..2000 {
        frames.clear();
        frames.push_str(&format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"GetScript","handle":{doc},"params":[]}}"#,
            10_000 + id
        ));
        if slow.try_send_raw(&frames).await.is_err() {
            break; // the server already hung up
        }
    }
    let mut other = s.connect("/app/").await;
    other.ok(-1, "EngineVersion", json!([])).await;
    let mut live = 0;
    for _ in 0..200 {
        live = s.health().await["liveSockets"].as_u64().unwrap();
        if live == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(live, 1, "the socket that does not read is still attached");
    other.ok(-1, "EngineVersion", json!([])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_all_stops_a_running_reload_and_keeps_the_data() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let doc = c.session_app().await;
    c.ok(doc, "SetScript", json!(["T: LOAD 1 AS n AUTOGENERATE 3;"]))
        .await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    // Far too long to finish within the test: stopped only by AbortAll.
    c.ok(
        doc,
        "SetScript",
        json!(["T: LOAD RecNo() AS n, IterNo() AS i AUTOGENERATE 10000000 WHILE IterNo() <= 10;"]),
    )
    .await;
    c.send_raw(
        &json!({"jsonrpc": "2.0", "id": 900, "method": "DoReload", "handle": doc, "params": []})
            .to_string(),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    c.ok(-1, "AbortAll", json!([])).await;
    let reload = c.response(&json!(900)).await;
    assert_eq!(reload["result"]["qReturn"], false, "{reload}");
    assert!(started.elapsed().as_secs() < 10);
    let progress = c.ok(-1, "GetProgress", json!([0])).await;
    let why = progress["qProgressData"]["qErrorData"][0]["qErrorString"].to_string();
    assert!(
        why.contains("cancel"),
        "the reload failed for another reason: {why}"
    );
    let r = c.ok(doc, "Evaluate", json!(["Count(n)"])).await;
    assert_eq!(r["qReturn"], "3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_and_links_cannot_leave_the_data_folder() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.csv"), "s\nleaked\n").unwrap();
    for mode in [qixd::Mode::Desktop, qixd::Mode::Server] {
        let s = TestServer::start_with(|c| {
            c.mode = mode;
            c.trust_user_header = true;
        })
        .await;
        std::fs::create_dir_all(&s.config.data_dir).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path(), s.config.data_dir.join("link")).unwrap();
        let user = [("X-Qlik-User", "UserDirectory=Corp; UserId=alice")];
        let mut c = s.connect_with("/app/x/identity/a", &user).await;
        let doc = c.session_app().await;
        let e = c
            .err(
                doc,
                "CreateConnection",
                json!([{"qName": "up", "qConnectionString": "../../../../etc", "qType": "folder"}]),
            )
            .await;
        assert_eq!(e["code"], 3000, "{mode:?}: {e}");
        let e = c
            .err(
                doc,
                "CreateConnection",
                json!([{"qName": "ln", "qConnectionString": "link", "qType": "folder"}]),
            )
            .await;
        assert_eq!(e["code"], 3000, "{mode:?}: {e}");
        if mode == qixd::Mode::Server {
            let e = c
                .err(
                    doc,
                    "CreateConnection",
                    json!([{"qName": "abs", "qConnectionString": "/etc", "qType": "folder"}]),
                )
                .await;
            assert_eq!(e["code"], 3000, "{e}");
        }
        // Inside the data folder: fine.
        c.ok(
            doc,
            "CreateConnection",
            json!([{"qName": "sub", "qConnectionString": "sub", "qType": "folder"}]),
        )
        .await;
        c.ok(doc, "SetScript", json!(["T: LOAD 1 AS n AUTOGENERATE 2;"]))
            .await;
        assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
        // Through the link: reading, writing a file and creating folders all fail, the data stays.
        for script in [
            "T2: LOAD * FROM [lib://data/link/secret.csv] (txt, utf8, embedded labels, delimiter is ',');",
            "STORE T INTO [lib://data/link/written.qvd] (qvd);",
            "STORE T INTO [lib://data/link/new/folder/written.qvd] (qvd);",
            "STORE T INTO [lib://sub/../../escaped.qvd] (qvd);",
        ] {
            let full = format!("T: LOAD 1 AS n AUTOGENERATE 2;\n{script}");
            c.ok(doc, "SetScript", json!([full])).await;
            assert_eq!(
                c.ok(doc, "DoReload", json!([])).await["qReturn"],
                false,
                "{mode:?}: {script}"
            );
            let r = c.ok(doc, "Evaluate", json!(["Count(n)"])).await;
            assert_eq!(r["qReturn"], "2");
        }
        let left: Vec<_> = std::fs::read_dir(outside.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("secret.csv")]);
        assert!(!s.dir.path().join("escaped.qvd").exists());
        // Writing inside, into a new folder, works.
        c.ok(
            doc,
            "SetScript",
            json!([
                "T: LOAD 1 AS n AUTOGENERATE 2;\nSTORE T INTO [lib://data/out/new/t.qvd] (qvd);"
            ]),
        )
        .await;
        assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
        assert!(s.config.data_dir.join("out/new/t.qvd").exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_server_mode_apps_belong_to_their_owner() {
    let s = TestServer::start_with(|c| {
        c.mode = qixd::Mode::Server;
        c.trust_user_header = true;
        c.admin_users = vec!["Corp\\root".into()];
    })
    .await;
    let as_user = |id: &str| format!("UserDirectory=Corp; UserId={id}");
    let (alice, bob, root) = (as_user("alice"), as_user("bob"), as_user("root"));
    let mut a = s.connect_with("/app/", &[("X-Qlik-User", &alice)]).await;
    let app = a.create_app("alice's").await;
    let mut b = s.connect_with("/app/", &[("X-Qlik-User", &bob)]).await;
    let listed = b.ok(-1, "GetDocList", json!([])).await;
    assert!(
        !listed.to_string().contains(&app),
        "bob sees alice's app: {listed}"
    );
    assert_eq!(b.err(-1, "OpenDoc", json!([app])).await["code"], 5);
    assert_eq!(b.err(-1, "DeleteApp", json!([app])).await["code"], 5);
    assert_eq!(
        b.err(-1, "CreateSessionAppFromApp", json!([app])).await["code"],
        5
    );
    // Alice sees and saves her app; root (an admin) may delete it.
    let listed = a.ok(-1, "GetDocList", json!([])).await;
    assert!(listed.to_string().contains(&app));
    let doc = a.open_doc(&app).await;
    a.ok(doc, "DoSave", json!([])).await;
    let mut r = s.connect_with("/app/", &[("X-Qlik-User", &root)]).await;
    assert!(r
        .ok(-1, "GetDocList", json!([]))
        .await
        .to_string()
        .contains(&app));
    a.close().await;
    r.ok(-1, "DeleteApp", json!([app])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_scripts_fail_their_reload_and_the_server_stays_up() {
    let s = TestServer::start_with(|c| c.max_reload_rows = 100_000).await;
    let mut c = s.connect("/app/").await;
    let doc = c.session_app().await;
    c.ok(doc, "SetScript", json!(["T: LOAD 1 AS n AUTOGENERATE 3;"]))
        .await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    let nested_for = format!(
        "{}{}",
        "FOR i = 1 TO 1\n".repeat(10_000),
        "NEXT i\n".repeat(10_000)
    );
    let recursive_sub = "SUB r\n  CALL r;\nEND SUB\nCALL r;\n".to_string();
    for (script, why) in [
        ("T: LOAD RecNo() AS n AUTOGENERATE 1e9;".to_string(), "row"),
        (recursive_sub, "line 2"),
        (nested_for.clone(), "nested"),
    ] {
        c.ok(doc, "SetScript", json!([script])).await;
        assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], false);
        let progress = c.ok(-1, "GetProgress", json!([0])).await;
        let error = progress["qProgressData"]["qErrorData"][0]["qErrorString"].to_string();
        assert!(error.contains(why), "{why}: {error}");
        assert_eq!(
            c.ok(doc, "Evaluate", json!(["Count(n)"])).await["qReturn"],
            "3"
        );
    }
    // CheckScriptSyntax alone overflowed the stack on 10,000 nested FORs.
    c.ok(doc, "SetScript", json!([nested_for])).await;
    let errors = c.ok(doc, "CheckScriptSyntax", json!([])).await;
    assert!(
        !errors["qErrors"].as_array().unwrap().is_empty(),
        "{errors}"
    );
    c.ok(-1, "EngineVersion", json!([])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_past_its_memory_budget_fails_naming_the_statement_and_keeps_the_data() {
    // 4 MiB: a few thousand rows fit, a million distinct texts do not.
    let s = TestServer::start_with(|c| c.max_reload_bytes = Some(4 << 20)).await;
    let mut c = s.connect("/app/").await;
    let doc = loaded_session_app(&mut c, "T: LOAD RecNo() AS n AUTOGENERATE 3;").await;
    let big = "T: LOAD RecNo() AS n AUTOGENERATE 3;\n\
               U: LOAD Repeat('x', 40) & RecNo() AS s AUTOGENERATE 1000000;";
    c.ok(doc, "SetScript", json!([big])).await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], false);
    let progress = c.ok(-1, "GetProgress", json!([0])).await;
    let error = &progress["qProgressData"]["qErrorData"][0];
    let text = error["qErrorString"].to_string();
    assert!(text.contains("memory limit"), "{text}");
    assert!(text.contains("line 2") || text.contains("U:"), "{text}");
    assert_eq!(
        c.ok(doc, "Evaluate", json!(["Count(n)"])).await["qReturn"],
        "3"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_measure_that_is_a_bare_dimension_field_lays_out() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let doc = loaded_session_app(&mut c, "T: LOAD * INLINE [\nD, V\na, 1\nb, 2\n];").await;
    // The grand total of `=D` panicked (index out of bounds) and failed the whole request.
    let cube = handle(
        &c.ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "t"}, "qHyperCubeDef": {
                "qDimensions": [{"qDef": {"qFieldDefs": ["D"]}}],
                "qMeasures": [{"qDef": {"qDef": "D"}}, {"qDef": {"qDef": "Sum(V)"}}],
                "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 10}]}}]),
        )
        .await,
    );
    let layout = c.ok(cube, "GetLayout", json!([])).await;
    let hc = &layout["qLayout"]["qHyperCube"];
    assert_eq!(hc["qDataPages"][0]["qMatrix"][0][1]["qText"], "a", "{hc}");
    assert_eq!(hc["qGrandTotalRow"][0]["qIsNull"], true);
    assert_eq!(hc["qGrandTotalRow"][1]["qNum"], 3.0);
}
