//! Load and footprint test of a running qixd, written on the Rust SDK (`qix`) like any client would be.
//!
//! It opens N sessions × M sockets on the demo app ("qixd demo", `qixd --demo`): every session has its own
//! identity (`/app/<id>/identity/<token>`), so the N sessions are distinct; its M sockets use the same URL and
//! share it. The first socket of a session calls `OpenDoc`, the others `GetActiveDoc` (they attach), then every
//! socket opens the four demo objects and lays them out, as a nebula.js page does when it renders.
//!
//! Then every active socket loops "what nebula.js does after a click", with a think time between clicks:
//!
//! 1. the selection, cycling through four kinds so the states vary:
//!    - a bar of `revenue-by-region`: `BeginSelections` + `SelectHyperCubeValues` (toggle) + `EndSelections`
//!      (sn-bar-chart's click and the toolbar's confirm, without the pause between them),
//!    - a row of the `region-filter` listbox: the same modal sequence with `SelectListObjectValues`,
//!    - `Field.SelectValues` on Category (an API or current-selections click),
//!    - `Doc.ClearAll` (the clear-all button);
//! 2. the refresh of the page: every object is changed, so each one gets `GetLayout` at once (nebula's models
//!    fetch in parallel); sn-table then reads its page with `GetHyperCubeData` and the listbox its rows with
//!    `GetListObjectData`, each after its own layout.
//!
//! Latencies are kept per request (by method) and per click (the selection's first request sent to the last
//! answer of the refresh: what the user waits for). They include the SDK's decoding of the answers into
//! typed layouts, which runs on the same machine as the server when both share it.
//!
//! The sockets are set up in stages, each for all sockets before the next, so that the server's memory
//! after each stage splits what an idle socket costs: 1a the first socket of every session (the session
//! itself), 1b the other sockets, 2 the app open (`OpenDoc` / `GetActiveDoc`), 3 the page laid out.
//!
//! With `--server-pid` (the server on this machine), it reads the server's resident memory (`VmRSS` in
//! `/proc/<pid>/status`) after each stage and every 200 ms during the load, its threads, and the CPU time of
//! the server, of this client and of the rest of the machine during the load (on a shared machine the
//! latencies mean little without the last). The last line of its output is one JSON object with
//! everything (`bench/load-test.sh` reads it).
//!
//! Usage: `load-test --url ws://127.0.0.1:9076 --sessions 500 --sockets 1 --duration 30 --think-ms 5000`
//! (`--help` for the rest).

use clap::Parser;
use qix::types::{FieldValue, NxPage};
use qix::{Doc, Field, GenericObject, Hub, Location, Session};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The demo app's objects, in the order a page holds them.
const BAR: &str = "revenue-by-region";
const TABLE: &str = "orders-table";
const KPI: &str = "revenue-kpi";
const LISTBOX: &str = "region-filter";

#[derive(Parser, Debug, Clone)]
#[command(about = "Drives N sessions x M sockets of nebula.js-like clicks against qixd's demo app")]
struct Args {
    /// Engine URL (ws:// or wss://, with a virtual-proxy prefix if any).
    #[arg(long, default_value = "ws://127.0.0.1:9076")]
    url: String,
    /// Distinct sessions (each its own identity).
    #[arg(long, default_value_t = 500)]
    sessions: usize,
    /// Sockets per session (the same session URL: one creates it, the others attach).
    #[arg(long, default_value_t = 1)]
    sockets: usize,
    /// Sockets per session that click (the first ones); the others stay attached and idle, hearing the
    /// change pushes their session's clicks cause. Default: all.
    #[arg(long)]
    active_sockets: Option<usize>,
    /// Length of the load phase, seconds (ignored with --rounds).
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Clicks per active socket instead of a duration (0: no load phase, only the footprint).
    #[arg(long)]
    rounds: Option<u64>,
    /// Mean think time between a socket's clicks, ms; each pause is uniform in [0.5, 1.5] × this, and each
    /// socket starts after a uniform [0, 1] × this so the clicks do not come in waves. 0: closed loop (each
    /// socket clicks again as soon as its page is refreshed: the server's throughput, not a user's pace).
    #[arg(long, default_value_t = 5000)]
    think_ms: u64,
    /// Seconds to hold every socket idle (attached, objects laid out) before the load phase.
    #[arg(long, default_value_t = 3.0)]
    idle_secs: f64,
    /// Seconds to let the server settle after each setup phase before its memory is read.
    #[arg(long, default_value_t = 1.0)]
    settle_secs: f64,
    /// Sockets being set up at once.
    #[arg(long, default_value_t = 32)]
    connect_concurrency: usize,
    /// The server's process id, to read its memory and CPU time from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// The title of the app to open (found with GetDocList).
    #[arg(long, default_value = "qixd demo")]
    app_title: String,
    /// Also write the JSON report to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
}

