//! Zero rows: the dimension values a straight chart shows with `qSuppressZero` off although no
//! aggregated row has them (Qlik's "Include zero values").
//!
//! Qlik computes a chart over the logical table of the involved tables, a full outer join: a customer
//! with no orders is a row (its order fields NULL), and zero suppression is what hides it. The scans
//! here join outward from the fact table, so such values never form a group; this module finds them
//! afterwards. For the dimensions held by one table, every combination of their values in that table's
//! possible rows that no present row has becomes a key (the other dimensions NULL, as the outer join
//! gives them). With `qShowAll` on a dimension, its excluded values are added too. The caller computes
//! those keys' measures over no rows (0 for `Sum` and `Count`, NULL for most others).

use super::calcdim::is_calculated;
use super::{CubeRow, HyperCubeDef};
use crate::inference::{Inference, State};
use crate::model::{DataModel, FieldId, TableId};
use crate::packed::NULL;
use std::collections::HashSet;

/// Dimension symbols of a row, `None` for NULL.
pub(super) type Key = Vec<Option<u32>>;

/// The most zero rows one cube gets: beyond that the chart is not readable anyway.
const MAX_FILL: usize = 1_000_000;

/// The keys to add to a cube whose rows have the keys `present`. `scanned` is the table the scan ran
/// over (all its possible rows are present already). Nothing when the definition does not ask for zero
/// rows or has a calculated dimension (its values have no table).
pub(super) fn missing_keys(
    model: &DataModel,
    inference: &Inference,
    def: &HyperCubeDef,
    present: &[Key],
    scanned: Option<TableId>,
) -> Vec<Key> {
    let Some(fields) = fill_fields(model, def) else {
        return Vec::new();
    };
    let mut seen: HashSet<Key> = present.iter().cloned().collect();
    let mut out = Vec::new();
    let mut groups = table_groups(model, &fields);
    // Tables with more of the dimensions first: a value they give a row needs none of its own.
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    for (table, dims) in groups {
        // Every possible row of the scanned table is in some group already.
        if Some(table) == scanned {
            continue;
        }
        let have: HashSet<Key> = seen.iter().map(|k| project(k, &dims)).collect();
        for combo in combos(model, inference, table, &dims, &fields) {
            if out.len() >= MAX_FILL {
                return out;
            }
            if have.contains(&combo) {
                continue;
            }
            let key = widen(&combo, &dims, fields.len());
            if seen.insert(key.clone()) {
                out.push(key);
            }
        }
    }
    show_all(model, def, &fields, &mut seen, &mut out);
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
pub(super) fn wanted(model: &DataModel, def: &HyperCubeDef, scanned: Option<TableId>) -> bool {
    let Some(fields) = fill_fields(model, def) else {
        return false;
    };
    let show_all = def.dim_options.iter().any(|o| o.show_all);
    show_all
        || table_groups(model, &fields)
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
    let Some(fields) = fill_fields(model, def) else {
        return;
    };
    for (di, f) in fields.iter().enumerate() {
        if !def.dim_options.get(di).is_some_and(|o| o.show_all) {
            continue;
        }
        let Some(possible) = inference.possible(model, *f) else {
            continue;
        };
        for cell in rows.iter_mut().filter_map(|r| r.dims.get_mut(di)) {
            if cell.symbol.is_some_and(|s| !possible.contains(s as usize)) {
                cell.state = State::Excluded;
            }
        }
    }
}

/// The field of each dimension when the cube gets zero rows.
fn fill_fields(model: &DataModel, def: &HyperCubeDef) -> Option<Vec<FieldId>> {
    if !def.include_zero || def.suppress_zero || def.dimensions.is_empty() {
        return None;
    }
    def.dimensions
        .iter()
        .map(|d| match is_calculated(&d.field) {
            true => None,
            false => model.field_id(&d.field),
        })
        .collect()
}

/// Per table holding some dimension's field: that table and those dimensions (positions). A key field
/// is in several groups.
fn table_groups(model: &DataModel, fields: &[FieldId]) -> Vec<(TableId, Vec<usize>)> {
    let mut groups: Vec<(TableId, Vec<usize>)> = Vec::new();
    for (di, f) in fields.iter().enumerate() {
        for &t in &model.fields[*f].tables {
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
    fields: &[FieldId],
) -> Vec<Key> {
    if let [one] = dims {
        // One dimension: its possible values, without reading rows.
        let f = fields[*one];
        let n = model.fields[f].symbols.len();
        return match inference.possible(model, f) {
            Some(bits) => bits.iter().map(|s| vec![Some(s as u32)]).collect(),
            None => (0..n as u32).map(|s| vec![Some(s)]).collect(),
        };
    }
    let t = &model.tables[table];
    let cols: Vec<_> = dims.iter().filter_map(|d| t.column(fields[*d])).collect();
    if cols.len() != dims.len() {
        return Vec::new();
    }
    let rows: Box<dyn Iterator<Item = usize>> = match inference.table_rows(table) {
        Some(bits) => Box::new(bits.iter()),
        None => Box::new(0..t.rows),
    };
    let mut distinct: HashSet<Key> = HashSet::new();
    let mut out = Vec::new();
    for r in rows {
        let key: Key = cols
            .iter()
            .map(|c| Some(c.get(r)).filter(|s| *s != NULL))
            .collect();
        if distinct.insert(key.clone()) {
            out.push(key);
        }
    }
    out
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

/// `qShowAll`: every value of the dimension's field that no row has yet gets one.
fn show_all(
    model: &DataModel,
    def: &HyperCubeDef,
    fields: &[FieldId],
    seen: &mut HashSet<Key>,
    out: &mut Vec<Key>,
) {
    for (di, f) in fields.iter().enumerate() {
        if !def.dim_options.get(di).is_some_and(|o| o.show_all) {
            continue;
        }
        let have: HashSet<Option<u32>> = seen.iter().map(|k| k[di]).collect();
        for s in 0..model.fields[*f].symbols.len() as u32 {
            if out.len() >= MAX_FILL {
                return;
            }
            if !have.contains(&Some(s)) {
                let key = widen(&vec![Some(s)], &[di], fields.len());
                seen.insert(key.clone());
                out.push(key);
            }
        }
    }
}
