//! Zero rows: the dimension values a chart shows with `qSuppressZero` off although no aggregated row
//! has them (Qlik's "Include zero values").
//!
//! Qlik computes a chart over the logical table of the involved tables, a full outer join: a customer
//! with no orders is a row (its order fields NULL), and zero suppression is what hides it. The scans
//! here join outward from the fact table, so such values never form a group; this module finds them
//! afterwards. For the dimensions held by one table, every combination of their values in that table's
//! possible rows that no present row has becomes a key (the other dimensions NULL, as the outer join
//! gives them). A calculated dimension (an Others group included) is held by the tables that hold all
//! the fields it reads: its value in a row is the value id of those fields' symbols there. With
//! `qShowAll` on a field's dimension, its excluded values are added too. The caller computes those
//! keys' measures over no rows (0 for `Sum` and `Count`, NULL for most others).

use super::calcdim::{is_calculated, CalcDim};
use super::{CubeRow, HyperCubeDef};
use crate::inference::{Inference, State};
use crate::model::{DataModel, FieldId, TableId};
use crate::packed::NULL;
use std::collections::HashSet;
use std::sync::Arc;

/// Dimension symbols of a row, `None` for NULL.
pub(super) type Key = Vec<Option<u32>>;

/// The most zero rows one cube gets: beyond that the chart is not readable anyway.
const MAX_FILL: usize = 1_000_000;

/// The calculated dimension of each dimension (`None` for a field), as `calcdim::resolve` gives them.
pub(super) type Calcs = [Option<Arc<CalcDim>>];

/// Where a dimension's values come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// A field's symbols.
    Field(FieldId),
    /// A calculated dimension's value ids, from the symbols of the fields it reads.
    Calc(&'a CalcDim),
}

impl Source<'_> {
    /// The tables holding the dimension's values: a field's tables; for a calculated dimension, those
    /// holding every field it reads (none when it reads no field: a constant has no zero rows).
    fn tables(&self, model: &DataModel) -> Vec<TableId> {
        match self {
            Source::Field(f) => model.fields[*f].tables.clone(),
            Source::Calc(c) => match c.fields.split_first() {
                None => Vec::new(),
                Some((first, rest)) => model.fields[*first]
                    .tables
                    .iter()
                    .copied()
                    .filter(|t| rest.iter().all(|f| model.fields[*f].tables.contains(t)))
                    .collect(),
            },
        }
    }
}

/// The keys to add to a cube whose rows have the keys `present`. `scanned` is the table the scan ran
/// over (all its possible rows are present already); `calcs` are the cube's calculated dimensions.
/// Nothing when the definition does not ask for zero rows.
pub(super) fn missing_keys(
    model: &DataModel,
    inference: &Inference,
    def: &HyperCubeDef,
    calcs: &Calcs,
    present: &[Key],
    scanned: Option<TableId>,
) -> Vec<Key> {
    let Some(sources) = sources(model, def, calcs) else {
        return Vec::new();
    };
    let mut seen: HashSet<Key> = present.iter().cloned().collect();
    let mut out = Vec::new();
    let mut groups = table_groups(model, &sources);
    // Tables with more of the dimensions first: a value they give a row needs none of its own.
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    for (table, dims) in groups {
        // Every possible row of the scanned table is in some group already.
        if Some(table) == scanned {
            continue;
        }
        let have: HashSet<Key> = seen.iter().map(|k| project(k, &dims)).collect();
        for combo in combos(model, inference, table, &dims, &sources) {
            if out.len() >= MAX_FILL {
                return out;
            }
            if have.contains(&combo) {
                continue;
            }
            let key = widen(&combo, &dims, sources.len());
            if seen.insert(key.clone()) {
                out.push(key);
            }
        }
    }
    show_all(model, def, &sources, &mut seen, &mut out);
    out
}

