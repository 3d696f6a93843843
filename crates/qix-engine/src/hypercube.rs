//! Hypercubes: dimensions (fields) × measures (aggregating expressions) over the possible rows.
//!
//! Only combinations that exist in the data are grouped (Qlik). Measures may use fields of other tables than
//! the dimensions: the calculation follows the association — the involved tables are joined along key
//! fields, starting from the largest one (the fact table), as an outer join (a row with no match gets NULL
//! for the other table's fields). Work is split over all cores.

use crate::bits::Bits;
use crate::dual::Dual;
use crate::inference::{field_states_with, Inference, State};
use crate::model::{DataModel, FieldId, TableId};
use crate::packed::NULL;
use crate::selection::SelectionState;
use qix_expr::{AggFunc, Aggr, Expr, Scope, Value};
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet, VecDeque};

/// Sort of one column; each criterion is 0 (off), 1 (ascending) or -1 (descending).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ColumnSort {
    /// By number, text after numbers.
    pub by_numeric: i8,
    /// By text, case-insensitively.
    pub by_ascii: i8,
    /// By load order (dimensions only).
    pub by_load_order: i8,
    /// Selected values first (dimensions only).
    pub by_state: i8,
    /// By the value of `expression` for the dimension value (dimensions only).
    pub by_expression: i8,
    /// The expression for `by_expression`.
    pub expression: Option<String>,
}

/// A dimension: a field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DimensionDef {
    /// The field name.
    pub field: String,
    /// How its values sort.
    pub sort: ColumnSort,
}

/// A measure: an expression with aggregations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeasureDef {
    /// The expression text (a leading `=` is allowed).
    pub expr: String,
    /// How the measure's values sort (by_numeric).
    pub sort: ColumnSort,
}

/// What a hypercube computes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct HyperCubeDef {
    /// Dimensions, in column order.
    pub dimensions: Vec<DimensionDef>,
    /// Measures, in column order after the dimensions.
    pub measures: Vec<MeasureDef>,
    /// Drop rows whose measures are all zero or NULL.
    pub suppress_zero: bool,
    /// Drop rows with a NULL dimension value.
    pub suppress_missing: bool,
    /// Column indexes (dimensions first, then measures) in sort priority; empty = column order.
    pub inter_column_sort: Vec<usize>,
}

impl HyperCubeDef {
    /// Dimensions on these fields and measures with these expressions, no sorting, no suppression.
    pub fn of(dimensions: &[&str], measures: &[&str]) -> HyperCubeDef {
        HyperCubeDef {
            dimensions: dimensions
                .iter()
                .map(|d| DimensionDef {
                    field: d.to_string(),
                    sort: Default::default(),
                })
                .collect(),
            measures: measures
                .iter()
                .map(|m| MeasureDef {
                    expr: m.to_string(),
                    sort: Default::default(),
                })
                .collect(),
            ..Default::default()
        }
    }
}

/// Why a hypercube cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CubeError {
    /// A dimension or measure names a field the model lacks.
    #[error("field not found: {0}")]
    UnknownField(String),
    /// A measure does not parse.
    #[error("bad expression {expr:?}: {message}")]
    BadExpression {
        /// The expression.
        expr: String,
        /// What is wrong, with its position.
        message: String,
    },
    /// The involved tables are not connected by key fields.
    #[error("the fields of this object are in tables that are not associated: {0}")]
    Unconnected(String),
    /// Too many dimension combinations to index.
    #[error("too many dimension value combinations")]
    TooLarge,
}

/// One dimension cell.
#[derive(Debug, Clone, PartialEq)]
pub struct DimCell {
    /// Symbol index; `None` for NULL.
    pub symbol: Option<u32>,
    /// Text (`-` for NULL).
    pub text: String,
    /// Number, if any.
    pub num: Option<f64>,
    /// `S`, `L` or `O`.
    pub state: State,
}

/// One row of the cube.
#[derive(Debug, Clone, PartialEq)]
pub struct CubeRow {
    /// Dimension cells.
    pub dims: Vec<DimCell>,
    /// Measure values.
    pub measures: Vec<Value>,
}

/// Counts of a dimension field's values by state (`qStateCounts`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateCounts {
    /// S.
    pub selected: usize,
    /// O.
    pub option: usize,
    /// X.
    pub excluded: usize,
    /// A.
    pub alternative: usize,
    /// XS.
    pub selected_excluded: usize,
    /// L.
    pub locked: usize,
    /// XL.
    pub locked_excluded: usize,
}

/// Per-dimension facts.
#[derive(Debug, Clone, PartialEq)]
pub struct DimInfo {
    /// Distinct values of the field.
    pub cardinal: usize,
    /// Values by state.
    pub state_counts: StateCounts,
}

/// A computed hypercube: all rows, sorted; paging is the caller's.
#[derive(Debug, Clone, PartialEq)]
pub struct HyperCube {
    /// Rows.
    pub rows: Vec<CubeRow>,
    /// Grand totals per measure.
    pub totals: Vec<Value>,
    /// Per dimension.
    pub dim_info: Vec<DimInfo>,
    /// (min, max) per measure over the rows' numeric values; NaN when none.
    pub measure_range: Vec<(f64, f64)>,
}

/// Where each involved field is read from: a slot in the joined tuple and its table.
#[derive(Debug, Clone, Copy)]
struct FieldSlot {
    field: FieldId,
    slot: usize,
    table: TableId,
}

/// One join step: from the table in slot `from`, through key `key`, into `table` (new slot).
#[derive(Debug)]
struct Step {
    from: usize,
    key: FieldId,
    /// Key symbol → possible rows of `table` with it.
    index: HashMap<u32, Vec<u32>>,
}

/// An aggregation of the cube, with how to read its argument fast when it is a plain field.
struct AggrPlan<'e> {
    node: &'e Aggr,
    plain: Option<usize>, // index into `slots`
}

