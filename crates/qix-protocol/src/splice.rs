//! Results with parts written as JSON text ahead of time.
//!
//! Most of a layout is a few dozen properties, but its data pages are hundreds of small cell objects; built
//! as `serde_json` values, every cell costs a map, a string per key and a hash per key, then a walk to write
//! it and another to free it. A page written straight to text costs a fraction of that. A [`Splice`] is such
//! a part: the result holds `null` at its JSON pointer, and the text goes there when the response is
//! written ([`write`]) — or is parsed back in ([`resolve`]) where a value is needed whole (delta mode diffs
//! values).
//!
//! What this is not: a general JSON builder. The text is trusted to be one well-formed JSON value; only
//! the server's own renderers make splices, never anything a client sent.

use serde_json::Value;

/// One part of a result already written as JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct Splice {
    /// Where it goes in the result (a JSON pointer, RFC 6901); the result holds `null` there.
    pub pointer: String,
    /// The part: one JSON value as text.
    pub json: String,
}

/// Appends `/` and `key` to the JSON pointer `path`, escaped as RFC 6901 says (`~` as `~0`, `/` as `~1`).
pub fn push_key(path: &mut String, key: &str) {
    path.push('/');
    path.push_str(&key.replace('~', "~0").replace('/', "~1"));
}

/// Whether the JSON pointer `pointer` names `path` or a place below it.
pub fn within(pointer: &str, path: &str) -> bool {
    pointer.starts_with(path) && matches!(pointer.as_bytes().get(path.len()), None | Some(b'/'))
}

/// Writes `value` as JSON to `out`, each splice's text in place of the value at its pointer.
pub fn write(out: &mut Vec<u8>, value: &Value, splices: &[Splice]) {
    let mut path = String::new();
    write_at(out, value, &mut path, splices);
}

/// [`write`] of the value at `path`: a splice's text when one is there, the value as `serde_json` writes
/// it when no splice lies below, else its entries one by one.
fn write_at(out: &mut Vec<u8>, value: &Value, path: &mut String, splices: &[Splice]) {
    if let Some(s) = splices.iter().find(|s| s.pointer == *path) {
        out.extend_from_slice(s.json.as_bytes());
        return;
    }
    // None is at `path` itself (that was looked for above): any within it lies below.
    if !splices.iter().any(|s| within(&s.pointer, path)) {
        // Writing a JSON value to a vector cannot fail.
        let _ = serde_json::to_writer(&mut *out, value);
        return;
    }
    let len = path.len();
    match value {
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = serde_json::to_writer(&mut *out, key);
                out.push(b':');
                push_key(path, key);
                write_at(out, v, path, splices);
                path.truncate(len);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                path.push('/');
                path.push_str(&i.to_string());
                write_at(out, v, path, splices);
                path.truncate(len);
            }
            out.push(b']');
        }
        _ => {
            let _ = serde_json::to_writer(&mut *out, value);
        }
    }
}

/// Puts each splice's value, parsed, into `value` at its pointer (a pointer that is not there is left out).
pub fn resolve(value: &mut Value, splices: Vec<Splice>) {
    for s in splices {
        if let Some(slot) = value.pointer_mut(&s.pointer) {
            *slot = serde_json::from_str(&s.json).unwrap_or(Value::Null);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn splice(pointer: &str, json: &str) -> Splice {
        Splice {
            pointer: pointer.into(),
            json: json.into(),
        }
    }

    #[test]
    fn splices_are_written_in_place_and_the_rest_as_it_is() {
        let value = json!({"a": 1, "b/c": {"pages": [null, null], "x": "y"}, "d": [null]});
        let splices = [
            splice("/b~1c/pages/1", r#"{"qMatrix":[[1]]}"#),
            splice("/b~1c/pages/0", "[2,3]"),
        ];
        let mut out = Vec::new();
        write(&mut out, &value, &splices);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"a":1,"b/c":{"pages":[[2,3],{"qMatrix":[[1]]}],"x":"y"},"d":[null]}"#
        );
        let mut resolved = value.clone();
        resolve(&mut resolved, splices.to_vec());
        assert_eq!(
            resolved,
            serde_json::from_str::<Value>(&text).unwrap(),
            "resolving gives the value the text says"
        );
    }

    #[test]
    fn pointers_within_a_path() {
        assert!(within("/a/b", "/a") && within("/a", "/a") && within("/a", ""));
        assert!(!within("/ab", "/a") && !within("/a", "/a/b"));
        let mut path = String::new();
        push_key(&mut path, "x/y~z");
        assert_eq!(path, "/x~1y~0z");
    }

    #[test]
    fn a_splice_at_the_root_or_nowhere() {
        let mut out = Vec::new();
        write(&mut out, &json!(null), &[splice("", "[1]")]);
        assert_eq!(out, b"[1]");
        let mut out = Vec::new();
        write(&mut out, &json!({"a": [1]}), &[splice("/b/0", "[1]")]);
        assert_eq!(out, br#"{"a":[1]}"#);
    }
}
