//! Planning: from a cube definition to what the scans follow.
//!
//! A cube involves fields of possibly several tables. Planning decides, once per cube: which fields are
//! involved (dimensions first), which tables hold them, the join order (a tree of key-field steps from the
//! base table — the largest one holding a measure's fields, since the calculation follows the aggregated
//! data), where each field is read in a joined tuple, and which aggregations the measures contain. The
//! scans then do no name lookups and no graph work per row.

use super::acc::{Acc, Group};
use super::calcdim::CalcDim;
use super::{CubeError, HyperCubeDef};
use crate::inference::Inference;
use crate::model::{DataModel, FieldId, TableId};
use crate::packed::NULL;
use qix_expr::{Aggr, Expr};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

/// Where an involved field is read from: a slot in the joined tuple and its table.
#[derive(Debug, Clone, Copy)]
pub(super) struct FieldSlot {
    pub(super) field: FieldId,
    /// The tuple position (index into [`Plan::tables`]) of the table the field is read from.
    pub(super) slot: usize,
    pub(super) table: TableId,
}

/// One join step: from the table in slot `from`, through key `key`, into the next table (a new slot).
#[derive(Debug)]
pub(super) struct Step {
    pub(super) from: usize,
    pub(super) key: FieldId,
    /// Key symbol → possible rows of the joined table with it.
    pub(super) index: HashMap<u32, Vec<u32>>,
}

/// An aggregation of the cube, with how to read its argument fast when it is a plain field.
pub(super) struct AggrPlan<'e> {
    pub(super) node: &'e Aggr,
    /// Index into [`Plan::slots`] when the argument is a bare field.
    pub(super) plain: Option<usize>,
}

/// A calculated dimension in a plan: its value ids are read from the symbols of these slots.
pub(super) struct Derived {
    pub(super) calc: Arc<CalcDim>,
    /// The slot of each of the calculated dimension's fields.
    pub(super) slots: Vec<usize>,
}

impl Derived {
    /// The value id of a row whose slot symbols `read` gives.
    #[inline]
    pub(super) fn id_of(&self, read: impl Fn(usize) -> u32) -> u32 {
        match self.slots.as_slice() {
            [one] => self.calc.id(&[read(*one)]),
            // The hot path: no allocation per row for up to eight fields.
            few if few.len() <= 8 => {
                let mut syms = [0u32; 8];
                for (to, s) in syms.iter_mut().zip(few) {
                    *to = read(*s);
                }
                self.calc.id(&syms[..few.len()])
            }
            many => {
                let syms: Vec<u32> = many.iter().map(|s| read(*s)).collect();
                self.calc.id(&syms)
            }
        }
    }
}

/// Parsed measures and the plan to compute them.
pub(super) struct Plan<'e> {
    /// Involved fields, dimensions first.
    pub(super) slots: Vec<FieldSlot>,
    /// Field name → index into `slots`.
    pub(super) field_slot: HashMap<String, usize>,
    /// Tables in join order; the first is the base table that is scanned.
    pub(super) tables: Vec<TableId>,
    /// `steps[i]` joins `tables[i + 1]`.
    pub(super) steps: Vec<Step>,
    /// Slot index per dimension (for a calculated one, a slot of its fields, or any: see `derived`).
    pub(super) dims: Vec<usize>,
    /// Per dimension, the calculated dimension it is (its value ids stand for symbols).
    pub(super) derived: Vec<Option<Derived>>,
    /// Every aggregation of every measure, in measure order.
    pub(super) aggrs: Vec<AggrPlan<'e>>,
}

impl Plan<'_> {
    /// Fresh accumulators for one group: one per aggregation.
    pub(super) fn new_group(&self) -> Group {
        self.aggrs.iter().map(|a| Acc::new(a.node)).collect()
    }

    /// The field of each dimension (for a calculated one, a field it reads, or any).
    pub(super) fn dim_fields(&self) -> Vec<FieldId> {
        self.dims
            .iter()
            .map(|&d| self.slots.get(d).map_or(0, |s| s.field))
            .collect()
    }

    /// The number of values a dimension's key digit can take besides NULL.
    pub(super) fn dim_cardinal(&self, model: &DataModel, di: usize) -> usize {
        match &self.derived[di] {
            Some(d) => d.calc.cardinal(model),
            None => model.fields[self.slots[self.dims[di]].field].symbols.len(),
        }
    }
}

