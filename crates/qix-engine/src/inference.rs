//! Logical inference: from a selection state, the possible rows of every table and the possible symbols of
//! every field, propagated through key fields.
//!
//! Semantics (Qlik's): the model stands for the outer join of its tables along key fields. A row is possible
//! when it can take part in a joined row that agrees with every selection; a table branch that holds no
//! selection does not constrain (so without selections everything is possible). On the tree of tables and
//! key fields this is computed by message passing: the message from a table to a key field carries the key
//! values its rows can offer given the selections on that side; the message from a key field to a table is
//! the intersection of the messages of the other selection-bearing sides (and the key's own selection).
//!
//! A loosely coupled table (see `model::Coupling`) counts as one table per field: it sends no message
//! (so selections never pass through it, and a loop it was loosened to cut is no loop here), each of
//! its fields is possible as the rest of the model and the field's own selection say, and its possible
//! rows — what a chart aggregating over it reads — are those whose every value is possible.

use crate::bits::Bits;
use crate::gathered::Gathered;
use crate::model::{DataModel, FieldId, TableId};
use crate::rowindex::{estimated_rows, rows_matching, rows_matching_all, rows_matching_listed};
use crate::rowset::{RowSet, LIST_SHARE};
use crate::scan::{symbols_in, symbols_of_rows};
use crate::selection::SelectionState;
use qix_expr::SetOp;
use std::collections::HashMap;
use std::sync::Arc;

/// Symbol states, as the engine names them in `qState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// `S`: selected.
    Selected,
    /// `O`: optional — possible, not selected.
    Optional,
    /// `X`: excluded.
    Excluded,
    /// `A`: alternative — not selected, possible if this field's own selection were cleared.
    Alternative,
    /// `XS`: selected, but excluded by selections in other fields.
    SelectedExcluded,
    /// `L`: selected in a locked field.
    Locked,
    /// `XL`: selected in a locked field, but excluded by other selections.
    LockedExcluded,
}

impl State {
    /// The `qState` letter(s).
    pub fn letter(self) -> &'static str {
        match self {
            State::Selected => "S",
            State::Optional => "O",
            State::Excluded => "X",
            State::Alternative => "A",
            State::SelectedExcluded => "XS",
            State::Locked => "L",
            State::LockedExcluded => "XL",
        }
    }

    /// Selected in some way (S, L, XS, XL).
    pub fn is_selected(self) -> bool {
        matches!(
            self,
            State::Selected | State::SelectedExcluded | State::Locked | State::LockedExcluded
        )
    }

    /// Sort rank used by list objects' sort-by-state: selected first, then possible, then the rest.
    pub fn rank(self) -> u8 {
        match self {
            State::Selected | State::Locked => 0,
            State::Optional => 1,
            State::Alternative => 2,
            State::SelectedExcluded | State::LockedExcluded => 3,
            State::Excluded => 4,
        }
    }
}

/// The result of inference for one selection state.
#[derive(Debug, Clone)]
pub struct Inference {
    /// Possible rows per table; `None` means every row.
    rows: Vec<Option<Arc<RowSet>>>,
    /// Possible symbols of key fields (computed with the messages) and of the fields of loosely coupled
    /// tables; `None` means all. Other fields' possible symbols are read from their table's rows.
    key_possible: HashMap<FieldId, Option<Arc<Bits>>>,
    /// Other fields' possible symbols once read (see [`Memo`]).
    memo: Memo,
    /// Fields' symbols at listed rows once read (see [`Inference::listed_symbols`]).
    gathered: Gathered,
    /// The fields with one value selected (that symbol): every possible row of their tables holds it.
    single: Vec<(FieldId, u32)>,
    /// Per table, whether its rows are those its own selections leave, no key's message narrowing them:
    /// a state with one more selection in that table starts from them (see [`infer_from`]).
    local: Vec<bool>,
}

/// Possible symbols of fields that are not keys, kept once read from their table's rows: after a click,
/// each layout that shows a field (a list, a cube's dimension counts) asks for them, and a cached
/// inference serves every session in that state. Bounded: fields of at most [`Memo::MAX_SYMBOLS`]
/// symbols, [`Memo::MAX_BYTES`] in all (counted in [`Inference::bytes`] from the start, so a cache that
/// weighs an inference when it stores it never holds more than it counted).
#[derive(Debug, Default)]
struct Memo {
    fields: std::sync::Mutex<HashMap<FieldId, Option<Arc<Bits>>>>,
}

