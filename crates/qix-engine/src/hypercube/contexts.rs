//! Measures one pass cannot compute: set analysis (`Sum({<Year={2020}>} x)`), `TOTAL <fields>` and
//! `Aggr()`.
//!
//! Every aggregation has a *context*: the rows it runs over (its set, or the current selection) and the
//! chart dimensions that still split it (all of them; none for `TOTAL`; those named by `TOTAL <...>`).
//! Aggregations that share a context are computed together as one sub-cube over those dimensions and
//! rows — with the ordinary scans, so a set costs one inference and one scan. An aggregation over
//! `Aggr(inner, D...)` runs over the rows of a nested cube (the chart's dimensions it keeps plus `D`),
//! whose rows are filtered to the combinations its own set allows. The chart's rows are the dimension
//! combinations of the contexts that keep every dimension; each measure is then evaluated per row, an
//! aggregation reading its context's value for the row's dimension values (the value over no rows when
//! its context has none: 0 for `Sum`/`Count`, NULL for the others).
//!
//! Totals come from the same sub-cubes (each context's aggregation over all its rows), so the grand
//! total costs no extra scan.

use super::acc::Acc;
use super::chart::{ChartScope, Layout};
use super::render::dim_cell;
use super::{
    rows_hidden, CubeError, CubeRow, DimCell, DimensionDef, HyperCubeDef, MeasureDef, RowMeasures,
};
use crate::fieldfns::FieldFns;
use crate::inference::Inference;
use crate::model::DataModel;
use crate::selection::SelectionState;
use crate::sets::Sets;
use qix_expr::{Aggr, AggrFn, Expr, Locale, Scope, Value};
use std::collections::{HashMap, HashSet};

/// Dimension symbols of a row, `None` for NULL, in the order of a context's grouping.
type Key = Vec<Option<u32>>;

/// What one computation level sees.
pub(super) struct Level<'a> {
    pub(super) model: &'a DataModel,
    pub(super) state: &'a SelectionState,
    /// The rows aggregations without a set of their own run over.
    pub(super) inference: &'a Inference,
    pub(super) def: &'a HyperCubeDef,
    pub(super) sets: &'a Sets<'a>,
}

/// An aggregation or a bare `Aggr()` of a measure, and where its values are kept.
struct Use<'e> {
    node: Node<'e>,
    context: usize,
    slot: usize,
}

#[derive(Clone, Copy)]
enum Node<'e> {
    Aggr(&'e Aggr),
    AggrFn(&'e AggrFn),
}

impl Node<'_> {
    fn ptr(self) -> *const () {
        match self {
            Node::Aggr(a) => a as *const Aggr as *const (),
            Node::AggrFn(f) => f as *const AggrFn as *const (),
        }
    }
}

/// The rows an aggregation runs over and the chart dimensions (positions) that split it.
struct Context<'e> {
    set: Option<&'e qix_expr::SetExpr>,
    grouping: Vec<usize>,
    uses: usize,
}

/// A context's results: values per grouping key (one per use of the context), and over all rows.
#[derive(Default)]
struct Table {
    values: HashMap<Key, Vec<Value>>,
    totals: Vec<Value>,
}

