//! QVD, Qlik's own table format: an XML header, then each field's symbol table, then the rows as
//! bit-packed symbol indexes.
//!
//! Symbols are typed: 1 integer (i32), 2 double, 4 text (NUL-terminated), 5 integer + text, 6 double +
//! text. A row stores, per field, `index - Bias` in `BitWidth` bits at `BitOffset`; an index below 0 is NULL.

use super::{Check, ColumnTable, RawTable, SymbolColumn, NULL_INDEX};
use qix_engine::dual::format_number;
use qix_engine::packed::PackedColumn;
use qix_engine::symbols::SymbolTable;
use qix_engine::Dual;
use rayon::prelude::*;
use std::borrow::Cow;

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The text of the first `<tag>...</tag>` in `xml`.
fn tag<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let s = xml.find(&open)? + open.len();
    let e = xml[s..].find(&close)? + s;
    Some(&xml[s..e])
}

fn num_tag(xml: &str, name: &str) -> Result<i64, String> {
    tag(xml, name)
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("QVD header lacks a valid <{name}>"))
}

struct FieldHeader {
    name: String,
    bit_offset: usize,
    bit_width: usize,
    bias: i64,
    symbols: usize,
    offset: usize,
    length: usize,
}

/// Reads a QVD file's bytes (at most [`crate::Limits::DEFAULT_MAX_ROWS`] records).
pub fn read(bytes: &[u8]) -> Result<RawTable, String> {
    read_columns(bytes).map(ColumnTable::into_rows)
}

/// Reads a QVD file as it is stored: per field, its symbols and each row's symbol index (at most
/// [`crate::Limits::DEFAULT_MAX_ROWS`] records).
pub fn read_columns(bytes: &[u8]) -> Result<ColumnTable, String> {
    read_columns_checked(bytes, &mut default_check)
}

/// Refuses more records than [`crate::Limits::DEFAULT_MAX_ROWS`].
fn default_check(rows: usize, _bytes: usize) -> Result<(), String> {
    let max = crate::Limits::DEFAULT_MAX_ROWS;
    if rows as u64 > max {
        return Err(format!("the QVD file has {rows} records, more than {max}"));
    }
    Ok(())
}

/// A number from the header that must be a count, size or offset (not negative).
fn size_tag(xml: &str, name: &str) -> Result<usize, String> {
    usize::try_from(num_tag(xml, name)?)
        .map_err(|_| format!("QVD header has a negative or too large <{name}>"))
}

