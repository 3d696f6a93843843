//! `GetFieldAndColumnSamples`: sample values of fields (their distinct values) or of table columns (the
//! values present in that table), names matched with `*` / `?` wildcards.

use crate::api::Ctx;
use qix_engine::{DataModel, FieldId, Search};
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// `GetFieldAndColumnSamples(qFieldsOrColumnsWithWildcards, qMaxNumberOfValues, qRandSeed)`: one
/// `SampleResult` per field (or table column) a name matches; at most `qMaxNumberOfValues` values each
/// (negative: all), picked at random (the same seed picks the same values).
pub fn samples(ctx: &mut Ctx<'_>, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let max = p
        .get("qMaxNumberOfValues")
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    let seed = p.get("qRandSeed").and_then(Value::as_u64).unwrap_or(0);
    let data = ctx.doc()?.data().clone();
    let m = &data.model;
    let mut out = vec![];
    for wanted in p
        .get("qFieldsOrColumnsWithWildcards")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = wanted
            .get("qFieldName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let table = wanted
            .get("qTableName")
            .and_then(Value::as_str)
            .unwrap_or("");
        for (t, f) in targets(m, table, field) {
            let symbols = present(m, t, f);
            let picked = pick(symbols, usize::try_from(max).ok(), seed);
            let values: Vec<Value> = picked.iter().map(|s| value(m, f, *s)).collect();
            let table_name = t.map_or(String::new(), |t| m.tables[t].name.clone());
            out.push(
                json!({"qFieldOrColumn": {"qFieldName": m.fields[f].name, "qTableName": table_name},
                "qValues": values}),
            );
        }
    }
    Ok(json!({"qResult": out}))
}

/// Whether `name` is what `pattern` asks for: a wildcard pattern (case-insensitive), else the same name.
fn name_matches(pattern: &str, name: &str) -> bool {
    if pattern.contains('*') || pattern.contains('?') {
        Search::Wildcard(pattern.to_lowercase().chars().collect())
            .matches(&qix_engine::Dual::text(name))
    } else {
        pattern == name
    }
}

/// The (table, field) pairs a request names: fields alone without a table name, else the matching
/// columns of the matching tables.
fn targets(m: &DataModel, table: &str, field: &str) -> Vec<(Option<usize>, FieldId)> {
    if table.is_empty() {
        return (0..m.fields.len())
            .filter(|f| name_matches(field, &m.fields[*f].name))
            .map(|f| (None, f))
            .collect();
    }
    m.tables
        .iter()
        .enumerate()
        .filter(|(_, t)| name_matches(table, &t.name))
        .flat_map(|(t, tab)| {
            tab.columns
                .iter()
                .filter(|c| name_matches(field, &m.fields[c.field].name))
                .map(move |c| (Some(t), c.field))
        })
        .collect()
}

/// The symbols of field `f` (in table `t` only, when given), in load order.
fn present(m: &DataModel, t: Option<usize>, f: FieldId) -> Vec<u32> {
    let n = m.fields[f].symbols.len();
    match t.and_then(|t| m.tables[t].column(f)) {
        Some(col) => qix_engine::scan::symbols_in(col, None, n)
            .iter()
            .map(|s| s as u32)
            .collect(),
        None => (0..n as u32).collect(),
    }
}

/// Up to `max` of `symbols` (all when `None` or when there are no more), chosen by a generator seeded
/// with `seed`, kept in load order.
fn pick(mut symbols: Vec<u32>, max: Option<usize>, seed: u64) -> Vec<u32> {
    let Some(max) = max.filter(|m| *m < symbols.len()) else {
        return symbols;
    };
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    for i in 0..max {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = i + (state % (symbols.len() - i) as u64) as usize;
        symbols.swap(i, j);
    }
    symbols.truncate(max);
    symbols.sort_unstable();
    symbols
}

/// A `FieldValue`.
fn value(m: &DataModel, f: FieldId, s: u32) -> Value {
    let v = m.fields[f].symbols.get(s);
    match v.num {
        Some(n) => json!({"qText": v.text, "qIsNumeric": true, "qNumber": n}),
        None => json!({"qText": v.text, "qIsNumeric": false}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_distinct_values_by_seed() {
        let all: Vec<u32> = (0..50).collect();
        let a = pick(all.clone(), Some(5), 7);
        assert_eq!(a.len(), 5);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, pick(all.clone(), Some(5), 7));
        assert_ne!(a, pick(all.clone(), Some(5), 8));
        assert_eq!(pick(all.clone(), None, 1), all);
        assert_eq!(pick(vec![3, 4], Some(9), 1), [3, 4]);
    }

    #[test]
    fn names_by_wildcard_or_exactly() {
        assert!(name_matches("Cou*", "Country"));
        assert!(name_matches("?ity", "City"));
        assert!(!name_matches("city", "City"));
        assert!(name_matches("City", "City"));
    }
}
