//! Every method of the OpenRPC spec whose class qixd serves, called on a handle of its class with valid
//! params: none may answer -32601 (method not found), and none may refuse the params the spec describes
//! (-32602 from binding). Each method runs in a fresh session with its own session app, data, objects and
//! master items, so destructive methods don't disturb the others.

mod common;

use common::{handle, Client, TestServer};
use serde_json::{json, Map, Value};

const SCRIPT: &str = "T:\nLOAD * INLINE [\nDim, Num\na, 1\nb, 2\nc, 3\n];";

/// The classes qixd hands out handles for.
const SERVED: &[&str] = &[
    "Global",
    "Doc",
    "GenericObject",
    "GenericDimension",
    "GenericMeasure",
    "GenericBookmark",
    "GenericVariable",
    "Field",
];

/// A session prepared for one call: a handle of every served class and the ids behind them.
struct Fixture {
    client: Client,
    handles: Map<String, Value>,
    app_id: String,
}

/// Connects a fresh session (its own identity), loads the data and creates one of everything.
async fn fixture(s: &TestServer, n: usize) -> Fixture {
    let mut c = s.connect(&format!("/app/engineData/identity/m{n}")).await;
    let app_id = c.create_app(&format!("stored {n}")).await;
    let doc = c.session_app().await;
    c.ok(doc, "SetScript", json!([SCRIPT])).await;
    c.ok(doc, "DoReload", json!([])).await;
    let chart = json!({"qInfo": {"qId": "chart", "qType": "table"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Dim"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Num)"}}],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}]},
        "qListObjectDef": {"qDef": {"qFieldDefs": ["Dim"]}}});
    let obj = handle(&c.ok(doc, "CreateObject", json!([chart])).await);
    c.ok(
        obj,
        "CreateChild",
        json!([{"qInfo": {"qId": "child", "qType": "kid"}}]),
    )
    .await;
    let dim_props = json!({"qInfo": {"qId": "dim", "qType": "dimension"},
        "qDim": {"qGrouping": "N", "qFieldDefs": ["Dim"], "qFieldLabels": ["Dim"]}, "qMetaDef": {"title": "D"}});
    let dim = handle(&c.ok(doc, "CreateDimension", json!([dim_props])).await);
    let mea_props = json!({"qInfo": {"qId": "mea", "qType": "measure"},
        "qMeasure": {"qLabel": "M", "qDef": "Sum(Num)"}, "qMetaDef": {"title": "M"}});
    let mea = handle(&c.ok(doc, "CreateMeasure", json!([mea_props])).await);
    let bm_props = json!({"qInfo": {"qId": "bm", "qType": "bookmark"}, "qMetaDef": {"title": "B"}});
    let bm = handle(&c.ok(doc, "CreateBookmark", json!([bm_props])).await);
    let var_props =
        json!({"qInfo": {"qId": "var", "qType": "variable"}, "qName": "vX", "qDefinition": "1+1"});
    let var = handle(&c.ok(doc, "CreateVariableEx", json!([var_props])).await);
    let field = handle(&c.ok(doc, "GetField", json!(["Dim"])).await);
    let handles = json!({"Global": -1, "Doc": doc, "GenericObject": obj, "GenericDimension": dim,
        "GenericMeasure": mea, "GenericBookmark": bm, "GenericVariable": var, "Field": field});
    Fixture {
        client: c,
        handles: handles.as_object().cloned().unwrap_or_default(),
        app_id,
    }
}

/// The id a `qId` param names for `method`: the master item, bookmark, variable or object it is about.
fn id_for(class: &str, method: &str) -> &'static str {
    if class == "GenericObject" {
        "child"
    } else if method.contains("Dimension") {
        "dim"
    } else if method.contains("Measure") {
        "mea"
    } else if method.contains("Bookmark") {
        "bm"
    } else if method.contains("Variable") {
        "var"
    } else {
        "chart"
    }
}

