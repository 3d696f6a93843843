//! The columnar path of a LOAD: its field list, WHERE and DISTINCT applied to columns, never a row of
//! values. A field kept as it is moves (the column is shared, or only the kept rows are gathered); an
//! expression is evaluated once per distinct combination of the values of the fields it reads (a
//! function of one field runs once per value of that field, not once per record) when there are few
//! combinations, and record by record otherwise; its results are interned straight into a new column.
//!
//! A LOAD goes this way when nothing in it depends on the record's place or on the rows loaded before
//! it (`RecNo`, `RowNo`, `IterNo`, `Previous`, `Peek`, `Exists`, `AutoNumber`, `Rand`, `Evaluate`,
//! WHILE, ORDER BY); the others take the row-by-row path (`transform`). A LOAD that aggregates
//! (GROUP BY) groups on columns too (`group`).

mod detached;
mod group;

use super::columns::gather;
use super::host::{RowCtx, RowScope};
use super::tables::{Body, Columns, Data};
use super::{Cell, Exec};
use crate::ast::{FieldItem, Load};
use crate::error::ScriptError;
use crate::sources::{Interner, SymbolColumn, NULL_INDEX};
use qix_engine::symbols::SymbolTable;
use qix_expr::{Aggr, Expr, Locale, Scope, Value};
use rayon::prelude::*;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// Functions whose value depends on the record's place, on earlier records or on chance.
const ROW_FUNCTIONS: &[&str] = &[
    "RecNo",
    "RowNo",
    "IterNo",
    "Previous",
    "Peek",
    "Exists",
    "AutoNumber",
    "AutoNumberHash128",
    "AutoNumberHash256",
    "Rand",
    "Evaluate",
];

/// At most this many value combinations are remembered per expression.
const MEMO_MAX: usize = 1 << 22;

/// Marks a combination not evaluated yet (no column has this many symbols).
const UNSET: u32 = u32::MAX - 1;

/// Functions that keep state between calls: the order of calls matters.
const STATEFUL: &[&str] = &[
    "AutoNumber",
    "AutoNumberHash128",
    "AutoNumberHash256",
    "Rand",
    "Evaluate",
];

/// Whether LOAD `l` can run on columns. Expressions that depend on the record's place (`RowNo`,
/// `Previous`, ...) are evaluated record by record there too, in record order — unless the LOAD
/// groups, is DISTINCT (`RowNo` counts the rows DISTINCT keeps), calls stateful functions in more
/// than one place (the columns are made one after the other, the row path interleaves the calls), or
/// calls `Exists` (which sees the rows the LOAD made before the record).
pub(super) fn columnar(l: &Load) -> bool {
    let grouping = Exec::groups(l);
    let placed = l.exprs().any(|e| !pure(e) && !qix_expr::has_aggregation(e));
    let stateful: usize = l.exprs().map(stateful_calls).sum();
    // `Exists` sees the values this LOAD has made so far: the row path keeps them as it goes.
    let exists = l.exprs().any(|e| qix_expr::calls_function(e, "Exists"));
    l.while_.is_none()
        && l.order_by.is_empty()
        && !exists
        && (!placed || (!grouping && !l.distinct && stateful <= 1))
        && l.where_
            .as_ref()
            .is_none_or(|w| !qix_expr::has_aggregation(w))
        && l.fields.iter().all(|f| match f {
            FieldItem::Star => !grouping,
            FieldItem::Expr { expr, .. } if grouping => group::groupable(expr),
            FieldItem::Expr { expr, .. } => !qix_expr::has_aggregation(expr),
        })
}

/// How many calls of stateful functions `e` makes.
fn stateful_calls(e: &Expr) -> usize {
    match e {
        Expr::Num(_) | Expr::Str(_) | Expr::Field(_) | Expr::Aggr(_) | Expr::AggrFn(_) => 0,
        Expr::Neg(x) | Expr::Not(x) => stateful_calls(x),
        Expr::Binary(_, l, r) => stateful_calls(l) + stateful_calls(r),
        Expr::Call { name, args, .. } => {
            usize::from(STATEFUL.contains(&name.as_str()))
                + args.iter().map(stateful_calls).sum::<usize>()
        }
    }
}

/// Whether `e` calls `Previous`.
fn looks_back(e: &Expr) -> bool {
    qix_expr::calls_function(e, "Previous")
}

/// How far back `Previous` reaches (as on the row path).
const PREVIOUS_DEPTH: usize = 32;

/// Whether `e` depends only on the fields it names (no aggregation, no function of the record's place).
fn pure(e: &Expr) -> bool {
    !qix_expr::has_aggregation(e) && !ROW_FUNCTIONS.iter().any(|f| qix_expr::calls_function(e, f))
}

