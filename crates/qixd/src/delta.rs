//! Delta mode: a result sent as JSON Patches against the last value sent for the same handle, method and
//! key, as enigma.js asks for by default. The first value goes whole (`add` at `/`); later ones as the
//! operations that turn the last value into the new one, or — when the new one differs in more places than
//! a patch is worth — whole again (`replace` at `/`, which enigma.js applies by emptying and refilling the
//! cached object).
//!
//! Not `json_patch::diff`: it builds an operation (and a copy of each changed value) for every difference,
//! then the operations were serialized into values once more; a layout after a new selection differs in
//! nearly every cell, and diffing it cost more than computing it.

use serde_json::{Map, Value};

/// Operations past which the whole value is sent instead (a patch of more differences than this is about
/// as long as the value, and slower to make and to apply).
const MAX_OPS: usize = 64;

/// The patch that turns `old` into `new`.
pub fn patch(old: &Value, new: &Value) -> Value {
    let mut ops = Vec::new();
    let mut path = String::new();
    if walk(old, new, &mut path, &mut ops) {
        Value::Array(ops)
    } else {
        Value::Array(vec![op("replace", "", Some(new))])
    }
}

/// The patch that sends `new` whole, when nothing was sent before.
pub fn first(new: &Value) -> Value {
    Value::Array(vec![op("add", "", Some(new))])
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
    path.push('/');
    path.push_str(&key.replace('~', "~0").replace('/', "~1"));
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
}