#[derive(Debug, Clone)]
enum Acc {
    Sum(f64),
    Count(u64),
    Distinct(HashSet<DistinctKey>),
    Avg(f64, u64),
    Min(Option<f64>),
    Max(Option<f64>),
    Only(Option<Value>, bool),
    Concat(Vec<String>),
    /// A result computed by the columnar scan.
    Done(Value),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DistinctKey {
    Sym(u32),
    Num(u64),
    Text(String),
}

impl Acc {
    fn new(a: &Aggr) -> Acc {
        match (a.func, a.distinct) {
            (AggFunc::Sum, _) => Acc::Sum(0.0),
            (AggFunc::Count, true) => Acc::Distinct(HashSet::new()),
            (AggFunc::Count, false) => Acc::Count(0),
            (AggFunc::Avg, _) => Acc::Avg(0.0, 0),
            (AggFunc::Min, _) => Acc::Min(None),
            (AggFunc::Max, _) => Acc::Max(None),
            (AggFunc::Only, _) => Acc::Only(None, false),
            (AggFunc::Concat, _) => Acc::Concat(Vec::new()),
        }
    }

    #[inline]
    fn add_num(&mut self, n: f64, sym: Option<u32>) {
        match self {
            Acc::Sum(s) => *s += n,
            Acc::Count(c) => *c += 1,
            Acc::Distinct(set) => {
                set.insert(match sym {
                    Some(s) => DistinctKey::Sym(s),
                    None => DistinctKey::Num(n.to_bits()),
                });
            }
            Acc::Avg(s, c) => {
                *s += n;
                *c += 1;
            }
            Acc::Min(m) => *m = Some(m.map_or(n, |x| x.min(n))),
            Acc::Max(m) => *m = Some(m.map_or(n, |x| x.max(n))),
            Acc::Only(..) | Acc::Concat(_) => self.add_value(Value::Num(n), sym),
            Acc::Done(_) => {}
        }
    }

    fn add_value(&mut self, v: Value, sym: Option<u32>) {
        if v.is_null() {
            return;
        }
        match self {
            Acc::Count(c) => *c += 1,
            Acc::Distinct(set) => {
                let key = match (sym, &v) {
                    (Some(s), _) => DistinctKey::Sym(s),
                    (None, Value::Num(n)) | (None, Value::Dual(_, n)) => {
                        DistinctKey::Num(n.to_bits())
                    }
                    (None, other) => DistinctKey::Text(other.text().unwrap_or_default()),
                };
                set.insert(key);
            }
            Acc::Only(cur, conflict) => match cur {
                None => *cur = Some(v),
                Some(c) if *c != v => *conflict = true,
                _ => {}
            },
            Acc::Concat(parts) => parts.push(v.text().unwrap_or_default()),
            _ => {
                if let Some(n) = v.num() {
                    self.add_num(n, sym);
                }
            }
        }
    }

    fn merge(&mut self, other: Acc) {
        match (self, other) {
            (Acc::Sum(a), Acc::Sum(b)) => *a += b,
            (Acc::Count(a), Acc::Count(b)) => *a += b,
            (Acc::Distinct(a), Acc::Distinct(b)) => a.extend(b),
            (Acc::Avg(s, c), Acc::Avg(s2, c2)) => {
                *s += s2;
                *c += c2;
            }
            (Acc::Min(a), Acc::Min(b)) => {
                *a = match (*a, b) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                }
            }
            (Acc::Max(a), Acc::Max(b)) => {
                *a = match (*a, b) {
                    (Some(x), Some(y)) => Some(x.max(y)),
                    (x, y) => x.or(y),
                }
            }
            (Acc::Only(a, ca), Acc::Only(b, cb)) => {
                *ca |= cb;
                match (a.as_ref(), b) {
                    (None, b) => *a = b,
                    (Some(x), Some(y)) if *x != y => *ca = true,
                    _ => {}
                }
            }
            (Acc::Concat(a), Acc::Concat(b)) => a.extend(b),
            _ => {}
        }
    }

    fn finish(&self, node: &Aggr, scope: &mut dyn Scope) -> Value {
        match self {
            Acc::Sum(s) => Value::Num(*s),
            Acc::Count(c) => Value::Num(*c as f64),
            Acc::Distinct(set) => Value::Num(set.len() as f64),
            Acc::Avg(s, c) if *c > 0 => Value::Num(s / *c as f64),
            Acc::Avg(..) => Value::Null,
            Acc::Min(m) | Acc::Max(m) => m.map_or(Value::Null, Value::Num),
            Acc::Only(v, conflict) => match (v, conflict) {
                (Some(v), false) => v.clone(),
                _ => Value::Null,
            },
            Acc::Done(v) => v.clone(),
            Acc::Concat(parts) => {
                let mut parts = parts.clone();
                parts.sort();
                if node.distinct {
                    parts.dedup();
                }
                let delim = node
                    .extra
                    .first()
                    .map(|e| qix_expr::eval(e, scope).text().unwrap_or_default())
                    .unwrap_or_default();
                Value::Text(parts.join(&delim))
            }
        }
    }
}

/// Accumulators of one group: one per aggregation node.
type Group = Vec<Acc>;

/// Parsed measures and the plan to compute them.
struct Plan<'e> {
    slots: Vec<FieldSlot>,
    field_slot: HashMap<String, usize>,
    tables: Vec<TableId>,
    steps: Vec<Step>,
    dims: Vec<usize>, // slot index per dimension
    aggrs: Vec<AggrPlan<'e>>,
}

fn collect_aggrs<'e>(e: &'e Expr, out: &mut Vec<&'e Aggr>) {
    match e {
        Expr::Aggr(a) => out.push(a),
        Expr::Neg(x) | Expr::Not(x) => collect_aggrs(x, out),
        Expr::Binary(_, a, b) => {
            collect_aggrs(a, out);
            collect_aggrs(b, out);
        }
        Expr::Call { args, .. } => args.iter().for_each(|a| collect_aggrs(a, out)),
        _ => {}
    }
}

/// Evaluates row-level expressions over one joined tuple.
struct RowScope<'a> {
    model: &'a DataModel,
    plan: &'a Plan<'a>,
    tuple: &'a [u32],
}

