//! Method signatures of the whole QIX API, from the OpenRPC description published with enigma-go.
//!
//! The server binds every request's params (positional or named) against the method's signature and checks
//! their JSON types before a method runs, so a wrong type gets -32602 naming the parameter, for all 336
//! methods alike, instead of each handler checking by hand.
//!
//! The signatures are a static table (`spec/methods.rs`) that `cargo run -p qix-codegen` writes from the
//! description, not the description parsed at run time: that was a tree of several MB built on the first
//! request, and 850 KB of the binary read into memory, which the server then held for good.

use crate::error::RpcError;
use serde_json::{Map, Value};

mod methods;

/// The OpenRPC description of QIX API 12.2528.0, for tests and tools (the server reads the table made
/// from it; a constant nothing reads is not in the binary).
pub const OPENRPC_JSON: &str = include_str!("../spec/qix-engine-rpc-12.2528.0.json");

/// The JSON type a parameter must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A JSON string.
    String,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// Anything (the spec does not say).
    Any,
}

impl ParamKind {
    /// Whether `v` has this kind.
    pub fn accepts(self, v: &Value) -> bool {
        match self {
            ParamKind::String => v.is_string(),
            ParamKind::Integer => {
                v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            ParamKind::Number => v.is_number(),
            ParamKind::Boolean => v.is_boolean(),
            ParamKind::Object => v.is_object(),
            ParamKind::Array => v.is_array(),
            ParamKind::Any => true,
        }
    }

    /// The kind's name as used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            ParamKind::String => "string",
            ParamKind::Integer => "integer",
            ParamKind::Number => "number",
            ParamKind::Boolean => "boolean",
            ParamKind::Object => "object",
            ParamKind::Array => "array",
            ParamKind::Any => "any",
        }
    }
}

/// One parameter of a method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    /// Its name, e.g. `qDocName`.
    pub name: &'static str,
    /// Whether the engine requires it.
    pub required: bool,
    /// The JSON type it must have.
    pub kind: ParamKind,
}

/// One method: `Class.Method` and its parameters in positional order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MethodSpec {
    /// The class, e.g. `Doc`.
    pub class: &'static str,
    /// The method, e.g. `GetObject`.
    pub name: &'static str,
    /// The parameters in positional order.
    pub params: &'static [ParamSpec],
}

impl MethodSpec {
    /// Binds request params to names and checks their types. Positional params are named by position;
    /// named params are taken as they are (names the method does not have are ignored, as the engine does).
    /// `null` counts as absent.
    pub fn bind(&self, params: &Value) -> Result<Map<String, Value>, RpcError> {
        let mut named = Map::new();
        match params {
            Value::Null => {}
            Value::Array(items) => {
                if items.len() > self.params.len() {
                    return Err(RpcError::invalid_params(format!(
                        "{} takes at most {} parameters, got {}",
                        self.name,
                        self.params.len(),
                        items.len()
                    )));
                }
                for (p, v) in self.params.iter().zip(items) {
                    if !v.is_null() {
                        named.insert(p.name.to_string(), v.clone());
                    }
                }
            }
            Value::Object(map) => {
                for p in self.params {
                    if let Some(v) = map.get(p.name).filter(|v| !v.is_null()) {
                        named.insert(p.name.to_string(), v.clone());
                    }
                }
            }
            _ => {
                return Err(RpcError::invalid_params(
                    "params must be an array or an object",
                ))
            }
        }
        for p in self.params {
            match named.get(p.name) {
                None if p.required => {
                    return Err(RpcError::invalid_params(format!("{} is required", p.name)))
                }
                Some(v) if !p.kind.accepts(v) => {
                    return Err(RpcError::invalid_params(format!(
                        "{} must be of type {}",
                        p.name,
                        p.kind.name()
                    )))
                }
                _ => {}
            }
        }
        Ok(named)
    }
}

/// All method signatures, by class and method name: the generated table (`spec/methods.rs`).
#[derive(Debug)]
pub struct Spec;