impl Memo {
    /// Fields with more symbols are read each time (their sets are large, and lists of them are rare).
    const MAX_SYMBOLS: usize = 1 << 16;
    /// The most the kept sets hold together.
    const MAX_BYTES: usize = 64 * 1024;

    fn get(&self, f: FieldId) -> Option<Option<Arc<Bits>>> {
        let fields = self.fields.lock().unwrap_or_else(|e| e.into_inner());
        fields.get(&f).cloned()
    }

    fn put(&self, f: FieldId, value: &Option<Arc<Bits>>, symbols: usize) {
        if symbols > Memo::MAX_SYMBOLS {
            return;
        }
        let mut fields = self.fields.lock().unwrap_or_else(|e| e.into_inner());
        let held: usize = fields.values().flatten().map(|b| b.words().len() * 8).sum();
        if held + symbols.div_ceil(8) <= Memo::MAX_BYTES {
            fields.insert(f, value.clone());
        }
    }
}

impl Clone for Memo {
    fn clone(&self) -> Memo {
        let fields = self.fields.lock().unwrap_or_else(|e| e.into_inner());
        Memo {
            fields: std::sync::Mutex::new(fields.clone()),
        }
    }
}

struct Messages<'a> {
    model: &'a DataModel,
    state: &'a SelectionState,
    local: Vec<Option<Arc<RowSet>>>,
    to_key: HashMap<(TableId, FieldId), Option<Arc<Bits>>>,
    to_table: HashMap<(FieldId, TableId), Option<Arc<Bits>>>,
}

fn selected_bits(model: &DataModel, state: &SelectionState, f: FieldId) -> Option<Bits> {
    state.selected(f).map(|syms| {
        let mut b = Bits::empty(model.fields[f].symbols.len());
        for s in syms {
            if (*s as usize) < b.len() {
                b.insert(*s as usize);
            }
        }
        b
    })
}

fn intersect(acc: Option<Arc<Bits>>, next: &Arc<Bits>) -> Option<Arc<Bits>> {
    Some(match acc {
        None => next.clone(),
        Some(a) => {
            let mut a = (*a).clone();
            a.intersect_with(next);
            Arc::new(a)
        }
    })
}

impl Messages<'_> {
    /// The rows of `rows` (every row for `None`) of `t` whose `k` is one of `vals`.
    fn matching(&self, t: TableId, k: FieldId, rows: Option<&Bits>, vals: &Bits) -> Bits {
        rows_matching(self.model, t, k, rows, vals)
            .unwrap_or_else(|| Bits::empty(self.model.tables[t].rows))
    }

    fn column(&self, t: TableId, f: FieldId) -> &crate::packed::PackedColumn {
        // Only called for fields the table has.
        self.model.tables[t]
            .column(f)
            .expect("field belongs to table")
    }

    /// Rows of `t` that agree with its local selections and every incoming message except from `skip`.
    fn rows(&mut self, t: TableId, skip: Option<FieldId>) -> (Option<Arc<RowSet>>, bool) {
        let mut rows = self.local[t].clone();
        let mut constrained = rows.is_some();
        let keys: Vec<FieldId> = self.model.keys_of(t).filter(|k| Some(*k) != skip).collect();
        for k in keys {
            if let Some(vals) = self.message_to_table(k, t) {
                constrained = true;
                let filtered = self.matching(t, k, rows.as_deref().map(RowSet::bits), &vals);
                rows = Some(Arc::new(RowSet::from_bits(filtered)));
            }
        }
        (rows, constrained)
    }

    fn message_to_key(&mut self, t: TableId, k: FieldId) -> Option<Arc<Bits>> {
        if self.model.is_loose(t) {
            return None;
        }
        if let Some(m) = self.to_key.get(&(t, k)) {
            return m.clone();
        }
        let (rows, constrained) = self.rows(t, Some(k));
        let msg = constrained.then(|| {
            Arc::new(symbols_in(
                self.column(t, k),
                rows.as_deref().map(RowSet::bits),
                self.model.fields[k].symbols.len(),
            ))
        });
        self.to_key.insert((t, k), msg.clone());
        msg
    }

    fn message_to_table(&mut self, k: FieldId, t: TableId) -> Option<Arc<Bits>> {
        if let Some(m) = self.to_table.get(&(k, t)) {
            return m.clone();
        }
        let mut acc = selected_bits(self.model, self.state, k).map(Arc::new);
        let others: Vec<TableId> = self.model.fields[k]
            .tables
            .iter()
            .copied()
            .filter(|u| *u != t)
            .collect();
        for u in others {
            if let Some(m) = self.message_to_key(u, k) {
                acc = intersect(acc, &m);
            }
        }
        self.to_table.insert((k, t), acc.clone());
        acc
    }
}

