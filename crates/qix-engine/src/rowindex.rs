//! Row indexes: for a column, the rows that hold each of its values (one compressed list of row numbers
//! per value), so that selecting a few values reads their rows instead of decoding the whole column.
//!
//! An index is built the first time a selection needs its column (or a field's possible values are
//! asked for under a selection) — in the background for a long column, which selections scan until it
//! is ready — and only where it pays: a table with
//! enough rows, a column with on average many rows per value (an index of a near-unique column would
//! cost more than the column and save little), and only while the model's indexes stay within their
//! memory budget — a share of the packed rows. Past the budget, selections scan as before.
//!
//! Each value's rows are kept as a posting list of Rice-coded gaps ([`crate::postings`]): a value on 1–2%
//! of the rows costs about seven to eight bits a row. A roaring bitmap — the obvious choice — keeps two
//! bytes a row for values spread like this, which put two indexed fields of the benchmark table past half
//! its packed size.
//!
//! Inference asks through [`rows_matching`] (one selection: the cheapest of reading the already-possible
//! rows one by one, taking the values' rows from the index — kept as those values, their set made only on
//! demand — or a full scan) and `rows_matching_all` (several selections of one table, read together a
//! stretch of rows at a time). Readers of a selection's rows that can take them a stretch at a time (a
//! cube's scan) use [`RowIndex::for_each_stretch`]; a field's possible values beside a one-field selection
//! come from [`RowIndex::values_meeting`]. The one place a posting list is decoded is
//! [`crate::postings`]' `Cursor`.
//! What this module is not: a cache of selection results (that is [`crate::cache`]).

use crate::bits::Bits;
use crate::model::{DataModel, FieldId, Table, TableId};
use crate::packed::{PackedColumn, NULL};
use crate::postings::{first_shared, Cursor, Postings};
use crate::rowset::RowSet;
use crate::scan::{filter_list, filter_listed_rows, filter_rows};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// When a column gets an index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexPolicy {
    /// Tables with fewer rows are always scanned (a scan of them costs less than building the index).
    pub min_rows: usize,
    /// Columns with fewer rows per value on average get no index.
    pub min_rows_per_value: usize,
    /// The indexes of a model may take at most this share of its packed rows' bytes.
    pub budget_share: f64,
    /// Columns of at least this many rows get their index built in the background: the selections that
    /// need it meanwhile scan the column, instead of the first one waiting for the build (~5 ns a row on
    /// two cores: 50 ms at 10M rows).
    pub background_rows: usize,
}

impl Default for IndexPolicy {
    fn default() -> IndexPolicy {
        IndexPolicy {
            min_rows: 1 << 16,
            min_rows_per_value: 64,
            budget_share: 0.5,
            background_rows: 1 << 20,
        }
    }
}

/// The rows of each value of one column.
#[derive(Debug)]
pub struct RowIndex {
    /// Per symbol, its rows.
    values: Vec<Postings>,
}

impl RowIndex {
    /// Indexes `column`, whose values are symbols `0..symbols`. While it builds, the rows are held as
    /// plain row numbers (four bytes a row) before they are packed.
    pub fn build(column: &PackedColumn, symbols: usize) -> RowIndex {
        let lists = row_lists(column, symbols);
        RowIndex {
            values: lists.par_iter().map(|rows| Postings::new(rows)).collect(),
        }
    }

    /// How many rows hold one of the `allowed` symbols.
    pub fn count(&self, allowed: &Bits) -> u64 {
        allowed
            .iter()
            .filter_map(|s| self.values.get(s))
            .map(|p| p.len() as u64)
            .sum()
    }

    /// The rows (of `rows` in all, and of `within` when given) that hold one of the `allowed` symbols.
    pub fn rows(&self, allowed: &Bits, rows: usize, within: Option<&Bits>) -> Bits {
        self.matched(allowed, rows, within, 0).into_bits()
    }

