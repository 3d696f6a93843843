//! Delta mode: a result sent as JSON Patches against the last value sent for the same handle, method and
//! key, as enigma.js asks for by default. The first value goes whole (`add` at `/`); later ones as the
//! operations that turn the last value into the new one, or — when the new one differs in more places than
//! a patch is worth — whole again (`replace` at `/`, which enigma.js applies by emptying and refilling the
//! cached object).
//!
//! Not `json_patch::diff`: it builds an operation (and a copy of each changed value) for every difference,
//! then the operations were serialized into values once more; a layout after a new selection differs in
//! nearly every cell, and diffing it cost more than computing it.
//!
//! A layout's data pages may be written as text ([`qix_protocol::splice`]): the value holds `null` where
//! each goes. Such a result is diffed as a [`Sent`] ([`patch_sent`]): the value as usual, each page by its
//! text — one that changed is replaced whole, its text spliced into the patch — so pages are never built
//! as values to be compared cell by cell.

use qix_protocol::splice::{self, Splice};
use serde_json::{Map, Value};

/// Operations past which the whole value is sent instead (a patch of more differences than this is about
/// as long as the value, and slower to make and to apply).
const MAX_OPS: usize = 64;

/// A result as sent: its value, and the parts of it written as text (pointers relative to the value, which
/// holds `null` at each).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sent {
    /// The value.
    pub value: Value,
    /// Its parts written as text.
    pub parts: Vec<Splice>,
}

/// The patch that turns `old` into `new` (the first one when nothing was sent before), with the parts of
/// it written as text (pointers relative to the patch).
pub fn patch_sent(old: Option<&Sent>, new: &Sent) -> (Value, Vec<Splice>) {
    let Some(old) = old else {
        return whole("add", new);
    };
    let same_parts = old.parts.len() == new.parts.len()
        && (old.parts.iter().zip(&new.parts)).all(|(a, b)| a.pointer == b.pointer);
    if !same_parts {
        return whole("replace", new);
    }
    let mut ops = Vec::new();
    if !walk(&old.value, &new.value, &mut String::new(), &mut ops) {
        return whole("replace", new);
    }
    // An operation on a part's place or around it would carry the placeholder, not the part.
    let covers = |o: &Value, part: &Splice| {
        // enigma.js names the root `/`.
        let path = o["path"].as_str().filter(|p| *p != "/").unwrap_or("");
        splice::within(&part.pointer, path)
    };
    if ops.iter().any(|o| new.parts.iter().any(|p| covers(o, p))) {
        return whole("replace", new);
    }
    let mut parts = Vec::new();
    for (a, b) in old.parts.iter().zip(&new.parts) {
        if a.json != b.json {
            parts.push(Splice {
                pointer: format!("/{}/value", ops.len()),
                json: b.json.clone(),
            });
            if !push(&mut ops, op("replace", &b.pointer, Some(&Value::Null))) {
                return whole("replace", new);
            }
        }
    }
    (Value::Array(ops), parts)
}

/// `new` sent whole (`add` or `replace` at `/`), its parts spliced into the operation's value.
fn whole(name: &str, new: &Sent) -> (Value, Vec<Splice>) {
    let parts = (new.parts.iter())
        .map(|p| Splice {
            pointer: format!("/0/value{}", p.pointer),
            json: p.json.clone(),
        })
        .collect();
    (Value::Array(vec![op(name, "", Some(&new.value))]), parts)
}

/// Adds to `ops` the operations turning `old` into `new` at `path`; `false` once there would be more than
/// [`MAX_OPS`].
fn walk(old: &Value, new: &Value, path: &mut String, ops: &mut Vec<Value>) -> bool {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => objects(a, b, path, ops),
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                if x != y && !at(path, &i.to_string(), |p| walk(x, y, p, ops)) {
                    return false;
                }
            }
            true
        }
        _ => push(ops, op("replace", path, Some(new))),
    }
}

fn objects(
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    path: &mut String,
    ops: &mut Vec<Value>,
) -> bool {
    for key in a.keys().filter(|k| !b.contains_key(*k)) {
        if !at(path, key, |p| push(ops, op("remove", p, None))) {
            return false;
        }
    }
    for (key, y) in b {
        let done = match a.get(key) {
            Some(x) if x == y => true,
            Some(x) => at(path, key, |p| walk(x, y, p, ops)),
            None => at(path, key, |p| push(ops, op("add", p, Some(y)))),
        };
        if !done {
            return false;
        }
    }
    true
}

/// One operation; `value` is copied with `Clone` (`json!` would copy it by serializing it, key by key).
/// An empty path is the root, which enigma.js names `/`.
fn op(name: &str, path: &str, value: Option<&Value>) -> Value {
    let mut m = Map::with_capacity(3);
    m.insert("op".into(), name.into());
    m.insert(
        "path".into(),
        if path.is_empty() { "/" } else { path }.into(),
    );
    if let Some(v) = value {
        m.insert("value".into(), v.clone());
    }
    Value::Object(m)
}

/// Runs `f` with `key` appended to `path` (escaped as RFC 6901 says), then restores `path`.
fn at(path: &mut String, key: &str, f: impl FnOnce(&mut String) -> bool) -> bool {
    let len = path.len();
    splice::push_key(path, key);
    let done = f(path);
    path.truncate(len);
    done
}

