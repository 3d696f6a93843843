//! The QIX wire protocol, shared by the `qixd` server and the Rust SDK.
//!
//! What this crate is for:
//! - [`frame`]: parsing JSON-RPC 2.0 request frames the way the Qlik engine does (positional or named
//!   params, `id` 0, `delta`), and building responses, errors and id-less notifications.
//! - [`error`]: the engine's error codes (`-32700` … `LOCERR_*`) with the messages the real engine sends.
//! - [`path`]: the session URL grammar `/app/<appId>[/identity/<id>][/ttl/<n>]`, parsed by the server and
//!   built by clients, so both sides agree by construction.
//! - [`splice`]: results with parts (a layout's data pages) written as JSON text ahead of time, and the
//!   writer that puts them in place.
//! - [`spec`]: the method signatures of the whole QIX API (336 methods), read from the OpenRPC description
//!   published with enigma-go, used to bind and type-check params for every method.
//!
//! What it is not for: sockets, sessions or any engine logic. It has no async code and no I/O.

pub mod error;
pub mod frame;
pub mod path;
pub mod spec;
pub mod splice;

pub use error::{ErrorCode, RpcError};
pub use frame::{Notification, Request, Response};
pub use path::SessionPath;
pub use spec::{MethodSpec, ParamKind, ParamSpec, Spec};
