//! Set analysis, TOTAL <fields> and Aggr() on the wire: identifiers that name the session's history,
//! bookmarks and alternate states; sets in chart measures; dollar expansion inside a set.

mod common;

use common::{handle, table_props, TestServer};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SCRIPT: &str = "Orders:\nLOAD * INLINE [\nOrderId, CustomerId, Year, Sales\n1, 1, 2020, 100\n2, 1, 2021, 50\n3, 2, 2020, 70\n4, 3, 2021, 30\n5, 3, 2022, 20\n6, 4, 2022, 5\n];\nCustomers:\nLOAD * INLINE [\nCustomerId, Country\n1, Sweden\n2, Sweden\n3, Norway\n4, Chile\n];";

async fn eval(c: &mut common::Client, doc: i64, expr: &str) -> String {
    c.ok(doc, "Evaluate", json!([expr])).await["qReturn"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn select(c: &mut common::Client, doc: i64, field: &str, state: &str, value: &str) {
    let f = handle(&c.ok(doc, "GetField", json!([field, state])).await);
    let r = c
        .ok(f, "SelectValues", json!([[{"qText": value}], false, false]))
        .await;
    assert_eq!(r["qReturn"], true, "select {field}={value} in {state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_identifiers_name_history_bookmarks_and_states() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/d/identity/sets").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);

    assert_eq!(eval(&mut a, doc, "Sum({<Year={2020}>} Sales)").await, "170");
    select(&mut a, doc, "Year", "$", "2022").await;
    assert_eq!(eval(&mut a, doc, "Sum(Sales)").await, "25");
    a.ok(
        doc,
        "CreateBookmark",
        json!([{"qInfo": {"qId": "bm-recent", "qType": "bookmark"}, "qMetaDef": {"title": "Recent years"}}]),
    )
    .await;
    select(&mut a, doc, "Year", "$", "2021").await;
    assert_eq!(eval(&mut a, doc, "Sum(Sales)").await, "80");
    assert_eq!(
        eval(&mut a, doc, "Sum({$1} Sales)").await,
        "25",
        "one step back"
    );
    assert_eq!(eval(&mut a, doc, "Sum({[bm-recent]} Sales)").await, "25");
    assert_eq!(eval(&mut a, doc, "Sum({[Recent years]} Sales)").await, "25");
    assert_eq!(eval(&mut a, doc, "Sum({1} Sales)").await, "275");
    assert_eq!(
        eval(&mut a, doc, "Sum({1<Year={$(=Max({1} Year))}>} Sales)").await,
        "25",
        "dollar expansion inside a set"
    );
    a.ok(doc, "Back", json!([])).await;
    assert_eq!(
        eval(&mut a, doc, "Sum({$_1} Sales)").await,
        "80",
        "one step forward"
    );

    a.ok(doc, "AddAlternateState", json!(["A"])).await;
    select(&mut a, doc, "Country", "A", "Chile").await;
    assert_eq!(eval(&mut a, doc, "Sum({A} Sales)").await, "5");
    assert_eq!(
        eval(&mut a, doc, "Sum({1<Country=A::Country>} Sales)").await,
        "5"
    );
    let bad = eval(&mut a, doc, "Sum({Nope} Sales)").await;
    assert!(bad.contains("Nope"), "{bad}");
    assert_eq!(
        eval(&mut a, doc, "Sum(Sales)").await,
        "25",
        "the session is intact"
    );
}

fn rows(layout: &Value) -> BTreeMap<String, Vec<f64>> {
    layout["qHyperCube"]["qDataPages"][0]["qMatrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let cells = r.as_array().unwrap();
            (
                cells[0]["qText"].as_str().unwrap().to_string(),
                cells[1..]
                    .iter()
                    .map(|c| c["qNum"].as_f64().unwrap_or(f64::NAN))
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_measures_with_sets_total_fields_and_aggr() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/d/identity/sets-chart").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    select(&mut a, doc, "Year", "$", "2021").await;
    let props = table_props(
        "Country",
        &[
            "Sum({<Year=>} Sales)",
            "Sum(TOTAL Sales)",
            "Sum(Aggr(Sum(Sales), CustomerId))",
            "Sum(Sales) / Sum({1} TOTAL Sales)",
        ],
    );
    let h = handle(&a.ok(doc, "CreateSessionObject", props).await);
    let layout = a.ok(h, "GetLayout", json!([])).await["qLayout"].clone();
    let got = rows(&layout);
    // {<Year=>} clears the Year selection, so Chile (no 2021 orders) is a row too; its other measures are
    // over no rows.
    assert_eq!(got["Sweden"][..3], [220.0, 80.0, 50.0]);
    assert_eq!(got["Norway"][..3], [50.0, 80.0, 30.0]);
    assert_eq!(got["Chile"][..3], [5.0, 80.0, 0.0]);
    assert!((got["Sweden"][3] - 50.0 / 275.0).abs() < 1e-12);
    assert_eq!(got.len(), 3, "{got:?}");
    let total = &layout["qHyperCube"]["qGrandTotalRow"];
    assert_eq!(total[0]["qNum"], 275.0);
    assert_eq!(total[1]["qNum"], 80.0);
    assert_eq!(total[2]["qNum"], 80.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_measure_fails_its_column_not_the_object() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/d/identity/sets-bad").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    let props = table_props(
        "Country",
        &[
            "Sum(Sales)",
            "Sum(NoSuchField)",
            "Sum({NoSuchBookmark} Sales)",
            "Sum((Sales",
            "Count({<Year={2020}>} OrderId)",
        ],
    );
    let h = handle(&a.ok(doc, "CreateSessionObject", props).await);
    let layout = a.ok(h, "GetLayout", json!([])).await["qLayout"].clone();
    let hc = &layout["qHyperCube"];
    assert!(
        hc.get("qError").is_none(),
        "the object itself computes: {hc}"
    );
    let info = hc["qMeasureInfo"].as_array().unwrap();
    for (i, bad) in [false, true, true, true, false].into_iter().enumerate() {
        assert_eq!(
            info[i].get("qError").is_some(),
            bad,
            "measure {i}: {}",
            info[i]
        );
    }
    assert!(info[2]["qError"]["qContext"]
        .as_str()
        .unwrap()
        .contains("NoSuchBookmark"));
    let got = rows(&layout);
    assert_eq!(got["Sweden"][0], 220.0);
    assert!(got["Sweden"][1].is_nan(), "a failed column is NULL");
    assert_eq!(got["Sweden"][4], 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_select_with_an_expression_search() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/d/identity/sets-search").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    let f = handle(&a.ok(doc, "GetField", json!(["CustomerId"])).await);
    let r = a.ok(f, "Select", json!(["=Sum(Sales)>60", false, 0])).await;
    assert_eq!(r["qReturn"], true);
    assert_eq!(
        eval(&mut a, doc, "Concat(DISTINCT CustomerId, ',')").await,
        "1,2"
    );
    assert_eq!(eval(&mut a, doc, "Sum(Sales)").await, "220");
}
