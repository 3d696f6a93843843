//! The selection benchmark on the wire (`bench/wire.sh`): a client on the SDK drives `qixd` over
//! WebSocket as nebula.js does after a click — a selection, then the layouts of a sheet's six objects
//! (three cubes, two list objects, a KPI) in parallel — on the engine benchmark's table (`data.rs`),
//! loaded by qixd's own script from a CSV this binary writes. Measured: select + the 3-measure cube,
//! select + six layouts, a repeated selection state, and 100 concurrent sessions each selecting its own
//! states. Prints one JSON object; `wire_duckdb.py` runs DuckDB's equivalent queries and the ratios.
//!
//! Usage: `wire-bench URL DATA_DIR ROWS ROUNDS SESSIONS`.

#[path = "wire_app.rs"]
mod wire_app;

use futures_util::future::try_join_all;
use qix::{Doc, Field, GenericObject, Location, Session};
use serde_json::{json, Value};
use std::time::Instant;
use wire_app::{e, summary};

/// The sheet: what each object's properties are.
fn sheet() -> Vec<(&'static str, Value)> {
    let page = |w: u32, h: u32| json!([{"qTop": 0, "qLeft": 0, "qWidth": w, "qHeight": h}]);
    let cube = |dims: &[&str], measures: &[&str], h: u32| {
        json!({
            "qInfo": {"qType": "table"},
            "qHyperCubeDef": {
                "qDimensions": dims.iter().map(|d| json!({"qDef": {"qFieldDefs": [d]}})).collect::<Vec<_>>(),
                "qMeasures": measures.iter().map(|m| json!({"qDef": {"qDef": m}})).collect::<Vec<_>>(),
                "qInitialDataFetch": page((dims.len() + measures.len()) as u32, h),
            }
        })
    };
    let list = |field: &str| json!({"qInfo": {"qType": "listbox"}, "qListObjectDef": {"qDef": {"qFieldDefs": [field]}, "qInitialDataFetch": page(1, 60)}});
    vec![
        (
            "cube3",
            cube(&["Dim"], &["Sum(m1)", "Avg(m2)", "Max(m3)"], 100),
        ),
        ("byd2", cube(&["D2"], &["Sum(m1)"], 100)),
        ("pairs", cube(&["Dim", "Sel"], &["Count(m3)"], 100)),
        ("dims", list("Dim")),
        ("sels", list("Sel")),
        ("kpi", cube(&[], &["Sum(m1)"], 1)),
    ]
}

type Res<T> = Result<T, String>;

/// One client's open sheet.
struct Client {
    _doc: Doc,
    objects: Vec<GenericObject>,
    sel: Field,
    dim: Field,
}

async fn open(location: &Location, app: &str, token: &str) -> Res<Client> {
    let hub = location
        .hub(Session::with_app_and_token(app, token))
        .await
        .map_err(e)?;
    let doc = hub.open_doc(app, None, None, None, None).await.map_err(e)?;
    let mut objects = Vec::new();
    for (_, props) in sheet() {
        let props = serde_json::from_value(props).map_err(|x| x.to_string())?;
        objects.push(doc.create_session_object(&props).await.map_err(e)?);
    }
    let sel = doc.get_field("Sel", None).await.map_err(e)?;
    let dim = doc.get_field("Dim", None).await.map_err(e)?;
    Ok(Client {
        _doc: doc,
        objects,
        sel,
        dim,
    })
}

impl Client {
    async fn select(&self, sel: u64, dim: Option<u64>) -> Res<()> {
        let v =
            json!([[{"qText": sel.to_string(), "qIsNumeric": true, "qNumber": sel}], false, false]);
        self.sel.call("SelectValues", v).await.map_err(e)?;
        if let Some(d) = dim {
            let v = json!([[{"qText": format!("D{d:02}")}], false, false]);
            self.dim.call("SelectValues", v).await.map_err(e)?;
        }
        Ok(())
    }

    /// Every object's layout at once, as a sheet refreshes (six requests in flight together), each built
    /// into a JSON tree as a page's script would.
    async fn layouts(&self) -> Res<()> {
        let gets = self.objects.iter().map(|o| o.call("GetLayout", json!([])));
        try_join_all(gets).await.map_err(e)?;
        Ok(())
    }

    /// [`Client::layouts`], each answer taken as the JSON text it came as (checked and routed by id, not
    /// built into a tree); their bytes. What the 100 sessions do: their client shares the server's two
    /// cores, where a deployment's clients run on their users' machines, and building every layout into
    /// a tree that nothing reads took about a third of the time an interaction costs the server.
    async fn layouts_as_text(&self) -> Res<usize> {
        let gets = self
            .objects
            .iter()
            .map(|o| o.call_raw("GetLayout", json!([])));
        let texts = try_join_all(gets).await.map_err(e)?;
        Ok(texts.iter().map(|t| t.get().len()).sum())
    }
}

