//! Calculated dimensions: a dimension written as an expression (`=Year(OrderDate)`,
//! `=If(Sales > 100, 'Big', 'Small')`, `=Aggr(Sum(Sales), Customer)`).
//!
//! As in Qlik, the expression is evaluated per combination of the fields it reads — the fields outside
//! aggregations and the dimensions of each `Aggr()` — and the cube is grouped by the result. Each distinct
//! result (equal numbers are one value, else equal texts) gets a value id, used in place of a symbol: the
//! scans turn a row's symbols of those fields into the id through [`CalcDim::id`], so measures aggregate
//! per result value over the rows that produce it. A NULL result is the dimension's NULL.
//!
//! Combinations are those of all the data (not only of the current selection): sub-cubes over other sets
//! then see the same ids. `Aggr()` values are those of the current selection. A calculated dimension is
//! worked out once per request (memoized in [`Sets`]).

use super::contexts::{nested_rows, Level};
use super::{rows_hidden, CubeError, DimCell, HyperCubeDef};
use crate::inference::State;
use crate::model::{DataModel, FieldId};
use crate::packed::NULL;
use crate::selection::SelectionState;
use crate::sets::Sets;
use qix_expr::{Aggr, AggrFn, Expr, Locale, Scope, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Whether a dimension's `field` text is an expression (a calculated dimension).
pub fn is_calculated(field: &str) -> bool {
    field.trim_start().starts_with('=')
}

/// Symbols of the fields a calculated dimension reads (`NULL` for none) → its value id.
#[derive(Debug, Clone, PartialEq)]
enum Lookup {
    /// One field: indexed by symbol + 1, 0 for NULL.
    One(Vec<u32>),
    /// Several fields (or none): by combination.
    Many(HashMap<Vec<u32>, u32>),
}

/// A calculated dimension worked out over the data: its value ids and how rows map to them.
#[derive(Debug, Clone, PartialEq)]
pub struct CalcDim {
    /// The dimension's text, `=` included.
    pub text: String,
    /// The fields whose values decide the result, in the order the expression reads them.
    pub fields: Vec<FieldId>,
    lookup: Lookup,
    /// Each value id's (text, number).
    pub values: Vec<(String, Option<f64>)>,
    /// A field's values with an Others group instead of an expression: value ids below the field's
    /// symbol count are its symbols, the id equal to it is the group (with this label).
    pub others_of: Option<(FieldId, String)>,
}

impl CalcDim {
    /// The value id of a row whose symbols of [`CalcDim::fields`] are `syms`; `NULL` for a NULL result.
    #[inline]
    pub(super) fn id(&self, syms: &[u32]) -> u32 {
        match &self.lookup {
            Lookup::One(ids) => {
                let s = syms.first().copied().unwrap_or(NULL);
                let at = if s == NULL { 0 } else { s as usize + 1 };
                ids.get(at).copied().unwrap_or(NULL)
            }
            Lookup::Many(map) => map.get(syms).copied().unwrap_or(NULL),
        }
    }

    /// Field `f`'s values with those not in `kept` grouped as Others (labelled `label`).
    pub(super) fn others(model: &DataModel, f: FieldId, kept: &[u32], label: &str) -> CalcDim {
        let n = model.fields[f].symbols.len() as u32;
        let mut ids = vec![n; n as usize + 1];
        ids[0] = NULL;
        for &s in kept {
            if let Some(slot) = ids.get_mut(s as usize + 1) {
                *slot = s;
            }
        }
        CalcDim {
            text: model.fields[f].name.clone(),
            fields: vec![f],
            lookup: Lookup::One(ids),
            values: Vec::new(),
            others_of: Some((f, label.to_string())),
        }
    }

    /// How many value ids there are (NULL aside).
    pub(super) fn cardinal(&self, model: &DataModel) -> usize {
        match &self.others_of {
            Some((f, _)) => model.fields[*f].symbols.len() + 1,
            None => self.values.len(),
        }
    }

    /// The cell of value id `id` (`None`: NULL) in selection state `state`.
    pub(super) fn cell_in(
        &self,
        model: &DataModel,
        state: &SelectionState,
        id: Option<u32>,
    ) -> DimCell {
        match (&self.others_of, id) {
            (Some((f, label)), Some(i)) => {
                if i as usize >= model.fields[*f].symbols.len() {
                    super::options::others_cell(label, i)
                } else {
                    super::render::dim_cell(model, state, *f, Some(i))
                }
            }
            _ => self.cell(id),
        }
    }

    /// The cell of value id `id` (`None`: NULL).
    fn cell(&self, id: Option<u32>) -> DimCell {
        match id.and_then(|i| self.values.get(i as usize).map(|v| (i, v))) {
            Some((i, (text, num))) => DimCell {
                symbol: Some(i),
                text: text.as_str().into(),
                num: *num,
                state: State::Optional,
                other: false,
            },
            None => DimCell {
                symbol: None,
                text: "-".into(),
                num: None,
                state: State::Optional,
                other: false,
            },
        }
    }

    /// What selecting value ids `ids` selects: per field read, the symbols of the combinations whose
    /// result is one of them (a field NULL in such a combination adds nothing).
    pub fn sources(&self, ids: &[u32]) -> Vec<(FieldId, Vec<u32>)> {
        let mut out: Vec<(FieldId, Vec<u32>)> = self.fields.iter().map(|f| (*f, vec![])).collect();
        let mut add = |syms: &[u32]| {
            for ((_, picked), s) in out.iter_mut().zip(syms) {
                if *s != NULL {
                    picked.push(*s);
                }
            }
        };
        match &self.lookup {
            Lookup::One(map) => {
                for (at, id) in map.iter().enumerate().skip(1) {
                    if ids.contains(id) {
                        add(&[at as u32 - 1]);
                    }
                }
            }
            Lookup::Many(map) => {
                for (syms, id) in map {
                    if ids.contains(id) {
                        add(syms);
                    }
                }
            }
        }
        for (_, picked) in &mut out {
            picked.sort_unstable();
            picked.dedup();
        }
        out
    }
}

/// The calculated dimension of each of `def`'s dimensions (`None` for a field), each worked out once
/// per request.
pub(super) fn resolve(
    model: &DataModel,
    def: &HyperCubeDef,
    sets: &Sets<'_>,
) -> Result<Vec<Option<Arc<CalcDim>>>, CubeError> {
    def.dimensions
        .iter()
        .map(|d| match is_calculated(&d.field) {
            false => Ok(None),
            true => {
                if let Some(hit) = sets.calc_dims().borrow().get(&d.field) {
                    return Ok(Some(hit.clone()));
                }
                let built = Arc::new(build(model, &d.field, sets)?);
                let mut memo = sets.calc_dims().borrow_mut();
                memo.insert(d.field.clone(), built.clone());
                Ok(Some(built))
            }
        })
        .collect()
}

fn bad(text: &str, message: impl Into<String>) -> CubeError {
    CubeError::BadExpression {
        expr: text.to_string(),
        message: message.into(),
    }
}

/// Works out the calculated dimension `text`.
fn build(model: &DataModel, text: &str, sets: &Sets<'_>) -> Result<CalcDim, CubeError> {
    let expr = qix_expr::parse(text).map_err(|e| bad(text, e.to_string()))?;
    let mut names = Vec::new();
    let mut aggr_fns = Vec::new();
    read_fields(&expr, &mut names, &mut aggr_fns)
        .map_err(|_| bad(text, "an aggregation in a dimension needs Aggr()"))?;
    let fields = names
        .iter()
        .map(|n| {
            model
                .field_id(n)
                .ok_or_else(|| CubeError::UnknownField(n.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let tables = aggr_tables(model, sets, &aggr_fns)?;
    let mut values = Values::default();
    let mut eval = |syms: &[u32]| {
        let mut scope = ComboScope {
            model,
            names: &names,
            fields: &fields,
            syms,
            aggr_fns: &aggr_fns,
            tables: &tables,
        };
        values.id(qix_expr::eval(&expr, &mut scope))
    };
    let lookup = match fields.as_slice() {
        [f] => {
            let n = model.fields[*f].symbols.len() as u32;
            let mut ids = vec![eval(&[NULL])];
            ids.extend((0..n).map(|s| eval(&[s])));
            Lookup::One(ids)
        }
        _ => {
            let mut map = HashMap::new();
            for combo in combinations(model, sets, &names)? {
                let id = eval(&combo);
                map.insert(combo, id);
            }
            Lookup::Many(map)
        }
    };
    Ok(CalcDim {
        text: text.to_string(),
        fields,
        lookup,
        values: values.list,
        others_of: None,
    })
}

/// Distinct results in first-seen order: equal numbers are one value, else equal texts.
#[derive(Default)]
struct Values {
    list: Vec<(String, Option<f64>)>,
    by_num: HashMap<u64, u32>,
    by_text: HashMap<String, u32>,
}

impl Values {
    fn id(&mut self, v: Value) -> u32 {
        if v.is_null() {
            return NULL;
        }
        let text = v.text().unwrap_or_default();
        let next = self.list.len() as u32;
        let (id, new) = match v.own_num() {
            Some(n) => {
                let key = if n == 0.0 { 0 } else { n.to_bits() };
                let id = *self.by_num.entry(key).or_insert(next);
                (id, id == next)
            }
            None => {
                let id = *self.by_text.entry(text.clone()).or_insert(next);
                (id, id == next)
            }
        };
        if new {
            self.list.push((text, v.own_num()));
        }
        id
    }
}

/// Collects the fields `e` reads outside aggregations and the dimensions and nodes of its `Aggr()`s; an
/// aggregation outside `Aggr()` is an error.
fn read_fields<'e>(
    e: &'e Expr,
    names: &mut Vec<String>,
    aggr_fns: &mut Vec<&'e AggrFn>,
) -> Result<(), ()> {
    let add = |n: &String, names: &mut Vec<String>| {
        if !names.contains(n) {
            names.push(n.clone());
        }
    };
    match e {
        Expr::Num(_) | Expr::Str(_) => Ok(()),
        Expr::Field(n) => {
            add(n, names);
            Ok(())
        }
        Expr::Neg(x) | Expr::Not(x) => read_fields(x, names, aggr_fns),
        Expr::Binary(_, l, r) => {
            read_fields(l, names, aggr_fns)?;
            read_fields(r, names, aggr_fns)
        }
        Expr::Call { args, .. } => {
            // `GetSelectedCount(Region)` names a field; it does not read its values.
            let skip = match args.first() {
                Some(Expr::Field(n)) => usize::from(!qix_expr::field_names(e).contains(n)),
                _ => 0,
            };
            let mut read = args.iter().skip(skip);
            read.try_for_each(|a| read_fields(a, names, aggr_fns))
        }
        Expr::Aggr(_) => Err(()),
        Expr::AggrFn(f) => {
            f.dims.iter().for_each(|d| add(d, names));
            aggr_fns.push(f);
            Ok(())
        }
    }
}

/// Each `Aggr()`'s values in the current selection, by the symbols of its dimensions.
type AggrTable = HashMap<Vec<Option<u32>>, Value>;

fn aggr_tables(
    model: &DataModel,
    sets: &Sets<'_>,
    aggr_fns: &[&AggrFn],
) -> Result<Vec<AggrTable>, CubeError> {
    let inference = sets.current_rows();
    let none = HyperCubeDef::default();
    let level = Level {
        model,
        state: sets.current(),
        inference: &inference,
        def: &none,
        sets,
    };
    aggr_fns
        .iter()
        .map(|f| {
            let (_, rows) = nested_rows(&level, &[], f)?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    let key = r.dims.iter().map(|c| c.symbol).collect();
                    (key, r.measures.into_iter().next().unwrap_or(Value::Null))
                })
                .collect())
        })
        .collect()
}

/// The combinations of the fields `names` in all the data.
fn combinations(
    model: &DataModel,
    sets: &Sets<'_>,
    names: &[String],
) -> Result<Vec<Vec<u32>>, CubeError> {
    if names.is_empty() {
        return Ok(vec![Vec::new()]);
    }
    let all = SelectionState::new();
    let inference = sets.infer_state(&all);
    let def = HyperCubeDef::of(&names.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    let (rows, _) = rows_hidden(model, &all, &inference, &def, 0, sets)?;
    Ok(rows
        .iter()
        .map(|r| r.dims.iter().map(|c| c.symbol.unwrap_or(NULL)).collect())
        .collect())
}

/// Evaluates a calculated dimension on one combination of its fields' symbols.
struct ComboScope<'a, 'e> {
    model: &'a DataModel,
    names: &'a [String],
    fields: &'a [FieldId],
    syms: &'a [u32],
    aggr_fns: &'a [&'e AggrFn],
    tables: &'a [AggrTable],
}

impl ComboScope<'_, '_> {
    fn sym_of(&self, name: &str) -> Option<u32> {
        let i = self.names.iter().position(|n| n == name)?;
        self.syms.get(i).copied().filter(|s| *s != NULL)
    }
}

impl Scope for ComboScope<'_, '_> {
    fn field(&mut self, name: &str) -> Value {
        let Some(i) = self.names.iter().position(|n| n == name) else {
            return Value::Null;
        };
        match (self.sym_of(name), self.fields.get(i)) {
            (Some(s), Some(f)) => super::scope::value_of(self.model.fields[*f].symbols.get(s)),
            _ => Value::Null,
        }
    }

    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }

    fn aggr_fn(&mut self, aggr: &AggrFn) -> Value {
        let Some(i) = self.aggr_fns.iter().position(|f| std::ptr::eq(*f, aggr)) else {
            return Value::Null;
        };
        let key: Vec<Option<u32>> = aggr.dims.iter().map(|d| self.sym_of(d)).collect();
        self.tables[i].get(&key).cloned().unwrap_or(Value::Null)
    }

    fn locale(&self) -> &Locale {
        &self.model.locale
    }
}

/// The facts of calculated dimension `c`, column `di` of `rows`: its distinct values (the cardinal), and
/// those on the rows as possible.
pub(super) fn info(c: &CalcDim, rows: &[super::CubeRow], di: usize) -> super::DimInfo {
    let mut seen = vec![false; c.values.len()];
    for r in rows {
        if let Some(s) = r.dims.get(di).and_then(|d| d.symbol) {
            if let Some(x) = seen.get_mut(s as usize) {
                *x = true;
            }
        }
    }
    super::DimInfo {
        cardinal: c.values.len(),
        state_counts: super::StateCounts {
            option: seen.iter().filter(|x| **x).count(),
            ..Default::default()
        },
    }
}
