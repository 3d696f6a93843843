//! Who the user of a connection is, decided once at the WebSocket upgrade.
//!
//! Desktop mode: `Personal\Me`, unless the server trusts `X-Qlik-User` or verifies JWTs and the client sent one.
//! Server mode: a user is required, from a JWT in `Authorization: Bearer` (HS256/384/512 with `--jwt-secret`,
//! RS256/ES256 with `--jwt-public-key`; `exp` enforced) or, with `--trust-user-header`, from `X-Qlik-User`.
//! Missing or bad credentials fail here, before any session exists, and the upgrade answers 401.

use crate::config::{Config, Mode};
use axum::http::HeaderMap;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::fmt;

/// A user as the engine knows it: a user directory and an id within it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId {
    /// The user directory, e.g. `Personal`.
    pub directory: String,
    /// The user id within the directory, e.g. `Me`.
    pub id: String,
}

impl UserId {
    /// The desktop user, `Personal\Me`.
    pub fn personal() -> UserId {
        UserId {
            directory: "Personal".into(),
            id: "Me".into(),
        }
    }
}

impl fmt::Display for UserId {
    /// The engine's form, as `GetAuthenticatedUser` returns it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserDirectory={}; UserId={}", self.directory, self.id)
    }
}

/// Why a connection has no valid user.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AuthError {
    /// Server mode and no credentials at all.
    #[error("authentication required: send Authorization: Bearer <jwt>{0}")]
    Missing(&'static str),
    /// The JWT failed verification (signature, algorithm, expiry, shape).
    #[error("invalid token: {0}")]
    BadToken(String),
    /// `X-Qlik-User` is not `UserDirectory=D; UserId=U`.
    #[error("invalid X-Qlik-User header: expected 'UserDirectory=<dir>; UserId=<id>'")]
    BadHeader,
    /// A bearer token was sent but this server verifies none.
    #[error("this server does not accept JWTs (no --jwt-secret or --jwt-public-key)")]
    JwtNotConfigured,
}

/// The claims qixd reads from a JWT.
#[derive(Debug, Deserialize)]
struct Claims {
    /// The user id.
    sub: String,
    /// The user directory; `JWT` when absent.
    #[serde(rename = "userDirectory", default)]
    user_directory: Option<String>,
    /// Every other claim (the session inspector looks for `--admin-claim` here).
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

/// A user as authenticated, with the other claims of their JWT (empty without one).
#[derive(Debug, Clone, PartialEq)]
pub struct Credentials {
    /// Who the connection is.
    pub user: UserId,
    /// The JWT's claims other than `sub` and `userDirectory`.
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// Verifies credentials against the server's configuration.
pub struct Authenticator {
    mode: Mode,
    trust_user_header: bool,
    /// The key and the one algorithm family it accepts; `None` when JWTs are not configured.
    jwt: Option<(DecodingKey, Vec<Algorithm>)>,
}

/// Why the authenticator could not be built from the flags.
#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    /// The public key file could not be read.
    #[error("cannot read --jwt-public-key {0}: {1}")]
    Read(String, std::io::Error),
    /// The file is neither an RSA nor an EC public key in PEM.
    #[error("--jwt-public-key {0} is not an RSA or EC public key in PEM form")]
    BadKey(String),
    /// Server mode with no way to know the user.
    #[error("--mode server needs --jwt-secret, --jwt-public-key or --trust-user-header")]
    NoUserSource,
}

impl Authenticator {
    /// Builds the authenticator from the flags.
    pub fn from_config(config: &Config) -> Result<Authenticator, AuthConfigError> {
        let jwt = if let Some(path) = &config.jwt_public_key {
            let shown = path.display().to_string();
            let pem = std::fs::read(path).map_err(|e| AuthConfigError::Read(shown.clone(), e))?;
            if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
                Some((key, vec![Algorithm::RS256]))
            } else if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
                Some((key, vec![Algorithm::ES256]))
            } else {
                return Err(AuthConfigError::BadKey(shown));
            }
        } else {
            config.jwt_secret.as_ref().map(|secret| {
                (
                    DecodingKey::from_secret(secret.as_bytes()),
                    vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512],
                )
            })
        };
        if config.mode == Mode::Server && jwt.is_none() && !config.trust_user_header {
            return Err(AuthConfigError::NoUserSource);
        }
        Ok(Authenticator {
            mode: config.mode,
            trust_user_header: config.trust_user_header,
            jwt,
        })
    }

    /// The user of a connection with these headers.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<UserId, AuthError> {
        self.credentials(headers).map(|c| c.user)
    }

    /// The user of a connection with these headers, and the other claims of their JWT.
    pub fn credentials(&self, headers: &HeaderMap) -> Result<Credentials, AuthError> {
        let plain = |user| Credentials {
            user,
            claims: Default::default(),
        };
        if let Some(auth) = headers.get("authorization") {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .ok_or_else(|| AuthError::BadToken("expected 'Bearer <token>'".into()))?;
            return self.verify_jwt(token.trim());
        }
        if self.trust_user_header {
            if let Some(h) = headers.get("x-qlik-user") {
                let text = h.to_str().map_err(|_| AuthError::BadHeader)?;
                return parse_user_header(text)
                    .map(plain)
                    .ok_or(AuthError::BadHeader);
            }
        }
        match self.mode {
            Mode::Desktop => Ok(plain(UserId::personal())),
            Mode::Server => Err(AuthError::Missing(if self.trust_user_header {
                " or X-Qlik-User"
            } else {
                ""
            })),
        }
    }

    fn verify_jwt(&self, token: &str) -> Result<Credentials, AuthError> {
        let (key, algorithms) = self.jwt.as_ref().ok_or(AuthError::JwtNotConfigured)?;
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::BadToken(e.to_string()))?;
        if !algorithms.contains(&header.alg) {
            return Err(AuthError::BadToken(format!(
                "algorithm {:?} is not accepted here",
                header.alg
            )));
        }
        let mut validation = Validation::new(header.alg);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 0;
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|e| AuthError::BadToken(e.to_string()))?;
        if data.claims.sub.is_empty() {
            return Err(AuthError::BadToken("sub is empty".into()));
        }
        Ok(Credentials {
            user: UserId {
                directory: data.claims.user_directory.unwrap_or_else(|| "JWT".into()),
                id: data.claims.sub,
            },
            claims: data.claims.other,
        })
    }
}

/// Parses `UserDirectory=D; UserId=U` (order free, case-insensitive keys).
pub fn parse_user_header(text: &str) -> Option<UserId> {
    let mut directory = None;
    let mut id = None;
    for part in text.split(';') {
        let (k, v) = part.split_once('=')?;
        match k.trim().to_ascii_lowercase().as_str() {
            "userdirectory" => directory = Some(v.trim().to_string()),
            "userid" => id = Some(v.trim().to_string()),
            _ => {}
        }
    }
    match (directory, id) {
        (Some(d), Some(u)) if !d.is_empty() && !u.is_empty() => Some(UserId {
            directory: d,
            id: u,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_user_header() {
        assert_eq!(
            parse_user_header("UserDirectory=CORP; UserId=alice"),
            Some(UserId {
                directory: "CORP".into(),
                id: "alice".into()
            })
        );
        assert_eq!(
            parse_user_header("userid=bob;userdirectory=X").map(|u| u.id),
            Some("bob".into())
        );
        assert_eq!(parse_user_header("UserId=bob"), None);
        assert_eq!(parse_user_header("garbage"), None);
        assert_eq!(
            UserId::personal().to_string(),
            "UserDirectory=Personal; UserId=Me"
        );
    }
}