    /// [`RowIndex::rows`], as a list when they are at most `max_list`.
    fn matched(
        &self,
        allowed: &Bits,
        rows: usize,
        within: Option<&Bits>,
        max_list: usize,
    ) -> RowSet {
        let mut out = Matched::new(rows, max_list);
        for s in allowed.iter() {
            if let Some(p) = self.values.get(s) {
                p.for_each(|r| {
                    if (r as usize) < rows && within.is_none_or(|w| w.contains(r as usize)) {
                        out.insert(r);
                    }
                });
            }
        }
        // Each value's rows come in order; several values' rows interleave.
        out.finish(allowed.count() <= 1)
    }

    /// The symbols with at least one row in `rows`, reading each value's rows only up to the first one in
    /// the set — a set spread over the table answers after a few rows per value. `None` once more than
    /// `limit` rows were read (checked between values: values with no row in the set are read to their
    /// end), when reading the set's own rows costs less.
    pub fn values_in(&self, rows: &Bits, limit: usize) -> Option<Bits> {
        self.values_where(limit, |p, read| {
            p.any(|r| {
                *read += 1;
                rows.contains(r as usize)
            })
        })
    }

    /// The symbols with at least one row among the rows of `by`'s `allowed` symbols (another column of
    /// the same table), each value's rows read alongside those only up to the first row they share — no
    /// set of those rows is made (on a long table, megabytes for a selection of a few percent of it).
    /// `None` once more than `limit` blocks were decoded (values that share no row are read to the end of
    /// one of the two lists), when making the set costs less.
    pub fn values_meeting(&self, by: &RowIndex, allowed: &Bits, limit: usize) -> Option<Bits> {
        self.values_where(limit, |p, decoded| {
            by.cursors(allowed).into_iter().any(|mut theirs| {
                let mut mine = Cursor::new(p);
                let met = first_shared(&mut mine, &mut theirs).is_some();
                *decoded += mine.decoded + theirs.decoded;
                met
            })
        })
    }

    /// The symbols whose rows `has` finds what it looks for, `has` adding what each look cost to its
    /// count; `None` once the count passes `limit` (checked between values).
    fn values_where(
        &self,
        limit: usize,
        mut has: impl FnMut(&Postings, &mut usize) -> bool,
    ) -> Option<Bits> {
        let mut out = Bits::empty(self.values.len());
        let mut cost = 0;
        for (s, p) in self.values.iter().enumerate() {
            if has(p, &mut cost) {
                out.insert(s);
            }
            if cost > limit {
                return None;
            }
        }
        Some(out)
    }

    /// How many blocks hold the rows of the `allowed` symbols (what reading them all decodes).
    pub fn blocks(&self, allowed: &Bits) -> usize {
        (allowed.iter())
            .filter_map(|s| self.values.get(s))
            .map(Postings::block_count)
            .sum()
    }

    /// Calls `f(start, end, rows)` for each stretch `start..end` of `range` — cut at multiples of
    /// [`STRETCH`] rows — with the rows in it that hold one of the `allowed` symbols, in increasing order:
    /// the values' rows read a stretch at a time (a reader can scan them as it would a block of a set of
    /// them, which is never made). `f` may change the list it is handed.
    pub fn for_each_stretch(
        &self,
        allowed: &Bits,
        range: std::ops::Range<usize>,
        mut f: impl FnMut(usize, usize, &mut Vec<u32>),
    ) {
        let mut cursors = self.cursors(allowed);
        cursors
            .iter_mut()
            .for_each(|c| c.skip_below(range.start as u32));
        let mut rows = Vec::new();
        let mut start = range.start;
        while start < range.end {
            let end = (start - start % STRETCH + STRETCH).min(range.end);
            rows.clear();
            cursors
                .iter_mut()
                .for_each(|c| c.take_below(end as u32, |r| rows.push(r)));
            // Several values' rows interleave.
            if cursors.len() > 1 {
                rows.sort_unstable();
            }
            f(start, end, &mut rows);
            start = end;
        }
    }

