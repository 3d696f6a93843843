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
    let doc = c.loaded_session_app(script).await;
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

/// A pivot of `Sum(Sales)` by Region then Customer, both on the left, zero rows suppressed, a first page of
/// 50 rows; `expansion` is its `qExpansionState`, if any.
fn region_pivot(expansion: Option<Value>) -> Value {
    let mut extra = json!({"qMode": "P", "qNoOfLeftDims": 2, "qSuppressZero": true,
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 50}]});
    if let Some(e) = expansion {
        extra["qExpansionState"] = e;
    }
    cube(&["Region", "Customer"], &["Sum(Sales)"], extra)
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

/// The grid page's rows of a binned answer: the densest count, then the cells.
fn grid_rows(r: &Value) -> Vec<Value> {
    let rows = r["qDataPages"][0]["qMatrix"].as_array().cloned();
    rows.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binned_data_counts_points_per_cell_or_returns_the_points() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "binned", POINTS).await;
    let props = cube(&["Id"], &["Sum(X)", "Sum(Y)"], json!({}));
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let pages = json!([{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 2000}]);
    let args = |range: &Value, max: i64, level: i64| json!(["/qHyperCubeDef", pages, {"qWidth": 0, "qHeight": 0}, range, max, level, 0]);
    // The whole range (x 0..=100, y 0..=20) on a 2 × 2 grid (level 0, depth 1): 1,000 points per half
    // in x.
    let range = json!([{"qLeft": 0, "qTop": 20, "qWidth": 100, "qHeight": 20}]);
    let r = c
        .ok(h, "GetHyperCubeBinnedData", args(&range, 1000, 0))
        .await;
    let grid = grid_rows(&r);
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
    // Quadtree node numbers: 4^1 + the Morton code (column bits even, row-from-the-top bits odd).
    let ids: Vec<i64> = grid[1..]
        .iter()
        .filter_map(|row| row[0]["qElemNumber"].as_i64())
        .collect();
    assert_eq!(ids, vec![4, 5, 6, 7]);

    // Level 2 asks for an 8 × 8 grid: 100 × 20 points make 64 cells of points, more than 40 cells, so the
    // grid is coarsened once, to 4 × 4 (16 cells of 125 points, numbered from 4^2).
    let r = c.ok(h, "GetHyperCubeBinnedData", args(&range, 40, 2)).await;
    let grid = grid_rows(&r);
    assert_eq!(grid.len(), 17, "{r}");
    assert!(grid[1..].iter().all(|row| row[0]["qNum"] == 125.0), "{r}");
    assert_eq!(grid[1][0]["qElemNumber"], 16);
    assert_eq!(r["qDataPages"][0]["qArea"]["qWidth"], 3);

    // Zoomed in to x 0..=9, y 0..=0: ten points, fewer than the cells: the points themselves.
    let small = json!([{"qLeft": 0, "qTop": 0, "qWidth": 9, "qHeight": 0}]);
    let r = c
        .ok(h, "GetHyperCubeBinnedData", args(&small, 1000, 5))
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

