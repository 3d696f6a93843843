//! The data-load editor's file browser over folder connections: listing a folder, guessing a file's
//! format, the tables and fields of a text file and a preview of its rows, an include file's text.
//!
//! Every path goes through the same resolution as the load script (`qix_script::sources::path`), with the
//! connection's folder from [`crate::folders::Folders`]: nothing outside a connection's folder is read.

use super::context::Ctx;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The most of a file read for its fields, a preview or an include (bytes).
const READ_LIMIT: u64 = 4 << 20;

/// The real path of `path` (`lib://<connection>/<rel>`, or `<rel>` in `connection`), kept inside the
/// connection's folder; an empty `rel` is the folder itself.
pub fn resolve(
    ctx: &mut Ctx<'_>,
    connection: Option<&str>,
    path: &str,
) -> Result<PathBuf, RpcError> {
    let full = match connection {
        Some(c) => format!("lib://{c}/{}", path.trim_start_matches('/')),
        None => path.to_string(),
    };
    let env = ctx.env;
    let conns = ctx.doc()?.record().connections.clone();
    let lookup = |name: &str| env.folders.connection(&conns, name);
    let denied = |e: String| RpcError::new(ErrorCode::FileAccessDenied, e);
    let rest = full
        .strip_prefix("lib://")
        .ok_or_else(|| denied(format!("{full} is not a lib:// path")))?;
    let (name, rel) = rest.split_once('/').unwrap_or((rest, ""));
    if rel.trim_matches('/').is_empty() {
        return lookup(name).ok_or_else(|| RpcError::new(ErrorCode::NotFound, name.to_string()));
    }
    qix_script::sources::path::resolve(&full, &lookup, env.folders.data_dir()).map_err(denied)
}

/// The entries of a folder as `FolderItem`s, folders first, by name.
pub fn list(dir: &Path) -> Vec<Value> {
    let mut items: Vec<(bool, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            (
                !e.path().is_dir(),
                e.file_name().to_string_lossy().into_owned(),
            )
        })
        .collect();
    items.sort();
    items
        .into_iter()
        .map(|(file, name)| json!({"qName": name, "qType": if file { "FILE" } else { "FOLDER" }}))
        .collect()
}

/// The start of a file as text (lossy UTF-8), at most [`READ_LIMIT`] bytes.
pub fn head(path: &Path) -> Result<String, RpcError> {
    let mut bytes = vec![];
    std::fs::File::open(path)
        .and_then(|f| f.take(READ_LIMIT).read_to_end(&mut bytes))
        .map_err(|e| RpcError::new(ErrorCode::NotFound, e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The format of a file as `FileDataFormat`, from its extension (and, for text, its first line's
/// delimiter).
pub fn guess(path: &Path) -> Value {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let kind = match ext.as_str() {
        "qvd" => "QVD",
        "parquet" => "PARQUET",
        "xlsx" | "xls" => "EXCEL_OOXML",
        "xml" => "XML",
        "json" => "JSON",
        "html" | "htm" => "HTML",
        "kml" => "KML",
        "qvx" => "QVX",
        _ => "CSV",
    };
    let delimiter = if kind == "CSV" {
        let first = head(path).unwrap_or_default();
        let line = first.lines().next().unwrap_or("").to_string();
        [',', ';', '\t', '|']
            .into_iter()
            .max_by_key(|d| line.matches(*d).count())
            .unwrap_or(',')
    } else {
        ','
    };
    format(kind, delimiter)
}

/// A `FileDataFormat` of `kind` with embedded labels and `delimiter`.
fn format(kind: &str, delimiter: char) -> Value {
    let (name, code) = match delimiter {
        ';' => ("Semicolon", "';'"),
        '\t' => ("Tab", "'\\t'"),
        '|' => ("Pipe", "'|'"),
        _ => ("Comma", "','"),
    };
    json!({"qType": kind, "qLabel": "embedded labels", "qQuote": "msq", "qComment": "",
           "qDelimiter": {"qName": name, "qScriptCode": code, "qNumber": delimiter as u32, "qIsMultiple": false},
           "qCodePage": 65001, "qHeaderSize": 0, "qRecordSize": 0, "qTabSize": 0, "qIgnoreEOF": false,
           "qFixedWidthDelimiters": ""})
}

/// The delimiter a `FileDataFormat` names (`qDelimiter.qScriptCode` or its char code), else `,`.
pub fn delimiter_of(format: &Value) -> char {
    let d = &format["qDelimiter"];
    if let Some(code) = d["qScriptCode"].as_str() {
        let inner = code.trim_matches('\'');
        return match inner {
            "\\t" => '\t',
            s => s.chars().next().unwrap_or(','),
        };
    }
    d["qNumber"]
        .as_u64()
        .and_then(|n| char::from_u32(n as u32))
        .filter(|c| *c != '\0')
        .unwrap_or(',')
}

/// The rows of a delimited text, each split into cells (double quotes group, `""` is a quote); at most
/// `max` rows.
pub fn rows(text: &str, delimiter: char, max: usize) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(max)
        .map(|line| split(line, delimiter))
        .collect()
}

fn split(line: &str, delimiter: char) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        let cell = cells.last_mut();
        match (c, quoted, cell) {
            ('"', true, Some(cell)) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _, _) => quoted = !quoted,
            (d, false, _) if d == delimiter => cells.push(String::new()),
            (c, _, Some(cell)) => cell.push(c),
            _ => {}
        }
    }
    cells
}

/// The table a text file holds: its name (the file's stem) and its field names (the first row with
/// embedded labels, else `@1`, `@2`, ...).
pub fn text_table(path: &Path, format: &Value) -> Result<(String, Vec<String>), RpcError> {
    let text = head(path)?;
    let first = rows(&text, delimiter_of(format), 1)
        .pop()
        .unwrap_or_default();
    let labels = format["qLabel"].as_str().unwrap_or("embedded labels");
    let fields = if labels.eq_ignore_ascii_case("no labels") {
        (1..=first.len()).map(|i| format!("@{i}")).collect()
    } else {
        first
    };
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((name, fields))
}