/// Latencies (µs) by method, and errors, of one socket (merged at the end).
#[derive(Default)]
struct Recorder {
    samples: Vec<(&'static str, u32)>,
    errors: Vec<(&'static str, String)>,
    /// The socket is gone: stop this client instead of counting an error per request.
    dead: bool,
}

impl Recorder {
    /// Runs one request, recording its latency (or its error under the method's name).
    async fn time<T>(
        &mut self,
        method: &'static str,
        request: impl Future<Output = Result<T, qix::Error>>,
    ) -> Option<T> {
        let start = Instant::now();
        let result = request.await;
        let micros = start.elapsed().as_micros().min(u32::MAX as u128) as u32;
        match result {
            Ok(v) => {
                self.samples.push((method, micros));
                Some(v)
            }
            Err(e) => {
                self.dead |= matches!(e, qix::Error::Connection(_));
                self.errors.push((method, e.to_string()));
                None
            }
        }
    }

    fn absorb(&mut self, other: Recorder) {
        self.samples.extend(other.samples);
        self.errors.extend(other.errors);
        self.dead |= other.dead;
    }
}

/// One socket of a session with the demo page open on it.
struct Client {
    session: usize,
    socket: usize,
    doc: Doc,
    bar: GenericObject,
    table: GenericObject,
    kpi: GenericObject,
    listbox: GenericObject,
    category: Field,
}

/// What the clicks select, read once from the demo objects' first layouts.
struct Values {
    /// Element numbers of the bar chart's rows (regions).
    bars: Vec<i64>,
    /// Element numbers of the listbox's rows (regions).
    rows: Vec<i64>,
    /// Category texts (the table's first column).
    categories: Vec<String>,
}

fn page(width: i64, height: i64) -> NxPage {
    NxPage {
        left: Some(0),
        top: Some(0),
        width: Some(width),
        height: Some(height),
        ..Default::default()
    }
}

/// The page's refresh after a change: every object's layout at once; the table's and the listbox's data
/// pages after their layouts (sn-table and the listbox fetch their rows themselves).
async fn refresh(c: &Client) -> Recorder {
    let bar = async {
        let mut r = Recorder::default();
        r.time("GetLayout", c.bar.get_layout()).await;
        r
    };
    let table = async {
        let mut r = Recorder::default();
        if r.time("GetLayout", c.table.get_layout()).await.is_some() {
            let pages = [page(4, 50)];
            r.time(
                "GetHyperCubeData",
                c.table.get_hyper_cube_data("/qHyperCubeDef", &pages),
            )
            .await;
        }
        r
    };
    let kpi = async {
        let mut r = Recorder::default();
        r.time("GetLayout", c.kpi.get_layout()).await;
        r
    };
    let listbox = async {
        let mut r = Recorder::default();
        if r.time("GetLayout", c.listbox.get_layout()).await.is_some() {
            let pages = [page(1, 50)];
            r.time(
                "GetListObjectData",
                c.listbox.get_list_object_data("/qListObjectDef", &pages),
            )
            .await;
        }
        r
    };
    let (a, b, k, l) = tokio::join!(bar, table, kpi, listbox);
    let mut all = a;
    all.absorb(b);
    all.absorb(k);
    all.absorb(l);
    all
}

/// Click number `n` of a socket: one of four selections (see the module doc), with values cycling.
async fn click(c: &Client, n: u64, values: &Values, rec: &mut Recorder) {
    let pick = |len: usize| ((n / 4) as usize + c.session) % len.max(1);
    match n % 4 {
        0 if !values.bars.is_empty() => {
            let path = "/qHyperCubeDef";
            let elem = values.bars[pick(values.bars.len())];
            rec.time("BeginSelections", c.bar.begin_selections(&[path.into()]))
                .await;
            rec.time(
                "SelectHyperCubeValues",
                c.bar.select_hyper_cube_values(path, 0, &[elem], true),
            )
            .await;
            rec.time("EndSelections", c.bar.end_selections(true)).await;
        }
        1 if !values.rows.is_empty() => {
            let path = "/qListObjectDef";
            let elem = values.rows[pick(values.rows.len())];
            rec.time(
                "BeginSelections",
                c.listbox.begin_selections(&[path.into()]),
            )
            .await;
            rec.time(
                "SelectListObjectValues",
                c.listbox
                    .select_list_object_values(path, &[elem], true, None),
            )
            .await;
            rec.time("EndSelections", c.listbox.end_selections(true))
                .await;
        }
        2 if !values.categories.is_empty() => {
            let value = FieldValue {
                text: Some(values.categories[pick(values.categories.len())].clone()),
                ..Default::default()
            };
            rec.time(
                "SelectValues",
                c.category.select_values(&[value], Some(false), None),
            )
            .await;
        }
        _ => {
            rec.time("ClearAll", c.doc.clear_all(None, None)).await;
        }
    }
}

/// A socket of a session, connected (`OnConnected` seen), with the Global API.
struct Socket {
    session: usize,
    socket: usize,
    hub: Hub,
}

/// The same socket with the app open on it.
struct Opened {
    session: usize,
    socket: usize,
    doc: Doc,
}

/// Stage 1 of a socket: connects to its session's URL (the first socket creates the session, the others
/// attach to it).
async fn connect(
    location: Location,
    app_id: Arc<str>,
    token: String,
    (session, socket): (usize, usize),
    rec: &mut Recorder,
) -> Option<Socket> {
    let hub = rec
        .time(
            "connect",
            location.hub(Session::with_app_and_token(&app_id, &token)),
        )
        .await?;
    Some(Socket {
        session,
        socket,
        hub,
    })
}

/// Stage 2: `OpenDoc` on the first socket of the session, `GetActiveDoc` on the others (as enigma.js
/// clients joining a live session do).
async fn open_doc(s: Socket, app_id: Arc<str>, rec: &mut Recorder) -> Option<Opened> {
    let doc = if s.socket == 0 {
        rec.time("OpenDoc", s.hub.open_doc(&app_id, None, None, None, None))
            .await?
    } else {
        rec.time("GetActiveDoc", s.hub.get_active_doc()).await?
    };
    Some(Opened {
        session: s.session,
        socket: s.socket,
        doc,
    })
}

/// Stage 3: the page a nebula.js client renders: the four objects, the Category field the clicks select
/// in, and every object's first layout and data.
async fn open_page(o: Opened, rec: &mut Recorder) -> Option<Client> {
    let doc = o.doc;
    let bar = rec.time("GetObject", doc.get_object(BAR)).await?;
    let table = rec.time("GetObject", doc.get_object(TABLE)).await?;
    let kpi = rec.time("GetObject", doc.get_object(KPI)).await?;
    let listbox = rec.time("GetObject", doc.get_object(LISTBOX)).await?;
    let category = rec
        .time("GetField", doc.get_field("Category", None))
        .await?;
    let client = Client {
        session: o.session,
        socket: o.socket,
        doc,
        bar,
        table,
        kpi,
        listbox,
        category,
    };
    let first = refresh(&client).await;
    let ok = first.errors.is_empty();
    rec.absorb(first);
    ok.then_some(client)
}

/// Finds the app by title and reads the values to click from its objects' layouts, on a socket of its own
/// (closed before the measured phases).
async fn probe(location: &Location, title: &str) -> Result<(String, Values), String> {
    let err = |e: qix::Error| e.to_string();
    let hub = location.hub(Session::random()).await.map_err(err)?;
    let docs = hub.get_doc_list().await.map_err(err)?;
    let app_id = docs
        .iter()
        .find(|d| d.doc_name.as_deref() == Some(title))
        .and_then(|d| d.doc_id.clone())
        .ok_or_else(|| format!("no app titled {title:?} (is the server running with --demo?)"))?;
    let doc = hub
        .open_doc(&app_id, None, None, None, None)
        .await
        .map_err(err)?;
    let rows = |layout: qix::types::GenericObjectLayout, key: &str| -> Vec<Vec<Value>> {
        layout
            .extra
            .get(key)
            .and_then(|c| c["qDataPages"][0]["qMatrix"].as_array())
            .map_or(vec![], |m| {
                m.iter().filter_map(|r| r.as_array().cloned()).collect()
            })
    };
    let elems = |rows: &[Vec<Value>]| -> Vec<i64> {
        rows.iter()
            .filter_map(|r| r.first()?["qElemNumber"].as_i64())
            .filter(|e| *e >= 0)
            .collect()
    };
    let layout = |id: &'static str| {
        let doc = doc.clone();
        async move { doc.get_object(id).await?.get_layout().await }
    };
    let bars = elems(&rows(layout(BAR).await.map_err(err)?, "qHyperCube"));
    let list_rows = elems(&rows(layout(LISTBOX).await.map_err(err)?, "qListObject"));
    let mut categories: Vec<String> = rows(layout(TABLE).await.map_err(err)?, "qHyperCube")
        .iter()
        .filter_map(|r| r.first()?["qText"].as_str().map(str::to_string))
        .collect();
    categories.sort();
    categories.dedup();
    if bars.is_empty() || list_rows.is_empty() || categories.is_empty() {
        return Err("the demo objects have no rows to click".into());
    }
    doc.connection().close();
    Ok((
        app_id,
        Values {
            bars,
            rows: list_rows,
            categories,
        },
    ))
}

/// Resident memory of a process in KiB (`VmRSS`).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// User + system CPU time of a process in seconds (`/proc/<pid>/stat`, clock ticks of 1/100 s, the
/// value Linux fixes for user space).
fn cpu_secs(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Busy CPU time of the whole machine in seconds (`/proc/stat`: user, nice, system, irq, softirq, steal):
/// what other processes take shows how much the machine was shared during the load.
fn machine_busy_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let f: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let busy = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| f.get(i))
        .sum::<u64>();
    Some(busy as f64 / 100.0)
}

