//! Property conventions on the wire: `qStaticContentUrlDef` laid out as `qStaticContentUrl`, attribute
//! expressions and dimensions of cube columns (`qAttrExps` / `qAttrDims` in the cells, `qAttrExprInfo` /
//! `qAttrDimInfo` in the infos), a measure's `qNumFormat` applied to its cells' texts, `qMiniChart`, and
//! the demo app's master items carrying the defaults `CreateMeasure` fills in.

mod common;

use common::{page_texts, Client, TestServer};
use serde_json::{json, Value};

const SCRIPT: &str = "TableA:\nLOAD * INLINE [\nabcs, numbers, color\na, 1, red\nb, 2, blue\nb, 3, blue\nb, 4, blue\nc, 5, green\n];";

/// A session app with [`SCRIPT`] loaded: the client and the doc handle.
async fn loaded(s: &TestServer) -> (Client, i64) {
    let mut c = s.connect("/app/").await;
    let doc = c.session_app().await;
    c.ok(doc, "SetScript", json!([SCRIPT])).await;
    c.ok(doc, "DoReload", json!([])).await;
    (c, doc)
}

/// The layout of a session object with these properties.
async fn layout_of(c: &mut Client, doc: i64, props: Value) -> Value {
    let h = c.ok(doc, "CreateSessionObject", json!([props])).await["qReturn"]["qHandle"]
        .as_i64()
        .expect("a handle");
    c.ok(h, "GetLayout", json!([])).await["qLayout"].clone()
}

/// A cube on `abcs` (sorted by text) with these measures, all rows and columns fetched.
fn cube(dim: Value, measures: Value) -> Value {
    json!({"qInfo": {"qType": "chart"}, "qHyperCubeDef": {
        "qDimensions": [dim], "qMeasures": measures,
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 5, "qHeight": 10}]}})
}

