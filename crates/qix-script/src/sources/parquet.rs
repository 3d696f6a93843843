//! Parquet: read with the parquet crate's typed column readers (flat schemas: one value per row and
//! column, NULL from the definition levels) and written by `STORE ... (parquet)` with typed column writers.
//!
//! Types map as a Qlik user expects: integers and floats are numbers; strings are text; `DATE` is a date
//! (a dual: `YYYY-MM-DD` and its serial number), `TIMESTAMP` a timestamp (`YYYY-MM-DD hh:mm:ss`); decimals are
//! numbers; booleans are -1 / 0 as in Qlik. Nested (repeated or grouped) columns are refused by name.

use super::parquet_pages::{self, PageError};
use super::{Check, ColumnTable, Interner, RawTable, SymbolColumn};
use bytes::Bytes;
use parquet::basic::{ConvertedType, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::column::reader::ColumnReader;
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{ColumnDescriptor, Type};
use qix_engine::dual::format_number;
use qix_engine::Dual;
use qix_expr::dates;
use rayon::prelude::*;
use std::sync::Arc;

/// Rows read per batch from one column chunk.
const BATCH: usize = 64 * 1024;

/// Days from 1970-01-01 to Qlik's day 0 (1899-12-30).
const UNIX_EPOCH_SERIAL: f64 = 25_569.0;

fn date(days: i64) -> Dual {
    let serial = days as f64 + UNIX_EPOCH_SERIAL;
    match dates::parts(serial) {
        Some(p) => Dual::with_text(format!("{:04}-{:02}-{:02}", p.year, p.month, p.day), serial),
        None => Dual::number(serial),
    }
}

fn timestamp(value: i64, unit: &TimeUnit) -> Dual {
    let per_day = match unit {
        TimeUnit::MILLIS => 86_400_000.0,
        TimeUnit::MICROS => 86_400_000_000.0,
        TimeUnit::NANOS => 86_400_000_000_000.0,
    };
    let serial = value as f64 / per_day + UNIX_EPOCH_SERIAL;
    match dates::parts(serial) {
        Some(p) => Dual::with_text(
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                p.year, p.month, p.day, p.hour, p.minute, p.second
            ),
            serial,
        ),
        None => Dual::number(serial),
    }
}

fn decimal_scale(col: &ColumnDescriptor) -> Option<i32> {
    match (col.logical_type_ref(), col.converted_type()) {
        (Some(LogicalType::Decimal { scale, .. }), _) => Some(*scale),
        (_, ConvertedType::DECIMAL) => Some(col.type_scale()),
        _ => None,
    }
}

/// What a column's values mean beyond their physical type, from the logical type or, for older writers,
/// the converted type.
enum Meaning {
    Plain,
    Date,
    Timestamp(TimeUnit),
}

fn meaning(col: &ColumnDescriptor) -> Meaning {
    match (col.logical_type_ref(), col.converted_type()) {
        (Some(LogicalType::Date), _) | (_, ConvertedType::DATE) => Meaning::Date,
        (Some(LogicalType::Timestamp { unit, .. }), _) => Meaning::Timestamp(*unit),
        (_, ConvertedType::TIMESTAMP_MILLIS) => Meaning::Timestamp(TimeUnit::MILLIS),
        (_, ConvertedType::TIMESTAMP_MICROS) => Meaning::Timestamp(TimeUnit::MICROS),
        _ => Meaning::Plain,
    }
}

