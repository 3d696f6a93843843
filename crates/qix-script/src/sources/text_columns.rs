//! Delimited text read column by column straight from the file (an optimized `LOAD * FROM file.csv`).
//!
//! The file is never held whole: one thread parses records (the `csv` crate, so quoting and delimiters
//! follow the same rules as [`super::text::read`]) into blocks of rows, while the calling thread interns
//! each block's fields into per-column [`Interner`]s, which keep their rows bit-packed as they go. Peak
//! memory is therefore the model being built plus a few blocks, whatever the file's size.
//!
//! Same semantics as [`super::text::read_columns`] (which reads from a whole text): `utf8` or Latin-1
//! (`codepage is 1252`), a UTF-8 byte-order mark dropped, `header is N lines` skipped, field names from the
//! first record or `@1..@n`, blank lines skipped, short rows padded with NULL. Files with `comment is`
//! go through [`super::text::read_columns`].
//!
//! [`Wanted`] records are chosen in the parser thread, before any field of them is interned: a
//! [`RowFilter`] (a LOAD's WHERE on the file's own fields) drops records, so a value only dropped records
//! have never enters a symbol table and a filtering LOAD's peak is the kept data, not the file's; a
//! limit (`FIRST n`) stops the read once that many records are kept.

use super::text::field_names;
use super::{Check, ColumnTable, Interner};
use crate::ast::FormatSpec;
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::sync_channel;

/// A column's interner with the column's number.
type Numbered = (usize, Interner);

/// Rows per block handed from the parser to the interner.
const BLOCK_ROWS: usize = 1 << 14;

/// Parsed rows: every field's bytes back to back, where each field ends, how many fields each row has,
/// and which rows a [`RowFilter`] dropped (empty: none).
#[derive(Default)]
struct Block {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    widths: Vec<usize>,
    dropped: Vec<bool>,
    /// Records of the file up to and including this block's.
    records: usize,
}

/// Whether to keep a record, given the texts of the fields a [`RowFilter`] reads (`None`: the record
/// lacks the field).
pub type Keep = Box<dyn FnMut(&[Option<&str>]) -> bool + Send>;

/// Keeps the records a condition on some of their fields accepts, decided as the file is read.
pub struct RowFilter {
    /// The fields the condition reads, by name (a name the file lacks reads as absent).
    pub fields: Vec<String>,
    /// Whether to keep a record.
    pub keep: Keep,
}

/// Which records of a file to read.
#[derive(Default)]
pub struct Wanted {
    /// Those a condition accepts (all without).
    pub filter: Option<RowFilter>,
    /// No more than this many of them: the read stops there.
    pub limit: Option<usize>,
}

/// [`Wanted`] for a file with these columns, and how many records the limit still lets in.
struct Selector {
    filter: Option<Placed>,
    left: Option<usize>,
    width: usize,
}

impl Selector {
    fn new(wanted: Wanted, names: &[String]) -> Selector {
        Selector {
            filter: wanted.filter.map(|f| Placed::new(f, names)),
            left: wanted.limit,
            width: names.len(),
        }
    }

    /// Whether the limit is reached: nothing more is to be read.
    fn full(&self) -> bool {
        self.left == Some(0)
    }

    /// Marks the records of `b` that are not wanted as dropped.
    fn apply(&mut self, b: &mut Block) {
        if let Some(f) = &mut self.filter {
            f.apply(b);
        }
        let Some(left) = &mut self.left else {
            return;
        };
        b.dropped.resize(b.widths.len(), false);
        let blank: Vec<bool> = b
            .rows()
            .map(|(row, start)| is_blank(row, start, self.width))
            .collect();
        for (dropped, blank) in b.dropped.iter_mut().zip(blank) {
            if *dropped || blank {
                continue;
            }
            if *left == 0 {
                *dropped = true;
            } else {
                *left -= 1;
            }
        }
    }
}