/// [`read_columns`], asking `check` (with the record count and an estimate of the bytes the columns will
/// hold) before any row is decoded: a header claiming billions of records fails there, not in an
/// allocation. Nothing in the file is trusted: sizes, offsets and widths that do not fit the file are
/// errors.
pub fn read_columns_checked(bytes: &[u8], check: &mut Check<'_>) -> Result<ColumnTable, String> {
    const END: &[u8] = b"</QvdTableHeader>";
    let end = bytes
        .windows(END.len())
        .position(|w| w == END)
        .ok_or("not a QVD file: no </QvdTableHeader>")?;
    let header = std::str::from_utf8(&bytes[..end]).map_err(|_| "QVD header is not UTF-8")?;
    let mut data_start = end + END.len();
    while data_start < bytes.len() && matches!(bytes[data_start], b'\r' | b'\n' | 0) {
        data_start += 1;
    }
    let data = bytes.get(data_start..).unwrap_or_default();
    let fields_xml = tag(header, "Fields").ok_or("QVD header has no <Fields>")?;
    let mut fields = Vec::new();
    for block in fields_xml.split("<QvdFieldHeader>").skip(1) {
        fields.push(FieldHeader {
            name: unescape(tag(block, "FieldName").ok_or("QVD field without a name")?),
            bit_offset: size_tag(block, "BitOffset")?,
            bit_width: size_tag(block, "BitWidth")?,
            bias: num_tag(block, "Bias")?,
            symbols: size_tag(block, "NoOfSymbols")?,
            offset: size_tag(block, "Offset")?,
            length: size_tag(block, "Length")?,
        });
    }
    // The table-level numbers follow </Fields>.
    let tail = &header[header.find("</Fields>").unwrap_or(0)..];
    let record_size = size_tag(tail, "RecordByteSize")?;
    let records = size_tag(tail, "NoOfRecords")?;
    let index_offset = size_tag(tail, "Offset")?;
    let index = record_size
        .checked_mul(records)
        .and_then(|len| index_offset.checked_add(len))
        .and_then(|to| data.get(index_offset..to))
        .ok_or("QVD rows lie outside the file")?;
    // Records of 0 bytes (every field a single value) take no room, so the file does not bound them.
    let packed: usize = fields
        .iter()
        .map(|f| records.saturating_mul(f.bit_width.clamp(1, 32)) / 8)
        .fold(0, usize::saturating_add);
    check(records, packed.saturating_add(data.len()))?;
    let mut symbol_tables = Vec::new();
    for f in &fields {
        let slice = f
            .offset
            .checked_add(f.length)
            .and_then(|to| data.get(f.offset..to))
            .ok_or_else(|| format!("QVD symbols of {} lie outside the file", f.name))?;
        symbol_tables
            .push(read_symbols(slice, f.symbols).map_err(|e| format!("field {}: {e}", f.name))?);
    }
    // Each field's column decodes on its own, in parallel.
    let columns: Vec<SymbolColumn> = fields
        .par_iter()
        .zip(symbol_tables.into_par_iter())
        .map(|(f, values)| {
            let n = values.len() as i64;
            // Straight into the model's packed form: no unpacked copy of the column is ever held.
            let rows = index
                .chunks_exact(record_size.max(1))
                .map(|rec| bits(rec, f.bit_offset, f.bit_width))
                .chain(std::iter::repeat(0))
                .take(records)
                .map(|stored| {
                    let idx = (stored as i64).saturating_add(f.bias);
                    if idx < 0 || idx >= n {
                        NULL_INDEX
                    } else {
                        idx as u32
                    }
                });
            let index = PackedColumn::pack_iter(rows, records, values.len());
            SymbolColumn { values, index }
        })
        .collect();
    Ok(ColumnTable {
        fields: fields.into_iter().map(|f| f.name).collect(),
        columns,
    })
}

/// `width` bits at bit `offset` of a little-endian record (bits past the record read as 0).
fn bits(rec: &[u8], offset: usize, width: usize) -> u64 {
    if width == 0 {
        return 0;
    }
    let width = width.min(64);
    let mut buf = [0u8; 16];
    let rest = rec.get(offset / 8..).unwrap_or_default();
    let avail = rest.len().min(16);
    buf[..avail].copy_from_slice(&rest[..avail]);
    let v = u128::from_le_bytes(buf) >> (offset % 8);
    (v as u64) & (u64::MAX >> (64 - width))
}

/// A QVD field's symbol table, straight into the engine's store: the symbols are distinct already, so
/// nothing is hashed, and numbers without a text of their own store no text.
fn read_symbols(mut s: &[u8], count: usize) -> Result<SymbolTable, String> {
    let mut out = SymbolTable::default();
    // Every symbol takes at least two bytes: the count cannot ask for more room than that.
    out.reserve(count.min(s.len() / 2));
    fn take<'a>(s: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
        if s.len() < n {
            return Err("symbol table ends early".into());
        }
        let (a, b) = s.split_at(n);
        *s = b;
        Ok(a)
    }
    fn text<'a>(s: &mut &'a [u8]) -> Result<Cow<'a, str>, String> {
        let nul = s
            .iter()
            .position(|b| *b == 0)
            .ok_or("unterminated text symbol")?;
        let t = String::from_utf8_lossy(&s[..nul]);
        *s = &s[nul + 1..];
        Ok(t)
    }
    let int = |b: &[u8]| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64;
    let double = |b: &[u8]| -> Result<f64, String> {
        Ok(f64::from_le_bytes(b.try_into().map_err(|_| "bad double")?))
    };
    for _ in 0..count {
        let kind = take(&mut s, 1)?[0];
        match kind {
            1 => {
                let n = int(take(&mut s, 4)?);
                out.push_distinct(Some(n), None);
            }
            2 => {
                let n = double(take(&mut s, 8)?)?;
                out.push_distinct(Some(n), None);
            }
            4 => {
                out.push_distinct(None, Some(&text(&mut s)?));
            }
            5 => {
                let n = int(take(&mut s, 4)?);
                out.push_distinct(Some(n), Some(&text(&mut s)?));
            }
            6 => {
                let n = double(take(&mut s, 8)?)?;
                out.push_distinct(Some(n), Some(&text(&mut s)?));
            }
            k => return Err(format!("unknown symbol type {k}")),
        }
    }
    Ok(out)
}

