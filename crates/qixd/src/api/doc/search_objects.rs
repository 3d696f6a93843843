//! `Doc.SearchObjects`: the terms searched in the app's objects' titles, subtitles, footnotes and types;
//! objects grouped by the set of terms they matched (more terms first), as `GenericObjectsType` groups of
//! `GenericObject` items.

use crate::api::{obj_param, Ctx};
use crate::view::search::terms_param;
use crate::view::search_json::{
    char_ranges, offset_count, page, paging, Encoding, OBJECT, OBJECTS,
};
use qix_engine::smart::{ranges, Term};
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// Object types SearchObjects never lists (as Qlik's engine).
const SKIPPED: &[&str] = &[
    "slideitem",
    "sheet",
    "story",
    "slide",
    "masterobject",
    "snapshot",
    "LoadModel",
    "appprops",
    "searchhistory",
];

/// The properties searched, as paths.
const SEARCHED: &[&[&str]] = &[
    &["qMetaDef", "title"],
    &["title"],
    &["subtitle"],
    &["footnote"],
    &["qInfo", "qType"],
];

/// One object's matches: its id, the terms it matched and (property path, text, terms) per match.
struct ObjectHit {
    id: String,
    terms: Vec<usize>,
    matches: Vec<(String, String, Vec<usize>)>,
}

/// `SearchObjects(qOptions, qTerms, qPage)`.
pub fn search_objects(ctx: &mut Ctx<'_>, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let options = obj_param(p, "qOptions");
    let enc = Encoding::of(&options);
    let with_property = options
        .get("qAttributes")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|x| x == "qProperty"));
    let texts = terms_param(p);
    let terms: Vec<Term> = texts.iter().map(|t| Term::parse(t)).collect();
    let page_def = p.get("qPage").cloned().unwrap_or(json!({}));
    let doc = ctx.doc()?;
    let hits: Vec<ObjectHit> = doc
        .objects()
        .filter(|(_, props)| !SKIPPED.contains(&props["qInfo"]["qType"].as_str().unwrap_or("")))
        .filter_map(|(id, props)| object_hit(id, props, &terms))
        .collect();
    let groups = grouped(hits);
    let group_page = paging(page_def.get("qGroupOptions"), "qGroupType", &OBJECTS);
    let item_page = paging(page_def.get("qGroupItemOptions"), "qGroupItemType", &OBJECT);
    let first = offset_count(&page_def).0.min(groups.len());
    let array: Vec<Value> = page(&groups, offset_count(&page_def))
        .iter()
        .enumerate()
        .map(|(i, (set, objects))| {
            let items: Vec<Value> = page(objects, group_page)
                .iter()
                .map(|o| item(o, &terms, enc, with_property, item_page))
                .collect();
            json!({"qId": first + i, "qGroupType": "GenericObjectsType", "qSearchTermsMatched": set,
                "qTotalNumberOfItems": objects.len(), "qItems": items})
        })
        .collect();
    Ok(
        json!({"qResult": {"qSearchTerms": texts, "qTotalNumberOfGroups": groups.len(),
        "qSearchGroupArray": array}}),
    )
}

/// The searched properties of one object that some term matches; `None` when none does.
fn object_hit(id: &str, props: &Map<String, Value>, terms: &[Term]) -> Option<ObjectHit> {
    let mut hit = ObjectHit {
        id: id.to_string(),
        terms: vec![],
        matches: vec![],
    };
    for path in SEARCHED {
        let mut v = props.get(path[0]);
        for key in &path[1..] {
            v = v.and_then(|x| x.get(*key));
        }
        let Some(text) = v.and_then(Value::as_str) else {
            continue;
        };
        let matched: Vec<usize> = (0..terms.len())
            .filter(|t| !terms[*t].is_empty() && !ranges(&terms[*t].search, text).is_empty())
            .collect();
        if matched.is_empty() {
            continue;
        }
        hit.terms.extend(matched.iter().copied());
        hit.matches
            .push((path.join("/"), text.to_string(), matched));
    }
    hit.terms.sort_unstable();
    hit.terms.dedup();
    (!hit.matches.is_empty()).then_some(hit)
}

/// Objects grouped by the set of terms they matched: larger sets first, then in the order found.
fn grouped(hits: Vec<ObjectHit>) -> Vec<(Vec<usize>, Vec<ObjectHit>)> {
    let mut groups: Vec<(Vec<usize>, Vec<ObjectHit>)> = vec![];
    for h in hits {
        match groups.iter_mut().find(|(set, _)| *set == h.terms) {
            Some((_, list)) => list.push(h),
            None => groups.push((h.terms.clone(), vec![h])),
        }
    }
    groups.sort_by_key(|(set, _)| std::cmp::Reverse(set.len()));
    groups
}

/// An object's `SearchGroupItem`.
fn item(
    o: &ObjectHit,
    terms: &[Term],
    enc: Encoding,
    with_property: bool,
    item_page: (usize, Option<usize>),
) -> Value {
    let matches: Vec<Value> = page(&o.matches, item_page)
        .iter()
        .map(|(path, text, which)| {
            let attributes = if with_property {
                json!([{"qKey": "qProperty", "qValue": path}])
            } else {
                json!([])
            };
            json!({"qText": text, "qRanges": char_ranges(terms, which, text, enc), "qAttributes": attributes})
        })
        .collect();
    json!({"qItemType": "GenericObject", "qTotalNumberOfMatches": o.matches.len(), "qIdentifier": o.id,
        "qItemMatches": matches, "qSearchTermsMatched": o.terms})
}