fn abcs() -> Value {
    json!({"qDef": {"qFieldDefs": ["abcs"], "qSortCriterias": [{"qSortByAscii": 1}]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_content_urls_are_laid_out_as_the_engine_does() {
    let s = TestServer::start().await;
    let (mut c, doc) = loaded(&s).await;
    let layout = layout_of(
        &mut c,
        doc,
        json!({"qInfo": {"qType": "sheet"}, "thumbnail": {"qStaticContentUrlDef": {"qUrl": "/media/Logo/x.png"}},
               "deep": {"inner": {"qStaticContentUrlDef": {}}}}),
    )
    .await;
    assert_eq!(
        layout["thumbnail"],
        json!({"qStaticContentUrl": {"qUrl": "/media/Logo/x.png"}})
    );
    assert_eq!(layout["deep"]["inner"], json!({"qStaticContentUrl": {}}));
    c.ok(
        doc,
        "SetAppProperties",
        json!([{"qThumbnail": {"qStaticContentUrlDef": {"qUrl": "/media/app.png"}}}]),
    )
    .await;
    let app = c.ok(doc, "GetAppLayout", json!([])).await["qLayout"].clone();
    assert_eq!(app["qThumbnail"], json!({"qUrl": "/media/app.png"}));
    let props = c.ok(doc, "GetAppProperties", json!([])).await["qProp"].clone();
    assert_eq!(
        props["qThumbnail"],
        json!({"qStaticContentUrlDef": {"qUrl": "/media/app.png"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_expressions_are_computed_per_row() {
    let s = TestServer::start().await;
    let (mut c, doc) = loaded(&s).await;
    let color = "If(Sum(numbers)>4, RGB(255,0,0), RGB(0,255,0))";
    let mut dim = abcs();
    dim["qAttributeExpressions"] = json!([{"qExpression": "=Count(numbers)", "id": "tip"}]);
    let measure = json!({"qDef": {"qDef": "Sum(numbers)"}, "qSortBy": {"qSortByNumeric": -1},
        "qAttributeExpressions": [{"qExpression": color, "id": "colorByExpression"}, {"qExpression": "Only(color)"}]});
    let layout = layout_of(&mut c, doc, cube(dim, json!([measure]))).await;
    let hc = &layout["qHyperCube"];
    assert_eq!(
        hc["qSize"],
        json!({"qcx": 2, "qcy": 3}),
        "attributes are no columns"
    );
    assert_eq!(
        page_texts(&layout),
        [["a", "1"], ["b", "9"], ["c", "5"]],
        "nor do they sort"
    );
    let m = &hc["qDataPages"][0]["qMatrix"];
    assert_eq!(
        m[1][1]["qAttrExps"]["qValues"],
        json!([{"qText": "RGB(255,0,0)", "qNum": 4294901760.0}, {"qText": "blue", "qNum": "NaN"}])
    );
    assert_eq!(
        m[0][1]["qAttrExps"]["qValues"][0],
        json!({"qText": "RGB(0,255,0)", "qNum": 4278255360.0})
    );
    assert_eq!(
        m[1][0]["qAttrExps"]["qValues"],
        json!([{"qText": "3", "qNum": 3.0}])
    );
    assert!(m[0][0].get("qAttrDims").is_none());
    let info = &hc["qMeasureInfo"][0]["qAttrExprInfo"];
    assert_eq!(info[0]["qFallbackTitle"], color);
    assert_eq!(info[0]["qMin"], 4278255360.0);
    assert_eq!(info[0]["qMax"], 4294901760.0);
    assert_eq!(
        info[0]["id"], "colorByExpression",
        "own properties are kept"
    );
    assert_eq!(info[1]["qMin"], "NaN");
    assert!(info[1].get("qMinText").is_none());
    let dinfo = &hc["qDimensionInfo"][0]["qAttrExprInfo"][0];
    assert_eq!(
        (
            &dinfo["qMin"],
            &dinfo["qMax"],
            &dinfo["qMinText"],
            &dinfo["qNumFormat"]["qType"]
        ),
        (&json!(1.0), &json!(3.0), &json!("1"), &json!("R"))
    );
    assert_eq!(hc["qMeasureInfo"][0]["qAttrDimInfo"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_dimensions_and_bad_attribute_expressions() {
    let s = TestServer::start().await;
    let (mut c, doc) = loaded(&s).await;
    let mut dim = abcs();
    dim["qAttributeDimensions"] = json!([{"qDef": "color", "id": "colorByDim"}]);
    let measure = json!({"qDef": {"qDef": "Sum(numbers)"},
        "qAttributeExpressions": [{"qExpression": "Sum(nosuchfield) +"}, {"qExpression": "Max(numbers)"}]});
    let layout = layout_of(&mut c, doc, cube(dim, json!([measure]))).await;
    let hc = &layout["qHyperCube"];
    assert!(hc.get("qError").is_none(), "{hc}");
    assert_eq!(page_texts(&layout), [["a", "1"], ["b", "9"], ["c", "5"]]);
    let m = &hc["qDataPages"][0]["qMatrix"];
    assert_eq!(
        m[1][0]["qAttrDims"]["qValues"],
        json!([{"qText": "blue", "qElemNo": 1}])
    );
    assert_eq!(
        m[2][1]["qAttrExps"]["qValues"],
        json!([{"qText": "", "qNum": "NaN"}, {"qText": "5", "qNum": 5.0}]),
        "a bad attribute expression is NULL, the others are computed"
    );
    let info = &hc["qDimensionInfo"][0]["qAttrDimInfo"][0];
    assert_eq!(info["qFallbackTitle"], "color");
    assert_eq!(info["qCardinal"], 3);
    assert_eq!(info["id"], "colorByDim");
    // The same cells through GetHyperCubeData.
    let h = c
        .ok(
            doc,
            "CreateSessionObject",
            json!([cube(abcs(), json!([measure]))]),
        )
        .await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let pages = c
        .ok(
            h,
            "GetHyperCubeData",
            json!(["/qHyperCubeDef", [{"qTop": 2, "qLeft": 1, "qWidth": 1, "qHeight": 1}]]),
        )
        .await;
    assert_eq!(
        pages["qDataPages"][0]["qMatrix"][0][0]["qAttrExps"]["qValues"][1]["qNum"],
        5.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_measures_number_format_formats_its_texts() {
    let s = TestServer::start().await;
    let (mut c, doc) = loaded(&s).await;
    let fixed = json!({"qType": "F", "qnDec": 2, "qUseThou": 1, "qFmt": "#,##0.00", "qDec": ".", "qThou": ","});
    let measures = json!([
        {"qDef": {"qDef": "Sum(numbers) * 1000", "qNumFormat": fixed}},
        {"qDef": {"qDef": "Sum(numbers) / 10", "qNumFormat": {"qType": "R", "qFmt": "0.0%"}}},
        {"qDef": {"qDef": "44927 + Sum(numbers)", "qNumFormat": {"qType": "D", "qFmt": "YYYY-MM-DD"}}},
        {"qDef": {"qDef": "Count(numbers)", "qNumFormat": {"qType": "U", "qnDec": 10, "qUseThou": 0}}}
    ]);
    let layout = layout_of(&mut c, doc, cube(abcs(), measures)).await;
    assert_eq!(
        page_texts(&layout),
        [
            ["a", "1,000.00", "10.0%", "2023-01-02", "1"],
            ["b", "9,000.00", "90.0%", "2023-01-10", "3"],
            ["c", "5,000.00", "50.0%", "2023-01-06", "1"]
        ]
    );
    let hc = &layout["qHyperCube"];
    assert_eq!(hc["qDataPages"][0]["qMatrix"][1][1]["qNum"], 9000.0);
    assert_eq!(hc["qGrandTotalRow"][0]["qText"], "15,000.00");
    assert_eq!(hc["qGrandTotalRow"][2]["qText"], "2023-01-16");
    let infos = &hc["qMeasureInfo"];
    assert_eq!(infos[0]["qNumFormat"], fixed, "echoed");
    assert_eq!(infos[0]["qIsAutoFormat"], false);
    assert_eq!(infos[3]["qNumFormat"]["qType"], "I", "U: the engine's pick");
    assert_eq!(infos[3]["qIsAutoFormat"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_apps_master_items_carry_the_defaults() {
    let s = TestServer::start_with(|c| c.demo = true).await;
    let mut c = s.connect("/app/").await;
    let list = c.ok(-1, "GetDocList", json!([])).await["qDocList"].clone();
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["qTitle"] == "qixd demo")
        .expect("demo listed")["qDocId"]
        .clone();
    let doc = c.ok(-1, "OpenDoc", json!([id])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let m = c.ok(doc, "GetMeasure", json!(["m-revenue"])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let props = c.ok(m, "GetProperties", json!([])).await["qProp"].clone();
    assert_eq!(props["qMeasure"]["qExpressions"], json!([]));
    assert_eq!(props["qMeasure"]["qActiveExpression"], 0);
    assert_eq!(
        props["qMeasure"]["qNumFormat"],
        json!({"qType": "U", "qnDec": 10, "qUseThou": 0})
    );
    assert_eq!(props["qMeasure"]["qDef"], "Sum(Amount)", "kept");
    let d = c.ok(doc, "GetDimension", json!(["dim-region"])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let props = c.ok(d, "GetProperties", json!([])).await["qProp"].clone();
    assert_eq!(props["qDim"]["qGrouping"], "N");
    assert_eq!(props["qDim"]["qFieldDefs"], json!(["Region"]));
    let o = c.ok(doc, "GetObject", json!(["orders-table"])).await["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    let props = c.ok(o, "GetProperties", json!([])).await["qProp"].clone();
    assert_eq!(
        props["qHyperCubeDef"]["qMeasures"][0]["qAttributeExpressions"],
        json!([])
    );
    assert_eq!(props["qHyperCubeDef"]["qNoOfLeftDims"], -1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_measures_mini_chart_is_computed_per_row() {
    let s = TestServer::start().await;
    let (mut c, doc) = loaded(&s).await;
    let measures = json!([
        {"qDef": {"qDef": "Sum(numbers)"}, "qMiniChartDef": {"qDef": "numbers", "qMaxNumberPoints": -1}},
        {"qDef": {"qDef": "Count(numbers)"}, "qMiniChartDef": {"qDef": "nosuchfield"}},
        {"qDef": {"qDef": "Max(numbers)"}}
    ]);
    let layout = layout_of(&mut c, doc, cube(abcs(), measures)).await;
    let hc = &layout["qHyperCube"];
    assert_eq!(
        hc["qMeasureInfo"][0]["qMiniChart"],
        json!({"qYMin": 1.0, "qYMax": 5.0, "qXMin": 0, "qXMax": 2, "qAttrExprInfo": []})
    );
    assert_eq!(
        hc["qMeasureInfo"][1]["qMiniChart"]["qError"]["qErrorCode"],
        7005
    );
    assert!(hc["qMeasureInfo"][2].get("qMiniChart").is_none());
    let b = &hc["qDataPages"][0]["qMatrix"][1];
    let points: Vec<(&str, &str)> = b[1]["qMiniChart"]["qMatrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0]["qText"].as_str().unwrap(),
                p[1]["qText"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(points, [("2", "2"), ("3", "3"), ("4", "4")]);
    assert_eq!(b[1]["qMiniChart"]["qMin"], 1.0);
    assert!(b[2].get("qMiniChart").is_none());
    assert!(b[3].get("qMiniChart").is_none());
}
