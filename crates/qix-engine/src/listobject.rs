//! List objects: one field's values with their states and frequencies, sorted as a list box shows them.

use crate::bits::Bits;
use crate::dual::cmp_num;
use crate::inference::{field_states_in, infer, Inference, State};
use crate::model::{DataModel, FieldId};
use crate::packed::PackedColumn;
use crate::packed::NULL;
use crate::selection::SelectionState;
use std::cmp::Ordering;

/// Sort criteria, in Qlik's priority order; each is 0 (off), 1 (ascending) or -1 (descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ListSort {
    /// Selected first, then possible, then the rest (`qSortByState`).
    pub by_state: i8,
    /// By frequency (`qSortByFrequency`).
    pub by_frequency: i8,
    /// By number; text after numbers (`qSortByNumeric`).
    pub by_numeric: i8,
    /// By text, case-insensitively (`qSortByAscii`).
    pub by_ascii: i8,
    /// By load order (`qSortByLoadOrder`).
    pub by_load_order: i8,
}

impl ListSort {
    /// A list box's default: state, then text.
    pub fn list_box() -> ListSort {
        ListSort {
            by_state: 1,
            by_ascii: 1,
            by_load_order: 1,
            ..ListSort::default()
        }
    }
}

/// One value of a list object.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    /// Symbol index (`qElemNumber`).
    pub symbol: u32,
    /// Its state.
    pub state: State,
    /// Text.
    pub text: String,
    /// Number, if any.
    pub num: Option<f64>,
    /// Rows (in the field's first table) that hold the value and are possible; counted only when asked
    /// for (a list's `qFrequencyMode`, or a sort by frequency): a count reads every possible row.
    pub frequency: Option<usize>,
}

fn apply(dir: i8, o: Ordering) -> Ordering {
    match dir {
        0 => Ordering::Equal,
        d if d < 0 => o.reverse(),
        _ => o,
    }
}

/// All values of `field` under `state`, sorted by `sort`.
pub fn list_object(
    model: &DataModel,
    state: &SelectionState,
    field: FieldId,
    sort: &ListSort,
) -> Vec<ListRow> {
    list_object_with(model, state, &infer(model, state), field, sort)
}

/// [`list_object`] with the state's inference already made (one inference serves every list and cube of
/// a selection state; see `ResultCache`).
pub fn list_object_with(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    field: FieldId,
    sort: &ListSort,
) -> Vec<ListRow> {
    let infer = |s: &SelectionState| std::sync::Arc::new(infer(model, s));
    list_object_in(model, state, inference, field, sort, true, &infer)
}

/// [`list_object_with`] where other states' inferences (a selected field's alternatives) come from
/// `infer` (a cache), and frequencies are counted only when `frequency` asks for them or the sort needs
/// them.
pub fn list_object_in(
    model: &DataModel,
    state: &SelectionState,
    inference: &Inference,
    field: FieldId,
    sort: &ListSort,
    frequency: bool,
    infer: &dyn Fn(&SelectionState) -> std::sync::Arc<Inference>,
) -> Vec<ListRow> {
    let f = &model.fields[field];
    let states = field_states_in(model, state, field, inference, infer);
    let freq = (frequency || sort.by_frequency != 0).then(|| {
        let mut freq = vec![0usize; f.symbols.len()];
        if let Some(&t) = f.tables.first() {
            if let Some(col) = model.tables[t].column(field) {
                match inference.row_list(t) {
                    Some(list) => count_listed(col, list, &mut freq),
                    None => count_symbols(col, inference.table_rows(t), &mut freq),
                }
            }
        }
        freq
    });
    let out: Vec<ListRow> = (0..f.symbols.len())
        .map(|s| {
            let v = f.symbols.get(s as u32);
            ListRow {
                symbol: s as u32,
                state: states[s],
                text: v.text.clone(),
                num: v.num,
                frequency: freq.as_ref().map(|f| f[s]),
            }
        })
        .collect();
    sorted(out, sort)
}

