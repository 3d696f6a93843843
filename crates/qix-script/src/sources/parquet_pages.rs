//! Parquet columns read page by page: the fast path of [`super::parquet`] for plain numbers and strings.
//!
//! Most writers dictionary-encode a column: a dictionary page holds its distinct values and every data
//! page holds, per row, an index into it. Read through the parquet crate's typed readers, each row's value
//! is decoded (and, for strings, reference-counted) and interned again. Here the dictionary's values are
//! interned once and each data page maps indexes to symbols: no value is decoded twice. Pages without a
//! dictionary (`PLAIN`, e.g. after a writer's dictionary overflowed) are decoded directly.
//!
//! What it does not handle (other value encodings, bit-packed definition levels, booleans, INT96, fixed
//! length byte arrays, dates, timestamps, decimals) it reports as [`PageError::Unsupported`]; the caller reads
//! the column with the typed readers instead.

use super::Interner;
use bytes::Bytes;
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::Page;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;

/// Why a column could not be read here: leave it to the typed readers, or a real error.
#[derive(Debug)]
pub enum PageError {
    /// Not for this reader.
    Unsupported,
    /// The file is broken.
    Bad(String),
}

impl From<&str> for PageError {
    fn from(e: &str) -> Self {
        PageError::Bad(e.to_string())
    }
}

fn bad(e: impl std::fmt::Display) -> PageError {
    PageError::Bad(e.to_string())
}

/// Whether this reader takes a column of this physical type (its values are plain numbers or strings).
pub fn handles(physical: PhysicalType) -> bool {
    matches!(
        physical,
        PhysicalType::INT32
            | PhysicalType::INT64
            | PhysicalType::FLOAT
            | PhysicalType::DOUBLE
            | PhysicalType::BYTE_ARRAY
    )
}

/// Reads column `j` of every row group into `out`.
pub fn read_column(
    reader: &SerializedFileReader<Bytes>,
    j: usize,
    col: &ColumnDescriptor,
    out: &mut Interner,
) -> Result<(), PageError> {
    let max_def = col.max_def_level();
    let def_width = bit_width(max_def.max(0) as u64);
    let physical = col.physical_type();
    let mut defs: Vec<u32> = Vec::new();
    let mut indexes: Vec<u32> = Vec::new();
    let mut symbols: Vec<u32> = Vec::new();
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g).map_err(bad)?;
        let rows = group.metadata().num_rows().max(0) as usize;
        let mut got = 0usize;
        // The dictionary of this column chunk, as symbols.
        let mut dictionary: Vec<u32> = Vec::new();
        for page in group.get_column_page_reader(j).map_err(bad)? {
            let page = page.map_err(bad)?;
            let (levels, values, count, encoding) = match &page {
                Page::DictionaryPage {
                    buf,
                    num_values,
                    encoding,
                    ..
                } => {
                    if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
                        return Err(PageError::Unsupported);
                    }
                    dictionary.clear();
                    plain_values(buf, *num_values as usize, physical, out, &mut dictionary)?;
                    continue;
                }
                Page::DataPage {
                    buf,
                    num_values,
                    encoding,
                    def_level_encoding,
                    ..
                } => {
                    let n = *num_values as usize;
                    if max_def == 0 {
                        (None, &buf[..], n, *encoding)
                    } else {
                        if *def_level_encoding != Encoding::RLE {
                            return Err(PageError::Unsupported);
                        }
                        let len = buf
                            .get(..4)
                            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                            .ok_or("a data page ends early")?;
                        let levels = buf.get(4..4 + len).ok_or("a data page ends early")?;
                        (Some(levels), &buf[4 + len..], n, *encoding)
                    }
                }
                Page::DataPageV2 {
                    buf,
                    num_values,
                    encoding,
                    def_levels_byte_len,
                    rep_levels_byte_len,
                    ..
                } => {
                    let rep = *rep_levels_byte_len as usize;
                    let def = *def_levels_byte_len as usize;
                    let levels = buf.get(rep..rep + def).ok_or("a data page ends early")?;
                    let values = buf.get(rep + def..).ok_or("a data page ends early")?;
                    let levels = (max_def > 0).then_some(levels);
                    (levels, values, *num_values as usize, *encoding)
                }
            };
            // Which rows have a value.
            let present = match levels {
                Some(l) => {
                    defs.clear();
                    rle_hybrid(l, def_width, count, &mut defs)?;
                    defs.iter().filter(|&&d| d == max_def as u32).count()
                }
                None => count,
            };
            symbols.clear();
            match encoding {
                Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY => {
                    let (&width, rest) = values.split_first().ok_or("a data page ends early")?;
                    indexes.clear();
                    rle_hybrid(rest, width, present, &mut indexes)?;
                    for &i in &indexes {
                        let s = dictionary
                            .get(i as usize)
                            .ok_or("a dictionary index is out of range")?;
                        symbols.push(*s);
                    }
                }
                Encoding::PLAIN => plain_values(values, present, physical, out, &mut symbols)?,
                _ => return Err(PageError::Unsupported),
            }
            let mut next = symbols.iter();
            match levels {
                Some(_) => {
                    for &d in &defs {
                        match (d == max_def as u32).then(|| next.next()).flatten() {
                            Some(&s) => out.push_symbol(s),
                            None => out.push_null(),
                        }
                    }
                }
                None => next.for_each(|&s| out.push_symbol(s)),
            }
            got += count;
        }
        if got != rows {
            return Err(PageError::Bad(format!(
                "column {} has {got} values in a row group of {rows} rows",
                col.name()
            )));
        }
    }
    Ok(())
}

