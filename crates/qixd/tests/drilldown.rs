//! Drill-down dimensions (`qGrouping: "H"`) on the wire: the cube shows the group's first field with more
//! than one possible value, the layout says which (`qGroupPos`, `qGroupFieldDefs`), selecting in the
//! dimension selects in the active field, and `DrillUp` steps back by clearing the levels between.

mod common;

use common::{handle, Client, TestServer};
use serde_json::{json, Value};

const SCRIPT: &str = "T: LOAD * INLINE [\nRegion, City, Store, Sales\n\
    North, Oslo, O1, 1\nNorth, Oslo, O2, 2\nNorth, Bergen, B1, 4\nSouth, Rome, R1, 8\nSouth, Milan, M1, 16\n];";

/// The first dimension's info and its column's texts.
async fn shown(c: &mut Client, obj: i64) -> (Value, Vec<String>) {
    let layout = c.ok(obj, "GetLayout", json!([])).await;
    let hc = &layout["qLayout"]["qHyperCube"];
    let texts = hc["qDataPages"][0]["qMatrix"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r[0]["qText"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (hc["qDimensionInfo"][0].clone(), texts)
}

/// A session app with the script loaded and a cube of `dimension` × Sum(Sales); answers (doc, object).
async fn drill_cube(c: &mut Client, dimension: Value) -> (i64, i64) {
    let doc = c.session_app().await;
    c.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    (doc, cube_on(c, doc, dimension).await)
}

/// A cube of `dimension` (a master one when it has `qDim`) × Sum(Sales) in `doc`.
async fn cube_on(c: &mut Client, doc: i64, dimension: Value) -> i64 {
    let dim = if dimension.get("qDim").is_some() {
        let master = c.ok(doc, "CreateDimension", json!([dimension])).await;
        let id = c.ok(handle(&master), "GetInfo", json!([])).await["qInfo"]["qId"].clone();
        json!({"qLibraryId": id})
    } else {
        dimension
    };
    let obj = handle(
        &c.ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "bar"}, "qHyperCubeDef": {
                "qDimensions": [dim],
                "qMeasures": [{"qDef": {"qDef": "Sum(Sales)"}}],
                "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 20}]}}]),
        )
        .await,
    );
    obj
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_drill_down_follows_the_selections_and_drills_up() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let master = json!({"qInfo": {"qType": "dimension"}, "qDim": {"qGrouping": "H",
        "qFieldDefs": ["Region", "City", "Store"], "qFieldLabels": ["Area", "Town", ""]}});
    let (_, obj) = drill_cube(&mut c, master).await;
    let (info, texts) = shown(&mut c, obj).await;
    assert_eq!(info["qGrouping"], "H");
    assert_eq!(info["qGroupFieldDefs"], json!(["Region", "City", "Store"]));
    assert_eq!(
        info["qGroupFallbackTitles"],
        json!(["Area", "Town", "Store"])
    );
    assert_eq!(info["qGroupPos"], 0);
    assert_eq!(info["qFallbackTitle"], "Area");
    assert_eq!(texts, ["North", "South"]);
    // Selecting a region in the chart drills to its cities.
    c.ok(
        obj,
        "SelectHyperCubeValues",
        json!(["/qHyperCubeDef", 0, [0], false]),
    )
    .await;
    let (info, mut texts) = shown(&mut c, obj).await;
    texts.sort();
    assert_eq!(
        (info["qGroupPos"].clone(), texts),
        (json!(1), vec!["Bergen".to_string(), "Oslo".into()])
    );
    assert_eq!(info["qFallbackTitle"], "Town");
    // The dimension now selects cities: Oslo has two stores.
    let oslo = {
        let layout = c.ok(obj, "GetLayout", json!([])).await;
        let rows = layout["qLayout"]["qHyperCube"]["qDataPages"][0]["qMatrix"].clone();
        rows.as_array()
            .and_then(|r| r.iter().find(|row| row[0]["qText"] == "Oslo"))
            .map(|row| row[0]["qElemNumber"].clone())
            .expect("Oslo")
    };
    c.ok(
        obj,
        "SelectHyperCubeValues",
        json!(["/qHyperCubeDef", 0, [oslo], false]),
    )
    .await;
    let (info, mut texts) = shown(&mut c, obj).await;
    texts.sort();
    assert_eq!(
        (info["qGroupPos"].clone(), texts),
        (json!(2), vec!["O1".to_string(), "O2".into()])
    );
    // One step up clears the city; all the way up clears the region too.
    c.ok(obj, "DrillUp", json!(["/qHyperCubeDef", 0, 1])).await;
    assert_eq!(shown(&mut c, obj).await.0["qGroupPos"], 1);
    c.ok(obj, "DrillUp", json!(["/qHyperCubeDef", 0, 0])).await;
    let (info, texts) = shown(&mut c, obj).await;
    assert_eq!(
        (info["qGroupPos"].clone(), texts),
        (json!(0), vec!["North".to_string(), "South".into()])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_drill_down_and_a_plain_dimension() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let inline = json!({"qDef": {"qGrouping": "H", "qFieldDefs": ["Region", "City"]}});
    let (doc, obj) = drill_cube(&mut c, inline).await;
    let field = handle(&c.ok(doc, "GetField", json!(["Region"])).await);
    c.ok(field, "Select", json!(["South"])).await;
    let (info, mut texts) = shown(&mut c, obj).await;
    texts.sort();
    assert_eq!(info["qGroupPos"], 1);
    assert_eq!(texts, ["Milan", "Rome"]);
    // A plain dimension is no group: it does not drill, DrillUp does nothing.
    let plain = cube_on(&mut c, doc, json!({"qDef": {"qFieldDefs": ["Region"]}})).await;
    let (info, _) = shown(&mut c, plain).await;
    assert_eq!(info["qGrouping"], "N");
    assert_eq!(info["qGroupPos"], 0);
    c.ok(plain, "DrillUp", json!(["/qHyperCubeDef", 0, 1]))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cyclic_dimension_steps_through_its_fields_for_the_session() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let master = json!({"qInfo": {"qType": "dimension"}, "qDim": {"qGrouping": "C",
        "qFieldDefs": ["Region", "City", "Store"]}});
    let (_, obj) = drill_cube(&mut c, master).await;
    let (info, texts) = shown(&mut c, obj).await;
    assert_eq!(
        (info["qIsCyclic"].clone(), info["qGroupPos"].clone()),
        (json!(true), json!(0))
    );
    assert_eq!(texts, ["North", "South"]);
    c.ok(obj, "StepCycle", json!(["/qHyperCubeDef", 0, 1]))
        .await;
    let (info, texts) = shown(&mut c, obj).await;
    assert_eq!(info["qGroupPos"], 1);
    assert_eq!(info["qFallbackTitle"], "City");
    assert_eq!(texts.len(), 4, "{texts:?}");
    // Backwards past the first field wraps to the last; SetActiveField jumps.
    c.ok(obj, "StepCycle", json!(["/qHyperCubeDef", 0, -2]))
        .await;
    assert_eq!(shown(&mut c, obj).await.0["qGroupPos"], 2);
    c.ok(obj, "SetActiveField", json!(["/qHyperCubeDef", 0, 0]))
        .await;
    assert_eq!(shown(&mut c, obj).await.0["qGroupPos"], 0);
    let bad = c
        .err(obj, "SetActiveField", json!(["/qHyperCubeDef", 0, 3]))
        .await;
    assert_eq!(bad["code"], -32602, "{bad}");
    // The stored properties keep their own active field (the default 0): the step is the session's.
    c.ok(obj, "StepCycle", json!(["/qHyperCubeDef", 0, 1]))
        .await;
    let props = c.ok(obj, "GetProperties", json!([])).await;
    let stored = props.pointer("/qProp/qHyperCubeDef/qDimensions/0/qDef/qActiveField");
    assert!(stored.is_none_or(|a| a == 0), "{props}");
}