/// The input columns `e` reads (sorted, once each); a name the input lacks reads as NULL.
fn reads(e: &Expr, fields: &[String], out: &mut Vec<usize>) {
    match e {
        Expr::Num(_) | Expr::Str(_) | Expr::Aggr(_) | Expr::AggrFn(_) => {}
        Expr::Field(f) => {
            if let Some(c) = fields.iter().position(|x| x == f) {
                if !out.contains(&c) {
                    out.push(c);
                    out.sort_unstable();
                }
            }
        }
        Expr::Neg(x) | Expr::Not(x) => reads(x, fields, out),
        Expr::Binary(_, l, r) => {
            reads(l, fields, out);
            reads(r, fields, out);
        }
        Expr::Call { args, .. } => args.iter().for_each(|a| reads(a, fields, out)),
    }
}

/// An expression planned over the input's columns.
struct Planned<'l> {
    expr: &'l Expr,
    /// The input columns it reads.
    reads: Vec<usize>,
    /// Per read column, the stride of its symbol (+1, 0 for NULL) in a combination number.
    strides: Vec<usize>,
    /// The result's symbol per combination of the read values, or empty when there are too many
    /// combinations or the expression depends on the record's place (then each record is evaluated).
    memo: Vec<u32>,
    /// It depends on the record's place (`RowNo`, `Previous`, ...).
    placed: bool,
    /// For `Previous`: the read cells of the records kept before this one, the nearest first.
    back: Option<VecDeque<Vec<Cell>>>,
}

impl<'l> Planned<'l> {
    fn new(expr: &'l Expr, fields: &[String], cols: &Columns, rows: usize) -> Planned<'l> {
        let mut r = Vec::new();
        reads(expr, fields, &mut r);
        let mut strides = Vec::with_capacity(r.len());
        let mut combos: usize = 1;
        for &c in &r {
            strides.push(combos);
            combos = combos.saturating_mul(cols[c].values.len() + 1);
        }
        let placed = !pure(expr);
        // Remembering pays while combinations are fewer than records.
        let memo = if !placed && combos <= MEMO_MAX && combos <= rows.max(1) {
            vec![UNSET; combos]
        } else {
            Vec::new()
        };
        Planned {
            expr,
            reads: r,
            strides,
            memo,
            placed,
            back: looks_back(expr).then(VecDeque::new),
        }
    }

    /// The input row `r` as cells: those this expression reads, the others NULL.
    fn cells(&self, cols: &Columns, r: usize) -> Vec<Cell> {
        let width = self.reads.last().map_or(0, |&c| c + 1);
        let mut row = vec![None; width];
        for &c in &self.reads {
            row[c] = cols[c].cell(r);
        }
        row
    }

    /// Notes that record `r` was kept, for `Previous` on the next ones.
    fn remember(&mut self, cols: &Columns, r: usize) {
        if self.back.is_some() {
            let row = self.cells(cols, r);
            if let Some(back) = &mut self.back {
                back.push_front(row);
                back.truncate(PREVIOUS_DEPTH);
            }
        }
    }

    /// The combination number of record `row`.
    fn combination(&self, cols: &Columns, row: usize) -> usize {
        self.reads
            .iter()
            .zip(&self.strides)
            .map(|(&c, &s)| (cols[c].index.get(row).wrapping_add(1) as usize) * s)
            .sum()
    }

    /// Record `r`'s combination (when remembered at all) and the symbol remembered for it, if any.
    fn remembered(&self, cols: &Columns, r: usize) -> (Option<usize>, Option<u32>) {
        if self.memo.is_empty() {
            return (None, None);
        }
        let combo = self.combination(cols, r);
        let known = self.memo.get(combo).copied().filter(|s| *s != UNSET);
        (Some(combo), known)
    }

    /// Remembers symbol `s` for combination `combo`.
    fn remember_symbol(&mut self, combo: Option<usize>, s: u32) {
        if let Some(slot) = combo.and_then(|k| self.memo.get_mut(k)) {
            *slot = s;
        }
    }

    /// Whether it can be evaluated away from the script (on another thread): it reads only the record's
    /// fields — no host function (mappings, `Peek`, the record's place, ...).
    fn detachable(&self) -> bool {
        !qix_expr::needs_host(self.expr)
    }
}

/// Evaluates an expression on one record's values of the columns it reads.
struct ColumnScope<'e, 'a, 'c> {
    ex: &'e mut Exec<'a>,
    fields: &'c [String],
    cols: &'c Columns,
    row: usize,
}

impl Scope for ColumnScope<'_, '_, '_> {
    fn field(&mut self, name: &str) -> Value {
        column_value(self.fields, self.cols, self.row, name)
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        self.ex.host(name, args, None)
    }
    fn locale(&self) -> &Locale {
        &self.ex.locale
    }
}

