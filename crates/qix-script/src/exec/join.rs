//! How loaded rows combine with a table the script has: CONCATENATE (rows appended, fields matched by
//! name), JOIN (a natural join on the fields both have) and KEEP (both tables reduced to the rows that
//! match).

use super::columns::{concat, gather, nulls};
use super::tables::{Body, Columns, Data, Table};
use crate::ast::JoinKind;
use crate::sources::{Check, SymbolColumn, NULL_INDEX};
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

/// Natural join on the fields both have (a cross join when none: every row matches every row), on
/// columns. The rows it would make are counted first and put to `check`: a join may multiply rows.
/// Answers how many rows the table has now.
pub(super) fn join(
    t: &mut Table,
    data: Data,
    kind: JoinKind,
    check: &mut Check<'_>,
) -> Result<usize, String> {
    let (fields, cols) = data.into_columns();
    join_columns(t, &fields, &cols, kind, check)
}

/// KEEP: both tables stay, each reduced to the rows the join kind keeps (LEFT: `data`'s rows whose key
/// `t` has; RIGHT: `t`'s rows whose key `data` has; INNER: both). Works on columns: keys are compared
/// as symbols of `data`'s key fields.
pub(super) fn keep(t: &mut Table, data: Data, kind: JoinKind) -> Table {
    let (fields, cols) = data.into_columns();
    let common = common_fields(&t.fields, &fields);
    let n = t.len();
    let own = t.take_columns();
    let d_rows = cols.first().map_or(0, |c| c.len());
    let keys = DataKeys::new(&cols, &common.iter().map(|c| c.1).collect::<Vec<_>>());
    let maps = key_maps(&own, &cols, &common);
    let t_keys: Vec<Vec<u32>> = (0..n)
        .map(|r| {
            common
                .iter()
                .zip(&maps)
                .map(|(&(i, _), m)| m[key_symbol(&own[i], r) as usize])
                .collect()
        })
        .collect();
    let kept_t: Vec<usize> = match kind {
        JoinKind::Right | JoinKind::Inner => (0..n).filter(|&r| keys.has(&t_keys[r])).collect(),
        _ => (0..n).collect(),
    };
    let in_t: HashSet<&Vec<u32>> = t_keys.iter().collect();
    let mut key = Vec::with_capacity(common.len());
    let kept_d: Vec<usize> = (0..d_rows)
        .filter(|&r| {
            if !matches!(kind, JoinKind::Left | JoinKind::Inner) {
                return true;
            }
            key.clear();
            key.extend(common.iter().map(|&(_, j)| key_symbol(&cols[j], r)));
            in_t.contains(&key)
        })
        .collect();
    let reduce = |cols: Columns, kept: &[usize], all: usize| -> Columns {
        if kept.len() == all {
            return cols;
        }
        cols.iter()
            .map(|c| Arc::new(gather(c, kept.iter().map(|&r| Some(r)), kept.len())))
            .collect()
    };
    let kept_n = kept_t.len();
    t.set_columns(reduce(own, &kept_t, n), kept_n);
    // The caller names the new table (its label, or the source's name).
    Table::new(
        String::new(),
        Data {
            fields,
            body: Body::Cols(reduce(cols, &kept_d, d_rows), kept_d.len()),
        },
    )
}

/// No row of `data` matches.
const NO_MATCH: u32 = u32::MAX;

/// Row `r`'s symbol in `col`, NULL as one past the last symbol.
fn key_symbol(col: &SymbolColumn, r: usize) -> u32 {
    match col.index.get(r) {
        NULL_INDEX => col.values.len() as u32,
        s => s,
    }
}

/// `data`'s rows by key (their symbols in the common fields, NULL as one past the last symbol): the
/// first and last row of each key — by symbol for one key field, hashed for several — and per row the
/// next one with the same key ([`NO_MATCH`] ends the chain).
struct DataKeys {
    ends: Ends,
    next: Vec<u32>,
}

/// The first and last row of each key.
enum Ends {
    /// One key field: by its symbol (`NO_MATCH` when no row has it).
    Dense(Vec<(u32, u32)>),
    /// Several key fields: by their symbols.
    Hashed(HashMap<Vec<u32>, (u32, u32)>),
}

impl DataKeys {
    fn new(cols: &Columns, keys: &[usize]) -> DataKeys {
        let rows = cols.first().map_or(0, |c| c.len());
        let mut next = vec![NO_MATCH; rows];
        let mut chain = |ends: &mut (u32, u32), r: u32| {
            if ends.0 == NO_MATCH {
                *ends = (r, r);
            } else {
                next[ends.1 as usize] = r;
                ends.1 = r;
            }
        };
        let ends = match keys {
            [k] => {
                let col = &cols[*k];
                let mut dense = vec![(NO_MATCH, NO_MATCH); col.values.len() + 1];
                for r in 0..rows as u32 {
                    chain(&mut dense[key_symbol(col, r as usize) as usize], r);
                }
                Ends::Dense(dense)
            }
            _ => {
                let mut hashed: HashMap<Vec<u32>, (u32, u32)> = HashMap::new();
                for r in 0..rows as u32 {
                    let key: Vec<u32> = keys
                        .iter()
                        .map(|&j| key_symbol(&cols[j], r as usize))
                        .collect();
                    chain(hashed.entry(key).or_insert((NO_MATCH, NO_MATCH)), r);
                }
                Ends::Hashed(hashed)
            }
        };
        DataKeys { ends, next }
    }

    /// Whether some row of `data` has `key`.
    fn has(&self, key: &[u32]) -> bool {
        self.first(key) != NO_MATCH
    }