/// Plans `def` with its parsed `measures` and its calculated dimensions `calc` (per dimension); the join
/// indexes hold only rows possible in `inference`.
pub(super) fn plan<'e>(
    model: &DataModel,
    inference: &Inference,
    def: &HyperCubeDef,
    calc: &[Option<Arc<CalcDim>>],
    measures: &'e [Expr],
) -> Result<Plan<'e>, CubeError> {
    let (names, fields, ndim_fields) = involved_fields(model, def, calc, measures)?;
    let tables = involved_tables(model, &fields, ndim_fields);
    let (order, steps) = join_order(model, inference, &tables)?;
    let slots = field_slots(model, &fields, &order);
    let field_slot = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i))
        .collect::<HashMap<_, _>>();
    let aggrs = aggr_plans(measures, &field_slot);
    let (dims, derived) = dim_slots(model, def, calc, &field_slot);
    Ok(Plan {
        slots,
        field_slot,
        tables: order,
        steps,
        dims,
        derived,
        aggrs,
    })
}

/// The slot of each dimension, and the calculated ones' slots of their fields.
fn dim_slots(
    model: &DataModel,
    def: &HyperCubeDef,
    calc: &[Option<Arc<CalcDim>>],
    field_slot: &HashMap<String, usize>,
) -> (Vec<usize>, Vec<Option<Derived>>) {
    let mut dims = Vec::with_capacity(def.dimensions.len());
    let mut derived = Vec::with_capacity(def.dimensions.len());
    for i in 0..def.dimensions.len() {
        match calc.get(i).cloned().flatten() {
            None => {
                // Plain dimensions are the first slots, in order.
                dims.push(i);
                derived.push(None);
            }
            Some(c) => {
                let slots: Vec<usize> = c
                    .fields
                    .iter()
                    .map(|f| field_slot.get(&model.fields[*f].name).copied().unwrap_or(0))
                    .collect();
                dims.push(slots.first().copied().unwrap_or(0));
                derived.push(Some(Derived { calc: c, slots }));
            }
        }
    }
    (dims, derived)
}