/// The cube's rows (unsorted) and totals, measures computed context by context.
pub(super) fn rows(
    level: &Level<'_>,
    measures: &[Expr],
    hidden: usize,
) -> Result<(Vec<CubeRow>, Vec<Value>), CubeError> {
    let ndims = level.def.dimensions.len();
    let (uses, contexts) = collect(level.def, measures);
    let mut tables = Vec::with_capacity(contexts.len());
    for (ci, c) in contexts.iter().enumerate() {
        let mine: Vec<&Use<'_>> = uses.iter().filter(|u| u.context == ci).collect();
        tables.push(compute_table(level, c, &mine)?);
    }
    let mut keys = row_keys(level, &contexts, &tables)?;
    let calc = super::calcdim::resolve(level.model, level.def, level.sets)?;
    let base = super::fill::measure_base(level.model, measures);
    if super::fill::wanted(level.model, level.def, &calc, base) {
        let (model, inference) = (level.model, level.inference);
        let zero = super::fill::missing_keys(model, inference, level.def, &calc, &keys, base);
        keys.extend(zero);
    }
    let fields: Vec<_> = level
        .def
        .dimensions
        .iter()
        .map(|d| level.model.field_id(&d.field))
        .collect();
    let chart: Vec<bool> = measures.iter().map(qix_expr::has_chart_functions).collect();
    let infer = |s: &SelectionState| level.sets.infer_state(s);
    let field_fns = FieldFns::new(level.model, level.state, level.inference, &infer);
    let assembled = Assembled {
        dims: &level.def.dimensions,
        uses: &uses,
        contexts: &contexts,
        tables: &tables,
        locale: &level.model.locale,
        fields: &field_fns,
    };
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let cells: Vec<DimCell> = key
            .iter()
            .zip(fields.iter().zip(&calc))
            .map(|(s, f)| match f {
                (_, Some(c)) => c.cell_in(level.model, level.state, *s),
                (Some(f), None) => dim_cell(level.model, level.state, *f, *s),
                (None, None) => dim_cell(level.model, level.state, 0, None),
            })
            .collect();
        if level.def.suppress_missing && cells.iter().any(|c| c.symbol.is_none()) {
            continue;
        }
        let mut scope = assembled.scope(Some((&key, &cells)));
        // Measures with chart row functions wait for the rows' order.
        let values: RowMeasures = measures
            .iter()
            .zip(&chart)
            .map(|(m, c)| match c {
                true => Value::Null,
                false => qix_expr::eval(m, &mut scope),
            })
            .collect();
        out.push(CubeRow {
            dims: cells.into_iter().collect(),
            measures: values,
            attrs: Vec::new(),
        });
    }
    debug_assert!(out.iter().all(|r| r.dims.len() == ndims));
    let mut totals = Vec::with_capacity(measures.len());
    if chart.iter().any(|c| *c) {
        super::sort::sort_rows(&mut out, level.def, hidden);
        let layout = Layout::of(&out);
        for (mi, m) in measures.iter().enumerate().filter(|(i, _)| chart[*i]) {
            let column = assembled.chart_column(&out, &layout, m, ndims);
            for (row, v) in out.iter_mut().zip(column) {
                row.measures[mi] = v;
            }
        }
        for (m, c) in measures.iter().zip(&chart) {
            totals.push(match c {
                true => {
                    assembled.chart_value_with(&out, &layout, None, m, ndims, &mut HashMap::new())
                }
                false => qix_expr::eval(m, &mut assembled.scope(None)),
            });
        }
    } else {
        for m in measures {
            totals.push(qix_expr::eval(m, &mut assembled.scope(None)));
        }
    }
    if level.def.suppress_zero {
        out.retain(|r| {
            let shown = &r.measures[..r.measures.len() - hidden.min(r.measures.len())];
            shown.is_empty() || shown.iter().any(|v| v.num().is_some_and(|n| n != 0.0))
        });
    }
    Ok((out, totals))
}

/// The contexts' results, with what evaluating a measure on any row needs.
struct Assembled<'a, 'e> {
    dims: &'a [DimensionDef],
    uses: &'a [Use<'e>],
    contexts: &'a [Context<'e>],
    tables: &'a [Table],
    locale: &'a Locale,
    fields: &'a FieldFns<'a>,
}

