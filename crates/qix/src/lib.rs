//! A Rust SDK for Qlik engines — `qixd` or a real Qlik Sense — with the session model of Qlik's .NET SDK.
//!
//! # The five session kinds
//!
//! An engine session is keyed by user + app + identity; every socket with the same key shares one session
//! (one open app, one selection state, the same session objects).
//!
//! | .NET SDK | here | URL | shared by |
//! |---|---|---|---|
//! | `Session.Default` | [`Session::default()`] | `/app/engineData` | every client of the user (Global API only) |
//! | `Session.Random` | [`Session::random()`] | `/app/engineData/identity/<uuid>` | nobody (refused behind authentication) |
//! | `Session.WithApp(app)` | [`Session::with_app`] | `/app/<app>` | every client of the user and app |
//! | `Session.WithApp(app, SessionType.Random)` | [`Session::with_app_and_type`] | `/app/<app>/identity/<uuid>` | nobody |
//! | `Session.WithApp(app, "token")` | [`Session::with_app_and_token`] | `/app/<app>/identity/<token>` | whoever uses the token (same user) |
//!
//! # A complete example
//!
//! ```no_run
//! use qix::types::{FieldValue, GenericObjectProperties};
//! use qix::{Location, ObjectEvent, Session};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), qix::Error> {
//!     // Where the engine is and who we are (a JWT behind a proxy here; see Location for the others).
//!     let location = Location::from_uri("wss://qlik.example.com/jwt")?.as_jwt_via_proxy("eyJ...");
//!     let app_id = "3a64c0c4-7a4d-4c1c-8d4b-3f8a2c0e5d11";
//!
//!     // Two clients of one custom session: what one selects, the other sees.
//!     let session = || Session::with_app_and_token(app_id, "team-dashboard");
//!     let a = location.app(app_id, Some(session())).await?;
//!     let b = location.app(app_id, Some(session())).await?;
//!     println!("{:?} / {:?}", a.connection().state(), b.connection().state()); // Created / Attached
//!
//!     // A hypercube object on client B, typed end to end.
//!     let props: GenericObjectProperties = serde_json::from_value(serde_json::json!({
//!         "qInfo": {"qType": "table"},
//!         "qHyperCubeDef": {
//!             "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
//!             "qMeasures": [{"qDef": {"qDef": "Sum(Sales)"}}],
//!             "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 50}]
//!         }
//!     })).expect("valid properties");
//!     let table = b.create_session_object(&props).await?;
//!     let mut events = table.events();
//!
//!     // Client A selects; client B's object changes.
//!     let north = FieldValue { text: Some("North".into()), ..Default::default() };
//!     a.get_field("Region", None).await?.select_values(&[north], None, None).await?;
//!     assert_eq!(events.next().await, Some(ObjectEvent::Changed));
//!     let cube = table.get_layout().await?.hyper_cube().expect("a hypercube").expect("typed");
//!     for row in cube.data_pages.unwrap_or_default()[0].matrix.clone().unwrap_or_default() {
//!         println!("{:?} {:?}", row[0].text, row[1].num);
//!     }
//!
//!     // Suspend (the engine keeps the session for its TTL), then resume only if still attached.
//!     a.connection().suspend().await;
//!     a.connection().resume(true).await?;
//!     Ok(())
//! }
//! ```
//!
//! # What is here
//!
//! - [`Location`]: `ws`/`wss`/`http(s)` URIs with a virtual-proxy prefix; direct connections (port 4747,
//!   `X-Qlik-User`, a [`ClientCertificate`]), Qlik Sense Desktop (4848), JWT or a header through a proxy,
//!   TTL, extra root certificates or no validation.
//! - [`Location::hub`] → [`Hub`] (the `Global` class) and [`Location::app`] → [`App`] (the `Doc` class; the
//!   session's active doc first, `OpenDoc` only if none, as enigma.js and corectl do).
//! - The whole QIX API, generated from the engine's OpenRPC spec 12.2528.0 (336 methods, 333 types) by
//!   `cargo run -p qix-codegen`: the classes [`Global`], [`Doc`], [`GenericObject`], [`Field`],
//!   [`GenericDimension`], [`GenericMeasure`], [`GenericBookmark`], [`GenericVariable`], [`Variable`]; the
//!   types in [`types`], each keeping unknown properties in `extra`.
//! - [`Connection`]: many calls in flight, [`Event`]s (change/close lists, notifications), per-object
//!   [`ObjectEvents`], [`Connection::suspend`] / [`Connection::resume`] (reattach within the TTL, or reopen
//!   the doc and find objects again by id), typed [`Error`]s with the engine's code.
//!
//! Runnable examples for each session kind are in `crates/qix/examples/`.

#![deny(missing_docs)]

mod connection;
#[allow(missing_docs, clippy::all, rustdoc::all)]
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
