//! Reading a JSON value at a JSON pointer, as `serde_json::Value::pointer` does, without its copies.
//!
//! `Value::pointer` makes two strings for every token of the pointer (to unescape `~1` and `~0`), and the
//! view reads definitions this way on every layout (dimensions, measures, sort criteria, titles). The
//! pointers it reads with are written in the code and hold no `~`: their tokens are looked up as they are.

use serde_json::Value;

/// What `pointer` points at in `v`, as `Value::pointer` finds it; only a pointer holding `~` is
/// unescaped, by `Value::pointer` itself.
pub fn at<'a>(v: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() || pointer.contains('~') {
        return v.pointer(pointer);
    }
    let mut tokens = pointer.strip_prefix('/')?.split('/');
    tokens.try_fold(v, |target, token| match target {
        Value::Object(map) => map.get(token),
        Value::Array(list) => array_index(token).and_then(|i| list.get(i)),
        _ => None,
    })
}

/// An array index token of a JSON pointer: digits without a sign or a leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() > 1) {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// A tree whose keys come from a small alphabet, so that random pointers often lead somewhere.
    fn tree() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![Just(Value::Null), any::<i16>().prop_map(|n| json!(n))];
        leaf.prop_recursive(4, 48, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..12).prop_map(Value::Array),
                prop::collection::btree_map("[ab]{1,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Pointer tokens: keys, indexes (some with a sign or a leading zero, which index nothing), escaped
    /// characters, empty tokens.
    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ab]{1,2}",
            "[0-9]{1,2}",
            "\\+[0-9]",
            "0[0-9]",
            "[ab]~[01]",
            Just(String::new())
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// `at` finds what `Value::pointer` finds, for any pointer into any tree.
        #[test]
        fn at_finds_what_a_json_pointer_finds(
            tree in tree(),
            tokens in prop::collection::vec(token(), 0..5),
            bare in "[ab]{0,2}",
        ) {
            let pointer = format!("/{}", tokens.join("/"));
            prop_assert_eq!(at(&tree, &pointer), tree.pointer(&pointer), "{}", pointer);
            // Without a leading slash: nothing, unless empty (the whole tree).
            prop_assert_eq!(at(&tree, &bare), tree.pointer(&bare));
        }
    }

    #[test]
    fn keys_with_a_slash_or_a_tilde_are_found_by_their_escapes() {
        let tree = json!({"a/b": {"c~d": [1, 2]}, "a": {"b": 3}});
        assert_eq!(at(&tree, "/a~1b/c~0d/1"), Some(&json!(2)));
        assert_eq!(at(&tree, "/a/b"), Some(&json!(3)));
    }
}