/// The inference of a state, when a cache already holds it (see [`infer_from`]).
pub type Known<'a> = &'a dyn Fn(&SelectionState) -> Option<Arc<Inference>>;

/// Runs inference for `state`.
pub fn infer(model: &DataModel, state: &SelectionState) -> Inference {
    infer_from(model, state, &|_| None)
}

/// Runs inference for `state`, starting where it can from the inference of a state with one selection
/// fewer that `known` holds. A click adds a selection to the state before it, whose inference a cache
/// holds: a table's rows are then those rows narrowed by the new selection, which reads only its own
/// rows (from its index), where computing them afresh reads every selection's rows again.
pub fn infer_from(model: &DataModel, state: &SelectionState, known: Known<'_>) -> Inference {
    if state.selected_fields().next().is_none() {
        return Inference::of(vec![None; model.tables.len()], HashMap::new());
    }
    // Local masks: selections on fields that are not keys restrict their one table; when few rows are
    // left, they are listed as they are found (see `Inference::row_list`).
    let mut local: Vec<Option<Arc<RowSet>>> = vec![None; model.tables.len()];
    for (t, selections) in local_selections(model, state) {
        let rows = narrowed_known(model, state, t, &selections, known)
            .or_else(|| local_rows(model, t, &selections));
        local[t] = rows.map(Arc::new);
    }
    let mut m = Messages {
        model,
        state,
        local,
        to_key: HashMap::new(),
        to_table: HashMap::new(),
    };
    let mut key_possible = HashMap::new();
    for (k, field) in model.fields.iter().enumerate() {
        if !field.is_key() {
            continue;
        }
        let mut acc = selected_bits(model, state, k).map(Arc::new);
        for &u in &field.tables {
            if let Some(msg) = m.message_to_key(u, k) {
                acc = intersect(acc, &msg);
            }
        }
        key_possible.insert(k, acc);
    }
    let rows: Vec<Option<Arc<RowSet>>> = (0..model.tables.len())
        .map(|t| match model.is_loose(t) {
            false => m.rows(t, None).0,
            true => loose_rows(model, state, t, m.local[t].clone(), &mut key_possible),
        })
        .collect();
    // A table no message narrowed keeps its local rows as they were made.
    let local = (rows.iter().zip(&m.local).enumerate())
        .map(|(t, pair)| match pair {
            (Some(rows), Some(own)) => !model.is_loose(t) && Arc::ptr_eq(rows, own),
            _ => false,
        })
        .collect();
    Inference {
        single: single_values(model, state),
        local,
        ..Inference::of(rows, key_possible)
    }
}

/// The rows of table `t` that its own `selections` leave, from a state without one of them that
/// `known` holds and whose rows of `t` are its own selections' alone: those rows narrowed by the one
/// left out — the most selective first, whose rows are the fewest to read. `None` when no such state is
/// known.
fn narrowed_known(
    model: &DataModel,
    state: &SelectionState,
    t: TableId,
    selections: &[(FieldId, Bits)],
    known: Known<'_>,
) -> Option<RowSet> {
    if selections.len() < 2 {
        return None;
    }
    let max_list = model.tables[t].rows / LIST_SHARE;
    selections.iter().find_map(|(f, sel)| {
        let before = known(&state.without(*f))?;
        let rows = before.local_rows(t)?;
        rows_matching_listed(model, t, *f, Some(rows), sel, max_list)
    })
}

/// The fields of `state` with one value selected, and that value's symbol. Every possible row of every
/// table that holds such a field holds that symbol there (a selection keeps only the rows of its values,
/// wherever it reaches a table: its own table's local rows, a key's messages, a loose table's fields), so
/// reading the field at those rows would only find it again.
fn single_values(model: &DataModel, state: &SelectionState) -> Vec<(FieldId, u32)> {
    (state.selected_fields())
        .filter_map(|(f, symbols)| match symbols {
            [s] if (*s as usize) < model.fields[f].symbols.len() => Some((f, *s)),
            _ => None,
        })
        .collect()
}

