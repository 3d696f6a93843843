//! How loaded rows combine with a table the script has: CONCATENATE (rows appended, fields matched by
//! name), JOIN (a natural join on the fields both have) and KEEP (both tables reduced to the rows that
//! match).

use super::cells::cell_key;
use super::columns::{concat, gather, nulls};
use super::tables::{Body, Columns, Data, Table};
use super::Cell;
use crate::ast::JoinKind;
use crate::sources::{self, Check, RawTable, SymbolColumn, NULL_INDEX};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Appends records, matching fields by name; missing fields are NULL, new fields are added. Works on
/// columns: each field's values are added to its symbol table, the rows renumbered once.
pub(super) fn append(t: &mut Table, data: Data) {
    let (n_t, n_d) = (t.len(), data.len());
    let (fields, added) = data.into_columns();
    let own = t.fields.clone();
    let mut cols = t.take_columns();
    for (c, f) in own.iter().enumerate() {
        let old = std::mem::take(&mut cols[c]);
        let tail = match fields.iter().position(|g| g == f) {
            Some(j) => concat(Arc::unwrap_or_clone(old), &added[j]),
            None => concat(Arc::unwrap_or_clone(old), &nulls(n_d)),
        };
        cols[c] = Arc::new(tail);
    }
    for (j, f) in fields.iter().enumerate() {
        if !own.contains(f) {
            cols.push(Arc::new(concat(nulls(n_t), &added[j])));
            t.fields.push(f.clone());
        }
    }
    t.set_columns(cols, n_t + n_d);
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
/// Answers how many rows the table has now. A join where each key of `data` is on at most one of its
/// rows (a lookup table, the common case) works on columns; others go row by row.
pub(super) fn join(
    t: &mut Table,
    data: Data,
    kind: JoinKind,
    check: &mut Check<'_>,
) -> Result<usize, String> {
    let (fields, cols) = data.into_columns();
    let rows = cols.first().map_or(0, |c| c.len());
    if let Some(made) = join_columns(t, &fields, &cols, kind, check)? {
        return Ok(made);
    }
    let data = RawTable {
        fields: fields.clone(),
        rows: Body::Cols(cols, rows).into_rows(),
    };
    let made = join_rows(t, data, kind, check);
    t.compact();
    made
}

/// The row-by-row join.
fn join_rows(
    t: &mut Table,
    data: RawTable,
    kind: JoinKind,
    check: &mut Check<'_>,
) -> Result<usize, String> {
    let t_fields = t.fields.clone();
    let t_rows = t.rows_mut();
    let common = common_fields(&t_fields, &data.fields);
    let extra: Vec<usize> = (0..data.fields.len())
        .filter(|j| !common.iter().any(|c| c.1 == *j))
        .collect();
    let key_t = |r: &Vec<Cell>| row_key(r, common.iter().map(|c| c.0));
    let key_d = |r: &Vec<Cell>| row_key(r, common.iter().map(|c| c.1));
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (k, r) in data.rows.iter().enumerate() {
        index.entry(key_d(r)).or_default().push(k);
    }
    let matches: Vec<Option<&Vec<usize>>> = t_rows.iter().map(|r| index.get(&key_t(r))).collect();
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
    let per_row = average(t_rows) + average(&data.rows);
    check(
        count,
        data_bytes.saturating_add(count.saturating_mul(per_row)),
    )?;
    let cell = |r: &[Cell], j: usize| r.get(j).cloned().flatten();
    let mut rows = Vec::with_capacity(count);
    for (r, m) in t_rows.iter().zip(&matches) {
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
                let mut out = vec![None; t_fields.len()];
                for (i, j) in &common {
                    out[*i] = cell(r, *j);
                }
                out.extend(extra.iter().map(|j| cell(r, *j)));
                rows.push(out);
            }
        }
    }
    *t_rows = rows;
    t.fields
        .extend(extra.iter().map(|j| data.fields[*j].clone()));
    Ok(count)
}

/// KEEP: both tables stay, each reduced to the rows the join kind keeps.
pub(super) fn keep(t: &mut Table, data: RawTable, kind: JoinKind) -> Table {
    let common = common_fields(&t.fields, &data.fields);
    let t_rows = t.rows_mut();
    let kt: HashSet<String> = t_rows
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
        t_rows.retain(|r| kd.contains(&row_key(r, common.iter().map(|c| c.0))));
    }
    t.compact();
    // The caller names the new table (its label, or the source's name).
    Table::new(
        String::new(),
        Data {
            fields: data.fields,
            body: Body::Rows(new_rows),
        },
    )
}

/// Per row of `data`, the key: its symbols in the common fields (NULL as one past the last symbol).
/// `None` when two rows have the same key (the join may multiply rows: the row path does it).
fn data_keys(cols: &Columns, keys: &[usize]) -> Option<HashMap<Vec<u32>, u32>> {
    let rows = cols.first().map_or(0, |c| c.len());
    let mut by_key = HashMap::with_capacity(rows);
    for r in 0..rows {
        let key = keys.iter().map(|&j| key_symbol(&cols[j], r)).collect();
        if by_key.insert(key, r as u32).is_some() {
            return None;
        }
    }
    Some(by_key)
}

/// Row `r`'s symbol in `col`, NULL as one past the last symbol.
fn key_symbol(col: &SymbolColumn, r: usize) -> u32 {
    match col.index.get(r) {
        NULL_INDEX => col.values.len() as u32,
        s => s,
    }
}

