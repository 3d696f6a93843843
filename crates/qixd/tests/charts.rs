//! The cube methods of particular charts on the wire: zero rows (`qSuppressZero` off, `qShowAll`), tree
//! cubes (`GetHyperCubeTreeData`, `qTreeNodesOnDim`), binned scatter data (`GetHyperCubeBinnedData`),
//! continuous line data (`GetHyperCubeContinuousData`), cyclic master dimensions
//! (`GenericDimension.StepCycle`) and a pivot's `qExpansionState`.

mod common;

use common::{handle, page_texts, Client, TestServer};
use serde_json::{json, Value};

/// Customers (with regions) and their orders; C4 and C5 ordered nothing.
const SCRIPT: &str = "Customers:\nLOAD * INLINE [\nCustomer, Region\nC1, North\nC2, North\nC3, South\nC4, South\nC5, North\n];\nOrders:\nLOAD * INLINE [\nCustomer, Year, Sales\nC1, 2020, 10\nC1, 2021, 5\nC2, 2020, 7\nC3, 2021, 3\nC3, 2021, 1\nC2, 2021, 0\n];";

async fn app(s: &TestServer, identity: &str, script: &str) -> (Client, i64) {
    let mut c = s.connect(&format!("/app/d/identity/{identity}")).await;
    let doc = c.session_app().await;
    c.ok(doc, "SetScript", json!([script])).await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    (c, doc)
}

/// `Sum(Sales)` over the current selections.
async fn sum(c: &mut Client, doc: i64) -> String {
    let r = c.ok(doc, "Evaluate", json!(["Sum(Sales)"])).await;
    r["qReturn"].as_str().unwrap_or_default().to_string()
}

async fn layout(c: &mut Client, h: i64) -> Value {
    c.ok(h, "GetLayout", json!([])).await["qLayout"].clone()
}