impl<'a, 'e> Assembled<'a, 'e> {
    /// The scope of a row with this key and these cells (`None`: the totals).
    fn scope<'s>(&'s self, row: Option<(&'s Key, &'s [DimCell])>) -> RowScope<'s, 'e> {
        RowScope {
            key: row.map(|r| r.0),
            cells: row.map_or(&[], |r| r.1),
            results: self,
        }
    }

    /// `expr` (without chart row functions) on row `i` of `rows`, or on the totals.
    fn at(&self, rows: &[CubeRow], i: Option<usize>, expr: &Expr) -> Value {
        match i.and_then(|i| rows.get(i)) {
            Some(r) => {
                let key: Key = r.dims.iter().map(|c| c.symbol).collect();
                qix_expr::eval(expr, &mut self.scope(Some((&key, &r.dims))))
            }
            None => qix_expr::eval(expr, &mut self.scope(None)),
        }
    }

    /// A measure with chart row functions on every row, in row order.
    fn chart_column(
        &self,
        rows: &[CubeRow],
        layout: &Layout,
        m: &Expr,
        ndims: usize,
    ) -> Vec<Value> {
        let mut ranks = HashMap::new();
        (0..rows.len())
            .map(|i| self.chart_value_with(rows, layout, Some(i), m, ndims, &mut ranks))
            .collect()
    }

    fn chart_value_with(
        &self,
        rows: &[CubeRow],
        layout: &Layout,
        row: Option<usize>,
        m: &Expr,
        ndims: usize,
        ranks: &mut HashMap<(*const Expr, bool, usize), Vec<f64>>,
    ) -> Value {
        let at = |i: Option<usize>, e: &Expr| self.at(rows, i, e);
        let key: Option<Key> = row
            .and_then(|i| rows.get(i))
            .map(|r| r.dims.iter().map(|c| c.symbol).collect());
        let cells: &[DimCell] = row.and_then(|i| rows.get(i)).map_or(&[], |r| &r.dims);
        let inner = self.scope(key.as_ref().map(|k| (k, cells)));
        let mut scope = ChartScope {
            inner,
            row,
            rows,
            layout,
            at: &at,
            ndims,
            ranks,
        };
        qix_expr::eval(m, &mut scope)
    }
}

/// The uses of every measure and the distinct contexts they need.
fn collect<'e>(def: &HyperCubeDef, measures: &'e [Expr]) -> (Vec<Use<'e>>, Vec<Context<'e>>) {
    let mut nodes = Vec::new();
    for m in measures {
        top_nodes(m, &mut nodes);
    }
    let all: Vec<usize> = (0..def.dimensions.len()).collect();
    let mut contexts: Vec<Context<'e>> = Vec::new();
    let mut uses = Vec::new();
    for node in nodes {
        let (set, grouping) = match node {
            Node::Aggr(a) => (a.set.as_ref(), grouping_of(def, a)),
            Node::AggrFn(_) => (None, all.clone()),
        };
        let set_text = set.map(|s| s.to_string());
        let found = contexts
            .iter()
            .position(|c| c.grouping == grouping && c.set.map(|s| s.to_string()) == set_text);
        let context = found.unwrap_or_else(|| {
            contexts.push(Context {
                set,
                grouping,
                uses: 0,
            });
            contexts.len() - 1
        });
        let slot = contexts[context].uses;
        contexts[context].uses += 1;
        uses.push(Use {
            node,
            context,
            slot,
        });
    }
    (uses, contexts)
}

/// Aggregations and bare `Aggr()`s of `e`, not looking inside them.
fn top_nodes<'e>(e: &'e Expr, out: &mut Vec<Node<'e>>) {
    match e {
        Expr::Num(_) | Expr::Str(_) | Expr::Field(_) => {}
        Expr::Neg(x) | Expr::Not(x) => top_nodes(x, out),
        Expr::Binary(_, l, r) => {
            top_nodes(l, out);
            top_nodes(r, out);
        }
        Expr::Call { args, .. } => args.iter().for_each(|a| top_nodes(a, out)),
        Expr::Aggr(a) => out.push(Node::Aggr(a)),
        Expr::AggrFn(f) => out.push(Node::AggrFn(f)),
    }
}

/// The dimension positions that split aggregation `a`.
fn grouping_of(def: &HyperCubeDef, a: &Aggr) -> Vec<usize> {
    let dims = def.dimensions.iter().enumerate();
    match (a.total, a.total_fields.is_empty()) {
        (false, _) => dims.map(|(i, _)| i).collect(),
        (true, true) => Vec::new(),
        (true, false) => dims
            .filter(|(_, d)| a.total_fields.contains(&d.field))
            .map(|(i, _)| i)
            .collect(),
    }
}

/// `a` without its set and `TOTAL`: what a sub-cube over the context computes.
fn stripped(a: &Aggr) -> String {
    Aggr {
        set: None,
        total: false,
        total_fields: Vec::new(),
        ..a.clone()
    }
    .to_string()
}

/// The first `Aggr()` inside an aggregation's argument.
fn inner_aggr_fn(e: &Expr) -> Option<&AggrFn> {
    match e {
        Expr::AggrFn(f) => Some(f),
        Expr::Neg(x) | Expr::Not(x) => inner_aggr_fn(x),
        Expr::Binary(_, l, r) => inner_aggr_fn(l).or_else(|| inner_aggr_fn(r)),
        Expr::Call { args, .. } => args.iter().find_map(inner_aggr_fn),
        _ => None,
    }
}