/// A plausible value for a required param, by its name first, then by its schema.
fn value_for(class: &str, method: &str, name: &str, schema: &Value, f: &Fixture) -> Value {
    let named = match name {
        "qId" => json!(id_for(class, method)),
        "qAppId" | "qAppID" | "qSrcAppId" | "qSrcAppID" | "qTargetAppId" | "qDocName" => {
            json!(f.app_id)
        }
        "qName" if method.contains("Variable") => json!("vX"),
        "qName" => json!("data"),
        "qNames" => json!(["vX"]),
        "qFieldName" | "qField" | "qReadableName" => json!("Dim"),
        "qFieldNames" => json!(["Dim"]),
        "qTableName" | "qTable1" | "qTable2" => json!("T"),
        "qExpr" | "qExpression" => json!("Sum(Num)"),
        "qBnfType" => json!("S"),
        "qStateName" => json!("S1"),
        "qScript" => json!(SCRIPT),
        "qConnectionId" => json!("data"),
        "qConnection" => json!({"qName": "c2", "qConnectionString": ".", "qType": "folder"}),
        "qPath" if class == "GenericObject" => json!(if method.contains("ListObject") {
            "/qListObjectDef"
        } else {
            "/qHyperCubeDef"
        }),
        "qPath" => json!("lib://data/"),
        "qPaths" => json!(["/qHyperCubeDef"]),
        "qFileType" => json!("CSV_C"),
        "qTable" => json!("t.csv"),
        "qDataFormat" => {
            json!({"qType": "CSV", "qLabel": "embedded labels", "qDelimiter": {"qScriptCode": "','"}})
        }
        "qPages" => json!([{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}]),
        "qPatches" => json!([{"qOp": "add", "qPath": "/title", "qValue": "\"t\""}]),
        "qMatch" => json!("a"),
        "qTerms" => json!(["a"]),
        "qFieldValues" => json!([{"qText": "a", "qIsNumeric": false, "qNumber": 0}]),
        "qProp" => props_for(method),
        "qIds" => json!(["chart"]),
        "qNewAppName" => json!("copy"),
        "qMembers" => json!([]),
        "qRows" | "qLimit" | "qMaxNumberOfValues" | "qMaxNbrCells" | "qNbrSteps" | "qStep" => {
            json!(1)
        }
        _ => Value::Null,
    };
    if !named.is_null() {
        return named;
    }
    by_schema(schema)
}

/// Properties a create method accepts.
fn props_for(method: &str) -> Value {
    match method {
        "CreateDimension" => {
            json!({"qInfo": {"qType": "dimension"}, "qDim": {"qGrouping": "N", "qFieldDefs": ["Num"]}})
        }
        "CreateMeasure" => {
            json!({"qInfo": {"qType": "measure"}, "qMeasure": {"qDef": "Count(Dim)"}})
        }
        "CreateVariableEx" | "CreateSessionVariable" => {
            json!({"qName": "vNew", "qDefinition": "2"})
        }
        "CreateBookmark" | "CreateBookmarkEx" => json!({"qInfo": {"qType": "bookmark"}}),
        _ => json!({"qInfo": {"qType": "thing"}}),
    }
}

/// A value of a schema's type: empty, zero or false.
fn by_schema(schema: &Value) -> Value {
    match schema["type"].as_str() {
        Some("boolean") => json!(false),
        Some("integer") | Some("number") => json!(0),
        Some("string") => json!("x"),
        Some("array") => json!([]),
        _ => json!({}),
    }
}