/// Threads of a process (qixd answers every request on tokio's blocking pool, which grows under load).
fn threads(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

/// A small deterministic generator for think-time jitter (no need for a crate).
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The load phase of one socket: clicks with think times until the deadline or the round count.
async fn run_client(
    c: Client,
    values: Arc<Values>,
    args: Arc<Args>,
    deadline: Instant,
) -> (Client, Recorder, Vec<u32>) {
    let mut rec = Recorder::default();
    let mut clicks = vec![];
    let mut rng = XorShift::new((c.session * 1000 + c.socket) as u64 + 1);
    let think = args.think_ms as f64;
    let done = |n: u64| match args.rounds {
        Some(r) => n >= r,
        None => Instant::now() >= deadline,
    };
    let pause = |ms: f64| {
        let until = Instant::now() + Duration::from_micros((ms * 1000.0) as u64);
        let until = if args.rounds.is_some() {
            until
        } else {
            until.min(deadline)
        };
        tokio::time::sleep_until(until.into())
    };
    if think > 0.0 {
        pause(think * rng.unit()).await;
    }
    // Sockets start at different points of the selection cycle.
    let mut n = (c.session + c.socket) as u64;
    let mut count = 0;
    while !done(count) {
        let start = Instant::now();
        click(&c, n, &values, &mut rec).await;
        rec.absorb(refresh(&c).await);
        clicks.push(start.elapsed().as_micros().min(u32::MAX as u128) as u32);
        if rec.dead {
            break;
        }
        n += 1;
        count += 1;
        if think > 0.0 && !done(count) {
            pause(think * (0.5 + rng.unit())).await;
        }
    }
    (c, rec, clicks)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Count, rate and latency percentiles (ms) of a set of samples.
fn stats(mut micros: Vec<u32>, secs: f64) -> Value {
    micros.sort_unstable();
    let n = micros.len();
    let pct = |p: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        micros[rank.clamp(1, n) - 1] as f64 / 1000.0
    };
    let mean = if n == 0 {
        0.0
    } else {
        micros.iter().map(|&m| m as f64).sum::<f64>() / n as f64 / 1000.0
    };
    json!({
        "count": n,
        "per_sec": if secs > 0.0 { n as f64 / secs } else { 0.0 },
        "mean_ms": round3(mean),
        "p50_ms": pct(50.0), "p95_ms": pct(95.0), "p99_ms": pct(99.0), "max_ms": pct(100.0),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Per-method statistics, and all requests together, plus errors by method (with a few messages).
fn summarize(rec: &Recorder, secs: f64) -> Value {
    let mut by_method: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (m, us) in &rec.samples {
        by_method.entry(m).or_default().push(*us);
    }
    let mut errors: BTreeMap<&str, usize> = BTreeMap::new();
    for (m, _) in &rec.errors {
        *errors.entry(m).or_default() += 1;
    }
    let mut messages: Vec<String> = rec
        .errors
        .iter()
        .map(|(m, e)| format!("{m}: {e}"))
        .collect();
    messages.sort();
    messages.dedup();
    messages.truncate(5);
    let all: Vec<u32> = rec.samples.iter().map(|(_, us)| *us).collect();
    json!({
        "requests": stats(all, secs),
        "errors": rec.errors.len(),
        "errors_by_method": errors,
        "error_examples": messages,
        "by_method": by_method.into_iter().map(|(m, v)| (m.to_string(), stats(v, secs))).collect::<serde_json::Map<_, _>>(),
    })
}

fn table_row(name: &str, s: &Value, errors: usize) -> String {
    let f = |k: &str| s[k].as_f64().unwrap_or(0.0);
    format!(
        "{name:<24} {:>9} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7}",
        s["count"],
        f("per_sec"),
        f("p50_ms"),
        f("p95_ms"),
        f("p99_ms"),
        f("max_ms"),
        errors
    )
}

/// The human table of one phase (all requests, per click if any, then each method).
fn print_table(title: &str, summary: &Value, clicks: Option<&Value>) {
    println!("\n{title}");
    println!(
        "{:<24} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "", "count", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"
    );
    let errors = summary["errors"].as_u64().unwrap_or(0) as usize;
    println!(
        "{}",
        table_row("all requests", &summary["requests"], errors)
    );
    if let Some(c) = clicks {
        println!("{}", table_row("click (select+refresh)", c, 0));
    }
    if let Some(methods) = summary["by_method"].as_object() {
        for (m, s) in methods {
            let e = summary["errors_by_method"][m].as_u64().unwrap_or(0) as usize;
            println!("{}", table_row(&format!("  {m}"), s, e));
        }
    }
    for e in summary["error_examples"].as_array().into_iter().flatten() {
        println!("  error: {}", e.as_str().unwrap_or(""));
    }
}

/// Runs one setup stage on every item, `concurrency` at a time; returns what came up, with the stage's
/// recorder and wall time.
async fn stage<T, U, F, Fut>(items: Vec<T>, concurrency: usize, step: F) -> (Vec<U>, Recorder, f64)
where
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = (Option<U>, Recorder)> + Send + 'static,
{
    let start = Instant::now();
    let limit = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut set = JoinSet::new();
    for item in items {
        let (limit, work) = (limit.clone(), step(item));
        set.spawn(async move {
            let _permit = limit.acquire_owned().await;
            work.await
        });
    }
    let (mut out, mut rec) = (vec![], Recorder::default());
    while let Some(done) = set.join_next().await {
        match done {
            Ok((item, r)) => {
                out.extend(item);
                rec.absorb(r);
            }
            Err(e) => rec.errors.push(("setup task", e.to_string())),
        }
    }
    (out, rec, start.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() {
    let args = Arc::new(Args::parse());
    if let Err(e) = run(args).await {
        eprintln!("load-test: {e}");
        std::process::exit(1);
    }
}

/// The run, phase by phase: setup (stages 1a to 3), the idle hold, the load, then the report. Each phase
/// hands the next only what it needs, in the structs below.
async fn run(args: Arc<Args>) -> Result<(), String> {
    let location = Location::from_uri(&args.url).map_err(|e| e.to_string())?;
    let (app_id, values) = probe(&location, &args.app_title).await?;
    let shape = Shape::of(&args);
    println!(
        "load-test: {} sessions x {} sockets = {} sockets ({} clicking) on {} app {app_id}",
        shape.sessions,
        shape.sockets,
        shape.sessions * shape.sockets,
        shape.sessions * shape.active,
        args.url
    );
    let mut setup = set_up(&args, &shape, location, &app_id).await;
    let clients = std::mem::take(&mut setup.clients);
    setup.rss.idle = hold_idle(&args).await;
    let setup_summary = summarize(&setup.rec, setup.secs);
    print_table("setup (per request)", &setup_summary, None);
    let load = run_load(&args, &shape, clients, Arc::new(values), &mut setup.rss).await;
    report(&args, &shape, &app_id, &setup, setup_summary, load).await
}

/// How many sessions and sockets the run asks for, worked out once from the arguments (at least one
/// socket per session; no more clicking sockets than sockets).
struct Shape {
    /// Distinct sessions (`--sessions`).
    sessions: usize,
    /// Sockets per session.
    sockets: usize,
    /// Clicking sockets per session (the first ones).
    active: usize,
}

impl Shape {
    fn of(args: &Args) -> Shape {
        let sockets = args.sockets.max(1);
        Shape {
            sessions: args.sessions,
            sockets,
            active: args.active_sockets.unwrap_or(sockets).min(sockets),
        }
    }
}

/// The server's resident memory (KiB, `None` without `--server-pid`), filled in phase by phase: the
/// footprint divides each stage's growth by what the stage opened, so every reading is kept.
#[derive(Default)]
struct Rss {
    before: Option<u64>,
    created: Option<u64>,
    connected: Option<u64>,
    docs: Option<u64>,
    pages: Option<u64>,
    idle: Option<u64>,
    peak: Option<u64>,
    after_load: Option<u64>,
}

/// What came through setup and how many of each, for the footprint's divisions and the report.
struct Counts {
    /// Sockets with their page laid out.
    sockets: usize,
    /// Sessions whose first socket has its page laid out.
    sessions_open: usize,
    /// Sockets attached to an existing session in stage 1b.
    extra_sockets: usize,
}

/// The setup phase's result: the sockets with their page laid out (taken by the load phase), and the
/// record the report needs (counts, every stage's requests and total wall time, the memory readings).
struct Setup {
    clients: Vec<Client>,
    counts: Counts,
    rec: Recorder,
    secs: f64,
    rss: Rss,
}

/// What the setup stages share: where and as whom each socket connects, and the running totals of the
/// stages' requests and wall time (the setup table reports them together).
struct Stager {
    location: Location,
    app: Arc<str>,
    /// One identity per session.
    tokens: Arc<Vec<String>>,
    concurrency: usize,
    settle: Duration,
    pid: Option<u32>,
    rec: Recorder,
    secs: f64,
}

impl Stager {
    fn new(args: &Args, sessions: usize, location: Location, app_id: &str) -> Stager {
        // A distinct identity per session; the run id keeps two runs against one server apart.
        let run_id = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
        );
        Stager {
            location,
            app: app_id.into(),
            tokens: Arc::new(
                (0..sessions)
                    .map(|i| format!("load-test-{run_id}-{i}"))
                    .collect(),
            ),
            concurrency: args.connect_concurrency,
            settle: Duration::from_secs_f64(args.settle_secs),
            pid: args.server_pid,
            rec: Recorder::default(),
            secs: 0.0,
        }
    }

    /// Adds a stage's requests and time to the totals; returns what came up and the stage's time.
    fn add<U>(&mut self, (out, rec, secs): (Vec<U>, Recorder, f64)) -> (Vec<U>, f64) {
        self.rec.absorb(rec);
        self.secs += secs;
        (out, secs)
    }

    /// Lets the server settle, then reads its memory.
    async fn settled_rss(&self) -> Option<u64> {
        tokio::time::sleep(self.settle).await;
        self.pid.and_then(rss_kib)
    }

    /// Stage 1 on the given (session, socket) pairs.
    async fn connect(&mut self, ids: Vec<(usize, usize)>) -> (Vec<Socket>, f64) {
        let (location, app, tokens) =
            (self.location.clone(), self.app.clone(), self.tokens.clone());
        let done = stage(ids, self.concurrency, move |id| {
            let (location, app, token) = (location.clone(), app.clone(), tokens[id.0].clone());
            async move {
                let mut rec = Recorder::default();
                (connect(location, app, token, id, &mut rec).await, rec)
            }
        })
        .await;
        self.add(done)
    }

    /// Stage 2 on the given sockets.
    async fn open_docs(&mut self, sockets: Vec<Socket>) -> (Vec<Opened>, f64) {
        let app = self.app.clone();
        let done = stage(sockets, self.concurrency, move |s| {
            let app = app.clone();
            async move {
                let mut rec = Recorder::default();
                (open_doc(s, app, &mut rec).await, rec)
            }
        })
        .await;
        self.add(done)
    }

    /// Stage 3 on the given sockets.
    async fn open_pages(&mut self, opened: Vec<Opened>) -> (Vec<Client>, f64) {
        let done = stage(opened, self.concurrency, |o| async move {
            let mut rec = Recorder::default();
            (open_page(o, &mut rec).await, rec)
        })
        .await;
        self.add(done)
    }
}

/// How long the setup waits after the probe before it reads the server's memory at start: longer than
/// qixd takes to give back what a session used once the last one has gone (`release_when_idle`).
const AFTER_PROBE: Duration = Duration::from_secs(5);

/// The setup phase: the stages one after the other, each on every socket, with the server's memory read
/// after each (see the module doc for why they are split).
async fn set_up(args: &Args, shape: &Shape, location: Location, app_id: &str) -> Setup {
    let (n, m) = (shape.sessions, shape.sockets);
    let mut st = Stager::new(args, n, location, app_id);
    // The probe's session has just closed: qixd gives what it used back 1 s after its last session goes
    // and again once the request threads have ended (3 s later). Read before that, the start was high or
    // low depending on the moment, and the idle socket's cost moved by kilobytes from run to run.
    tokio::time::sleep(AFTER_PROBE).await;
    let mut rss = Rss {
        before: st.settled_rss().await,
        ..Rss::default()
    };

    // Stage 1a: the first socket of every session (creates the session); 1b: the other sockets (attach).
    let (sockets, secs) = st.connect((0..n).map(|s| (s, 0)).collect()).await;
    let up: HashSet<usize> = sockets.iter().map(|s| s.session).collect();
    println!(
        "stage 1a: {} of {n} sessions created in {secs:.1} s",
        up.len()
    );
    rss.created = st.settled_rss().await;
    let extra: Vec<(usize, usize)> = (0..n)
        .filter(|s| up.contains(s))
        .flat_map(|s| (1..m).map(move |k| (s, k)))
        .collect();
    let wanted = extra.len();
    let (more, secs) = st.connect(extra).await;
    if m > 1 {
        println!(
            "stage 1b: {} of {wanted} more sockets attached in {secs:.1} s",
            more.len()
        );
    }
    let extra_sockets = more.len();
    rss.connected = st.settled_rss().await;

    let opened = open_app(&mut st, sockets.into_iter().chain(more).collect()).await;
    rss.docs = st.settled_rss().await;

    // Stage 3: the page on every socket.
    let (clients, secs) = st.open_pages(opened).await;
    println!(
        "stage 3: the page laid out on {} sockets in {secs:.1} s",
        clients.len()
    );
    rss.pages = st.settled_rss().await;
    let counts = Counts {
        sockets: clients.len(),
        sessions_open: clients.iter().filter(|c| c.socket == 0).count(),
        extra_sockets,
    };
    Setup {
        clients,
        counts,
        rec: st.rec,
        secs: st.secs,
        rss,
    }
}

/// Stage 2: `OpenDoc` on the first sockets, then `GetActiveDoc` on the others of the sessions whose app
/// opened (a socket cannot attach to a doc its session never opened).
async fn open_app(st: &mut Stager, sockets: Vec<Socket>) -> Vec<Opened> {
    let (others, firsts): (Vec<Socket>, Vec<Socket>) =
        sockets.into_iter().partition(|s| s.socket > 0);
    let (mut opened, secs) = st.open_docs(firsts).await;
    let up: HashSet<usize> = opened.iter().map(|o| o.session).collect();
    let others = others
        .into_iter()
        .filter(|s| up.contains(&s.session))
        .collect();
    let (more, secs2) = st.open_docs(others).await;
    opened.extend(more);
    println!(
        "stage 2: the app open on {} sockets in {:.1} s",
        opened.len(),
        secs + secs2
    );
    opened
}

/// The idle phase: every socket attached with its page, nothing asked; returns the server's memory then
/// (what idle sockets cost, once the setup's transient allocations are gone).
async fn hold_idle(args: &Args) -> Option<u64> {
    tokio::time::sleep(Duration::from_secs_f64(args.idle_secs)).await;
    args.server_pid.and_then(rss_kib)
}

/// Polls the server's memory and threads every 200 ms during the load, keeping the peaks (a reading at
/// the end alone would miss what the load needed at its worst).
struct Sampler {
    peak: Arc<AtomicU64>,
    peak_threads: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sampler {
    /// Starts from the idle readings; without a pid, it only keeps them.
    fn start(pid: Option<u32>, rss: u64, threads_now: u64) -> Sampler {
        let peak = Arc::new(AtomicU64::new(rss));
        let peak_threads = Arc::new(AtomicU64::new(threads_now));
        let stop = Arc::new(AtomicBool::new(false));
        let task = pid.map(|pid| {
            let (peak, peak_threads, stop) = (peak.clone(), peak_threads.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(kib) = rss_kib(pid) {
                        peak.fetch_max(kib, Ordering::Relaxed);
                    }
                    if let Some(t) = threads(pid) {
                        peak_threads.fetch_max(t, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        });
        Sampler {
            peak,
            peak_threads,
            stop,
            task,
        }
    }

    /// Stops polling; returns the peak memory (KiB) and the peak thread count.
    async fn finish(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(s) = self.task {
            let _ = s.await;
        }
        (
            self.peak.load(Ordering::Relaxed),
            self.peak_threads.load(Ordering::Relaxed),
        )
    }
}

/// CPU time used during the load, seconds: the server's, this client's, and the rest of the machine's
/// (on a shared machine the latencies mean little without the last).
struct Cpu {
    server: Option<f64>,
    client: Option<f64>,
    others: Option<f64>,
}

/// The CPU counters at the start of the load, to subtract at its end.
struct CpuMark {
    server: Option<f64>,
    client: Option<f64>,
    machine: Option<f64>,
}

impl CpuMark {
    fn now(pid: Option<u32>) -> CpuMark {
        CpuMark {
            server: pid.and_then(|p| cpu_secs(&p.to_string())),
            client: cpu_secs("self"),
            machine: machine_busy_secs(),
        }
    }

    fn since(&self, pid: Option<u32>) -> Cpu {
        let now = CpuMark::now(pid);
        let diff = |b: Option<f64>, a: Option<f64>| b.zip(a).map(|(b, a)| b - a);
        let server = diff(now.server, self.server);
        let client = diff(now.client, self.client);
        let machine = diff(now.machine, self.machine);
        // What neither the server nor this client used: other processes sharing the cores.
        let others = machine.map(|m| (m - server.unwrap_or(0.0) - client.unwrap_or(0.0)).max(0.0));
        Cpu {
            server,
            client,
            others,
        }
    }
}

/// What the load phase measured, for the report. The sockets are all still open: the report reads the
/// server's memory with them connected before closing them.
struct Load {
    clients: Vec<Client>,
    rec: Recorder,
    /// Click latencies (µs), select to the refresh's last answer.
    clicks: Vec<u32>,
    secs: f64,
    /// Whether there was a load at all (`--rounds 0`: only the footprint).
    clicking: bool,
    /// Sockets that died during the load (their client stopped).
    lost: usize,
    cpu: Cpu,
    threads_idle: Option<u64>,
    threads_peak: u64,
}

/// The load phase: the clicking sockets loop until the deadline or their rounds, while the sampler
/// watches the server; fills the peak and after-load memory readings in `rss`.
async fn run_load(
    args: &Arc<Args>,
    shape: &Shape,
    clients: Vec<Client>,
    values: Arc<Values>,
    rss: &mut Rss,
) -> Load {
    let pid = args.server_pid;
    let clicking = args.rounds != Some(0);
    let (idle, busy): (Vec<Client>, Vec<Client>) =
        clients.into_iter().partition(|c| c.socket >= shape.active);
    let threads_idle = pid.and_then(threads);
    let sampler = Sampler::start(pid, rss.idle.unwrap_or(0), threads_idle.unwrap_or(0));
    let cpu0 = CpuMark::now(pid);
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(args.duration);
    let mut load = Load {
        clients: idle,
        rec: Recorder::default(),
        clicks: vec![],
        secs: 0.0,
        clicking,
        lost: 0,
        cpu: Cpu {
            server: None,
            client: None,
            others: None,
        },
        threads_idle,
        threads_peak: 0,
    };
    if clicking {
        drive(&mut load, busy, values, args, deadline).await;
    } else {
        load.clients.extend(busy);
    }
    load.secs = start.elapsed().as_secs_f64();
    load.cpu = cpu0.since(pid);
    let (peak, threads_peak) = sampler.finish().await;
    load.threads_peak = threads_peak;
    rss.after_load = pid.and_then(rss_kib);
    rss.peak = pid.map(|_| peak.max(rss.after_load.unwrap_or(0)));
    load
}

/// Runs every clicking socket's client to its end, gathering their sockets, requests and clicks.
async fn drive(
    load: &mut Load,
    busy: Vec<Client>,
    values: Arc<Values>,
    args: &Arc<Args>,
    deadline: Instant,
) {
    let mut set = JoinSet::new();
    for c in busy {
        set.spawn(run_client(c, values.clone(), args.clone(), deadline));
    }
    while let Some(done) = set.join_next().await {
        match done {
            Ok((c, rec, cl)) => {
                load.lost += rec.dead as usize;
                load.rec.absorb(rec);
                load.clicks.extend(cl);
                load.clients.push(c);
            }
            Err(e) => load.rec.errors.push(("load task", e.to_string())),
        }
    }
}

/// The report phase: the load's table, the memory footprint, then (after closing every socket) the JSON
/// line with everything, also written to `--json-out`.
async fn report(
    args: &Args,
    shape: &Shape,
    app_id: &str,
    setup: &Setup,
    setup_summary: Value,
    mut load: Load,
) -> Result<(), String> {
    let pid = args.server_pid;
    let load_summary = summarize(&load.rec, load.secs);
    let click_stats = stats(std::mem::take(&mut load.clicks), load.secs);
    if load.clicking {
        print_load(args, shape, &load, &load_summary, &click_stats);
    }
    let (memory, footprint) = footprint(pid, &setup.rss, &setup.counts);
    close_all(std::mem::take(&mut load.clients)).await;

    let report = json!({
        "url": args.url,
        "app_id": app_id,
        "sessions": shape.sessions,
        "sockets_per_session": shape.sockets,
        "active_sockets_per_session": shape.active,
        "sockets_open": setup.counts.sockets,
        "sessions_open": setup.counts.sessions_open,
        "think_ms": args.think_ms,
        "load_secs": load.secs,
        "clicking": load.clicking,
        "setup": {"secs": setup.secs, "summary": setup_summary},
        "load": load_summary,
        "clicks": click_stats,
        "sockets_lost": load.lost,
        "cores": cores(),
        "server_cpu_secs": load.cpu.server,
        "client_cpu_secs": load.cpu.client,
        "other_processes_cpu_secs": load.cpu.others,
        "server_threads": {"idle": load.threads_idle, "peak_during_load": pid.map(|_| load.threads_peak), "after_load": pid.and_then(threads)},
        "server_rss_kib": memory,
        "footprint": footprint,
    });
    if let Some(path) = &args.json_out {
        std::fs::write(
            path,
            serde_json::to_string_pretty(&report).unwrap_or_default(),
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!("{report}");
    Ok(())
}

/// The load's table, then the CPU it took and the server's threads.
fn print_load(args: &Args, shape: &Shape, load: &Load, summary: &Value, clicks: &Value) {
    let secs = load.secs;
    print_table(
        &format!(
            "load: {} clicking sockets, {secs:.1} s, think {} ms (x0.5-1.5){}",
            shape.sessions * shape.active,
            args.think_ms,
            if load.lost > 0 {
                format!(", {} sockets lost", load.lost)
            } else {
                String::new()
            }
        ),
        summary,
        Some(clicks),
    );
    let pct = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{:.0}%", 100.0 * v / secs));
    println!(
        "cpu during load (of one core; {} cores = {}%): server {}, this client {}, other processes {}",
        cores(),
        100 * cores(),
        pct(load.cpu.server),
        pct(load.cpu.client),
        pct(load.cpu.others)
    );
    if let Some(t) = load.threads_idle {
        println!(
            "server threads: {t} idle, {} at most during the load",
            load.threads_peak
        );
    }
}

/// The server's memory readings and what each stage added per thing it opened (the split of an idle
/// socket's cost), as JSON; printed too when the server's pid is known.
fn footprint(pid: Option<u32>, rss: &Rss, counts: &Counts) -> (Value, Value) {
    let kib = |x: Option<u64>| x.map_or(Value::Null, |v| json!(v));
    let per = |a: Option<u64>, b: Option<u64>, count: usize| match (a, b) {
        (Some(a), Some(b)) if count > 0 => json!((b as f64 - a as f64) * 1024.0 / count as f64),
        _ => Value::Null,
    };
    let memory = json!({
        "before": kib(rss.before),
        "sessions_created": kib(rss.created),
        "all_sockets_connected": kib(rss.connected),
        "docs_open": kib(rss.docs),
        "pages_laid_out": kib(rss.pages),
        "idle": kib(rss.idle),
        "peak_during_load": kib(rss.peak),
        "after_load_still_connected": kib(rss.after_load),
    });
    // What each stage added, divided by what it opened (the split of an idle socket's cost).
    let footprint = json!({
        "bytes_per_session_with_bare_socket": per(rss.before, rss.created, counts.sessions_open),
        "bytes_per_extra_bare_socket": per(rss.created, rss.connected, counts.extra_sockets),
        "bytes_per_session_doc_open": per(rss.connected, rss.docs, counts.sessions_open),
        "bytes_per_socket_page_laid_out": per(rss.docs, rss.pages, counts.sockets),
        "bytes_per_socket_idle": per(rss.before, rss.idle, counts.sockets),
    });
    if pid.is_some() {
        print_footprint(rss, &footprint);
    }
    (memory, footprint)
}

/// The human lines of the memory readings (MiB) and of the footprint (bytes).
fn print_footprint(rss: &Rss, footprint: &Value) {
    let mib = |x: Option<u64>| x.map_or(f64::NAN, |v| v as f64 / 1024.0);
    let b = |k: &str| {
        footprint[k]
            .as_f64()
            .map_or("-".to_string(), |x| format!("{x:.0}"))
    };
    println!(
        "\nserver RSS (MiB): before {:.1}, sessions created {:.1}, all sockets connected {:.1}, \
         docs open {:.1}, pages laid out {:.1}, idle {:.1}, peak during load {:.1}, after load {:.1}",
        mib(rss.before),
        mib(rss.created),
        mib(rss.connected),
        mib(rss.docs),
        mib(rss.pages),
        mib(rss.idle),
        mib(rss.peak),
        mib(rss.after_load)
    );
    println!(
        "footprint (bytes): session with a bare socket {}, extra bare socket {}, open doc per session {}, \
         page per socket {}; idle socket overall {}",
        b("bytes_per_session_with_bare_socket"),
        b("bytes_per_extra_bare_socket"),
        b("bytes_per_session_doc_open"),
        b("bytes_per_socket_page_laid_out"),
        b("bytes_per_socket_idle")
    );
}

/// Closes every socket; the server drops each session with its last socket (TTL 0). The short wait lets
/// the closes go out before the server's threads are read for the report.
async fn close_all(clients: Vec<Client>) {
    for c in &clients {
        c.doc.connection().close();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(clients);
}