/// Appends one column chunk's cells to `out`, NULL where the definition level is below the column's
/// maximum. Returns how many rows it read.
fn read_column(
    reader: ColumnReader,
    col: &ColumnDescriptor,
    out: &mut Interner,
) -> Result<usize, String> {
    let max_def = col.max_def_level();
    let mut count = 0usize;
    // `$push` receives each non-NULL value.
    macro_rules! drain {
        ($reader:expr, |$v:ident : $t:ty| $push:expr) => {{
            let mut r = $reader;
            loop {
                let mut values: Vec<$t> = Vec::with_capacity(BATCH);
                let mut defs = Vec::with_capacity(BATCH);
                let (records, _, levels) = r
                    .read_records(BATCH, Some(&mut defs), None, &mut values)
                    .map_err(|e| format!("column {}: {e}", col.name()))?;
                if records == 0 {
                    break;
                }
                count += records;
                let mut next = values.into_iter();
                if max_def == 0 {
                    for $v in next {
                        $push;
                    }
                } else {
                    for d in &defs[..levels] {
                        match (*d == max_def).then(|| next.next()).flatten() {
                            Some($v) => $push,
                            None => out.push(None),
                        }
                    }
                }
            }
        }};
    }
    let scale = decimal_scale(col);
    match reader {
        ColumnReader::BoolColumnReader(r) => {
            drain!(r, |v: bool| out.push_number(if v { -1.0 } else { 0.0 }))
        }
        ColumnReader::Int32ColumnReader(r) => match (meaning(col), scale) {
            (Meaning::Date, _) => drain!(r, |v: i32| out.push(Some(date(v as i64)))),
            (_, Some(s)) => drain!(r, |v: i32| out.push_number(v as f64 / 10f64.powi(s))),
            _ => drain!(r, |v: i32| out.push_number(v as f64)),
        },
        ColumnReader::Int64ColumnReader(r) => match (meaning(col), scale) {
            (Meaning::Timestamp(unit), _) => {
                drain!(r, |v: i64| out.push(Some(timestamp(v, &unit))))
            }
            (Meaning::Date, _) => drain!(r, |v: i64| out.push(Some(date(v)))),
            (_, Some(s)) => drain!(r, |v: i64| out.push_number(v as f64 / 10f64.powi(s))),
            _ => drain!(r, |v: i64| out.push_number(v as f64)),
        },
        ColumnReader::FloatColumnReader(r) => drain!(r, |v: f32| out.push_number(v as f64)),
        ColumnReader::DoubleColumnReader(r) => drain!(r, |v: f64| out.push_number(v)),
        ColumnReader::ByteArrayColumnReader(r) => {
            drain!(r, |v: ByteArray| out
                .push_text(&String::from_utf8_lossy(v.data())))
        }
        ColumnReader::Int96ColumnReader(r) => {
            // Legacy timestamps: nanoseconds of the day and a Julian day number.
            drain!(r, |v: parquet::data_type::Int96| out
                .push(Some(timestamp(v.to_nanos(), &TimeUnit::NANOS))))
        }
        ColumnReader::FixedLenByteArrayColumnReader(r) => match scale {
            Some(s) => drain!(r, |v: parquet::data_type::FixedLenByteArray| {
                let bytes = v.data();
                // Big-endian two's complement.
                let mut n: i128 = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
                    -1
                } else {
                    0
                };
                for b in bytes {
                    n = (n << 8) | *b as i128;
                }
                out.push_number(n as f64 / 10f64.powi(s))
            }),
            None => drain!(r, |v: parquet::data_type::FixedLenByteArray| out
                .push_text(&String::from_utf8_lossy(v.data()))),
        },
    }
    Ok(count)
}

/// Reads a whole Parquet file row by row.
pub fn read(bytes: Vec<u8>) -> Result<RawTable, String> {
    read_columns(bytes).map(ColumnTable::into_rows)
}

/// Reads a whole Parquet file column by column.
pub fn read_columns(bytes: Vec<u8>) -> Result<ColumnTable, String> {
    read_columns_with(bytes, true, &mut super::no_check)
}

/// [`read_columns`], asking `check` with the row count the file declares (and an estimate of the bytes
/// its columns will hold) before reading any column.
pub fn read_columns_checked(bytes: Vec<u8>, check: &mut Check<'_>) -> Result<ColumnTable, String> {
    read_columns_with(bytes, true, check)
}

