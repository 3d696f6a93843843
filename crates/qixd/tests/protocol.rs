//! JSON-RPC on the wire: the Global API, bad input and its errors, size limits, many sockets at once.

mod common;

use common::{eventually, handle, http_get, table_props, Client, TestServer};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_get_engine_errors_and_the_socket_keeps_serving() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let cases: &[(&str, i64)] = &[
        ("{not json", -32700),
        ("[1,2,3]", -32600),
        ("42", -32600),
        ("\"text\"", -32600),
        (r#"{"jsonrpc":"2.0","id":5,"handle":-1}"#, -32600),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"OpenDoc","handle":"x"}"#,
            -32600,
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"OpenDoc","handle":-1,"params":7}"#,
            -32600,
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"NoSuchMethod","handle":-1,"params":[]}"#,
            -32601,
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"GetScript","handle":-1,"params":[]}"#,
            -32601,
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"GetLayout","handle":99,"params":[]}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"OpenDoc","handle":-1,"params":[5]}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"OpenDoc","handle":-1,"params":{"qDocName":true}}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"OpenDoc","handle":-1,"params":[]}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"IsDesktopMode","handle":-1,"params":[1,2]}"#,
            -32602,
        ),
    ];
    for (frame, code) in cases {
        c.send_raw(frame).await;
        let r = c
            .read_frame()
            .await
            .expect("an answer, not a closed socket");
        assert_eq!(r["error"]["code"], *code, "{frame} → {r}");
        assert!(r["error"]["message"].is_string() && r["error"]["parameter"].is_string());
        if frame.contains("\"id\":5") {
            assert_eq!(r["id"], 5, "{r}");
        } else {
            assert!(r["id"].is_null(), "{r}");
        }
        // The socket still answers.
        assert_eq!(c.ok(-1, "IsDesktopMode", json!([])).await["qReturn"], true);
    }
    let e = c.err(-1, "GetActiveDoc", json!([])).await;
    assert_eq!(e["code"], 1007);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_zero_named_params_and_delta_are_accepted() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    c.send_raw(r#"{"jsonrpc":"2.0","id":0,"method":"CreateApp","handle":-1,"params":{"qAppName":"Named"},"delta":true}"#)
        .await;
    let r = c.response(&json!(0)).await;
    assert_eq!(r["result"]["qSuccess"], true, "{r}");
    let id = r["result"]["qAppId"].as_str().unwrap().to_string();
    c.send_raw(&format!(
        r#"{{"jsonrpc":"2.0","id":"s1","method":"OpenDoc","handle":-1,"params":{{"qDocName":"{id}"}},"return_empty":true}}"#
    ))
    .await;
    let r = c.response(&json!("s1")).await;
    assert_eq!(
        r["result"]["qReturn"],
        json!({"qType": "Doc", "qHandle": 1, "qGenericId": id})
    );
    assert_eq!(
        r["change"],
        json!([1]),
        "OpenDoc's response lists the new doc handle, as the engine's does"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_api_answers_in_the_engine_shapes() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    assert_eq!(
        c.ok(-1, "EngineVersion", json!([])).await["qVersion"]["qComponentVersion"],
        "12.2528.0"
    );
    for m in [
        "ProductVersion",
        "OSName",
        "OSVersion",
        "QTProduct",
        "QvVersion",
    ] {
        assert!(c.ok(-1, m, json!([])).await["qReturn"].is_string(), "{m}");
    }
    assert_eq!(c.ok(-1, "IsPersonalMode", json!([])).await["qReturn"], true);
    assert_eq!(
        c.ok(-1, "GetAuthenticatedUser", json!([])).await["qReturn"],
        "UserDirectory=Personal; UserId=Me"
    );
    let u1 = c.ok(-1, "GetUniqueID", json!([])).await["qUniqueID"].clone();
    let u2 = c.ok(-1, "GetUniqueID", json!([])).await["qUniqueID"].clone();
    assert_ne!(u1, u2);
    assert_eq!(u1.as_str().unwrap().len(), 36);
    assert_eq!(c.ok(-1, "AllowCreateApp", json!([])).await["qReturn"], true);
    assert_eq!(
        c.ok(-1, "GetCustomConnectors", json!([])).await["qConnectors"],
        json!([])
    );
    let folder = c.ok(-1, "GetDefaultAppFolder", json!([])).await["qPath"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(folder.ends_with("apps"), "{folder}");
    for m in ["AbortAll", "CancelReload"] {
        assert_eq!(c.ok(-1, m, json!([])).await, json!({}));
    }
    assert_eq!(c.ok(-1, "AbortRequest", json!([7])).await, json!({}));
    assert_eq!(c.ok(-1, "CancelRequest", json!([7])).await, json!({}));
    assert_eq!(
        c.ok(-1, "ConfigureReload", json!([true, false, false]))
            .await,
        json!({})
    );

    // Apps: create, list, open (once per session), delete.
    let a = c.create_app("Zeta").await;
    let b = c.create_app("Alpha").await;
    let list = c.ok(-1, "GetDocList", json!([])).await["qDocList"].clone();
    let titles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["qTitle"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Alpha", "Zeta"]);
    assert_eq!(list[0]["qDocId"], b.as_str());
    let e = c.err(-1, "OpenDoc", json!(["no-such-app"])).await;
    assert_eq!(
        e,
        json!({"code": 1003, "parameter": "Could not find app", "message": "App not found"})
    );
    let e = c.err(-1, "OpenDoc", json!(["../../etc/passwd"])).await;
    assert_eq!(e["code"], 1003);
    let doc = c.open_doc(&a).await;
    let script = c.ok(doc, "GetScript", json!([])).await["qScript"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        script.starts_with("///$tab Main\r\nSET ThousandSep=','"),
        "a new app has the default script"
    );
    assert_eq!(c.err(-1, "OpenDoc", json!([a])).await["code"], 1002);
    assert_eq!(c.err(-1, "OpenDoc", json!([b])).await["code"], 1002);
    assert_eq!(
        c.ok(-1, "GetActiveDoc", json!([])).await["qReturn"]["qHandle"],
        doc
    );
    assert_eq!(
        c.err(-1, "DeleteApp", json!([a])).await["code"],
        1002,
        "the open app cannot be deleted"
    );
    assert_eq!(c.ok(-1, "DeleteApp", json!([b])).await["qSuccess"], true);
    assert_eq!(c.err(-1, "DeleteApp", json!([b])).await["code"], 1003);
    let layout = c.ok(doc, "GetAppLayout", json!([])).await["qLayout"].clone();
    assert_eq!(layout["qTitle"], "Zeta");
    assert_eq!(layout["qFileName"], a.as_str());
    assert_eq!(layout["qHasScript"], true);
    assert_eq!(layout["qIsSessionApp"], false);
    assert_eq!(layout["qLocaleInfo"]["qDecimalSep"], ".");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_apps_and_app_properties() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let src = c.create_app("Source").await;
    let r = c.ok(-1, "CreateSessionAppFromApp", json!([src])).await;
    let sid = r["qSessionAppId"].as_str().unwrap();
    assert!(sid.starts_with("SessionApp_"), "{r}");
    assert_eq!(r["qReturn"]["qType"], "Doc");
    let doc = r["qReturn"]["qHandle"].as_i64().unwrap();
    assert!(c.ok(doc, "GetScript", json!([])).await["qScript"]
        .as_str()
        .unwrap()
        .contains("SET ThousandSep"));
    let e = c.err(doc, "DoSave", json!([])).await;
    assert_eq!(e["code"], 9009, "a session app cannot be saved");
    c.ok(doc, "GetAppLayout", json!([])).await;
    let r = c
        .call(
            doc,
            "SetAppProperties",
            json!([{"qTitle": "Renamed", "color": "red"}]),
        )
        .await;
    assert_eq!(r["change"], json!([doc]));
    let p = c.ok(doc, "GetAppProperties", json!([])).await["qProp"].clone();
    assert_eq!(
        (p["qTitle"].clone(), p["color"].clone()),
        (json!("Renamed"), json!("red"))
    );
    let layout = c.ok(doc, "GetAppLayout", json!([])).await["qLayout"].clone();
    assert_eq!(layout["color"], "red");
    assert_eq!(layout["qIsSessionApp"], true);
    assert_eq!(layout["qModified"], true);
    assert_eq!(
        c.err(doc, "SetAppProperties", json!([{"qTitle": 5}])).await["code"],
        -32602
    );
    assert_eq!(
        c.err(doc, "CreateSessionObject", json!([{"noInfo": 1}]))
            .await["code"],
        -32602
    );
    assert_eq!(
        c.err(doc, "CreateSessionVariable", json!([{"qDefinition": "1"}]))
            .await["code"],
        18000
    );
    // The session app is gone with the session.
    c.close().await;
    s.until_live_sessions(0).await;
    let mut d = s.connect("/app/").await;
    assert_eq!(d.state, "SESSION_CREATED");
    assert_eq!(d.err(-1, "GetActiveDoc", json!([])).await["code"], 1007);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_and_object_properties() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let doc = c.session_app().await;
    let v = c
        .ok(
            doc,
            "CreateSessionVariable",
            json!([{"qName": "v", "qDefinition": "abc", "tags": ["t"]}]),
        )
        .await;
    let vh = v["qReturn"]["qHandle"].as_i64().unwrap();
    assert_eq!(v["qReturn"]["qType"], "GenericVariable");
    let id = v["qReturn"]["qGenericId"].as_str().unwrap().to_string();
    let l = c.ok(vh, "GetLayout", json!([])).await["qLayout"].clone();
    assert_eq!(
        (l["qText"].clone(), l["qNum"].clone(), l["tags"].clone()),
        (json!("abc"), json!("NaN"), json!(["t"]))
    );
    let r = c.call(vh, "SetNumValue", json!([2.5])).await;
    assert_eq!(r["change"], json!([vh]));
    let l = c.ok(vh, "GetLayout", json!([])).await["qLayout"].clone();
    assert_eq!(
        (l["qText"].clone(), l["qNum"].clone()),
        (json!("2.5"), json!(2.5))
    );
    c.ok(vh, "SetStringValue", json!(["hello"])).await;
    assert_eq!(
        c.ok(vh, "GetProperties", json!([])).await["qProp"]["qDefinition"],
        "hello"
    );
    assert_eq!(
        c.ok(vh, "GetInfo", json!([])).await["qInfo"]["qId"],
        id.as_str()
    );
    assert_eq!(c.err(vh, "SetNumValue", json!(["x"])).await["code"], -32602);
    assert_eq!(
        c.ok(doc, "GetVariableById", json!([id])).await["qReturn"]["qHandle"],
        vh
    );
    assert!(c.ok(doc, "GetVariableByName", json!(["nope"])).await["qReturn"]["qHandle"].is_null());

    // Object ids: the wanted one if free, a fresh one otherwise; defaults filled in.
    let o = c
        .ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qId": "same", "qType": "x"}}]),
        )
        .await;
    let o2 = c
        .ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qId": "same", "qType": "x"}}]),
        )
        .await;
    assert_eq!(o["qReturn"]["qGenericId"], "same");
    assert_ne!(o2["qReturn"]["qGenericId"], "same");
    let h = o["qReturn"]["qHandle"].as_i64().unwrap();
    let p = c.ok(h, "GetProperties", json!([])).await["qProp"].clone();
    assert_eq!(
        p,
        json!({"qInfo": {"qId": "same", "qType": "x"}, "qMetaDef": {}})
    );
    assert_eq!(
        c.ok(h, "GetEffectiveProperties", json!([])).await["qProp"],
        p
    );
    assert_eq!(
        c.ok(h, "GetInfo", json!([])).await["qInfo"],
        json!({"qId": "same", "qType": "x"})
    );
    // The id cannot be changed by SetProperties.
    c.ok(
        h,
        "SetProperties",
        json!([{"qInfo": {"qId": "other", "qType": "y"}, "k": 1}]),
    )
    .await;
    let p = c.ok(h, "GetProperties", json!([])).await["qProp"].clone();
    assert_eq!(p["qInfo"], json!({"qId": "same", "qType": "y"}));
    assert_eq!(
        c.ok(doc, "DestroySessionObject", json!(["nope"])).await["qSuccess"],
        false
    );
    // A method the class does not have.
    assert_eq!(c.err(h, "SetScript", json!(["x"])).await["code"], -32601);
}

/// A socket reads into a buffer of 1 KiB: requests many times that size (a long script, text of several
/// bytes a character cut across reads), and small ones after them, are read whole and in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_larger_than_the_read_buffer_are_read_whole() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let doc = c.session_app().await;
    for size in [1_000, 1_500, 70_000, 300_000] {
        let line = "LOAD 'é€𝄞 ' & RecNo() AS n AUTOGENERATE 1; // ";
        let script: String = line.chars().cycle().take(size).collect();
        c.ok(doc, "SetScript", json!([script])).await;
        let back = c.ok(doc, "GetScript", json!([])).await;
        assert_eq!(
            back["qScript"].as_str(),
            Some(script.as_str()),
            "{size} chars"
        );
        let small = c.ok(-1, "IsDesktopMode", json!([])).await;
        assert_eq!(small["qReturn"], true);
    }
}