/// Whether a row is a blank line (skipped, not a record), in a file of `width` columns.
fn is_blank(row: &[usize], start: usize, width: usize) -> bool {
    row.len() == 1 && row[0] == start && width > 1
}

/// A [`RowFilter`] with its fields found in the file's columns.
struct Placed {
    columns: Vec<Option<usize>>,
    keep: Keep,
}

impl Placed {
    fn new(filter: RowFilter, names: &[String]) -> Placed {
        Placed {
            columns: filter
                .fields
                .iter()
                .map(|f| names.iter().position(|n| n == f))
                .collect(),
            keep: filter.keep,
        }
    }

    /// Marks the records of `b` the condition refuses as dropped (blank lines and records that are
    /// not UTF-8 stay, for the interner to skip or report).
    fn apply(&mut self, b: &mut Block) {
        let mut dropped = Vec::with_capacity(b.widths.len());
        let mut texts: Vec<Option<&str>> = Vec::with_capacity(self.columns.len());
        for (row, row_start) in b.rows() {
            texts.clear();
            let mut valid = true;
            for c in &self.columns {
                texts.push(match c {
                    Some(j) if *j < row.len() => {
                        let from = if *j == 0 { row_start } else { row[j - 1] };
                        match std::str::from_utf8(&b.bytes[from..row[*j]]) {
                            Ok(t) => Some(t),
                            Err(_) => {
                                valid = false;
                                None
                            }
                        }
                    }
                    _ => None,
                });
            }
            dropped.push(valid && !(self.keep)(&texts));
        }
        b.dropped = dropped;
    }
}

impl Block {
    /// Each row's field ends and where the row starts in `bytes`.
    fn rows(&self) -> impl Iterator<Item = (&[usize], usize)> + '_ {
        let mut at = 0;
        let mut start = 0;
        self.widths.iter().map(move |&w| {
            let row = &self.ends[at..at + w];
            at += w;
            let row_start = start;
            start = row.last().copied().unwrap_or(start);
            (row, row_start)
        })
    }

    /// The rows a filter did not drop.
    fn kept(&self) -> impl Iterator<Item = (&[usize], usize)> + '_ {
        self.rows()
            .enumerate()
            .filter(|(i, _)| !self.dropped.get(*i).copied().unwrap_or(false))
            .map(|(_, r)| r)
    }

    /// How many rows a filter did not drop.
    fn kept_count(&self) -> usize {
        self.widths.len() - self.dropped.iter().filter(|d| **d).count()
    }
}

/// Reads a Latin-1 byte stream as UTF-8.
struct Latin1<R> {
    inner: R,
    /// Converted text not handed out yet: `pending[taken..]`.
    pending: String,
    taken: usize,
}

impl<R: Read> Read for Latin1<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.taken == self.pending.len() {
            let mut raw = [0u8; 1 << 15];
            let n = self.inner.read(&mut raw)?;
            self.pending.clear();
            self.pending.extend(raw[..n].iter().map(|&b| b as char));
            self.taken = 0;
        }
        let rest = &self.pending.as_bytes()[self.taken..];
        let n = out.len().min(rest.len());
        out[..n].copy_from_slice(&rest[..n]);
        self.taken += n;
        Ok(n)
    }
}

/// Reads delimited text from `input` column by column. `Ok(None)`: the spec needs the whole text
/// (`comment is`); use [`super::text::read_columns`].
pub fn read_columns_from<R: Read + Send>(
    input: R,
    spec: &FormatSpec,
) -> Result<Option<ColumnTable>, String> {
    read_columns_from_checked(input, spec, &mut super::no_check, Wanted::default())
}

