//! Delimited text: CSV files and INLINE blocks.

use super::{Check, ColumnTable, Interner, RawTable};
use crate::ast::{FormatSpec, Labels};
use qix_engine::Dual;

/// A CSV reader over `body` with the spec's delimiter and quoting; `trim` trims values (INLINE).
fn csv_reader<'b>(
    body: &'b str,
    spec: &FormatSpec,
    trim: bool,
) -> Result<csv::Reader<&'b [u8]>, String> {
    Ok(csv_builder(spec, trim)?.from_reader(body.as_bytes()))
}

/// The CSV reader settings of a format spec: its delimiter and quoting; `trim` trims values (INLINE).
pub(super) fn csv_builder(spec: &FormatSpec, trim: bool) -> Result<csv::ReaderBuilder, String> {
    let delimiter = spec.delimiter.unwrap_or(',');
    let mut buf = [0u8; 4];
    let d = delimiter.encode_utf8(&mut buf);
    if d.len() != 1 {
        return Err(format!(
            "delimiter '{delimiter}' must be a single-byte character"
        ));
    }
    let mut builder = csv::ReaderBuilder::new();
    builder
        .delimiter(d.as_bytes()[0])
        .has_headers(false)
        .flexible(true)
        .quoting(spec.quotes)
        .trim(if trim {
            csv::Trim::All
        } else {
            csv::Trim::None
        });
    Ok(builder)
}

/// The text after `header is N lines`, without `comment is` lines; borrowed when there is nothing to drop.
fn body<'t>(text: &'t str, spec: &FormatSpec) -> std::borrow::Cow<'t, str> {
    if spec.header_lines == 0 && spec.comment.is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    // Lines keep their own endings, so a quoted value that spans lines keeps its `\r\n`.
    let kept: String = text
        .split_inclusive('\n')
        .skip(spec.header_lines)
        .filter(|l| {
            spec.comment
                .as_ref()
                .is_none_or(|c| !l.starts_with(c.as_str()))
        })
        .collect();
    std::borrow::Cow::Owned(kept)
}

/// The field names from the first record: its values (`embedded` / `explicit labels`) or `@1`, `@2`, ...
/// (`no labels`, and then the first record is data: the `bool` says so).
pub(super) fn field_names(
    first: &csv::StringRecord,
    labels: Labels,
) -> Result<(Vec<String>, bool), String> {
    let (fields, first_is_data): (Vec<String>, bool) = match labels {
        Labels::Embedded | Labels::Explicit => {
            (first.iter().map(|s| s.trim().to_string()).collect(), false)
        }
        Labels::None => ((1..=first.len()).map(|i| format!("@{i}")).collect(), true),
    };
    for (i, f) in fields.iter().enumerate() {
        if fields[..i].contains(f) {
            return Err(format!("field name '{f}' appears twice in the header"));
        }
    }
    Ok((fields, first_is_data))
}

/// Reads delimited text. `inline` trims values, as INLINE loads do.
pub fn read(text: &str, spec: &FormatSpec, inline: bool) -> Result<RawTable, String> {
    read_checked(text, spec, inline, &mut super::no_check)
}

/// [`read`], asking `check` every few thousand rows (and at the end) whether the rows so far may stay.
pub fn read_checked(
    text: &str,
    spec: &FormatSpec,
    inline: bool,
    check: &mut Check<'_>,
) -> Result<RawTable, String> {
    let body = body(text, spec);
    let body = if inline { body.trim() } else { &body };
    let mut reader = csv_reader(body, spec, inline)?;
    let mut records = reader.records();
    let mut out = RawTable::default();
    let first = match records.next() {
        Some(r) => r.map_err(|e| e.to_string())?,
        None => return Ok(out),
    };
    let (fields, first_is_data) = field_names(&first, spec.labels)?;
    out.fields = fields;
    let pending = first_is_data.then_some(first);
    let width = out.fields.len();
    let mut bytes = 0usize;
    for rec in pending.into_iter().map(Ok).chain(records) {
        let rec = rec.map_err(|e| e.to_string())?;
        if rec.len() == 1 && rec.get(0) == Some("") && width > 1 {
            continue; // blank line
        }
        let mut row: Vec<Option<Dual>> = rec
            .iter()
            .take(width)
            .map(|v| Some(Dual::interpret(v)))
            .collect();
        row.resize(width, None);
        bytes = bytes.saturating_add(super::row_bytes(&row));
        out.rows.push(row);
        if out.rows.len() % super::CHECK_EVERY == 0 {
            check(out.rows.len(), bytes)?;
        }
    }
    check(out.rows.len(), bytes)?;
    Ok(out)
}