/// `rows` in `sort`'s order. Texts are lower-cased once per value, not once per comparison.
fn sorted(rows: Vec<ListRow>, sort: &ListSort) -> Vec<ListRow> {
    let lower = |r: &ListRow| match sort.by_ascii {
        0 => String::new(),
        _ => r.text.to_lowercase(),
    };
    let mut keyed: Vec<(String, ListRow)> = rows.into_iter().map(|r| (lower(&r), r)).collect();
    keyed.sort_by(|(la, a), (lb, b)| {
        apply(sort.by_state, a.state.rank().cmp(&b.state.rank()))
            .then_with(|| apply(sort.by_frequency, a.frequency.cmp(&b.frequency)))
            .then_with(|| apply(sort.by_numeric, cmp_num(a.num, b.num)))
            .then_with(|| apply(sort.by_ascii, la.cmp(lb)))
            .then_with(|| apply(sort.by_load_order, a.symbol.cmp(&b.symbol)))
            .then_with(|| a.symbol.cmp(&b.symbol))
    });
    keyed.into_iter().map(|(_, r)| r).collect()
}

/// Adds each symbol's count among the listed `rows` of `col` to `freq`.
fn count_listed(col: &PackedColumn, rows: &[u32], freq: &mut [usize]) {
    col.for_each_listed(rows, |_, s| {
        if let Some(f) = freq.get_mut(s as usize) {
            *f += 1;
        }
    });
}

/// Adds to `freq` how often each symbol stands in `col` on the possible `rows` (all when `None`): over
/// the possible rows themselves when they are few, else a block of the column at a time (never the
/// whole column decoded at once).
fn count_symbols(col: &PackedColumn, rows: Option<&Bits>, freq: &mut [usize]) {
    if let Some(b) = rows.filter(|b| b.count() * 16 < b.len()) {
        for r in b.iter() {
            let s = col.get(r);
            if s != NULL {
                freq[s as usize] += 1;
            }
        }
        return;
    }
    const CHUNK: usize = 64 * 1024;
    let mut buf = vec![0u32; CHUNK.min(col.len())];
    let mut start = 0;
    while start < col.len() {
        let m = CHUNK.min(col.len() - start);
        col.get_range(start, &mut buf[..m]);
        for (j, s) in buf[..m].iter().enumerate() {
            if *s != NULL && rows.is_none_or(|b| b.contains(start + j)) {
                freq[*s as usize] += 1;
            }
        }
        start += m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dual, ModelBuilder};

    #[test]
    fn sorted_by_state_then_text_with_frequencies() {
        let mut b = ModelBuilder::new();
        let t = b.add_table("T", &["name", "group"]).unwrap();
        for (n, g) in [
            ("bob", "1"),
            ("Al", "1"),
            ("cy", "2"),
            ("bob", "2"),
            ("dee", "3"),
        ] {
            b.push_row(t, &[Some(Dual::text(n)), Some(Dual::interpret(g))])
                .unwrap();
        }
        let m = b.build().unwrap();
        let name = m.field_id("name").unwrap();
        let group = m.field_id("group").unwrap();
        let mut st = SelectionState::new();
        st.set(group, vec![1]); // "2"
        let rows = list_object(&m, &st, name, &ListSort::list_box());
        // Through the shared cache: the same rows, computed once per state.
        let cache = crate::ResultCache::new(1 << 20);
        let cached = cache.list_object(&m, &st, name, &ListSort::list_box(), true);
        assert_eq!(*cached, rows);
        let again = cache.list_object(&m, &st, name, &ListSort::list_box(), true);
        assert!(std::sync::Arc::ptr_eq(&cached, &again));
        let other = cache.list_object(
            &m,
            &SelectionState::new(),
            name,
            &ListSort::list_box(),
            true,
        );
        assert!(other.iter().all(|r| r.state.letter() == "O"));
        let shown: Vec<(&str, &str, usize)> = rows
            .iter()
            .map(|r| (r.text.as_str(), r.state.letter(), r.frequency.unwrap_or(0)))
            .collect();
        assert_eq!(
            shown,
            [
                ("bob", "O", 1),
                ("cy", "O", 1),
                ("Al", "X", 0),
                ("dee", "X", 0)
            ]
        );
        let by_num = ListSort {
            by_numeric: -1,
            ..ListSort::default()
        };
        let rows = list_object(&m, &SelectionState::new(), group, &by_num);
        assert_eq!(
            rows.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
            ["3", "2", "1"]
        );
        assert_eq!(rows[2].frequency, Some(2));
    }
}