/// [`read_columns`], with the page reader for the columns it takes (`pages`) or the typed readers only.
fn read_columns_with(
    bytes: Vec<u8>,
    pages: bool,
    check: &mut Check<'_>,
) -> Result<ColumnTable, String> {
    let reader = SerializedFileReader::new(Bytes::from(bytes)).map_err(|e| e.to_string())?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let columns: Vec<Arc<ColumnDescriptor>> = schema.columns().to_vec();
    for c in &columns {
        if c.max_rep_level() > 0 || c.path().parts().len() > 1 {
            return Err(format!(
                "column {} is nested; only flat Parquet tables load",
                c.path()
            ));
        }
    }
    // Each column reads on its own thread: they share nothing but the file's bytes.
    let total_rows = usize::try_from(meta.file_metadata().num_rows()).unwrap_or(0);
    // Row groups are read as many rows as they declare: the check sees the larger of the two counts.
    let group_rows = meta
        .row_groups()
        .iter()
        .map(|g| usize::try_from(g.num_rows()).unwrap_or(0))
        .fold(0, usize::saturating_add);
    let declared = total_rows.max(group_rows);
    check(declared, declared.saturating_mul(4 * columns.len()))?;
    let read_one = |(j, col): (usize, &Arc<ColumnDescriptor>)| -> Result<SymbolColumn, String> {
        // Plain numbers and strings page by page (dictionaries interned once); anything else, or a page
        // that reader does not take, with the typed readers from the start.
        if pages
            && matches!(meaning(col), Meaning::Plain)
            && decimal_scale(col).is_none()
            && parquet_pages::handles(col.physical_type())
        {
            let mut interner = Interner::with_rows_hint(total_rows);
            match parquet_pages::read_column(&reader, j, col, &mut interner) {
                Ok(()) => return Ok(interner.finish()),
                Err(PageError::Bad(e)) => return Err(format!("column {}: {e}", col.name())),
                Err(PageError::Unsupported) => {}
            }
        }
        let mut interner = Interner::with_rows_hint(total_rows);
        for g in 0..reader.num_row_groups() {
            let group = reader.get_row_group(g).map_err(|e| e.to_string())?;
            let rows = group.metadata().num_rows().max(0) as usize;
            let column = group.get_column_reader(j).map_err(|e| e.to_string())?;
            let got = read_column(column, col, &mut interner)?;
            if got != rows {
                return Err(format!(
                    "column {} has {got} values in a row group of {rows} rows",
                    col.name()
                ));
            }
        }
        Ok(interner.finish())
    };
    let read: Vec<SymbolColumn> = columns
        .par_iter()
        .enumerate()
        .map(read_one)
        .collect::<Result<_, _>>()?;
    Ok(ColumnTable {
        fields: columns.iter().map(|c| c.name().to_string()).collect(),
        columns: read,
    })
}

/// How a field is written: integers, doubles, or text (when any value is not a plain number).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Double,
    Text,
}

fn kind_of(rows: &[Vec<Option<Dual>>], j: usize) -> Kind {
    let mut kind = Kind::Int;
    for d in rows
        .iter()
        .filter_map(|r| r.get(j).and_then(Option::as_ref))
    {
        match d.num {
            // A dual whose text is not the number's own (a date, `01`) keeps its text.
            Some(n) if format_number(n) == d.text || d.text.is_empty() => {
                if n.fract() != 0.0 || n.abs() >= 9e15 {
                    kind = Kind::Double;
                }
            }
            _ => return Kind::Text,
        }
    }
    kind
}

