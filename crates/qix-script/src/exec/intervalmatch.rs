//! The INTERVALMATCH prefix: `IntervalMatch(F) LOAD low, high ...` makes a table linking each interval
//! to the values of the existing field `F` that fall in it (both ends included); with keys,
//! `IntervalMatch(F, K1, K2) LOAD low, high, K1, K2 ...` matches only the values that come with the
//! interval's key values in a table that has `F` and the keys. The table's fields: the LOAD's fields,
//! then `F`.

use super::cells::{cell_key, to_value};
use super::{Cell, Exec};
use crate::error::ScriptError;
use crate::sources::{self, RawTable};
use std::collections::HashSet;

impl Exec<'_> {
    /// `data` (the LOAD's rows: low, high, then the keys) matched against field `names[0]` with keys
    /// `names[1..]` (statement `i`).
    pub(super) fn intervalmatch(
        &mut self,
        names: &[String],
        i: usize,
        data: RawTable,
    ) -> Result<RawTable, ScriptError> {
        let keys = &names[1..];
        if data.fields.len() < 2 + keys.len() {
            return Err(self.err(
                i,
                "an INTERVALMATCH LOAD reads the interval's low and high ends, then its keys",
            ));
        }
        let values = self.match_values(names);
        let budget = self.budget();
        let mut made_bytes = 0u64;
        let mut rows = Vec::new();
        for row in &data.rows {
            let (Some(low), Some(high)) = (num(&row[0]), num(&row[1])) else {
                continue;
            };
            let key: Vec<String> = row[2..2 + keys.len()].iter().map(cell_key).collect();
            for (v_keys, v) in &values {
                let inside = num(v).is_some_and(|x| low <= x && x <= high);
                if inside && *v_keys == key {
                    let mut out = row.clone();
                    out.push(v.clone());
                    made_bytes = made_bytes.saturating_add(sources::row_bytes(&out) as u64);
                    rows.push(out);
                    budget
                        .check(rows.len() as u64, made_bytes)
                        .map_err(|m| self.err(i, &m))?;
                }
            }
        }
        let mut fields = data.fields;
        fields.push(names[0].clone());
        Ok(RawTable { fields, rows })
    }

    /// The distinct (key values, value) of the match field over the tables that have it and the keys.
    fn match_values(&self, names: &[String]) -> Vec<(Vec<String>, Cell)> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for t in &self.tables {
            let cols: Option<Vec<usize>> = names
                .iter()
                .map(|n| t.fields.iter().position(|f| f == n))
                .collect();
            let Some(cols) = cols else {
                continue;
            };
            for r in 0..t.len() {
                let v = t.body.cell(r, cols[0]);
                let key: Vec<String> = cols[1..]
                    .iter()
                    .map(|&c| cell_key(&t.body.cell(r, c)))
                    .collect();
                if v.is_some() && seen.insert((key.clone(), cell_key(&v))) {
                    out.push((key, v));
                }
            }
        }
        out
    }
}

fn num(c: &Cell) -> Option<f64> {
    to_value(c).num()
}
