//! A Rust SDK for Qlik engines — `qixd` or a real Qlik Sense — with the session model of Qlik's .NET SDK.
//!
//! # Session kinds
//!
//! | .NET SDK | here | URL |
//! |---|---|---|
//! | `Session.Default` | [`Session::default()`] | `/app/engineData` |
//! | `Session.Random` | [`Session::random()`] | `/app/engineData/identity/<uuid>` (refused behind a proxy) |
//! | `Session.WithApp(app)` | [`Session::with_app`] | `/app/<app>` |
//! | `Session.WithApp(app, SessionType.Random)` | [`Session::with_app_and_type`] | `/app/<app>/identity/<uuid>` |
//! | `Session.WithApp(app, "token")` | [`Session::with_app_and_token`] | `/app/<app>/identity/<token>` |
//!
//! ```no_run
//! # async fn demo() -> Result<(), qix::Error> {
//! use qix::{Location, Session};
//! let location = Location::from_uri("ws://localhost:9076")?;
//! let app = location.app("my-app", Some(Session::with_app_and_token("my-app", "team"))).await?;
//! println!("{:?}", app.connection().state());
//! let layout = app.call("GetAppLayout", serde_json::json!([])).await?;
//! # Ok(()) }
//! ```
//!
//! What this crate is for: connecting with the right session, authenticating (header user, JWT), and calling
//! the QIX API with typed errors. Not yet: `wss` (TLS), the generated typed API of all 336 methods,
//! suspend/resume, and the `qix` command-line tool (issue #6 says what is missing).

mod connection;
#[allow(missing_docs, clippy::all)]
mod generated;
mod location;
mod object;
mod session;
mod tls;
mod wire;

pub use connection::{Connection, Event, SessionState};
pub use generated::methods::{
    Doc, Field, GenericBookmark, GenericDimension, GenericMeasure, GenericObject, GenericVariable,
    Global, Variable,
};
pub use location::{App, Hub, Location};
pub use object::{ObjectEvent, ObjectEvents, RemoteObject};
pub use session::{Session, SessionType};
pub use tls::ClientCertificate;

/// Every type of the QIX API (layouts, properties, definitions, enums), generated from the engine's
/// OpenRPC spec; unknown properties are kept in each struct's `extra`.
pub mod types {
    pub use crate::generated::types::*;
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine answered with an error (its code, parameter and message).
    #[error("engine error {}: {} ({})", .0.code, .0.message, .0.parameter)]
    Engine(qix_protocol::RpcError),
    /// The URI is not a ws/http engine address, or uses what this SDK does not support yet.
    #[error("bad location: {0}")]
    Location(String),
    /// The WebSocket could not be opened (an HTTP status when the upgrade was refused).
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The socket closed, or the engine sent something that is not QIX.
    #[error("connection: {0}")]
    Connection(String),
    /// An answer did not have the shape the spec gives it (or a parameter could not be serialised).
    #[error("unexpected answer: {0}")]
    Decode(String),
    /// A method that opens an object answered a null handle: there is no such object (what the engine
    /// answers to `GetObject`, `GetField`, ... for an unknown id).
    #[error("object not found (by {0})")]
    ObjectNotFound(String),
}
