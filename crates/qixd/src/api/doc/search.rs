//! The Doc's smart search over data: `SearchResults` (groups of fields and their matching values, paged,
//! with match ranges), `SearchAssociations` (the older shape of the same), `SearchSuggest` (completions of
//! the last term) and `SelectAssociations` (selecting a group's values).

use crate::api::{obj_param, Ctx};
use crate::view::search::{self, Context, SearchRun};
use crate::view::search_json::{
    char_ranges, match_rank, match_type, offset_count, order_page, page, paging, Encoding, DATASET,
    FIELD,
};
use crate::view::select::select_in;
use crate::view::View;
use qix_engine::smart::{Group, GroupItem, Term};
use qix_engine::DataModel;
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// Suggestions `SearchSuggest` returns at most.
const MAX_SUGGESTIONS: usize = 20;

/// What rendering a search's items needs.
struct Render<'a> {
    model: &'a DataModel,
    data: &'a crate::doc::LoadedData,
    terms: &'a [Term],
    enc: Encoding,
    /// `qAttributes` asked for: `qNum`, `qElemNum`.
    attributes: Vec<String>,
}

/// Runs a search on the session's open doc and hands the result to `answer`.
fn with_search<T>(
    ctx: &mut Ctx<'_>,
    p: &Map<String, Value>,
    answer: impl FnOnce(&View<'_>, &Map<String, Value>, SearchRun) -> T,
) -> Result<T, RpcError> {
    let options = obj_param(p, "qOptions");
    let terms = search::terms_param(p);
    let env = ctx.env;
    let doc = ctx.doc()?;
    let view = View::of(env, doc);
    let run = search::run(&view, &options, &terms);
    Ok(answer(&view, &options, run))
}

/// `SearchResults(qOptions, qTerms, qPage)`.
pub fn results(ctx: &mut Ctx<'_>, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let page_def = p.get("qPage").cloned().unwrap_or(json!({}));
    with_search(ctx, p, |view, options, run| {
        let r = Render::new(view, options, &run.terms);
        let groups = page(&run.groups, offset_count(&page_def));
        let first = offset_count(&page_def).0.min(run.groups.len());
        let group_page = paging(page_def.get("qGroupOptions"), "qGroupType", &DATASET);
        let item_page = paging(page_def.get("qGroupItemOptions"), "qGroupItemType", &FIELD);
        let array: Vec<Value> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| r.group(first + i, g, group_page, item_page))
            .collect();
        json!({"qResult": {"qSearchTerms": terms_json(&run.terms), "qTotalNumberOfGroups": run.groups.len(),
            "qSearchGroupArray": array}})
    })
}

fn terms_json(terms: &[Term]) -> Vec<&str> {
    terms.iter().map(|t| t.text.as_str()).collect()
}

impl<'a> Render<'a> {
    fn new(view: &View<'a>, options: &Map<String, Value>, terms: &'a [Term]) -> Render<'a> {
        let attributes = options
            .get("qAttributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect();
        Render {
            model: &view.data.model,
            data: view.data,
            terms,
            enc: Encoding::of(options),
            attributes,
        }
    }

    /// A `SearchGroup` with its page of items.
    fn group(
        &self,
        id: usize,
        g: &Group,
        group_page: (usize, Option<usize>),
        item_page: (usize, Option<usize>),
    ) -> Value {
        let items: Vec<Value> = page(&g.items, group_page)
            .iter()
            .map(|item| self.item(item, item_page))
            .collect();
        json!({"qId": id, "qGroupType": "DatasetType", "qSearchTermsMatched": g.terms,
            "qTotalNumberOfItems": g.items.len(), "qItems": items})
    }

