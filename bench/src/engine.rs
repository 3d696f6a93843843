//! Times qixd's engine on the benchmark queries; prints one JSON object with medians in milliseconds.
//!
//! Usage: `engine-bench <rows> <repeats>`. Run through `bench/run.sh`, which also runs DuckDB and prints
//! the comparison.

mod data;

use qix_engine::{DataModel, Dual, HyperCubeDef, ModelBuilder, ResultCache, SelectionState};
use std::time::Instant;

fn build_flat(n: u64) -> DataModel {
    let mut b = ModelBuilder::new();
    let t = b
        .add_table("Facts", &["Dim", "Sel", "D2", "m1", "m2", "m3"])
        .unwrap();
    for i in 0..n {
        b.push_value(t, 0, Some(Dual::text(data::dim(i))));
        b.push_number(t, 1, data::sel(i) as f64);
        b.push_number(t, 2, data::d2(i) as f64);
        b.push_number(t, 3, data::m1(i));
        b.push_number(t, 4, data::m2(i));
        b.push_number(t, 5, data::m3(i));
    }
    b.build().unwrap()
}

fn build_star(n: u64) -> DataModel {
    let mut b = ModelBuilder::new();
    let f = b.add_table("Fact", &["Key", "Dim", "m1"]).unwrap();
    for i in 0..n {
        b.push_number(f, 0, data::key(i) as f64);
        b.push_value(f, 1, Some(Dual::text(data::dim(i))));
        b.push_number(f, 2, data::m1(i));
    }
    let d = b.add_table("Keys", &["Key", "Region"]).unwrap();
    for k in 0..1000 {
        b.push_number(d, 0, k as f64);
        b.push_value(d, 1, Some(Dual::text(data::region(k))));
    }
    b.build().unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Row count and the sum of the first measure over all rows, to check results against DuckDB's.
fn summary(cube: &qix_engine::HyperCube) -> (usize, f64) {
    let sum = cube
        .rows
        .iter()
        .filter_map(|r| r.measures.first().and_then(|v| v.num()))
        .sum();
    (cube.rows.len(), sum)
}

/// Times a query `repeats` times with a fresh cache each time (no cache hits): median ms and summary.
fn time(
    repeats: usize,
    model: &DataModel,
    state: &SelectionState,
    def: &HyperCubeDef,
) -> (f64, (usize, f64)) {
    let mut times = Vec::new();
    let mut out = (0, 0.0);
    for _ in 0..repeats {
        let cache = ResultCache::new(1 << 30);
        let t = Instant::now();
        out = summary(&cache.hypercube(model, state, def).unwrap());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (median(times), out)
}

/// Waits until no row index of `model` is being built in the background.
fn wait_for_index_builds(model: &DataModel) {
    while model.indexes.building() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let repeats: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(7);
    let t = Instant::now();
    let flat = build_flat(n);
    let build_ms = t.elapsed().as_secs_f64() * 1000.0;
    let report = flat.report();
    let packed: usize = report.tables.iter().map(|t| t.bytes).sum();
    let sel = flat.field_id("Sel").unwrap();
    let sel_sym = flat.fields[sel].symbols.find(&Dual::number(7.0)).unwrap();
    let mut selected = SelectionState::new();
    selected.set(sel, vec![sel_sym]);
    let three = HyperCubeDef::of(&["Dim"], &["Sum(m1)", "Avg(m2)", "Max(m3)"]);
    let mut results = serde_json::Map::new();
    let mut record = |name: &str, (ms, (rows, checksum)): (f64, (usize, f64))| {
        eprintln!("{name:<40} {ms:>10.2} ms  ({rows} rows, checksum {checksum})");
        results.insert(
            name.to_string(),
            serde_json::json!({"ms": ms, "rows": rows, "checksum": checksum}),
        );
    };
    let none = SelectionState::new();
    // The first selection in `Sel` starts the build of its row index in the background and scans
    // meanwhile; the queries after it find the index built.
    record(
        "first_select_3_measures_by_dim",
        time(1, &flat, &selected, &three),
    );
    wait_for_index_builds(&flat);
    record(
        "select_then_3_measures_by_dim",
        time(repeats, &flat, &selected, &three),
    );
    record(
        "no_selection_3_measures_by_dim",
        time(repeats, &flat, &none, &three),
    );
    let distinct = HyperCubeDef::of(&["Dim"], &["Count(DISTINCT D2)"]);
    record(
        "count_distinct_d2_by_dim",
        time(repeats, &flat, &none, &distinct),
    );
    let big = HyperCubeDef::of(&["Dim", "D2"], &["Sum(m1)"]);
    record(
        "dim_x_d2_100k_cells",
        time(repeats.min(3), &flat, &none, &big),
    );
    // Set analysis: the set's own inference plus a scan, against selecting then computing.
    let one = HyperCubeDef::of(&["Dim"], &["Sum(m1)"]);
    record(
        "select_then_sum_by_dim",
        time(repeats, &flat, &selected, &one),
    );
    let set = HyperCubeDef::of(&["Dim"], &["Sum({<Sel={7}>} m1)"]);
    record("set_sum_by_dim", time(repeats, &flat, &none, &set));
    // Aggr: an aggregation over a nested 100,000-row table.
    let nested = HyperCubeDef::of(&[], &["Avg(Aggr(Sum(m1), Dim, D2))"]);
    record(
        "avg_aggr_sum_by_dim_d2",
        time(repeats.min(3), &flat, &none, &nested),
    );
    // Repeated state: the same query again on a warm cache.
    let warm = ResultCache::new(1 << 30);
    let first = summary(&warm.hypercube(&flat, &selected, &three).unwrap());
    let mut times = Vec::new();
    for _ in 0..repeats {
        let t = Instant::now();
        let rows = warm.hypercube(&flat, &selected, &three).unwrap().rows.len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(rows);
    }
    record("repeated_state_cached", (median(times), first));
    // Row indexes: what selecting in `Sel` and `Dim` built, against the packed rows.
    let dim = flat.field_id("Dim").unwrap();
    let mut both = selected.clone();
    both.set(dim, vec![0]);
    qix_engine::infer(&flat, &both);
    qix_engine::infer(&flat, &both.without(sel));
    wait_for_index_builds(&flat);
    let index_bytes = flat.indexes.bytes();
    drop(flat);
    let star = build_star(n);
    let region = star.field_id("Region").unwrap();
    let r_sym = star.fields[region]
        .symbols
        .find(&Dual::text("R03"))
        .unwrap();
    let mut star_sel = SelectionState::new();
    star_sel.set(region, vec![r_sym]);
    let star_cube = HyperCubeDef::of(&["Dim"], &["Sum(m1)"]);
    // As above: the first selection reaching the fact table's `Key` starts its index's build.
    record(
        "first_star_select_region_sum_by_dim",
        time(1, &star, &star_sel, &star_cube),
    );
    wait_for_index_builds(&star);
    record(
        "star_select_region_sum_by_dim",
        time(repeats, &star, &star_sel, &star_cube),
    );
    let out = serde_json::json!({
        "rows": n,
        "build_ms": build_ms,
        "model_bytes": report.bytes,
        "packed_row_bytes": packed,
        "bytes_per_row": report.bytes as f64 / n as f64,
        "row_index_bytes": index_bytes,
        "row_index_share_of_packed": index_bytes as f64 / packed as f64,
        "queries": results,
    });
    println!("{out}");
}
