//! Pivot and stacked cubes on the wire (`qMode` `P` / `K`), in the shapes sn-pivot-table and the stacked
//! charts read: the layout's `qPivotDataPages`, `qSize` as rows × columns of the data, the left and top
//! trees with totals and the measure pseudo-dimension, paging with `qUp` / `qDown`, expansion kept per
//! session (and pushed as a change), stacked pages with their extents, and a bad measure failing alone.

mod common;

use common::{handle, Client, TestServer};
use serde_json::{json, Value};

const SCRIPT: &str = "Sales:\nLOAD * INLINE [\nRegion, Year, Sales\nEast, 2020, 10\nEast, 2021, 20\nEast, 2021, 5\nWest, 2020, 30\nWest, 2022, 40\n];";

async fn load(c: &mut Client, doc: i64) {
    c.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
}

fn pivot_props(id: &str, measures: &[&str], extra: Value) -> Value {
    let dims: Vec<Value> = ["Region", "Year"]
        .iter()
        .map(|f| json!({"qDef": {"qFieldDefs": [f]}}))
        .collect();
    let ms: Vec<Value> = measures
        .iter()
        .map(|m| json!({"qDef": {"qDef": m}}))
        .collect();
    let mut def = json!({"qMode": "P", "qDimensions": dims, "qMeasures": ms, "qNoOfLeftDims": 2,
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 10, "qHeight": 50}]});
    for (k, v) in extra.as_object().into_iter().flatten() {
        def[k] = v.clone();
    }
    json!({"qInfo": {"qId": id, "qType": "pivot-table"}, "qHyperCubeDef": def})
}

async fn layout(c: &mut Client, h: i64) -> Value {
    c.ok(h, "GetLayout", json!([])).await["qLayout"]["qHyperCube"].clone()
}