    /// A reader of each of the `allowed` symbols' rows.
    fn cursors(&self, allowed: &Bits) -> Vec<Cursor<'_>> {
        (allowed.iter())
            .filter_map(|s| self.values.get(s))
            .map(Cursor::new)
            .collect()
    }

    /// Bytes the index holds.
    pub fn bytes(&self) -> usize {
        self.values.iter().map(Postings::bytes).sum()
    }
}

/// Each symbol's rows, in increasing order. Two parallel passes over runs of rows: the first counts each
/// run's rows per symbol, so each list is allocated once at its size and each run writes its own part.
fn row_lists(column: &PackedColumn, symbols: usize) -> Vec<Vec<u32>> {
    let n = column.len();
    let runs: Vec<(usize, usize)> = (0..n.div_ceil(BUILD_RUN))
        .map(|r| (r * BUILD_RUN, ((r + 1) * BUILD_RUN).min(n)))
        .collect();
    let counts: Vec<Vec<usize>> = runs
        .par_iter()
        .map(|&(start, end)| {
            let mut c = vec![0usize; symbols];
            each_symbol(column, symbols, start, end, |_, s| c[s] += 1);
            c
        })
        .collect();
    let mut lists: Vec<Vec<u32>> = (0..symbols)
        .map(|s| vec![0u32; counts.iter().map(|c| c[s]).sum()])
        .collect();
    // Each run's part of every list, cut in run order.
    let mut parts: Vec<Vec<&mut [u32]>> =
        runs.iter().map(|_| Vec::with_capacity(symbols)).collect();
    for (s, list) in lists.iter_mut().enumerate() {
        let mut rest: &mut [u32] = list;
        for (r, part) in parts.iter_mut().enumerate() {
            let (mine, after) = rest.split_at_mut(counts[r][s]);
            part.push(mine);
            rest = after;
        }
    }
    runs.par_iter()
        .zip(parts.par_iter_mut())
        .for_each(|(&(start, end), part)| {
            let mut filled = vec![0usize; symbols];
            each_symbol(column, symbols, start, end, |row, s| {
                part[s][filled[s]] = row as u32;
                filled[s] += 1;
            });
        });
    lists
}

/// Rows per run when building an index.
const BUILD_RUN: usize = 1 << 20;

/// Calls `f(row, symbol)` for each row of `start..end` that holds one of the symbols `0..symbols`.
fn each_symbol(
    column: &PackedColumn,
    symbols: usize,
    start: usize,
    end: usize,
    mut f: impl FnMut(usize, usize),
) {
    let mut decoded = vec![0u32; 4096];
    let mut at = start;
    while at < end {
        let len = (end - at).min(decoded.len());
        column.get_range(at, &mut decoded[..len]);
        for (i, &s) in decoded[..len].iter().enumerate() {
            if s != NULL && (s as usize) < symbols {
                f(at + i, s as usize);
            }
        }
        at += len;
    }
}

/// The indexes of a model's columns, built on first use within a memory budget.
pub struct RowIndexes {
    policy: IndexPolicy,
    /// Shared with the builds under way in the background.
    shared: Arc<Slots>,
}

/// What was decided for each column, and the memory the indexes hold.
struct Slots {
    /// Per table, per column (in the table's column order). A slot's lock is held while an index builds
    /// in the foreground, so concurrent selections build it once.
    slots: Vec<Vec<Mutex<Slot>>>,
    budget: usize,
    used: AtomicUsize,
    /// Builds under way in the background (including ones whose slot was released meanwhile).
    pending: AtomicUsize,
}

/// What a column has.
#[derive(Debug, Default)]
enum Slot {
    /// Not asked for yet (or released).
    #[default]
    Undecided,
    /// Not worth an index, or past the budget.
    Scan,
    /// Its index is being built in the background; selections scan meanwhile.
    Building,
    /// Its index.
    Index(Arc<RowIndex>),
}

/// Where a column's slot is: table, then the column's position in it.
type At = (TableId, usize);