/// A line chart's cube of `Sum(V)` over `dim`, sorted by number (as on a continuous axis): its handle.
async fn numeric_line(c: &mut Client, doc: i64, dim: &str) -> i64 {
    let mut props = cube(&[dim], &["Sum(V)"], json!({}));
    props[0]["qHyperCubeDef"]["qDimensions"][0]["qDef"]["qSortCriterias"] =
        json!([{"qSortByNumeric": 1}]);
    handle(&c.ok(doc, "CreateSessionObject", props).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuous_data_is_the_range_reduced_with_ticks() {
    let s = TestServer::start().await;
    let script =
        "T:\nLOAD RecNo() as X, If(RecNo() = 500, 1000, Mod(RecNo(), 7)) as V AutoGenerate 1000;";
    let (mut c, doc) = app(&s, "continuous", script).await;
    let h = numeric_line(&mut c, doc, "X").await;
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

/// A cyclic master dimension over Region, Customer and Year, and a chart of `Sum(Sales)` by it: the
/// handles of the dimension and the chart.
async fn cyclic_chart(c: &mut Client, doc: i64) -> (i64, i64) {
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
    (dim, h)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cyclic_master_dimension_steps_for_every_chart() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "cycle", SCRIPT).await;
    let (dim, h) = cyclic_chart(&mut c, doc).await;
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
    let open_south =
        json!([{"qExcludeList": false, "qPos": {"qDimName": "Region", "qElemNo": [1]}}]);
    let props = region_pivot(Some(open_south));
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

/// 12,000 points on a 100 × 120 lattice: x = i mod 100, y = floor(i / 100) — more than a page's cells.
const MANY_POINTS: &str = "P:\nLOAD RecNo() as Id, Mod(RecNo() - 1, 100) as X, Div(RecNo() - 1, 100) as Y AutoGenerate 12000;";

/// The grid page's cells (after the densest count) of a binned answer, as (id, count).
fn bins(r: &Value) -> Vec<(i64, f64)> {
    let rows = r["qDataPages"][0]["qMatrix"].as_array().cloned();
    rows.unwrap_or_default()
        .iter()
        .skip(1)
        .filter_map(|row| Some((row[0]["qElemNumber"].as_i64()?, row[0]["qNum"].as_f64()?)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binned_data_of_a_cube_bigger_than_a_page_gets_bins_and_bounded_points() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "binned-big", MANY_POINTS).await;
    let props = cube(&["Id"], &["Sum(X)", "Sum(Y)"], json!({}));
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    // The whole cube, as sn-scatter-plot asks: 3 × 12,000 = 36,000 cells, over the page limit.
    let pages = json!([{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 12000}]);
    let whole = json!([{"qLeft": 0, "qTop": 119, "qWidth": 99, "qHeight": 119}]);
    let call = |range: &Value, max: i64, level: i64| json!(["/qHyperCubeDef", pages, {"qWidth": 0, "qHeight": 0}, range, max, level, 0]);
    let r = c
        .ok(h, "GetHyperCubeBinnedData", call(&whole, 1000, 0))
        .await;
    // 2 × 2 (level 0, depth 1): x 0..49 | 50..99, y 60..119 on top, 0..59 below: 50 × 60 points each.
    assert_eq!(
        bins(&r),
        vec![(4, 3000.0), (5, 3000.0), (6, 3000.0), (7, 3000.0)],
        "{r}"
    );
    assert_eq!(r["qDataPages"][0]["qMatrix"][0][0]["qNum"], 3000.0);

    // A huge qMaxNbrCells and query level: capped at the page cells (10,000) and level 20. At depth 21
    // and down to depth 7 every point is a cell of its own (12,000 of them); at depth 6 the grid is 64 ×
    // 64, every cell hit. Counted sparsely.
    let big = call(&whole, 1_000_000_000_000_000, 1000);
    let r = c.ok(h, "GetHyperCubeBinnedData", big).await;
    let cells = bins(&r);
    assert_eq!(cells.len(), 64 * 64);
    assert_eq!(cells.iter().map(|(_, n)| n).sum::<f64>(), 12000.0);
    assert!(cells.iter().all(|(id, _)| (4096..8192).contains(id)));

    // Zoomed to y 0..39 (4,000 points, fewer than qMaxNbrCells): the points, cut to the rows that fit
    // 10,000 cells of 3 columns.
    let zoom = json!([{"qLeft": 0, "qTop": 39, "qWidth": 99, "qHeight": 39}]);
    for max in [5000, 0] {
        let r = c.ok(h, "GetHyperCubeBinnedData", call(&zoom, max, 3)).await;
        let points = r["qDataPages"][1]["qMatrix"].as_array().cloned();
        let points = points.unwrap_or_default();
        assert_eq!(points.len(), 3333, "qMaxNbrCells {max}");
        assert_eq!(r["qDataPages"][1]["qArea"]["qHeight"], 3333);
        assert!(points.iter().all(|p| p[2]["qNum"].as_f64() <= Some(39.0)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuous_data_is_bounded_by_the_page_cells_and_the_tick_cap() {
    let s = TestServer::start().await;
    let script = "T:\nLOAD RecNo() as X, Mod(RecNo(), 7) as V AutoGenerate 12000;";
    let (mut c, doc) = app(&s, "continuous-big", script).await;
    let mut props = cube(&["X"], &["Sum(V)"], json!({}));
    props[0]["qHyperCubeDef"]["qDimensions"][0]["qDef"]["qSortCriterias"] =
        json!([{"qSortByNumeric": 1}]);
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    // Unreduced (qNbrPoints 0 or -1): 12,000 rows × 2 columns, over the 10,000 cells.
    for points in [0, -1] {
        let opts = json!({"qNbrPoints": points, "qMaxNbrTicks": 5});
        let e = c
            .err(
                h,
                "GetHyperCubeContinuousData",
                json!(["/qHyperCubeDef", opts]),
            )
            .await;
        assert_eq!(e["code"], 7009, "qNbrPoints {points}: {e}");
    }
    let opts = json!({"qNbrPoints": 1000, "qMaxNbrTicks": 5});
    let r = c
        .ok(
            h,
            "GetHyperCubeContinuousData",
            json!(["/qHyperCubeDef", opts]),
        )
        .await;
    let rows = r["qDataPages"][0]["qMatrix"].as_array().map_or(0, Vec::len);
    assert!((500..=1000).contains(&rows), "{rows} rows");
    // 10^12 ticks over a range narrower than a millionth: capped, and the call ends.
    let opts = json!({"qStart": 1, "qEnd": 1.000000001, "qNbrPoints": 10,
        "qMaxNbrTicks": 1_000_000_000_000i64});
    let r = c
        .ok(
            h,
            "GetHyperCubeContinuousData",
            json!(["/qHyperCubeDef", opts]),
        )
        .await;
    let ticks = r["qAxisData"]["qAxis"][0]["qTicks"]
        .as_array()
        .map_or(0, Vec::len);
    assert!((1..=1001).contains(&ticks), "{ticks} ticks");
    assert_eq!(r["qDataPages"][0]["qMatrix"][0][0]["qNum"], 1.0);
    // The session is intact.
    assert_eq!(
        c.ok(doc, "Evaluate", json!(["Count(X)"])).await["qReturn"],
        "12000"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_data_of_more_nodes_than_the_page_cells_is_refused_unless_narrowed() {
    let s = TestServer::start().await;
    let script = "T:\nLOAD RecNo() as Id, 1 as V AutoGenerate 12000;";
    let (mut c, doc) = app(&s, "tree-big", script).await;
    let props = cube(&["Id"], &["Sum(V)"], json!({"qMode": "T"}));
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    for opts in [
        json!({}),
        json!({"qMaxNbrOfNodes": 0}),
        json!({"qMaxNbrOfNodes": 20000}),
    ] {
        let e = c
            .err(h, "GetHyperCubeTreeData", json!(["/qHyperCubeDef", opts]))
            .await;
        assert_eq!(e["code"], 7009, "{opts}: {e}");
    }
    let e = c
        .err(h, "GetHyperCubeTreeData", json!(["/qHyperCubeDef"]))
        .await;
    assert_eq!(e["code"], 7009);
    // Over its own qMaxNbrOfNodes: no nodes (as before); narrowed to 50 nodes: those.
    let capped = json!({"qMaxNbrOfNodes": 100});
    let r = c
        .ok(h, "GetHyperCubeTreeData", json!(["/qHyperCubeDef", capped]))
        .await;
    assert_eq!(r["qNodes"][0]["qNodes"], json!([]));
    let area =
        json!({"qTreeNodes": [{"qArea": {"qLeft": 0, "qTop": 10, "qWidth": 1, "qHeight": 50}}]});
    let r = c
        .ok(h, "GetHyperCubeTreeData", json!(["/qHyperCubeDef", area]))
        .await;
    let nodes = r["qNodes"][0]["qNodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), 50);
    assert_eq!(nodes[0]["qRow"], 10);
    assert_eq!(nodes[0]["qValues"][0]["qValue"], 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collapsing_the_node_the_expansion_state_opened_stays_collapsed() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "collapse", SCRIPT).await;
    let open_south =
        json!([{"qExcludeList": false, "qPos": {"qDimName": "Region", "qElemNo": [1]}}]);
    let props = region_pivot(Some(open_south));
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let subnodes = |l: &Value, i: usize| {
        l["qHyperCube"]["qPivotDataPages"][0]["qLeft"][i]["qSubNodes"]
            .as_array()
            .map(Vec::len)
    };
    let l = layout(&mut c, h).await;
    assert_eq!(
        (subnodes(&l, 0), subnodes(&l, 1)),
        (Some(0), Some(1)),
        "{l}"
    );
    // South (data row 1, left level 0) collapsed: nothing is expanded any more, and it stays so.
    c.ok(h, "CollapseLeft", json!(["/qHyperCubeDef", 1, 0, false]))
        .await;
    for _ in 0..2 {
        let l = layout(&mut c, h).await;
        let left = &l["qHyperCube"]["qPivotDataPages"][0]["qLeft"];
        assert_eq!(left[1]["qText"], "South");
        assert_eq!(
            (subnodes(&l, 0), subnodes(&l, 1)),
            (Some(0), Some(0)),
            "{l}"
        );
    }
    let data = c
        .ok(
            h,
            "GetHyperCubePivotData",
            json!(["/qHyperCubeDef",
            [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 50}]]),
        )
        .await;
    assert_eq!(
        data["qDataPages"][0]["qLeft"][1]["qSubNodes"],
        json!([]),
        "{data}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selections_that_match_nothing_keep_the_prior_selection() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "nomatch", SCRIPT).await;
    let customer = handle(&c.ok(doc, "GetField", json!(["Customer"])).await);
    c.ok(customer, "SelectValues", json!([[{"qText": "C1"}]]))
        .await;
    assert_eq!(sum(&mut c, doc).await, "15");
    let props = cube(&["Customer"], &["Sum(Sales)"], json!({}));
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let far = json!({"qMin": 1000, "qMax": 2000, "qMinInclEq": true, "qMaxInclEq": true});
    let r = c
        .ok(
            h,
            "RangeSelectHyperCubeValues",
            json!(["/qHyperCubeDef",
            [{"qMeasureIx": 0, "qRange": far}], [0]]),
        )
        .await;
    assert_eq!(r["qSuccess"], false, "{r}");
    assert_eq!(sum(&mut c, doc).await, "15", "C1 still selected");
    let r = c
        .ok(
            h,
            "MultiRangeSelectHyperCubeValues",
            json!(["/qHyperCubeDef",
            [{"qRanges": [{"qMeasureIx": 0, "qRange": far}], "qColumnsToSelect": [0]}]]),
        )
        .await;
    assert_eq!(r["qSuccess"], false);
    assert_eq!(sum(&mut c, doc).await, "15");

    // A list search matching nothing, accepted: nothing selected, the search ends.
    let list = json!([{"qInfo": {"qType": "listbox"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": ["Customer"]},
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 50}]}}]);
    let l = handle(&c.ok(doc, "CreateSessionObject", list).await);
    c.ok(l, "SearchListObjectFor", json!(["/qListObjectDef", "Z*"]))
        .await;
    let r = c
        .ok(
            l,
            "AcceptListObjectSearch",
            json!(["/qListObjectDef", false]),
        )
        .await;
    assert_eq!(r["qSuccess"], false);
    assert_eq!(sum(&mut c, doc).await, "15");
    let lay = layout(&mut c, l).await;
    assert_eq!(lay["qListObject"]["qSize"]["qcy"], 5, "the search ended");
    // A search that matches: selected, qSuccess true.
    c.ok(l, "SearchListObjectFor", json!(["/qListObjectDef", "C3"]))
        .await;
    let r = c
        .ok(
            l,
            "AcceptListObjectSearch",
            json!(["/qListObjectDef", false]),
        )
        .await;
    assert_eq!(r["qSuccess"], true);
    assert_eq!(sum(&mut c, doc).await, "4");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_columns_to_select_selects_every_dimension() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "allcols", SCRIPT).await;
    let props = cube(
        &["Customer", "Year"],
        &["Sum(Sales)"],
        json!({"qSuppressZero": true}),
    );
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    // Sum(Sales) = 10: only the row C1 / 2020; both its values are selected.
    let ten = json!({"qMin": 10, "qMax": 10, "qMinInclEq": true, "qMaxInclEq": true});
    let r = c
        .ok(
            h,
            "RangeSelectHyperCubeValues",
            json!(["/qHyperCubeDef",
            [{"qMeasureIx": 0, "qRange": ten}], []]),
        )
        .await;
    assert_eq!(r["qSuccess"], true);
    let picked = |f: &str| format!("GetFieldSelections({f})");
    let customer = c.ok(doc, "Evaluate", json!([picked("Customer")])).await;
    let year = c.ok(doc, "Evaluate", json!([picked("Year")])).await;
    assert_eq!(
        (customer["qReturn"].as_str(), year["qReturn"].as_str()),
        (Some("C1"), Some("2020"))
    );
    assert_eq!(sum(&mut c, doc).await, "10");
    // Absent too: every dimension (C2 in 2020 has 7).
    c.ok(doc, "ClearAll", json!([])).await;
    let seven = json!({"qMin": 7, "qMax": 7, "qMinInclEq": true, "qMaxInclEq": true});
    c.ok(
        h,
        "MultiRangeSelectHyperCubeValues",
        json!(["/qHyperCubeDef",
        [{"qRanges": [{"qMeasureIx": 0, "qRange": seven}]}]]),
    )
    .await;
    let year = c.ok(doc, "Evaluate", json!([picked("Year")])).await;
    assert_eq!(year["qReturn"], "2020");
    assert_eq!(sum(&mut c, doc).await, "7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chart_steps_its_cyclic_master_dimension_back_to_the_first_field() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "cycle0", SCRIPT).await;
    let (dim, h) = cyclic_chart(&mut c, doc).await;
    // The master on Year: the chart follows.
    c.ok(dim, "SetActiveField", json!([2])).await;
    assert_eq!(page_texts(&layout(&mut c, h).await)[0][0], "2020");
    // The chart steps on its own, from Year past the end to Region (field 0): it shows Region while the
    // master stays on Year.
    c.ok(h, "StepCycle", json!(["/qHyperCubeDef", 0, 1])).await;
    assert_eq!(page_texts(&layout(&mut c, h).await)[0][0], "North");
    assert_eq!(c.ok(dim, "GetActiveField", json!([])).await["qReturn"], 2);
    // And SetActiveField 0 on the chart sticks too, after a step away.
    c.ok(h, "StepCycle", json!(["/qHyperCubeDef", 0, 1])).await;
    assert_eq!(page_texts(&layout(&mut c, h).await)[0][0], "C1");
    c.ok(h, "SetActiveField", json!(["/qHyperCubeDef", 0, 0]))
        .await;
    assert_eq!(page_texts(&layout(&mut c, h).await)[0][0], "North");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_keeps_the_children_of_a_parent_whose_measure_nets_to_zero() {
    let s = TestServer::start().await;
    let script = "T:\nLOAD * INLINE [\nRegion, Customer, Sales\nEast, C6, 5\nEast, C7, -5\nWest, C8, 3\nWest, C9, 0\nNorth, C10, 0\n];";
    let (mut c, doc) = app(&s, "tree-zero", script).await;
    let props = cube(
        &["Region", "Customer"],
        &["Sum(Sales)"],
        json!({"qMode": "T", "qSuppressZero": true}),
    );
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    // East nets to 0 but has C6 and C7; West keeps C8 (C9 is zero); North has only a zero leaf: gone.
    let l = layout(&mut c, h).await;
    assert_eq!(l["qHyperCube"]["qTreeNodesOnDim"], json!([2, 3]), "{l}");
    let r = c
        .ok(h, "GetHyperCubeTreeData", json!(["/qHyperCubeDef"]))
        .await;
    let regions = r["qNodes"][0]["qNodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let shape: Vec<(String, f64, Vec<String>)> = regions
        .iter()
        .map(|n| {
            let kids = n["qNodes"].as_array().into_iter().flatten();
            let kids = kids.filter_map(|k| k["qText"].as_str().map(str::to_string));
            let text = n["qText"].as_str().unwrap_or_default().to_string();
            (
                text,
                n["qValues"][0]["qValue"].as_f64().unwrap_or(f64::NAN),
                kids.collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (
                "East".to_string(),
                0.0,
                vec!["C6".to_string(), "C7".to_string()]
            ),
            ("West".to_string(), 3.0, vec!["C8".to_string()]),
        ],
        "{r}"
    );
    assert_eq!(regions[1]["qRow"], 1, "rows count the nodes shown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_data_without_a_path_sees_the_session_search() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "listpath", SCRIPT).await;
    let props = json!([{"qInfo": {"qType": "listbox"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": ["Customer"], "qSortCriterias": [{"qSortByAscii": 1}]}}}]);
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    c.ok(h, "SearchListObjectFor", json!(["", "C2"])).await;
    let page = json!([{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 10}]);
    for path in ["", "/qListObjectDef"] {
        let data = c.ok(h, "GetListObjectData", json!([path, page])).await;
        let texts: Vec<&str> = data["qDataPages"][0]["qMatrix"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r[0]["qText"].as_str())
            .collect();
        assert_eq!(texts, vec!["C2"], "qPath {path:?}: {data}");
    }
}

/// The texts of a node list (`qLeft` / `qTop` of a pivot page, `qSubNodes` of a stacked node).
fn node_texts(nodes: &Value) -> Vec<String> {
    let nodes = nodes.as_array().into_iter().flatten();
    nodes
        .filter_map(|n| n["qText"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pivot_and_stacked_cubes_show_values_without_data_unless_zeros_are_suppressed() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "zero-pivot", SCRIPT).await;
    let pivot = |suppress: bool| {
        cube(
            &["Customer", "Year"],
            &["Sum(Sales)"],
            json!({"qMode": "P", "qNoOfLeftDims": 1, "qAlwaysFullyExpanded": true, "qSuppressZero": suppress,
                   "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 10, "qHeight": 10}]}),
        )
    };
    let h = handle(&c.ok(doc, "CreateSessionObject", pivot(false)).await);
    let l = layout(&mut c, h).await;
    let page = &l["qHyperCube"]["qPivotDataPages"][0];
    assert_eq!(
        node_texts(&page["qLeft"]),
        vec!["C1", "C2", "C3", "C4", "C5"],
        "{l}"
    );
    // C4's row: no year has its data; the cells are those of a value without data.
    let c4: Vec<Value> = page["qData"][3].as_array().cloned().unwrap_or_default();
    assert!(
        !c4.is_empty() && c4.iter().all(|cell| cell["qNum"] != 10.0),
        "{l}"
    );
    let h2 = handle(&c.ok(doc, "CreateSessionObject", pivot(true)).await);
    let l = layout(&mut c, h2).await;
    let left = &l["qHyperCube"]["qPivotDataPages"][0]["qLeft"];
    assert_eq!(node_texts(left), vec!["C1", "C2", "C3"], "{l}");

    let stacked = |suppress: bool| {
        cube(
            &["Region", "Customer"],
            &["Sum(Sales)"],
            json!({"qMode": "K", "qSuppressZero": suppress,
                   "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 10, "qHeight": 10}]}),
        )
    };
    // The customers stacked under North.
    let north = |l: &Value| -> Vec<String> {
        let root = &l["qHyperCube"]["qStackedDataPages"][0]["qData"][0];
        let regions = root["qSubNodes"].as_array().cloned().unwrap_or_default();
        let north = regions.iter().find(|n| n["qText"] == "North");
        north
            .map(|n| node_texts(&n["qSubNodes"]))
            .unwrap_or_default()
    };
    let h3 = handle(&c.ok(doc, "CreateSessionObject", stacked(false)).await);
    let l = layout(&mut c, h3).await;
    assert_eq!(north(&l), vec!["C1", "C2", "C5"], "{l}");
    let h4 = handle(&c.ok(doc, "CreateSessionObject", stacked(true)).await);
    let l = layout(&mut c, h4).await;
    assert_eq!(north(&l), vec!["C1", "C2"], "{l}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_continuous_date_axis_gets_calendar_ticks() {
    let s = TestServer::start().await;
    // Every third day from 2020-01-04 to 2023-04-15.
    let script =
        "T:\nLOAD Date(MakeDate(2020, 1, 1) + RecNo() * 3) as D, RecNo() as V AutoGenerate 400;";
    let (mut c, doc) = app(&s, "calendar", script).await;
    let h = numeric_line(&mut c, doc, "D").await;
    let ask = |max_ticks: i64| json!(["/qHyperCubeDef", {"qNbrPoints": 50, "qMaxNbrTicks": max_ticks, "qMaxNumberLines": -1}, false]);
    let r = c.ok(h, "GetHyperCubeContinuousData", ask(6)).await;
    let axis = &r["qAxisData"]["qAxis"][0];
    assert_eq!(axis["qTags"], json!(["$timestamp", "$date"]), "{axis}");
    let ticks = axis["qTicks"].as_array().cloned().unwrap_or_default();
    let texts: Vec<&str> = ticks.iter().filter_map(|t| t["qText"].as_str()).collect();
    assert_eq!(texts, vec!["2020", "2021", "2022", "2023"], "{axis}");
    // 2021-01-01 is serial 44197; its year ends where 2022 starts (44562).
    assert_eq!(
        (ticks[1]["qStart"].as_f64(), ticks[1]["qEnd"].as_f64()),
        (Some(44197.0), Some(44562.0))
    );
    // More ticks allowed: quarters (14 of them from January 2020 to April 2023), each from the first of
    // a month.
    let r = c.ok(h, "GetHyperCubeContinuousData", ask(16)).await;
    let ticks = r["qAxisData"]["qAxis"][0]["qTicks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let first: Vec<&str> = ticks
        .iter()
        .take(2)
        .filter_map(|t| t["qText"].as_str())
        .collect();
    assert_eq!(first, vec!["Jan 2020", "Apr 2020"], "{r}");
    assert_eq!(ticks.len(), 14);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_layout_after_an_expand_says_which_cell_changed() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "last-expanded", SCRIPT).await;
    let props = region_pivot(None);
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let last = |l: &Value| l["qHyperCube"]["qLastExpandedPos"].clone();
    assert_eq!(last(&layout(&mut c, h).await), Value::Null);
    // South is row 1 of the left axis (North, South), column 0.
    c.ok(h, "ExpandLeft", json!(["/qHyperCubeDef", 1, 0, false]))
        .await;
    let l = layout(&mut c, h).await;
    assert_eq!(last(&l), json!({"qx": 0, "qy": 1}), "{l}");
    // Reported once: the next layout (nothing changed) has none.
    assert_eq!(last(&layout(&mut c, h).await), Value::Null);
    c.ok(h, "CollapseLeft", json!(["/qHyperCubeDef", 1, 0, false]))
        .await;
    assert_eq!(last(&layout(&mut c, h).await), json!({"qx": 0, "qy": 1}));
    // A whole axis names no cell.
    c.ok(h, "ExpandLeft", json!(["/qHyperCubeDef", 0, 0, true]))
        .await;
    assert_eq!(last(&layout(&mut c, h).await), Value::Null);
}
