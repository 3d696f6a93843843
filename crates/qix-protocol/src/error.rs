//! Engine error codes and the JSON-RPC error object.
//!
//! The real engine answers every failure with `{"code": C, "parameter": "...", "message": "..."}`.
//! Clients switch on `code` (nebula.js creates a missing `FieldList` object when `GetObject` fails with 2),
//! so the codes here must match the engine's exactly; the messages follow the engine's wording.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The error codes `qixd` sends, with the numbers the Qlik engine uses for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// -32700: the frame is not valid JSON.
    ParseError,
    /// -32600: valid JSON, but not a JSON-RPC request object.
    InvalidRequest,
    /// -32601: no such method on the handle's class.
    MethodNotFound,
    /// -32602: params missing, of the wrong type, or the handle does not exist on this socket.
    InvalidParams,
    /// -128: an internal failure (never expected; logged).
    Internal,
    /// 2: LOCERR_GENERIC_NOT_FOUND, e.g. `GetObject` on an id that does not exist.
    NotFound,
    /// 5: LOCERR_GENERIC_ACCESS_DENIED.
    AccessDenied,
    /// 15: LOCERR_GENERIC_ABORTED.
    Aborted,
    /// 1002: LOCERR_APP_ALREADY_OPEN: the session already has an app open.
    AppAlreadyOpen,
    /// 1003: LOCERR_APP_NOT_FOUND.
    AppNotFound,
    /// 1000: LOCERR_APP_ALREADY_EXISTS: `CreateApp` of a name an app has as its id.
    AppAlreadyExists,
    /// 1007: LOCERR_APP_INVALID: what the engine answers `GetActiveDoc` with when no app is open
    /// (seen in a real trace: parameter "No active document", message "App invalid").
    AppInvalid,
    /// 1009: LOCERR_APP_ALREADY_OPEN_IN_DIFFERENT_MODE.
    AppOpenInDifferentMode,
    /// 9009: LOCERR_PERSISTENCE_NOT_SUPPORTED_FOR_SESSION_APP: e.g. `DoSave` on a session app.
    NotSupportedForSessionApp,
    /// 18000: LOCERR_VARIABLE_NO_NAME.
    VariableNoName,
    /// 18001: LOCERR_VARIABLE_DUPLICATE_NAME.
    VariableDuplicateName,
    /// 4000: LOCERR_USER_ACCESS_DENIED.
    UserAccessDenied,
    /// 8001: LOCERR_LAYOUT_LINKED_OBJECT_NOT_FOUND: the object's `qExtendsId` names no object.
    LinkedObjectNotFound,
    /// 8002: LOCERR_LAYOUT_LINKED_OBJECT_INVALID: the `qExtendsId` chain loops back on itself.
    LinkedObjectInvalid,
    /// 5006: the engine is too busy to take the request.
    ServerBusy,
    /// 7009: LOCERR_CALC_PAGES_TOO_LARGE: data pages asking for more cells than one request may.
    CalcPagesTooLarge,
    /// 3000: LOCERR_FILE_ACCESS_DENIED: a path or connection that would leave its folder.
    FileAccessDenied,
}

impl ErrorCode {
    /// The number sent on the wire.
    pub fn code(self) -> i64 {
        match self {
            ErrorCode::ParseError => -32700,
            ErrorCode::InvalidRequest => -32600,
            ErrorCode::MethodNotFound => -32601,
            ErrorCode::InvalidParams => -32602,
            ErrorCode::Internal => -128,
            ErrorCode::NotFound => 2,
            ErrorCode::AccessDenied => 5,
            ErrorCode::Aborted => 15,
            ErrorCode::AppAlreadyOpen => 1002,
            ErrorCode::AppNotFound => 1003,
            ErrorCode::AppAlreadyExists => 1000,
            ErrorCode::AppInvalid => 1007,
            ErrorCode::NotSupportedForSessionApp => 9009,
            ErrorCode::VariableNoName => 18000,
            ErrorCode::VariableDuplicateName => 18001,
            ErrorCode::AppOpenInDifferentMode => 1009,
            ErrorCode::UserAccessDenied => 4000,
            ErrorCode::LinkedObjectNotFound => 8001,
            ErrorCode::LinkedObjectInvalid => 8002,
            ErrorCode::ServerBusy => 5006,
            ErrorCode::CalcPagesTooLarge => 7009,
            ErrorCode::FileAccessDenied => 3000,
        }
    }

