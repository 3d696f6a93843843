//! Where an engine is and how to authenticate to it; opening the Global API (`hub`) or an app.

use crate::connection::Connection;
use crate::generated::methods::{Doc, Global};
use crate::session::Session;
use crate::tls::{ClientCertificate, TlsOptions};
use crate::Error;

#[derive(Debug, Clone, PartialEq)]
enum Auth {
    Anonymous,
    Header(String, String),
    Jwt(String),
}

/// Where an engine is and how to authenticate to it — the .NET SDK's `ILocation`.
///
/// ```
/// use qix::{Location, Session};
/// let direct = Location::from_uri("wss://qlik.example.com")?
///     .as_direct_connection("CORP", "ann", None); // port 4747, X-Qlik-User
/// assert_eq!(direct.url(&Session::with_app("a b")), "wss://qlik.example.com:4747/app/a%20b");
/// let desktop = Location::from_uri("ws://localhost")?.as_direct_connection_to_personal_edition();
/// assert_eq!(desktop.url(&Session::default()), "ws://localhost:4848/app/engineData");
/// # Ok::<(), qix::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Location {
    /// `wss` when TLS.
    secure: bool,
    /// Host name or address (IPv6 in brackets).
    host: String,
    /// The port the URI named; `None` takes the authentication's default (4747 direct, 4848 desktop,
    /// else 443/80).
    port: Option<u16>,
    /// The port used when the URI names none.
    default_port: Option<u16>,
    /// A virtual-proxy prefix path, kept in every session URL.
    prefix: String,
    auth: Auth,
    ttl: Option<u64>,
    tls: TlsOptions,
}

impl Location {
    /// Parses `ws://`, `wss://`, `http://` and `https://` (taken as ws/wss) engine URIs, with an optional
    /// port and virtual-proxy prefix path.
    pub fn from_uri(uri: &str) -> Result<Location, Error> {
        let (scheme, rest) = uri
            .split_once("://")
            .ok_or_else(|| Error::Location(format!("{uri}: no scheme")))?;
        let secure = match scheme.to_ascii_lowercase().as_str() {
            "ws" | "http" => false,
            "wss" | "https" => true,
            other => return Err(Error::Location(format!("{other}: not an engine scheme"))),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| Error::Location(format!("{uri}: bad port {p}")))?;
                (h, Some(port))
            }
            _ => (authority, None),
        };
        if host.is_empty() {
            return Err(Error::Location(format!("{uri}: no host")));
        }
        Ok(Location {
            secure,
            host: host.to_string(),
            port,
            default_port: None,
            prefix: path.to_string(),
            auth: Auth::Anonymous,
            ttl: None,
            tls: TlsOptions::default(),
        })
    }

    /// Behind a proxy that trusts a header naming the user.
    pub fn as_static_header_user_via_proxy(mut self, user_id: &str, header_name: &str) -> Location {
        self.auth = Auth::Header(header_name.to_string(), user_id.to_string());
        self
    }

    /// Direct to the engine (port 4747 unless the URI names one) as `user_directory\user_id` through the
    /// trusted `X-Qlik-User` header, presenting `client_cert` (Qlik Sense's exported `client.pem` and
    /// `client_key.pem`) when the engine asks for one.
    pub fn as_direct_connection(
        mut self,
        user_directory: &str,
        user_id: &str,
        client_cert: Option<ClientCertificate>,
    ) -> Location {
        self.auth = Auth::Header(
            "X-Qlik-User".into(),
            format!("UserDirectory={user_directory}; UserId={user_id}"),
        );
        self.default_port = Some(4747);
        self.tls.client_cert = client_cert;
        self
    }

    /// Qlik Sense Desktop (or any desktop-mode engine): port 4848 unless the URI names one, no credentials.
    pub fn as_direct_connection_to_personal_edition(mut self) -> Location {
        self.auth = Auth::Anonymous;
        self.default_port = Some(4848);
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

    /// Trust the CA certificates in this PEM text for `wss://` (besides the public web roots), e.g.
    /// Qlik Sense's exported `root.pem`.
    pub fn with_root_certificates_pem(mut self, pem: &[u8]) -> Result<Location, Error> {
        self.tls
            .extra_roots
            .extend(crate::tls::certificates(pem, "root certificate")?);
        Ok(self)
    }

    /// Whether `wss://` checks the server's certificate (default `true`). `false` accepts any certificate:
    /// for self-signed test servers only.
    pub fn with_certificate_validation(mut self, validate: bool) -> Location {
        self.tls.validate = validate;
        self
    }

    /// The URL of `session` at this location.
    pub fn url(&self, session: &Session) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        let port = match self.port.or(self.default_port) {
            Some(p) => format!(":{p}"),
            None => String::new(),
        };
        format!(
            "{scheme}://{}{port}{}",
            self.host,
            session.path(&self.prefix, self.ttl)
        )
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
        let conn =
            Connection::open_with(&self.url(&session), &self.headers(), self.tls.clone()).await?;
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
        assert_eq!(
            Location::from_uri("wss://x")
                .unwrap()
                .url(&Session::default()),
            "wss://x/app/engineData"
        );
        assert_eq!(
            Location::from_uri("https://x:8443/")
                .unwrap()
                .as_direct_connection("D", "u", None)
                .url(&Session::default()),
            "wss://x:8443/app/engineData",
            "a port in the URI wins over 4747"
        );
        assert_eq!(
            Location::from_uri("ws://[::1]")
                .unwrap()
                .as_direct_connection_to_personal_edition()
                .url(&Session::default()),
            "ws://[::1]:4848/app/engineData"
        );
        assert!(Location::from_uri("ws://x:99999").is_err());
        assert!(Location::from_uri("ftp://x").is_err());
        assert!(Location::from_uri("nope").is_err());
        let h = Location::from_uri("ws://h")
            .unwrap()
            .as_direct_connection("CORP", "bob", None)
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