fn push(ops: &mut Vec<Value>, op: Value) -> bool {
    ops.push(op);
    ops.len() <= MAX_OPS
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn sent(value: &Value) -> Sent {
        Sent {
            value: value.clone(),
            parts: vec![],
        }
    }

    fn patch(old: &Value, new: &Value) -> Value {
        patch_sent(Some(&sent(old)), &sent(new)).0
    }

    fn first(new: &Value) -> Value {
        patch_sent(None, &sent(new)).0
    }

    /// Applies a patch as enigma.js does: `/` replaces the whole value, other paths as RFC 6902 says.
    fn apply(base: &Value, patch: &Value) -> Value {
        let mut out = base.clone();
        let ops = patch.as_array().expect("a list of operations");
        for o in ops {
            if o["path"] == "/" {
                out = o["value"].clone();
                continue;
            }
            let one: json_patch::Patch = serde_json::from_value(json!([o])).expect("an operation");
            json_patch::patch(&mut out, &one).expect("applies");
        }
        out
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (0i64..5).prop_map(Value::from),
            "[a-c/~]{0,2}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-c/~]{1,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn a_patch_turns_the_old_value_into_the_new(old in value(), new in value()) {
            prop_assert_eq!(apply(&old, &patch(&old, &new)), new.clone());
            prop_assert_eq!(apply(&Value::Null, &first(&new)), new);
        }
    }

    #[test]
    fn small_changes_are_patched_in_place_and_large_ones_sent_whole() {
        let cells = |k: i64| json!({"qMatrix": (0..100).map(|i| json!([{"qNum": i * k}])).collect::<Vec<_>>()});
        let old = json!({"qLayout": {"qSize": 1, "a/b": 1, "gone": 2, "cube": cells(1)}});
        let new = json!({"qLayout": {"qSize": 2, "a/b": 3, "cube": cells(1), "added": true}});
        assert_eq!(
            patch(&old, &new),
            json!([
                {"op": "remove", "path": "/qLayout/gone"},
                {"op": "replace", "path": "/qLayout/qSize", "value": 2},
                {"op": "replace", "path": "/qLayout/a~1b", "value": 3},
                {"op": "add", "path": "/qLayout/added", "value": true}
            ])
        );
        let redrawn = json!({"qLayout": {"qSize": 1, "a/b": 1, "gone": 2, "cube": cells(2)}});
        assert_eq!(
            patch(&old, &redrawn),
            json!([{"op": "replace", "path": "/", "value": redrawn}])
        );
        assert_eq!(patch(&old, &old), json!([]));
    }

    /// A layout whose two pages are written as text: `size` in its value, the pages' texts.
    fn layout(size: i64, pages: [&str; 2], at: &str) -> Sent {
        let value = json!({"qSize": size, at: {"qDataPages": [null, null]}});
        let parts = (pages.iter().enumerate())
            .map(|(i, json)| Splice {
                pointer: format!("/{}/qDataPages/{i}", at.replace('/', "~1")),
                json: json.to_string(),
            })
            .collect();
        Sent { value, parts }
    }

    fn resolved(value: &Value, parts: &[Splice]) -> Value {
        let mut v = value.clone();
        qix_protocol::splice::resolve(&mut v, parts.to_vec());
        v
    }

    #[test]
    fn pages_written_as_text_are_patched_by_their_text() {
        let old = layout(1, ["[1]", "[2]"], "qHyperCube");
        // Unchanged: nothing to send.
        assert_eq!(patch_sent(Some(&old), &old), (json!([]), vec![]));
        let cases = [
            // One page changed: that page is replaced, its text spliced into the operation.
            (layout(1, ["[1]", "[3]"], "qHyperCube"), 1),
            (layout(2, ["[4]", "[2]"], "qHyperCube"), 2),
            // Pages elsewhere (another key, one with a `/`): the whole value.
            (layout(1, ["[1]", "[2]"], "a/b"), 1),
        ];
        for (new, ops) in cases {
            let (patch, parts) = patch_sent(Some(&old), &new);
            assert_eq!(patch.as_array().map(Vec::len), Some(ops), "{patch}");
            let patch = resolved(&patch, &parts);
            let want = resolved(&new.value, &new.parts);
            assert_eq!(apply(&resolved(&old.value, &old.parts), &patch), want);
        }
        // An operation around the pages (their array replaced) sends the whole value, pages and all.
        let mut longer = old.clone();
        longer.value["qHyperCube"]["qDataPages"] = json!([null, null, 5]);
        let (patch, parts) = patch_sent(Some(&longer), &old);
        assert_eq!(patch[0]["path"], "/", "{patch}");
        let want = resolved(&old.value, &old.parts);
        assert_eq!(apply(&longer.value, &resolved(&patch, &parts)), want);
        let (first, parts) = patch_sent(None, &old);
        let want = resolved(&old.value, &old.parts);
        assert_eq!(apply(&Value::Null, &resolved(&first, &parts)), want);
        // The page's own operation carries its text, not a copy of it as a value.
        let (patch, parts) = patch_sent(Some(&old), &layout(1, ["[1]", "[3]"], "qHyperCube"));
        assert_eq!(
            patch,
            json!([{"op": "replace", "path": "/qHyperCube/qDataPages/1", "value": null}])
        );
        assert_eq!(
            parts,
            vec![Splice {
                pointer: "/0/value".into(),
                json: "[3]".into()
            }]
        );
    }
}