fn value_of(d: Dual) -> Value {
    match d.num {
        Some(n) => Value::Dual(d.text, n),
        None => Value::Text(d.text),
    }
}

impl RowScope<'_> {
    fn symbol(&self, slot: usize) -> u32 {
        let s = &self.plan.slots[slot];
        let row = self.tuple[s.slot];
        if row == NULL {
            return NULL;
        }
        self.model.tables[s.table]
            .column(s.field)
            .map_or(NULL, |c| c.get(row as usize))
    }
}

impl Scope for RowScope<'_> {
    fn field(&mut self, name: &str) -> Value {
        let Some(&slot) = self.plan.field_slot.get(name) else {
            return Value::Null;
        };
        let sym = self.symbol(slot);
        if sym == NULL {
            return Value::Null;
        }
        value_of(
            self.model.fields[self.plan.slots[slot].field]
                .symbols
                .get(sym),
        )
    }

    fn aggregate(&mut self, _aggr: &Aggr) -> Value {
        Value::Null // nested aggregations are refused by the parser
    }
}

/// Evaluates a measure over one group's finished aggregations.
struct GroupScope<'a> {
    /// Finished aggregation values, by aggregation index.
    values: &'a [Value],
    /// Aggregation node → index.
    index: &'a [(*const Aggr, usize)],
    /// The cube's dimensions and this row's cells (bare field names in a measure read them).
    dims: &'a [DimensionDef],
    cells: &'a [DimCell],
}

impl Scope for GroupScope<'_> {
    fn field(&mut self, name: &str) -> Value {
        let Some(i) = self.dims.iter().position(|d| d.field == name) else {
            return Value::Null;
        };
        let c = &self.cells[i];
        match (c.symbol, c.num) {
            (None, _) => Value::Null,
            (Some(_), Some(n)) => Value::Dual(c.text.clone(), n),
            (Some(_), None) => Value::Text(c.text.clone()),
        }
    }
    fn aggregate(&mut self, aggr: &Aggr) -> Value {
        // Few aggregations per cube: a scan beats hashing.
        self.index
            .iter()
            .find(|(p, _)| std::ptr::eq(*p, aggr))
            .and_then(|(_, i)| self.values.get(*i))
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// A measure's value: the aggregation itself when the measure is one, else the expression over them.
fn measure_value(m: &Expr, scope: &mut GroupScope<'_>) -> Value {
    match m {
        Expr::Aggr(a) => scope.aggregate(a),
        _ => qix_expr::eval(m, scope),
    }
}

struct NoFields;
impl Scope for NoFields {
    fn field(&mut self, _: &str) -> Value {
        Value::Null
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
}

/// Parses measure texts.
pub fn parse_measures(def: &HyperCubeDef) -> Result<Vec<Expr>, CubeError> {
    def.measures
        .iter()
        .map(|m| {
            qix_expr::parse(&m.expr).map_err(|e| CubeError::BadExpression {
                expr: m.expr.clone(),
                message: e.to_string(),
            })
        })
        .collect()
}

fn plan<'e>(
    model: &DataModel,
    inference: &Inference,
    def: &HyperCubeDef,
    measures: &'e [Expr],
) -> Result<Plan<'e>, CubeError> {
    // Fields involved, dimensions first.
    let mut names: Vec<String> = def.dimensions.iter().map(|d| d.field.clone()).collect();
    for m in measures {
        for f in qix_expr::field_names(m) {
            if !names.contains(&f) {
                names.push(f);
            }
        }
    }
    let mut fields = Vec::new();
    for n in &names {
        fields.push(
            model
                .field_id(n)
                .ok_or_else(|| CubeError::UnknownField(n.clone()))?,
        );
    }
    // Tables: a non-key field's own table; key fields are read from a table already involved if possible.
    let mut tables: Vec<TableId> = Vec::new();
    for &f in &fields {
        let ft = &model.fields[f].tables;
        if ft.len() == 1 && !tables.contains(&ft[0]) {
            tables.push(ft[0]);
        }
    }
    for &f in &fields {
        let ft = &model.fields[f].tables;
        if !ft.iter().any(|t| tables.contains(t)) {
            if let Some(&t) = ft.first() {
                tables.push(t);
            }
        }
    }
    // The base is the largest table holding a measure's fields (the calculation follows the aggregated
    // data), else the largest table; every other involved table is reached along the tree.
    let measure_tables: HashSet<TableId> = fields[def.dimensions.len()..]
        .iter()
        .flat_map(|f| model.fields[*f].tables.iter().copied())
        .collect();
    tables.sort_by_key(|t| {
        (
            !measure_tables.contains(t),
            std::cmp::Reverse(model.tables[*t].rows),
        )
    });
    let mut order: Vec<TableId> = Vec::new();
    let mut steps = Vec::new();
    if let Some(&base) = tables.first() {
        order.push(base);
        // BFS over tables through key fields, remembering how each was reached.
        let mut prev: HashMap<TableId, (TableId, FieldId)> = HashMap::new();
        let mut queue = VecDeque::from([base]);
        let mut seen = HashSet::from([base]);
        while let Some(t) = queue.pop_front() {
            for k in model.keys_of(t) {
                for &u in &model.fields[k].tables {
                    if seen.insert(u) {
                        prev.insert(u, (t, k));
                        queue.push_back(u);
                    }
                }
            }
        }
        for &t in &tables[1..] {
            if !seen.contains(&t) {
                return Err(CubeError::Unconnected(format!(
                    "{} and {}",
                    model.tables[base].name, model.tables[t].name
                )));
            }
            // The path base → t, then add its tables in order.
            let mut path = vec![t];
            let mut cur = t;
            while let Some(&(p, _)) = prev.get(&cur) {
                path.push(p);
                cur = p;
            }
            path.reverse();
            for &u in &path[1..] {
                if order.contains(&u) {
                    continue;
                }
                let (from_table, key) = prev[&u];
                let from = order.iter().position(|x| *x == from_table).unwrap_or(0);
                let col = model.tables[u].column(key).ok_or(CubeError::TooLarge)?;
                let mut index: HashMap<u32, Vec<u32>> = HashMap::new();
                let rows = inference.table_rows(u);
                for r in 0..model.tables[u].rows {
                    if rows.is_none_or(|b| b.contains(r)) {
                        let s = col.get(r);
                        if s != NULL {
                            index.entry(s).or_default().push(r as u32);
                        }
                    }
                }
                order.push(u);
                steps.push(Step { from, key, index });
            }
        }
    }
    let slots: Vec<FieldSlot> = fields
        .iter()
        .map(|&f| {
            let slot = order
                .iter()
                .position(|t| model.fields[f].tables.contains(t))
                .unwrap_or(0);
            FieldSlot {
                field: f,
                slot,
                table: order.get(slot).copied().unwrap_or(0),
            }
        })
        .collect();
    let field_slot = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i))
        .collect::<HashMap<_, _>>();
    let mut aggr_nodes = Vec::new();
    for m in measures {
        collect_aggrs(m, &mut aggr_nodes);
    }
    let aggrs = aggr_nodes
        .into_iter()
        .map(|node| {
            let plain = match node.arg.as_ref() {
                Expr::Field(name) => field_slot.get(name).copied(),
                _ => None,
            };
            AggrPlan { node, plain }
        })
        .collect();
    Ok(Plan {
        slots,
        field_slot,
        tables: order,
        steps,
        dims: (0..def.dimensions.len()).collect(),
        aggrs,
    })
}

