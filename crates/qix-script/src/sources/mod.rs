//! Data sources: where a LOAD's rows come from, and where STORE writes them.

pub mod parquet;
pub mod parquet_pages;
pub mod path;
pub mod qvd;
pub mod text;
pub mod text_columns;

use qix_engine::packed::PackedColumn;
use qix_engine::symbols::SymbolTable;
use qix_engine::Dual;

/// What a reader asks as rows come in: told the rows read so far and an estimate of the bytes they
/// hold, it answers an error to stop the read (a reload's row or memory limit, see [`crate::Limits`]).
pub type Check<'a> = dyn FnMut(usize, usize) -> Result<(), String> + 'a;

/// A [`Check`] that lets everything through.
pub fn no_check(_rows: usize, _bytes: usize) -> Result<(), String> {
    Ok(())
}

/// Rows read from a source: field names and row-major cells (`None` = NULL).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawTable {
    /// Field names, in order.
    pub fields: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Option<Dual>>>,
}

/// Estimated bytes a row of cells holds: the row, its cells and their texts.
pub(crate) fn row_bytes(row: &[Option<Dual>]) -> usize {
    let texts: usize = row
        .iter()
        .map(|c| c.as_ref().map_or(0, |d| d.text.capacity()))
        .sum();
    std::mem::size_of::<Vec<Option<Dual>>>() + std::mem::size_of_val(row) + texts
}

/// Estimated bytes of `rows`, from up to 256 of them evenly spaced (so it costs the same for any size).
pub(crate) fn rows_bytes(rows: &[Vec<Option<Dual>>]) -> usize {
    const SAMPLES: usize = 256;
    if rows.len() <= SAMPLES {
        return rows.iter().map(|r| row_bytes(r)).sum();
    }
    let step = rows.len() / SAMPLES;
    let sampled: usize = rows
        .iter()
        .step_by(step)
        .take(SAMPLES)
        .map(|r| row_bytes(r))
        .sum();
    sampled / SAMPLES * rows.len()
}

/// How often (in rows) readers call their [`Check`].
pub(crate) const CHECK_EVERY: usize = 4096;

/// The index of NULL in a [`SymbolColumn`].
pub const NULL_INDEX: u32 = u32::MAX;

/// One column as its distinct values and, per row, the index of its value — how QVD stores a table, and
/// how an optimized load (`LOAD * FROM file`) hands it to the model without building a row per record.
#[derive(Debug, Clone, Default)]
pub struct SymbolColumn {
    /// The distinct values (the engine's own compact store, so the model can take it over as it is).
    pub values: SymbolTable,
    /// Per row, an index into `values`, or NULL — bit-packed as the model keeps it.
    pub index: PackedColumn,
}

impl SymbolColumn {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The value of row `r` (NULL past the symbols).
    pub fn cell(&self, r: usize) -> Option<Dual> {
        self.value(self.index.get(r))
    }

    /// The value of symbol `s`, NULL for [`NULL_INDEX`].
    pub fn value(&self, s: u32) -> Option<Dual> {
        ((s as usize) < self.values.len()).then(|| self.values.get(s))
    }

    /// A column of these cells, in order.
    pub fn from_cells(cells: impl Iterator<Item = Option<Dual>>, rows: usize) -> SymbolColumn {
        let mut interner = Interner::with_rows_hint(rows);
        for c in cells {
            interner.push(c);
        }
        interner.finish()
    }

    /// Estimated bytes held.
    pub fn bytes(&self) -> usize {
        self.values.bytes() + self.index.bytes()
    }
}

/// A table read column by column.
#[derive(Debug, Clone, Default)]
pub struct ColumnTable {
    /// Field names, in order.
    pub fields: Vec<String>,
    /// One column per field, all of the same length.
    pub columns: Vec<SymbolColumn>,
}

impl ColumnTable {
    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.index.len())
    }

    /// Estimated bytes held: the symbol tables and the packed indexes.
    pub fn bytes(&self) -> usize {
        self.columns
            .iter()
            .map(|c| c.values.bytes() + c.index.bytes())
            .sum()
    }

    /// Estimated bytes of the same table row by row ([`ColumnTable::into_rows`]): each cell a value
    /// with its own text (a number's formatted, about 16 bytes; a text as long as its symbols' average).
    pub fn rows_bytes(&self) -> usize {
        let rows = self.rows();
        let per_row: usize = self
            .columns
            .iter()
            .map(|c| {
                let symbols = c.values.len().max(1);
                std::mem::size_of::<Option<Dual>>() + 16 + c.values.bytes() / symbols
            })
            .sum();
        rows.saturating_mul(std::mem::size_of::<Vec<Option<Dual>>>() + per_row)
    }

    /// The same table row by row.
    pub fn into_rows(self) -> RawTable {
        let n = self.rows();
        let mut rows: Vec<Vec<Option<Dual>>> = (0..n)
            .map(|_| Vec::with_capacity(self.columns.len()))
            .collect();
        for c in &self.columns {
            for (r, row) in rows.iter_mut().enumerate() {
                row.push(match c.index.get(r) {
                    i if (i as usize) < c.values.len() => Some(c.values.get(i)),
                    _ => None,
                });
            }
        }
        RawTable {
            fields: self.fields,
            rows,
        }
    }
}