impl RowIndexes {
    /// No index yet for any column of `tables`.
    pub fn new(tables: &[Table], policy: IndexPolicy) -> RowIndexes {
        let packed: usize = tables
            .iter()
            .flat_map(|t| &t.columns)
            .map(|c| c.data.bytes())
            .sum();
        let shape: Vec<usize> = tables.iter().map(|t| t.columns.len()).collect();
        RowIndexes {
            policy,
            shared: Arc::new(Slots::new(
                &shape,
                (packed as f64 * policy.budget_share) as usize,
            )),
        }
    }

    /// Bytes the indexes built so far hold (with what builds under way have reserved).
    pub fn bytes(&self) -> usize {
        self.shared.used.load(Ordering::Relaxed)
    }

    /// Whether indexes are being built in the background.
    pub fn building(&self) -> bool {
        self.shared.pending.load(Ordering::Acquire) > 0
    }

    /// Drops every index (when no session is left, so the memory goes back); the next selection that
    /// needs one builds it again. Indexes in use by a running request stay alive until it ends; a build
    /// under way finishes and is dropped.
    pub fn release(&self) {
        for mut slot in self.shared.all() {
            let old = std::mem::take(&mut *slot);
            if let Slot::Index(index) = old {
                self.shared.used.fetch_sub(index.bytes(), Ordering::Relaxed);
            }
        }
    }

    /// The index of field `f`'s column in table `t`, if it has one now: built now if the column is worth
    /// one and the budget allows it — in the background for a long column, which is scanned meanwhile.
    pub fn get(&self, model: &DataModel, t: TableId, f: FieldId) -> Option<Arc<RowIndex>> {
        let table = model.tables.get(t)?;
        let pos = table.columns.iter().position(|c| c.field == f)?;
        let mut slot = self.shared.slot((t, pos))?;
        if let Slot::Undecided = *slot {
            let symbols = model.fields.get(f).map_or(0, |f| f.symbols.len());
            *slot = self.decide(&table.columns[pos].data, symbols, (t, pos));
        }
        match &*slot {
            Slot::Index(index) => Some(index.clone()),
            _ => None,
        }
    }

    /// What a column asked for the first time gets: no index if it is not worth one or past the budget
    /// (the room is reserved before building, so builds of other columns at the same time cannot both
    /// overrun it), else its index — or, for a long column, a build in the background.
    fn decide(&self, column: &PackedColumn, symbols: usize, at: At) -> Slot {
        let rows = column.len();
        let worth =
            rows >= self.policy.min_rows && symbols.max(1) * self.policy.min_rows_per_value <= rows;
        let reserved = worth.then(|| self.shared.reserve(rows, symbols)).flatten();
        let Some(estimate) = reserved else {
            return Slot::Scan;
        };
        if rows < self.policy.background_rows {
            return self.shared.keep(RowIndex::build(column, symbols), estimate);
        }
        let (shared, column) = (self.shared.clone(), column.clone());
        shared.pending.fetch_add(1, Ordering::AcqRel);
        spawn_aside(move || {
            let index = RowIndex::build(&column, symbols);
            shared.finish(at, index, estimate);
        });
        Slot::Building
    }
}

/// Runs a background build on a pool of one thread of its own, which ends with the build. On the global
/// pool, the build's parallel loops filled both threads' queues ahead of the queries that scan meanwhile,
/// and the first selection waited for most of the build (engine-bench at 10M rows: select + 3-measure
/// cube 44–58 ms, against 6.7 ms for the same scan with no build). Without a thread to be had, the global
/// pool takes the build as before.
fn spawn_aside(build: impl FnOnce() + Send + 'static) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .thread_name(|_| "qix-index-build".to_string())
        .build();
    match pool {
        // The pool stays up until its one job is done, though dropped here.
        Ok(pool) => pool.spawn(build),
        Err(_) => rayon::spawn(build),
    }
}

