//! Reload, data model, selections and computed layouts on the wire.

mod common;

use common::{Client, TestServer};
use serde_json::{json, Value};

const SCRIPT: &str = "TableA:\nLOAD * INLINE [\nabcs, numbers\na, 1\nb, 2\nb, 3\nb, 4\nc, 5\n];\nTableB:\nLOAD * INLINE [\nxyz, numbers\nx, 5\ny, 4\ny, 3\ny, 2\nz, 1\n];";

fn cube_props() -> Value {
    json!([{
        "qInfo": {"qId": "cube", "qType": "my-hypercube"},
        "qHyperCubeDef": {
            "qDimensions": [{"qDef": {"qFieldDefs": ["xyz"]}}],
            "qMeasures": [{"qDef": {"qDef": "count(numbers)"}}],
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}],
            "customProperty": "kept"
        }
    }])
}

/// Selects `value` in `field` (`Field.Select`), then evaluates `expr`: its `qReturn`.
async fn select_then_evaluate(
    c: &mut Client,
    doc: i64,
    field: &str,
    value: &str,
    expr: &str,
) -> Value {
    let f = c.ok(doc, "GetField", json!([field])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    c.ok(f, "Select", json!([value])).await;
    c.ok(doc, "Evaluate", json!([expr])).await["qReturn"].clone()
}

fn matrix(layout: &Value) -> Vec<(String, String)> {
    layout["qHyperCube"]["qDataPages"][0]["qMatrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0]["qText"].as_str().unwrap().to_string(),
                r[1]["qText"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_build_cube_select_and_push() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/d/identity/one").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    let r = a.ok(doc, "DoReload", json!([0, false, false])).await;
    assert_eq!(r["qReturn"], true);

    let tk = a
        .ok(doc, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    let names: Vec<&str> = tk["qtr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["qName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["TableA", "TableB"]);
    assert_eq!(tk["qtr"][0]["qNoOfRows"], 5);
    assert_eq!(
        tk["qk"][0],
        json!({"qKeyFields": ["numbers"], "qTables": ["TableA", "TableB"]})
    );
    let td = a
        .ok(doc, "GetTableData", json!([1, 2, false, "TableB"]))
        .await["qData"]
        .clone();
    assert_eq!(td[0]["qValue"][0]["qText"], "y");
    assert_eq!(
        (
            td[1]["qValue"][1]["qNumber"].clone(),
            td[1]["qValue"][1]["qIsNumeric"].clone()
        ),
        (json!(3.0), json!(true))
    );
    assert_eq!(td.as_array().unwrap().len(), 2);
    assert_eq!(
        a.err(doc, "GetTableData", json!([0, 1, false, "Nope"]))
            .await["code"],
        2
    );
    let numbers = &tk["qtr"][0]["qFields"][1];
    assert_eq!(numbers["qTags"], json!(["$key", "$numeric", "$integer"]));

    let h = a.ok(doc, "CreateSessionObject", cube_props()).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let layout = a.ok(h, "GetLayout", json!([])).await["qLayout"].clone();
    let hc = &layout["qHyperCube"];
    assert_eq!(hc["qSize"], json!({"qcx": 2, "qcy": 3}));
    assert_eq!(
        matrix(&layout),
        [
            ("x".into(), "1".into()),
            ("y".into(), "3".into()),
            ("z".into(), "1".into())
        ]
    );
    assert_eq!(hc["qGrandTotalRow"][0]["qNum"], 5.0);
    assert_eq!(hc["qGrandTotalRow"][0]["qElemNumber"], -1);
    assert_eq!(hc["qDataPages"][0]["qMatrix"][0][0]["qNum"], "NaN");
    assert_eq!(hc["qDataPages"][0]["qMatrix"][0][1]["qState"], "L");
    assert_eq!(hc["qDimensionInfo"][0]["qCardinal"], 3);
    assert_eq!(hc["qDimensionInfo"][0]["qStateCounts"]["qOption"], 3);
    assert_eq!(hc["qMeasureInfo"][0]["qMax"], 3.0);
    assert_eq!(hc["customProperty"], "kept");
    assert!(layout.get("qHyperCubeDef").is_none());

    // A second socket of the session holds the object too.
    let mut b = s.connect("/app/d/identity/one").await;
    let doc_b = b.ok(-1, "GetActiveDoc", json!([])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let hb = b.ok(doc_b, "GetObject", json!(["cube"])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    b.ok(hb, "GetLayout", json!([])).await;

    // Select abcs = b through the Field API: numbers 2,3,4 → y only.
    let f = a.ok(doc, "GetField", json!(["abcs"])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let r = a
        .call(f, "SelectValues", json!([[{"qText": "b"}], false, false]))
        .await;
    assert_eq!(r["result"]["qReturn"], true);
    assert!(r["change"].as_array().unwrap().contains(&json!(h)), "{r}");
    let push = b.push_within(2000).await.expect("push to the other socket");
    assert!(
        push["change"].as_array().unwrap().contains(&json!(hb)),
        "{push}"
    );
    let layout = b.ok(hb, "GetLayout", json!([])).await["qLayout"].clone();
    assert_eq!(matrix(&layout), [("y".into(), "3".into())]);
    assert_eq!(
        layout["qHyperCube"]["qDimensionInfo"][0]["qStateCounts"]["qOption"],
        1
    );

    // Evaluate over the selection; list objects show states.
    assert_eq!(
        a.ok(doc, "Evaluate", json!(["Sum(numbers)"])).await["qReturn"],
        "9"
    );
    assert_eq!(a.ok(doc, "Evaluate", json!(["=1+1"])).await["qReturn"], "2");
    let e = a
        .ok(doc, "EvaluateEx", json!(["Count(DISTINCT abcs)"]))
        .await["qValue"]
        .clone();
    assert_eq!(
        (e["qNumber"].clone(), e["qIsNumeric"].clone()),
        (json!(1.0), json!(true))
    );
    let lo = a
        .ok(doc, "CreateSessionObject", json!([{"qInfo": {"qType": "listbox"}, "qListObjectDef": {
            "qDef": {"qFieldDefs": ["abcs"], "qSortCriterias": [{"qSortByState": 1, "qSortByAscii": 1}]},
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 10}]}}]))
        .await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let l = a.ok(lo, "GetLayout", json!([])).await["qLayout"]["qListObject"].clone();
    let cells: Vec<(String, String)> = l["qDataPages"][0]["qMatrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0]["qText"].as_str().unwrap().into(),
                r[0]["qState"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("b".into(), "S".into()),
            ("a".into(), "A".into()),
            ("c".into(), "A".into())
        ]
    );
    // Select in the list object by element number (a = 0), then clear all.
    a.ok(
        lo,
        "SelectListObjectValues",
        json!(["/qListObjectDef", [0], false, false]),
    )
    .await;
    assert_eq!(
        a.ok(doc, "Evaluate", json!(["Sum(numbers)"])).await["qReturn"],
        "1"
    );
    a.ok(doc, "Back", json!([])).await;
    assert_eq!(
        a.ok(doc, "Evaluate", json!(["Sum(numbers)"])).await["qReturn"],
        "9"
    );
    a.ok(doc, "ClearAll", json!([false])).await;
    assert_eq!(
        a.ok(doc, "Evaluate", json!(["Sum(numbers)"])).await["qReturn"],
        "15"
    );
    // GetHyperCubeData pages.
    let pages = a
        .ok(
            h,
            "GetHyperCubeData",
            json!(["/qHyperCubeDef", [{"qTop": 1, "qLeft": 0, "qWidth": 2, "qHeight": 1}]]),
        )
        .await;
    assert_eq!(pages["qDataPages"][0]["qMatrix"][0][0]["qText"], "y");
    assert_eq!(
        pages["qDataPages"][0]["qArea"],
        json!({"qLeft": 0, "qTop": 1, "qWidth": 2, "qHeight": 1})
    );
    // Another session sees none of these selections.
    let mut other = s.connect("/app/d/identity/two").await;
    assert_eq!(other.err(-1, "GetActiveDoc", json!([])).await["code"], 1007);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reload_keeps_the_previous_data() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    a.ok(
        doc,
        "SetScript",
        json!(["LOAD * FROM [lib://data/missing.csv];"]),
    )
    .await;
    let r = a.ok(doc, "DoReloadEx", json!([])).await;
    assert_eq!(r["qResult"]["qSuccess"], false);
    let p = a.ok(-1, "GetProgress", json!([0])).await["qProgressData"].clone();
    let err = p["qErrorData"][0]["qErrorString"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        err.contains("missing.csv") && err.contains("line 1"),
        "{err}"
    );
    assert_eq!(
        a.ok(doc, "Evaluate", json!(["Sum(numbers)"])).await["qReturn"],
        "15",
        "previous data kept"
    );
    a.ok(
        doc,
        "SetScript",
        json!(["LOAD 1 AS x AUTOGENERATE 1;\nLOAD Sum( FROM y;"]),
    )
    .await;
    let errs = a.ok(doc, "CheckScriptSyntax", json!([])).await["qErrors"].clone();
    assert_eq!(errs[0]["qLineInTab"], 1);
    // Files under --data-dir load; a connection cannot leave it.
    std::fs::write(s.config.data_dir.join("t.csv"), "k,v\n1,a\n2,b\n").unwrap();
    a.ok(
        doc,
        "SetScript",
        json!(["LOAD * FROM [lib://data/t.csv] (txt, embedded labels, delimiter is ',');"]),
    )
    .await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    assert_eq!(
        a.ok(doc, "Evaluate", json!(["Count(v)"])).await["qReturn"],
        "2"
    );
    a.ok(
        doc,
        "SetScript",
        json!(["LOAD * FROM [lib://data/../../etc/passwd] (txt);"]),
    )
    .await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], false);
    assert_eq!(
        a.ok(doc, "Evaluate", json!(["Count(v)"])).await["qReturn"],
        "2"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_data_reaches_sessions_that_open_the_app_later() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/x").await;
    let id = a.create_app("WithData").await;
    let doc = a.open_doc(&id).await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    a.ok(doc, "DoReload", json!([])).await;
    let mut before = s.connect("/app/x/identity/early").await;
    let d = before.open_doc(&id).await;
    let r = before.ok(d, "Evaluate", json!(["Count(numbers)"])).await["qReturn"].clone();
    assert!(
        r.as_str().unwrap().contains("not found"),
        "not saved yet: {r}"
    );
    a.ok(doc, "DoSave", json!([])).await;
    let mut after = s.connect("/app/x/identity/late").await;
    let d = after.open_doc(&id).await;
    assert_eq!(
        after.ok(d, "Evaluate", json!(["Count(abcs)"])).await["qReturn"],
        "5"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_app_is_served_with_its_data() {
    let s = TestServer::start_with(|c| c.demo = true).await;
    let mut c = s.connect("/app/").await;
    let list = c.ok(-1, "GetDocList", json!([])).await["qDocList"].clone();
    let demo = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["qTitle"] == "qixd demo")
        .expect("demo listed")
        .clone();
    let doc = c.ok(-1, "OpenDoc", json!([demo["qDocId"]])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    assert_eq!(
        c.ok(doc, "Evaluate", json!(["Count(OrderLine)"])).await["qReturn"],
        "300000"
    );
    let tk = c
        .ok(doc, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    let keys: Vec<&str> = tk["qk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["qKeyFields"][0].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["CustomerID", "ProductID"]);
    let customers =
        select_then_evaluate(&mut c, doc, "Region", "North", "Count(DISTINCT CustomerID)");
    assert_eq!(customers.await, "400");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_items_library_references_lists_and_patches() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    a.ok(doc, "DoReload", json!([])).await;
    let d = a
        .ok(doc, "CreateDimension", json!([{"qInfo": {"qId": "dim-xyz"}, "qDim": {"qFieldDefs": ["xyz"], "title": "XYZ"}, "qMetaDef": {"title": "XYZ"}}]))
        .await;
    assert_eq!(d["qInfo"], json!({"qId": "dim-xyz", "qType": "dimension"}));
    let dh = d["qReturn"]["qHandle"].as_i64().unwrap();
    assert_eq!(d["qReturn"]["qType"], "GenericDimension");
    let layout = a.ok(dh, "GetLayout", json!([])).await["qLayout"].clone();
    // As the real engine: cardinal, glyph count and tags of each field, no name.
    assert_eq!(layout["qDimInfos"][0]["qCardinal"], 3);
    assert_eq!(layout["qMeta"]["title"], "XYZ");
    assert_eq!(
        a.ok(dh, "GetDimension", json!([])).await["qDim"]["qFieldDefs"],
        json!(["xyz"])
    );
    let m = a.ok(doc, "CreateMeasure", json!([{"qInfo": {"qId": "m-sum"}, "qMeasure": {"qDef": "Sum(numbers)", "qLabel": "Total"}}])).await;
    assert_eq!(m["qReturn"]["qType"], "GenericMeasure");
    // A chart built from the library items.
    let h = a
        .ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "chart"}, "qHyperCubeDef": {
            "qDimensions": [{"qLibraryId": "dim-xyz"}], "qMeasures": [{"qLibraryId": "m-sum"}],
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 5}]}}]),
        )
        .await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let hc = a.ok(h, "GetLayout", json!([])).await["qLayout"]["qHyperCube"].clone();
    assert_eq!(hc["qDataPages"][0]["qMatrix"][1][0]["qText"], "y");
    assert_eq!(hc["qDataPages"][0]["qMatrix"][1][1]["qNum"], 9.0);
    assert_eq!(hc["qMeasureInfo"][0]["qFallbackTitle"], "Total");
    // A library measure beside a dimension of the chart's own.
    let own = json!([{"qInfo": {"qType": "chart"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["xyz"]}}], "qMeasures": [{"qLibraryId": "m-sum"}],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 5}]}}]);
    let h2 = a.ok(doc, "CreateSessionObject", own).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let hc2 = a.ok(h2, "GetLayout", json!([])).await["qLayout"]["qHyperCube"].clone();
    assert_eq!(hc2["qDataPages"], hc["qDataPages"]);
    assert_eq!(hc2["qMeasureInfo"][0]["qFallbackTitle"], "Total");
    // Selecting in the library dimension through the chart.
    a.ok(
        h,
        "SelectHyperCubeValues",
        json!(["/qHyperCubeDef", 0, [2], false]),
    )
    .await;
    assert_eq!(
        a.ok(doc, "Evaluate", json!(["Sum(numbers)"])).await["qReturn"],
        "1"
    );
    // Lists of master items and variables.
    a.ok(
        doc,
        "CreateSessionVariable",
        json!([{"qName": "vX", "qDefinition": "=Count(xyz)"}]),
    )
    .await;
    let lists = a
        .ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "lists"}, "qDimensionListDef": {"qType": "dimension"},
            "qMeasureListDef": {"qType": "measure"}, "qVariableListDef": {"qType": "variable", "qShowSession": true}}]),
        )
        .await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let l = a.ok(lists, "GetLayout", json!([])).await["qLayout"].clone();
    assert_eq!(l["qDimensionList"]["qItems"][0]["qInfo"]["qId"], "dim-xyz");
    assert_eq!(l["qDimensionList"]["qItems"][0]["qData"]["title"], "XYZ");
    assert_eq!(l["qMeasureList"]["qItems"][0]["qInfo"]["qId"], "m-sum");
    assert_eq!(l["qVariableList"]["qItems"][0]["qName"], "vX");
    let v = a.ok(doc, "GetVariableByName", json!(["vX"])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    assert_eq!(
        a.ok(v, "GetLayout", json!([])).await["qLayout"]["qNum"],
        1.0,
        "evaluated over the selection"
    );
    // ApplyPatches.
    let r = a
        .call(h, "ApplyPatches", json!([[{"qOp": "add", "qPath": "/title", "qValue": "\"Sales\""},
                                         {"qOp": "replace", "qPath": "/qHyperCubeDef/qSuppressZero", "qValue": "true"}], false]))
        .await;
    assert!(r.get("error").is_none(), "{r}");
    let p = a.ok(h, "GetProperties", json!([])).await["qProp"].clone();
    assert_eq!(
        (
            p["title"].clone(),
            p["qHyperCubeDef"]["qSuppressZero"].clone()
        ),
        (json!("Sales"), json!(true))
    );
    assert_eq!(
        a.err(
            h,
            "ApplyPatches",
            json!([[{"qOp": "add", "qPath": "/x", "qValue": "{bad"}], false])
        )
        .await["code"],
        -32602
    );
    assert_eq!(
        a.err(
            h,
            "ApplyPatches",
            json!([[{"qOp": "replace", "qPath": "/qInfo/qId", "qValue": "\"z\""}], false])
        )
        .await["code"],
        -32602
    );
    assert_eq!(
        a.ok(h, "GetProperties", json!([])).await["qProp"]["title"],
        "Sales",
        "a failed patch changes nothing"
    );
    assert_eq!(
        a.ok(doc, "DestroyDimension", json!(["dim-xyz"])).await["qSuccess"],
        true
    );
    assert_eq!(
        a.err(doc, "GetDimension", json!(["dim-xyz"])).await["code"],
        2
    );
    assert_eq!(
        a.ok(doc, "GetLocaleInfo", json!([])).await["qReturn"]["qDecimalSep"],
        "."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dimensions_sort_by_expression_on_the_wire() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    a.ok(doc, "DoReload", json!([])).await;
    let h = a
        .ok(doc, "CreateSessionObject", json!([{"qInfo": {"qType": "chart"}, "qHyperCubeDef": {
            "qDimensions": [{"qDef": {"qFieldDefs": ["xyz"], "qSortCriterias": [{"qSortByExpression": -1, "qExpression": {"qv": "Sum(numbers)"}}]}}],
            "qMeasures": [{"qDef": {"qDef": "Count(numbers)"}}],
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 5}]}}]))
        .await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let layout = a.ok(h, "GetLayout", json!([])).await["qLayout"].clone();
    // Sum(numbers): x 5, y 9, z 1 → y, x, z; the sort expression is not a column.
    assert_eq!(
        matrix(&layout),
        [
            ("y".into(), "3".into()),
            ("x".into(), "1".into()),
            ("z".into(), "1".into())
        ]
    );
    assert_eq!(layout["qHyperCube"]["qSize"]["qcx"], 2);
    assert_eq!(
        layout["qHyperCube"]["qGrandTotalRow"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reloading_socket_keeps_answering() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let id = c.create_app("slow").await;
    let doc = c.open_doc(&id).await;
    // Long enough that the GetProgress below is answered while it runs (a WHILE loop per row).
    c.ok(
        doc,
        "SetScript",
        json!(["T: LOAD RecNo() AS n, IterNo() AS i AUTOGENERATE 200000 WHILE IterNo() <= 3;"]),
    )
    .await;
    c.send_raw(
        &json!({"jsonrpc": "2.0", "id": 900, "method": "DoReload", "handle": doc, "params": []})
            .to_string(),
    )
    .await;
    // Ask for progress until the reload answers; some answer must come while it runs.
    let mut next = 901;
    let reload = loop {
        c.send_raw(&json!({"jsonrpc": "2.0", "id": next, "method": "GetProgress", "handle": -1, "params": [0]}).to_string())
            .await;
        let f = c.response(&json!(next)).await;
        if f["result"]["qProgressData"]["qFinished"] == false {
            break c.response(&json!(900)).await;
        }
        next += 1;
        assert!(next < 2000, "no progress answer while the reload ran");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    assert_eq!(reload["result"]["qReturn"], true);
    let r = c.ok(doc, "Evaluate", json!(["Count(n)"])).await;
    assert_eq!(r["qReturn"], "600000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_reload_runs_add_and_replace_and_keeps_the_other_tables() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/").await;
    let doc = a.session_app().await;
    let script = format!(
        "{SCRIPT}\nLog: ADD LOAD * INLINE [\nentry\none\n];\nFresh: REPLACE ONLY LOAD * INLINE [\nf\nnew\n];"
    );
    a.ok(doc, "SetScript", json!([script])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    let rows = |tk: &Value| -> Vec<(String, u64)> {
        tk["qtr"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["qName"].as_str().unwrap().to_string(),
                    t["qNoOfRows"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let tk = a
        .ok(doc, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    let own = |n: &str, r: u64| (n.to_string(), r);
    assert_eq!(
        rows(&tk),
        [own("TableA", 5), own("TableB", 5), own("Log", 1)],
        "an ordinary reload skips REPLACE ONLY"
    );
    // DoReload(qMode, qPartial = true, qDebug).
    let r = a.ok(doc, "DoReload", json!([0, true, false])).await;
    assert_eq!(r["qReturn"], true);
    let tk = a
        .ok(doc, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    assert_eq!(
        rows(&tk),
        [
            own("TableA", 5),
            own("TableB", 5),
            own("Log", 2),
            own("Fresh", 1)
        ],
        "the other tables keep their data; ADD appends"
    );
    // DoReloadEx with qParams.qPartial: ADD again, REPLACE ONLY replaces.
    let r = a.ok(doc, "DoReloadEx", json!([{"qPartial": true}])).await;
    assert_eq!(r["qResult"]["qSuccess"], true);
    let tk = a
        .ok(doc, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    assert_eq!(
        rows(&tk),
        [
            own("TableA", 5),
            own("TableB", 5),
            own("Log", 3),
            own("Fresh", 1)
        ]
    );
    // An ordinary reload starts again from nothing.
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    let tk = a
        .ok(doc, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    assert_eq!(rows(&tk)[2], own("Log", 1));
}

/// A script whose tables form a loop: citizens in cities, in schools, schools in cities; the first
/// table is the longest.
const LOOP: &str =
    "CitizenCity: LOAD * INLINE [\nCitizen, City\nAnn, Lund\nBo, Lund\nCy, Malmo\nDi, Malmo\n];\n\
    CitizenSchool: LOAD * INLINE [\nCitizen, School\nAnn, North\nBo, South\nCy, South\n];\n\
    SchoolCity: LOAD * INLINE [\nSchool, City\nNorth, Lund\nSouth, Malmo\n];";

fn loose_flags(tk: &Value) -> Vec<(String, bool)> {
    tk["qtr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["qName"].as_str().unwrap().to_string(),
                t["qLoose"] == true,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_circular_reference_loosens_a_table_warns_and_keeps_loosened_tables_saved() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/x").await;
    let id = a.create_app("Loops").await;
    let doc = a.open_doc(&id).await;
    a.ok(doc, "SetScript", json!([LOOP])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    let p = a.ok(-1, "GetProgress", json!([0])).await["qProgressData"].clone();
    let log = p["qPersistentProgress"].as_str().unwrap();
    assert!(
        log.contains("Circular reference") && log.contains("CitizenCity"),
        "{log}"
    );
    let tk = a
        .ok(doc, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    assert_eq!(
        loose_flags(&tk),
        [
            ("CitizenCity".into(), true),
            ("CitizenSchool".into(), false),
            ("SchoolCity".into(), false)
        ]
    );
    assert_eq!(
        a.ok(doc, "GetLooselyCoupledVector", json!([])).await["qv"],
        json!([2, 0, 0])
    );
    // Selections do not pass through the loose table: Di lives in Malmo but goes to no school.
    let citizens = select_then_evaluate(
        &mut a,
        doc,
        "City",
        "Malmo",
        "Concat(DISTINCT Citizen, ',')",
    );
    assert_eq!(citizens.await, "Bo,Cy");

    // The script chooses the table itself; that choice is saved with the data.
    a.ok(
        doc,
        "SetScript",
        json!([format!("{LOOP}\nLoosen Table SchoolCity;")]),
    )
    .await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    a.ok(doc, "DoSave", json!([])).await;
    let mut b = s.connect("/app/x/identity/later").await;
    let d = b.open_doc(&id).await;
    assert_eq!(
        b.ok(d, "GetLooselyCoupledVector", json!([])).await["qv"],
        json!([0, 0, 2])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synthetic_keys_are_reported_as_synthetic() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/d/identity/syn").await;
    let doc = a.session_app().await;
    let script =
        "T1: LOAD * INLINE [\nA, B, X\n1, a, 10\n];\nT2: LOAD * INLINE [\nA, B, Y\n1, a, 100\n];";
    a.ok(doc, "SetScript", json!([script])).await;
    a.ok(doc, "DoReload", json!([])).await;
    let tk = a
        .ok(doc, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    let synthetic: Vec<&str> = tk["qtr"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["qIsSynthetic"] == true)
        .map(|t| t["qName"].as_str().unwrap())
        .collect();
    assert_eq!(synthetic, ["$Syn 1 Table"]);
    let t1 = &tk["qtr"][0]["qFields"];
    let syn_field = t1
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["qName"] == "$Syn 1")
        .unwrap();
    assert_eq!(syn_field["qIsSynthetic"], true);
    assert_eq!(t1[0]["qIsSynthetic"], false);
}
