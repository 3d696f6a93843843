//! The reload's row and memory limits: what the script's tables hold, what is left ([`Budget`]), and
//! turning optimized loads' columns into rows only when those fit.

use super::Exec;
use crate::error::ScriptError;
use crate::limits::Limits;
use crate::sources::{self, ColumnTable};

/// Estimated bytes of one entry of a mapping table (key text, value and hash slot).
const MAPPING_ENTRY_BYTES: usize = 96;

/// A reload's row and memory limits with what was used when a statement started.
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    limits: Limits,
    /// Rows made so far.
    rows_made: u64,
    /// Estimated bytes the script's tables hold.
    held: u64,
}

impl Budget {
    /// Whether `rows` more rows and `bytes` more bytes fit; the error says which limit they break.
    pub(super) fn check(&self, rows: u64, bytes: u64) -> Result<(), String> {
        let max_rows = self.limits.max_rows;
        if self.rows_made.saturating_add(rows) > max_rows {
            return Err(format!(
                "the reload would make more than {max_rows} rows (the limit of rows per reload)"
            ));
        }
        let max_memory = self.limits.max_memory;
        if self.held.saturating_add(bytes) > max_memory {
            return Err(format!(
                "the reload's tables would hold more than {} (the memory limit per reload)",
                show_bytes(max_memory)
            ));
        }
        Ok(())
    }
}

/// A byte count for a message: `8 GiB`, `1.5 MiB`, `300 bytes`.
fn show_bytes(b: u64) -> String {
    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;
    if b >= GIB && b & (GIB - 1) == 0 {
        format!("{} GiB", b / GIB)
    } else if b >= MIB {
        format!("{:.1} MiB", b as f64 / MIB as f64)
    } else {
        format!("{b} bytes")
    }
}

impl Exec<'_> {
    /// What is left of the row and memory limits now.
    pub(super) fn budget(&self) -> Budget {
        let tables: usize = self
            .tables
            .iter()
            .map(|t| t.cols.as_ref().map_or(0, ColumnTable::bytes) + sources::rows_bytes(&t.rows))
            .sum();
        let mappings: usize = self
            .mappings
            .values()
            .map(|m| m.len() * MAPPING_ENTRY_BYTES)
            .sum();
        Budget {
            limits: self.env.limits,
            rows_made: self.rows_made,
            held: tables.saturating_add(mappings) as u64,
        }
    }

    /// Turns every optimized load's columns into rows (before a statement that reads rows), unless the
    /// rows would not fit the memory limit (statement `at` then fails).
    pub(super) fn materialize_all(&mut self, at: usize) -> Result<(), ScriptError> {
        if self.tables.iter().all(|t| t.cols.is_none()) {
            return Ok(());
        }
        let budget = self.budget();
        let mut grows = 0u64;
        for t in &self.tables {
            if let Some(c) = &t.cols {
                grows = grows.saturating_add(c.rows_bytes().saturating_sub(c.bytes()) as u64);
            }
        }
        budget.check(0, grows).map_err(|m| self.err(at, &m))?;
        for t in &mut self.tables {
            t.materialize();
        }
        Ok(())
    }
}