/// Requests sent in one write are read at once and answered one after the other in the order sent —
/// each sees what the ones before it changed — whatever they are: a broken frame and an unknown method
/// among them get their errors in their places.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_sent_together_are_answered_in_order() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let doc = c.session_app().await;
    let first = c.reserve_ids(40);
    let frame = |i: i64, method: &str, params: Value| {
        json!({"jsonrpc": "2.0", "id": first + i, "handle": doc, "method": method, "params": params})
            .to_string()
    };
    let mut frames = Vec::new();
    for i in 0..10 {
        let script = format!("// script {i}");
        frames.push(frame(4 * i, "SetScript", json!([script])));
        frames.push(frame(4 * i + 1, "GetScript", json!([])));
        frames.push(frame(4 * i + 2, "NoSuchMethod", json!([])));
        frames.push(match i {
            5 => "{not json".to_string(),
            _ => frame(4 * i + 3, "GetScript", json!([])),
        });
    }
    c.send_all(&frames).await;
    for i in 0..10 {
        let set = c.read_frame().await.expect("a response");
        assert_eq!(set["id"], first + 4 * i, "{set}");
        let got = c.read_frame().await.expect("a response");
        assert_eq!(got["id"], first + 4 * i + 1);
        assert_eq!(got["result"]["qScript"], format!("// script {i}"));
        let unknown = c.read_frame().await.expect("a response");
        assert_eq!(unknown["id"], first + 4 * i + 2);
        assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
        let last = c.read_frame().await.expect("a response");
        match i {
            5 => assert_eq!(last["error"]["code"], -32700, "{last}"),
            _ => assert_eq!(last["result"]["qScript"], format!("// script {i}")),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_closes_only_that_socket() {
    let s = TestServer::start_with(|c| c.max_message_bytes = 1024).await;
    let mut other = s.connect("/app/").await;
    let mut c = s.connect("/app/").await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"CreateApp","handle":-1,"params":["{}"]}}"#,
        "x".repeat(4096)
    );
    c.send_raw(&big).await;
    assert_eq!(c.closed().await, Some(1009));
    assert_eq!(
        other.ok(-1, "IsDesktopMode", json!([])).await["qReturn"],
        true
    );
    let mut again = s.connect("/app/").await;
    assert_eq!(
        again.ok(-1, "IsDesktopMode", json!([])).await["qReturn"],
        true
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_sockets_attach_and_detach_at_once() {
    let s = TestServer::start().await;
    let url = s.url("/app/many");
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let url = if i % 2 == 0 {
                url.clone()
            } else {
                format!("{url}/identity/own-{i}")
            };
            tokio::spawn(async move {
                let mut c = Client::connect(&url, &[]).await.expect("connects");
                let state = c.state.clone();
                assert_eq!(c.ok(-1, "IsDesktopMode", json!([])).await["qReturn"], true);
                c.close().await;
                state
            })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        if t.await.unwrap() == "SESSION_CREATED" {
            created += 1;
        }
    }
    // 100 own sessions plus at least one shared one (the shared one may die and be re-created between
    // sockets, since its TTL is 0).
    assert!(created > 100, "{created}");
    let registry = s.server.as_ref().unwrap().registry().clone();
    assert!(
        eventually(10_000, || registry.live_sockets() == 0
            && registry.live_sessions() == 0)
        .await
    );
    let h = s.health().await;
    assert_eq!(
        (h["liveSockets"].clone(), h["liveSessions"].clone()),
        (json!(0), json!(0))
    );
    let mut c = s.connect("/app/").await;
    assert_eq!(c.ok(-1, "IsDesktopMode", json!([])).await["qReturn"], true);
}

