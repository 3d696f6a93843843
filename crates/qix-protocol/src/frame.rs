//! JSON-RPC 2.0 frames as the QIX engine reads and writes them.
//!
//! Requests look like `{"jsonrpc":"2.0","id":1,"method":"OpenDoc","handle":-1,"params":["app"]}`.
//! `params` may be an array (positional) or an object (named); `id` may be 0 (or a string); enigma.js adds
//! `"delta": true`. Responses may carry `change` / `close` handle lists; the server also pushes id-less
//! messages holding only those lists, and notifications such as `OnConnected`.

use crate::error::RpcError;
use crate::splice::Splice;
use serde_json::{json, Map, Value};

/// A request, validated as far as the frame itself goes (not the method or its params).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The request id, echoed in the response. Numbers (including 0) and strings are accepted.
    pub id: Value,
    /// Method name, e.g. `OpenDoc`.
    pub method: String,
    /// The handle of the object the method is called on; -1 is the Global object.
    pub handle: i64,
    /// `Value::Array` (positional), `Value::Object` (named) or `Value::Null` (none).
    pub params: Value,
    /// The client asked for JSON-Patch answers.
    pub delta: bool,
}

/// Why a frame could not become a [`Request`]: the error to send and the id to send it with
/// (`null` when the id could not be read).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameError {
    /// The id to answer with.
    pub id: Value,
    /// The error to answer with.
    pub error: RpcError,
}

impl Request {
    /// Parses one text frame. Malformed JSON is -32700; anything that is not a request object is -32600.
    #[allow(clippy::result_large_err)] // a rejected frame is rare; the error is built once and sent
    pub fn parse(text: &str) -> Result<Request, FrameError> {
        let value: Value = serde_json::from_str(text).map_err(|e| FrameError {
            id: Value::Null,
            error: RpcError::parse(e.to_string()),
        })?;
        Self::from_value(value)
    }

    /// Validates an already-parsed JSON value as a request.
    #[allow(clippy::result_large_err)] // as for `parse`
    pub fn from_value(value: Value) -> Result<Request, FrameError> {
        let Value::Object(mut obj) = value else {
            return Err(FrameError {
                id: Value::Null,
                error: RpcError::invalid_request("request must be a JSON object"),
            });
        };
        let id = match obj.remove("id") {
            None | Some(Value::Null) => Value::Null,
            // A number must survive the round trip exactly: an integer of 64 bits. A larger one would be
            // read as a float and echoed changed (18446744073709551616 as 1.8446744073709552e19).
            Some(Value::Number(n)) if n.is_f64() => {
                return Err(FrameError {
                    id: Value::Null,
                    error: RpcError::invalid_request(
                        "id must be a string or an integer within 64 bits",
                    ),
                })
            }
            Some(v @ (Value::Number(_) | Value::String(_))) => v,
            Some(_) => {
                return Err(FrameError {
                    id: Value::Null,
                    error: RpcError::invalid_request("id must be a number or a string"),
                })
            }
        };
        let bad = |what: &str| FrameError {
            id: id.clone(),
            error: RpcError::invalid_request(what.to_string()),
        };
        if id.is_null() {
            return Err(bad("id is required"));
        }
        if let Some(v) = obj.get("jsonrpc") {
            if v != "2.0" {
                return Err(bad("jsonrpc must be \"2.0\""));
            }
        }
        let method = match obj.remove("method") {
            Some(Value::String(m)) if !m.is_empty() => m,
            _ => return Err(bad("method must be a non-empty string")),
        };
        let handle = match obj.get("handle") {
            None => return Err(bad("handle is required")),
            Some(h) => match h.as_i64() {
                Some(h) => h,
                None => return Err(bad("handle must be an integer")),
            },
        };
        let params = match obj.remove("params") {
            None | Some(Value::Null) => Value::Null,
            Some(p @ (Value::Array(_) | Value::Object(_))) => p,
            Some(_) => return Err(bad("params must be an array or an object")),
        };
        let delta = matches!(obj.get("delta"), Some(Value::Bool(true)));
        Ok(Request {
            id,
            method,
            handle,
            params,
            delta,
        })
    }
}