/// The table a scan of these measures starts from, as planning picks it: the largest one holding a
/// measure's field (its possible rows are all in the cube's groups).
pub(super) fn measure_base(model: &DataModel, measures: &[qix_expr::Expr]) -> Option<TableId> {
    let names = measures.iter().flat_map(qix_expr::field_names);
    let tables = names
        .filter_map(|n| model.field_id(&n))
        .flat_map(|f| model.fields[f].tables.iter().copied());
    tables.max_by_key(|t| model.tables[*t].rows)
}

/// Whether [`missing_keys`] can find anything: the definition asks for zero rows and some dimension is
/// in a table besides the scanned one, or shows all its values. (Cheap: the caller skips decoding its
/// groups' keys otherwise.)
pub(super) fn wanted(
    model: &DataModel,
    def: &HyperCubeDef,
    calcs: &Calcs,
    scanned: Option<TableId>,
) -> bool {
    let Some(sources) = sources(model, def, calcs) else {
        return false;
    };
    let show_all = def.dim_options.iter().any(|o| o.show_all);
    show_all
        || table_groups(model, &sources)
            .iter()
            .any(|(t, _)| Some(*t) != scanned)
}

/// With `qShowAll`, a row's dimension value may be excluded: its cell says so (`X`).
pub(super) fn mark_excluded(
    model: &DataModel,
    inference: &Inference,
    def: &HyperCubeDef,
    rows: &mut [CubeRow],
) {
    if !def.include_zero || def.suppress_zero {
        return;
    }
    for (di, d) in def.dimensions.iter().enumerate() {
        let shown_all = def.dim_options.get(di).is_some_and(|o| o.show_all);
        let field = model
            .field_id(&d.field)
            .filter(|_| !is_calculated(&d.field));
        let Some(possible) = field
            .filter(|_| shown_all)
            .and_then(|f| inference.possible(model, f))
        else {
            continue;
        };
        for cell in rows.iter_mut().filter_map(|r| r.dims.get_mut(di)) {
            if cell.symbol.is_some_and(|s| !possible.contains(s as usize)) {
                cell.state = State::Excluded;
            }
        }
    }
}

/// Where each dimension's values come from when the cube gets zero rows (`None`: no zero rows).
fn sources<'a>(model: &DataModel, def: &HyperCubeDef, calcs: &'a Calcs) -> Option<Vec<Source<'a>>> {
    if !def.include_zero || def.suppress_zero || def.dimensions.is_empty() {
        return None;
    }
    let calc = |di: usize| calcs.get(di).and_then(Option::as_deref);
    def.dimensions
        .iter()
        .enumerate()
        .map(|(di, d)| match is_calculated(&d.field) {
            true => calc(di).map(Source::Calc),
            false => model.field_id(&d.field).map(Source::Field),
        })
        .collect()
}

