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
    assert_eq!(info["qIsCalculated"], true);
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

/// A table of `Customer` with these extra `NxDimension` properties and measures.
fn customer_table(dim: Value, measures: &[Value]) -> Value {
    let mut d =
        json!({"qDef": {"qFieldDefs": ["Customer"], "qSortCriterias": [{"qSortByAscii": 1}]}});
    if let (Value::Object(d), Value::Object(extra)) = (&mut d, dim) {
        d.extend(extra);
    }
    json!([{
        "qInfo": {"qType": "table"},
        "qHyperCubeDef": {
            "qDimensions": [d],
            "qMeasures": measures,
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1 + measures.len(), "qHeight": 50}]
        }
    }])
}

async fn table_layout(c: &mut Client, doc: i64, dim: Value, measures: &[Value]) -> Value {
    let h = handle(
        &c.ok(doc, "CreateSessionObject", customer_table(dim, measures))
            .await,
    );
    layout(c, h).await
}

fn sales() -> Value {
    json!({"qDef": {"qDef": "Sum(Sales)"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn others_groups_the_values_past_the_limit_into_one_row() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "others").await;
    // Totals: A 30, B 30, C 30, D 100. Top 2 by Sum(Sales): D, then A (ties go by load order).
    let counted =
        json!({"qOtherTotalSpec": {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "2"}}});
    let l = table_layout(
        &mut c,
        doc,
        counted,
        &[sales(), json!({"qDef": {"qDef": "Avg(Sales)"}})],
    )
    .await;
    assert_eq!(
        page_texts(&l),
        vec![
            vec!["A", "30", "15"],
            vec!["D", "100", "100"],
            vec!["Others", "60", "15"]
        ],
        "the Others row aggregates over its rows: Avg of 30, 5, 5, 20 (not of B's and C's averages)"
    );
    let other = &l["qHyperCube"]["qDataPages"][0]["qMatrix"][2][0];
    assert_eq!(other["qElemNumber"], -3);
    assert_eq!(other["qIsOtherCell"], true);
    assert_eq!(l["qHyperCube"]["qHasOtherValues"], true);
    assert_eq!(
        l["qHyperCube"]["qGrandTotalRow"][0]["qText"], "190",
        "the total is unchanged"
    );

    // A relative limit (share of the total in percent), a label expression, Others suppressed.
    let limited = json!({"qOtherTotalSpec": {"qOtherMode": "OTHER_REL_LIMITED", "qOtherLimit": {"qv": "=10+5"},
                         "qOtherLimitMode": "OTHER_GE_LIMIT"}, "qOtherLabel": {"qv": "='The rest'"}});
    let l = table_layout(&mut c, doc, limited.clone(), &[sales()]).await;
    assert_eq!(
        page_texts(&l),
        vec![
            vec!["A", "30"],
            vec!["B", "30"],
            vec!["C", "30"],
            vec!["D", "100"]
        ],
        "30 of 190 is 15.8%: every value passes"
    );
    let mut stricter = limited.clone();
    stricter["qOtherTotalSpec"]["qOtherLimit"] = json!({"qv": "50"});
    let l = table_layout(&mut c, doc, stricter.clone(), &[sales()]).await;
    assert_eq!(
        page_texts(&l),
        vec![vec!["D", "100"], vec!["The rest", "90"]]
    );
    stricter["qOtherTotalSpec"]["qSuppressOther"] = json!(true);
    let l = table_layout(&mut c, doc, stricter, &[sales()]).await;
    assert_eq!(page_texts(&l), vec![vec!["D", "100"]]);

    // Selecting the Others cell selects every value in it.
    let counted =
        json!({"qOtherTotalSpec": {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "1"}}});
    let h = handle(
        &c.ok(
            doc,
            "CreateSessionObject",
            customer_table(counted, &[sales()]),
        )
        .await,
    );
    assert_eq!(
        page_texts(&layout(&mut c, h).await),
        vec![vec!["D", "100"], vec!["Others", "90"]]
    );
    c.ok(
        h,
        "SelectHyperCubeCells",
        json!(["/qHyperCubeDef", [1], [0]]),
    )
    .await;
    assert_eq!(
        eval(&mut c, doc, "GetFieldSelections(Customer)").await,
        "A, B, C"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_suppression_brutal_sum_calc_condition_and_column_order() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/d/identity/nulls").await;
    let doc = c.session_app().await;
    // Order 8 has no customer.
    let script = format!(
        "{SCRIPT}\nConcatenate(Orders) LOAD * INLINE [\nOrderId, Year, Sales\n8, 2022, 7\n];"
    );
    c.ok(doc, "SetScript", json!([script])).await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);

    let l = table_layout(&mut c, doc, json!({}), &[sales()]).await;
    assert!(l["qHyperCube"]["qDimensionInfo"][0]
        .get("qIsCalculated")
        .is_none());
    assert!(l["qHyperCube"].get("qHasOtherValues").is_none());
    let rows = page_texts(&l);
    assert_eq!(rows.len(), 5, "{rows:?}");
    let at = rows.iter().position(|r| r[0] == "-").expect("a NULL row");
    assert_eq!(rows[at][1], "7");
    let null = &l["qHyperCube"]["qDataPages"][0]["qMatrix"][at][0];
    assert_eq!(
        (null["qElemNumber"].clone(), null["qIsNull"].clone()),
        (json!(-2), json!(true))
    );
    let l = table_layout(&mut c, doc, json!({"qNullSuppression": true}), &[sales()]).await;
    assert_eq!(page_texts(&l).len(), 4, "the NULL row is gone");
    assert!(page_texts(&l).iter().all(|r| r[0] != "-"));

    // qBrutalSum: the total of Avg is the sum of the rows' averages, not the average of all rows.
    let avg = json!({"qDef": {"qDef": "Avg(Sales)", "qBrutalSum": true}});
    let l = table_layout(&mut c, doc, json!({"qNullSuppression": true}), &[avg]).await;
    assert_eq!(
        l["qHyperCube"]["qGrandTotalRow"][0]["qNum"], 155.0,
        "15 + 30 + 10 + 100"
    );
    let plain = json!({"qDef": {"qDef": "Avg(Sales)"}});
    let l = table_layout(&mut c, doc, json!({}), &[plain]).await;
    assert_eq!(l["qHyperCube"]["qGrandTotalRow"][0]["qNum"], 197.0 / 8.0);

    // A calculation condition that does not hold: no data, error 7005 and the message.
    let mut props = customer_table(json!({}), &[sales()]);
    props[0]["qHyperCubeDef"]["qCalcCondition"] = json!({"qCond": {"qv": "GetSelectedCount(Customer) = 1"},
                                                        "qMsg": {"qv": "='Select ' & 'one customer'"}});
    props[0]["qHyperCubeDef"]["qColumnOrder"] = json!([1, 0]);
    let h = handle(&c.ok(doc, "CreateSessionObject", props).await);
    let l = layout(&mut c, h).await;
    assert_eq!(l["qHyperCube"]["qError"]["qErrorCode"], 7005, "{l}");
    assert_eq!(l["qHyperCube"]["qCalcCondMsg"], "Select one customer");
    assert_eq!(l["qHyperCube"]["qSize"]["qcy"], 0);
    assert_eq!(l["qHyperCube"]["qColumnOrder"], json!([1, 0]));
    let data = c
        .ok(
            h,
            "GetHyperCubeData",
            json!(["/qHyperCubeDef", [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}]]),
        )
        .await;
    assert_eq!(data["qDataPages"], json!([]));
    let f = handle(&c.ok(doc, "GetField", json!(["Customer"])).await);
    c.ok(f, "SelectValues", json!([[{"qText": "B"}], false, false]))
        .await;
    let l = layout(&mut c, h).await;
    assert!(l["qHyperCube"].get("qError").is_none(), "{l}");
    assert_eq!(page_texts(&l), vec![vec!["B", "30"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reduced_data_is_the_cube_unreduced() {
    let s = TestServer::start().await;
    let (mut c, doc) = app(&s, "reduced").await;
    let obj = handle(
        &c.ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "linechart"}, "qHyperCubeDef": {
                "qDimensions": [{"qDef": {"qFieldDefs": ["Year"]}}],
                "qMeasures": [{"qDef": {"qDef": "Sum(Sales)"}}]}}]),
        )
        .await,
    );
    let page = json!([{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}]);
    let plain = c
        .ok(
            obj,
            "GetHyperCubeData",
            json!(["/qHyperCubeDef", page.clone()]),
        )
        .await;
    let reduced = c
        .ok(
            obj,
            "GetHyperCubeReducedData",
            json!(["/qHyperCubeDef", page, -1, "N"]),
        )
        .await;
    assert_eq!(reduced, plain);
    let rows = reduced["qDataPages"][0]["qMatrix"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(rows, 3, "{reduced}");
}
