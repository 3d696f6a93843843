//! Synthetic keys, as Qlik builds them when the script ends: tables that share more than one field are
//! linked through one composite key instead. For every set of fields two tables share, the tables
//! holding all of them lose those fields for a `$Syn N` field (one value per combination), and a table
//! `$Syn N Table` holds each combination's values with its `$Syn N`. Repeated until no two tables share
//! more than one field (a synthetic key may itself take part in a later one).

use super::cells::cell_key;
use super::tables::{Body, Data, Table};
use super::{Cell, Exec};
use qix_engine::Dual;
use std::collections::HashMap;

impl Exec<'_> {
    /// Replaces every multi-field link between the script's tables with a synthetic key.
    pub(super) fn synthesize_keys(&mut self) {
        let mut n = 0;
        while let Some(shared) = self.first_multi_field_link() {
            n += 1;
            let syn_table = self.synthetic_key(n, &shared);
            self.tables.push(syn_table);
        }
    }

    /// The fields the first pair of tables sharing more than one field share, in the first table's order.
    fn first_multi_field_link(&self) -> Option<Vec<String>> {
        for (a, ta) in self.tables.iter().enumerate() {
            for tb in &self.tables[a + 1..] {
                let shared: Vec<String> = ta
                    .fields
                    .iter()
                    .filter(|f| tb.fields.contains(f))
                    .cloned()
                    .collect();
                if shared.len() > 1 {
                    return Some(shared);
                }
            }
        }
        None
    }

    /// Links the tables holding all of `shared` through `$Syn n`; answers the `$Syn n Table`.
    fn synthetic_key(&mut self, n: usize, shared: &[String]) -> Table {
        let key = format!("$Syn {n}");
        let mut ids: HashMap<Vec<String>, usize> = HashMap::new();
        let mut combos: Vec<Vec<Cell>> = Vec::new();
        for t in &mut self.tables {
            if !shared.iter().all(|f| t.fields.contains(f)) {
                continue;
            }
            let cols: Vec<usize> = shared.iter().filter_map(|f| t.field(f)).collect();
            for row in t.rows_mut().iter_mut() {
                let values: Vec<Cell> = cols.iter().map(|&c| row[c].clone()).collect();
                let k: Vec<String> = values.iter().map(cell_key).collect();
                let next = combos.len();
                let id = *ids.entry(k).or_insert(next);
                if id == next {
                    combos.push(values);
                }
                let mut kept: Vec<Cell> = row
                    .iter()
                    .enumerate()
                    .filter(|(c, _)| !cols.contains(c))
                    .map(|(_, v)| v.clone())
                    .collect();
                kept.push(Some(Dual::number((id + 1) as f64)));
                *row = kept;
            }
            t.fields.retain(|f| !shared.contains(f));
            t.fields.push(key.clone());
            t.compact();
        }
        let mut fields = vec![key];
        fields.extend(shared.iter().cloned());
        let rows = combos
            .into_iter()
            .enumerate()
            .map(|(id, values)| {
                let mut row = vec![Some(Dual::number((id + 1) as f64))];
                row.extend(values);
                row
            })
            .collect();
        Table::new(
            format!("$Syn {n} Table"),
            Data {
                fields,
                body: Body::Rows(rows),
            },
        )
    }
}
