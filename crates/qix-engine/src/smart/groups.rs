//! The groups of a smart search: every way of giving some of the terms a field each (several terms may
//! share a field: its values must match all of them) such that the matching values of the fields are
//! associated — selecting them all together leaves at least one of each possible. A group's values are
//! those that stay possible; the groups with more terms come first.

use crate::inference::Inference;
use crate::model::{DataModel, FieldId};
use crate::selection::SelectionState;
use std::sync::Arc;

/// One term's matching symbols in one field (sorted, none empty).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMatches {
    /// The field.
    pub field: FieldId,
    /// Its symbols that match the term.
    pub symbols: Vec<u32>,
}

/// A field of a group: the terms it matched and the values matching them all that go with the group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupItem {
    /// The field.
    pub field: FieldId,
    /// Indexes of the terms matched in it, ascending.
    pub terms: Vec<usize>,
    /// The matching symbols, sorted.
    pub symbols: Vec<u32>,
}

/// One combination of terms and fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Indexes of the terms the group matched, ascending.
    pub terms: Vec<usize>,
    /// Its fields, in the order of their first term.
    pub items: Vec<GroupItem>,
}

/// At most this many inferences per search: past it, no further groups of several fields are tried (a
/// search of many terms over many fields would otherwise try every combination).
const INFERENCE_BUDGET: usize = 2_000;

/// The groups of a search: `matches[t]` holds term `t`'s matches per field, `base` the selections the
/// search starts from (the context), `infer` runs inference (the caller's cache). At most `limit` groups.
pub fn groups(
    model: &DataModel,
    matches: &[Vec<FieldMatches>],
    base: &SelectionState,
    infer: &dyn Fn(&SelectionState) -> Arc<Inference>,
    limit: usize,
) -> Vec<Group> {
    let mut walk = Walk {
        model,
        matches,
        base,
        infer,
        limit,
        budget: INFERENCE_BUDGET,
        out: vec![],
    };
    walk.term(0, &mut vec![]);
    let mut out = walk.out;
    out.sort_by_key(|g| std::cmp::Reverse(g.terms.len()));
    out
}

/// The depth-first walk over the terms: each is left out or given one of its fields.
struct Walk<'a> {
    model: &'a DataModel,
    matches: &'a [Vec<FieldMatches>],
    base: &'a SelectionState,
    infer: &'a dyn Fn(&SelectionState) -> Arc<Inference>,
    limit: usize,
    budget: usize,
    out: Vec<Group>,
}

impl Walk<'_> {
    fn term(&mut self, t: usize, current: &mut Vec<GroupItem>) {
        if self.out.len() >= self.limit {
            return;
        }
        if t == self.matches.len() {
            if !current.is_empty() {
                let mut terms: Vec<usize> = current.iter().flat_map(|i| i.terms.clone()).collect();
                terms.sort_unstable();
                self.out.push(Group {
                    terms,
                    items: current.clone(),
                });
            }
            return;
        }
        for m in &self.matches[t] {
            let saved = current.clone();
            if self.add(current, t, m) {
                self.term(t + 1, current);
            }
            *current = saved;
        }
        self.term(t + 1, current);
    }

    /// Gives term `t` the field of `m`; false when nothing would go together.
    fn add(&mut self, current: &mut Vec<GroupItem>, t: usize, m: &FieldMatches) -> bool {
        match current.iter_mut().find(|i| i.field == m.field) {
            Some(item) => {
                item.symbols = intersect(&item.symbols, &m.symbols);
                item.terms.push(t);
                if item.symbols.is_empty() {
                    return false;
                }
            }
            None => current.push(GroupItem {
                field: m.field,
                terms: vec![t],
                symbols: m.symbols.clone(),
            }),
        }
        current.len() < 2 || self.associate(current)
    }

    /// Narrows every field's values to those possible with all the group's values selected; false when a
    /// field has none left.
    fn associate(&mut self, current: &mut [GroupItem]) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        let mut state = self.base.clone();
        for item in current.iter() {
            state.set(item.field, item.symbols.clone());
        }
        let inference = (self.infer)(&state);
        for item in current.iter_mut() {
            if let Some(possible) = inference.possible(self.model, item.field) {
                item.symbols.retain(|s| possible.contains(*s as usize));
            }
            if item.symbols.is_empty() {
                return false;
            }
        }
        true
    }
}