/// The join on columns, when each key of `data` is on one row; `None` otherwise. `t`'s rows are read
/// once: per distinct key value of `t` the matching row of `data` is found once.
fn join_columns(
    t: &mut Table,
    fields: &[String],
    cols: &Columns,
    kind: JoinKind,
    check: &mut Check<'_>,
) -> Result<Option<usize>, String> {
    let common = common_fields(&t.fields, fields);
    let Some(by_key) = (!common.is_empty())
        .then(|| data_keys(cols, &common.iter().map(|c| c.1).collect::<Vec<_>>()))
        .flatten()
    else {
        return Ok(None);
    };
    let own = t.take_columns();
    let n = own.first().map_or(t.len(), |c| c.len());
    // Per common field, each symbol of t's column as the symbol of data's (absent: no match).
    let maps: Vec<Vec<u32>> = common
        .iter()
        .map(|&(i, j)| {
            let mut m: Vec<u32> = own[i]
                .values
                .iter()
                .map(|v| cols[j].values.find(&v).unwrap_or(u32::MAX))
                .collect();
            m.push(cols[j].values.len() as u32);
            m
        })
        .collect();
    let mut matched = Vec::with_capacity(n);
    let mut key = Vec::with_capacity(common.len());
    for r in 0..n {
        key.clear();
        for (&(i, _), m) in common.iter().zip(&maps) {
            key.push(m[key_symbol(&own[i], r) as usize]);
        }
        matched.push(by_key.get(&key).copied().unwrap_or(NO_MATCH));
    }
    // LEFT and OUTER keep every row of t (`None`: all of them).
    let kept: Option<Vec<u32>> = match kind {
        JoinKind::Left | JoinKind::Outer => None,
        _ => Some(
            (0..n as u32)
                .filter(|&r| matched[r as usize] != NO_MATCH)
                .collect(),
        ),
    };
    let mut used = vec![false; cols.first().map_or(0, |c| c.len())];
    for &k in matched.iter().filter(|&&k| k != NO_MATCH) {
        used[k as usize] = true;
    }
    let unmatched: Vec<usize> = match kind {
        JoinKind::Right | JoinKind::Outer => (0..used.len()).filter(|&k| !used[k]).collect(),
        _ => Vec::new(),
    };
    let count = kept.as_ref().map_or(n, Vec::len) + unmatched.len();
    let width = own.len() + fields.len() - common.len();
    check(count, count.saturating_mul(width * 4))?;
    let rows = JoinRows {
        kept: kept.as_deref(),
        matched: &matched,
        unmatched: &unmatched,
        n,
    };
    let out = joined_columns(&own, cols, &common, &rows);
    t.fields.extend(
        (0..fields.len())
            .filter(|j| !common.iter().any(|c| c.1 == *j))
            .map(|j| fields[j].clone()),
    );
    t.set_columns(out, count);
    Ok(Some(count))
}

/// No row of `data` matches.
const NO_MATCH: u32 = u32::MAX;

/// The rows a join on columns makes: `t`'s kept rows (all of its `n` without a list) with their match
/// in `data`, then `data`'s unmatched rows.
struct JoinRows<'a> {
    kept: Option<&'a [u32]>,
    matched: &'a [u32],
    unmatched: &'a [usize],
    n: usize,
}

impl JoinRows<'_> {
    /// `t`'s kept rows.
    fn kept(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        match self.kept {
            Some(k) => Box::new(k.iter().map(|&r| r as usize)),
            None => Box::new(0..self.n),
        }
    }

    fn kept_len(&self) -> usize {
        self.kept.map_or(self.n, <[u32]>::len)
    }
}

/// The columns of a join on columns: `t`'s kept rows (with the matched row of `data` for `data`'s
/// other fields), then `data`'s unmatched rows (with `t`'s other fields NULL).
fn joined_columns(
    own: &Columns,
    cols: &Columns,
    common: &[(usize, usize)],
    rows: &JoinRows<'_>,
) -> Columns {
    let unmatched = rows.unmatched;
    let tail = |col: &SymbolColumn, head: SymbolColumn| {
        if unmatched.is_empty() {
            head
        } else {
            let rest = gather(col, unmatched.iter().map(|&k| Some(k)), unmatched.len());
            concat(head, &rest)
        }
    };
    let mut out: Columns = Vec::with_capacity(own.len() + cols.len());
    for (i, col) in own.iter().enumerate() {
        if rows.kept.is_none() && unmatched.is_empty() {
            out.push(col.clone());
            continue;
        }
        let head = gather(col, rows.kept().map(Some), rows.kept_len());
        out.push(Arc::new(match common.iter().find(|c| c.0 == i) {
            Some(c) => tail(&cols[c.1], head),
            None if unmatched.is_empty() => head,
            None => concat(head, &nulls(unmatched.len())),
        }));
    }
    for (j, col) in cols.iter().enumerate() {
        if common.iter().any(|c| c.1 == j) {
            continue;
        }
        let picks = rows.kept().map(|r| match rows.matched[r] {
            NO_MATCH => None,
            k => Some(k as usize),
        });
        let head = gather(col, picks, rows.kept_len());
        out.push(Arc::new(tail(col, head)));
    }
    out
}
