//! What the generated API leans on: building named params, reading results into types, enums whose wire
//! value is a string (or, from some engines, the number), and numbers that arrive as `"NaN"`.

use crate::Error;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Puts one named parameter.
pub(crate) fn arg<T: Serialize + ?Sized>(
    params: &mut Map<String, Value>,
    name: &str,
    value: &T,
) -> Result<(), Error> {
    let v = serde_json::to_value(value).map_err(|e| Error::Decode(format!("{name}: {e}")))?;
    params.insert(name.to_string(), v);
    Ok(())
}

/// Reads one property of a result (a missing property reads as `null`, which optional types accept).
pub(crate) fn take<T: DeserializeOwned>(mut result: Value, name: &str) -> Result<T, Error> {
    let v = result.get_mut(name).map(Value::take).unwrap_or(Value::Null);
    serde_json::from_value(v).map_err(|e| Error::Decode(format!("{name}: {e}")))
}

/// Reads a whole result object.
pub(crate) fn decode<T: DeserializeOwned>(result: Value) -> Result<T, Error> {
    serde_json::from_value(result).map_err(|e| Error::Decode(e.to_string()))
}

/// An optional number that may come as a JSON number or as a string such as `"NaN"` or `"Infinity"`
/// (the engine writes non-finite numbers as strings).
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => Some(match s.as_str() {
            "NaN" => f64::NAN,
            "Infinity" | "+Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => other
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("not a number: {other}")))?,
        }),
        Some(Value::Null) | None => None,
        Some(other) => return Err(serde::de::Error::custom(format!("not a number: {other}"))),
    })
}

/// An optional integer that may come as `3.0` (some engines write integers as doubles).
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Some(i),
            None => n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64),
        },
        Some(Value::Null) | None => None,
        Some(other) => return Err(serde::de::Error::custom(format!("not an integer: {other}"))),
    })
}

/// A string enum of the QIX API: serialised as its wire title; read from the title or from its number;
/// a value this spec version does not know is kept in `Other`.
macro_rules! qix_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($title:literal, $number:literal),)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the spec does not know, as it came.
            Other(String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $title,)*
                    $name::Other(s) => s,
                }
            }

            /// The engine's number for this value (`None` for `Other`).
            pub fn number(&self) -> Option<i64> {
                match self {
                    $($name::$variant => Some($number),)*
                    $name::Other(_) => None,
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                match serde_json::Value::deserialize(d)? {
                    serde_json::Value::String(s) => Ok(match s.as_str() {
                        $($title => $name::$variant,)*
                        _ => $name::Other(s),
                    }),
                    serde_json::Value::Number(n) => Ok(match n.as_i64() {
                        $(Some($number) => $name::$variant,)*
                        _ => $name::Other(n.to_string()),
                    }),
                    other => Err(serde::de::Error::custom(format!(
                        "{}: expected a string or a number, got {other}",
                        stringify!($name)
                    ))),
                }
            }
        }
    };
}
pub(crate) use qix_enum;

#[cfg(test)]
mod tests {
    use crate::types::{NxCell, NxSortIndicatorType};
    use serde_json::json;

    #[test]
    fn enums_read_titles_and_numbers_and_keep_unknowns() {
        let a: NxSortIndicatorType = serde_json::from_value(json!("A")).unwrap();
        assert_eq!(a, NxSortIndicatorType::A);
        let d: NxSortIndicatorType = serde_json::from_value(json!(2)).unwrap();
        assert_eq!(d, NxSortIndicatorType::D);
        let x: NxSortIndicatorType = serde_json::from_value(json!("Z")).unwrap();
        assert_eq!(x, NxSortIndicatorType::Other("Z".into()));
        assert_eq!(serde_json::to_value(&a).unwrap(), json!("A"));
        assert!(serde_json::from_value::<NxSortIndicatorType>(json!(true)).is_err());
    }

    #[test]
    fn cells_read_nan_and_keep_unknown_properties() {
        let c: NxCell = serde_json::from_value(
            json!({"qText": "-", "qNum": "NaN", "qElemNumber": 3.0, "qState": "O", "custom": {"a": 1}}),
        )
        .unwrap();
        assert!(c.num.unwrap().is_nan());
        assert_eq!(c.elem_number, Some(3));
        assert_eq!(c.extra["custom"], json!({"a": 1}));
        let back = serde_json::to_value(&c).unwrap();
        assert_eq!(back["custom"], json!({"a": 1}));
        assert_eq!(back["qState"], json!("O"));
        assert!(back.get("qIsTotalCell").is_none());
    }
}
