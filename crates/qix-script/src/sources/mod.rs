//! Data sources: where a LOAD's rows come from, and where STORE writes them.

pub mod parquet;
pub mod path;
pub mod qvd;
pub mod text;

use qix_engine::Dual;

/// Rows read from a source: field names and row-major cells (`None` = NULL).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawTable {
    /// Field names, in order.
    pub fields: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Option<Dual>>>,
}