    /// A field's `SearchGroupItem`: its matches best first (the whole value, then from its start, then
    /// alphabetically), paged.
    fn item(&self, item: &GroupItem, item_page: (usize, Option<usize>)) -> Value {
        let mut symbols = item.symbols.clone();
        self.order(item, &mut symbols, item_page);
        let field = &self.model.fields[item.field];
        let matches: Vec<Value> = page(&symbols, item_page)
            .iter()
            .map(|s| self.item_match(item, *s))
            .collect();
        let best = symbols
            .first()
            .zip(item.terms.first())
            .map_or("FieldMatchNone", |(s, t)| {
                match_type(&field.symbols.text(*s), &self.terms[*t])
            });
        json!({"qItemType": "Field", "qTotalNumberOfMatches": item.symbols.len(), "qIdentifier": field.name,
            "qItemMatches": matches, "qSearchTermsMatched": item.terms, "qMatchType": best})
    }

    /// Orders the first page's worth of a field's matches, best first.
    fn order(&self, item: &GroupItem, symbols: &mut [u32], item_page: (usize, Option<usize>)) {
        let index = search::index(self.data, item.field);
        let terms = self.terms;
        order_page(symbols, item_page, |s| {
            let lower = index.lower(s);
            let rank = item
                .terms
                .iter()
                .map(|t| match_rank(lower, &terms[*t]))
                .min()
                .unwrap_or(2);
            (rank, lower, s)
        });
    }

    /// One value's `SearchGroupItemMatch`.
    fn item_match(&self, item: &GroupItem, s: u32) -> Value {
        let symbols = &self.model.fields[item.field].symbols;
        let text = symbols.text(s);
        let attributes: Vec<Value> = self
            .attributes
            .iter()
            .filter_map(|a| match a.as_str() {
                "qNum" => {
                    let n = symbols.num(s);
                    let v = if n.is_nan() {
                        "NaN".to_string()
                    } else {
                        n.to_string()
                    };
                    Some(json!({"qKey": "qNum", "qValue": v}))
                }
                "qElemNum" => Some(json!({"qKey": "qElemNum", "qValue": s.to_string()})),
                _ => None,
            })
            .collect();
        json!({"qText": text, "qRanges": char_ranges(self.terms, &item.terms, &text, self.enc),
            "qAttributes": attributes})
    }
}

/// `SearchAssociations(qOptions, qTerms, qPage)`: the deprecated shape — the fields with matches, their
/// matching values (`qFieldDictionaries`, at most `qMaxNbrFieldMatches` each) and the groups as
/// combinations pointing into them.
pub fn associations(ctx: &mut Ctx<'_>, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let page_def = p.get("qPage").cloned().unwrap_or(json!({}));
    let max_values = page_def
        .get("qMaxNbrFieldMatches")
        .and_then(Value::as_i64)
        .and_then(|n| usize::try_from(n).ok());
    with_search(ctx, p, |view, options, run| {
        let r = Render::new(view, options, &run.terms);
        let (offset, _) = offset_count(&page_def);
        let shown = page(&run.groups, offset_count(&page_def));
        let mut dicts = Dictionaries::default();
        let combos: Vec<Value> = shown
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let matches: Vec<Value> = g
                    .items
                    .iter()
                    .map(|item| dicts.field_match(&r, item, max_values))
                    .collect();
                json!({"qId": offset + i, "qFieldMatches": matches})
            })
            .collect();
        json!({"qResults": {"qFieldNames": dicts.names, "qSearchTerms": terms_json(&run.terms),
            "qFieldDictionaries": dicts.dictionaries, "qSearchTermsMatched": [combos],
            "qTotalSearchResults": run.groups.len()}})
    })
}

/// The fields and values `SearchAssociations` has listed so far.
#[derive(Default)]
struct Dictionaries {
    names: Vec<String>,
    dictionaries: Vec<Value>,
    /// Per listed field, the symbols in its dictionary, in order.
    symbols: Vec<Vec<u32>>,
}