impl Slots {
    fn new(shape: &[usize], budget: usize) -> Slots {
        Slots {
            slots: shape
                .iter()
                .map(|&columns| (0..columns).map(|_| Mutex::default()).collect())
                .collect(),
            budget,
            used: AtomicUsize::new(0),
            pending: AtomicUsize::new(0),
        }
    }

    fn slot(&self, (t, pos): At) -> Option<std::sync::MutexGuard<'_, Slot>> {
        let slot = self.slots.get(t)?.get(pos)?;
        Some(slot.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn all(&self) -> impl Iterator<Item = std::sync::MutexGuard<'_, Slot>> {
        (self.slots.iter().flatten()).map(|s| s.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Reserves room for an index of `rows` rows over `symbols` values, by estimate; None past the budget.
    /// Values on one row in `symbols` on average leave gaps of about log2(symbols) bits; their Rice codes
    /// take ~1.5 bits more and the heads a little: 3 more errs on the safe side (the real size replaces the
    /// estimate once built).
    fn reserve(&self, rows: usize, symbols: usize) -> Option<usize> {
        let gap_bits = (symbols.max(2) as f64).log2() + 3.0;
        let estimate = (rows as f64 * gap_bits / 8.0) as usize + symbols * 64;
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                (used + estimate <= self.budget).then_some(used + estimate)
            })
            .ok()?;
        Some(estimate)
    }

    /// The slot of a built index: its real size replaces the estimate reserved for it; larger than the
    /// budget allows, the room goes back and the column is scanned.
    fn keep(&self, index: RowIndex, estimate: usize) -> Slot {
        let bytes = index.bytes();
        self.used.fetch_sub(estimate, Ordering::AcqRel);
        if self.used.fetch_add(bytes, Ordering::AcqRel) + bytes > self.budget {
            self.used.fetch_sub(bytes, Ordering::AcqRel);
            return Slot::Scan;
        }
        Slot::Index(Arc::new(index))
    }

    /// A background build done: kept if its slot still waits for it; dropped, with the room reserved
    /// for it, if the indexes were released meanwhile.
    fn finish(&self, at: At, index: RowIndex, estimate: usize) {
        if let Some(mut slot) = self.slot(at) {
            match *slot {
                Slot::Building => *slot = self.keep(index, estimate),
                _ => {
                    self.used.fetch_sub(estimate, Ordering::AcqRel);
                }
            }
        }
        self.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Clone for RowIndexes {
    /// A copy of the model gets the same policy and builds its own indexes.
    fn clone(&self) -> RowIndexes {
        let shape: Vec<usize> = self.shared.slots.iter().map(Vec::len).collect();
        RowIndexes {
            policy: self.policy,
            shared: Arc::new(Slots::new(&shape, self.shared.budget)),
        }
    }
}

impl std::fmt::Debug for RowIndexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowIndexes")
            .field("policy", &self.policy)
            .field("bytes", &self.bytes())
            .field("budget", &self.shared.budget)
            .finish()
    }
}

/// How many rows of table `t` hold one of the `allowed` values of field `f`: exact when the column has an
/// index (built now if it is worth one: the selection is about to use it; a long column's build starts in
/// the background, and until it ends the column is scanned), the whole table otherwise (what a scan
/// costs).
pub fn estimated_rows(model: &DataModel, t: TableId, f: FieldId, allowed: &Bits) -> usize {
    match model.row_index(t, f) {
        Some(index) => index.count(allowed) as usize,
        None => model.tables.get(t).map_or(0, |table| table.rows),
    }
}

/// `rows ∩ {r : field f of table t at r ∈ allowed}` (`rows = None`: every row), by the cheapest way: the
/// values' rows from the column's index when they are few (and, with listed rows, fewer than twice those:
/// an indexed row costs a test of one bit, a listed row a read of the packed column), the listed rows
/// one by one when they are few, a scan of the column otherwise.
pub fn rows_matching(
    model: &DataModel,
    t: TableId,
    f: FieldId,
    rows: Option<&Bits>,
    allowed: &Bits,
) -> Option<Bits> {
    let within = rows.map(|r| (r, r.count()));
    rows_matching_counted(model, t, f, within, allowed, 0).map(RowSet::into_bits)
}