/// Computes a hypercube for `state` (with its inference already run).
pub fn compute(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    def: &HyperCubeDef,
) -> Result<HyperCube, CubeError> {
    // Dimensions sorted by an expression: the expression is computed as a hidden last measure per row.
    let mut ext = def.clone();
    let mut hidden = 0;
    for d in &def.dimensions {
        if let (true, Some(e)) = (d.sort.by_expression != 0, &d.sort.expression) {
            ext.measures.push(MeasureDef {
                expr: e.clone(),
                sort: ColumnSort::default(),
            });
            hidden += 1;
        }
    }
    let mut cube = compute_all(model, state, inference, &ext, hidden)?;
    let shown = def.measures.len();
    for r in &mut cube.rows {
        r.measures.truncate(shown);
    }
    cube.totals.truncate(shown);
    cube.measure_range.truncate(shown);
    Ok(cube)
}

/// [`compute`] where the last `hidden` measures are sort expressions of dimensions, in dimension order.
fn compute_all(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    def: &HyperCubeDef,
    hidden: usize,
) -> Result<HyperCube, CubeError> {
    let measures = parse_measures(def)?;
    let plan = plan(model, inference, def, &measures)?;
    let ndims = plan.dims.len();
    // Mixed-radix group keys: symbol + 1 per dimension, 0 for NULL.
    let radix: Vec<u128> = plan
        .dims
        .iter()
        .map(|&d| model.fields[plan.slots[d].field].symbols.len() as u128 + 1)
        .collect();
    let mut space: u128 = 1;
    for r in &radix {
        space = space.checked_mul(*r).ok_or(CubeError::TooLarge)?;
    }
    let dense = space <= 1 << 20;
    let new_group = || -> Group { plan.aggrs.iter().map(|a| Acc::new(a.node)).collect() };

    let scanned = match scan_columnar(model, inference, &plan, &radix, dense, space) {
        Some(done) => done,
        None => {
            // Scan the base table's possible rows in parallel blocks.
            let base_rows = plan.tables.first().map_or(0, |t| model.tables[*t].rows);
            let base_mask: Option<&Bits> =
                plan.tables.first().and_then(|t| inference.table_rows(*t));
            const BLOCK: usize = 64 * 1024;
            let blocks = if plan.tables.is_empty() {
                0
            } else {
                base_rows.div_ceil(BLOCK)
            };
            let nslots = plan.tables.len();

            struct Partial {
                index: GroupIndex,
                groups: Vec<Group>,
                total: Group,
            }
            let empty_partial = || Partial {
                index: GroupIndex::new(dense, space),
                groups: Vec::new(),
                total: new_group(),
            };

            let partials: Vec<Partial> = (0..blocks)
                .into_par_iter()
                .fold(empty_partial, |mut part, bi| {
                    let start = bi * BLOCK;
                    let end = (start + BLOCK).min(base_rows);
                    let base_table = &model.tables[plan.tables[0]];
                    // Pre-decode base-table columns of involved base fields for the block.
                    let mut decoded: Vec<Option<Vec<u32>>> = vec![None; plan.slots.len()];
                    for (i, s) in plan.slots.iter().enumerate() {
                        if s.slot == 0 {
                            if let Some(col) = base_table.column(s.field) {
                                let mut buf = vec![0u32; end - start];
                                col.get_range(start, &mut buf);
                                decoded[i] = Some(buf);
                            }
                        }
                    }
                    let mut tuples: Vec<Vec<u32>> = Vec::new();
                    for r in start..end {
                        if base_mask.is_some_and(|m| !m.contains(r)) {
                            continue;
                        }
                        // Expand joins.
                        tuples.clear();
                        let mut first = vec![NULL; nslots];
                        first[0] = r as u32;
                        tuples.push(first);
                        for (si, step) in plan.steps.iter().enumerate() {
                            let slot = si + 1;
                            let mut next = Vec::with_capacity(tuples.len());
                            for t in tuples.drain(..) {
                                let from_row = t[step.from];
                                let key = if from_row == NULL {
                                    NULL
                                } else {
                                    model.tables[plan.tables[step.from]]
                                        .column(step.key)
                                        .map_or(NULL, |c| c.get(from_row as usize))
                                };
                                match step.index.get(&key) {
                                    Some(rows) if key != NULL => {
                                        for &m in rows {
                                            let mut t2 = t.clone();
                                            t2[slot] = m;
                                            next.push(t2);
                                        }
                                    }
                                    // No row of the other table has the key: an outer-join row with its
                                    // fields NULL. (A possible row whose key the other table has always
                                    // finds a possible match there: inference guarantees it.)
                                    _ => next.push(t),
                                }
                            }
                            tuples = next;
                        }
                        for tuple in &tuples {
                            let sym = |slot_idx: usize| -> u32 {
                                let s = &plan.slots[slot_idx];
                                if s.slot == 0 {
                                    if let Some(buf) = &decoded[slot_idx] {
                                        return buf[r - start];
                                    }
                                }
                                let row = tuple[s.slot];
                                if row == NULL {
                                    return NULL;
                                }
                                model.tables[s.table]
                                    .column(s.field)
                                    .map_or(NULL, |c| c.get(row as usize))
                            };
                            let mut key: u128 = 0;
                            for (di, &d) in plan.dims.iter().enumerate() {
                                let s = sym(d);
                                let v = if s == NULL { 0 } else { s as u128 + 1 };
                                key = key * radix[di] + v;
                            }
                            let (gi, new) = part.index.group(key);
                            if new {
                                part.groups.push(new_group());
                            }
                            for (ai, a) in plan.aggrs.iter().enumerate() {
                                match a.plain {
                                    Some(slot_idx) => {
                                        let s = sym(slot_idx);
                                        if s == NULL {
                                            continue;
                                        }
                                        let symbols =
                                            &model.fields[plan.slots[slot_idx].field].symbols;
                                        let n = symbols.num(s);
                                        let fast = !n.is_nan()
                                            && !matches!(
                                                a.node.func,
                                                AggFunc::Only | AggFunc::Concat
                                            );
                                        if fast {
                                            part.groups[gi][ai].add_num(n, Some(s));
                                            part.total[ai].add_num(n, Some(s));
                                        } else {
                                            let v = value_of(symbols.get(s));
                                            part.groups[gi][ai].add_value(v.clone(), Some(s));
                                            part.total[ai].add_value(v, Some(s));
                                        }
                                    }
                                    None => {
                                        let mut scope = RowScope {
                                            model,
                                            plan: &plan,
                                            tuple,
                                        };
                                        let v = qix_expr::eval(&a.node.arg, &mut scope);
                                        part.groups[gi][ai].add_value(v.clone(), None);
                                        part.total[ai].add_value(v, None);
                                    }
                                }
                            }
                        }
                    }
                    part
                })
                .collect();

            // Merge partials.
            let mut index = GroupIndex::new(dense, space);
            let mut groups: Vec<Group> = Vec::new();
            let mut total = new_group();
            for p in partials {
                for (k, g) in p.index.key_list.into_iter().zip(p.groups) {
                    match index.group(k) {
                        (i, false) => {
                            for (a, b) in groups[i].iter_mut().zip(g) {
                                a.merge(b);
                            }
                        }
                        (_, true) => groups.push(g),
                    }
                }
                for (a, b) in total.iter_mut().zip(p.total) {
                    a.merge(b);
                }
            }
            (index.key_list, groups, total)
        }
    };
    let (mut key_list, mut groups, total) = scanned;
    // With no dimensions there is always exactly one row, even over no data.
    if ndims == 0 && groups.is_empty() {
        key_list.push(0);
        groups.push(new_group());
    }

    // Finish: decode keys, evaluate measures.
    let dim_fields: Vec<FieldId> = plan.dims.iter().map(|&d| plan.slots[d].field).collect();
    let index: Vec<(*const Aggr, usize)> = plan
        .aggrs
        .iter()
        .enumerate()
        .map(|(i, a)| (a.node as *const Aggr, i))
        .collect();
    let total_values: Vec<Value> = plan
        .aggrs
        .iter()
        .zip(&total)
        .map(|(a, acc)| acc.finish(a.node, &mut NoFields))
        .collect();
    let finish = |group: &Group, cells: &[DimCell]| -> Vec<Value> {
        let values: Vec<Value> = plan
            .aggrs
            .iter()
            .enumerate()
            .zip(group)
            .map(|((i, a), acc)| {
                if a.node.total {
                    total_values[i].clone()
                } else {
                    acc.finish(a.node, &mut NoFields)
                }
            })
            .collect();
        let mut scope = GroupScope {
            values: &values,
            index: &index,
            dims: &def.dimensions,
            cells,
        };
        measures
            .iter()
            .map(|m| measure_value(m, &mut scope))
            .collect()
    };
    let mut rows: Vec<CubeRow> = Vec::with_capacity(groups.len());
    for (key, group) in key_list.iter().zip(&groups) {
        let mut k = *key;
        let mut cells = vec![];
        for di in (0..ndims).rev() {
            let v = (k % radix[di]) as u32;
            k /= radix[di];
            let f = dim_fields[di];
            cells.push(if v == 0 {
                DimCell {
                    symbol: None,
                    text: "-".into(),
                    num: None,
                    state: State::Optional,
                }
            } else {
                let sym = v - 1;
                let d = model.fields[f].symbols.get(sym);
                let selected = state
                    .selected(f)
                    .is_some_and(|s| s.binary_search(&sym).is_ok());
                DimCell {
                    symbol: Some(sym),
                    text: d.text.clone(),
                    num: d.num,
                    state: match (selected, state.is_locked(f)) {
                        (true, true) => State::Locked,
                        (true, false) => State::Selected,
                        _ => State::Optional,
                    },
                }
            });
        }
        cells.reverse();
        if def.suppress_missing && cells.iter().any(|c| c.symbol.is_none()) {
            continue;
        }
        let values = finish(group, &cells);
        let shown = &values[..values.len() - hidden];
        if def.suppress_zero
            && !shown.is_empty()
            && shown.iter().all(|v| v.num().is_none_or(|n| n == 0.0))
        {
            continue;
        }
        rows.push(CubeRow {
            dims: cells,
            measures: values,
        });
    }
    let totals = {
        let mut scope = GroupScope {
            values: &total_values,
            index: &index,
            dims: &def.dimensions,
            cells: &[],
        };
        measures
            .iter()
            .map(|m| measure_value(m, &mut scope))
            .collect()
    };
    sort_rows(&mut rows, def, hidden);
    let measure_range = (0..measures.len())
        .map(|mi| {
            let nums = rows.iter().filter_map(|r| r.measures[mi].num());
            nums.fold((f64::NAN, f64::NAN), |(lo, hi), n| {
                (
                    if lo.is_nan() { n } else { lo.min(n) },
                    if hi.is_nan() { n } else { hi.max(n) },
                )
            })
        })
        .collect();
    let dim_info = dim_fields
        .iter()
        .map(|&f| {
            let mut c = StateCounts::default();
            for s in field_states_with(model, state, f, inference) {
                match s {
                    State::Selected => c.selected += 1,
                    State::Optional => c.option += 1,
                    State::Excluded => c.excluded += 1,
                    State::Alternative => c.alternative += 1,
                    State::SelectedExcluded => c.selected_excluded += 1,
                    State::Locked => c.locked += 1,
                    State::LockedExcluded => c.locked_excluded += 1,
                }
            }
            DimInfo {
                cardinal: model.fields[f].symbols.len(),
                state_counts: c,
            }
        })
        .collect();
    Ok(HyperCube {
        rows,
        totals,
        dim_info,
        measure_range,
    })
}