    /// The first row of `data` with `key`.
    fn first(&self, key: &[u32]) -> u32 {
        match &self.ends {
            Ends::Dense(d) => key
                .first()
                .and_then(|&s| d.get(s as usize))
                .map_or(NO_MATCH, |e| e.0),
            Ends::Hashed(h) => h.get(key).map_or(NO_MATCH, |e| e.0),
        }
    }

    /// The rows of `data` with `key`, in order.
    fn rows<'a>(&'a self, key: &[u32]) -> impl Iterator<Item = u32> + 'a {
        let mut at = self.first(key);
        std::iter::from_fn(move || {
            let r = at;
            (r != NO_MATCH).then(|| {
                at = self.next[r as usize];
                r
            })
        })
    }
}

/// The join on columns: per row of `t` the matching rows of `data` are found through `data`'s keys
/// (with no common field, the one empty key: every row); the joined table's columns are gathered from
/// both tables' rows.
fn join_columns(
    t: &mut Table,
    fields: &[String],
    cols: &Columns,
    kind: JoinKind,
    check: &mut Check<'_>,
) -> Result<usize, String> {
    let common = common_fields(&t.fields, fields);
    let keys = DataKeys::new(cols, &common.iter().map(|c| c.1).collect::<Vec<_>>());
    let n = t.len();
    let own = t.take_columns();
    let maps = key_maps(&own, cols, &common);
    let rows = match_rows(&own, &common, &maps, &keys, kind, n);
    let count = rows.len();
    let width = own.len() + fields.len() - common.len();
    if let Err(e) = check(count, count.saturating_mul(width * 4)) {
        t.set_columns(own, n);
        return Err(e);
    }
    let out = joined_columns(&own, cols, &common, &rows);
    t.fields.extend(
        (0..fields.len())
            .filter(|j| !common.iter().any(|c| c.1 == *j))
            .map(|j| fields[j].clone()),
    );
    t.set_columns(out, count);
    Ok(count)
}

/// Per common field, each symbol of `t`'s column as the symbol of `data`'s (`u32::MAX`: `data` lacks
/// the value), and NULL (one past the last symbol) as `data`'s NULL.
fn key_maps(own: &Columns, cols: &Columns, common: &[(usize, usize)]) -> Vec<Vec<u32>> {
    common
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
        .collect()
}

/// The rows the join makes: per row of `t` its matches in `data` (or one unmatched row for LEFT and
/// OUTER), then for RIGHT and OUTER the rows of `data` nothing matched.
fn match_rows(
    own: &Columns,
    common: &[(usize, usize)],
    maps: &[Vec<u32>],
    keys: &DataKeys,
    kind: JoinKind,
    n: usize,
) -> JoinRows {
    let outer_t = matches!(kind, JoinKind::Left | JoinKind::Outer);
    let mut rows = JoinRows {
        t_pick: None,
        d_pick: Vec::with_capacity(n),
        unmatched: Vec::new(),
        n,
    };
    let mut used = vec![false; keys.next.len()];
    let mut key = Vec::with_capacity(common.len());
    for r in 0..n {
        key.clear();
        for (&(i, _), m) in common.iter().zip(maps) {
            key.push(m[key_symbol(&own[i], r) as usize]);
        }
        let before = rows.d_pick.len();
        for k in keys.rows(&key) {
            used[k as usize] = true;
            rows.push(r, k);
        }
        if rows.d_pick.len() == before && outer_t {
            rows.push(r, NO_MATCH);
        }
    }
    if matches!(kind, JoinKind::Right | JoinKind::Outer) {
        rows.unmatched = (0..used.len()).filter(|&k| !used[k]).collect();
    }
    rows
}

/// The rows a join on columns makes: rows of `t` (`t_pick`; `None` while they are `t`'s rows in order,
/// one each) with their row of `data` (`d_pick`, [`NO_MATCH`] for none), then `data`'s unmatched rows.
struct JoinRows {
    t_pick: Option<Vec<u32>>,
    d_pick: Vec<u32>,
    unmatched: Vec<usize>,
    n: usize,
}

impl JoinRows {
    /// Adds a row joining `t`'s row `r` with `data`'s row `k`.
    fn push(&mut self, r: usize, k: u32) {
        let made = self.d_pick.len();
        if self.t_pick.is_none() && made != r {
            // The first row that is not `t`'s next one: from here on the picks are listed.
            self.t_pick = Some((0..made as u32).collect());
        }
        if let Some(p) = &mut self.t_pick {
            p.push(r as u32);
        }
        self.d_pick.push(k);
    }

    /// Whether the rows are exactly `t`'s, in order.
    fn all_of_t(&self) -> bool {
        self.t_pick.is_none() && self.d_pick.len() == self.n
    }

    /// `t`'s rows.
    fn kept(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        match &self.t_pick {
            Some(k) => Box::new(k.iter().map(|&r| r as usize)),
            None => Box::new(0..self.d_pick.len()),
        }
    }

    /// How many rows come from `t`.
    fn kept_len(&self) -> usize {
        self.d_pick.len()
    }

    /// All rows.
    fn len(&self) -> usize {
        self.d_pick.len() + self.unmatched.len()
    }
}

/// The columns of a join on columns: `t`'s kept rows (with the matched row of `data` for `data`'s
/// other fields), then `data`'s unmatched rows (with `t`'s other fields NULL).
fn joined_columns(
    own: &Columns,
    cols: &Columns,
    common: &[(usize, usize)],
    rows: &JoinRows,
) -> Columns {
    let unmatched = &rows.unmatched;
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
        if rows.all_of_t() && unmatched.is_empty() {
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
        let picks = rows.d_pick.iter().map(|&k| match k {
            NO_MATCH => None,
            k => Some(k as usize),
        });
        let head = gather(col, picks, rows.kept_len());
        out.push(Arc::new(tail(col, head)));
    }
    out
}