fn cube(dims: &[&str], measures: &[&str], extra: Value) -> Value {
    let dims: Vec<Value> = dims
        .iter()
        .map(|d| json!({"qDef": {"qFieldDefs": [d], "qSortCriterias": [{"qSortByAscii": 1}]}}))
        .collect();
    let ms: Vec<Value> = measures
        .iter()
        .map(|m| json!({"qDef": {"qDef": m}}))
        .collect();
    let width = dims.len() + ms.len();
    let mut def = json!({"qDimensions": dims, "qMeasures": ms,
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": width, "qHeight": 1000}]});
    if let (Value::Object(d), Value::Object(e)) = (&mut def, extra) {
        d.extend(e);
    }
    json!([{"qInfo": {"qType": "chart"}, "qHyperCubeDef": def}])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_zero_values_shows_customers_without_orders() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "zero", SCRIPT).await;
    let shown = cube(
        &["Customer"],
        &["Sum(Sales)"],
        json!({"qSuppressZero": false}),
    );
    let h = handle(&c.ok(doc, "CreateSessionObject", shown).await);
    let l = layout(&mut c, h).await;
    assert_eq!(
        page_texts(&l),
        vec![
            vec!["C1", "15"],
            vec!["C2", "7"],
            vec!["C3", "4"],
            vec!["C4", "0"],
            vec!["C5", "0"]
        ],
        "{l}"
    );
    assert_eq!(l["qHyperCube"]["qGrandTotalRow"][0]["qNum"], 26.0);
    let hidden = cube(
        &["Customer"],
        &["Sum(Sales)"],
        json!({"qSuppressZero": true}),
    );
    let h2 = handle(&c.ok(doc, "CreateSessionObject", hidden).await);
    assert_eq!(page_texts(&layout(&mut c, h2).await).len(), 3);

    // Under a selection only the possible customers; with qShowAll on the dimension, all of them, the
    // excluded ones with state X and 0.
    c.ok(doc, "GetField", json!(["Region"])).await;
    let region = handle(&c.ok(doc, "GetField", json!(["Region"])).await);
    c.ok(region, "SelectValues", json!([[{"qText": "South"}]]))
        .await;
    assert_eq!(
        page_texts(&layout(&mut c, h).await),
        vec![vec!["C3", "4"], vec!["C4", "0"]]
    );
    let mut all = cube(&["Customer"], &["Sum(Sales)"], json!({}));
    all[0]["qHyperCubeDef"]["qDimensions"][0]["qShowAll"] = json!(true);
    let h3 = handle(&c.ok(doc, "CreateSessionObject", all).await);
    let l = layout(&mut c, h3).await;
    let rows = page_texts(&l);
    assert_eq!(rows.len(), 5, "{l}");
    let c1 = &l["qHyperCube"]["qDataPages"][0]["qMatrix"][0];
    assert_eq!(
        (c1[0]["qText"].as_str(), c1[0]["qState"].as_str()),
        (Some("C1"), Some("X"))
    );
    assert_eq!(c1[1]["qText"], "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_cube_answers_nodes_per_level_with_their_own_measures() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "tree", SCRIPT).await;
    let props = cube(
        &["Region", "Customer"],
        &["Sum(Sales)", "Count(Sales)"],
        json!({"qMode": "T", "qSuppressZero": true}),
    );
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let l = layout(&mut c, h).await;
    assert_eq!(l["qHyperCube"]["qMode"], "T");
    assert_eq!(l["qHyperCube"]["qTreeNodesOnDim"], json!([2, 3]), "{l}");

    let r = c
        .ok(
            h,
            "GetHyperCubeTreeData",
            json!({"qPath": "/qHyperCubeDef"}),
        )
        .await;
    let root = &r["qNodes"][0];
    assert_eq!(root["qType"], "R");
    assert_eq!(root["qValues"][0]["qValue"], 26.0);
    assert_eq!(root["qValues"][1]["qValue"], 6.0);
    assert_eq!(root["qGroupSize"], 2);
    let north = &root["qNodes"][0];
    assert_eq!(north["qText"], "North");
    assert_eq!(north["qValues"][0]["qValue"], 22.0);
    assert_eq!(north["qGroupSize"], 2);
    let names: Vec<&str> = north["qNodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["qText"].as_str())
        .collect();
    assert_eq!(names, vec!["C1", "C2"]);
    let c2 = &north["qNodes"][1];
    assert_eq!(c2["qValues"][0]["qValue"], 7.0);
    assert_eq!(c2["qTreePath"], json!([0]));
    assert_eq!(c2["qGroupPos"], 1);
    let south = &root["qNodes"][1];
    assert_eq!(
        (
            south["qText"].as_str(),
            south["qValues"][1]["qValue"].as_f64()
        ),
        (Some("South"), Some(2.0))
    );

    // One level only, and a node limit.
    let top = c
        .ok(
            h,
            "GetHyperCubeTreeData",
            json!(["/qHyperCubeDef", {"qTreeLevels": {"qLeft": 0, "qDepth": 1}}]),
        )
        .await;
    assert_eq!(top["qNodes"][0]["qNodes"][0]["qNodes"], json!([]));
    let capped = c
        .ok(
            h,
            "GetHyperCubeTreeData",
            json!(["/qHyperCubeDef", {"qMaxNbrOfNodes": 3}]),
        )
        .await;
    assert_eq!(capped["qNodes"][0]["qNodes"], json!([]));
}

/// 2,000 points on a 100 × 20 lattice: x = i mod 100, y = floor(i / 100).
const POINTS: &str = "P:\nLOAD RecNo() as Id, Mod(RecNo() - 1, 100) as X, Div(RecNo() - 1, 100) as Y AutoGenerate 2000;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binned_data_counts_points_per_cell_or_returns_the_points() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "binned", POINTS).await;
    let props = cube(&["Id"], &["Sum(X)", "Sum(Y)"], json!({}));
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let pages = json!([{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 2000}]);
    // The whole range (x 0..=100, y 0..=20) on a 2 × 2 grid (level 1): 1,000 points per half in x.
    let range = json!([{"qLeft": 0, "qTop": 20, "qWidth": 100, "qHeight": 20}]);
    let r = c
        .ok(
            h,
            "GetHyperCubeBinnedData",
            json!(["/qHyperCubeDef", pages, {"qWidth": 0, "qHeight": 0}, range, 1000, 1, 0]),
        )
        .await;
    let grid = r["qDataPages"][0]["qMatrix"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(grid.len(), 5, "the densest count, then four cells: {r}");
    let counts: Vec<f64> = grid[1..]
        .iter()
        .filter_map(|row| row[0]["qNum"].as_f64())
        .collect();
    assert_eq!(counts.iter().sum::<f64>(), 2000.0);
    // Top half: y in [10, 20] — rows 10..19 (1,000 points), split 50/50 in x; y 10 falls in the top.
    assert_eq!(counts, vec![500.0, 500.0, 500.0, 500.0]);
    assert_eq!(grid[0][0]["qNum"], 500.0);
    let rect: Vec<f64> =
        serde_json::from_str(grid[1][0]["qText"].as_str().unwrap_or("[]")).unwrap_or_default();
    assert_eq!(rect, vec![0.0, 20.0, 50.0, 10.0]);

    // Zoomed in to x 0..=9, y 0..=0: ten points, fewer than the cells: the points themselves.
    let small = json!([{"qLeft": 0, "qTop": 0, "qWidth": 9, "qHeight": 0}]);
    let r = c
        .ok(
            h,
            "GetHyperCubeBinnedData",
            json!(["/qHyperCubeDef", pages, {"qWidth": 0, "qHeight": 0}, small, 1000, 5, 0]),
        )
        .await;
    assert_eq!(r["qDataPages"][0]["qMatrix"], json!([]));
    let points = r["qDataPages"][1]["qMatrix"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(points.len(), 10, "{r}");
    assert!(points
        .iter()
        .all(|p| p[2]["qNum"] == 0.0 && p[1]["qNum"].as_f64() < Some(10.0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuous_data_is_the_range_reduced_with_ticks() {
    let s = TestServer::start().await;
    let script =
        "T:\nLOAD RecNo() as X, If(RecNo() = 500, 1000, Mod(RecNo(), 7)) as V AutoGenerate 1000;";
    let (mut c, doc) = app(&s, "continuous", script).await;
    let mut props = cube(&["X"], &["Sum(V)"], json!({}));
    props[0]["qHyperCubeDef"]["qDimensions"][0]["qDef"]["qSortCriterias"] =
        json!([{"qSortByNumeric": 1}]);
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let opts = json!({"qStart": 101, "qEnd": 900, "qNbrPoints": 100, "qMaxNbrTicks": 8, "qMaxNumberLines": -1});
    let r = c
        .ok(
            h,
            "GetHyperCubeContinuousData",
            json!(["/qHyperCubeDef", opts, false]),
        )
        .await;
    let rows = r["qDataPages"][0]["qMatrix"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(rows.len() <= 100 && rows.len() >= 50, "{} rows", rows.len());
    let xs: Vec<f64> = rows
        .iter()
        .filter_map(|row| row[0]["qNum"].as_f64())
        .collect();
    assert!(xs.iter().all(|x| (101.0..=900.0).contains(x)));
    assert!(xs.windows(2).all(|w| w[0] < w[1]), "in the cube's order");
    assert!(
        rows.iter().any(|row| row[1]["qNum"] == 1000.0),
        "the peak survives"
    );
    let ticks = r["qAxisData"]["qAxis"][0]["qTicks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(r["qAxisData"]["qAxis"][0]["qName"], "X");
    assert_eq!(
        ticks.first().map(|t| t["qStart"].clone()),
        Some(json!(100.0))
    );
    assert!(ticks.len() <= 9 && ticks.len() >= 4, "{ticks:?}");
    // Everything, fewer rows than points: unreduced.
    let all = json!({"qStart": 1, "qEnd": 10, "qNbrPoints": 100, "qMaxNbrTicks": 2});
    let r = c
        .ok(
            h,
            "GetHyperCubeContinuousData",
            json!(["/qHyperCubeDef", all]),
        )
        .await;
    assert_eq!(
        r["qDataPages"][0]["qMatrix"].as_array().map(Vec::len),
        Some(10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cyclic_master_dimension_steps_for_every_chart() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "cycle", SCRIPT).await;
    let master = json!({"qInfo": {"qType": "dimension"}, "qDim": {"qGrouping": "C",
        "qFieldDefs": ["Region", "Customer", "Year"], "qFieldLabels": ["", "", ""]}});
    let dim = handle(&c.ok(doc, "CreateDimension", json!([master])).await);
    let info = c.ok(dim, "GetInfo", json!([])).await;
    let id = info["qInfo"]["qId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let props = json!([{"qInfo": {"qType": "chart"}, "qHyperCubeDef": {
        "qDimensions": [{"qLibraryId": id, "qDef": {"qSortCriterias": [{"qSortByAscii": 1}]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Sales)"}}],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 50}]}}]);
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    assert_eq!(c.ok(dim, "GetActiveField", json!([])).await["qReturn"], 0);
    assert_eq!(page_texts(&layout(&mut c, h).await)[0][0], "North");
    c.ok(dim, "StepCycle", json!([1])).await;
    assert_eq!(c.ok(dim, "GetActiveField", json!([])).await["qReturn"], 1);
    assert_eq!(page_texts(&layout(&mut c, h).await)[0][0], "C1");
    c.ok(dim, "StepCycle", json!([-2])).await;
    assert_eq!(c.ok(dim, "GetActiveField", json!([])).await["qReturn"], 2);
    c.ok(dim, "SetActiveField", json!([0])).await;
    assert_eq!(page_texts(&layout(&mut c, h).await)[0][0], "North");
    let bad = c.err(dim, "SetActiveField", json!([3])).await;
    assert_eq!(bad["code"], -32602);
    // Not a cyclic dimension: nothing moves.
    let plain = json!({"qInfo": {"qType": "dimension"}, "qDim": {"qGrouping": "N", "qFieldDefs": ["Region"]}});
    let p = handle(&c.ok(doc, "CreateDimension", json!([plain])).await);
    c.ok(p, "StepCycle", json!([1])).await;
    assert_eq!(c.ok(p, "GetActiveField", json!([])).await["qReturn"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pivot_starts_with_the_nodes_its_expansion_state_names() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "expansion", SCRIPT).await;
    let region = handle(&c.ok(doc, "GetField", json!(["Region"])).await);
    let _ = region;
    // Element numbers of Region: North 0, South 1 (load order).
    let props = cube(
        &["Region", "Customer"],
        &["Sum(Sales)"],
        json!({"qMode": "P", "qNoOfLeftDims": 2, "qSuppressZero": true,
               "qExpansionState": [{"qExcludeList": false, "qPos": {"qDimName": "Region", "qElemNo": [1]}}],
               "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 50}]}),
    );
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let l = layout(&mut c, h).await;
    let left = &l["qHyperCube"]["qPivotDataPages"][0]["qLeft"];
    let north = &left[0];
    let south = &left[1];
    assert_eq!(north["qText"], "North");
    assert_eq!(north["qSubNodes"], json!([]), "collapsed: {l}");
    assert_eq!(south["qText"], "South");
    let kids: Vec<&str> = south["qSubNodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["qText"].as_str())
        .collect();
    assert_eq!(kids, vec!["C3"], "expanded by the properties");
    // The session's own expansion then starts from it.
    c.ok(h, "ExpandLeft", json!(["/qHyperCubeDef", 0, 0, false]))
        .await;
    let l = layout(&mut c, h).await;
    let left = &l["qHyperCube"]["qPivotDataPages"][0]["qLeft"];
    assert_eq!(
        left[0]["qSubNodes"].as_array().map(Vec::len),
        Some(2),
        "{l}"
    );
    assert_eq!(left[1]["qSubNodes"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_object_search_narrows_the_list_and_accepting_selects() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "listsearch", SCRIPT).await;
    let props = json!([{"qInfo": {"qType": "listbox"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": ["Customer"], "qSortCriterias": [{"qSortByAscii": 1}]},
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 50}]}}]);
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let texts = |l: &Value| -> Vec<String> {
        l["qListObject"]["qDataPages"][0]["qMatrix"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r[0]["qText"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(texts(&layout(&mut c, h).await).len(), 5);
    let r = c
        .ok(h, "SearchListObjectFor", json!(["/qListObjectDef", "C*3"]))
        .await;
    assert_eq!(r["qSuccess"], true);
    let l = layout(&mut c, h).await;
    assert_eq!(texts(&l), vec!["C3"]);
    assert_eq!(l["qListObject"]["qSize"]["qcy"], 1);
    let data = c
        .ok(
            h,
            "GetListObjectData",
            json!(["/qListObjectDef", [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 10}]]),
        )
        .await;
    assert_eq!(
        data["qDataPages"][0]["qMatrix"].as_array().map(Vec::len),
        Some(1)
    );
    // Abort: the whole list again, nothing selected.
    c.ok(h, "AbortListObjectSearch", json!(["/qListObjectDef"]))
        .await;
    assert_eq!(texts(&layout(&mut c, h).await).len(), 5);
    // Search "C", then narrow to "C1", accept: C1 is selected; with toggle mode C2 joins it.
    c.ok(h, "SearchListObjectFor", json!(["/qListObjectDef", "C1"]))
        .await;
    c.ok(
        h,
        "AcceptListObjectSearch",
        json!(["/qListObjectDef", false]),
    )
    .await;
    let sum = c.ok(doc, "Evaluate", json!(["Sum(Sales)"])).await;
    assert_eq!(sum["qReturn"], "15");
    c.ok(h, "SearchListObjectFor", json!(["/qListObjectDef", "C2"]))
        .await;
    c.ok(
        h,
        "AcceptListObjectSearch",
        json!(["/qListObjectDef", true]),
    )
    .await;
    let sum = c.ok(doc, "Evaluate", json!(["Sum(Sales)"])).await;
    assert_eq!(sum["qReturn"], "22");
    let l = layout(&mut c, h).await;
    assert_eq!(texts(&l).len(), 5, "the search ended");
    let states: Vec<&str> = l["qListObject"]["qDataPages"][0]["qMatrix"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r[0]["qState"].as_str())
        .collect();
    assert_eq!(
        states,
        vec!["S", "S", "A", "A", "A"],
        "the others are alternatives"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_selections_pick_the_rows_whose_measures_or_numbers_are_in_range() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "ranges", SCRIPT).await;
    let props = cube(
        &["Customer"],
        &["Sum(Sales)", "Count(Sales)"],
        json!({"qSuppressZero": true}),
    );
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    // Customers: C1 15 (2 orders), C2 7 (2), C3 4 (2). Sum in [5, 15): C2 only.
    let r = c
        .ok(h, "RangeSelectHyperCubeValues", json!(["/qHyperCubeDef",
            [{"qMeasureIx": 0, "qRange": {"qMin": 5, "qMax": 15, "qMinInclEq": true, "qMaxInclEq": false}}], [0]]))
        .await;
    assert_eq!(r["qSuccess"], true);
    assert_eq!(sum(&mut c, doc).await, "7");
    c.ok(doc, "ClearAll", json!([])).await;
    // Two ranges, AND (Sum >= 4 and Count <= 2: all three), OR mode with a range only C1 meets.
    c.ok(h, "RangeSelectHyperCubeValues", json!(["/qHyperCubeDef",
        [{"qMeasureIx": 0, "qRange": {"qMin": 4, "qMax": 100, "qMinInclEq": true, "qMaxInclEq": true}},
         {"qMeasureIx": 1, "qRange": {"qMin": 0, "qMax": 1, "qMinInclEq": true, "qMaxInclEq": true}}], [0], false]))
        .await;
    assert_eq!(
        sum(&mut c, doc).await,
        "26",
        "no row has Count <= 1: nothing selected"
    );
    c.ok(h, "RangeSelectHyperCubeValues", json!(["/qHyperCubeDef",
        [{"qMeasureIx": 0, "qRange": {"qMin": 10, "qMax": 100, "qMinInclEq": true, "qMaxInclEq": true}},
         {"qMeasureIx": 1, "qRange": {"qMin": 0, "qMax": 1, "qMinInclEq": true, "qMaxInclEq": true}}], [0], true]))
        .await;
    assert_eq!(sum(&mut c, doc).await, "15");
    c.ok(doc, "ClearAll", json!([])).await;
    // Multi: two range sets, their picks together (C1 by Sum >= 10, C3 by Sum <= 4).
    c.ok(h, "MultiRangeSelectHyperCubeValues", json!(["/qHyperCubeDef", [
        {"qRanges": [{"qMeasureIx": 0, "qRange": {"qMin": 10, "qMax": 100, "qMinInclEq": true, "qMaxInclEq": true}}], "qColumnsToSelect": [0]},
        {"qRanges": [{"qMeasureIx": 0, "qRange": {"qMin": 0, "qMax": 4, "qMinInclEq": true, "qMaxInclEq": true}}], "qColumnsToSelect": [0]}
    ]])).await;
    assert_eq!(sum(&mut c, doc).await, "19");
    c.ok(doc, "ClearAll", json!([])).await;

    // A continuous range on a numeric dimension: Year in [2021, 2021].
    let years = cube(&["Year"], &["Sum(Sales)"], json!({}));
    let y = handle(&c.ok(doc, "CreateSessionObject", years).await);
    c.ok(y, "SelectHyperCubeContinuousRange", json!(["/qHyperCubeDef",
        [{"qDimIx": 0, "qRange": {"qMin": 2020.5, "qMax": 2021, "qMinInclEq": true, "qMaxInclEq": true}}]]))
        .await;
    assert_eq!(sum(&mut c, doc).await, "9");
    c.ok(doc, "ClearAll", json!([])).await;

    // A tree level's nodes by their measure: regions with Sum(Sales) > 10 (North 22; South 4).
    let tree = cube(
        &["Region", "Customer"],
        &["Sum(Sales)"],
        json!({"qMode": "T"}),
    );
    let t = handle(&c.ok(doc, "CreateSessionObject", tree).await);
    let r = c
        .ok(t, "MultiRangeSelectTreeDataValues", json!(["/qHyperCubeDef",
            [{"qDimensionIx": 0, "qMeasureIx": 0, "qRange": {"qMin": 10, "qMax": 1000, "qMinInclEq": false, "qMaxInclEq": true}}]]))
        .await;
    assert_eq!(r["qSuccess"], true);
    assert_eq!(sum(&mut c, doc).await, "22");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmet_calculation_condition_leaves_the_chart_methods_without_data() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "calccond", POINTS).await;
    let cond =
        json!({"qCalcCondition": {"qCond": {"qv": "GetSelectedCount(Id) > 0"}}, "qMode": "T"});
    let h = handle(
        &c.ok(
            doc,
            "CreateSessionObject",
            cube(&["Id"], &["Sum(X)", "Sum(Y)"], cond),
        )
        .await,
    );
    let tree = c
        .ok(h, "GetHyperCubeTreeData", json!(["/qHyperCubeDef"]))
        .await;
    assert_eq!(tree["qNodes"], json!([]));
    let pages = json!([{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 10}]);
    let binned = c
        .ok(
            h,
            "GetHyperCubeBinnedData",
            json!(["/qHyperCubeDef", pages, {}, [], 100, 2, 0]),
        )
        .await;
    assert_eq!(binned["qDataPages"], json!([]));
    let cont = c
        .ok(
            h,
            "GetHyperCubeContinuousData",
            json!(["/qHyperCubeDef", {"qNbrPoints": 10}]),
        )
        .await;
    assert_eq!(cont["qDataPages"], json!([]));
    // Once it holds (Id 1 selected), the tree has that one node under the root.
    let id = handle(&c.ok(doc, "GetField", json!(["Id"])).await);
    c.ok(
        id,
        "SelectValues",
        json!([[{"qText": "1", "qIsNumeric": true, "qNumber": 1}]]),
    )
    .await;
    let tree = c
        .ok(h, "GetHyperCubeTreeData", json!(["/qHyperCubeDef"]))
        .await;
    assert_eq!(
        tree["qNodes"][0]["qNodes"].as_array().map(Vec::len),
        Some(1)
    );
}
