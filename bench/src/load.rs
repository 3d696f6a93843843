//! Times qixd's load script reading the same generated table as CSV, QVD and Parquet; prints one JSON
//! object (rows/s, milliseconds, peak memory during each load, final model size).
//!
//! Usage: `load-bench <rows> <repeats> <dir>`. The CSV is generated into `dir` when missing; the QVD and
//! Parquet files are written from it by the script's own STORE (not timed). Run through `bench/load.sh`,
//! which also times DuckDB on the same files and prints the comparison.

// Shared with the engine benchmark, which uses the other generators.
#[allow(dead_code)]
mod data;

use qix_script::{reload, LoadEnv};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The 6-column table: an id, a 100-value text dimension, a 50-value and a 1,000-value integer field, and
/// two float measures.
fn write_csv(path: &Path, n: u64) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(f, "id,Dim,Sel,D2,m1,m2")?;
    for i in 0..n {
        writeln!(
            f,
            "{i},{},{},{},{:.2},{:.3}",
            data::dim(i),
            data::sel(i),
            data::d2(i),
            data::m1(i),
            data::m2(i)
        )?;
    }
    f.flush()
}

/// A memory figure of this process from `/proc/self/status` (`VmHWM` peak, `VmRSS` now), in bytes.
fn memory(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// glibc's `malloc_trim`, as qixd calls it after a reload.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim takes no pointer and may run at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}

fn run(dir: &Path, script: &str) -> qix_script::LoadOutput {
    let d: PathBuf = dir.to_path_buf();
    let conn = move |name: &str| (name == "data").then(|| d.clone());
    let env = LoadEnv {
        connection: &conn,
        default_dir: dir.to_path_buf(),
        cancel: None,
        progress: None,
        limits: Default::default(),
    };
    reload(script, &env).unwrap_or_else(|e| panic!("{e}"))
}

/// One load in this process (a child of the benchmark, so its peak memory is the load's own): prints
/// `{ms, peak_bytes, rss_bytes, model_bytes, rows}` (resident memory after the reload, the model alive;
/// the rows of the script's last table).
fn one(dir: &Path, script: &str) {
    let t = Instant::now();
    let out = run(dir, script);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let report = out.model.report();
    let model_bytes = report.tables.iter().map(|t| t.bytes).sum::<usize>()
        + report.fields.iter().map(|f| f.bytes).sum::<usize>();
    let rows = report.tables.last().map_or(0, |t| t.rows);
    // qixd gives what the reload freed back to the system when it ends (glibc keeps freed pages in its
    // arenas otherwise); measured the same way here.
    release_memory();
    println!(
        "{}",
        serde_json::json!({"ms": ms, "peak_bytes": memory("VmHWM:"), "rss_bytes": memory("VmRSS:"),
            "model_bytes": model_bytes, "rows": rows})
    );
    drop(out);
}

/// The scripts timed, by name: the optimized loads of the three formats, then the forms that transform
/// (a field list, expressions with WHERE, GROUP BY on a resident table, a LEFT JOIN of a lookup table).
/// `bench/load_duckdb.py` has DuckDB's equivalent of each.
fn scripts(stem: &str) -> Vec<(&'static str, String)> {
    let csv = format!("[lib://data/{stem}.csv] (txt, utf8, embedded labels, delimiter is ',')");
    vec![
        ("csv", format!("T: LOAD * FROM {csv};")),
        ("qvd", format!("T: LOAD * FROM [lib://data/{stem}.qvd] (qvd);")),
        ("parquet", format!("T: LOAD * FROM [lib://data/{stem}.parquet] (parquet);")),
        ("csv_fields", format!("T: LOAD id, Dim, Sel, D2, m1, m2 FROM {csv};")),
        (
            "csv_expr_where",
            format!(
                "T: LOAD id, Dim, D2, m1 * 2 AS m1x2, If(m2 > 50, 'hi', 'lo') AS band FROM {csv} WHERE Sel < 25;"
            ),
        ),
        (
            "group_by",
            format!(
                "T: LOAD * FROM {csv};\nG: LOAD Dim, Sum(m1) AS s, Avg(m2) AS a, Count(id) AS n RESIDENT T GROUP BY Dim;"
            ),
        ),
        (
            "left_join",
            format!(
                "T: LOAD * FROM {csv};\nLEFT JOIN (T) LOAD RecNo() - 1 AS D2, 'N' & (RecNo() - 1) AS D2Name AUTOGENERATE 1000;"
            ),
        ),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--one") {
        one(Path::new(&args[3]), &args[2]);
        return;
    }
    let n: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let repeats: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let dir = PathBuf::from(args.get(3).cloned().unwrap_or_else(|| ".data".into()));
    std::fs::create_dir_all(&dir).expect("the data folder");
    let csv = dir.join(format!("load-{n}.csv"));
    if !csv.exists() {
        let t = Instant::now();
        write_csv(&csv, n).expect("write the CSV");
        eprintln!(
            "generated {} in {:.1} s",
            csv.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let stem = format!("load-{n}");
    let spec = "(txt, utf8, embedded labels, delimiter is ',')";
    let only: Option<Vec<String>> = std::env::var("LOAD_BENCH_ONLY")
        .ok()
        .map(|v| v.split(',').map(String::from).collect());
    for ext in ["qvd", "parquet"] {
        if !dir.join(format!("{stem}.{ext}")).exists() {
            let t = Instant::now();
            run(
                &dir,
                &format!("T: LOAD * FROM [lib://data/{stem}.csv] {spec}; STORE T INTO [lib://data/{stem}.{ext}] ({ext});"),
            );
            eprintln!("wrote {stem}.{ext} in {:.1} s", t.elapsed().as_secs_f64());
        }
    }
    let me = std::env::current_exe().expect("the benchmark's own path");
    let mut results = serde_json::Map::new();
    for (name, script) in scripts(&stem) {
        if only.as_ref().is_some_and(|o| !o.iter().any(|x| x == name)) {
            continue;
        }
        let mut runs: Vec<serde_json::Value> = (0..repeats)
            .map(|_| {
                let out = std::process::Command::new(&me)
                    .args(["--one", &script])
                    .arg(&dir)
                    .output()
                    .expect("a load run");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                serde_json::from_slice(&out.stdout).expect("a load result")
            })
            .collect();
        runs.sort_by(|a, b| {
            a["ms"]
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&b["ms"].as_f64().unwrap_or(0.0))
        });
        let mid = runs[runs.len() / 2].clone();
        let ms = mid["ms"].as_f64().unwrap_or(0.0);
        let rows_per_s = n as f64 / (ms / 1000.0);
        let peak = mid["peak_bytes"].as_f64().unwrap_or(0.0);
        let model = mid["model_bytes"].as_f64().unwrap_or(0.0);
        let rss = mid["rss_bytes"].as_f64().unwrap_or(0.0);
        eprintln!(
            "{name:<15} {ms:>8.0} ms  {:>6.2} M rows/s  peak {:>7.1} MB  after {:>7.1} MB  model {:>7.1} MB  rows {}",
            rows_per_s / 1e6,
            peak / 1e6,
            rss / 1e6,
            model / 1e6,
            mid["rows"]
        );
        results.insert(
            name.into(),
            serde_json::json!({"ms": ms, "rows_per_s": rows_per_s, "peak_bytes": peak, "rss_bytes": rss,
                "model_bytes": model, "rows": mid["rows"]}),
        );
    }
    println!("{}", serde_json::Value::Object(results));
}
