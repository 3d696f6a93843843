//! The benchmark data, defined by formulas of the row number so that DuckDB can generate exactly the same
//! rows in SQL (see `duckdb_bench.py`): no files, no random generator to keep in sync.

/// A multiplicative hash of the row number, so that the columns below are not correlated.
pub fn mix(i: u64) -> u64 {
    (i * 2_654_435_761) % 4_294_967_291
}
/// `Dim`: 100 text values `D00`..`D99`.
pub fn dim(i: u64) -> String {
    format!("D{:02}", mix(i) % 100)
}
/// `Sel`: 50 integer values.
pub fn sel(i: u64) -> u64 {
    (mix(i) / 100) % 50
}
/// `D2`: 1,000 integer values.
pub fn d2(i: u64) -> u64 {
    (mix(i) / 5000) % 1000
}
/// `m1`: float with two decimals, 0..1000.
pub fn m1(i: u64) -> f64 {
    ((i * 40_503 + 17) % 100_000) as f64 / 100.0
}
/// `m2`: float with one decimal, 0..100.
pub fn m2(i: u64) -> f64 {
    ((i * 7_919) % 1_000) as f64 / 10.0
}
/// `m3`: integer 0..9999.
pub fn m3(i: u64) -> f64 {
    ((i * 97) % 10_000) as f64
}
/// Star schema: the fact's key into the 1,000-row dimension table.
pub fn key(i: u64) -> u64 {
    (i * 7_777) % 1000
}
/// Star schema: the dimension table's `Region` (20 values) for key `k`.
pub fn region(k: u64) -> String {
    format!("R{:02}", (k * 13) % 20)
}
