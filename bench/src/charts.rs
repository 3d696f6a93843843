//! The pivot and search benchmark on the wire (`bench/charts.sh`): on the engine benchmark's table
//! (`data.rs`, loaded by qixd from a CSV), a client on the SDK measures
//!
//! - a 2-level pivot `Dim` × `D2` (100 × 1,000 values), fully expanded, `Sum(m1)`: after a selection of
//!   `Sel`, the first page of `GetHyperCubePivotData` (50 rows) — each round a new selection, so nothing is
//!   answered from a cache of the same state;
//! - `SearchResults` for one term across all fields, after the first search (the fields' indexes built).
//!
//! Prints one JSON object; `charts_duckdb.py` times DuckDB's `GROUP BY ROLLUP` and a prefix search over
//! every column on the same rows in the same run and prints the ratios.
//!
//! Usage: `charts-bench URL DATA_DIR ROWS ROUNDS`.

#[path = "wire_app.rs"]
mod wire_app;

use qix::{Location, Session};
use serde_json::{json, Value};
use std::time::Instant;
use wire_app::{e, summary};

type Res<T> = Result<T, String>;

/// The pivot's properties: both dimensions on the left, fully expanded, the measure on top.
fn pivot_props() -> Value {
    json!({
        "qInfo": {"qType": "pivot-table"},
        "qHyperCubeDef": {
            "qMode": "P",
            "qAlwaysFullyExpanded": true,
            "qNoOfLeftDims": 2,
            "qDimensions": [{"qDef": {"qFieldDefs": ["Dim"]}}, {"qDef": {"qFieldDefs": ["D2"]}}],
            "qMeasures": [{"qDef": {"qDef": "Sum(m1)"}}],
        }
    })
}

/// Pivot: per round, select `Sel = k`, then the first page.
async fn pivot(location: &Location, app: &str, rounds: u64) -> Res<Value> {
    let hub = location
        .hub(Session::with_app_and_token(app, "pivot"))
        .await
        .map_err(e)?;
    let doc = hub.open_doc(app, None, None, None, None).await.map_err(e)?;
    let props = serde_json::from_value(pivot_props()).map_err(|x| x.to_string())?;
    let obj = doc.create_session_object(&props).await.map_err(e)?;
    let sel = doc.get_field("Sel", None).await.map_err(e)?;
    let page = json!(["/qHyperCubeDef", [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 50}]]);
    let mut ms = Vec::new();
    let mut rows = 0;
    for k in 0..rounds {
        let v = json!([[{"qText": (k % 50).to_string(), "qIsNumeric": true, "qNumber": k % 50}], false, false]);
        let t = Instant::now();
        sel.call("SelectValues", v).await.map_err(e)?;
        let r = obj
            .call("GetHyperCubePivotData", page.clone())
            .await
            .map_err(e)?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        rows = r["qDataPages"][0]["qArea"]["qHeight"].as_u64().unwrap_or(0);
    }
    if rows == 0 {
        return Err("the pivot page is empty".into());
    }
    Ok(json!({"first_page": summary(ms), "page_rows": rows}))
}

/// Search: one term across all fields; the first search apart (it builds the indexes).
async fn search(location: &Location, app: &str, rounds: u64) -> Res<Value> {
    let hub = location
        .hub(Session::with_app_and_token(app, "search"))
        .await
        .map_err(e)?;
    let doc = hub.open_doc(app, None, None, None, None).await.map_err(e)?;
    let call = |term: String| {
        let p = json!([{"qContext": "Cleared"}, [term], {"qOffset": 0, "qCount": 10}]);
        doc.call("SearchResults", p)
    };
    let t = Instant::now();
    call("D4".into()).await.map_err(e)?;
    let first = t.elapsed().as_secs_f64() * 1000.0;
    let mut ms = Vec::new();
    let mut groups = 0;
    for k in 0..rounds {
        let t = Instant::now();
        let r = call(format!("D{}", k % 10)).await.map_err(e)?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        groups = r["qResult"]["qTotalNumberOfGroups"].as_u64().unwrap_or(0);
    }
    if groups == 0 {
        return Err("the search found nothing".into());
    }
    Ok(json!({"first_ms": first, "after_first": summary(ms), "groups": groups}))
}

#[tokio::main]
async fn main() {
    let args = match wire_app::Args::parse() {
        Ok(a) => a,
        Err(x) => return eprintln!("{x}"),
    };
    let (location, data_dir) = (&args.location, &args.data_dir);
    let (rows, rounds) = (args.num(3, 10_000_000), args.num(4, 20));
    let run = async {
        let (app, load_secs) = wire_app::set_up(location, data_dir, rows).await?;
        let p = pivot(location, &app, rounds).await?;
        let s = search(location, &app, rounds).await?;
        Ok::<_, String>(json!({"rows": rows, "load_secs": load_secs, "pivot": p, "search": s}))
    };
    wire_app::report("charts-bench", run.await);
}