/// The rows of table `t` that its own `selections` (most selective first) leave: several at once from
/// the first one's index when it has one, else narrowed selection by selection.
fn local_rows(model: &DataModel, t: TableId, selections: &[(FieldId, Bits)]) -> Option<RowSet> {
    let max_list = model.tables[t].rows / LIST_SHARE;
    if selections.len() > 1 {
        if let Some(found) = rows_matching_all(model, t, selections, max_list) {
            return Some(found);
        }
    }
    let mut rows: Option<RowSet> = None;
    for (f, sel) in selections {
        if let Some(found) = rows_matching_listed(model, t, *f, rows.as_ref(), sel, max_list) {
            rows = Some(found);
        }
    }
    rows
}

/// The selections on fields that are not keys, per table: (table, [(field, selected symbols)]), each
/// table's most selective first — the rows it leaves are few, so the next ones read only those rows.
fn local_selections(
    model: &DataModel,
    state: &SelectionState,
) -> Vec<(TableId, Vec<(FieldId, Bits)>)> {
    let mut out: Vec<(TableId, usize, FieldId, Bits)> = Vec::new();
    for (f, _) in state.selected_fields() {
        let field = &model.fields[f];
        if field.is_key() {
            continue;
        }
        let Some(sel) = selected_bits(model, state, f) else {
            continue;
        };
        for &t in &field.tables {
            out.push((t, estimated_rows(model, t, f, &sel), f, sel.clone()));
        }
    }
    out.sort_by_key(|(t, rows, f, _)| (*t, *rows, *f));
    let mut tables: Vec<(TableId, Vec<(FieldId, Bits)>)> = Vec::new();
    for (t, _, f, sel) in out {
        match tables.last_mut() {
            Some((last, selections)) if *last == t => selections.push((f, sel)),
            _ => tables.push((t, vec![(f, sel)])),
        }
    }
    tables
}

/// The possible rows of loosely coupled table `t`: those whose every value is possible (its key fields
/// as the rest of the model says, its other fields by their own selections, which `local` holds).
/// Records the other fields' possible symbols (their selections) in `possible`.
fn loose_rows(
    model: &DataModel,
    state: &SelectionState,
    t: TableId,
    local: Option<Arc<RowSet>>,
    possible: &mut HashMap<FieldId, Option<Arc<Bits>>>,
) -> Option<Arc<RowSet>> {
    let mut rows = local;
    for c in &model.tables[t].columns {
        if !model.fields[c.field].is_key() {
            possible.insert(c.field, selected_bits(model, state, c.field).map(Arc::new));
            continue;
        }
        if let Some(Some(vals)) = possible.get(&c.field) {
            let within = rows.as_deref().map(RowSet::bits);
            let matching = rows_matching(model, t, c.field, within, vals);
            rows = matching.map(|b| Arc::new(RowSet::from_bits(b))).or(rows);
        }
    }
    rows
}

impl Inference {
    /// The inference of these possible rows and key values, no other field's values read yet.
    fn of(
        rows: Vec<Option<Arc<RowSet>>>,
        key_possible: HashMap<FieldId, Option<Arc<Bits>>>,
    ) -> Inference {
        Inference {
            rows,
            key_possible,
            memo: Memo::default(),
            gathered: Gathered::default(),
            single: Vec::new(),
            local: Vec::new(),
        }
    }

