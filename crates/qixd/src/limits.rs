//! Limits that keep one client from hurting the others: how deep and big a property tree may grow, how
//! many cells one data request may ask for, how much may wait unsent for a socket that does not read, and
//! how many JSON values one frame may hold before it is parsed.
//!
//! Each limit is a flag ([`crate::Config`]); the checks here are iterative (an explicit stack), so the
//! input they guard against — a tree thousands of levels deep — cannot overflow the checker's own stack.

use crate::view::defs::Page;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::Value;

/// The limits in force, taken from the flags at start.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Deepest nesting of a property tree (objects and arrays); deeper trees are refused. Kept under
    /// serde_json's own parse limit (128) so that every tree that is stored can be read back.
    pub max_property_depth: usize,
    /// Largest property tree, in approximate bytes of its JSON.
    pub max_property_bytes: usize,
    /// Most cells (`qWidth × qHeight`, summed over the pages) one `GetHyperCubeData` /
    /// `GetListObjectData` call or one `qInitialDataFetch` may ask for; Qlik's engine caps a page at
    /// 10,000 and answers 7009 beyond.
    pub max_page_cells: u64,
    /// Bytes that may wait unsent for one socket; a client that stops reading past this is disconnected.
    pub max_outgoing_bytes: usize,
    /// JSON values (numbers, strings, objects, arrays...) one frame may hold; counted on the raw text
    /// before parsing, so a frame of millions of tiny values is refused without being inflated.
    pub max_frame_values: usize,
    /// Longest chain of child objects (`CreateChild` on a child of a child ...).
    pub max_child_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_property_depth: 100,
            max_property_bytes: 16 * 1024 * 1024,
            max_page_cells: 10_000,
            max_outgoing_bytes: 256 * 1024 * 1024,
            max_frame_values: 4_000_000,
            max_child_depth: 100,
        }
    }
}

impl Limits {
    /// Refuses params nested deeper than a property tree may be: whatever a method stores, it cannot be
    /// deeper than what it was sent.
    pub fn check_depth(&self, value: &Value) -> Result<(), RpcError> {
        self.check_measured(measure(value, self.max_property_depth).0, 0)
    }

    /// Refuses a property tree deeper or bigger than the limits, with an invalid-params error saying which.
    pub fn check_properties(&self, value: &Value) -> Result<(), RpcError> {
        let (depth, bytes) = measure(value, self.max_property_depth);
        self.check_measured(depth, bytes)
    }

    /// The error for a tree of this depth and size, if either is over its limit (depth first).
    fn check_measured(&self, depth: usize, bytes: usize) -> Result<(), RpcError> {
        let over = if depth > self.max_property_depth {
            format!(
                "properties nested too deeply (more than {} levels)",
                self.max_property_depth
            )
        } else if bytes > self.max_property_bytes {
            format!(
                "properties too large (more than {} bytes)",
                self.max_property_bytes
            )
        } else {
            return Ok(());
        };
        Err(RpcError::new(ErrorCode::InvalidParams, over))
    }

    /// Refuses data pages asking for more cells than [`Limits::max_page_cells`] in all: error 7009
    /// "Calculation pages too large", as Qlik's engine answers.
    pub fn check_pages(&self, pages: &[Page]) -> Result<(), RpcError> {
        let cells = pages.iter().fold(0u64, |sum, p| {
            let (w, h) = (p.width as u64, p.height as u64);
            sum.saturating_add(w.saturating_mul(h))
        });
        self.check_cells(cells)
    }

    /// Refuses an answer of more than [`Limits::max_page_cells`] cells (error 7009), for the chart
    /// methods whose size the data decides rather than a page (continuous data, tree nodes): without it
    /// one call could render a whole cube of millions of rows.
    pub fn check_cells(&self, cells: u64) -> Result<(), RpcError> {
        if cells > self.max_page_cells {
            return Err(RpcError::new(
                ErrorCode::CalcPagesTooLarge,
                format!(
                    "{cells} cells asked for, more than {} per request",
                    self.max_page_cells
                ),
            ));
        }
        Ok(())
    }
}

