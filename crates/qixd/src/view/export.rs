//! `ExportData`: a hypercube's rows as a file — CSV with commas (`CSV_C`) or tabs (`CSV_T`), Excel's
//! OOXML (`OOXML`, written with `rust_xlsxwriter`) or Parquet (`PARQUET`). The header row holds the
//! columns' titles; each cell its text as the layout shows it (numbers as numbers in xlsx and Parquet).
//!
//! As the real engine does, a CSV has at most [`MAX_CSV_CELLS`] cells and [`MAX_CSV_COLUMNS`] columns,
//! an xlsx sheet at most [`MAX_SHEET_ROWS`] rows; past them the file is cut and a warning (code 1000)
//! says so.

use super::defs::{CubeDef, Page};
use super::layout::cube;
use super::render;
use super::View;
use qix_engine::Dual;
use serde_json::{Map, Value};

/// Most cells of a CSV export.
pub const MAX_CSV_CELLS: usize = 5_000_000;
/// Most columns of a CSV export.
pub const MAX_CSV_COLUMNS: usize = 1000;
/// Most data rows of an xlsx sheet.
pub const MAX_SHEET_ROWS: usize = 1_048_566;

/// The file formats of `ExportData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated.
    CsvComma,
    /// Tab-separated.
    CsvTab,
    /// Excel (xlsx).
    Ooxml,
    /// Parquet.
    Parquet,
}

impl Format {
    /// The format a `qFileType` names (`CSV_C` or `EXPORT_CSV_C`, ...).
    pub fn parse(name: &str) -> Option<Format> {
        match name.trim_start_matches("EXPORT_") {
            "CSV_C" => Some(Format::CsvComma),
            "CSV_T" => Some(Format::CsvTab),
            "OOXML" => Some(Format::Ooxml),
            "PARQUET" => Some(Format::Parquet),
            _ => None,
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::CsvComma | Format::CsvTab => "csv",
            Format::Ooxml => "xlsx",
            Format::Parquet => "parquet",
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::CsvComma | Format::CsvTab => "text/csv; charset=utf-8",
            Format::Ooxml => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Parquet => "application/vnd.apache.parquet",
        }
    }
}

/// A cube as a table: column titles, and rows of cells (text, number).
pub struct Table {
    pub titles: Vec<String>,
    pub rows: Vec<Vec<(String, Option<f64>)>>,
    /// Rows or columns were left out by the format's limits.
    pub truncated: bool,
}

/// The table of the cube `def` defines, at most `max_rows` rows and `max_columns` columns.
pub fn cube_table(
    view: &View<'_>,
    def: &Map<String, Value>,
    max_rows: usize,
    max_columns: usize,
) -> Result<Table, String> {
    let (def, cube) = cube(view, def)?;
    let titles = titles(&def);
    let width = titles.len().min(max_columns);
    let height = cube.rows.len().min(max_rows);
    let page = Page {
        top: 0,
        left: 0,
        width,
        height,
    };
    let cells = render::Cells {
        def: &def,
        model: view.model(),
    };
    let page = render::cube_page(&cube, cells, &page);
    let rows = page["qMatrix"]
        .as_array()
        .map(|m| m.iter().map(row_cells).collect())
        .unwrap_or_default();
    Ok(Table {
        titles: titles.into_iter().take(width).collect(),
        rows,
        truncated: height < cube.rows.len() || width < def.dimensions.len() + def.measures.len(),
    })
}

/// The columns' titles: each dimension's label (else its field), each measure's label (else its
/// expression).
fn titles(def: &CubeDef) -> Vec<String> {
    let dims = def
        .dimensions
        .iter()
        .map(|d| d.label.clone().unwrap_or_else(|| d.field.clone()));
    let measures = def
        .measures
        .iter()
        .map(|m| m.label.clone().unwrap_or_else(|| m.expr.clone()));
    dims.chain(measures).collect()
}

/// A rendered row's cells as (text, number).
fn row_cells(row: &Value) -> Vec<(String, Option<f64>)> {
    row.as_array()
        .map(|cells| {
            cells
                .iter()
                .map(|c| {
                    let text = c["qText"].as_str().unwrap_or("").to_string();
                    (text, c["qNum"].as_f64())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The file of `table` in `format`.
pub fn encode(table: &Table, format: Format) -> Result<Vec<u8>, String> {
    match format {
        Format::CsvComma => Ok(csv(table, ',')),
        Format::CsvTab => Ok(csv(table, '\t')),
        Format::Ooxml => xlsx(table),
        Format::Parquet => parquet(table),
    }
}

/// CSV: a header row, then the cells' texts, quoted when they hold the separator, a quote or a line end.
fn csv(table: &Table, sep: char) -> Vec<u8> {
    let field = |s: &str| {
        if s.contains(sep) || s.contains('"') || s.contains('\n') || s.contains('\r') {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let line = |cells: Vec<String>| cells.join(&sep.to_string());
    out.push_str(&line(table.titles.iter().map(|t| field(t)).collect()));
    out.push_str("\r\n");
    for row in &table.rows {
        out.push_str(&line(row.iter().map(|(t, _)| field(t)).collect()));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// xlsx: one sheet, a bold header row, numbers as numbers.
fn xlsx(table: &Table) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format as Style, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Style::new().set_bold();
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    for (c, title) in table.titles.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, title, &bold)
            .map_err(err)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, (text, num)) in row.iter().enumerate() {
            let c = c as u16;
            match num {
                Some(n) if n.is_finite() => sheet.write_number(r, c, *n).map_err(err)?,
                _ => sheet.write_string(r, c, text).map_err(err)?,
            };
        }
    }
    book.save_to_buffer().map_err(err)
}

/// Parquet: one column per title, each cell a dual (text and number).
fn parquet(table: &Table) -> Result<Vec<u8>, String> {
    let rows: Vec<Vec<Option<Dual>>> = table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|(text, num)| match num {
                    Some(n) if n.is_finite() => Some(Dual::with_text(text.clone(), *n)),
                    _ if text.is_empty() || text == "-" => None,
                    _ => Some(Dual::text(text.clone())),
                })
                .collect()
        })
        .collect();
    qix_script::sources::parquet::write(&table.titles, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            titles: vec!["Region".into(), "Sum(Sales)".into()],
            rows: vec![
                vec![("North, East".into(), None), ("1,234".into(), Some(1234.0))],
                vec![("Say \"hi\"".into(), None), ("-".into(), None)],
            ],
            truncated: false,
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let text = String::from_utf8(csv(&table(), ',')).unwrap_or_default();
        assert_eq!(
            text,
            "Region,Sum(Sales)\r\n\"North, East\",\"1,234\"\r\n\"Say \"\"hi\"\"\",-\r\n"
        );
        let tabs = String::from_utf8(csv(&table(), '\t')).unwrap_or_default();
        assert!(tabs.starts_with("Region\tSum(Sales)\r\nNorth, East\t1,234\r\n"));
    }

    #[test]
    fn formats_by_name() {
        assert_eq!(Format::parse("EXPORT_OOXML"), Some(Format::Ooxml));
        assert_eq!(Format::parse("CSV_T"), Some(Format::CsvTab));
        assert_eq!(Format::parse("PDF"), None);
        assert!(xlsx(&table()).is_ok_and(|b| b.starts_with(b"PK")));
    }
}