/// A sub-cube: no suppression, no sorting (the chart's own options apply to its rows only).
fn sub_def(dims: Vec<String>, measures: Vec<String>) -> HyperCubeDef {
    HyperCubeDef {
        dimensions: dims
            .into_iter()
            .map(|field| DimensionDef {
                field,
                sort: Default::default(),
            })
            .collect(),
        measures: measures
            .into_iter()
            .map(|expr| MeasureDef {
                expr,
                sort: Default::default(),
            })
            .collect(),
        suppress_zero: false,
        suppress_missing: false,
        include_zero: false,
        inter_column_sort: Vec::new(),
        attributes: Vec::new(),
        dim_options: Vec::new(),
        rows_only: true,
    }
}

fn key_of(row: &CubeRow, upto: usize) -> Key {
    row.dims.iter().take(upto).map(|c| c.symbol).collect()
}

/// Computes one context's values.
fn compute_table(
    level: &Level<'_>,
    context: &Context<'_>,
    uses: &[&Use<'_>],
) -> Result<Table, CubeError> {
    let set_rows = match context.set {
        Some(s) => Some(set_rows(level, s)?),
        None => None,
    };
    let rows_inf: &Inference = set_rows.as_deref().unwrap_or(level.inference);
    let dims: Vec<String> = context
        .grouping
        .iter()
        .map(|&i| level.def.dimensions[i].field.clone())
        .collect();
    let mut table = Table {
        values: HashMap::new(),
        totals: vec![Value::Null; context.uses],
    };
    // Plain aggregations of the context: one sub-cube.
    let plain: Vec<&&Use<'_>> = uses
        .iter()
        .filter(|u| matches!(u.node, Node::Aggr(a) if inner_aggr_fn(&a.arg).is_none()))
        .collect();
    if !plain.is_empty() || uses.is_empty() {
        let measures = plain
            .iter()
            .filter_map(|u| match u.node {
                Node::Aggr(a) => Some(stripped(a)),
                Node::AggrFn(_) => None,
            })
            .collect();
        let def = sub_def(dims.clone(), measures);
        let (rows, totals) = rows_hidden(level.model, level.state, rows_inf, &def, 0, level.sets)?;
        for row in &rows {
            let entry = table
                .values
                .entry(key_of(row, dims.len()))
                .or_insert_with(|| vec![Value::Null; context.uses]);
            for (u, v) in plain.iter().zip(&row.measures) {
                entry[u.slot] = v.clone();
            }
        }
        for (u, v) in plain.iter().zip(totals) {
            table.totals[u.slot] = v;
        }
    }
    for u in uses {
        match u.node {
            Node::Aggr(a) => {
                if let Some(f) = inner_aggr_fn(&a.arg) {
                    over_aggr_fn(level, context, &dims, a, f, rows_inf, u.slot, &mut table)?;
                }
            }
            Node::AggrFn(f) => bare_aggr_fn(level, &dims, f, u.slot, context.uses, &mut table)?,
        }
    }
    Ok(table)
}

/// The rows of `Aggr(f.expr, f.dims)` split by the chart dimensions `dims` too: the nested cube.
pub(super) fn nested_rows(
    level: &Level<'_>,
    dims: &[String],
    f: &AggrFn,
) -> Result<(Vec<String>, Vec<CubeRow>), CubeError> {
    let mut all = dims.to_vec();
    for d in &f.dims {
        if !all.contains(d) {
            all.push(d.clone());
        }
    }
    let mut def = sub_def(all.clone(), vec![f.expr.to_string()]);
    // Structured parameters sort the nested table (what inter-record functions inside it see).
    for (d, sort) in f.dims.iter().zip(&f.sorts) {
        if let (Some(dim), Some(s)) = (def.dimensions.iter_mut().find(|x| &x.field == d), sort) {
            dim.sort = column_sort(s);
        }
    }
    let (mut rows, _) = rows_hidden(
        level.model,
        level.state,
        level.inference,
        &def,
        0,
        level.sets,
    )?;
    // `Aggr({set} ...)`: only the combinations the set's rows have.
    if let Some(set) = &f.set {
        let rows_of_set = set_rows(level, set)?;
        let keys: HashSet<Key> = combinations(level, &all, &rows_of_set)?
            .into_iter()
            .collect();
        rows.retain(|r| keys.contains(&key_of(r, all.len())));
    }
    Ok((all, rows))
}

/// The rows of `set`; a set that cannot be computed is the expression's error.
fn set_rows(
    level: &Level<'_>,
    set: &qix_expr::SetExpr,
) -> Result<std::sync::Arc<Inference>, CubeError> {
    level.sets.rows(set).map_err(|e| CubeError::BadExpression {
        expr: format!("{{{set}}}"),
        message: e.to_string(),
    })
}

/// The combinations of `dims` the rows of `inference` have.
fn combinations(
    level: &Level<'_>,
    dims: &[String],
    inference: &Inference,
) -> Result<Vec<Key>, CubeError> {
    let def = sub_def(dims.to_vec(), Vec::new());
    let (rows, _) = rows_hidden(level.model, level.state, inference, &def, 0, level.sets)?;
    Ok(rows.iter().map(|r| key_of(r, dims.len())).collect())
}

/// The column sort of an `Aggr()` structured parameter (frequency is not a column sort: none).
fn column_sort(s: &qix_expr::AggrSort) -> super::ColumnSort {
    let dir = if s.descending { -1 } else { 1 };
    let mut c = super::ColumnSort::default();
    match s.by {
        qix_expr::AggrSortBy::Numeric => c.by_numeric = dir,
        qix_expr::AggrSortBy::Text => c.by_ascii = dir,
        qix_expr::AggrSortBy::LoadOrder => c.by_load_order = dir,
        qix_expr::AggrSortBy::Frequency => {}
    }
    c
}

/// An aggregation over `Aggr()`: the outer aggregation runs over the nested cube's rows (those whose
/// combination exists in the outer set's rows, when it has a set), grouped by the context's dimensions.
#[allow(clippy::too_many_arguments)]
fn over_aggr_fn(
    level: &Level<'_>,
    context: &Context<'_>,
    dims: &[String],
    a: &Aggr,
    f: &AggrFn,
    rows_inf: &Inference,
    slot: usize,
    table: &mut Table,
) -> Result<(), CubeError> {
    let (all, rows) = nested_rows(level, dims, f)?;
    let allowed: Option<HashSet<Key>> = match context.set {
        Some(_) => Some(combinations(level, &all, rows_inf)?.into_iter().collect()),
        None => None,
    };
    let mut groups: HashMap<Key, Acc> = HashMap::new();
    let mut total = Acc::new(a);
    for row in &rows {
        if allowed
            .as_ref()
            .is_some_and(|k| !k.contains(&key_of(row, all.len())))
        {
            continue;
        }
        let inner = row.measures.first().cloned().unwrap_or(Value::Null);
        let mut scope = NestedScope {
            value: inner,
            names: &all,
            cells: &row.dims,
            locale: &level.model.locale,
        };
        let v = qix_expr::eval(&a.arg, &mut scope);
        groups
            .entry(key_of(row, dims.len()))
            .or_insert_with(|| Acc::new(a))
            .add_value(v.clone(), None);
        total.add_value(v, None);
    }
    for (key, acc) in groups {
        let entry = table
            .values
            .entry(key)
            .or_insert_with(|| vec![Value::Null; context.uses]);
        entry[slot] = acc.finish(a, &mut super::scope::NoFields);
    }
    table.totals[slot] = total.finish(a, &mut super::scope::NoFields);
    Ok(())
}

/// A bare `Aggr()` in a measure: the nested cube's value when the row pins exactly one, else NULL.
fn bare_aggr_fn(
    level: &Level<'_>,
    dims: &[String],
    f: &AggrFn,
    slot: usize,
    uses: usize,
    table: &mut Table,
) -> Result<(), CubeError> {
    let (_, rows) = nested_rows(level, dims, f)?;
    let mut only: HashMap<Key, (Value, bool)> = HashMap::new();
    for row in &rows {
        let v = row.measures.first().cloned().unwrap_or(Value::Null);
        only.entry(key_of(row, dims.len()))
            .and_modify(|(cur, clash)| *clash |= *cur != v)
            .or_insert((v, false));
    }
    for (key, (v, clash)) in only {
        let entry = table
            .values
            .entry(key)
            .or_insert_with(|| vec![Value::Null; uses]);
        entry[slot] = if clash { Value::Null } else { v };
    }
    Ok(())
}

/// The chart's rows: the combinations of the contexts that keep every dimension, or, when none does,
/// those of the current selection.
fn row_keys(
    level: &Level<'_>,
    contexts: &[Context<'_>],
    tables: &[Table],
) -> Result<Vec<Key>, CubeError> {
    let ndims = level.def.dimensions.len();
    let mut seen: HashSet<Key> = HashSet::new();
    let mut keys = Vec::new();
    let mut any_full = false;
    for (c, t) in contexts.iter().zip(tables) {
        if c.grouping.len() != ndims {
            continue;
        }
        any_full = true;
        for k in t.values.keys() {
            if seen.insert(k.clone()) {
                keys.push(k.clone());
            }
        }
    }
    if !any_full {
        let dims: Vec<String> = level
            .def
            .dimensions
            .iter()
            .map(|d| d.field.clone())
            .collect();
        keys = combinations(level, &dims, level.inference)?;
    }
    if ndims == 0 && keys.is_empty() {
        keys.push(Vec::new());
    }
    Ok(keys)
}

/// Evaluates a measure for one chart row (or the totals, `key: None`).
struct RowScope<'a, 'e> {
    key: Option<&'a Key>,
    cells: &'a [DimCell],
    results: &'a Assembled<'a, 'e>,
}

impl RowScope<'_, '_> {
    fn lookup(&self, node: Node<'_>) -> Value {
        let Some(u) = self
            .results
            .uses
            .iter()
            .find(|u| u.node.ptr() == node.ptr())
        else {
            return Value::Null;
        };
        let table = &self.results.tables[u.context];
        let Some(key) = self.key else {
            return table.totals[u.slot].clone();
        };
        let projected: Key = self.results.contexts[u.context]
            .grouping
            .iter()
            .map(|&i| key.get(i).copied().flatten())
            .collect();
        match table.values.get(&projected) {
            Some(v) => v[u.slot].clone(),
            None => match node {
                Node::Aggr(a) => Acc::new(a).finish(a, &mut super::scope::NoFields),
                Node::AggrFn(_) => Value::Null,
            },
        }
    }
}

impl Scope for RowScope<'_, '_> {
    fn field(&mut self, name: &str) -> Value {
        let Some(i) = self.results.dims.iter().position(|d| d.field == name) else {
            return Value::Null;
        };
        match self.cells.get(i) {
            Some(c) => cell_value(c),
            None => Value::Null,
        }
    }

    fn aggregate(&mut self, aggr: &Aggr) -> Value {
        self.lookup(Node::Aggr(aggr))
    }

    fn aggr_fn(&mut self, aggr: &AggrFn) -> Value {
        self.lookup(Node::AggrFn(aggr))
    }

    fn locale(&self) -> &Locale {
        self.results.locale
    }

    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        self.results.fields.call(name, args).unwrap_or(Value::Null)
    }
}

fn cell_value(c: &DimCell) -> Value {
    match (c.symbol, c.num) {
        (None, _) => Value::Null,
        (Some(_), Some(n)) => Value::Dual(c.text.to_string(), n),
        (Some(_), None) => Value::Text(c.text.to_string()),
    }
}

/// Evaluates an outer aggregation's argument on one row of a nested cube: `Aggr()` is the row's value,
/// a field its dimension cell.
struct NestedScope<'a> {
    value: Value,
    names: &'a [String],
    cells: &'a [DimCell],
    locale: &'a Locale,
}

impl Scope for NestedScope<'_> {
    fn field(&mut self, name: &str) -> Value {
        match self.names.iter().position(|n| n == name) {
            Some(i) => self.cells.get(i).map_or(Value::Null, cell_value),
            None => Value::Null,
        }
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
    fn aggr_fn(&mut self, _: &AggrFn) -> Value {
        self.value.clone()
    }
    fn locale(&self) -> &Locale {
        self.locale
    }
}