    /// No row of any table: what a set whose modifier selects no value stands for.
    pub fn nothing(model: &DataModel) -> Inference {
        let rows = model
            .tables
            .iter()
            .map(|t| Some(Arc::new(RowSet::from_bits(Bits::empty(t.rows)))))
            .collect();
        let key_possible = model
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.is_key())
            .map(|(k, f)| (k, Some(Arc::new(Bits::empty(f.symbols.len())))))
            .collect();
        Inference::of(rows, key_possible)
    }

    /// Two row sets combined table by table with a set operator (set analysis's `+ - * /` between
    /// sets). A key field's possible values are those found in the combined rows of every table that
    /// has it.
    pub fn combine(model: &DataModel, a: &Inference, b: &Inference, op: SetOp) -> Inference {
        let rows: Vec<Option<Arc<RowSet>>> = model
            .tables
            .iter()
            .enumerate()
            .map(|(t, table)| {
                let full = || Bits::full(table.rows);
                let mut x = a.table_rows(t).cloned().unwrap_or_else(full);
                let y = b.table_rows(t).cloned().unwrap_or_else(full);
                match op {
                    SetOp::Union => x.union_with(&y),
                    SetOp::Exclusion => x.difference_with(&y),
                    SetOp::Intersection => x.intersect_with(&y),
                    SetOp::SymmetricDifference => x.symmetric_difference_with(&y),
                }
                Some(Arc::new(RowSet::from_bits(x)))
            })
            .collect();
        let mut key_possible = HashMap::new();
        for (k, field) in model.fields.iter().enumerate() {
            if !field.is_key() {
                continue;
            }
            let mut acc: Option<Bits> = None;
            for &t in &field.tables {
                let Some(col) = model.tables[t].column(k) else {
                    continue;
                };
                let syms = symbols_in(
                    col,
                    rows[t].as_deref().map(RowSet::bits),
                    field.symbols.len(),
                );
                match &mut acc {
                    None => acc = Some(syms),
                    Some(a) => a.intersect_with(&syms),
                }
            }
            key_possible.insert(k, acc.map(Arc::new));
        }
        Inference::of(rows, key_possible)
    }

    /// Possible symbols of `field`; `None` means all.
    pub fn possible(&self, model: &DataModel, field: FieldId) -> Option<Arc<Bits>> {
        let f = &model.fields[field];
        if let Some(p) = self.key_possible.get(&field) {
            return p.clone();
        }
        if f.is_key() {
            return None;
        }
        if let Some(kept) = self.memo.get(field) {
            return kept;
        }
        let found = self.read_possible(model, field);
        self.memo.put(field, &found, f.symbols.len());
        found
    }

    /// The possible symbols of a field that is not a key, read from its table's possible rows.
    fn read_possible(&self, model: &DataModel, field: FieldId) -> Option<Arc<Bits>> {
        let f = &model.fields[field];
        let t = *f.tables.first()?;
        let set = self.rows[t].as_deref()?;
        let col = model.tables[t].column(field)?;
        // Rows found as a list are read as such (their set may not even be made).
        if let Some(list) = set.list_made() {
            return Some(Arc::new(symbols_of_rows(col, list, f.symbols.len())));
        }
        // The rows of another field's selected values: this field's values found alongside them, in the
        // two fields' indexes, without making the set of those rows.
        if let Some(found) = values_meeting(model, t, field, set) {
            return Some(Arc::new(found));
        }
        // A value index answers after a few rows per value when most values are possible: cheaper than
        // making the row list for that.
        let rows = set.bits();
        if let Some(found) = model
            .row_index(t, field)
            .and_then(|index| index.values_in(rows, rows.count()))
        {
            return Some(Arc::new(found));
        }
        Some(Arc::new(match set.list() {
            Some(list) => symbols_of_rows(col, list, f.symbols.len()),
            None => symbols_in(col, Some(rows), f.symbols.len()),
        }))
    }

    /// Bytes the row and value sets hold (what a cache of inferences weighs them by): each table's rows
    /// at the most they can come to hold (the set or the list of a table may be made after).
    pub fn bytes(&self) -> usize {
        let set = |b: &Option<Arc<Bits>>| b.as_ref().map_or(0, |b| b.words().len() * 8);
        let rows = |r: &Option<Arc<RowSet>>| r.as_deref().map_or(0, RowSet::bytes_at_most);
        std::mem::size_of::<Inference>()
            + std::mem::size_of_val(self.single.as_slice())
            + Memo::MAX_BYTES
            + Gathered::MAX_BYTES
            + self.rows.iter().map(rows).sum::<usize>()
            + self.key_possible.values().map(set).sum::<usize>()
    }

    /// The rows of `table` its own selections leave, when no key's message narrowed them (those are its
    /// possible rows); `None` otherwise, and when the table has no selection.
    fn local_rows(&self, table: TableId) -> Option<&RowSet> {
        match self.local.get(table) {
            Some(true) => self.rows.get(table)?.as_deref(),
            _ => None,
        }
    }

    /// Possible rows of `table`; `None` means every row. (Rows found as a list are made into a set the
    /// first time this is asked: readers that can take the list ask [`Inference::row_list`] first.)
    pub fn table_rows(&self, table: TableId) -> Option<&Bits> {
        self.rows.get(table)?.as_deref().map(RowSet::bits)
    }

    /// When the possible rows of `table` are the rows of some values of one of its fields, and their set is
    /// not made: that field and those values (see `RowSet::values_of`) — a reader can take the rows from
    /// the field's row index instead of making the set.
    pub fn row_values(&self, table: TableId) -> Option<(FieldId, &Bits)> {
        self.rows.get(table)?.as_deref()?.values_of()
    }

    /// The possible rows of `table` in increasing order, when they are at most a 256th of it
    /// (`rowset::LIST_SHARE`); `None` when every row is possible or too many are. A selection through
    /// a row index or over few rows lists them as it finds them; otherwise the list is made on first
    /// use and kept: after a selection of a few rows of a long table, every cube and list reads those
    /// rows, and each pass over a set to find them would read it whole (a bit per row of the table).
    pub fn row_list(&self, table: TableId) -> Option<&[u32]> {
        self.rows.get(table)?.as_deref()?.list()
    }

    /// The one value selected in `field`, when the state selects exactly one: every possible row of every
    /// table that holds `field` holds it (see `single_values`), so a reader of the field at possible rows
    /// knows what it would find.
    pub fn single_value(&self, field: FieldId) -> Option<u32> {
        (self.single.iter())
            .find(|(f, _)| *f == field)
            .map(|&(_, s)| s)
    }

    /// The symbols of `field` (a column of `table`) at the rows [`Inference::row_list`] lists, in that
    /// order (`NULL` for a `NULL` row), read once: the cubes of a sheet read the same fields at the same
    /// rows, and the sessions in this state share the inference. `None` without a list or a column.
    pub fn listed_symbols(
        &self,
        model: &DataModel,
        table: TableId,
        field: FieldId,
    ) -> Option<Arc<Vec<u32>>> {
        let list = self.row_list(table)?;
        let column = model.tables.get(table)?.column(field)?;
        Some(self.gathered.get_or_read(table, field, || {
            let mut out = Vec::new();
            column.gather(list, &mut out);
            out
        }))
    }
}

