//! What the HTTP handlers share — the engine's routes (`http`), the hub's pages (`hub`) and the session
//! inspector (`inspector`) — kept in a module of its own so those three do not import each other.

use crate::api::Env;
use crate::auth::Authenticator;
use crate::config::Config;
use crate::registry::Registry;
use std::sync::Arc;
use tokio::sync::watch;

/// What the HTTP handlers share.
pub struct Shared {
    /// The flags.
    pub config: Config,
    /// This node's id (`--node-id`, else host and port): decided at start, once the port is known, so
    /// kept here rather than written into `config`.
    pub node: String,
    /// Verifies credentials at the upgrade.
    pub auth: Authenticator,
    /// All sessions.
    pub registry: Arc<Registry>,
    /// What API calls need beyond their session.
    pub env: Arc<Env>,
    /// Flips to true at shutdown; sockets stop reading.
    pub shutdown: watch::Receiver<bool>,
    /// Session snapshots: a socket whose session does not live here may find it there.
    pub snapshots: Arc<crate::snapshot::Snapshots>,
}
