//! What the script tests share: running a script with no data connection, files relative to the temp
//! folder, default limits.

#![allow(dead_code)]

use qix_script::{reload, LoadEnv, LoadOutput, ScriptError};

/// Reloads `script` as a test does (no connections, no progress, no cancel, default limits).
pub fn reload_plain(script: &str) -> Result<LoadOutput, ScriptError> {
    let conn = |_: &str| None;
    let env = LoadEnv {
        connection: &conn,
        default_dir: std::env::temp_dir(),
        cancel: None,
        progress: None,
        limits: Default::default(),
    };
    reload(script, &env)
}