/// The possible symbols of `field` when the possible rows of its table `t` are the rows of some values of
/// another field (see `RowSet::values_of`) and both fields have row indexes: each of its values' rows
/// read alongside those rows up to the first they share. `None` when that would decode more blocks than
/// making the rows' set and reading it (twice the blocks of the selected values' rows, and two a value).
fn values_meeting(model: &DataModel, t: TableId, field: FieldId, set: &RowSet) -> Option<Bits> {
    let (by, allowed) = set.values_of()?;
    let by = model.row_index(t, by)?;
    let of = model.row_index(t, field)?;
    let limit = 2 * by.blocks(allowed) + 2 * model.fields[field].symbols.len();
    of.values_meeting(&by, allowed, limit)
}

/// The state of every symbol of `field` under `state`.
pub fn field_states(model: &DataModel, state: &SelectionState, field: FieldId) -> Vec<State> {
    field_states_with(model, state, field, &infer(model, state))
}

/// [`field_states`] with the inference for `state` already at hand.
pub fn field_states_with(
    model: &DataModel,
    state: &SelectionState,
    field: FieldId,
    inference: &Inference,
) -> Vec<State> {
    field_states_in(model, state, field, inference, &|s| {
        Arc::new(infer(model, s))
    })
}

/// [`field_states_with`] where a selected field's alternatives come from the inference of the state
/// without that field's selection as `infer` gives it (through a cache, for a caller that has one).
pub fn field_states_in(
    model: &DataModel,
    state: &SelectionState,
    field: FieldId,
    inference: &Inference,
    infer: &dyn Fn(&SelectionState) -> Arc<Inference>,
) -> Vec<State> {
    let n = model.fields[field].symbols.len();
    let selected = selected_bits(model, state, field);
    let locked = state.is_locked(field);
    match selected {
        None => {
            let possible = inference.possible(model, field);
            (0..n)
                .map(|s| match &possible {
                    Some(p) if !p.contains(s) => State::Excluded,
                    _ => State::Optional,
                })
                .collect()
        }
        Some(sel) => {
            // What the other fields allow: this field's own selection removed.
            let alt = infer(&state.without(field)).possible(model, field);
            (0..n)
                .map(|s| {
                    let allowed = alt.as_ref().is_none_or(|a| a.contains(s));
                    match (sel.contains(s), allowed, locked) {
                        (true, true, false) => State::Selected,
                        (true, true, true) => State::Locked,
                        (true, false, false) => State::SelectedExcluded,
                        (true, false, true) => State::LockedExcluded,
                        (false, true, _) => State::Alternative,
                        (false, false, _) => State::Excluded,
                    }
                })
                .collect()
        }
    }
}