/// A response to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The request's id.
    pub id: Value,
    /// The result object, or the error.
    pub outcome: Result<Value, RpcError>,
    /// Handles (of the receiving socket) whose layouts became stale.
    pub change: Vec<i64>,
    /// Handles (of the receiving socket) whose objects are gone.
    pub close: Vec<i64>,
    /// The result's keys are JSON Patches (delta mode).
    pub delta: bool,
    /// Parts of the result written as JSON text already ([`crate::splice`]): the result holds `null` at
    /// each one's pointer.
    pub splices: Vec<Splice>,
}

impl Response {
    /// The response as a JSON value, keys in the engine's order.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("jsonrpc".into(), json!("2.0"));
        m.insert("id".into(), self.id.clone());
        if self.delta && self.outcome.is_ok() {
            m.insert("delta".into(), json!(true));
        }
        match &self.outcome {
            Ok(result) => {
                let mut result = result.clone();
                crate::splice::resolve(&mut result, self.splices.clone());
                m.insert("result".into(), result)
            }
            Err(e) => m.insert("error".into(), e.to_value()),
        };
        if !self.change.is_empty() {
            m.insert("change".into(), json!(self.change));
        }
        if !self.close.is_empty() {
            m.insert("close".into(), json!(self.close));
        }
        Value::Object(m)
    }

    /// The response as the text frame to send: the same keys as [`Response::to_value`], written straight
    /// from the result (a layout is tens of kilobytes; copying it into a new tree first cost as much as
    /// writing it).
    pub fn to_text(&self) -> String {
        // Writing a JSON value or a list of integers to a vector cannot fail.
        let mut out = br#"{"jsonrpc":"2.0","id":"#.to_vec();
        let _ = serde_json::to_writer(&mut out, &self.id);
        match &self.outcome {
            Ok(result) => {
                if self.delta {
                    out.extend_from_slice(br#","delta":true"#);
                }
                out.extend_from_slice(br#","result":"#);
                crate::splice::write(&mut out, result, &self.splices);
            }
            Err(e) => {
                out.extend_from_slice(br#","error":"#);
                let _ = serde_json::to_writer(&mut out, &e.to_value());
            }
        }
        for (key, handles) in [("change", &self.change), ("close", &self.close)] {
            if !handles.is_empty() {
                out.extend_from_slice(format!(r#","{key}":"#).as_bytes());
                let _ = serde_json::to_writer(&mut out, handles);
            }
        }
        out.push(b'}');
        // serde_json writes UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Messages the engine sends without being asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    /// The first frame on every socket: `SESSION_CREATED` or `SESSION_ATTACHED` (or an error state).
    OnConnected {
        /// The session state string.
        state: String,
    },
    /// A named notification with `params: {severity, timestamp, message}` (e.g.
    /// `OnMaxParallelSessionsExceeded`).
    Event {
        /// Method name.
        method: String,
        /// `fatal`, `error`, `warning` or `info`.
        severity: String,
        /// What happened.
        message: String,
        /// ISO-8601 time.
        timestamp: String,
    },
    /// Handles of the receiving socket that changed or closed because of another socket's request.
    Handles {
        /// Stale handles.
        change: Vec<i64>,
        /// Closed handles.
        close: Vec<i64>,
    },
}

impl Notification {
    /// The notification as a JSON value.
    pub fn to_value(&self) -> Value {
        match self {
            Notification::OnConnected { state } => json!({
                "jsonrpc": "2.0", "method": "OnConnected", "params": {"qSessionState": state}
            }),
            Notification::Event {
                method,
                severity,
                message,
                timestamp,
            } => json!({
                "jsonrpc": "2.0", "method": method,
                "params": {"severity": severity, "timestamp": timestamp, "message": message}
            }),
            Notification::Handles { change, close } => {
                let mut m = Map::new();
                m.insert("jsonrpc".into(), json!("2.0"));
                if !change.is_empty() {
                    m.insert("change".into(), json!(change));
                }
                if !close.is_empty() {
                    m.insert("close".into(), json!(close));
                }
                Value::Object(m)
            }
        }
    }

    /// The notification as the text frame to send.
    pub fn to_text(&self) -> String {
        self.to_value().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_positional_named_and_id_zero() {
        let r = Request::parse(r#"{"jsonrpc":"2.0","id":0,"method":"OpenDoc","handle":-1,"params":["a"],"delta":true}"#).unwrap();
        assert_eq!(r.id, json!(0));
        assert_eq!(r.handle, -1);
        assert!(r.delta);
        assert_eq!(r.params, json!(["a"]));
        let r = Request::parse(
            r#"{"id":"x","method":"OpenDoc","handle":-1,"params":{"qDocName":"a"}}"#,
        )
        .unwrap();
        assert_eq!(r.params, json!({"qDocName":"a"}));
    }

    #[test]
    fn rejects_bad_frames_with_engine_codes() {
        assert_eq!(Request::parse("{nope").unwrap_err().error.code, -32700);
        assert_eq!(Request::parse("[1,2]").unwrap_err().error.code, -32600);
        assert_eq!(Request::parse("42").unwrap_err().error.code, -32600);
        let e = Request::parse(r#"{"id":7,"handle":-1}"#).unwrap_err();
        assert_eq!((e.id, e.error.code), (json!(7), -32600));
        let e = Request::parse(r#"{"id":7,"method":"X","handle":"a"}"#).unwrap_err();
        assert_eq!(e.error.code, -32600);
        let e = Request::parse(r#"{"id":7,"method":"X","handle":-1,"params":3}"#).unwrap_err();
        assert_eq!(e.error.code, -32600);
    }

    #[test]
    fn the_text_of_a_response_is_its_value_written_out() {
        let result = json!({"qLayout": {"b": [1, "x", null], "a": {"z": 1.5, "y": true}}});
        let error = RpcError::new(crate::ErrorCode::NotFound, "gone");
        for (outcome, delta, change, close) in [
            (Ok(result.clone()), false, vec![], vec![]),
            (Ok(result), true, vec![1, 2], vec![3]),
            (Err(error), true, vec![], vec![4]),
        ] {
            let r = Response {
                id: json!(18446744073709551615u64),
                outcome,
                change,
                close,
                delta,
                splices: vec![],
            };
            assert_eq!(r.to_text(), r.to_value().to_string());
        }
    }

    #[test]
    fn a_response_with_written_parts_reads_as_the_value_they_make() {
        let page = r#"{"qMatrix":[[{"qText":"a"}]],"qArea":{"qTop":0}}"#;
        let r = Response {
            id: json!(3),
            outcome: Ok(json!({"qLayout": {"qHyperCube": {"qDataPages": [null]}, "x": [1]}})),
            change: vec![],
            close: vec![],
            delta: false,
            splices: vec![Splice {
                pointer: "/qLayout/qHyperCube/qDataPages/0".into(),
                json: page.into(),
            }],
        };
        let text = r.to_text();
        assert!(text.contains(page), "{text}");
        assert_eq!(text, r.to_value().to_string());
        assert_eq!(
            r.to_value()["result"]["qLayout"]["qHyperCube"]["qDataPages"][0]["qMatrix"][0][0]
                ["qText"],
            "a"
        );
    }

    #[test]
    fn ids_round_trip_exactly_or_are_refused() {
        let big = r#"{"id":18446744073709551615,"method":"X","handle":-1}"#;
        let r = Request::parse(big).unwrap();
        assert_eq!(r.id.to_string(), "18446744073709551615");
        let r = Request::parse(r#"{"id":-9223372036854775808,"method":"X","handle":-1}"#).unwrap();
        assert_eq!(r.id.to_string(), "-9223372036854775808");
        for bad in ["18446744073709551616", "1.5", "1e3"] {
            let frame = format!(r#"{{"id":{bad},"method":"X","handle":-1}}"#);
            let e = Request::parse(&frame).unwrap_err();
            assert_eq!((e.id, e.error.code), (Value::Null, -32600), "{bad}");
        }
    }

    #[test]
    fn response_carries_change_and_close_only_when_present() {
        let r = Response {
            id: json!(1),
            outcome: Ok(json!({})),
            change: vec![],
            close: vec![],
            delta: false,
            splices: vec![],
        };
        assert_eq!(r.to_value(), json!({"jsonrpc":"2.0","id":1,"result":{}}));
        let r = Response {
            id: json!(1),
            outcome: Err(RpcError::not_found("x")),
            change: vec![2],
            close: vec![3],
            delta: false,
            splices: vec![],
        };
        let v = r.to_value();
        assert_eq!(v["error"]["code"], 2);
        assert_eq!(v["change"], json!([2]));
        assert_eq!(v["close"], json!([3]));
    }
}