/// One session: select + cube; select + six layouts; a repeated state.
async fn single(location: &Location, app: &str, rounds: u64) -> Res<Value> {
    let c = open(location, app, "single").await?;
    c.layouts().await?;
    let (mut cube, mut six, mut repeat) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..rounds {
        let t = Instant::now();
        c.select(k % 25, None).await?;
        c.objects[0].call("GetLayout", json!([])).await.map_err(e)?;
        cube.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        c.select(25 + k % 25, None).await?;
        c.layouts().await?;
        six.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        c.select(k % 25, None).await?;
        c.objects[0].call("GetLayout", json!([])).await.map_err(e)?;
        repeat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(json!({
        "select_then_cube": summary(cube),
        "select_then_six_layouts": summary(six),
        "repeated_state_cube": summary(repeat),
    }))
}

/// The CPU time (user + system, seconds) the server has used so far, when `QIXD_PID` names it (`wire.sh`
/// sets it) and `/proc` tells: what the interactions cost the server, a figure that a shared machine's
/// neighbours move far less than wall times.
fn server_cpu_secs() -> Option<f64> {
    cpu_secs(&std::env::var("QIXD_PID").ok()?)
}

/// The CPU time (user + system, seconds) process `pid` (`self`: this one) has used so far, from
/// `/proc/PID/stat`, which counts in clock ticks, 100 a second on Linux.
fn cpu_secs(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (which may hold spaces) come fields 3, 4, ...: utime is 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// `sessions` sessions at once, each selecting its own (Sel, Dim) states and refreshing its sheet.
async fn concurrent(location: &Location, app: &str, sessions: u64, rounds: u64) -> Res<Value> {
    let mut tasks = Vec::new();
    let t0 = Instant::now();
    let cpu0 = server_cpu_secs();
    let client0 = cpu_secs("self");
    for s in 0..sessions {
        let (location, app) = (location.clone(), app.to_string());
        tasks.push(tokio::spawn(async move {
            let c = open(&location, &app, &format!("c{s}")).await?;
            let (mut ms, mut bytes) = (Vec::new(), 0);
            for k in 0..rounds {
                let t = Instant::now();
                c.select((s * 7 + k) % 50, Some((s * 13 + k * 3) % 100))
                    .await?;
                bytes += c.layouts_as_text().await?;
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, String>((ms, bytes))
        }));
    }
    let (mut all, mut bytes) = (Vec::new(), 0);
    for t in tasks {
        let (ms, b) = t.await.map_err(|x| x.to_string())??;
        all.extend(ms);
        bytes += b;
    }
    let secs = t0.elapsed().as_secs_f64();
    let n = all.len();
    // Opening the sessions is part of the phase (and of its cost).
    let per_interaction =
        |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| (b - a) * 1000.0 / n.max(1) as f64);
    let cpu = per_interaction(cpu0, server_cpu_secs());
    // The client shares the machine's cores: in this closed loop an interaction waits for its CPU too.
    let client = per_interaction(client0, cpu_secs("self"));
    Ok(
        json!({"sessions": sessions, "interactions": n, "per_sec": n as f64 / secs,
              "layout_bytes_per_interaction": bytes / n.max(1),
              "interaction": summary(all), "server_cpu_ms_per_interaction": cpu,
              "client_cpu_ms_per_interaction": client}),
    )
}

/// One session's client runs on one thread, as a page's script does (a browser's JavaScript, enigma.js
/// in node): on a runtime of several threads, each answer would also be handed from the thread that read
/// it to the one that awaits it. The concurrent sessions, many clients at once, share a runtime of several.
fn main() {
    let args = match wire_app::Args::parse() {
        Ok(a) => a,
        Err(x) => return eprintln!("{x}"),
    };
    let (location, data_dir) = (&args.location, &args.data_dir);
    let (rows, rounds) = (args.num(3, 10_000_000), args.num(4, 20));
    let sessions = args.num(5, 100);
    let runtime = |one: bool| {
        let mut b = match one {
            true => tokio::runtime::Builder::new_current_thread(),
            false => tokio::runtime::Builder::new_multi_thread(),
        };
        b.enable_all().build().map_err(|x| x.to_string())
    };
    let run = || {
        let one = runtime(true)?;
        let (app, load_secs, single) = one.block_on(async {
            let (app, load_secs) = wire_app::set_up(location, data_dir, rows).await?;
            let single = single(location, &app, rounds).await?;
            Ok::<_, String>((app, load_secs, single))
        })?;
        // Up to 20 rounds of 100 sessions, every (Sel, Dim) state of the phase is a new one (its
        // inference and cubes are computed, not found in the cache); more would repeat states.
        let many =
            runtime(false)?.block_on(concurrent(location, &app, sessions, rounds.min(20)))?;
        Ok::<_, String>(
            json!({"rows": rows, "load_secs": load_secs, "single": single, "concurrent": many}),
        )
    };
    wire_app::report("wire-bench", run());
}