impl Spec {
    /// The signatures of QIX API 12.2528.0.
    pub fn global() -> &'static Spec {
        &Spec
    }

    /// The signature of `class.method`, if the API has it.
    pub fn method(&self, class: &str, method: &str) -> Option<&'static MethodSpec> {
        let at = methods::METHODS
            .binary_search_by(|m| (m.class, m.name).cmp(&(class, method)))
            .ok()?;
        methods::METHODS.get(at)
    }

    /// Whether some class of the API has a method of this name.
    pub fn has_method_name(&self, name: &str) -> bool {
        methods::NAMES.binary_search(&name).is_ok()
    }

    /// How many methods the API has.
    pub fn len(&self) -> usize {
        methods::METHODS.len()
    }

    /// Whether the spec has no methods.
    pub fn is_empty(&self) -> bool {
        methods::METHODS.is_empty()
    }

    /// Every method.
    pub fn methods(&self) -> impl Iterator<Item = &'static MethodSpec> {
        methods::METHODS.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn embedded_spec_has_the_whole_api() {
        let spec = Spec::global();
        assert_eq!(spec.len(), 336);
        let open = spec.method("Global", "OpenDoc").unwrap();
        assert_eq!(open.params[0].name, "qDocName");
        assert!(open.params[0].required);
        assert_eq!(open.params[4].kind, ParamKind::Boolean);
    }

    /// The committed table against the description it was made from, read here independently: every
    /// method, its parameters in order, whether each is required, and the type of those typed directly.
    #[test]
    fn table_is_the_description() {
        let doc: Value = serde_json::from_str(OPENRPC_JSON).unwrap();
        let methods = doc["methods"].as_array().unwrap();
        assert_eq!(methods.len(), Spec::global().len());
        for m in methods {
            let (class, name) = m["name"].as_str().unwrap().split_once('.').unwrap();
            let spec = Spec::global().method(class, name).unwrap();
            assert_eq!((spec.class, spec.name), (class, name));
            assert!(Spec::global().has_method_name(name));
            let params = m["params"].as_array().unwrap();
            assert_eq!(spec.params.len(), params.len(), "{class}.{name}");
            for (p, s) in params.iter().zip(spec.params) {
                assert_eq!(s.name, p["name"].as_str().unwrap());
                assert_eq!(s.required, p["required"].as_bool().unwrap_or(false));
                if let Some(t) = p["schema"]["type"].as_str() {
                    assert_eq!(s.kind.name(), t, "{class}.{name} {}", s.name);
                }
            }
        }
        assert!(Spec::global().method("Doc", "NoSuchMethod").is_none());
        assert!(Spec::global().method("Field", "GetObject").is_none());
        assert!(!Spec::global().has_method_name("NoSuchMethod"));
    }

    #[test]
    fn binds_positional_and_named_and_checks_types() {
        let m = Spec::global().method("Global", "OpenDoc").unwrap();
        let b = m.bind(&json!(["a", null, null, null, true])).unwrap();
        assert_eq!(b.get("qDocName"), Some(&json!("a")));
        assert_eq!(b.get("qNoData"), Some(&json!(true)));
        assert!(b.get("qUserName").is_none());
        let b = m.bind(&json!({"qDocName": "a", "other": 1})).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(m.bind(&json!([])).unwrap_err().code, -32602);
        let e = m.bind(&json!([5])).unwrap_err();
        assert_eq!(e.code, -32602);
        assert!(e.parameter.contains("qDocName"));
        assert_eq!(
            m.bind(&json!(["a", "", "", "", "", "extra"]))
                .unwrap_err()
                .code,
            -32602
        );
        let n = Spec::global()
            .method("GenericVariable", "SetNumValue")
            .unwrap();
        assert!(n.bind(&json!([1.5])).is_ok());
        assert!(n.bind(&json!(["1.5"])).is_err());
    }
}