/// The value of the metric line that starts with `name` (name and labels), if there is one.
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_result_cache_reports_hits_misses_and_bytes() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/d/identity/cache-metrics").await;
    let script = "T:\nLOAD * INLINE [\nDim, m\na, 1\nb, 2\na, 3\n];";
    let doc = c.loaded_session_app(script).await;
    // Two objects with one definition: the second layout is the first's cube, from the cache.
    let mut sums = Vec::new();
    for _ in 0..2 {
        let o = c
            .ok(doc, "CreateSessionObject", table_props("Dim", &["Sum(m)"]))
            .await;
        let layout = c.ok(handle(&o), "GetLayout", json!([])).await;
        sums.push(layout["qLayout"]["qHyperCube"]["qGrandTotalRow"][0]["qNum"].clone());
    }
    assert_eq!(sums, vec![json!(6.0), json!(6.0)]);
    let m = http_get(s.addr, "/metrics").await;
    let hits = metric(&m, "qixd_result_cache_hits_total{kind=\"hypercube\"}");
    let misses = metric(&m, "qixd_result_cache_misses_total{kind=\"hypercube\"}");
    assert!(hits.is_some_and(|h| h >= 1.0), "{m}");
    assert!(misses.is_some_and(|x| x >= 1.0), "{m}");
    for kind in ["inference", "hypercube", "list"] {
        let line = format!("qixd_result_cache_bytes{{kind=\"{kind}\"}}");
        assert!(metric(&m, &line).is_some(), "/metrics lacks {line}:\n{m}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_and_metrics() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    c.err(-1, "OpenDoc", json!(["missing"])).await;
    let h = s.health().await;
    assert_eq!(h["status"], "ok");
    assert_eq!(h["liveSessions"], 1);
    assert_eq!(h["liveSockets"], 1);
    assert!(h["uptimeSeconds"].as_f64().unwrap() >= 0.0);
    assert!(h["version"].is_string());
    let m = http_get(s.addr, "/metrics").await;
    assert!(m.starts_with("HTTP/1.1 200"), "{m}");
    for name in [
        "qixd_sessions_live",
        "qixd_sockets_live",
        "qixd_sessions_created_total",
        "qixd_sessions_attached_total",
        "qixd_sessions_expired_total",
        "qixd_requests_total{method=\"OpenDoc\"}",
        "qixd_errors_total{code=\"1003\"}",
        "qixd_request_duration_seconds_bucket",
    ] {
        assert!(m.contains(name), "/metrics lacks {name}:\n{m}");
    }
    // Unknown method names are not labels.
    c.err(-1, "Bogus", json!([])).await;
    let m = http_get(s.addr, "/metrics").await;
    assert!(!m.contains("Bogus") && m.contains("method=\"unknown\""));
    let not_found = http_get(s.addr, "/nope").await;
    assert!(not_found.starts_with("HTTP/1.1 404"));
    let bad = http_get(s.addr, "/app/x/ttl/abc").await;
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
    let _ = Value::Null;
}

/// A layout's data pages are written as text while the rest is built as values (`view::page_text`); on the
/// wire they must read the same as the pages `GetHyperCubeData` / `GetListObjectData` build as values, in
/// a nested cube too (and one in `qMetaDef`, which the layout moves to `qMeta`), and delta mode (which diffs pages by their text) must patch them into the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layout_pages_read_as_the_data_methods_pages_with_or_without_delta() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let script =
        "T: LOAD * INLINE [\nDim, Sel, m\n'a \"1\"', 1, 1.5\nb, 2, -2\nc, 1, 3e9\n2024, 2, 4\n];";
    let doc = c.loaded_session_app(script).await;
    let area = json!([{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 10}]);
    let format = json!({"qType": "F", "qnDec": 2, "qFmt": "0.00", "qDec": "."});
    let cube = json!({"qDimensions": [{"qDef": {"qFieldDefs": ["Dim"]}}],
                      "qMeasures": [{"qDef": {"qDef": "Sum(m)"}},
                                    {"qDef": {"qDef": "Sum(m)", "qNumFormat": format}}],
                      "qInitialDataFetch": area});
    let list = json!({"qDef": {"qFieldDefs": ["Dim"]}, "qInitialDataFetch": area});
    let props = json!({"qInfo": {"qType": "t"}, "qHyperCubeDef": cube, "qListObjectDef": list,
                       "nested": {"in/ner": {"qHyperCubeDef": cube}},
                       "qMetaDef": {"title": "t", "inner": {"qHyperCubeDef": cube}}});
    let h = c.ok(doc, "CreateSessionObject", json!([props])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let sel = c.ok(doc, "GetField", json!(["Sel"])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let delta = |id: i64, method: &str, params: &str| {
        format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}","handle":{h},"params":{params},"delta":true}}"#
        )
    };
    let (mut base, mut pages) = (Value::Null, Value::Null);
    for (round, id) in [(0, 200), (1, 201), (2, 202)] {
        if round == 1 {
            let one = json!([[{"qText": "1", "qNumber": 1, "qIsNumeric": true}]]);
            c.ok(sel, "SelectValues", one).await;
        }
        let layout = c.ok(h, "GetLayout", json!([])).await["qLayout"].clone();
        let data = json!(["/qHyperCubeDef", area]);
        let cube_page = c.ok(h, "GetHyperCubeData", data).await["qDataPages"][0].clone();
        let data = json!(["/qListObjectDef", area]);
        let list_page = c.ok(h, "GetListObjectData", data).await["qDataPages"][0].clone();
        assert_eq!(
            layout["qHyperCube"]["qDataPages"][0], cube_page,
            "round {round}"
        );
        let nested = &layout["nested"]["in/ner"]["qHyperCube"]["qDataPages"][0];
        assert_eq!(nested, &cube_page);
        // `qMetaDef` is laid out as `qMeta`, its cube's pages with it.
        let meta = &layout["qMeta"]["inner"]["qHyperCube"]["qDataPages"][0];
        assert_eq!(meta, &cube_page);
        assert_eq!(layout["qListObject"]["qDataPages"][0], list_page);
        let rows = cube_page["qMatrix"].as_array().unwrap().len();
        assert_eq!(rows, [4, 2, 2][round], "the selection is in the pages");
        // The dimension infos are written as text too.
        let info = &layout["qHyperCube"]["qDimensionInfo"][0];
        assert_eq!(info["qFallbackTitle"], "Dim");
        assert_eq!(info["qCardinalities"]["qHypercubeCardinal"], rows);
        let info = &layout["qListObject"]["qDimensionInfo"];
        assert_eq!(
            (
                info["qCardinal"].clone(),
                info["qStateCounts"]["qOption"].clone()
            ),
            (json!(4), json!(rows))
        );
        // Delta mode: the first answer adds the whole layout, the next patches it into the new one.
        c.send_raw(&delta(id, "GetLayout", "[]")).await;
        let patch = c.response(&json!(id)).await["result"]["qLayout"].clone();
        if round == 2 {
            assert_eq!(patch, json!([]), "nothing changed");
        }
        apply_delta(&mut base, &patch);
        assert_eq!(base, layout, "round {round}");
        // The data method's pages too.
        let params = json!(["/qHyperCubeDef", area]).to_string();
        c.send_raw(&delta(id + 10, "GetHyperCubeData", &params))
            .await;
        let patch = c.response(&json!(id + 10)).await["result"]["qDataPages"].clone();
        apply_delta(&mut pages, &patch);
        assert_eq!(pages, json!([cube_page]), "round {round}");
    }
}