fn cmp_num(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Applies a sort direction to a comparison that is computed only when the criterion is on.
fn dir(d: i8, o: impl FnOnce() -> Ordering) -> Ordering {
    match d {
        0 => Ordering::Equal,
        d if d < 0 => o().reverse(),
        _ => o(),
    }
}

fn sort_rows(rows: &mut [CubeRow], def: &HyperCubeDef, hidden: usize) {
    let off = |c: &ColumnSort| {
        c.by_numeric == 0
            && c.by_ascii == 0
            && c.by_load_order == 0
            && c.by_state == 0
            && c.by_expression == 0
    };
    if def.dimensions.iter().all(|d| off(&d.sort)) && def.measures.iter().all(|m| off(&m.sort)) {
        // No criterion: load order of the dimensions, NULL last (one key per row, not per comparison).
        rows.sort_by_cached_key(|r| {
            r.dims
                .iter()
                .map(|d| d.symbol.unwrap_or(u32::MAX))
                .collect::<Vec<u32>>()
        });
        return;
    }
    let nd = def.dimensions.len();
    let shown = def.measures.len() - hidden;
    let ncols = nd + shown;
    // The hidden measure of each dimension sorted by expression.
    let mut next_hidden = shown;
    let expr_measure: Vec<Option<usize>> = def
        .dimensions
        .iter()
        .map(|d| {
            (d.sort.by_expression != 0 && d.sort.expression.is_some()).then(|| {
                next_hidden += 1;
                next_hidden - 1
            })
        })
        .collect();
    let order: Vec<usize> = if def.inter_column_sort.is_empty() {
        (0..ncols).collect()
    } else {
        def.inter_column_sort
            .iter()
            .copied()
            .filter(|c| *c < ncols)
            .collect()
    };
    rows.sort_by(|a, b| {
        for &c in &order {
            let o = if c < nd {
                let s = &def.dimensions[c].sort;
                let (x, y) = (&a.dims[c], &b.dims[c]);
                dir(s.by_state, || x.state.rank().cmp(&y.state.rank()))
                    .then_with(|| match expr_measure[c] {
                        Some(m) => dir(s.by_expression, || {
                            cmp_num(a.measures[m].num(), b.measures[m].num())
                        }),
                        None => Ordering::Equal,
                    })
                    .then_with(|| dir(s.by_numeric, || cmp_num(x.num, y.num)))
                    .then_with(|| {
                        dir(s.by_ascii, || {
                            x.text.to_lowercase().cmp(&y.text.to_lowercase())
                        })
                    })
                    .then_with(|| dir(s.by_load_order, || x.symbol.cmp(&y.symbol)))
            } else {
                let s = &def.measures[c - nd].sort;
                let (x, y) = (&a.measures[c - nd], &b.measures[c - nd]);
                dir(s.by_numeric, || cmp_num(x.num(), y.num()))
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        // Stable tie-break: load order of the dimensions, NULL last.
        a.dims
            .iter()
            .map(|d| d.symbol.unwrap_or(u32::MAX))
            .cmp(b.dims.iter().map(|d| d.symbol.unwrap_or(u32::MAX)))
    });
}

/// What a plain-field aggregation accumulates per group in the columnar scan.
enum Column {
    /// Sum / Count / Avg / Min / Max of a field's numbers (Count counts every non-NULL value).
    Num {
        slot: usize,
        func: AggFunc,
        sum: Vec<f64>,
        count: Vec<u64>,
        ext: Vec<f64>,
    },
    /// Count(DISTINCT field): a bitset of symbols per group.
    Distinct { slot: usize, seen: Vec<Bits> },
    /// Anything else: evaluated row by row.
    Generic { acc: Vec<Acc> },
}

struct ColumnarPart {
    index: GroupIndex,
    columns: Vec<Column>,
}

/// Group keys → group numbers in first-seen order: a dense array when the key space is small, a hash map
/// otherwise.
struct GroupIndex {
    dense: Option<Vec<u32>>,
    keys: HashMap<u128, u32>,
    key_list: Vec<u128>,
}

impl GroupIndex {
    fn new(dense: bool, space: u128) -> GroupIndex {
        GroupIndex {
            dense: dense.then(|| vec![u32::MAX; space as usize]),
            keys: HashMap::new(),
            key_list: Vec::new(),
        }
    }

    /// The group of `key`, and whether it is new.
    #[inline]
    fn group(&mut self, key: u128) -> (usize, bool) {
        let next = self.key_list.len() as u32;
        let slot = match &mut self.dense {
            Some(d) => &mut d[key as usize],
            None => self.keys.entry(key).or_insert(u32::MAX),
        };
        if *slot != u32::MAX {
            return (*slot as usize, false);
        }
        *slot = next;
        self.key_list.push(key);
        (next as usize, true)
    }
}

/// Adds the accumulators of a new group to every column.
fn open_group(columns: &mut [Column], plan: &Plan<'_>, model: &DataModel) {
    for (c, a) in columns.iter_mut().zip(&plan.aggrs) {
        match c {
            Column::Num {
                func,
                sum,
                count,
                ext,
                ..
            } => {
                sum.push(0.0);
                count.push(0);
                ext.push(if *func == AggFunc::Min {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                });
            }
            Column::Distinct { slot, seen } => seen.push(Bits::empty(
                model.fields[plan.slots[*slot].field].symbols.len(),
            )),
            Column::Generic { acc } => acc.push(Acc::new(a.node)),
        }
    }
}

/// The fast scan: every join is N:1 (each key of a joined table has at most one possible row), so each
/// base row is one tuple; rows are processed a block at a time, column by column.
fn scan_columnar(
    model: &DataModel,
    inference: &Inference,
    plan: &Plan<'_>,
    radix: &[u128],
    dense: bool,
    space: u128,
) -> Option<(Vec<u128>, Vec<Group>, Group)> {
    let base = *plan.tables.first()?;
    // key symbol → the one possible row of the joined table, per step.
    let mut single: Vec<Vec<u32>> = Vec::new();
    for step in &plan.steps {
        let card = model.fields[step.key].symbols.len();
        let mut map = vec![NULL; card];
        for (k, rows) in &step.index {
            if rows.len() > 1 {
                return None;
            }
            map[*k as usize] = rows[0];
        }
        single.push(map);
    }
    let base_rows = model.tables[base].rows;
    let mask = inference.table_rows(base);
    let nslots = plan.tables.len();
    const BLOCK: usize = 64 * 1024;
    let new_columns = || -> Vec<Column> {
        plan.aggrs
            .iter()
            .map(|a| match (a.plain, a.node.func, a.node.distinct) {
                // Bitsets per group only for fields of modest cardinality.
                (Some(slot), AggFunc::Count, true)
                    if model.fields[plan.slots[slot].field].symbols.len() <= 1 << 16 =>
                {
                    Column::Distinct { slot, seen: vec![] }
                }
                (
                    Some(slot),
                    f
                    @ (AggFunc::Sum | AggFunc::Count | AggFunc::Avg | AggFunc::Min | AggFunc::Max),
                    false,
                ) => Column::Num {
                    slot,
                    func: f,
                    sum: vec![],
                    count: vec![],
                    ext: vec![],
                },
                _ => Column::Generic { acc: vec![] },
            })
            .collect()
    };
    let new_part = || ColumnarPart {
        index: GroupIndex::new(dense, space),
        columns: new_columns(),
    };
    let step = |mut part: ColumnarPart, bi: usize| -> ColumnarPart {
        let start = bi * BLOCK;
        let end = (start + BLOCK).min(base_rows);
        // 1. The block's possible base rows.
        let rows: Vec<u32> = match mask {
            None => (start as u32..end as u32).collect(),
            Some(m) => {
                let mut v = Vec::new();
                for wi in start / 64..end.div_ceil(64) {
                    let mut w = m.words()[wi];
                    while w != 0 {
                        v.push((wi * 64) as u32 + w.trailing_zeros());
                        w &= w - 1;
                    }
                }
                v
            }
        };
        if rows.is_empty() {
            return part;
        }
        let n = rows.len();
        let dense_block = n * 8 > end - start;
        // 2. Rows of every joined table.
        // Rows are needed only to follow joins, evaluate row by row or read a sparse block.
        let needs_rows = !plan.steps.is_empty()
            || part
                .columns
                .iter()
                .any(|c| matches!(c, Column::Generic { .. }))
            || !dense_block;
        let mut slot_rows: Vec<Vec<u32>> = vec![if needs_rows { rows.clone() } else { Vec::new() }];
        for (si, step) in plan.steps.iter().enumerate() {
            let from = &slot_rows[step.from];
            let col = model.tables[plan.tables[step.from]].column(step.key);
            let mapped: Vec<u32> = from
                .iter()
                .map(|&r| {
                    if r == NULL {
                        return NULL;
                    }
                    let k = col.map_or(NULL, |c| c.get(r as usize));
                    if k == NULL {
                        NULL
                    } else {
                        single[si][k as usize]
                    }
                })
                .collect();
            slot_rows.push(mapped);
        }
        // 3. Symbols of every involved field.
        let syms: Vec<Vec<u32>> = plan
            .slots
            .iter()
            .map(|s| {
                let Some(col) = model.tables[s.table].column(s.field) else {
                    return vec![NULL; n];
                };
                if s.slot == 0 && dense_block {
                    let mut buf = vec![0u32; end - start];
                    col.get_range(start, &mut buf);
                    if n == end - start {
                        // Every row of the block: the decoded column is the answer.
                        buf
                    } else {
                        rows.iter().map(|r| buf[*r as usize - start]).collect()
                    }
                } else {
                    slot_rows[s.slot]
                        .iter()
                        .map(|&r| if r == NULL { NULL } else { col.get(r as usize) })
                        .collect()
                }
            })
            .collect();
        // 4. Group of every row.
        let mut gid = vec![0u32; n];
        for (i, g) in gid.iter_mut().enumerate() {
            let mut key: u128 = 0;
            for (di, &d) in plan.dims.iter().enumerate() {
                let s = syms[d][i];
                key = key * radix[di] + if s == NULL { 0 } else { s as u128 + 1 };
            }
            let (id, new) = part.index.group(key);
            if new {
                open_group(&mut part.columns, plan, model);
            }
            *g = id as u32;
        }
        // 5. Aggregate, column by column.
        let mut tuple = vec![NULL; nslots];
        for (c, a) in part.columns.iter_mut().zip(&plan.aggrs) {
            match c {
                Column::Num {
                    slot,
                    func,
                    sum,
                    count,
                    ext,
                } => {
                    let nums = model.fields[plan.slots[*slot].field].symbols.nums();
                    let col = &syms[*slot];
                    match func {
                        AggFunc::Count => {
                            for (s, g) in col.iter().zip(&gid) {
                                if *s != NULL {
                                    count[*g as usize] += 1;
                                }
                            }
                        }
                        AggFunc::Min => {
                            for (s, g) in col.iter().zip(&gid) {
                                if *s != NULL {
                                    let v = nums[*s as usize];
                                    let e = &mut ext[*g as usize];
                                    if v < *e {
                                        *e = v;
                                    }
                                }
                            }
                        }
                        AggFunc::Max => {
                            for (s, g) in col.iter().zip(&gid) {
                                if *s != NULL {
                                    let v = nums[*s as usize];
                                    let e = &mut ext[*g as usize];
                                    if v > *e {
                                        *e = v;
                                    }
                                }
                            }
                        }
                        _ => {
                            for (s, g) in col.iter().zip(&gid) {
                                if *s != NULL {
                                    let v = nums[*s as usize];
                                    if !v.is_nan() {
                                        sum[*g as usize] += v;
                                        count[*g as usize] += 1;
                                    }
                                }
                            }
                        }
                    }
                }
                Column::Distinct { slot, seen } => {
                    for (s, g) in syms[*slot].iter().zip(&gid) {
                        if *s != NULL {
                            seen[*g as usize].insert(*s as usize);
                        }
                    }
                }
                Column::Generic { acc } => {
                    for i in 0..n {
                        for (t, sr) in tuple.iter_mut().zip(&slot_rows) {
                            *t = sr[i];
                        }
                        let mut scope = RowScope {
                            model,
                            plan,
                            tuple: &tuple,
                        };
                        let v = qix_expr::eval(&a.node.arg, &mut scope);
                        acc[gid[i] as usize].add_value(v, None);
                    }
                }
            }
        }
        part
    };
    // One partial per thread, each over a contiguous run of blocks: few partials keep the merge cheap.
    let blocks = base_rows.div_ceil(BLOCK);
    let threads = rayon::current_num_threads().max(1);
    let per = blocks.div_ceil(threads).max(1);
    let partials: Vec<ColumnarPart> = (0..threads)
        .into_par_iter()
        .map(|t| (t * per..((t + 1) * per).min(blocks)).fold(new_part(), step))
        .collect();

    // Merge the threads' groups, then turn the columns into finished accumulators.
    // Group key → merged group: a dense array when the key space is small, a hash map otherwise.
    let mut index = GroupIndex::new(dense, space);
    let mut merged = new_columns();
    for p in partials {
        let map: Vec<usize> = p
            .index
            .key_list
            .iter()
            .map(|k| {
                let (g, new) = index.group(*k);
                if new {
                    open_group(&mut merged, plan, model);
                }
                g
            })
            .collect();
        for (dst, src) in merged.iter_mut().zip(p.columns) {
            match (dst, src) {
                (
                    Column::Num {
                        func,
                        sum,
                        count,
                        ext,
                        ..
                    },
                    Column::Num {
                        sum: s2,
                        count: c2,
                        ext: e2,
                        ..
                    },
                ) => {
                    for (i, &g) in map.iter().enumerate() {
                        sum[g] += s2[i];
                        count[g] += c2[i];
                        ext[g] = if *func == AggFunc::Min {
                            ext[g].min(e2[i])
                        } else {
                            ext[g].max(e2[i])
                        };
                    }
                }
                (Column::Distinct { seen, .. }, Column::Distinct { seen: s2, .. }) => {
                    for (i, b) in s2.into_iter().enumerate() {
                        seen[map[i]].union_with(&b);
                    }
                }
                (Column::Generic { acc }, Column::Generic { acc: a2 }) => {
                    for (i, a) in a2.into_iter().enumerate() {
                        acc[map[i]].merge(a);
                    }
                }
                _ => {}
            }
        }
    }
    let key_list = index.key_list;
    let ngroups = key_list.len();
    let mut groups: Vec<Group> = (0..ngroups)
        .map(|_| Vec::with_capacity(plan.aggrs.len()))
        .collect();
    let mut total: Group = Vec::with_capacity(plan.aggrs.len());
    for (c, a) in merged.into_iter().zip(&plan.aggrs) {
        match c {
            Column::Num {
                func,
                sum,
                count,
                ext,
                ..
            } => {
                let finish = |s: f64, c: u64, e: f64| -> Value {
                    match func {
                        AggFunc::Sum => Value::Num(s),
                        AggFunc::Count => Value::Num(c as f64),
                        AggFunc::Avg if c > 0 => Value::Num(s / c as f64),
                        AggFunc::Min | AggFunc::Max if e.is_finite() => Value::Num(e),
                        _ => Value::Null,
                    }
                };
                let (mut ts, mut tc) = (0.0, 0u64);
                let mut te = if func == AggFunc::Min {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                };
                for g in 0..ngroups {
                    groups[g].push(Acc::Done(finish(sum[g], count[g], ext[g])));
                    ts += sum[g];
                    tc += count[g];
                    te = if func == AggFunc::Min {
                        te.min(ext[g])
                    } else {
                        te.max(ext[g])
                    };
                }
                total.push(Acc::Done(finish(ts, tc, te)));
            }
            Column::Distinct { slot, seen } => {
                let mut all = Bits::empty(model.fields[plan.slots[slot].field].symbols.len());
                for (g, b) in seen.iter().enumerate() {
                    groups[g].push(Acc::Done(Value::Num(b.count() as f64)));
                    all.union_with(b);
                }
                total.push(Acc::Done(Value::Num(all.count() as f64)));
            }
            Column::Generic { acc } => {
                let mut t = Acc::new(a.node);
                for (g, x) in acc.into_iter().enumerate() {
                    t.merge(x.clone());
                    groups[g].push(x);
                }
                total.push(t);
            }
        }
    }
    Some((key_list, groups, total))
}