/// Names and ids of the fields involved — the dimensions' (a calculated dimension's own fields after
/// the plain dimensions) first, then the measures' in order of use — and how many are the dimensions'.
fn involved_fields(
    model: &DataModel,
    def: &HyperCubeDef,
    calc: &[Option<Arc<CalcDim>>],
    measures: &[Expr],
) -> Result<(Vec<String>, Vec<FieldId>, usize), CubeError> {
    // Plain dimensions keep their positions (a field may be a dimension twice); a calculated one's
    // place holds its first field, or the first plain dimension's, as a stand-in.
    let plain = |i: usize| calc.get(i).is_none_or(Option::is_none);
    let stand_in = def
        .dimensions
        .iter()
        .enumerate()
        .find(|(i, _)| plain(*i))
        .map(|(_, d)| d.field.clone());
    let mut names: Vec<String> = Vec::new();
    for (i, d) in def.dimensions.iter().enumerate() {
        match calc.get(i).cloned().flatten() {
            None => names.push(d.field.clone()),
            Some(c) => match c.fields.first().map(|f| model.fields[*f].name.clone()) {
                Some(n) => names.push(n),
                None => names.extend(stand_in.clone()),
            },
        }
    }
    for c in calc.iter().flatten() {
        for f in &c.fields {
            let n = &model.fields[*f].name;
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    let ndim_fields = names.len();
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
    Ok((names, fields, ndim_fields))
}

/// The tables to read `fields` from, the base table first.
///
/// A non-key field is read from its own table; a key field from a table already involved if possible,
/// else from its first tightly coupled table.
/// The base is the largest table holding a measure's fields (the calculation follows the aggregated
/// data), else the largest table.
fn involved_tables(model: &DataModel, fields: &[FieldId], ndims: usize) -> Vec<TableId> {
    let mut tables: Vec<TableId> = Vec::new();
    for &f in fields {
        let ft = &model.fields[f].tables;
        if ft.len() == 1 && !tables.contains(&ft[0]) {
            tables.push(ft[0]);
        }
    }
    for &f in fields {
        let ft = &model.fields[f].tables;
        if !ft.iter().any(|t| tables.contains(t)) {
            let tight = ft.iter().find(|t| !model.is_loose(**t));
            if let Some(&t) = tight.or(ft.first()) {
                tables.push(t);
            }
        }
    }
    let measure_tables: HashSet<TableId> = fields[ndims..]
        .iter()
        .flat_map(|f| model.fields[*f].tables.iter().copied())
        .collect();
    tables.sort_by_key(|t| {
        (
            !measure_tables.contains(t),
            std::cmp::Reverse(model.tables[*t].rows),
        )
    });
    tables
}

/// How each table reachable from the base was reached: the table before it and the key between them.
type Reached = HashMap<TableId, (TableId, FieldId)>;

/// The join order starting at `tables[0]` and the steps that join every other table in, including the
/// tables on the way to them; every involved table must be connected to the base.
fn join_order(
    model: &DataModel,
    inference: &Inference,
    tables: &[TableId],
) -> Result<(Vec<TableId>, Vec<Step>), CubeError> {
    let mut order: Vec<TableId> = Vec::new();
    let mut steps = Vec::new();
    let Some(&base) = tables.first() else {
        return Ok((order, steps));
    };
    order.push(base);
    let (seen, prev) = reach(model, base);
    for &t in &tables[1..] {
        if !seen.contains(&t) {
            return Err(CubeError::Unconnected(format!(
                "{} and {}",
                model.tables[base].name, model.tables[t].name
            )));
        }
        for &u in &path_from_base(&prev, t)[1..] {
            if order.contains(&u) {
                continue;
            }
            let (from_table, key) = prev[&u];
            let from = order.iter().position(|x| *x == from_table).unwrap_or(0);
            let index = key_index(model, inference, u, key)?;
            order.push(u);
            steps.push(Step { from, key, index });
        }
    }
    Ok((order, steps))
}

/// Breadth-first search over tables through key fields from `base`: the tables reached, and how.
/// A loosely coupled table links nothing onwards (it is reached, or is the base, but no path goes
/// through it), so the join tree never follows the loop it was loosened to cut.
fn reach(model: &DataModel, base: TableId) -> (HashSet<TableId>, Reached) {
    let mut prev: Reached = HashMap::new();
    let mut queue = VecDeque::from([base]);
    let mut seen = HashSet::from([base]);
    while let Some(t) = queue.pop_front() {
        if t != base && model.is_loose(t) {
            continue;
        }
        for k in model.keys_of(t) {
            for &u in &model.fields[k].tables {
                if seen.insert(u) {
                    prev.insert(u, (t, k));
                    queue.push_back(u);
                }
            }
        }
    }
    (seen, prev)
}

/// The tables from the base to `t`, both included.
fn path_from_base(prev: &Reached, t: TableId) -> Vec<TableId> {
    let mut path = vec![t];
    let mut cur = t;
    while let Some(&(p, _)) = prev.get(&cur) {
        path.push(p);
        cur = p;
    }
    path.reverse();
    path
}

/// Key symbol → the possible rows of `table` with it (NULL keys join nothing).
fn key_index(
    model: &DataModel,
    inference: &Inference,
    table: TableId,
    key: FieldId,
) -> Result<HashMap<u32, Vec<u32>>, CubeError> {
    let col = model.tables[table].column(key).ok_or(CubeError::TooLarge)?;
    let mut index: HashMap<u32, Vec<u32>> = HashMap::new();
    let rows = inference.table_rows(table);
    for r in 0..model.tables[table].rows {
        if rows.is_none_or(|b| b.contains(r)) {
            let s = col.get(r);
            if s != NULL {
                index.entry(s).or_default().push(r as u32);
            }
        }
    }
    Ok(index)
}

/// Where each field is read: the first table in join order that holds it.
fn field_slots(model: &DataModel, fields: &[FieldId], order: &[TableId]) -> Vec<FieldSlot> {
    fields
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
        .collect()
}

/// The aggregations of all measures, each with its plain field's slot when its argument is a bare field.
fn aggr_plans<'e>(measures: &'e [Expr], field_slot: &HashMap<String, usize>) -> Vec<AggrPlan<'e>> {
    let mut nodes = Vec::new();
    for m in measures {
        collect_aggrs(m, &mut nodes);
    }
    nodes
        .into_iter()
        .map(|node| {
            // Functions that weigh rows or count NULLs read every row through the general path.
            let per_row = node.func.weighs_rows() || node.func.counts_nulls();
            let plain = match node.arg.as_ref() {
                Expr::Field(name) if !per_row => field_slot.get(name).copied(),
                _ => None,
            };
            AggrPlan { node, plain }
        })
        .collect()
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
