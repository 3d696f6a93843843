//! What the script tests share: running a script with no data connection, files relative to the temp
//! folder, default limits.

#![allow(dead_code)]

use qix_script::{reload, LoadEnv, LoadOutput, ScriptError};

/// Runs `f` with the environment a test reloads in: no connections, no progress, no cancel, `limits`.
pub fn with_env<T>(limits: qix_script::Limits, f: impl FnOnce(&LoadEnv<'_>) -> T) -> T {
    let conn = |_: &str| None;
    let env = LoadEnv {
        connection: &conn,
        default_dir: std::env::temp_dir(),
        cancel: None,
        progress: None,
        limits,
    };
    f(&env)
}

/// Reloads `script` as a test does (no connections, no progress, no cancel, default limits).
pub fn reload_plain(script: &str) -> Result<LoadOutput, ScriptError> {
    with_env(Default::default(), |env| reload(script, env))
}

/// The cells of `field` in `table`, in row order (`None` for NULL); a missing table or field fails the test.
pub fn cells(m: &qix_engine::DataModel, table: &str, field: &str) -> Vec<Option<qix_engine::Dual>> {
    let t = &m.tables[m
        .table_id(table)
        .unwrap_or_else(|| panic!("no table {table}"))];
    let f = m
        .field_id(field)
        .unwrap_or_else(|| panic!("no field {field}"));
    let col = t
        .column(f)
        .unwrap_or_else(|| panic!("{field} is not in {table}"));
    (0..t.rows)
        .map(|r| {
            let s = col.get(r);
            (s != qix_engine::packed::NULL).then(|| m.fields[f].symbols.get(s))
        })
        .collect()
}

/// The texts of `field` in `table`, in row order (`-` for NULL, as Qlik shows it).
pub fn texts(m: &qix_engine::DataModel, table: &str, field: &str) -> Vec<String> {
    cells(m, table, field)
        .into_iter()
        .map(|d| d.map_or_else(|| "-".to_string(), |d| d.text))
        .collect()
}