    /// The message the real engine sends with this code.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::ParseError => "Parse error",
            ErrorCode::InvalidRequest => "Invalid Request",
            ErrorCode::MethodNotFound => "Method not found",
            ErrorCode::InvalidParams => "Invalid Params",
            ErrorCode::Internal => "Internal error",
            ErrorCode::NotFound => "Object not found",
            ErrorCode::AccessDenied => "Access denied",
            ErrorCode::Aborted => "Request aborted",
            ErrorCode::AppAlreadyOpen => "App already open",
            ErrorCode::AppNotFound => "App not found",
            ErrorCode::AppAlreadyExists => "App already exists",
            ErrorCode::AppInvalid => "App invalid",
            ErrorCode::NotSupportedForSessionApp => "Not supported for session app",
            ErrorCode::VariableNoName => "Variable has no name",
            ErrorCode::VariableDuplicateName => "Variable name already in use",
            ErrorCode::AppOpenInDifferentMode => "App already open in different mode",
            ErrorCode::UserAccessDenied => "Access denied",
            ErrorCode::LinkedObjectNotFound => "Linked object not found",
            ErrorCode::LinkedObjectInvalid => "Linked object invalid",
            ErrorCode::ServerBusy => "Server busy",
            ErrorCode::CalcPagesTooLarge => "Calculation pages too large",
            ErrorCode::FileAccessDenied => "File access denied",
        }
    }

    /// The `LOCERR_*` or JSON-RPC name, used for metric labels and logs.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::ParseError => "PARSE_ERROR",
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::MethodNotFound => "METHOD_NOT_FOUND",
            ErrorCode::InvalidParams => "INVALID_PARAMS",
            ErrorCode::Internal => "LOCERR_INTERNAL_ERROR",
            ErrorCode::NotFound => "LOCERR_GENERIC_NOT_FOUND",
            ErrorCode::AccessDenied => "LOCERR_GENERIC_ACCESS_DENIED",
            ErrorCode::Aborted => "LOCERR_GENERIC_ABORTED",
            ErrorCode::AppAlreadyOpen => "LOCERR_APP_ALREADY_OPEN",
            ErrorCode::AppNotFound => "LOCERR_APP_NOT_FOUND",
            ErrorCode::AppAlreadyExists => "LOCERR_APP_ALREADY_EXISTS",
            ErrorCode::AppInvalid => "LOCERR_APP_INVALID",
            ErrorCode::NotSupportedForSessionApp => {
                "LOCERR_PERSISTENCE_NOT_SUPPORTED_FOR_SESSION_APP"
            }
            ErrorCode::VariableNoName => "LOCERR_VARIABLE_NO_NAME",
            ErrorCode::VariableDuplicateName => "LOCERR_VARIABLE_DUPLICATE_NAME",
            ErrorCode::AppOpenInDifferentMode => "LOCERR_APP_ALREADY_OPEN_IN_DIFFERENT_MODE",
            ErrorCode::UserAccessDenied => "LOCERR_USER_ACCESS_DENIED",
            ErrorCode::LinkedObjectNotFound => "LOCERR_LAYOUT_LINKED_OBJECT_NOT_FOUND",
            ErrorCode::LinkedObjectInvalid => "LOCERR_LAYOUT_LINKED_OBJECT_INVALID",
            ErrorCode::ServerBusy => "LOCERR_SERVER_BUSY",
            ErrorCode::CalcPagesTooLarge => "LOCERR_CALC_PAGES_TOO_LARGE",
            ErrorCode::FileAccessDenied => "LOCERR_FILE_ACCESS_DENIED",
        }
    }
}

/// A JSON-RPC error object as the engine sends it: code, the offending parameter, a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{code} {message} ({parameter})")]
pub struct RpcError {
    /// The numeric code ([`ErrorCode::code`]).
    pub code: i64,
    /// What the error is about: a parameter name, an id, a method; may be empty.
    #[serde(default)]
    pub parameter: String,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
}

impl RpcError {
    /// An error with the engine's standard message for `code` and the given parameter text.
    pub fn new(code: ErrorCode, parameter: impl Into<String>) -> Self {
        RpcError {
            code: code.code(),
            parameter: parameter.into(),
            message: code.message().to_string(),
        }
    }

    /// Parse error (-32700).
    pub fn parse(parameter: impl Into<String>) -> Self {
        Self::new(ErrorCode::ParseError, parameter)
    }
    /// Invalid request (-32600).
    pub fn invalid_request(parameter: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, parameter)
    }
    /// Method not found (-32601); the parameter names the method.
    pub fn method_not_found(method: impl Into<String>) -> Self {
        Self::new(ErrorCode::MethodNotFound, method)
    }
    /// Invalid params (-32602).
    pub fn invalid_params(parameter: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParams, parameter)
    }
    /// Invalid handle: the engine answers -32602 with parameter "Invalid handle".
    pub fn invalid_handle() -> Self {
        Self::new(ErrorCode::InvalidParams, "Invalid handle")
    }
    /// Object not found (2).
    pub fn not_found(id: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, id)
    }

    /// The error object as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::json!({"code": self.code, "parameter": self.parameter, "message": self.message})
    }
}