/// Params for a call: the method's own properties for the set methods, else every required param.
async fn params_for(class: &str, method: &str, spec: &Value, f: &mut Fixture) -> Value {
    let h = f.handles[class].as_i64().unwrap_or(-1);
    match method {
        "SetProperties" => {
            return json!([f.client.ok(h, "GetProperties", json!([])).await["qProp"]])
        }
        "SetFullPropertyTree" => {
            return json!([f.client.ok(h, "GetFullPropertyTree", json!([])).await["qPropEntry"]])
        }
        _ => {}
    }
    let mut out = Map::new();
    for p in spec["params"].as_array().into_iter().flatten() {
        if p["required"] != json!(true) {
            continue;
        }
        let name = p["name"].as_str().unwrap_or_default();
        out.insert(name.into(), value_for(class, method, name, &p["schema"], f));
    }
    Value::Object(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_of_a_served_class_is_answered() {
    let s = TestServer::start().await;
    std::fs::create_dir_all(&s.config.data_dir).unwrap();
    std::fs::write(s.config.data_dir.join("t.csv"), "a,b\n1,2\n3,4\n").unwrap();
    let spec: Value = serde_json::from_str(qix_protocol::spec::OPENRPC_JSON).unwrap();
    let mut missing = vec![];
    let mut refused = vec![];
    for (n, m) in spec["methods"].as_array().unwrap().iter().enumerate() {
        let full = m["name"].as_str().unwrap();
        let (class, method) = full.split_once('.').unwrap();
        if !SERVED.contains(&class) || method == "ShutdownProcess" {
            continue;
        }
        let mut f = fixture(&s, n).await;
        let params = params_for(class, method, m, &mut f).await;
        let h = f.handles[class].as_i64().unwrap();
        let r = f.client.call(h, method, params.clone()).await;
        match r["error"]["code"].as_i64() {
            Some(-32601) => missing.push(full.to_string()),
            Some(-32602) => refused.push(format!("{full} {params}: {}", r["error"])),
            _ => {}
        }
        f.client.close().await;
    }
    assert!(
        missing.is_empty() && refused.is_empty(),
        "{} methods answer -32601:\n{}\n{} refuse valid params:\n{}",
        missing.len(),
        missing.join("\n"),
        refused.len(),
        refused.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grammar_files_lineage_favourites_and_patches_answer_as_the_engine() {
    let s = TestServer::start().await;
    std::fs::create_dir_all(s.config.data_dir.join("sub")).unwrap();
    std::fs::write(s.config.data_dir.join("t.csv"), "a;b\n1;2\n3;4\n").unwrap();
    std::fs::write(s.config.data_dir.join("inc.qvs"), "LET v = 1;").unwrap();
    let mut f = fixture(&s, 0).await;
    let c = &mut f.client;
    let doc = f.handles["Doc"].as_i64().unwrap();

    // The BNF by name and by the enum's number; the hash names the grammar.
    let by_name = c.ok(-1, "GetBaseBNF", json!(["E"])).await;
    let by_number = c.ok(-1, "GetBaseBNF", json!({"qBnfType": 1})).await;
    assert_eq!(by_name, by_number);
    let defs = by_name["qBnfDefs"].as_array().unwrap();
    assert!(defs
        .iter()
        .any(|d| d["qStr"] == "Sum" && d["qAggrFunc"] == true && d["qFG"] == "AGGR"));
    let script = c.ok(-1, "GetBNF", json!([0])).await;
    let defs = script["qBnfDefs"].as_array().unwrap();
    assert!(defs
        .iter()
        .any(|d| d["qStr"] == "Load" && d["qScriptStatement"] == true));
    assert!(defs
        .iter()
        .any(|d| d["qStr"] == "If" && d["qControlStatement"] == true));
    let hash = c.ok(-1, "GetBaseBNFHash", json!(["E"])).await["qBnfHash"].clone();
    assert_eq!(hash, by_name["qBnfHash"]);
    assert_ne!(
        hash,
        c.ok(-1, "GetBaseBNFHash", json!(["S"])).await["qBnfHash"]
    );
    let text = c.ok(-1, "GetBaseBNFString", json!(["E"])).await;
    assert!(text["qBnfStr"].as_str().unwrap().contains("'Sum'"));
    let pages = c.ok(-1, "GetSupportedCodePages", json!([])).await;
    assert_eq!(pages["qCodePages"][0]["qNumber"], 65001);

    // Lineage, fields of an expression, favourites.
    let lineage = c.ok(doc, "GetLineage", json!([])).await;
    assert_eq!(lineage["qLineage"][0]["qDiscriminator"], "INLINE;");
    let fields = c
        .ok(
            doc,
            "GetFieldsFromExpression",
            json!(["Sum(Num) / Count([Dim])"]),
        )
        .await;
    assert_eq!(fields["qFieldNames"], json!(["Num", "Dim"]));
    c.ok(doc, "SetFavoriteVariables", json!([["vX"]])).await;
    assert_eq!(
        c.ok(doc, "GetFavoriteVariables", json!([])).await["qNames"],
        json!(["vX"])
    );
    let props = c.ok(doc, "GetAppProperties", json!([])).await;
    assert!(props["qProp"].get("qFavoriteVariables").is_none());

    // The file browser over lib://data, never outside it.
    let items = c
        .ok(doc, "GetFolderItemsForConnection", json!(["data"]))
        .await;
    assert_eq!(
        items["qFolderItems"][0],
        json!({"qName": "sub", "qType": "FOLDER"})
    );
    let guess = c.ok(doc, "GuessFileType", json!(["data", "t.csv"])).await;
    assert_eq!(guess["qDataFormat"]["qDelimiter"]["qScriptCode"], "';'");
    let tables = c
        .ok(
            doc,
            "GetFileTablesEx",
            json!(["data", "t.csv", guess["qDataFormat"]]),
        )
        .await;
    assert_eq!(tables["qTables"][0]["qName"], "t");
    assert_eq!(tables["qTables"][0]["qFields"][1]["qName"], "b");
    let inc = c
        .ok(doc, "GetIncludeFileContent", json!(["lib://data/inc.qvs"]))
        .await;
    assert_eq!(inc["qContent"], "LET v = 1;");
    let out = c
        .err(doc, "GetIncludeFileContent", json!(["lib://data/../x"]))
        .await;
    assert_eq!(out["code"], 3000);

    // Master items take patches; publishing is the edition's.
    let dim = f.handles["GenericDimension"].as_i64().unwrap();
    c.ok(
        dim,
        "ApplyPatches",
        json!([[{"qOp": "replace", "qPath": "/qDim/qFieldLabels", "qValue": "[\"Label\"]"}]]),
    )
    .await;
    let p = c.ok(dim, "GetProperties", json!([])).await;
    assert_eq!(p["qProp"]["qDim"]["qFieldLabels"], json!(["Label"]));
    assert_eq!(c.err(dim, "Publish", json!([])).await["code"], 17);
}