/// Applies a delta-mode patch as enigma.js does: `/` is the whole value, other paths as RFC 6902 says.
fn apply_delta(base: &mut Value, patch: &Value) {
    for op in patch.as_array().unwrap() {
        if op["path"] == "/" {
            *base = op["value"].clone();
            continue;
        }
        let op: json_patch::PatchOperation = serde_json::from_value(op.clone()).unwrap();
        json_patch::patch(base, &[op]).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delta_mode_answers_with_json_patches_per_handle() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let doc = c.session_app().await;
    let h = c
        .ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qId": "o", "qType": "t"}, "title": "a", "list": [1, 2]}]),
        )
        .await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let ask = |id: i64| {
        format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"GetLayout","handle":{h},"params":[],"delta":true}}"#
        )
    };
    c.send_raw(&ask(100)).await;
    let first = c.response(&json!(100)).await;
    assert_eq!(first["delta"], true);
    let patch = first["result"]["qLayout"].as_array().unwrap().clone();
    assert_eq!(patch.len(), 1);
    assert_eq!(
        (patch[0]["op"].clone(), patch[0]["path"].clone()),
        (json!("add"), json!("/"))
    );
    assert_eq!(patch[0]["value"]["title"], "a");
    // Unchanged: an empty patch.
    c.send_raw(&ask(101)).await;
    assert_eq!(
        c.response(&json!(101)).await["result"]["qLayout"],
        json!([])
    );
    c.ok(
        h,
        "SetProperties",
        json!([{"qInfo": {"qId": "o", "qType": "t"}, "title": "b", "list": [1, 2]}]),
    )
    .await;
    c.send_raw(&ask(102)).await;
    let patch = c.response(&json!(102)).await["result"]["qLayout"].clone();
    assert_eq!(
        patch,
        json!([{"op": "replace", "path": "/title", "value": "b"}])
    );
    // Without delta the full result, as before.
    assert_eq!(
        c.ok(h, "GetLayout", json!([])).await["qLayout"]["title"],
        "b"
    );
    // Another handle has its own base.
    let h2 = c
        .ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "t"}}]),
        )
        .await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    c.send_raw(&format!(r#"{{"jsonrpc":"2.0","id":103,"method":"GetLayout","handle":{h2},"params":[],"delta":true}}"#)).await;
    assert_eq!(
        c.response(&json!(103)).await["result"]["qLayout"][0]["path"],
        "/"
    );
    // Errors are never deltas.
    c.send_raw(
        r#"{"jsonrpc":"2.0","id":104,"method":"GetLayout","handle":99,"params":[],"delta":true}"#,
    )
    .await;
    let e = c.response(&json!(104)).await;
    assert!(e.get("delta").is_none() && e["error"]["code"] == -32602);
}
