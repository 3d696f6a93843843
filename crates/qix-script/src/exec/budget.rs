//! The reload's row and memory limits: what the script's tables hold and what is left ([`Budget`]).

use super::Exec;
use crate::limits::Limits;

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
        let tables: usize = self.tables.iter().map(|t| t.body.bytes()).sum();
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
}
