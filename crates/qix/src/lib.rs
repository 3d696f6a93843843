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
mod location;
mod session;

pub use connection::{Connection, Event, SessionState};
pub use location::{App, Hub, Location};
pub use session::{Session, SessionType};

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
}