/// Interns `count` PLAIN-encoded values of `physical` type, appending their symbols.
fn plain_values(
    data: &[u8],
    count: usize,
    physical: PhysicalType,
    out: &mut Interner,
    symbols: &mut Vec<u32>,
) -> Result<(), PageError> {
    let fixed = |size: usize| -> Result<std::slice::ChunksExact<'_, u8>, PageError> {
        let bytes = data.get(..count * size).ok_or("a page ends early")?;
        Ok(bytes.chunks_exact(size))
    };
    match physical {
        PhysicalType::INT32 => symbols.extend(
            fixed(4)?
                .map(|b| out.symbol_number(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)),
        ),
        PhysicalType::INT64 => symbols.extend(fixed(8)?.map(|b| {
            let v = i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            out.symbol_number(v as f64)
        })),
        PhysicalType::FLOAT => symbols.extend(
            fixed(4)?
                .map(|b| out.symbol_number(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)),
        ),
        PhysicalType::DOUBLE => symbols.extend(fixed(8)?.map(|b| {
            out.symbol_number(f64::from_le_bytes([
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
            ]))
        })),
        PhysicalType::BYTE_ARRAY => {
            let mut rest = data;
            for _ in 0..count {
                let len = rest
                    .get(..4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                    .ok_or("a string page ends early")?;
                let bytes = rest.get(4..4 + len).ok_or("a string page ends early")?;
                symbols.push(out.symbol_text(&String::from_utf8_lossy(bytes)));
                rest = &rest[4 + len..];
            }
        }
        _ => return Err(PageError::Unsupported),
    }
    Ok(())
}

/// Bits needed for values up to `max`.
fn bit_width(max: u64) -> u8 {
    (64 - max.leading_zeros()) as u8
}

/// Decodes `count` values of Parquet's RLE / bit-packed hybrid encoding with `width` bits each.
fn rle_hybrid(
    mut data: &[u8],
    width: u8,
    count: usize,
    out: &mut Vec<u32>,
) -> Result<(), PageError> {
    if width > 32 {
        return Err(bad("a bit width over 32"));
    }
    let target = out.len() + count;
    let value_bytes = (width as usize).div_ceil(8);
    while out.len() < target {
        let header = uleb128(&mut data)?;
        if header & 1 == 0 {
            // A run: one value repeated.
            let run = (header >> 1) as usize;
            let bytes = data.get(..value_bytes).ok_or("an RLE run ends early")?;
            let mut v = 0u32;
            for (k, b) in bytes.iter().enumerate() {
                v |= (*b as u32) << (8 * k);
            }
            data = &data[value_bytes..];
            let n = run.min(target - out.len());
            out.extend(std::iter::repeat_n(v, n));
        } else {
            // Groups of 8 bit-packed values, least significant bit first.
            let values = (header >> 1) as usize * 8;
            let len = values * width as usize / 8;
            let bytes = data.get(..len).ok_or("bit-packed values end early")?;
            let n = values.min(target - out.len());
            let mask = if width == 32 {
                u32::MAX
            } else {
                (1u32 << width) - 1
            };
            for k in 0..n {
                let bit = k * width as usize;
                let mut word = [0u8; 8];
                let from = bit / 8;
                let avail = (bytes.len() - from).min(8);
                word[..avail].copy_from_slice(&bytes[from..from + avail]);
                let v = (u64::from_le_bytes(word) >> (bit % 8)) as u32 & mask;
                out.push(if width == 0 { 0 } else { v });
            }
            data = &data[len..];
        }
    }
    Ok(())
}

fn uleb128(data: &mut &[u8]) -> Result<u64, PageError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = data.split_first().ok_or("an RLE header ends early")?;
        *data = rest;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(bad("an RLE header is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rle_hybrid_runs_and_bit_packed_groups() {
        // A run of 5 threes (width 2), then one group of 8 bit-packed values 0..7 (width 3).
        let mut out = Vec::new();
        rle_hybrid(&[5 << 1, 3], 2, 5, &mut out).unwrap();
        assert_eq!(out, [3, 3, 3, 3, 3]);
        out.clear();
        // Values 0..7 at 3 bits each, LSB first: 0b10_001_000, 0b1_100_011_0, 0b111_110_10.
        rle_hybrid(&[(1 << 1) | 1, 0x88, 0xC6, 0xFA], 3, 8, &mut out).unwrap();
        assert_eq!(out, [0, 1, 2, 3, 4, 5, 6, 7]);
        out.clear();
        assert!(
            rle_hybrid(&[(1 << 1) | 1, 0x88], 3, 8, &mut out).is_err(),
            "short data is an error"
        );
        assert!(rle_hybrid(&[0x80], 3, 1, &mut out).is_err());
    }
}
