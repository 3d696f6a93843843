//! The benchmark table on the wire, shared by `wire-bench` and `charts-bench`: the engine benchmark's rows
//! (`data.rs`) written as a CSV once per row count, and loaded by qixd's own script into a stored app
//! (made once per row count, found by its title on a later run).

#[path = "data.rs"]
#[allow(dead_code)] // the star schema's columns are the engine benchmark's
mod data;

use qix::{Location, Session};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn write_csv(path: &Path, n: u64) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(f, "Dim,Sel,D2,m1,m2,m3")?;
    for i in 0..n {
        writeln!(
            f,
            "{},{},{},{:.2},{:.1},{}",
            data::dim(i),
            data::sel(i),
            data::d2(i),
            data::m1(i),
            data::m2(i),
            data::m3(i)
        )?;
    }
    f.flush()
}

/// Loads the table into a stored app (made once per row count) and answers its id and load seconds.
pub async fn set_up(
    location: &Location,
    data_dir: &Path,
    rows: u64,
) -> Result<(String, f64), String> {
    let name = format!("wire-{rows}.csv");
    let csv = data_dir.join(&name);
    if !csv.exists() {
        write_csv(&csv, rows).map_err(|x| x.to_string())?;
    }
    let hub = location.hub(Session::random()).await.map_err(e)?;
    let title = format!("wire-bench-{rows}");
    // The title is a valid app id, so the app is found by it on a second run.
    let id = match hub.create_app(&title, None, None).await {
        Ok(r) => r.app_id.unwrap_or_else(|| title.clone()),
        Err(_) => title.clone(),
    };
    let doc = hub.open_doc(&id, None, None, None, None).await.map_err(e)?;
    doc.set_script(&format!(
        "T: LOAD * FROM [lib://data/{name}] (txt, utf8, embedded labels, delimiter is ',');"
    ))
    .await
    .map_err(e)?;
    let t = Instant::now();
    let ok = doc.call("DoReload", json!([])).await.map_err(e)?;
    if ok["qReturn"] != true {
        return Err("the reload failed".into());
    }
    let secs = t.elapsed().as_secs_f64();
    doc.do_save(None).await.map_err(e)?;
    Ok((id, secs))
}

/// The command line both benches take: `URL DATA_DIR ROWS ROUNDS [more numbers]`.
pub struct Args {
    /// Where qixd listens.
    pub location: Location,
    /// qixd's data folder, where the CSV is written.
    pub data_dir: PathBuf,
    args: Vec<String>,
}

impl Args {
    /// The process's arguments (URL default `ws://127.0.0.1:9076`, data folder default `.`).
    pub fn parse() -> Result<Args, String> {
        let args: Vec<String> = std::env::args().collect();
        let url = args.get(1).map_or("ws://127.0.0.1:9076", String::as_str);
        let location = Location::from_uri(url).map_err(|x| format!("bad URL: {x}"))?;
        let data_dir = PathBuf::from(args.get(2).map_or(".", String::as_str));
        Ok(Args {
            location,
            data_dir,
            args,
        })
    }

    /// Argument `i` as a number, `default` when absent or not one.
    pub fn num(&self, i: usize, default: u64) -> u64 {
        self.args
            .get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    }
}

/// Prints a bench's result as one JSON line, or its error and exits with 1.
pub fn report(bench: &str, result: Result<Value, String>) {
    match result {
        Ok(v) => println!("{v}"),
        Err(x) => {
            eprintln!("{bench}: {x}");
            std::process::exit(1);
        }
    }
}

/// A client error as the benchmark reports it.
pub fn e(err: qix::Error) -> String {
    err.to_string()
}

/// Median, p99 and max of some timings (ms), with their count.
pub fn summary(mut ms: Vec<f64>) -> Value {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| {
        ms.get(((ms.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    json!({"n": ms.len(), "median_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0)})
}
