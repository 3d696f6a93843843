//! `GenericObject.ExportData`: the object's hypercube as a file, kept for the caller's user and served
//! at the returned `qUrl` (`/tempcontent/<id>/<name>`, see `http.rs`).

use super::{cube_params, def_at, state_name};
use crate::api::Ctx;
use crate::view::export::{
    cube_table, encode, Format, MAX_CSV_CELLS, MAX_CSV_COLUMNS, MAX_SHEET_ROWS,
};
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// `ExportData(qFileType, qPath, qFileName, qExportState, qServeOnce)`.
pub fn export_data(ctx: &mut Ctx<'_>, id: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let kind = p.get("qFileType").and_then(Value::as_str).unwrap_or("");
    let format = Format::parse(kind)
        .ok_or_else(|| RpcError::invalid_params(format!("unknown qFileType {kind}")))?;
    let def = def_at(ctx, id, &cube_params(p))?;
    let state = state_name(ctx, id, &def)?;
    let env = ctx.env;
    let view = crate::view::View::of(env, ctx.doc()?).in_state(Some(&state));
    let (max_rows, max_columns) = match format {
        Format::CsvComma | Format::CsvTab => (usize::MAX, MAX_CSV_COLUMNS),
        Format::Ooxml | Format::Parquet => (MAX_SHEET_ROWS, usize::MAX),
    };
    let mut table = cube_table(&view, &def, max_rows, max_columns)
        .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
    if matches!(format, Format::CsvComma | Format::CsvTab) {
        let width = table.titles.len().max(1);
        if table.rows.len() * width > MAX_CSV_CELLS {
            table.rows.truncate(MAX_CSV_CELLS / width);
            table.truncated = true;
        }
    }
    let bytes = encode(&table, format).map_err(|e| RpcError::new(ErrorCode::InvalidParams, e))?;
    let name = file_name(p, id, format);
    let once = p
        .get("qServeOnce")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let key = env.exports.put(
        ctx.user().clone(),
        name.clone(),
        format.content_type(),
        bytes,
        once,
    );
    let warnings: Vec<i64> = if table.truncated { vec![1000] } else { vec![] };
    Ok(json!({"qUrl": format!("/tempcontent/{key}/{}", urlencode(&name)), "qWarnings": warnings}))
}

/// The download's name: `qFileName` (its extension set to the format's), else the object's id.
fn file_name(p: &Map<String, Value>, id: &str, format: Format) -> String {
    let given = p.get("qFileName").and_then(Value::as_str).unwrap_or("");
    let stem = given
        .rsplit_once('.')
        .map_or(given, |(s, _)| s)
        .chars()
        .filter(|c| !matches!(c, '/' | '\\' | '"' | '\0'..='\x1f'))
        .collect::<String>();
    let stem = if stem.is_empty() {
        id.to_string()
    } else {
        stem
    };
    format!("{stem}.{}", format.extension())
}

/// Percent-encodes what a URL path segment cannot hold as it is.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