/// Whether a selection's rows are read from its index: when it lists at most an eighth of the column's
/// `n` rows (more, and a scan of the column, a word of the row set at a time, costs less).
fn index_answers(indexed: usize, n: usize) -> bool {
    indexed * 8 <= n
}

/// A selection's rows of a table as they are found: listed while they stay within `max_list`, then as a
/// set (the list moved into it).
struct Matched {
    len: usize,
    max_list: usize,
    found: Found,
}

/// The rows found so far.
enum Found {
    Listed(Vec<u32>),
    Set(Bits),
}

impl Matched {
    fn new(len: usize, max_list: usize) -> Matched {
        let found = match max_list {
            0 => Found::Set(Bits::empty(len)),
            _ => Found::Listed(Vec::new()),
        };
        Matched {
            len,
            max_list,
            found,
        }
    }

    /// Adds row `r`.
    #[inline]
    fn insert(&mut self, r: u32) {
        if let Found::Listed(list) = &mut self.found {
            if list.len() < self.max_list {
                list.push(r);
                return;
            }
            // The rows so far into a set (several values' rows may be out of order: a set keeps none).
            let list = std::mem::take(list);
            self.found = Found::Set(RowSet::from_list(list, self.len).into_bits());
        }
        if let Found::Set(bits) = &mut self.found {
            bits.insert(r as usize);
        }
    }

    /// The rows found; `sorted`: whether they came in increasing order.
    fn finish(self, sorted: bool) -> RowSet {
        match self.found {
            Found::Set(bits) => RowSet::from_bits(bits),
            Found::Listed(mut list) => {
                if !sorted {
                    list.sort_unstable();
                }
                RowSet::from_list(list, self.len)
            }
        }
    }
}

/// [`rows_matching`], as a list when the rows are at most `max_list` and the way they are found meets
/// them one by one (the index, or reading the already-possible rows): no set is made for them then, and
/// no later pass over one finds them.
pub(crate) fn rows_matching_listed(
    model: &DataModel,
    t: TableId,
    f: FieldId,
    rows: Option<&RowSet>,
    allowed: &Bits,
    max_list: usize,
) -> Option<RowSet> {
    let within = rows.map(|r| (r.bits(), r.count()));
    rows_matching_counted(model, t, f, within, allowed, max_list)
}

/// [`rows_matching_listed`] within a set of rows and its count.
fn rows_matching_counted(
    model: &DataModel,
    t: TableId,
    f: FieldId,
    within: Option<(&Bits, usize)>,
    allowed: &Bits,
    max_list: usize,
) -> Option<RowSet> {
    let column = model.tables.get(t)?.column(f)?;
    let n = column.len();
    let (rows, listed) = (within.map(|w| w.0), within.map(|w| w.1));
    if let Some(index) = model.row_index(t, f) {
        let indexed = index.count(allowed) as usize;
        if index_answers(indexed, n) && listed.is_none_or(|l| indexed <= 2 * l) {
            // Without rows to narrow them, the values' rows are the answer: too many to list, and
            // their set is made only if something asks for it (see `RowSet::values_of`).
            if rows.is_none() && indexed > max_list {
                let values = allowed.clone();
                let make = move || index.rows(&values, n, None);
                return Some(RowSet::of_values(n, f, allowed.clone(), indexed, make));
            }
            return Some(index.matched(allowed, n, rows, max_list));
        }
    }
    match rows {
        Some(r) if listed.unwrap_or(n) * 16 <= n => {
            let mut out = Matched::new(n, max_list);
            filter_listed_rows(column, r, allowed, |row| out.insert(row));
            Some(out.finish(true))
        }
        // A full scan fills the set a word at a time, on several threads: no list.
        _ => Some(RowSet::from_bits(filter_rows(column, rows, allowed))),
    }
}

