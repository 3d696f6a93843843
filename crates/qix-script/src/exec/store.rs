//! STORE: a table written to a QVD, text (CSV) or Parquet file, through a temporary file and a rename
//! so that a failed write leaves no half file.

use super::tables::Body;
use super::{Cell, Exec};
use crate::error::ScriptError;
use crate::sources::{parquet, qvd, text};
use std::path::Path;

impl Exec<'_> {
    /// `STORE table INTO p (format)` (statement `i`).
    pub(super) fn store(
        &mut self,
        i: usize,
        table: &str,
        p: &str,
        format: &str,
    ) -> Result<(), ScriptError> {
        let t = self
            .tables
            .iter()
            .find(|t| t.name == table)
            .ok_or_else(|| self.err(i, &format!("table {table} not found")))?;
        let full = self.resolve_path(i, p)?;
        let n = t.len();
        let rows = || -> Result<Vec<Vec<Cell>>, ScriptError> {
            // Text and Parquet are written from rows: the rows must fit the memory limit.
            let per_row = std::mem::size_of::<Vec<Cell>>() + t.fields.len() * 48;
            self.budget()
                .check(0, n.saturating_mul(per_row) as u64)
                .map_err(|m| self.err(i, &m))?;
            Ok(t.body.to_rows())
        };
        let bytes = match (format, &t.body) {
            ("qvd", Body::Cols(cols, _)) => {
                let cols: Vec<_> = cols.iter().map(|c| (&c.values, &c.index)).collect();
                qvd::write_columns(&t.name, &t.fields, &cols)
            }
            ("qvd", Body::Rows(rows)) => qvd::write(&t.name, &t.fields, rows),
            ("txt" | "csv", _) => text::write(&t.fields, &rows()?).map_err(|m| self.err(i, &m))?,
            ("parquet", _) => parquet::write(&t.fields, &rows()?)
                .map_err(|m| self.err(i, &format!("{p}: {m}")))?,
            (other, _) => {
                return Err(self.err(
                    i,
                    &format!("STORE to {other} is not supported (qvd, txt, parquet)"),
                ))
            }
        };
        write_atomically(&full, &bytes).map_err(|m| self.err(i, &m))?;
        self.log.push(format!("Stored {table} ({n} rows) into {p}"));
        Ok(())
    }
}

/// Writes a file through a temporary name and a rename, so a failed write leaves no half file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // A fresh name, opened with create_new: never an existing file, nor a link planted under that name.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("{}-{n}.qixd-tmp", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let written = f
        .write_all(bytes)
        .and_then(|_| f.sync_all())
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    Ok(())
}