fn texts(nodes: &Value) -> Vec<String> {
    nodes
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| n["qText"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn data(page: &Value) -> Vec<Vec<String>> {
    let rows = page["qData"].as_array().cloned().unwrap_or_default();
    rows.iter().map(texts).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fully_expanded_pivot_has_its_trees_totals_and_cells() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/d/identity/full").await;
    let doc = c.session_app().await;
    load(&mut c, doc).await;
    let mut props = pivot_props(
        "p",
        &["Sum(Sales)", "Avg(Sales)"],
        json!({"qAlwaysFullyExpanded": true}),
    );
    props["qHyperCubeDef"]["qDimensions"][0]["qOtherTotalSpec"] =
        json!({"qTotalMode": "TOTAL_EXPR"});
    let h = handle(&c.ok(doc, "CreateSessionObject", json!([props])).await);
    let hc = layout(&mut c, h).await;
    assert_eq!(hc["qMode"], "P", "{hc}");
    assert_eq!(hc["qNoOfLeftDims"], 2);
    assert_eq!(hc["qEffectiveInterColumnSortOrder"], json!([0, 1, -1]));
    assert_eq!(
        hc["qSize"],
        json!({"qcx": 2, "qcy": 5}),
        "4 value rows and the total"
    );
    assert_eq!(hc["qDataPages"], json!([]));
    let page = &hc["qPivotDataPages"][0];
    assert_eq!(texts(&page["qLeft"]), vec!["East", "West", "Totals"]);
    assert_eq!(texts(&page["qLeft"][0]["qSubNodes"]), vec!["2020", "2021"]);
    assert_eq!(page["qLeft"][2]["qType"], "T");
    assert_eq!(page["qLeft"][2]["qElemNo"], -1);
    assert!(
        page["qLeft"][0].get("qCanCollapse").is_none(),
        "always expanded: nothing collapses"
    );
    assert_eq!(texts(&page["qTop"]), vec!["Sum(Sales)", "Avg(Sales)"]);
    assert_eq!(page["qTop"][1]["qType"], "P");
    assert_eq!(
        data(page),
        vec![
            vec!["10", "10"],
            vec!["25", "12.5"],
            vec!["30", "30"],
            vec!["40", "40"],
            vec!["105", "21"],
        ],
        "the total's average is over the rows, not of the averages"
    );
    assert_eq!(page["qData"][4][0]["qType"], "T");
    assert_eq!(page["qData"][0][0]["qType"], "V");
    assert_eq!(
        page["qArea"],
        json!({"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 5})
    );

    // A page in the middle: the nodes it cuts count the rows outside it.
    let r = c
        .ok(
            h,
            "GetHyperCubePivotData",
            json!(["/qHyperCubeDef", [{"qTop": 1, "qLeft": 1, "qWidth": 1, "qHeight": 2}]]),
        )
        .await;
    let page = &r["qDataPages"][0];
    assert_eq!(texts(&page["qLeft"]), vec!["East", "West"]);
    assert_eq!(
        (
            page["qLeft"][0]["qUp"].clone(),
            page["qLeft"][0]["qDown"].clone()
        ),
        (json!(1), json!(0))
    );
    assert_eq!(
        (
            page["qLeft"][1]["qUp"].clone(),
            page["qLeft"][1]["qDown"].clone()
        ),
        (json!(0), json!(1))
    );
    assert_eq!(texts(&page["qLeft"][0]["qSubNodes"]), vec!["2021"]);
    assert_eq!(texts(&page["qTop"]), vec!["Avg(Sales)"]);
    assert_eq!(data(page), vec![vec!["12.5"], vec!["30"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_expand_and_collapse_per_session_with_a_change_pushed() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/x/identity/a").await;
    let id = a.create_app("pivots").await;
    let doc = a.open_doc(&id).await;
    load(&mut a, doc).await;
    let h = handle(
        &a.ok(
            doc,
            "CreateObject",
            json!([pivot_props("p", &["Sum(Sales)"], json!({}))]),
        )
        .await,
    );
    a.ok(doc, "DoSave", json!([])).await;
    let mut b = s.connect("/app/x/identity/b").await;
    let doc_b = b.open_doc(&id).await;
    let hb = handle(&b.ok(doc_b, "GetObject", json!(["p"])).await);

    // Collapsed at the start: one row per region, showing the region's sum.
    let hc = layout(&mut a, h).await;
    assert_eq!(hc["qSize"], json!({"qcx": 1, "qcy": 2}), "{hc}");
    let page = &hc["qPivotDataPages"][0];
    assert_eq!(page["qLeft"][0]["qCanExpand"], true);
    assert_eq!(page["qLeft"][0]["qSubNodes"], json!([]));
    assert_eq!(
        texts(&page["qTop"]),
        vec!["Sum(Sales)"],
        "one measure, no top dimension: the top shows it"
    );
    assert_eq!(data(page), vec![vec!["35"], vec!["70"]]);

    // Expanding West (row 1, level 0) in session a.
    let r = a
        .call(h, "ExpandLeft", json!(["/qHyperCubeDef", 1, 0, false]))
        .await;
    assert!(r.get("error").is_none(), "{r}");
    let changed = r["change"].as_array().cloned().unwrap_or_default();
    assert!(
        changed.contains(&json!(h)),
        "the object is reported changed: {r}"
    );
    let hc = layout(&mut a, h).await;
    assert_eq!(hc["qSize"]["qcy"], 3);
    let page = &hc["qPivotDataPages"][0];
    let west = &page["qLeft"][1];
    assert_eq!(west["qCanCollapse"], true);
    assert!(west.get("qCanExpand").is_none());
    assert_eq!(texts(&west["qSubNodes"]), vec!["2020", "2022"]);
    assert_eq!(data(page), vec![vec!["35"], vec!["30"], vec!["40"]]);

    // Session b still sees it collapsed.
    assert_eq!(layout(&mut b, hb).await["qSize"]["qcy"], 2);

    // Selections keep the node expanded: it is named by its value, not its row.
    let region = handle(&a.ok(doc, "GetField", json!(["Region"])).await);
    a.ok(region, "SelectValues", json!([[{"qText": "West"}]]))
        .await;
    let hc = layout(&mut a, h).await;
    assert_eq!(
        texts(&hc["qPivotDataPages"][0]["qLeft"][0]["qSubNodes"]),
        vec!["2020", "2022"]
    );
    a.ok(region, "Clear", json!([])).await;

    // Expand all, then collapse one, then collapse all.
    a.ok(h, "ExpandLeft", json!(["/qHyperCubeDef", 0, 0, true]))
        .await;
    assert_eq!(layout(&mut a, h).await["qSize"]["qcy"], 4);
    a.ok(h, "CollapseLeft", json!(["/qHyperCubeDef", 0, 0, false]))
        .await;
    let hc = layout(&mut a, h).await;
    assert_eq!(hc["qSize"]["qcy"], 3);
    assert_eq!(hc["qPivotDataPages"][0]["qLeft"][0]["qCanExpand"], true);
    a.ok(h, "CollapseLeft", json!(["/qHyperCubeDef", 0, 0, true]))
        .await;
    assert_eq!(layout(&mut a, h).await["qSize"]["qcy"], 2);
    // A position naming no node changes nothing.
    a.ok(h, "ExpandLeft", json!(["/qHyperCubeDef", 99, 0, false]))
        .await;
    assert_eq!(layout(&mut a, h).await["qSize"]["qcy"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_dimensions_totals_and_missing_cells() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/d/identity/top").await;
    let doc = c.session_app().await;
    load(&mut c, doc).await;
    let mut props = pivot_props(
        "t",
        &["Sum(Sales)"],
        json!({"qNoOfLeftDims": 1, "qShowTotalsAbove": true}),
    );
    props["qHyperCubeDef"]["qDimensions"][1]["qOtherTotalSpec"] =
        json!({"qTotalMode": "TOTAL_EXPR"});
    props["qHyperCubeDef"]["qDimensions"][1]["qTotalLabel"] = json!({"qv": "All years"});
    let h = handle(&c.ok(doc, "CreateSessionObject", json!([props])).await);
    let hc = layout(&mut c, h).await;
    assert_eq!(hc["qNoOfLeftDims"], 1);
    assert_eq!(hc["qEffectiveInterColumnSortOrder"], json!([0, 1]));
    assert_eq!(hc["qSize"], json!({"qcx": 4, "qcy": 2}));
    let page = &hc["qPivotDataPages"][0];
    assert_eq!(
        texts(&page["qTop"]),
        vec!["All years", "2020", "2021", "2022"],
        "totals above"
    );
    assert_eq!(
        data(page),
        vec![vec!["35", "10", "25", "-"], vec!["70", "30", "-", "40"]]
    );
    assert_eq!(page["qData"][0][3]["qType"], "E", "no East sales in 2022");
    assert_eq!(page["qData"][0][0]["qType"], "T");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_measure_fails_alone_in_a_pivot() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/d/identity/bad").await;
    let doc = c.session_app().await;
    load(&mut c, doc).await;
    let props = pivot_props(
        "b",
        &["Sum(Sales)", "Sum(("],
        json!({"qAlwaysFullyExpanded": true}),
    );
    let h = handle(&c.ok(doc, "CreateSessionObject", json!([props])).await);
    let hc = layout(&mut c, h).await;
    assert!(hc.get("qError").is_none(), "{hc}");
    assert!(hc["qMeasureInfo"][1].get("qError").is_some(), "{hc}");
    let rows = data(&hc["qPivotDataPages"][0]);
    assert_eq!(rows[0], vec!["10", "-"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stacked_pages_nest_the_values_with_their_extents() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/d/identity/stack").await;
    let doc = c.session_app().await;
    load(&mut c, doc).await;
    let mut props = pivot_props("k", &["Sum(Sales) - 22"], json!({"qMode": "K"}));
    props["qHyperCubeDef"]["qInitialDataFetch"] =
        json!([{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 10}]);
    let h = handle(&c.ok(doc, "CreateSessionObject", json!([props])).await);
    let hc = layout(&mut c, h).await;
    assert_eq!(hc["qMode"], "K");
    let root = &hc["qStackedDataPages"][0]["qData"][0];
    assert_eq!(root["qType"], "R", "{hc}");
    assert_eq!(texts(&root["qSubNodes"]), vec!["East", "West"]);
    let east = &root["qSubNodes"][0];
    assert_eq!(texts(&east["qSubNodes"]), vec!["2020", "2021"]);
    // East: 2020 → -12, 2021 → 3.
    assert_eq!(
        (east["qMaxPos"].clone(), east["qMinNeg"].clone()),
        (json!(3.0), json!(-12.0))
    );
    let cell = &east["qSubNodes"][1]["qSubNodes"][0];
    assert_eq!(
        (cell["qType"].clone(), cell["qValue"].clone()),
        (json!("V"), json!(3.0))
    );

    // Paging over the outer values, and the cell bound.
    let r = c
        .ok(
            h,
            "GetHyperCubeStackData",
            json!(["/qHyperCubeDef", [{"qTop": 1, "qLeft": 0, "qWidth": 3, "qHeight": 5}], 100]),
        )
        .await;
    let root = &r["qDataPages"][0]["qData"][0];
    assert_eq!(texts(&root["qSubNodes"]), vec!["West"]);
    assert_eq!(
        (root["qUp"].clone(), root["qDown"].clone()),
        (json!(1), json!(0))
    );
    let r = c
        .ok(
            h,
            "GetHyperCubeStackData",
            json!(["/qHyperCubeDef", [{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 5}], 2]),
        )
        .await;
    let root = &r["qDataPages"][0]["qData"][0];
    assert_eq!(
        texts(&root["qSubNodes"]),
        vec!["East"],
        "two cells: one region"
    );
    assert_eq!(root["qDown"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pivot_cells_select_their_values() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/d/identity/cells").await;
    let doc = c.session_app().await;
    load(&mut c, doc).await;
    let props = pivot_props("p", &["Sum(Sales)"], json!({"qAlwaysFullyExpanded": true}));
    let h = handle(&c.ok(doc, "CreateSessionObject", json!([props])).await);
    let selected = |v: &Value| v["qReturn"].as_str().unwrap_or_default().to_string();
    // Left cell at the first dimension of row 0: East.
    let r = c
        .ok(
            h,
            "SelectPivotCells",
            json!(["/qHyperCubeDef", [{"qType": "L", "qRow": 0, "qCol": 0}]]),
        )
        .await;
    assert_eq!(r["qSuccess"], true);
    let regions = c
        .ok(doc, "Evaluate", json!(["Concat(DISTINCT Region, ',')"]))
        .await;
    assert_eq!(selected(&regions), "East");
    // A data cell selects its row's values: East and its first year (2020); the year level too.
    c.ok(doc, "ClearAll", json!([])).await;
    c.ok(
        h,
        "SelectPivotCells",
        json!(["/qHyperCubeDef", [{"qType": "D", "qRow": 0, "qCol": 0}]]),
    )
    .await;
    let years = c
        .ok(doc, "Evaluate", json!(["Concat(DISTINCT Year, ',')"]))
        .await;
    let regions = c
        .ok(doc, "Evaluate", json!(["Concat(DISTINCT Region, ',')"]))
        .await;
    assert_eq!(
        (selected(&regions), selected(&years)),
        ("East".to_string(), "2020".to_string())
    );
    // Picking the one selected value again with qDeselectOnlyOneSelected clears it.
    c.ok(
        h,
        "SelectPivotCells",
        json!(["/qHyperCubeDef", [{"qType": "L", "qRow": 0, "qCol": 1}], false, true]),
    )
    .await;
    let years = c
        .ok(doc, "Evaluate", json!(["Concat(DISTINCT Year, ',')"]))
        .await;
    assert_eq!(
        selected(&years),
        "2020,2021",
        "East's years, the year cleared"
    );
}
