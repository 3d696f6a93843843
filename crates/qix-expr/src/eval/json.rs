//! JSON functions over texts holding JSON (spaces and line breaks allowed): `IsJson(json, type)`
//! tells whether the text is valid JSON (of a type: `value`, the default, `object`, `array`,
//! `string`, `number`, `boolean` or `null`); `JsonGet(json, path)` gives the JSON text of the value a
//! path (RFC 6901: `''` for the whole, `/a/0` for member `a`'s first element, `~1` for `/`, `~0` for
//! `~`) points to, a number as a dual; `JsonSet(json, path, value)` sets or inserts the value (JSON
//! text) there and gives the whole, compact, members in their order. Invalid JSON, a path that does
//! not point into the data and a value that is not JSON give NULL.

use super::args::Args;
use crate::value::Value;
use serde_json::Value as Json;

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args) -> Option<Value> {
    let value = match name {
        "IsJson" => Some(is_json(args)),
        "JsonGet" => json_get(args),
        "JsonSet" => json_set(args),
        _ => return None,
    };
    Some(value.unwrap_or(Value::Null))
}

fn parse(text: &str) -> Option<Json> {
    serde_json::from_str(text).ok()
}

/// `IsJson(json, type)`.
fn is_json(args: &mut Args) -> Value {
    let parsed = args.text(0).and_then(|t| parse(&t));
    let kind = args.text(1).unwrap_or_else(|| "value".into());
    let ok = parsed.is_some_and(|j| match kind.to_ascii_lowercase().as_str() {
        "value" => true,
        "object" => j.is_object(),
        "array" => j.is_array(),
        "string" => j.is_string(),
        "number" => j.is_number(),
        "boolean" => j.is_boolean(),
        "null" => j.is_null(),
        _ => false,
    });
    Value::from_bool(ok)
}

/// The reference tokens of a JSON pointer (`None` when it is neither empty nor starts with `/`).
fn tokens(path: &str) -> Option<Vec<String>> {
    if path.is_empty() {
        return Some(Vec::new());
    }
    let rest = path.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// `JsonGet(json, path)`.
fn json_get(args: &mut Args) -> Option<Value> {
    let json = parse(&args.text(0)?)?;
    let path = args.text(1).unwrap_or_default();
    tokens(&path)?;
    let found = json.pointer(&path)?;
    let text = serde_json::to_string(found).ok()?;
    Some(match found.as_f64() {
        Some(n) => Value::Dual(text, n),
        None => Value::Text(text),
    })
}

/// `JsonSet(json, path, value)`.
fn json_set(args: &mut Args) -> Option<Value> {
    let mut json = parse(&args.text(0)?)?;
    let path = tokens(&args.text(1).unwrap_or_default())?;
    let value = parse(&args.text(2)?)?;
    let Some((last, parents)) = path.split_last() else {
        return serde_json::to_string(&value).ok().map(Value::Text);
    };
    let mut target = &mut json;
    for t in parents {
        target = child(target, t)?;
    }
    match target {
        Json::Object(map) => {
            map.insert(last.clone(), value);
        }
        Json::Array(items) => {
            let i = if last == "-" {
                items.len()
            } else {
                index(last)?
            };
            match i.cmp(&items.len()) {
                std::cmp::Ordering::Less => items[i] = value,
                std::cmp::Ordering::Equal => items.push(value),
                std::cmp::Ordering::Greater => return None,
            }
        }
        _ => return None,
    }
    serde_json::to_string(&json).ok().map(Value::Text)
}

/// An array index token: digits, no leading zero.
fn index(token: &str) -> Option<usize> {
    let ok = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    ok.then(|| token.parse().ok()).flatten()
}

/// The member or element `token` of `json`.
fn child<'j>(json: &'j mut Json, token: &str) -> Option<&'j mut Json> {
    match json {
        Json::Object(map) => map.get_mut(token),
        Json::Array(items) => items.get_mut(index(token)?),
        _ => None,
    }
}