fn write_symbol(out: &mut Vec<u8>, d: &Dual) {
    match d.num {
        Some(n) => {
            let int = n.fract() == 0.0 && n >= i32::MIN as f64 && n <= i32::MAX as f64;
            let plain = d.text == format_number(n);
            match (int, plain) {
                (true, true) => {
                    out.push(1);
                    out.extend((n as i32).to_le_bytes());
                }
                (false, true) => {
                    out.push(2);
                    out.extend(n.to_le_bytes());
                }
                (true, false) => {
                    out.push(5);
                    out.extend((n as i32).to_le_bytes());
                    out.extend(d.text.as_bytes());
                    out.push(0);
                }
                (false, false) => {
                    out.push(6);
                    out.extend(n.to_le_bytes());
                    out.extend(d.text.as_bytes());
                    out.push(0);
                }
            }
        }
        None => {
            out.push(4);
            out.extend(d.text.as_bytes());
            out.push(0);
        }
    }
}

/// Writes a table given as rows as a QVD file.
pub fn write(table_name: &str, fields: &[String], rows: &[Vec<Option<Dual>>]) -> Vec<u8> {
    let cols: Vec<SymbolColumn> = (0..fields.len())
        .map(|c| {
            SymbolColumn::from_cells(rows.iter().map(|r| r.get(c).cloned().flatten()), rows.len())
        })
        .collect();
    let cols: Vec<(&SymbolTable, &PackedColumn)> =
        cols.iter().map(|c| (&c.values, &c.index)).collect();
    write_columns(table_name, fields, &cols)
}

/// Where a field's values sit in a QVD record: bit offset, bit width and bias.
type Layout = (usize, usize, i64);

/// Writes a table given as columns (per field its symbols and its rows' symbol indexes, all of the
/// same length) as a QVD file: the symbols as they are, the rows bit-packed into the records — no row
/// of values is ever built.
pub fn write_columns(
    table_name: &str,
    fields: &[String],
    cols: &[(&SymbolTable, &PackedColumn)],
) -> Vec<u8> {
    let rows = cols.first().map_or(0, |c| c.1.len());
    let mut data = Vec::new();
    let mut headers = String::new();
    let mut bit_offset = 0usize;
    let mut layout: Vec<Layout> = Vec::new();
    for (name, &(values, index)) in fields.iter().zip(cols) {
        let start = data.len();
        for s in 0..values.len() as u32 {
            write_symbol(&mut data, &values.get(s));
        }
        let has_null = index.iter().any(|s| s == NULL_INDEX);
        let bias: i64 = if has_null { -2 } else { 0 };
        let max_stored = (values.len() as i64 - 1 - bias).max(0) as u64;
        let width = if max_stored == 0 {
            0
        } else {
            64 - max_stored.leading_zeros() as usize
        };
        layout.push((bit_offset, width, bias));
        headers.push_str(&format!(
            "    <QvdFieldHeader>\n      <FieldName>{}</FieldName>\n      <BitOffset>{bit_offset}</BitOffset>\n      <BitWidth>{width}</BitWidth>\n      <Bias>{bias}</Bias>\n      <NumberFormat>\n        <Type>UNKNOWN</Type>\n        <nDec>0</nDec>\n        <UseThou>0</UseThou>\n        <Fmt></Fmt>\n        <Dec></Dec>\n        <Thou></Thou>\n      </NumberFormat>\n      <NoOfSymbols>{}</NoOfSymbols>\n      <Offset>{start}</Offset>\n      <Length>{}</Length>\n      <Comment></Comment>\n      <Tags></Tags>\n    </QvdFieldHeader>\n",
            escape(name),
            values.len(),
            data.len() - start
        ));
        bit_offset += width;
    }
    let record_size = bit_offset.div_ceil(8);
    let index_offset = data.len();
    write_records(&mut data, cols, &layout, record_size, rows);
    // The elements Qlik writes, in its order: other readers (pyqvd, Qlik itself) expect all of them.
    let created = qix_expr::dates::format::format_date(
        qix_expr::dates::now(),
        "YYYY-MM-DD hh:mm:ss",
        &qix_expr::Locale::default(),
    )
    .unwrap_or_default();
    let header = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<QvdTableHeader>\n  <QvBuildNo>50640</QvBuildNo>\n  <CreatorDoc>qixd</CreatorDoc>\n  <CreateUtcTime>{created}</CreateUtcTime>\n  <SourceCreateUtcTime></SourceCreateUtcTime>\n  <SourceFileUtcTime></SourceFileUtcTime>\n  <SourceFileSize>-1</SourceFileSize>\n  <StaleUtcTime></StaleUtcTime>\n  <TableName>{}</TableName>\n  <Fields>\n{headers}  </Fields>\n  <Compression></Compression>\n  <RecordByteSize>{record_size}</RecordByteSize>\n  <NoOfRecords>{}</NoOfRecords>\n  <Offset>{index_offset}</Offset>\n  <Length>{}</Length>\n  <Lineage>\n    <LineageInfo>\n      <Discriminator>{{STORE - qixd}};</Discriminator>\n      <Statement></Statement>\n    </LineageInfo>\n  </Lineage>\n  <Comment></Comment>\n  <EncryptionInfo></EncryptionInfo>\n</QvdTableHeader>\r\n\0",
        escape(table_name),
        rows,
        record_size * rows
    );
    let mut out = header.into_bytes();
    out.extend(data);
    out
}