/// The symbols in both sorted lists.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j, mut out) = (0, 0, vec![]);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::ModelBuilder;
    use crate::smart::{matching_symbols, Term, TextIndex};
    use crate::Dual;

    /// Country / Sport / City, one row each: (Sweden, Hockey, Stockholm), (Norway, Skiing, Oslo),
    /// (Sweden, Skiing, Are).
    fn model() -> DataModel {
        let mut b = ModelBuilder::new();
        let rows = [
            ["Sweden", "Hockey", "Stockholm"],
            ["Norway", "Skiing", "Oslo"],
            ["Sweden", "Skiing", "Are"],
        ];
        let t = b.add_table("T", &["Country", "Sport", "City"]).unwrap();
        for r in rows {
            let row: Vec<Option<Dual>> = r.iter().map(|v| Some(Dual::interpret(v))).collect();
            b.push_row(t, &row).unwrap();
        }
        b.build().unwrap()
    }

    fn search(m: &DataModel, terms: &[&str]) -> Vec<Group> {
        let matches: Vec<Vec<FieldMatches>> = terms
            .iter()
            .map(|t| {
                let term = Term::parse(t);
                (0..m.fields.len())
                    .filter_map(|f| {
                        let syms = &m.fields[f].symbols;
                        let s = matching_symbols(&TextIndex::build(syms), syms, &term, None);
                        (!s.is_empty()).then_some(FieldMatches {
                            field: f,
                            symbols: s,
                        })
                    })
                    .collect()
            })
            .collect();
        let infer = |s: &SelectionState| Arc::new(crate::infer(m, s));
        groups(m, &matches, &SelectionState::new(), &infer, 100)
    }

    fn texts(m: &DataModel, g: &Group) -> Vec<String> {
        g.items
            .iter()
            .map(|i| {
                let f = &m.fields[i.field];
                let v: Vec<String> = i
                    .symbols
                    .iter()
                    .map(|s| f.symbols.text(*s).into_owned())
                    .collect();
                format!("{}:{}", f.name, v.join("|"))
            })
            .collect()
    }

    #[test]
    fn combinations_that_go_together_come_first() {
        let m = model();
        let g = search(&m, &["swe", "ski"]);
        // Sweden with Skiing (row 3) goes together; each term alone is a group of its own.
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].terms, [0, 1]);
        assert_eq!(texts(&m, &g[0]), ["Country:Sweden", "Sport:Skiing"]);
        assert_eq!(texts(&m, &g[1]), ["Country:Sweden"]);
        assert_eq!(texts(&m, &g[2]), ["Sport:Skiing"]);
    }

    #[test]
    fn values_that_never_meet_make_no_group_and_narrow_the_rest() {
        let m = model();
        // Oslo only goes with Norway: no group pairs "os" with "swe".
        let g = search(&m, &["swe", "os"]);
        assert!(g.iter().all(|g| g.terms.len() == 1));
        // "s" matches Sweden, Skiing and Stockholm; with "hockey" only Sweden / Stockholm stay.
        let g = search(&m, &["s", "hockey"]);
        let pairs: Vec<Vec<String>> = g
            .iter()
            .filter(|g| g.terms.len() == 2)
            .map(|g| texts(&m, g))
            .collect();
        assert_eq!(
            pairs,
            [
                vec!["Country:Sweden".to_string(), "Sport:Hockey".into()],
                vec!["City:Stockholm".to_string(), "Sport:Hockey".into()],
            ]
        );
    }

    #[test]
    fn two_terms_in_one_field_need_values_matching_both() {
        let m = model();
        let g = search(&m, &["sk", "ski"]);
        assert_eq!(texts(&m, &g[0]), ["Sport:Skiing"]);
        assert_eq!(g[0].items[0].terms, [0, 1]);
    }
}