/// Writes a table as a Parquet file (one row group, snappy).
pub fn write(fields: &[String], rows: &[Vec<Option<Dual>>]) -> Result<Vec<u8>, String> {
    let err = |e: parquet::errors::ParquetError| e.to_string();
    let kinds: Vec<Kind> = (0..fields.len()).map(|j| kind_of(rows, j)).collect();
    let columns = fields
        .iter()
        .zip(&kinds)
        .map(|(name, kind)| {
            let (physical, logical) = match kind {
                Kind::Int => (PhysicalType::INT64, None),
                Kind::Double => (PhysicalType::DOUBLE, None),
                Kind::Text => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
            };
            Type::primitive_type_builder(name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    let schema = Type::group_type_builder("schema")
        .with_fields(columns)
        .build()
        .map_err(err)?;
    let props = WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let mut writer =
        SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(props)).map_err(err)?;
    let mut group = writer.next_row_group().map_err(err)?;
    let mut j = 0;
    while let Some(mut column) = group.next_column().map_err(err)? {
        let cells = rows.iter().map(|r| r.get(j).and_then(Option::as_ref));
        let defs: Vec<i16> = cells.clone().map(|c| i16::from(c.is_some())).collect();
        match column.untyped() {
            ColumnWriter::Int64ColumnWriter(w) => {
                let values: Vec<i64> = cells
                    .flatten()
                    .filter_map(|d| d.num)
                    .map(|n| n as i64)
                    .collect();
                w.write_batch(&values, Some(&defs), None).map_err(err)?;
            }
            ColumnWriter::DoubleColumnWriter(w) => {
                let values: Vec<f64> = cells.flatten().filter_map(|d| d.num).collect();
                w.write_batch(&values, Some(&defs), None).map_err(err)?;
            }
            ColumnWriter::ByteArrayColumnWriter(w) => {
                let values: Vec<ByteArray> = cells
                    .flatten()
                    .map(|d| ByteArray::from(d.text.as_str()))
                    .collect();
                w.write_batch(&values, Some(&defs), None).map_err(err)?;
            }
            _ => return Err("unexpected Parquet column type".into()),
        }
        column.close().map_err(err)?;
        j += 1;
    }
    group.close().map_err(err)?;
    writer.into_inner().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_tables_read_back() {
        let rows = vec![
            vec![
                Some(Dual::text("a")),
                Some(Dual::number(1.0)),
                Some(Dual::number(0.5)),
                Some(Dual::with_text("2024-01-31", 45322.0)),
            ],
            vec![None, Some(Dual::number(-7.0)), None, None],
            vec![
                Some(Dual::text("c,\"d\"")),
                None,
                Some(Dual::number(3.0)),
                Some(Dual::with_text("01", 1.0)),
            ],
        ];
        let fields: Vec<String> = ["s", "i", "f", "dual"].map(String::from).to_vec();
        let bytes = write(&fields, &rows).unwrap();
        let back = read(bytes).unwrap();
        assert_eq!(back.fields, fields);
        assert_eq!(back.rows.len(), 3);
        assert_eq!(back.rows[0][0], Some(Dual::text("a")));
        assert_eq!(back.rows[1][0], None);
        assert_eq!(back.rows[1][1], Some(Dual::number(-7.0)));
        assert_eq!(back.rows[2][1], None);
        assert_eq!(back.rows[0][2], Some(Dual::number(0.5)));
        assert_eq!(back.rows[2][2], Some(Dual::number(3.0)));
        // Duals with their own text are written as text.
        assert_eq!(back.rows[0][3], Some(Dual::text("2024-01-31")));
        assert_eq!(back.rows[2][3], Some(Dual::text("01")));
    }

    #[test]
    fn dates_and_timestamps_become_duals() {
        assert_eq!(date(0), Dual::with_text("1970-01-01", 25569.0));
        let t = timestamp(86_400_000 + 3_600_000, &TimeUnit::MILLIS);
        assert_eq!(t.text, "1970-01-02 01:00:00");
        assert!((t.num.unwrap() - 25_570.041_666_666_66).abs() < 1e-9);
    }

    #[test]
    fn the_page_reader_agrees_with_the_typed_readers() {
        // Dictionary pages, a dictionary that overflows into PLAIN pages (the unique ids), NULLs, texts.
        let rows: Vec<Vec<Option<Dual>>> = (0..300_000u32)
            .map(|i| {
                vec![
                    Some(Dual::number(i as f64)),
                    (i % 11 != 0).then(|| Dual::text(format!("t{}", i % 37))),
                    (i % 5 != 0).then(|| Dual::number((i % 101) as f64 / 4.0)),
                    Some(Dual::number(-((i % 7) as f64))),
                ]
            })
            .collect();
        let fields: Vec<String> = ["id", "t", "f", "neg"].map(String::from).to_vec();
        let mut files = vec![write(&fields, &rows).unwrap()];
        // Every column of the written file is one the page reader takes.
        let reader = SerializedFileReader::new(Bytes::from(files[0].clone())).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        for (j, col) in schema.columns().iter().enumerate() {
            let mut out = Interner::default();
            let read = parquet_pages::read_column(&reader, j, col, &mut out);
            assert!(read.is_ok(), "{}: {read:?}", col.name());
            assert_eq!(out.finish().index.len(), rows.len());
        }
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/parquet");
        for name in ["types.parquet", "types_gzip.parquet"] {
            files.push(std::fs::read(format!("{data}/{name}")).unwrap());
        }
        for bytes in files {
            let fast = read_columns_with(bytes.clone(), true, &mut super::super::no_check).unwrap();
            let typed = read_columns_with(bytes, false, &mut super::super::no_check).unwrap();
            assert_eq!(fast.fields, typed.fields);
            assert_eq!(fast.into_rows(), typed.into_rows());
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(read(b"not parquet".to_vec()).is_err());
    }
}