/// Collects a column's distinct values as they come (numbers by value, text by text).
///
/// Whole numbers from 0 up go through a direct-address table (value → symbol) instead of the hash index
/// while they stay within twice the rows seen: ids, keys and codes, the columns with the most distinct
/// values, then cost neither hashing nor probing. Other values use the symbol table's own index.
#[derive(Default)]
pub struct Interner {
    values: SymbolTable,
    /// The latest rows' symbols, unpacked; packed into `chunks` every [`CHUNK_ROWS`] rows.
    index: Vec<u32>,
    /// Earlier rows, packed with as many bits as the symbols had then (repacked once at the end).
    chunks: Vec<PackedColumn>,
    /// Rows in `chunks`.
    chunked_rows: usize,
    /// Symbol of each small whole number (`u32::MAX`: not seen), grown as numbers come.
    dense: Vec<u32>,
    /// Set (and `dense` freed) once a number too large for `dense` arrived: from then on every value goes
    /// through the hash index, which knows all symbols.
    sparse: bool,
    /// Recently seen other numbers (bits → symbol), direct-mapped: a column of few distinct decimals
    /// (prices, rates) mostly skips the hash index.
    recent: Vec<(u64, u32)>,
    /// Rows the source says the column will have: the direct-address table may grow to twice that from
    /// the start (a dictionary's values come before the rows).
    rows_hint: usize,
}

/// Slots of [`Interner::recent`] (a power of two).
const RECENT: usize = 1 << 12;

/// Rows an [`Interner`] keeps unpacked before it packs them.
const CHUNK_ROWS: usize = 1 << 16;

/// Below this, the direct-address table may grow regardless of the rows seen.
const DENSE_FLOOR: usize = 1 << 16;

impl Interner {
    /// The symbol of number `n` (read as `text`, if it was read from text) through the direct-address
    /// table, or `None` when `n` is not for it.
    fn dense_symbol(&mut self, n: f64, text: Option<&str>) -> Option<u32> {
        // A whole number from 0 to u32::MAX - 1 (no `fract()`: that is a libm call per value).
        if self.sparse || !(n >= 0.0 && n < u32::MAX as f64 && (n as u32) as f64 == n) {
            return None;
        }
        let limit = DENSE_FLOOR.max(2 * (self.rows().max(self.rows_hint) + 1));
        let k = n as usize;
        if k >= limit {
            self.dense = Vec::new();
            self.sparse = true;
            return None;
        }
        if k >= self.dense.len() {
            // Only as long as the largest number so far: the vector's spare capacity is never touched,
            // so it takes no memory until numbers reach it.
            self.dense.resize(k + 1, u32::MAX);
        }
        if self.dense[k] == u32::MAX {
            // New to the table: every whole number in range went through here, so it is new to the field.
            self.dense[k] = self.values.push_distinct(Some(n), text);
        }
        Some(self.dense[k])
    }

    /// Notes that the source has given `records` records so far, some of them not kept here (a
    /// filtered read): the direct-address table may grow as it would for that many rows, since whole
    /// numbers that count records (ids) stay as dense relative to the records as they were.
    pub fn saw_records(&mut self, records: usize) {
        self.rows_hint = self.rows_hint.max(records);
    }

    /// An interner for a column that will have about `rows` rows.
    pub fn with_rows_hint(rows: usize) -> Interner {
        Interner {
            rows_hint: rows,
            ..Interner::default()
        }
    }

    /// The symbol of number `n`, added if new, without appending a row. NaN (which a Parquet double may
    /// hold) is no value in Qlik: it is NULL ([`NULL_INDEX`]).
    pub fn symbol_number(&mut self, n: f64) -> u32 {
        if n.is_nan() {
            return NULL_INDEX;
        }
        match self.dense_symbol(n, None) {
            Some(s) => s,
            None => self.recent_number(n),
        }
    }

    /// The symbol of the text `t`, added if new, without appending a row.
    pub fn symbol_text(&mut self, t: &str) -> u32 {
        self.values.intern_text(t)
    }

    /// Appends a row holding `symbol` (from [`Interner::symbol_number`] / [`Interner::symbol_text`]).
    pub fn push_symbol(&mut self, symbol: u32) {
        self.record(symbol);
    }

    /// The distinct values so far, by symbol.
    pub fn values(&self) -> &SymbolTable {
        &self.values
    }

    /// Estimated bytes held: symbols, rows (packed and pending) and the lookup tables.
    pub fn bytes(&self) -> usize {
        self.values.bytes()
            + self.index.capacity() * 4
            + self.chunks.iter().map(PackedColumn::bytes).sum::<usize>()
            + self.dense.capacity() * 4
            + self.recent.capacity() * 16
    }

    /// Rows so far.
    fn rows(&self) -> usize {
        self.chunked_rows + self.index.len()
    }

