//! Who may use the session inspector (`/sessions` and `/api/v1/sessions...`).
//!
//! Desktop mode has no authentication: the inspector answers only to connections from loopback, whose
//! user is the desktop user. Server mode: the connection's credentials (JWT or trusted header, as at the
//! WebSocket upgrade) must name a user of `--admin-users`, or carry the JWT claim `--admin-claim` set to
//! `true`. Missing or bad credentials answer 401, a user who is not an admin 403.

use crate::auth::{Credentials, UserId};
use crate::config::Mode;
use crate::shared::Shared;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::net::SocketAddr;

/// Who is looking, once let in.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewer {
    /// The user behind the request.
    pub user: UserId,
    /// Whether they administer the server (sees every session's identity, may end sessions).
    pub admin: bool,
}

impl Viewer {
    /// Whether this viewer may see the identity of a session of `owner`: admins and the owner only
    /// (an identity is what joins a session, so it is not shown to others).
    pub fn sees_identity_of(&self, owner: &UserId) -> bool {
        self.admin || &self.user == owner
    }
}

/// Why a request is refused: answered as `{"error": message}` with `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: StatusCode,
    /// What the client is told.
    pub message: String,
}

impl Refusal {
    /// A refusal with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

/// The viewer of a request from `remote` with `headers`, or the refusal to send.
pub fn check(shared: &Shared, headers: &HeaderMap, remote: SocketAddr) -> Result<Viewer, Refusal> {
    match shared.config.mode {
        Mode::Desktop => desktop(remote),
        Mode::Server => {
            let credentials = shared
                .auth
                .credentials(headers)
                .map_err(|e| Refusal::new(StatusCode::UNAUTHORIZED, e.to_string()))?;
            let admin = shared.env.rights.is_admin(&credentials.user)
                || has_admin_claim(&credentials, shared.config.admin_claim.as_deref());
            if admin {
                Ok(Viewer {
                    user: credentials.user,
                    admin,
                })
            } else {
                Err(Refusal::new(
                    StatusCode::FORBIDDEN,
                    "the session inspector is for admins (--admin-users or the --admin-claim JWT claim)",
                ))
            }
        }
    }
}

/// Desktop mode: the desktop user, an admin, from loopback only.
fn desktop(remote: SocketAddr) -> Result<Viewer, Refusal> {
    if remote.ip().to_canonical().is_loopback() {
        Ok(Viewer {
            user: UserId::personal(),
            admin: true,
        })
    } else {
        Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "the session inspector answers only on loopback in desktop mode",
        ))
    }
}

/// Whether the credentials carry `claim` set to `true` (a boolean, or the text `true`).
fn has_admin_claim(credentials: &Credentials, claim: Option<&str>) -> bool {
    let Some(name) = claim else {
        return false;
    };
    match credentials.claims.get(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_claims(claims: Value) -> Credentials {
        Credentials {
            user: UserId::personal(),
            claims: claims.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn desktop_mode_lets_in_loopback_only() {
        for ok in ["127.0.0.1:5000", "[::1]:5000", "[::ffff:127.0.0.1]:5000"] {
            let addr: SocketAddr = ok.parse().expect("an address");
            assert!(desktop(addr).is_ok_and(|v| v.admin), "{ok}");
        }
        for refused in ["192.0.2.7:5000", "[2001:db8::1]:5000"] {
            let addr: SocketAddr = refused.parse().expect("an address");
            let status = desktop(addr).map(|_| ()).map_err(|r| r.status);
            assert_eq!(status, Err(StatusCode::FORBIDDEN), "{refused}");
        }
    }

    #[test]
    fn the_admin_claim_must_be_true() {
        let c = with_claims(json!({"qixdAdmin": true, "other": "true", "no": false, "n": 1}));
        assert!(has_admin_claim(&c, Some("qixdAdmin")));
        assert!(has_admin_claim(&c, Some("other")));
        assert!(!has_admin_claim(&c, Some("no")));
        assert!(!has_admin_claim(&c, Some("n")));
        assert!(!has_admin_claim(&c, Some("missing")));
        assert!(!has_admin_claim(&c, None));
    }

    #[test]
    fn identities_are_shown_to_admins_and_owners_only() {
        let bob = UserId {
            directory: "CORP".into(),
            id: "bob".into(),
        };
        let viewer = Viewer {
            user: bob.clone(),
            admin: false,
        };
        assert!(viewer.sees_identity_of(&bob));
        assert!(!viewer.sees_identity_of(&UserId::personal()));
        let admin = Viewer {
            admin: true,
            ..viewer
        };
        assert!(admin.sees_identity_of(&UserId::personal()));
    }
}