/// Reads delimited text column by column (an optimized load): each column keeps its distinct texts and a
/// per-row index, so a value is parsed once however often it repeats. Same rules as [`read`] for files.
pub fn read_columns(text: &str, spec: &FormatSpec) -> Result<ColumnTable, String> {
    let body = body(text, spec);
    let mut reader = csv_reader(&body, spec, false)?;
    let mut record = csv::StringRecord::new();
    if !reader.read_record(&mut record).map_err(|e| e.to_string())? {
        return Ok(ColumnTable::default());
    }
    let (fields, pending) = field_names(&record, spec.labels)?;
    let width = fields.len();
    // Distinct values per column: numbers by value (as the model merges them anyway, keeping the first
    // text), texts by text.
    let mut columns: Vec<Interner> = (0..width).map(|_| Interner::default()).collect();
    let mut push = |rec: &csv::StringRecord| {
        if rec.len() == 1 && rec.get(0) == Some("") && width > 1 {
            return; // blank line
        }
        for (j, column) in columns.iter_mut().enumerate() {
            match rec.get(j) {
                None => column.push_null(),
                Some(v) => column.push_read(v),
            }
        }
    };
    if pending {
        push(&record);
    }
    while reader.read_record(&mut record).map_err(|e| e.to_string())? {
        push(&record);
    }
    let columns = columns.into_iter().map(Interner::finish).collect();
    Ok(ColumnTable { fields, columns })
}

/// Decodes file bytes: UTF-8 (a BOM is dropped) or Latin-1. UTF-8 takes the bytes over without a copy.
pub fn decode(mut bytes: Vec<u8>, latin1: bool) -> Result<String, String> {
    if latin1 {
        return Ok(bytes.iter().map(|b| *b as char).collect());
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("the file is not UTF-8 ({e}); add codepage is 1252 if it is Latin-1"))
}

/// Writes a table as comma-separated text with a header line.
pub fn write(fields: &[String], rows: &[Vec<Option<Dual>>]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).map_err(|e| e.to_string())?;
    for r in rows {
        w.write_record(r.iter().map(|c| c.as_ref().map_or("", |d| d.text.as_str())))
            .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FormatSpec {
        FormatSpec {
            quotes: true,
            ..FormatSpec::default()
        }
    }

    #[test]
    fn inline_and_csv() {
        let t = read("\n  a, b\n 1, x \n2,\"y, z\"\n", &spec(), true).unwrap();
        assert_eq!(t.fields, ["a", "b"]);
        assert_eq!(
            t.rows[0],
            vec![Some(Dual::with_text("1", 1.0)), Some(Dual::text("x"))]
        );
        assert_eq!(t.rows[1][1], Some(Dual::text("y, z")));
        let s = FormatSpec {
            delimiter: Some('|'),
            labels: Labels::None,
            header_lines: 1,
            ..spec()
        };
        let t = read("junk\n1|2|3\n4|5\n", &s, false).unwrap();
        assert_eq!(t.fields, ["@1", "@2", "@3"]);
        assert_eq!(t.rows[1][2], None);
        assert!(read("a,a\n1,2", &spec(), false).is_err());
        assert_eq!(decode(b"\xEF\xBB\xBFhi".to_vec(), false).unwrap(), "hi");
        assert_eq!(decode(b"caf\xe9".to_vec(), true).unwrap(), "café");
        assert!(decode(b"caf\xe9".to_vec(), false).is_err());
    }

    #[test]
    fn skipped_header_lines_leave_line_breaks_in_values_as_they_are() {
        let s = FormatSpec {
            header_lines: 1,
            ..spec()
        };
        let t = read("junk\r\na\r\n\"x\r\ny\"\r\n", &s, false).unwrap();
        assert_eq!(t.fields, ["a"]);
        assert_eq!(t.rows, [vec![Some(Dual::text("x\r\ny"))]]);
        // The streaming reader agrees: `text_columns`' tests check it.
    }

    #[test]
    fn columns_read_like_rows() {
        for (text, s) in [
            ("a,b\n1,x\n01,\"y, z\"\n\n1,x\n3\n", spec()),
            (
                "junk\n# note\n1|2|3\n4|5\n",
                FormatSpec {
                    delimiter: Some('|'),
                    labels: Labels::None,
                    header_lines: 1,
                    comment: Some("#".into()),
                    ..spec()
                },
            ),
        ] {
            let rows = read(text, &s, false).unwrap();
            let cols = read_columns(text, &s).unwrap();
            // Numbers are one value per number, keeping the first text (`01` reads as the `1` before
            // it), as the model's symbol tables make them; texts stay as they are.
            let same = |a: &Option<Dual>, b: &Option<Dual>| match (a, b) {
                (Some(x), Some(y)) if x.num.is_some() => x.num == y.num,
                _ => a == b,
            };
            let back = cols.clone().into_rows();
            assert_eq!(back.fields, rows.fields);
            assert_eq!(back.rows.len(), rows.rows.len());
            for (r, b) in rows.rows.iter().zip(&back.rows) {
                assert!(r.iter().zip(b).all(|(x, y)| same(x, y)), "{r:?} vs {b:?}");
            }
            assert!(cols.columns[0].values.len() <= cols.rows());
        }
    }
}