/// The nesting depth of `value` (a scalar is 0, `[]` is 1) — stopping early once it passes `cap` — and
/// the approximate size of its JSON in bytes.
fn measure(value: &Value, cap: usize) -> (usize, usize) {
    let mut stack = vec![(value, 0usize)];
    let (mut deepest, mut bytes) = (0usize, 0usize);
    while let Some((v, depth)) = stack.pop() {
        bytes = bytes.saturating_add(8);
        match v {
            Value::String(s) => bytes = bytes.saturating_add(s.len()),
            Value::Array(items) => {
                deepest = deepest.max(depth + 1);
                if depth < cap {
                    stack.extend(items.iter().map(|i| (i, depth + 1)));
                }
            }
            Value::Object(map) => {
                deepest = deepest.max(depth + 1);
                if depth < cap {
                    for (k, i) in map {
                        bytes = bytes.saturating_add(k.len());
                        stack.push((i, depth + 1));
                    }
                }
            }
            _ => {}
        }
    }
    (deepest, bytes)
}

/// Counts the JSON values in `text` without parsing it: each scalar, key, object and array is one. Strings are
/// skipped with their escapes, so a string's commas and brackets do not count. Stops counting past `cap`.
pub fn count_values(text: &str, cap: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut count, mut i) = (0usize, 0usize);
    // In a run of scalar characters (a number, true, false, null): it counts once.
    let mut in_scalar = false;
    while i < bytes.len() && count <= cap {
        match bytes[i] {
            b'"' => {
                count += 1;
                in_scalar = false;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' => {
                count += 1;
                in_scalar = false;
            }
            b'}' | b']' | b',' | b':' | b' ' | b'\t' | b'\r' | b'\n' => in_scalar = false,
            _ => {
                if !in_scalar {
                    count += 1;
                    in_scalar = true;
                }
            }
        }
        i += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn depth_and_size_are_measured_without_recursion() {
        let limits = Limits::default();
        assert!(limits
            .check_properties(&json!({"a": [1, {"b": "x"}]}))
            .is_ok());
        // 100,000 levels: built and checked iteratively (a recursive walk would overflow).
        let mut deep = json!(1);
        for _ in 0..100_000 {
            deep = Value::Array(vec![deep]);
        }
        let e = limits.check_properties(&deep).unwrap_err();
        assert!(e.parameter.contains("nested too deeply"), "{}", e.parameter);
        let mut exact = json!(1);
        for _ in 0..limits.max_property_depth {
            exact = Value::Array(vec![exact]);
        }
        assert!(limits.check_properties(&exact).is_ok());
        let big = json!({"s": "x".repeat(limits.max_property_bytes)});
        assert!(limits
            .check_properties(&big)
            .unwrap_err()
            .parameter
            .contains("too large"));
        // serde_json drops a tree recursively: take this one apart level by level.
        while let Value::Array(mut a) = deep {
            deep = a.pop().unwrap_or(Value::Null);
        }
    }

    #[test]
    fn pages_over_the_cell_cap_get_7009() {
        let limits = Limits::default();
        let page = |v: Value| Page::parse(&v);
        let ok = [page(
            json!({"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 5000}),
        )];
        assert!(limits.check_pages(&ok).is_ok());
        let too_many = [
            page(json!({"qWidth": 2, "qHeight": 5000})),
            page(json!({"qWidth": 1, "qHeight": 1})),
        ];
        assert_eq!(limits.check_pages(&too_many).unwrap_err().code, 7009);
        let huge = [page(json!({"qWidth": u64::MAX, "qHeight": u64::MAX}))];
        assert_eq!(limits.check_pages(&huge).unwrap_err().code, 7009);
    }

    #[test]
    fn values_are_counted_on_the_raw_text() {
        // Keys count too: they are strings the parser allocates.
        assert_eq!(
            count_values(r#"{"a":[1,22,true,null],"b":"x,[y]\"z"}"#, 100),
            9
        );
        assert_eq!(count_values("[]", 100), 1);
        let many = format!("[{}1]", "1,".repeat(1000));
        assert_eq!(count_values(&many, 10_000), 1002);
        assert!(count_values(&many, 10) <= 12);
    }
}
