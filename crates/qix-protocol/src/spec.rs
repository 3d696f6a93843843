//! Method signatures of the whole QIX API, from the OpenRPC description published with enigma-go.
//!
//! The server binds every request's params (positional or named) against the method's signature and checks
//! their JSON types before a method runs, so a wrong type gets -32602 naming the parameter, for all 336
//! methods alike, instead of each handler checking by hand.

use crate::error::RpcError;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The OpenRPC description of QIX API 12.2528.0, embedded at build time.
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
    fn from_schema(schema: &Value, schemas: &Map<String, Value>) -> ParamKind {
        if let Some(t) = schema.get("type").and_then(Value::as_str) {
            return match t {
                "string" => ParamKind::String,
                "integer" => ParamKind::Integer,
                "number" => ParamKind::Number,
                "boolean" => ParamKind::Boolean,
                "object" => ParamKind::Object,
                "array" => ParamKind::Array,
                _ => ParamKind::Any,
            };
        }
        let target = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
            .and_then(|name| schemas.get(name));
        match target {
            // Enums are described by reference to a schema of type string.
            Some(s) if s.get("$ref").is_none() => ParamKind::from_schema(s, schemas),
            _ => ParamKind::Any,
        }
    }

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
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// Its name, e.g. `qDocName`.
    pub name: String,
    /// Whether the engine requires it.
    pub required: bool,
    /// The JSON type it must have.
    pub kind: ParamKind,
}

/// One method: `Class.Method` and its parameters in positional order.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodSpec {
    /// The class, e.g. `Doc`.
    pub class: String,
    /// The method, e.g. `GetObject`.
    pub name: String,
    /// The parameters in positional order.
    pub params: Vec<ParamSpec>,
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
                        named.insert(p.name.clone(), v.clone());
                    }
                }
            }
            Value::Object(map) => {
                for p in &self.params {
                    if let Some(v) = map.get(&p.name).filter(|v| !v.is_null()) {
                        named.insert(p.name.clone(), v.clone());
                    }
                }
            }
            _ => {
                return Err(RpcError::invalid_params(
                    "params must be an array or an object",
                ))
            }
        }
        for p in &self.params {
            match named.get(&p.name) {
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

/// All method signatures, by class and method name.
#[derive(Debug)]
pub struct Spec {
    methods: HashMap<(String, String), MethodSpec>,
}

impl Spec {
    /// The embedded spec, parsed once.
    pub fn global() -> &'static Spec {
        static SPEC: OnceLock<Spec> = OnceLock::new();
        SPEC.get_or_init(|| {
            // The embedded file is part of the build; it failing to parse is a build defect, caught by tests.
            Spec::from_json(OPENRPC_JSON).expect("embedded OpenRPC spec parses")
        })
    }

    /// Parses an OpenRPC description.
    pub fn from_json(text: &str) -> Result<Spec, serde_json::Error> {
        let doc: Value = serde_json::from_str(text)?;
        let empty = Map::new();
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut methods = HashMap::new();
        for m in doc
            .get("methods")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(full) = m.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some((class, name)) = full.split_once('.') else {
                continue;
            };
            let params = m
                .get("params")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| ParamSpec {
                    name: p
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                    kind: p
                        .get("schema")
                        .map(|s| ParamKind::from_schema(s, schemas))
                        .unwrap_or(ParamKind::Any),
                })
                .collect();
            methods.insert(
                (class.to_string(), name.to_string()),
                MethodSpec {
                    class: class.to_string(),
                    name: name.to_string(),
                    params,
                },
            );
        }
        Ok(Spec { methods })
    }

    /// The signature of `class.method`, if the API has it.
    pub fn method(&self, class: &str, method: &str) -> Option<&MethodSpec> {
        self.methods.get(&(class.to_string(), method.to_string()))
    }

    /// How many methods the API has.
    pub fn len(&self) -> usize {
        self.methods.len()
    }

    /// Whether the spec has no methods.
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty()
    }

    /// Every method.
    pub fn methods(&self) -> impl Iterator<Item = &MethodSpec> {
        self.methods.values()
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