/// Field `name` of record `row` of the columns `cols` (named `fields`); NULL for a name they lack.
fn column_value(fields: &[String], cols: &Columns, row: usize, name: &str) -> Value {
    match fields.iter().position(|f| f == name) {
        Some(c) => value_of(&cols[c].values, cols[c].index.get(row)),
        None => Value::Null,
    }
}

/// Symbol `s` of a column as an expression value (a number without a text of its own is a plain
/// number, so nothing is formatted).
fn value_of(values: &SymbolTable, s: u32) -> Value {
    if s as usize >= values.len() {
        return Value::Null;
    }
    let n = values.num(s);
    match values.stored_text(s) {
        _ if n.is_nan() => Value::Text(values.text(s).into_owned()),
        Some(t) => Value::Dual(t.to_string(), n),
        None => Value::Num(n),
    }
}

/// The symbol of an expression's value in the column being made.
fn intern(out: &mut Interner, v: Value) -> u32 {
    match v {
        Value::Null => NULL_INDEX,
        Value::Num(n) => out.symbol_number(n),
        Value::Text(t) => out.symbol_text(&t),
        Value::Dual(t, n) => out.symbol_dual(&t, n),
    }
}

/// What one output field is made of.
enum Item<'l> {
    /// An input column as it is.
    Move(usize),
    /// An expression, interned into a new column.
    Eval(Planned<'l>),
}

/// The records a columnar LOAD reads: field names, columns, row count, and the `RowNo` of the first
/// row it makes less one (a CONCATENATE continues the table's numbering).
struct Source<'c> {
    fields: &'c [String],
    cols: &'c Columns,
    n: usize,
    rowno_base: usize,
}

