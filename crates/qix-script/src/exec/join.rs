//! How loaded rows combine with a table the script has: CONCATENATE (rows appended, fields matched by
//! name), JOIN (a natural join on the fields both have) and KEEP (both tables reduced to the rows that
//! match).

use super::cells::cell_key;
use super::tables::Table;
use super::Cell;
use crate::ast::JoinKind;
use crate::sources::{self, Check, RawTable};
use std::collections::{HashMap, HashSet};

/// Appends rows, matching fields by name; missing fields are NULL, new fields are added.
pub(super) fn append(t: &mut Table, data: RawTable) {
    let mut map = Vec::new();
    for f in &data.fields {
        let idx = match t.fields.iter().position(|x| x == f) {
            Some(i) => i,
            None => {
                t.fields.push(f.clone());
                for r in &mut t.rows {
                    r.push(None);
                }
                t.fields.len() - 1
            }
        };
        map.push(idx);
    }
    let width = t.fields.len();
    for r in data.rows {
        let mut out = vec![None; width];
        for (c, v) in map.iter().zip(r) {
            out[*c] = v;
        }
        t.rows.push(out);
    }
}

/// Column pairs (index in `t`, index in `data`) of the fields both tables have.
fn common_fields(t: &[String], data: &[String]) -> Vec<(usize, usize)> {
    t.iter()
        .enumerate()
        .filter_map(|(i, f)| data.iter().position(|g| g == f).map(|j| (i, j)))
        .collect()
}

/// The key of a row over some of its columns, for matching rows of two tables.
fn row_key(row: &[Cell], cols: impl Iterator<Item = usize>) -> String {
    cols.map(|c| row.get(c).map_or_else(|| cell_key(&None), cell_key))
        .collect::<Vec<_>>()
        .join("\u{1e}")
}

/// Natural join on the fields both have (a cross join when none). The rows it would make are counted
/// first and put to `check` (with the bytes of `data` and of the rows to make): a join may multiply rows.
/// Answers how many rows the table has now.
pub(super) fn join(
    t: &mut Table,
    data: RawTable,
    kind: JoinKind,
    check: &mut Check<'_>,
) -> Result<usize, String> {
    let common = common_fields(&t.fields, &data.fields);
    let extra: Vec<usize> = (0..data.fields.len())
        .filter(|j| !common.iter().any(|c| c.1 == *j))
        .collect();
    let key_t = |r: &Vec<Cell>| row_key(r, common.iter().map(|c| c.0));
    let key_d = |r: &Vec<Cell>| row_key(r, common.iter().map(|c| c.1));
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (k, r) in data.rows.iter().enumerate() {
        index.entry(key_d(r)).or_default().push(k);
    }
    let matches: Vec<Option<&Vec<usize>>> = t.rows.iter().map(|r| index.get(&key_t(r))).collect();
    let mut used = vec![false; data.rows.len()];
    let mut count = 0usize;
    for m in &matches {
        match m {
            Some(ms) => {
                count = count.saturating_add(ms.len());
                for &k in ms.iter() {
                    used[k] = true;
                }
            }
            None if matches!(kind, JoinKind::Left | JoinKind::Outer) => count += 1,
            None => {}
        }
    }
    if matches!(kind, JoinKind::Right | JoinKind::Outer) {
        count += used.iter().filter(|u| !**u).count();
    }
    let average = |rows: &[Vec<Cell>]| sources::rows_bytes(rows) / rows.len().max(1);
    let data_bytes = sources::rows_bytes(&data.rows);
    let per_row = average(&t.rows) + average(&data.rows);
    check(
        count,
        data_bytes.saturating_add(count.saturating_mul(per_row)),
    )?;
    let cell = |r: &[Cell], j: usize| r.get(j).cloned().flatten();
    let mut rows = Vec::with_capacity(count);
    for (r, m) in t.rows.iter().zip(&matches) {
        match m {
            Some(ms) => {
                for &k in ms.iter() {
                    let mut out = r.clone();
                    out.extend(extra.iter().map(|j| cell(&data.rows[k], *j)));
                    rows.push(out);
                }
            }
            None if matches!(kind, JoinKind::Left | JoinKind::Outer) => {
                let mut out = r.clone();
                out.extend(extra.iter().map(|_| None));
                rows.push(out);
            }
            None => {}
        }
    }
    if matches!(kind, JoinKind::Right | JoinKind::Outer) {
        for (k, r) in data.rows.iter().enumerate() {
            if !used[k] {
                let mut out = vec![None; t.fields.len()];
                for (i, j) in &common {
                    out[*i] = cell(r, *j);
                }
                out.extend(extra.iter().map(|j| cell(r, *j)));
                rows.push(out);
            }
        }
    }
    t.fields
        .extend(extra.iter().map(|j| data.fields[*j].clone()));
    t.rows = rows;
    Ok(count)
}

/// KEEP: both tables stay, each reduced to the rows the join kind keeps.
pub(super) fn keep(t: &mut Table, data: RawTable, kind: JoinKind) -> Table {
    let common = common_fields(&t.fields, &data.fields);
    let kt: HashSet<String> = t
        .rows
        .iter()
        .map(|r| row_key(r, common.iter().map(|c| c.0)))
        .collect();
    let kd: HashSet<String> = data
        .rows
        .iter()
        .map(|r| row_key(r, common.iter().map(|c| c.1)))
        .collect();
    let mut new_rows = data.rows;
    if matches!(kind, JoinKind::Left | JoinKind::Inner) {
        new_rows.retain(|r| kt.contains(&row_key(r, common.iter().map(|c| c.1))));
    }
    if matches!(kind, JoinKind::Right | JoinKind::Inner) {
        t.rows
            .retain(|r| kd.contains(&row_key(r, common.iter().map(|c| c.0))));
    }
    // The caller names the new table (its label, or the source's name).
    Table {
        name: String::new(),
        fields: data.fields,
        rows: new_rows,
        cols: None,
    }
}
