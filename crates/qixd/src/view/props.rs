//! Properties as clients send them and as the engine keeps them: ids and `qInfo` filled in, `qMetaDef` made
//! into `qMeta`, a layout's base from properties, and `NxPatch`es applied within the limits.

use qix_protocol::splice::{self, Splice};
use qix_protocol::RpcError;
use serde_json::{json, Map, Value};

/// Checks `qInfo` and gives the object an id that is free in the session: the one asked for if free,
/// else a new one (the engine does the same). Fills the defaults the engine fills.
pub fn prepare_props(
    doc: &crate::doc::DocState,
    mut props: Map<String, Value>,
) -> Result<(String, Map<String, Value>), RpcError> {
    let mut info = match props.remove("qInfo") {
        Some(Value::Object(info)) => info,
        _ => return Err(RpcError::invalid_params("qProp.qInfo is required")),
    };
    if !info.get("qType").is_some_and(Value::is_string) {
        return Err(RpcError::invalid_params("qProp.qInfo.qType is required"));
    }
    let wanted = info.get("qId").and_then(Value::as_str).unwrap_or("");
    let id = if wanted.is_empty() || doc.id_in_use(wanted) {
        uuid::Uuid::new_v4().to_string()
    } else {
        wanted.to_string()
    };
    info.insert("qId".into(), json!(id));
    let mut out = Map::new();
    out.insert("qInfo".into(), Value::Object(info));
    out.insert(
        "qMetaDef".into(),
        props.remove("qMetaDef").unwrap_or_else(|| json!({})),
    );
    out.extend(props);
    Ok((id, out))
}

/// A layout's `qMeta`: the properties' `qMetaDef` plus the user's privileges.
pub fn meta_from_def(meta_def: &Value) -> Value {
    let mut meta = meta_def.as_object().cloned().unwrap_or_default();
    if let Value::Object(p) = privileges() {
        meta.extend(p);
    }
    Value::Object(meta)
}

/// Privileges the engine reports in `qMeta` of objects the user may change.
pub fn privileges() -> Value {
    json!({"privileges": ["read", "update", "delete", "exportdata"]})
}

/// A layout from properties: `qMetaDef` becomes `qMeta` (with the user's privileges), plus `qSelectionInfo`.
/// `written` are the parts of the laid-out properties written as text (pointers relative to them): those
/// inside `qMetaDef` move with it.
pub fn layout_from_props(props: Map<String, Value>, written: &mut [Splice]) -> Map<String, Value> {
    for s in written.iter_mut() {
        if splice::within(&s.pointer, "/qMetaDef") {
            s.pointer = format!("/qMeta{}", &s.pointer["/qMetaDef".len()..]);
        }
    }
    // Moved, not cloned: the computed layout holds the data pages.
    let mut layout = Map::new();
    for (k, v) in props {
        if k == "qMetaDef" {
            layout.insert("qMeta".into(), meta_from_def(&v));
        } else {
            layout.insert(k, v);
        }
    }
    layout.insert("qSelectionInfo".into(), json!({}));
    layout
}

/// An `NxPatch` list (`{qOp, qPath, qValue}` with the value as JSON text) as an RFC 6902 patch. The
/// engine's `replace` also creates a missing property, which is what RFC 6902's `add` does.
pub fn json_patch_of(patches: &[Value]) -> Result<json_patch::Patch, RpcError> {
    let mut ops = Vec::new();
    for patch in patches {
        let op = patch
            .get("qOp")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let path = patch
            .get("qPath")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !path.starts_with('/') || path.starts_with("/qInfo/qId") {
            return Err(RpcError::invalid_params(format!("bad qPath {path:?}")));
        }
        let op_json = match op.as_str() {
            "remove" => json!({"op": "remove", "path": path}),
            "add" | "replace" => {
                let text = patch.get("qValue").and_then(Value::as_str).unwrap_or("");
                let value: Value = serde_json::from_str(text).map_err(|e| {
                    RpcError::invalid_params(format!("qValue of {path} is not JSON: {e}"))
                })?;
                json!({"op": "add", "path": path, "value": value})
            }
            other => return Err(RpcError::invalid_params(format!("unknown qOp {other:?}"))),
        };
        ops.push(op_json);
    }
    serde_json::from_value(Value::Array(ops)).map_err(|e| RpcError::invalid_params(e.to_string()))
}

/// `current` with the `NxPatch`es applied, all or none, within the limits of a property tree; `current`
/// is untouched when any patch fails.
pub fn patched(
    current: &Map<String, Value>,
    patches: &[Value],
    limits: &crate::limits::Limits,
) -> Result<Map<String, Value>, RpcError> {
    let patch = json_patch_of(patches)?;
    let mut value = Value::Object(current.clone());
    json_patch::patch(&mut value, &patch).map_err(|e| RpcError::invalid_params(e.to_string()))?;
    limits.check_properties(&value)?;
    match value {
        Value::Object(m) => Ok(m),
        _ => Err(RpcError::invalid_params("properties must stay an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use proptest::prelude::*;

    /// A JSON value of bounded size, up to `depth` levels.
    fn value(depth: u32) -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| json!(n)),
            "[a-z]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(depth, 64, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,3}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// An `NxPatch`, valid or not: any op, a path of keys and indexes, a value as JSON text or not.
    fn nx_patch() -> impl Strategy<Value = Value> {
        let op = prop_oneof![
            Just("add"),
            Just("replace"),
            Just("remove"),
            Just("Add"),
            Just("bogus")
        ];
        let path = prop::collection::vec(
            prop_oneof!["[a-z]{1,3}", "[0-9]{1,2}", Just("-".to_string())],
            0..6,
        )
        .prop_map(|segs| format!("/{}", segs.join("/")));
        let text = prop_oneof![value(4).prop_map(|v| v.to_string()), ".{0,12}",];
        (op, path, text)
            .prop_map(|(op, path, text)| json!({"qOp": op, "qPath": path, "qValue": text}))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Random patch lists on random trees never panic; an accepted result is an object within the
        /// limits, a refused one leaves the tree as it was.
        #[test]
        fn apply_patches_never_panics_and_keeps_the_limits(
            start in value(5),
            rounds in prop::collection::vec(prop::collection::vec(nx_patch(), 0..5), 1..8),
        ) {
            let limits = Limits { max_property_depth: 6, max_property_bytes: 4096, ..Limits::default() };
            let mut current = match start {
                Value::Object(m) => m,
                other => {
                    let mut m = Map::new();
                    m.insert("v".into(), other);
                    m
                }
            };
            for patches in rounds {
                let before = current.clone();
                match patched(&current, &patches, &limits) {
                    Ok(next) => {
                        prop_assert!(limits.check_properties(&Value::Object(next.clone())).is_ok());
                        current = next;
                    }
                    Err(e) => {
                        prop_assert!(e.code == -32602, "{e:?}");
                        prop_assert_eq!(&before, &current);
                    }
                }
            }
        }
    }

    #[test]
    fn repeated_patches_cannot_build_a_deep_tree() {
        let limits = Limits::default();
        let mut current = Map::new();
        let mut path = String::new();
        let mut refused = false;
        for _ in 0..1000 {
            let p = json!({"qOp": "add", "qPath": format!("{path}/a"), "qValue": "{}"});
            match patched(&current, &[p], &limits) {
                Ok(next) => current = next,
                Err(_) => {
                    refused = true;
                    break;
                }
            }
            path.push_str("/a");
        }
        assert!(refused);
        assert!(limits.check_properties(&Value::Object(current)).is_ok());
    }
}