impl Dictionaries {
    /// A `SearchFieldMatch` for `item`, its values added to the field's dictionary.
    fn field_match(
        &mut self,
        r: &Render<'_>,
        item: &GroupItem,
        max_values: Option<usize>,
    ) -> Value {
        let name = &r.model.fields[item.field].name;
        let f = match self.names.iter().position(|n| n == name) {
            Some(f) => f,
            None => {
                self.names.push(name.clone());
                self.dictionaries
                    .push(json!({"qField": self.names.len() - 1, "qResult": []}));
                self.symbols.push(vec![]);
                self.names.len() - 1
            }
        };
        let mut symbols = item.symbols.clone();
        r.order(item, &mut symbols, (0, max_values));
        let shown = page(&symbols, (0, max_values));
        let mut positions = vec![];
        for s in shown {
            let at = match self.symbols[f].iter().position(|x| x == s) {
                Some(at) => at,
                None => {
                    let text = r.model.fields[item.field].symbols.text(*s);
                    let entry = json!({"qText": text, "qElemNumber": s,
                        "qRanges": char_ranges(r.terms, &item.terms, &text, r.enc)});
                    if let Some(list) = self.dictionaries[f]["qResult"].as_array_mut() {
                        list.push(entry);
                    }
                    self.symbols[f].push(*s);
                    self.symbols[f].len() - 1
                }
            };
            positions.push(at);
        }
        json!({"qField": f, "qValues": positions, "qTerms": item.terms, "qNoOfMatches": item.symbols.len()})
    }
}

/// `SearchSuggest(qOptions, qTerms)`: words of the searched values that complete the last term (most
/// frequent first), and the fields any term matched in.
pub fn suggest(ctx: &mut Ctx<'_>, p: &Map<String, Value>) -> Result<Value, RpcError> {
    with_search(ctx, p, |view, options, run| {
        let mut names: Vec<&str> = vec![];
        for m in run.matches.iter().flatten() {
            let name = view.data.model.fields[m.field].name.as_str();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let _ = options;
        let suggestions = completions(view, &run);
        json!({"qResult": {"qSuggestions": suggestions, "qFieldNames": names}})
    })
}

/// The completions of the last term (a word or phrase term), among the values the search may find.
fn completions(view: &View<'_>, run: &SearchRun) -> Vec<Value> {
    let Some((last, term)) = run.terms.iter().enumerate().next_back() else {
        return vec![];
    };
    let qix_engine::Search::Text(prefix) = &term.search else {
        return vec![];
    };
    if prefix.is_empty() {
        return vec![];
    }
    let mut words: std::collections::BTreeMap<String, u32> = Default::default();
    for m in &run.matches[last] {
        let index = search::index(view.data, m.field);
        let keep = |s: u32| m.symbols.binary_search(&s).is_ok();
        for (word, n) in index.words_with_prefix(prefix, keep) {
            *words.entry(word.to_string()).or_default() += n;
        }
    }
    let mut ranked: Vec<(String, u32)> = words.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(w, _)| json!({"qValue": w, "qTerm": last}))
        .collect()
}

/// `SelectAssociations(qOptions, qTerms, qMatchIx)`: selects the values of group `qMatchIx` in each of its
/// fields, from the selections of the search's context (Cleared and LockedFieldsOnly clear the unlocked
/// fields first), as one selection step with the usual change pushes.
pub fn select(ctx: &mut Ctx<'_>, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let ix = p.get("qMatchIx").and_then(Value::as_i64).unwrap_or(-1);
    let (context, group) = with_search(ctx, p, |_, options, run| {
        let group = usize::try_from(ix)
            .ok()
            .and_then(|i| run.groups.get(i).cloned());
        (Context::of(options), group)
    })?;
    let group = group
        .ok_or_else(|| RpcError::invalid_params(format!("qMatchIx {ix}: no such search group")))?;
    select_in(ctx, "$", move |s, _| {
        let mut changed = context != Context::CurrentSelections && s.clear_all();
        for item in group.items {
            changed |= s.set(item.field, item.symbols);
        }
        changed
    })?;
    Ok(json!({}))
}