/// Per table holding some dimension's values: that table and those dimensions (positions). A key field
/// is in several groups.
fn table_groups(model: &DataModel, sources: &[Source<'_>]) -> Vec<(TableId, Vec<usize>)> {
    let mut groups: Vec<(TableId, Vec<usize>)> = Vec::new();
    for (di, src) in sources.iter().enumerate() {
        for t in src.tables(model) {
            match groups.iter_mut().find(|g| g.0 == t) {
                Some(g) => g.1.push(di),
                None => groups.push((t, vec![di])),
            }
        }
    }
    groups
}

/// The combinations of dimensions `dims` (their values in order) in the possible rows of `table`.
fn combos(
    model: &DataModel,
    inference: &Inference,
    table: TableId,
    dims: &[usize],
    sources: &[Source<'_>],
) -> Vec<Key> {
    if let [one] = dims {
        if let Some(values) = possible_values(model, inference, sources[*one]) {
            return values;
        }
    }
    let t = &model.tables[table];
    let readers: Option<Vec<Reader<'_>>> = dims
        .iter()
        .map(|d| match sources[*d] {
            Source::Field(f) => t.column(f).map(Reader::Field),
            Source::Calc(c) => {
                let cols: Option<Vec<_>> = c.fields.iter().map(|f| t.column(*f)).collect();
                Some(Reader::Calc(c, cols?))
            }
        })
        .collect();
    let Some(readers) = readers else {
        return Vec::new();
    };
    let rows: Box<dyn Iterator<Item = usize>> = match inference.table_rows(table) {
        Some(bits) => Box::new(bits.iter()),
        None => Box::new(0..t.rows),
    };
    let mut distinct: HashSet<Key> = HashSet::new();
    let mut out = Vec::new();
    let mut syms = Vec::new();
    for r in rows {
        let key: Key = readers.iter().map(|rd| rd.read(r, &mut syms)).collect();
        if distinct.insert(key.clone()) {
            out.push(key);
        }
    }
    out
}

/// The values of one dimension in the possible rows, read off its field's possible symbols without
/// reading rows (`None`: a calculated dimension of several fields, whose rows must be read).
fn possible_values(model: &DataModel, inference: &Inference, src: Source<'_>) -> Option<Vec<Key>> {
    let (f, calc) = match src {
        Source::Field(f) => (f, None),
        Source::Calc(c) => match c.fields.as_slice() {
            [f] => (*f, Some(c)),
            _ => return None,
        },
    };
    let symbols: Vec<u32> = match inference.possible(model, f) {
        Some(bits) => bits.iter().map(|s| s as u32).collect(),
        None => (0..model.fields[f].symbols.len() as u32).collect(),
    };
    let Some(calc) = calc else {
        return Some(symbols.into_iter().map(|s| vec![Some(s)]).collect());
    };
    let mut ids: Vec<u32> = symbols
        .into_iter()
        .map(|s| calc.id(&[s]))
        .filter(|id| *id != NULL)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Some(ids.into_iter().map(|id| vec![Some(id)]).collect())
}

/// Reads one dimension's value in a row of a table.
enum Reader<'a> {
    /// A field's column.
    Field(&'a crate::packed::PackedColumn),
    /// A calculated dimension and the columns of the fields it reads.
    Calc(&'a CalcDim, Vec<&'a crate::packed::PackedColumn>),
}

impl Reader<'_> {
    /// The value in row `r` (`None` for NULL); `syms` is scratch space.
    fn read(&self, r: usize, syms: &mut Vec<u32>) -> Option<u32> {
        let v = match self {
            Reader::Field(c) => c.get(r),
            Reader::Calc(calc, cols) => {
                syms.clear();
                syms.extend(cols.iter().map(|c| c.get(r)));
                calc.id(syms)
            }
        };
        Some(v).filter(|v| *v != NULL)
    }
}

/// `key` reduced to the dimensions `dims`.
fn project(key: &Key, dims: &[usize]) -> Key {
    dims.iter()
        .map(|d| key.get(*d).copied().flatten())
        .collect()
}

/// A full key from the values of dimensions `dims`, the others NULL.
fn widen(combo: &Key, dims: &[usize], width: usize) -> Key {
    let mut key = vec![None; width];
    for (v, d) in combo.iter().zip(dims) {
        key[*d] = *v;
    }
    key
}

/// `qShowAll`: every value of the dimension's field that no row has yet gets one (fields only: a
/// calculated dimension's values have no excluded state).
fn show_all(
    model: &DataModel,
    def: &HyperCubeDef,
    sources: &[Source<'_>],
    seen: &mut HashSet<Key>,
    out: &mut Vec<Key>,
) {
    for (di, src) in sources.iter().enumerate() {
        let Source::Field(f) = src else { continue };
        if !def.dim_options.get(di).is_some_and(|o| o.show_all) {
            continue;
        }
        let have: HashSet<Option<u32>> = seen.iter().map(|k| k[di]).collect();
        for s in 0..model.fields[*f].symbols.len() as u32 {
            if out.len() >= MAX_FILL {
                return;
            }
            if !have.contains(&Some(s)) {
                let key = widen(&vec![Some(s)], &[di], sources.len());
                seen.insert(key.clone());
                out.push(key);
            }
        }
    }
}