/// Rows of a table read at a time from its indexes (see [`RowIndex::for_each_stretch`]): when several of
/// its fields are selected, a stretch's marks of one selection's rows (a bit a row, 8 KiB) stay in the
/// first-level cache.
pub const STRETCH: usize = 1 << 16;

/// Another selection's rows are read from its index, rather than its column at the first selection's
/// rows, while they are at most this many times the first's: an indexed row is decoded in order and
/// marked for a few cycles, where reading a column at rows spread over a long table waits on memory for
/// each (and more so while other work loads the memory).
const DECODE_RATIO: usize = 8;

/// How one of the other selections narrows the first's rows (see [`rows_matching_all`]).
enum Narrow<'a> {
    /// Its rows from its index, a stretch at a time, one cursor per allowed value.
    Index(Vec<Cursor<'a>>),
    /// Its column, read at the first selection's rows.
    Column(&'a PackedColumn, &'a Bits),
}

impl Narrow<'_> {
    /// Keeps the `rows` (of the stretch from `start` to below `end`) that this selection allows.
    fn narrow(&mut self, start: usize, end: u32, rows: &mut Vec<u32>, marks: &mut [u64]) {
        match self {
            Narrow::Index(cursors) if rows.is_empty() => {
                cursors.iter_mut().for_each(|c| c.skip_below(end));
            }
            Narrow::Index(_) => {
                // The rows kept so far are marked and this selection's rows tested against the marks:
                // they are the fewer, and marking a row reads and writes its mark's word.
                marks.fill(0);
                for &r in rows.iter() {
                    let i = r as usize - start;
                    marks[i / 64] |= 1 << (i % 64);
                }
                rows.clear();
                self.keep_marked(start, end, marks, rows);
            }
            Narrow::Column(column, allowed) => {
                let mut kept = Vec::with_capacity(rows.len());
                filter_list(column, rows, allowed, |r| kept.push(r));
                *rows = kept;
            }
        }
    }

    /// Adds to `rows` this selection's rows of the stretch from `start` to below `end` that `marks` (a
    /// bit a row of the stretch) holds. Only for a selection read from its index: a column is read at
    /// listed rows.
    fn keep_marked(&mut self, start: usize, end: u32, marks: &[u64], rows: &mut Vec<u32>) {
        let Narrow::Index(cursors) = self else {
            return;
        };
        for c in cursors.iter_mut() {
            c.take_below(end, |r| {
                let i = r as usize - start;
                if marks[i / 64] & (1 << (i % 64)) != 0 {
                    rows.push(r);
                }
            });
        }
        if cursors.len() > 1 {
            rows.sort_unstable();
        }
    }
}

