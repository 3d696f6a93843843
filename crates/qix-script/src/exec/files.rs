//! The files LOAD and STORE name: where a path points (a `lib://` connection or the default folder),
//! which format a file has, and the table name a file gives.

use super::Exec;
use crate::ast::FormatSpec;
use crate::error::ScriptError;
use crate::sources::path;
use std::path::{Path, PathBuf};

impl Exec<'_> {
    /// The file path `p` of statement `i` names.
    pub(super) fn resolve_path(&self, i: usize, p: &str) -> Result<PathBuf, ScriptError> {
        path::resolve(p, self.env.connection, &self.env.default_dir).map_err(|m| self.err(i, &m))
    }
}

/// The format of file `full`: the one the spec names, else `qvd` or `parquet` by its extension, else
/// `txt`.
pub(super) fn file_format(full: &Path, spec: &FormatSpec) -> String {
    let ext = full
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    spec.format.clone().unwrap_or(match ext.as_str() {
        "qvd" | "parquet" => ext,
        _ => "txt".into(),
    })
}

/// The name a table loaded from file `full` gets without a label: the file's name without extension.
pub(super) fn file_table_name(full: &Path) -> String {
    full.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("Table")
        .to_string()
}
