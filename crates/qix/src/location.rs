//! Where an engine is and how to authenticate to it; opening the Global API (`hub`) or an app.

use crate::connection::Connection;
use crate::generated::methods::{Doc, Global};
use crate::session::Session;
use crate::Error;

#[derive(Debug, Clone, PartialEq)]
enum Auth {
    Anonymous,
    Header(String, String),
    Jwt(String),
}

/// An engine address plus how to authenticate.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// `ws://host:port` (no path).
    base: String,
    /// A virtual-proxy prefix path, kept in every session URL.
    prefix: String,
    auth: Auth,
    ttl: Option<u64>,
}

impl Location {
    /// Parses `ws://`, `http://` (taken as ws) engine URIs, with an optional virtual-proxy prefix path.
    /// `wss://` / `https://` are refused for now: this SDK has no TLS yet.
    pub fn from_uri(uri: &str) -> Result<Location, Error> {
        let (scheme, rest) = uri
            .split_once("://")
            .ok_or_else(|| Error::Location(format!("{uri}: no scheme")))?;
        match scheme {
            "ws" | "http" => {}
            "wss" | "https" => {
                return Err(Error::Location(
                    "TLS (wss/https) is not supported yet".into(),
                ))
            }
            other => return Err(Error::Location(format!("{other}: not an engine scheme"))),
        }
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if host.is_empty() {
            return Err(Error::Location(format!("{uri}: no host")));
        }
        Ok(Location {
            base: format!("ws://{host}"),
            prefix: path.to_string(),
            auth: Auth::Anonymous,
            ttl: None,
        })
    }

    /// Behind a proxy that trusts a header naming the user (e.g. `X-Qlik-User: UserDirectory=D; UserId=U`
    /// is set by `as_direct_connection`).
    pub fn as_static_header_user_via_proxy(mut self, user_id: &str, header_name: &str) -> Location {
        self.auth = Auth::Header(header_name.to_string(), user_id.to_string());
        self
    }

    /// Direct to the engine with a trusted `X-Qlik-User` header.
    pub fn as_direct_connection(mut self, user_directory: &str, user_id: &str) -> Location {
        self.auth = Auth::Header(
            "X-Qlik-User".into(),
            format!("UserDirectory={user_directory}; UserId={user_id}"),
        );
        self
    }

    /// With a JWT in `Authorization: Bearer`.
    pub fn as_jwt_via_proxy(mut self, token: &str) -> Location {
        self.auth = Auth::Jwt(token.to_string());
        self
    }

    /// No credentials (desktop engines).
    pub fn as_anonymous(mut self) -> Location {
        self.auth = Auth::Anonymous;
        self
    }

    /// Keep sessions alive this long without sockets (`/ttl/<n>`).
    pub fn with_ttl(mut self, seconds: u64) -> Location {
        self.ttl = Some(seconds);
        self
    }

    /// The URL of `session` at this location.
    pub fn url(&self, session: &Session) -> String {
        format!("{}{}", self.base, session.path(&self.prefix, self.ttl))
    }

    fn headers(&self) -> Vec<(String, String)> {
        match &self.auth {
            Auth::Anonymous => vec![],
            Auth::Header(k, v) => vec![(k.clone(), v.clone())],
            Auth::Jwt(t) => vec![("Authorization".into(), format!("Bearer {t}"))],
        }
    }

    /// Connects to `session` and returns the Global API.
    pub async fn hub(&self, session: Session) -> Result<Hub, Error> {
        let conn = Connection::open(&self.url(&session), &self.headers()).await?;
        Ok(Hub {
            global: Global::from(conn.global()),
        })
    }

    /// Opens `app_id` in `session` (by default the App session of `app_id`): the session's active doc when
    /// it has one (joining a live session), else `OpenDoc`, as enigma.js and corectl do.
    pub async fn app(&self, app_id: &str, session: Option<Session>) -> Result<App, Error> {
        let session = session.unwrap_or_else(|| Session::with_app(app_id));
        let hub = self.hub(session).await?;
        let doc = match hub.get_active_doc().await {
            Ok(doc) => doc,
            Err(Error::Engine(_)) | Err(Error::ObjectNotFound(_)) => {
                hub.open_doc(app_id, None, None, None, None).await?
            }
            Err(other) => return Err(other),
        };
        Ok(App {
            doc,
            id: app_id.to_string(),
        })
    }
}

/// The Global API (handle -1) of a connection: every method of the `Global` class through `Deref`.
#[derive(Debug, Clone)]
pub struct Hub {
    global: Global,
}

impl std::ops::Deref for Hub {
    type Target = Global;
    fn deref(&self) -> &Global {
        &self.global
    }
}

/// An app open in a session: every method of the `Doc` class through `Deref`.
#[derive(Debug, Clone)]
pub struct App {
    doc: Doc,
    id: String,
}

impl std::ops::Deref for App {
    type Target = Doc;
    fn deref(&self) -> &Doc {
        &self.doc
    }
}

impl App {
    /// The app id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The Global API on the same connection.
    pub fn global(&self) -> Global {
        Global::from(self.connection().global())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SessionType;

    #[test]
    fn urls_and_prefixes() {
        let l = Location::from_uri("ws://localhost:9076").unwrap();
        assert_eq!(
            l.url(&Session::default()),
            "ws://localhost:9076/app/engineData"
        );
        let l = Location::from_uri("http://qs.example:80/vp/")
            .unwrap()
            .with_ttl(60);
        assert_eq!(
            l.url(&Session::with_app("a b")),
            "ws://qs.example:80/vp/app/a%20b/ttl/60"
        );
        let s = Session::with_app_and_type("x", SessionType::Random);
        assert!(l.url(&s).contains("/identity/"));
        assert!(Location::from_uri("wss://x").is_err());
        assert!(Location::from_uri("ftp://x").is_err());
        assert!(Location::from_uri("nope").is_err());
        let h = Location::from_uri("ws://h")
            .unwrap()
            .as_direct_connection("CORP", "bob")
            .headers();
        assert_eq!(
            h,
            vec![(
                "X-Qlik-User".to_string(),
                "UserDirectory=CORP; UserId=bob".to_string()
            )]
        );
        let h = Location::from_uri("ws://h")
            .unwrap()
            .as_jwt_via_proxy("t")
            .headers();
        assert_eq!(h[0].1, "Bearer t");
        let h = Location::from_uri("ws://h")
            .unwrap()
            .as_static_header_user_via_proxy("u", "X-User")
            .headers();
        assert_eq!(h[0], ("X-User".to_string(), "u".to_string()));
    }
}