/// Marks in `marks` (a bit a row of the stretch from `start` to below `end`) the rows the `cursors`
/// read there; whether there was any.
fn mark_stretch(cursors: &mut [Cursor<'_>], start: usize, end: u32, marks: &mut [u64]) -> bool {
    marks.fill(0);
    let mut any = false;
    for c in cursors.iter_mut() {
        c.take_below(end, |r| {
            let i = r as usize - start;
            marks[i / 64] |= 1 << (i % 64);
            any = true;
        });
    }
    any
}

/// The rows of table `t` holding an allowed value in every one of `selections` (field, allowed symbols,
/// the most selective first), as a list when they are at most `max_list`. The table is read a stretch of
/// rows at a time: the first selection's rows in it come from its index, and each other selection keeps
/// those of them it allows — marked from its own index when that lists few rows, else read from its
/// column. No set of the whole table is made (on a long table that is megabytes, allocated, counted and
/// read for a few thousand rows). `None` when the first selection has no index that lists few rows; the
/// caller then narrows selection by selection.
pub(crate) fn rows_matching_all(
    model: &DataModel,
    t: TableId,
    selections: &[(FieldId, Bits)],
    max_list: usize,
) -> Option<RowSet> {
    let table = model.tables.get(t)?;
    let ((first, allowed), rest) = selections.split_first()?;
    let n = table.column(*first)?.len();
    let index = model.row_index(t, *first)?;
    let first_rows = index.count(allowed) as usize;
    if !index_answers(first_rows, n) {
        return None;
    }
    let decodes = |i: &Arc<RowIndex>, a: &Bits| {
        let rows = i.count(a) as usize;
        index_answers(rows, n) && rows <= DECODE_RATIO * first_rows
    };
    let indexes: Vec<Option<Arc<RowIndex>>> = (rest.iter())
        .map(|(f, a)| model.row_index(t, *f).filter(|i| decodes(i, a)))
        .collect();
    let mut others = (rest.iter().zip(&indexes))
        .map(|((f, a), index)| match index {
            Some(i) => Some(Narrow::Index(i.cursors(a))),
            None => Some(Narrow::Column(table.column(*f)?, a)),
        })
        .collect::<Option<Vec<_>>>()?;
    let mut out = Matched::new(n, max_list);
    let mut marks = vec![0u64; STRETCH / 64];
    if let Some((second @ Narrow::Index(_), rest)) = others.split_first_mut() {
        // The first selection's rows are marked straight from its index (never listed): the second's
        // rows are tested against the marks.
        let mut firsts = index.cursors(allowed);
        let mut rows = Vec::new();
        for start in (0..n).step_by(STRETCH) {
            let end = (start + STRETCH).min(n) as u32;
            rows.clear();
            match mark_stretch(&mut firsts, start, end, &mut marks) {
                true => second.keep_marked(start, end, &marks, &mut rows),
                false => second.narrow(start, end, &mut rows, &mut marks),
            }
            for other in rest.iter_mut() {
                other.narrow(start, end, &mut rows, &mut marks);
            }
            rows.iter().for_each(|&r| out.insert(r));
        }
        return Some(out.finish(true));
    }
    index.for_each_stretch(allowed, 0..n, |start, end, rows| {
        for other in &mut others {
            other.narrow(start, end as u32, rows, &mut marks);
        }
        rows.iter().for_each(|&r| out.insert(r));
    });
    Some(out.finish(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_built_in_several_runs_are_in_row_order() {
        let n = 2 * BUILD_RUN + 1000;
        let cells: Vec<u32> = (0..n as u32)
            .map(|i| if i % 5 == 0 { NULL } else { (i / 7) % 3 })
            .collect();
        let col = PackedColumn::pack(&cells, 3);
        let lists = row_lists(&col, 3);
        for (s, list) in lists.iter().enumerate() {
            let want: Vec<u32> = (0..n as u32)
                .filter(|&i| cells[i as usize] == s as u32)
                .collect();
            assert_eq!(list, &want, "symbol {s}");
        }
    }

    #[test]
    fn an_index_lists_each_values_rows() {
        let cells: Vec<u32> = (0..300_000u32)
            .map(|i| if i % 17 == 0 { NULL } else { (i * 31) % 7 })
            .collect();
        let col = PackedColumn::pack(&cells, 7);
        let index = RowIndex::build(&col, 7);
        let mut allowed = Bits::empty(7);
        allowed.insert(3);
        allowed.insert(5);
        let got = index.rows(&allowed, cells.len(), None);
        let want: Vec<usize> = (0..cells.len())
            .filter(|&i| cells[i] == 3 || cells[i] == 5)
            .collect();
        assert_eq!(got.iter().collect::<Vec<_>>(), want);
        assert_eq!(index.count(&allowed), want.len() as u64);
        // The values of those rows are the two selected ones.
        let found = index.values_in(&got, cells.len()).unwrap();
        assert_eq!(found.iter().collect::<Vec<_>>(), vec![3, 5]);
        assert!(
            index.values_in(&got, 1000).is_none(),
            "five values read to their end"
        );
        // Values on a seventh of the rows: gaps of a few bits, well under a byte a row.
        assert!(index.bytes() < cells.len(), "{} bytes", index.bytes());
    }
}