impl Exec<'_> {
    /// Applies LOAD `l` (statement `i`) to the columns of `input` (its field names, columns and row
    /// count); the rows it makes are numbered from `rowno_base + 1`.
    pub(super) fn transform_columns(
        &mut self,
        l: &Load,
        i: usize,
        input: (Vec<String>, Columns, usize),
        rowno_base: usize,
        table_name: &str,
    ) -> Result<Data, ScriptError> {
        let (fields, cols, n) = input;
        let src = Source {
            fields: &fields,
            cols: &cols,
            n,
            rowno_base,
        };
        let names = self.field_names(l, i, &fields)?;
        let kept = match &l.where_ {
            Some(w) => Some(self.kept_rows(w, i, &src, table_name)?),
            None => None,
        };
        if Self::groups(l) {
            let records = group::Records {
                fields: &fields,
                cols: &cols,
                kept,
                n,
            };
            return self.group_columns(l, i, records, names);
        }
        let items = plan(l, &fields, &cols, n);
        let mut out = self.make_columns(items, i, &src, &kept)?;
        let mut rows = kept.as_ref().map_or(n, Vec::len);
        if l.distinct {
            (out, rows) = distinct(out, rows);
        }
        self.rows_made = self.rows_made.saturating_add(rows as u64);
        self.budget()
            .check(0, out.iter().map(|c| c.bytes() as u64).sum())
            .map_err(|m| self.err(i, &m))?;
        Ok(Data {
            fields: names,
            body: Body::Cols(out, rows),
        })
    }

    /// The output columns `items` describe, for the records `kept` (all of them without): those the
    /// script's state is needed for on this thread, the others (kept columns, expressions of the
    /// record's fields alone) on both cores.
    fn make_columns(
        &mut self,
        items: Vec<Item<'_>>,
        i: usize,
        src: &Source<'_>,
        kept: &Option<Vec<u32>>,
    ) -> Result<Columns, ScriptError> {
        let mut out: Vec<Option<Arc<SymbolColumn>>> = vec![None; items.len()];
        let mut apart = Vec::new();
        for (at, item) in items.into_iter().enumerate() {
            match item {
                Item::Eval(p) if !p.detachable() => {
                    out[at] = Some(Arc::new(self.eval_column(p, i, src, kept)?))
                }
                item => apart.push((at, item)),
            }
        }
        let (locale, cancel) = (&self.locale, self.env.cancel);
        let made: Vec<(usize, Option<Arc<SymbolColumn>>)> = apart
            .into_par_iter()
            .map(|(at, item)| (at, detached::column(item, src, kept, locale, cancel)))
            .collect();
        for (at, col) in made {
            out[at] = Some(col.ok_or_else(|| self.err(i, "reload cancelled"))?);
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// The records WHERE `w` keeps.
    fn kept_rows(
        &mut self,
        w: &Expr,
        i: usize,
        src: &Source<'_>,
        table_name: &str,
    ) -> Result<Vec<u32>, ScriptError> {
        let mut p = Planned::new(w, src.fields, src.cols, src.n);
        // The condition's results as a column of two values (or more, for texts): truth is read back.
        let mut truth = Interner::default();
        let mut kept = Vec::new();
        for r in 0..src.n {
            self.row_checkpoint(r, i, table_name, kept.len())?;
            let rowno = src.rowno_base + kept.len() + 1;
            let s = self.symbol_at(&mut p, &mut truth, src, r, rowno);
            if s != NULL_INDEX && truthy(&truth, s) {
                kept.push(r as u32);
                p.remember(src.cols, r);
            }
        }
        Ok(kept)
    }

    /// The column expression `p` makes for the records `kept` (all of them without).
    fn eval_column(
        &mut self,
        mut p: Planned<'_>,
        i: usize,
        src: &Source<'_>,
        kept: &Option<Vec<u32>>,
    ) -> Result<SymbolColumn, ScriptError> {
        let len = kept.as_ref().map_or(src.n, Vec::len);
        let mut out = Interner::with_rows_hint(len);
        for k in 0..len {
            let r = kept.as_ref().map_or(k, |v| v[k] as usize);
            self.row_checkpoint(k, i, "", k)?;
            let s = self.symbol_at(&mut p, &mut out, src, r, src.rowno_base + k + 1);
            out.push_symbol(s);
            p.remember(src.cols, r);
        }
        Ok(out.finish())
    }

    /// The symbol in `out` of expression `p` on record `r` (which would be row `rowno` of the table),
    /// remembered per combination of values.
    fn symbol_at(
        &mut self,
        p: &mut Planned<'_>,
        out: &mut Interner,
        src: &Source<'_>,
        r: usize,
        rowno: usize,
    ) -> u32 {
        if p.placed {
            let v = self.eval_placed(p, src, r, rowno);
            return intern(out, v);
        }
        let (combo, known) = p.remembered(src.cols, r);
        if let Some(s) = known {
            return s;
        }
        let mut scope = ColumnScope {
            ex: self,
            fields: src.fields,
            cols: src.cols,
            row: r,
        };
        let s = intern(out, qix_expr::eval(p.expr, &mut scope));
        p.remember_symbol(combo, s);
        s
    }

    /// Expression `p`, which depends on the record's place, on record `r` as the row path sees it.
    fn eval_placed(&mut self, p: &Planned<'_>, src: &Source<'_>, r: usize, rowno: usize) -> Value {
        let row = p.cells(src.cols, r);
        let back: Vec<&[Cell]> = p.back.iter().flatten().map(Vec::as_slice).collect();
        let ctx = RowCtx {
            fields: src.fields,
            row: &row,
            recno: r + 1,
            rowno,
            iterno: 1,
            back: &back,
        };
        qix_expr::eval(
            p.expr,
            &mut RowScope {
                ex: self,
                ctx: &ctx,
            },
        )
    }

    /// Every 65,536 records: stops when the reload is cancelled, and reports progress.
    fn row_checkpoint(
        &self,
        r: usize,
        i: usize,
        table_name: &str,
        made: usize,
    ) -> Result<(), ScriptError> {
        if r & 0xFFFF != 0 {
            return Ok(());
        }
        if self.cancelled() {
            return Err(self.err(i, "reload cancelled"));
        }
        if let (Some(progress), false) = (self.env.progress, table_name.is_empty()) {
            progress(table_name, made);
        }
        Ok(())
    }
}

/// Whether symbol `s` of a condition's results is true.
fn truthy(results: &Interner, s: u32) -> bool {
    value_of(results.values(), s).truthy()
}

/// What each output field of LOAD `l` is made of.
fn plan<'l>(l: &'l Load, fields: &[String], cols: &Columns, n: usize) -> Vec<Item<'l>> {
    let mut items = Vec::new();
    for f in &l.fields {
        match f {
            FieldItem::Star => items.extend((0..fields.len()).map(Item::Move)),
            FieldItem::Expr { expr, .. } => items.push(match expr {
                Expr::Field(name) if fields.contains(name) => {
                    Item::Move(fields.iter().position(|x| x == name).unwrap_or(0))
                }
                _ => Item::Eval(Planned::new(expr, fields, cols, n)),
            }),
        }
    }
    items
}

/// The first of each set of equal records.
fn distinct(cols: Columns, rows: usize) -> (Columns, usize) {
    let mut seen = HashSet::with_capacity(rows.min(1 << 20));
    let mut first = Vec::new();
    let mut key = Vec::with_capacity(cols.len());
    for r in 0..rows {
        key.clear();
        key.extend(cols.iter().map(|c| c.index.get(r)));
        if seen.insert(key.clone()) {
            first.push(r);
        }
    }
    if first.len() == rows {
        return (cols, rows);
    }
    let kept = first.len();
    let out = cols
        .iter()
        .map(|c| Arc::new(gather(c, first.iter().map(|&r| Some(r)), kept)))
        .collect();
    (out, kept)
}
