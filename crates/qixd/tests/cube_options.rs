//! Hypercube options on the wire, as the real engine applies them: calculated dimensions (and selecting
//! in them), null and zero suppression, Others, totals, calculation conditions, column order.

mod common;

use common::{handle, page_texts, table_props, Client, TestServer};
use serde_json::{json, Value};

const SCRIPT: &str = "Orders:\nLOAD * INLINE [\nOrderId, Customer, Year, Sales\n1, A, 2020, 10\n2, A, 2021, 20\n3, B, 2020, 30\n4, C, 2021, 5\n5, C, 2022, 5\n6, C, 2022, 20\n7, D, 2022, 100\n];";

async fn app(s: &TestServer, identity: &str) -> (Client, i64) {
    let mut c = s.connect(&format!("/app/d/identity/{identity}")).await;
    let doc = c.session_app().await;
    c.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    (c, doc)
}

async fn eval(c: &mut Client, doc: i64, expr: &str) -> String {
    c.ok(doc, "Evaluate", json!([expr])).await["qReturn"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn layout(c: &mut Client, h: i64) -> Value {
    c.ok(h, "GetLayout", json!([])).await["qLayout"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calculated_dimension_groups_by_its_value_and_selects_what_produces_it() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "calc").await;
    let props = table_props(
        "=If(Sales > 15, 'Big', 'Small')",
        &["Sum(Sales)", "Count(DISTINCT Customer)"],
    );
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let l = layout(&mut c, h).await;
    assert_eq!(
        page_texts(&l),
        vec![vec!["Big", "170", "4"], vec!["Small", "20", "2"]],
        "{l}"
    );
    let info = &l["qHyperCube"]["qDimensionInfo"][0];
    assert_eq!(info["qFallbackTitle"], "=If(Sales > 15, 'Big', 'Small')");
    assert_eq!(info["qCardinal"], 2);
    assert!(l["qHyperCube"].get("qError").is_none(), "{l}");

    // Picking the Small row selects the Sales values under 15.
    let small_row = 1;
    c.ok(
        h,
        "SelectHyperCubeCells",
        json!(["/qHyperCubeDef", [small_row], [0]]),
    )
    .await;
    assert_eq!(eval(&mut c, doc, "Sum(Sales)").await, "20");
    assert_eq!(
        eval(&mut c, doc, "GetFieldSelections(Sales)").await,
        "10, 5"
    );
    assert_eq!(
        page_texts(&layout(&mut c, h).await),
        vec![vec!["Small", "20", "2"]]
    );
    c.ok(doc, "ClearAll", json!([])).await;

    // SelectHyperCubeValues takes the value's element number.
    let big = l["qHyperCube"]["qDataPages"][0]["qMatrix"][0][0]["qElemNumber"].clone();
    c.ok(
        h,
        "SelectHyperCubeValues",
        json!(["/qHyperCubeDef", 0, [big], false]),
    )
    .await;
    assert_eq!(eval(&mut c, doc, "Sum(Sales)").await, "170");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aggr_dimension_buckets_by_each_customers_total() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "aggr").await;
    let props = table_props(
        "=Aggr(Sum(Sales), Customer)",
        &["Count(Customer)", "Concat(DISTINCT Customer, '')"],
    );
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    assert_eq!(
        page_texts(&layout(&mut c, h).await),
        vec![vec!["30", "6", "ABC"], vec!["100", "1", "D"]]
    );
    c.ok(
        h,
        "SelectHyperCubeCells",
        json!(["/qHyperCubeDef", [0], [0]]),
    )
    .await;
    assert_eq!(
        eval(&mut c, doc, "GetFieldSelections(Customer)").await,
        "A, B, C"
    );
}
