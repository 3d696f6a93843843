//! Layouts asked for together (as a sheet does after a click) run in parallel, each under the session's
//! shared lock: they are answered as the one-at-a-time layouts are, and a selection sent among them is seen
//! by the layouts sent after it and by none sent before. Its own test binary: it reads the process-wide
//! `/metrics` counters, which other tests' servers would move.

mod common;

use common::{handle, http_get, table_props, Client, TestServer};
use serde_json::{json, Value};

/// Rows enough that a layout of a new selection state takes a while (the window a selection can land in).
const ROWS: u64 = 300_000;
const SCRIPT: &str =
    "T:\nLOAD RecNo() AS n, Mod(RecNo(), 10) AS d, Mod(RecNo(), 97) AS s\nAUTOGENERATE 300000;";

/// A counter of `/metrics` (0 when not listed yet).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

async fn counters(s: &TestServer) -> (f64, f64) {
    let m = http_get(s.addr, "/metrics").await;
    (
        metric(&m, "qixd_shared_layouts_total{outcome=\"shared\"}"),
        metric(&m, "qixd_shared_layouts_total{outcome=\"retried\"}"),
    )
}

/// Sends every request at once, then reads their responses: the results in request order, and the
/// requests' positions in the order their responses arrived.
async fn pipelined(c: &mut Client, requests: &[(i64, &str, Value)]) -> (Vec<Value>, Vec<usize>) {
    let first = c.reserve_ids(requests.len());
    for (i, (h, method, params)) in requests.iter().enumerate() {
        let id = first + i as i64;
        let req =
            json!({"jsonrpc": "2.0", "id": id, "method": method, "handle": h, "params": params});
        c.send_raw(&req.to_string()).await;
    }
    let mut results = vec![Value::Null; requests.len()];
    let mut arrival = Vec::new();
    while arrival.len() < requests.len() {
        let frame = c.read_frame().await.expect("socket open");
        let Some(id) = frame.get("id").and_then(Value::as_i64) else {
            continue; // a push
        };
        let at = (id - first) as usize;
        assert!(frame.get("error").is_none(), "{frame}");
        results[at] = frame["result"].clone();
        arrival.push(at);
    }
    (results, arrival)
}

/// The grand total of a one-measure cube layout.
fn total(layout: &Value) -> f64 {
    layout["qLayout"]["qHyperCube"]["qGrandTotalRow"][0]["qNum"]
        .as_f64()
        .unwrap_or(f64::NAN)
}

/// Sum(n) over all rows.
fn sum_where_s_all() -> f64 {
    (1..=ROWS).sum::<u64>() as f64
}

/// Sum(n) over the rows whose s is `v` (s = n mod 97).
fn sum_where_s(v: u64) -> f64 {
    (1..=ROWS).filter(|n| n % 97 == v).sum::<u64>() as f64
}

/// One test function: the two cases read the same process-wide counters, so they must not run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layouts_under_the_shared_lock() {
    let s = TestServer::start().await;
    layouts_asked_together_match_layouts_asked_one_at_a_time(&s).await;
    layouts_and_a_selection_sent_together_answer_in_the_order_sent(&s).await;
}

async fn layouts_asked_together_match_layouts_asked_one_at_a_time(s: &TestServer) {
    let mut c = s.connect("/app/p/identity/parallel").await;
    let doc = c.loaded_session_app(SCRIPT).await;
    let defs = [
        ("d", "Sum(n)"),
        ("s", "Sum(n)"),
        ("d", "Count(n)"),
        ("s", "Max(n)"),
    ];
    let mut objects = Vec::new();
    for (dim, measure) in defs {
        let o = c
            .ok(doc, "CreateSessionObject", table_props(dim, &[measure]))
            .await;
        objects.push(handle(&o));
    }
    let field = handle(&c.ok(doc, "GetField", json!(["s"])).await);
    c.ok(
        field,
        "SelectValues",
        json!([[{"qNumber": 3, "qIsNumeric": true}], false, false]),
    )
    .await;
    let (shared_before, _) = counters(s).await;

    let asks: Vec<(i64, &str, Value)> = objects
        .iter()
        .map(|&h| (h, "GetLayout", json!([])))
        .collect();
    let (together, _) = pipelined(&mut c, &asks).await;
    let mut alone = Vec::new();
    for &h in &objects {
        alone.push(c.ok(h, "GetLayout", json!([])).await);
    }
    assert_eq!(together, alone);
    assert_eq!(total(&together[0]), sum_where_s(3));
    // With nothing written to the session meanwhile, every layout was computed under the shared lock.
    let (shared_after, _) = counters(s).await;
    assert_eq!(shared_after - shared_before, (2 * objects.len()) as f64);
}

async fn layouts_and_a_selection_sent_together_answer_in_the_order_sent(s: &TestServer) {
    let mut c = s.connect("/app/p/identity/race").await;
    let doc = c.loaded_session_app(SCRIPT).await;
    // Three objects of one definition: layouts of different handles run in parallel.
    let mut cubes = Vec::new();
    for _ in 0..3 {
        let o = c
            .ok(doc, "CreateSessionObject", table_props("d", &["Sum(n)"]))
            .await;
        cubes.push(handle(&o));
    }
    let field = handle(&c.ok(doc, "GetField", json!(["s"])).await);
    let select = |v: u64| json!([[{"qNumber": v, "qIsNumeric": true}], false, false]);
    let (shared_before, retried_before) = counters(s).await;
    let mut asked = 0;
    let mut before = sum_where_s_all();
    for round in 0..20u64 {
        // Layouts, a selection, layouts: sent at once, as a busy client might. A new selection state each
        // round, so its layouts are computed, not read from the cache.
        let v = round * 5 % 97;
        let layouts = cubes.iter().map(|&h| (h, "GetLayout", json!([])));
        let mut requests: Vec<(i64, &str, Value)> = layouts.clone().collect();
        requests.push((field, "SelectValues", select(v)));
        requests.extend(layouts);
        asked += 6;
        let (answers, arrival) = pipelined(&mut c, &requests).await;
        // The selection waits for the layouts asked before it, and the layouts asked after it wait for it:
        // those before are of the state before, those after of the new one.
        let selected_at = arrival.iter().position(|&i| i == 3);
        assert_eq!(
            selected_at,
            Some(3),
            "round {round}: answered in order {arrival:?}"
        );
        for (i, answer) in answers.iter().enumerate().filter(|&(i, _)| i != 3) {
            let want = if i < 3 { before } else { sum_where_s(v) };
            assert_eq!(total(answer), want, "round {round}: request {i}");
        }
        before = sum_where_s(v);
    }
    // Every layout went through the shared lock: kept, or retried when the selection landed meanwhile.
    let (shared_after, retried_after) = counters(s).await;
    let through_shared = (shared_after - shared_before) + (retried_after - retried_before);
    assert_eq!(through_shared, asked as f64);
}
