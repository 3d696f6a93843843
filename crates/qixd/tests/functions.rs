//! The shared function library on the wire: dates formatted with the script's DateFormat in chart
//! expressions, Text() answering text, chart row functions and the new aggregations in a hypercube.

mod common;

use common::{handle, page_texts, table_props, TestServer};
use serde_json::json;

const SCRIPT: &str = "SET DateFormat='DD.MM.YYYY';\nOrders:\nLOAD MakeDate(2024, Month, 15) AS OrderDate, Amount INLINE [\nMonth, Amount\n1, 10\n2, 30\n3, 20\n4, 30\n];";

async fn eval(c: &mut common::Client, doc: i64, expr: &str) -> String {
    c.ok(doc, "Evaluate", json!([expr])).await["qReturn"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_and_formats_follow_the_script_settings_in_charts() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/d/identity/functions").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    assert_eq!(
        eval(&mut a, doc, "Date(Max(OrderDate))").await,
        "15.04.2024"
    );
    assert_eq!(
        eval(&mut a, doc, "MonthStart(Min(OrderDate))").await,
        "01.01.2024"
    );
    assert_eq!(
        eval(
            &mut a,
            doc,
            "Year(Max(OrderDate)) & '-' & Month(Max(OrderDate))"
        )
        .await,
        "2024-Apr"
    );
    assert_eq!(
        eval(&mut a, doc, "Num(Sum(Amount) * 1000, '#,##0.00')").await,
        "90,000.00"
    );
    assert_eq!(eval(&mut a, doc, "Median(Amount)").await, "25");
    let ex = a.ok(doc, "EvaluateEx", json!(["Text(123)"])).await["qValue"].clone();
    assert_eq!(ex["qIsNumeric"], false, "{ex}");
    assert_eq!(ex["qText"], "123");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_row_functions_in_a_table() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/d/identity/functions-chart").await;
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    let props = table_props(
        "OrderDate",
        &[
            "Sum(Amount)",
            "RangeSum(Above(Sum(Amount), 0, 2))",
            "Rank(Sum(Amount), 1)",
            "RowNo() & '/' & NoOfRows()",
            "Text(Sum(Amount))",
        ],
    );
    let h = handle(&a.ok(doc, "CreateSessionObject", props).await);
    let layout = a.ok(h, "GetLayout", json!([])).await["qLayout"].clone();
    let texts = page_texts(&layout);
    let m = &layout["qHyperCube"]["qDataPages"][0]["qMatrix"];
    assert_eq!(texts[0], ["15.01.2024", "10", "10", "4", "1/4", "10"]);
    assert_eq!(texts[1], ["15.02.2024", "30", "40", "1", "2/4", "30"]);
    assert_eq!(texts[2], ["15.03.2024", "20", "50", "3", "3/4", "20"]);
    assert_eq!(texts[3], ["15.04.2024", "30", "50", "1", "4/4", "30"]);
    assert_eq!(m[0][5]["qNum"], "NaN", "Text() has no number");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_functions_in_evaluate_and_in_the_script() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/d/identity/functions-fields").await;
    let doc = a.session_app().await;
    let script = format!("{SCRIPT}\nLET vSecond = FieldValue('Amount', 2);\nLET vIndex = FieldIndex('Amount', 20);\nT2: LOAD '$(vSecond)' AS Second, '$(vIndex)' AS Index AUTOGENERATE 1;");
    a.ok(doc, "SetScript", json!([script])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    assert_eq!(
        eval(&mut a, doc, "Only(Second) & '/' & Only(Index)").await,
        "30/3"
    );
    assert_eq!(eval(&mut a, doc, "GetFieldSelections(Amount)").await, "-");
    let f = handle(&a.ok(doc, "GetField", json!(["Amount"])).await);
    a.ok(
        f,
        "SelectValues",
        json!([[{"qText": "30", "qIsNumeric": true, "qNumber": 30}], false, false]),
    )
    .await;
    assert_eq!(eval(&mut a, doc, "GetFieldSelections(Amount)").await, "30");
    assert_eq!(eval(&mut a, doc, "GetSelectedCount(Amount)").await, "1");
    assert_eq!(eval(&mut a, doc, "GetPossibleCount(OrderDate)").await, "2");
    assert_eq!(
        eval(&mut a, doc, "GetCurrentSelections()").await,
        "Amount: 30"
    );
    assert_eq!(eval(&mut a, doc, "FieldValueCount('Amount')").await, "3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn date_fields_are_tagged_as_dates() {
    let s = TestServer::start().await;
    let mut a = s.connect("/app/d/identity/functions-tags").await;
    let doc = a.session_app().await;
    let script = format!("{SCRIPT}\nStamps: LOAD Timestamp(MakeDate(2024, 1, 1) + RecNo() / 4) AS At AUTOGENERATE 3;");
    a.ok(doc, "SetScript", json!([script])).await;
    assert_eq!(a.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    let tk = a
        .ok(doc, "GetTablesAndKeys", json!([{}, {}, 0, true, false]))
        .await;
    let tags = |table: usize, field: usize| tk["qtr"][table]["qFields"][field]["qTags"].clone();
    assert_eq!(tk["qtr"][0]["qFields"][0]["qName"], "OrderDate");
    assert_eq!(
        tags(0, 0),
        json!(["$numeric", "$integer", "$timestamp", "$date"])
    );
    assert_eq!(
        tags(0, 1),
        json!(["$numeric", "$integer"]),
        "Amount is no date"
    );
    assert_eq!(tags(1, 0), json!(["$numeric", "$timestamp"]));
}