/// [`read_columns_from`], asking `check` after every block of rows whether the rows so far may stay (an
/// error stops the parser thread and the read), keeping only the records `wanted` says.
pub fn read_columns_from_checked<R: Read + Send>(
    input: R,
    spec: &FormatSpec,
    check: &mut Check<'_>,
    wanted: Wanted,
) -> Result<Option<ColumnTable>, String> {
    if spec.comment.is_some() {
        return Ok(None);
    }
    let input: Box<dyn Read + Send> = if spec.latin1 {
        Box::new(Latin1 {
            inner: input,
            pending: String::new(),
            taken: 0,
        })
    } else {
        Box::new(input)
    };
    let mut input = BufReader::with_capacity(1 << 20, input);
    if !spec.latin1 {
        let start = input.fill_buf().map_err(|e| e.to_string())?;
        if start.starts_with(&[0xEF, 0xBB, 0xBF]) {
            input.consume(3);
        }
    }
    for _ in 0..spec.header_lines {
        let mut skipped = Vec::new();
        if input
            .read_until(b'\n', &mut skipped)
            .map_err(|e| e.to_string())?
            == 0
        {
            break;
        }
    }
    let mut reader = super::text::csv_builder(spec, false)?.from_reader(input);
    let mut first = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut first)
        .map_err(|e| e.to_string())?
    {
        return Ok(Some(ColumnTable::default()));
    }
    let first = csv::StringRecord::from_byte_record(first).map_err(not_utf8)?;
    let (fields, first_is_data) = field_names(&first, spec.labels)?;
    let width = fields.len();
    let mut selector = Selector::new(wanted, &fields);
    // The parser thread also interns every third column, so both cores share the interning.
    let (mut theirs, mut mine): (Vec<Numbered>, Vec<Numbered>) = (0..width)
        .map(|j| (j, Interner::default()))
        .partition(|(j, _)| j % 3 == 2);
    if first_is_data {
        let mut b = Block::default();
        push_record(&mut b, first.as_byte_record());
        selector.apply(&mut b);
        intern(&b, width, &mut mine)?;
        intern(&b, width, &mut theirs)?;
    }
    // Two blocks in flight bound the memory.
    let (tx, rx) = sync_channel::<Result<Block, String>>(2);
    let theirs = std::thread::scope(|s| -> Result<Vec<Numbered>, String> {
        let parser = s.spawn(move || -> Result<Vec<Numbered>, String> {
            let mut record = csv::ByteRecord::new();
            let mut records = usize::from(first_is_data);
            loop {
                if selector.full() {
                    return Ok(theirs);
                }
                let mut b = Block::default();
                let mut done = false;
                while b.widths.len() < BLOCK_ROWS {
                    match reader.read_byte_record(&mut record) {
                        Ok(true) => push_record(&mut b, &record),
                        Ok(false) => {
                            done = true;
                            break;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                            return Err(e.to_string());
                        }
                    }
                }
                records += b.widths.len();
                b.records = records;
                selector.apply(&mut b);
                if let Err(e) = intern(&b, width, &mut theirs) {
                    let _ = tx.send(Err(e.clone()));
                    return Err(e);
                }
                if tx.send(Ok(b)).is_err() || done {
                    return Ok(theirs);
                }
            }
        });
        let mut failed = None;
        let mut rows = 0usize;
        for block in rx {
            let done = block.and_then(|b| {
                intern(&b, width, &mut mine)?;
                rows += b.kept_count();
                // The parser thread's columns are taken to hold about as much as these.
                let held: usize = mine.iter().map(|(_, c)| c.bytes()).sum();
                check(rows, held / mine.len().max(1) * width)
            });
            if let Err(e) = done {
                // Leaving drops the receiver: the parser's next send fails and it stops.
                failed = Some(e);
                break;
            }
        }
        let theirs = parser
            .join()
            .map_err(|_| "the CSV parser thread panicked".to_string())??;
        match failed {
            Some(e) => Err(e),
            None => Ok(theirs),
        }
    })?;
    let mut all: Vec<Numbered> = mine.into_iter().chain(theirs).collect();
    all.sort_by_key(|(j, _)| *j);
    // Columns repack their chunks independently.
    let columns = all.into_par_iter().map(|(_, c)| c.finish()).collect();
    Ok(Some(ColumnTable { fields, columns }))
}

