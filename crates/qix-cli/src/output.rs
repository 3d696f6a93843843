//! What a command prints: aligned tables for people, JSON for scripts.

use serde_json::{json, Map, Value};

/// A command's result.
#[derive(Debug)]
pub enum Report {
    /// Rows under headers; JSON as an array of objects keyed by header.
    Table(Table),
    /// A JSON document (properties, layouts), printed pretty in both modes.
    Json(Value),
    /// A line for people; JSON as `{"result": ...}` with the machine-readable value.
    Line(String, Value),
    /// Raw text (a script), printed as is; JSON as `{"result": text}`.
    Text(String),
}

/// Rows of cells under headers.
#[derive(Debug, Default)]
pub struct Table {
    /// Column names.
    pub headers: Vec<String>,
    /// Cells; a JSON value each so `--json` keeps numbers as numbers.
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// An empty table with these headers.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: vec![],
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Value>) {
        self.rows.push(cells);
    }
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Report {
    /// The text to print.
    pub fn render(&self, as_json: bool) -> String {
        match (self, as_json) {
            (Report::Table(t), true) => {
                let rows: Vec<Value> = t
                    .rows
                    .iter()
                    .map(|r| {
                        let m: Map<String, Value> =
                            t.headers.iter().cloned().zip(r.iter().cloned()).collect();
                        Value::Object(m)
                    })
                    .collect();
                pretty(&Value::Array(rows))
            }
            (Report::Table(t), false) => render_table(t),
            (Report::Json(v), _) => pretty(v),
            (Report::Line(_, v), true) => pretty(&json!({ "result": v })),
            (Report::Line(s, _), false) => format!("{s}\n"),
            (Report::Text(s), true) => pretty(&json!({ "result": s })),
            (Report::Text(s), false) if s.ends_with('\n') || s.is_empty() => s.clone(),
            (Report::Text(s), false) => format!("{s}\n"),
        }
    }
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

/// Columns padded to their widest cell; numbers right-aligned.
fn render_table(t: &Table) -> String {
    let texts: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let widths: Vec<usize> = (0..t.headers.len())
        .map(|i| {
            texts
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain([t.headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let numeric: Vec<bool> = (0..t.headers.len())
        .map(|i| {
            t.rows
                .iter()
                .any(|r| r.get(i).is_some_and(Value::is_number))
                && t.rows
                    .iter()
                    .all(|r| r.get(i).into_iter().all(|v| v.is_number() || v.is_null()))
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = widths.get(i).copied().unwrap_or(0);
                if numeric.get(i) == Some(&true) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&t.headers);
    for r in &texts {
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_json_keeps_numbers() {
        let mut t = Table::new(&["Name", "Rows"]);
        t.row(vec![json!("Orders"), json!(300000)]);
        t.row(vec![json!("Customers"), json!(42)]);
        let r = Report::Table(t);
        assert_eq!(
            r.render(false),
            "Name         Rows\nOrders     300000\nCustomers      42\n"
        );
        let j: Value = serde_json::from_str(&r.render(true)).unwrap();
        assert_eq!(j[0], json!({"Name": "Orders", "Rows": 300000}));
    }
}
