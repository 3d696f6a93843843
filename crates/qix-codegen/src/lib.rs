//! Generates the `qix` SDK's typed QIX API, and the server's table of method signatures, from the
//! engine's OpenRPC spec (`crates/qix-protocol/spec/qix-engine-rpc-12.2528.0.json`: 336 methods, 333 types).
//!
//! What it is for: turning every schema into a serde type and every method into an async method on a
//! handle type (`Doc`, `GenericObject`, `Field`, ...), and every method's parameters into a static table
//! `qix-protocol` checks requests against. Its output is committed (under `crates/qix/src/generated/` and as
//! [`SIGNATURES`]); the test `tests/stale.rs` fails when that output is not what this generator writes
//! today. What it is not: a general OpenRPC generator — it knows the QIX conventions (the `q` prefix,
//! `qReturn`, `ObjectInterface` results that are handles, string enums whose titles are the wire values).
//!
//! Run `cargo run -p qix-codegen` after changing the generator or the spec.

mod emit;
mod names;
mod signatures;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The spec, relative to the workspace root.
pub const SPEC: &str = "crates/qix-protocol/spec/qix-engine-rpc-12.2528.0.json";
/// Where the SDK's generated files go, relative to the workspace root.
pub const OUT_DIR: &str = "crates/qix/src/generated";
/// The server's signature table, relative to the workspace root.
pub const SIGNATURES: &str = "crates/qix-protocol/src/spec/methods.rs";

/// The name of the schema `schema` refers to (`$ref`'s last segment), if it is a reference.
fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
}

/// The generated files (path relative to the workspace root, formatted source) for the spec at `root`.
pub fn generate_at(root: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(root.join(SPEC)).map_err(|e| format!("{SPEC}: {e}"))?;
    let spec: Value = serde_json::from_str(&text).map_err(|e| format!("{SPEC}: {e}"))?;
    let version = spec["info"]["version"].as_str().unwrap_or("?");
    let mut files: Vec<(String, String)> = emit::generate(&spec)?
        .into_iter()
        .map(|(name, code)| (format!("{OUT_DIR}/{name}"), code))
        .collect();
    files.push((
        SIGNATURES.to_string(),
        signatures::generate(&spec, version)?,
    ));
    files
        .into_iter()
        .map(|(path, code)| Ok((path, rustfmt(root, &code)?)))
        .collect()
}

/// Generates and writes the files; returns their paths.
pub fn write_all(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut written = vec![];
    for (name, code) in generate_at(root)? {
        let path = root.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, code).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Formats like `cargo fmt` does, so the committed files pass `cargo fmt --check` and compare byte for byte.
fn rustfmt(root: &Path, code: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = code.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    writer
        .join()
        .map_err(|_| "rustfmt writer panicked".to_string())?
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}