/// Interns the fields of `b`'s rows that belong to `columns` (each with its column number); rows shorter
/// than `width` give NULL, a blank line is skipped.
fn intern(b: &Block, width: usize, columns: &mut [Numbered]) -> Result<(), String> {
    if !b.dropped.is_empty() {
        for (_, column) in columns.iter_mut() {
            column.saw_records(b.records);
        }
    }
    for (row, row_start) in b.kept() {
        let w = row.len();
        if is_blank(row, row_start, width) {
            continue; // blank line
        }
        for (j, column) in columns.iter_mut() {
            let j = *j;
            if j >= w {
                column.push_null();
                continue;
            }
            let from = if j == 0 { row_start } else { row[j - 1] };
            column.push_read(std::str::from_utf8(&b.bytes[from..row[j]]).map_err(not_utf8)?);
        }
    }
    Ok(())
}

fn push_record(b: &mut Block, record: &csv::ByteRecord) {
    for f in record {
        b.bytes.extend_from_slice(f);
        b.ends.push(b.bytes.len());
    }
    b.widths.push(record.len());
}

fn not_utf8(e: impl std::fmt::Display) -> String {
    format!("the file is not UTF-8 ({e}); add codepage is 1252 if it is Latin-1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Labels;
    use qix_engine::Dual;

    fn read(text: &[u8], spec: &FormatSpec) -> ColumnTable {
        read_columns_from(text, spec).unwrap().unwrap()
    }

    fn spec() -> FormatSpec {
        FormatSpec {
            quotes: true,
            ..FormatSpec::default()
        }
    }

    #[test]
    fn agrees_with_the_whole_text_reader() {
        let mut text = String::from("id,name,amount\n");
        for i in 0..40_000 {
            text.push_str(&format!("{i},\"n, {}\",{}.5\n", i % 7, i % 13));
            if i % 9_999 == 0 {
                text.push('\n');
                text.push_str("5\n");
            }
        }
        let streamed = read(text.as_bytes(), &spec());
        let whole = crate::sources::text::read_columns(&text, &spec()).unwrap();
        assert_eq!(streamed.fields, whole.fields);
        assert_eq!(streamed.rows(), whole.rows());
        assert_eq!(streamed.into_rows(), whole.into_rows());
    }

    #[test]
    fn streams_skipped_header_lines_like_the_whole_text() {
        let s = FormatSpec {
            header_lines: 1,
            ..spec()
        };
        let t = crate::sources::text::read("junk\r\na\r\n\"x\r\ny\"\r\n", &s, false).unwrap();
        assert_eq!(t.fields, ["a"]);
        assert_eq!(t.rows, [vec![Some(Dual::text("x\r\ny"))]]);
        let streamed = read(&b"junk\r\na\r\n\"x\r\ny\"\r\n"[..], &s);
        assert_eq!(streamed.into_rows(), t);
    }

    #[test]
    fn bom_header_lines_latin1_and_no_labels() {
        let t = read(b"\xEF\xBB\xBFa,b\n1,x\n", &spec());
        assert_eq!(t.fields, ["a", "b"]);
        let s = FormatSpec {
            header_lines: 2,
            labels: Labels::None,
            latin1: true,
            ..spec()
        };
        let t = read(b"junk\nmore junk\ncaf\xE9,2\n", &s);
        assert_eq!(t.fields, ["@1", "@2"]);
        let rows = t.into_rows().rows;
        assert_eq!(
            rows,
            [vec![Some(Dual::text("café")), Some(Dual::number(2.0))]]
        );
        let err = read_columns_from(&b"a\n\xE9\n"[..], &spec()).unwrap_err();
        assert!(err.contains("not UTF-8"), "{err}");
        assert!(read_columns_from(
            &b"a\n"[..],
            &FormatSpec {
                comment: Some("#".into()),
                ..spec()
            }
        )
        .unwrap()
        .is_none());
    }
}
