//! A smart search over the session's data (`SearchResults`, `SearchAssociations`, `SearchSuggest`,
//! `SelectAssociations` all start here): the options read (`qSearchFields`, `qContext`), the selections
//! the context starts from, each term matched in each field through the field's cached [`TextIndex`], and
//! the engine's groups of associated matches.

use super::View;
use crate::doc::LoadedData;
use crate::sync::Recover;
use qix_engine::smart::{self, FieldMatches, Group, Term, TextIndex};
use qix_engine::{Bits, FieldId, SelectionState};
use serde_json::{Map, Value};
use std::sync::Arc;

/// At most this many groups are worked out per search (`qTotalNumberOfGroups` counts up to it).
const MAX_GROUPS: usize = 10_000;

/// Which selections a search starts from (`qContext`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// As if nothing were selected.
    Cleared,
    /// Only the selections of locked fields count (the default).
    LockedFieldsOnly,
    /// All current selections count: only possible values are found.
    CurrentSelections,
}

impl Context {
    /// `qContext` of `SearchCombinationOptions`: the enum's title, its `CONTEXT_…` name or its number.
    pub fn of(options: &Map<String, Value>) -> Context {
        match options.get("qContext") {
            Some(Value::String(s)) => match s.as_str() {
                "Cleared" | "CONTEXT_CLEARED" => Context::Cleared,
                "CurrentSelections" | "CONTEXT_CURRENT_SELECTIONS" => Context::CurrentSelections,
                _ => Context::LockedFieldsOnly,
            },
            Some(Value::Number(n)) => match n.as_u64() {
                Some(0) => Context::Cleared,
                Some(2) => Context::CurrentSelections,
                _ => Context::LockedFieldsOnly,
            },
            _ => Context::LockedFieldsOnly,
        }
    }

    /// The selections a search in this context starts from, given the session's.
    pub fn base(self, current: &SelectionState) -> SelectionState {
        match self {
            Context::Cleared => SelectionState::new(),
            Context::LockedFieldsOnly => {
                let mut s = current.clone();
                s.clear_all();
                s
            }
            Context::CurrentSelections => current.clone(),
        }
    }
}

/// A search worked out: the terms, the fields searched, each term's matches and the groups.
pub struct SearchRun {
    /// The terms, parsed.
    pub terms: Vec<Term>,
    /// The selections the search started from.
    pub base: SelectionState,
    /// Per term, its matches per field (fields without a match left out).
    pub matches: Vec<Vec<FieldMatches>>,
    /// The groups, best first; a group's `qId` is its position here.
    pub groups: Vec<Group>,
}

/// The terms of a request (`qTerms`).
pub fn terms_param(p: &Map<String, Value>) -> Vec<String> {
    p.get("qTerms")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect()
}

/// Runs a search of `terms` with `options` (`SearchCombinationOptions`) over `view`'s data.
pub fn run(view: &View<'_>, options: &Map<String, Value>, terms: &[String]) -> SearchRun {
    let base = Context::of(options).base(view.state);
    let terms: Vec<Term> = terms.iter().map(|t| Term::parse(t)).collect();
    let matches = term_matches(view, &fields(view, options), &terms, &base);
    let model = &view.data.model;
    let cache = &view.env.cache;
    let infer = |s: &SelectionState| cache.inference(model, s);
    let groups = smart::groups(model, &matches, &base, &infer, MAX_GROUPS);
    SearchRun {
        terms,
        base,
        matches,
        groups,
    }
}

/// The fields to search: `qSearchFields` (names the data lacks are skipped), else every field.
pub fn fields(view: &View<'_>, options: &Map<String, Value>) -> Vec<FieldId> {
    let model = &view.data.model;
    let named: Vec<FieldId> = options
        .get("qSearchFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str().and_then(|n| model.field_id(n)))
        .collect();
    if named.is_empty() && !options.get("qSearchFields").is_some_and(non_empty_array) {
        (0..model.fields.len()).collect()
    } else {
        named
    }
}

fn non_empty_array(v: &Value) -> bool {
    v.as_array().is_some_and(|a| !a.is_empty())
}

/// Each term's matching symbols per field, among the values possible from `base`.
fn term_matches(
    view: &View<'_>,
    fields: &[FieldId],
    terms: &[Term],
    base: &SelectionState,
) -> Vec<Vec<FieldMatches>> {
    let model = &view.data.model;
    let inference = (!base.is_empty()).then(|| view.env.cache.inference(model, base));
    let candidates: Vec<Option<Arc<Bits>>> = fields
        .iter()
        .map(|f| inference.as_ref().and_then(|i| i.possible(model, *f)))
        .collect();
    let indexes: Vec<Arc<TextIndex>> = fields.iter().map(|f| index(view.data, *f)).collect();
    terms
        .iter()
        .map(|term| {
            fields
                .iter()
                .enumerate()
                .filter_map(|(i, f)| {
                    let symbols = &model.fields[*f].symbols;
                    let hits = smart::matching_symbols(
                        &indexes[i],
                        symbols,
                        term,
                        candidates[i].as_deref(),
                    );
                    (!hits.is_empty()).then_some(FieldMatches {
                        field: *f,
                        symbols: hits,
                    })
                })
                .collect()
        })
        .collect()
}

/// The search index of field `f`, built on first use and kept with the data.
pub fn index(data: &LoadedData, f: FieldId) -> Arc<TextIndex> {
    let cached = data.search_index.lock().recover().get(&f).cloned();
    if let Some(i) = cached {
        return i;
    }
    let built = Arc::new(TextIndex::build(&data.model.fields[f].symbols));
    data.search_index
        .lock()
        .recover()
        .entry(f)
        .or_insert(built)
        .clone()
}