    /// Records a row's symbol; packs the pending rows when a chunk is full.
    fn record(&mut self, symbol: u32) {
        self.index.push(symbol);
        if self.index.len() == CHUNK_ROWS {
            self.chunks
                .push(PackedColumn::pack(&self.index, self.values.len()));
            self.chunked_rows += self.index.len();
            self.index.clear();
        }
    }

    /// Appends a cell.
    pub fn push(&mut self, value: Option<Dual>) {
        let i = self.symbol(value);
        self.record(i);
    }

    /// The symbol of a cell, added if new, without appending a row ([`NULL_INDEX`] for NULL).
    pub fn symbol(&mut self, value: Option<Dual>) -> u32 {
        match value {
            None => NULL_INDEX,
            Some(d) => match d.num.and_then(|n| self.dense_symbol(n, Some(&d.text))) {
                Some(s) => s,
                None => self.values.intern(d),
            },
        }
    }

    /// The symbol of a number read as `text`, added if new, without appending a row.
    pub fn symbol_dual(&mut self, text: &str, n: f64) -> u32 {
        match self.dense_symbol(n, Some(text)) {
            Some(s) => s,
            None => self.values.intern_dual(text, n),
        }
    }

    /// Appends a value read from text: a number (keeping its text) when it reads as one, else a text.
    pub fn push_read(&mut self, text: &str) {
        match qix_engine::dual::parse_number(text) {
            Some(n) => self.push_dual(text, n),
            None => self.push_text(text),
        }
    }

    /// Appends a text without copying it unless it is new.
    pub fn push_text(&mut self, text: &str) {
        let i = self.values.intern_text(text);
        self.record(i);
    }

    /// Appends a number without building a value unless it is new.
    pub fn push_number(&mut self, n: f64) {
        let i = self.symbol_number(n);
        self.record(i);
    }

    /// The symbol of a number that is not for the direct-address table, through the recent-numbers cache.
    fn recent_number(&mut self, n: f64) -> u32 {
        if self.recent.is_empty() {
            self.recent = vec![(u64::MAX, 0); RECENT];
        }
        let bits = if n == 0.0 { 0 } else { n.to_bits() };
        let slot =
            (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - RECENT.trailing_zeros())) as usize;
        let (seen, symbol) = self.recent[slot];
        if seen == bits {
            return symbol;
        }
        let symbol = self.values.intern_number(n);
        self.recent[slot] = (bits, symbol);
        symbol
    }

    /// Appends a number read from `text` (kept as its text when it is not the number's default format).
    pub fn push_dual(&mut self, text: &str, n: f64) {
        let i = self.symbol_dual(text, n);
        self.record(i);
    }

    /// Appends a NULL.
    pub fn push_null(&mut self) {
        self.record(NULL_INDEX);
    }

    /// The column, packed; the lookup structures are dropped (the model builds its index when needed).
    pub fn finish(mut self) -> SymbolColumn {
        self.values.finish_building();
        self.dense = Vec::new();
        // The chunks, then the rows not packed yet, into one column with the final width.
        let rows = self.chunks.iter().flat_map(PackedColumn::iter);
        let index = PackedColumn::pack_iter(
            rows.chain(self.index.iter().copied()),
            self.rows(),
            self.values.len(),
        );
        SymbolColumn {
            values: self.values,
            index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_turn_into_rows() {
        let mut a = Interner::default();
        for v in [Some(Dual::text("x")), None, Some(Dual::text("x"))] {
            a.push(v);
        }
        let mut b = Interner::default();
        for n in [1.0, 2.0, 1.0] {
            b.push_number(n);
        }
        let (a, b) = (a.finish(), b.finish());
        assert_eq!(a.values.len(), 1);
        assert_eq!(b.index.unpack(), [0, 1, 0]);
        // Whole numbers (the direct-address path) and others (the hash path) meet in one field.
        let mut c = Interner::default();
        for n in [3.0, 2.5, 3.0, 1e12, 3.0, 2.5, 4.0] {
            c.push_number(n);
        }
        c.push_number(f64::NAN);
        c.push_dual("003", 3.0);
        c.push_dual("5", 5.0);
        c.push(Some(Dual::with_text("five", 5.0)));
        let c = c.finish();
        assert_eq!(
            c.index.unpack(),
            [0, 1, 0, 2, 0, 1, 3, NULL_INDEX, 0, 4, 4],
            "NaN is NULL"
        );
        assert_eq!(c.values.get(4), Dual::number(5.0));
        assert_eq!(c.values.find(&Dual::number(4.0)), Some(3));
        let t = ColumnTable {
            fields: vec!["a".into(), "b".into()],
            columns: vec![a, b],
        };
        assert_eq!(t.rows(), 3);
        let rows = t.into_rows().rows;
        assert_eq!(rows[1], vec![None, Some(Dual::number(2.0))]);
        assert_eq!(
            rows[2],
            vec![Some(Dual::text("x")), Some(Dual::number(1.0))]
        );
    }
}