/// Appends the records: per row, each field's symbol (less the bias; NULL is -1) in its bits.
fn write_records(
    data: &mut Vec<u8>,
    cols: &[(&SymbolTable, &PackedColumn)],
    layout: &[Layout],
    record_size: usize,
    rows: usize,
) {
    data.reserve(record_size * rows);
    let mut symbols: Vec<_> = cols.iter().map(|c| c.1.iter()).collect();
    let mut rec = vec![0u8; record_size];
    for _ in 0..rows {
        rec.fill(0);
        for (it, &(off, width, bias)) in symbols.iter_mut().zip(layout) {
            let idx = match it.next() {
                Some(s) if s != NULL_INDEX => s as i64,
                _ => -1,
            };
            put_bits(&mut rec, off, width, (idx - bias).max(0) as u64);
        }
        data.extend_from_slice(&rec);
    }
}

/// Writes the low `width` bits of `v` at bit `off` of `rec` (least significant bit first).
fn put_bits(rec: &mut [u8], off: usize, width: usize, mut v: u64) {
    let (mut bit, mut left) = (off, width);
    while left > 0 {
        let shift = bit % 8;
        let take = (8 - shift).min(left);
        if let Some(b) = rec.get_mut(bit / 8) {
            *b |= ((v & ((1u64 << take) - 1)) << shift) as u8;
        }
        v >>= take;
        bit += take;
        left -= take;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_it_reads() {
        let fields = vec!["a".to_string(), "b & c".to_string(), "n".to_string()];
        let rows = vec![
            vec![Some(Dual::number(1.0)), Some(Dual::text("x")), None],
            vec![
                Some(Dual::number(2.5)),
                Some(Dual::with_text("01", 1.0)),
                None,
            ],
            vec![Some(Dual::number(-7.0)), None, None],
            vec![
                Some(Dual::number(1.0)),
                Some(Dual::with_text("1.50", 1.5)),
                None,
            ],
        ];
        let bytes = write("T", &fields, &rows);
        let back = read(&bytes).unwrap();
        assert_eq!(back.fields, fields);
        assert_eq!(back.rows, rows);
        assert!(read(b"nonsense").is_err());
        let mut truncated = bytes.clone();
        truncated.truncate(bytes.len() - 3);
        assert!(read(&truncated).is_err());
    }
}
