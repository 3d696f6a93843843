//! The session URL grammar: `[/prefix]/app/[<appId>][/identity/<identity>][/ttl/<seconds>]`.
//!
//! enigma.js builds exactly this (`encodeURIComponent(appId)`, and `/app/engineData` when there is no app).
//! The app id in the path does not open the app; it takes part in the session key. The server parses the
//! path with [`SessionPath::parse`]; clients build it with [`SessionPath::to_path`], so the two agree.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What a connection URL says about the session it wants.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionPath {
    /// Path before `/app` (a virtual proxy prefix), without a trailing slash; empty when none.
    pub prefix: String,
    /// The app id, URL-decoded; `None` for `/app/` and `/app/engineData`.
    pub app_id: Option<String>,
    /// The identity segment, URL-decoded; `None` when absent.
    pub identity: Option<String>,
    /// The `/ttl/<n>` segment, in seconds.
    pub ttl: Option<u64>,
}

/// Why a path is not a session path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path has no `/app` segment.
    #[error("the path must contain /app/")]
    NoApp,
    /// A segment is not valid UTF-8 after decoding.
    #[error("a path segment is not valid UTF-8 after URL-decoding")]
    BadEncoding,
    /// `/ttl/` is not followed by a whole number of seconds.
    #[error("/ttl/ must be followed by a whole number of seconds, got {0:?}")]
    BadTtl(String),
    /// An unknown keyword or a keyword without its value.
    #[error("unexpected path segment {0:?}: expected /identity/<id> or /ttl/<seconds>")]
    Unexpected(String),
}

/// The characters `encodeURIComponent` leaves alone are the only ones not escaped.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The app id enigma.js puts in the path when it has none.
pub const NO_APP_SEGMENT: &str = "engineData";

fn decode(segment: &str) -> Result<String, PathError> {
    percent_decode_str(segment)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| PathError::BadEncoding)
}

/// `encodeURIComponent`.
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

impl SessionPath {
    /// Parses the path part of a URL (a query string, if any, is ignored).
    pub fn parse(path: &str) -> Result<SessionPath, PathError> {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let raw: Vec<&str> = path.split('/').collect();
        let app_at = raw
            .iter()
            .position(|s| *s == "app")
            .ok_or(PathError::NoApp)?;
        let prefix = raw[..app_at].join("/").trim_end_matches('/').to_string();
        let mut rest = &raw[app_at + 1..];
        let mut out = SessionPath {
            prefix,
            ..Default::default()
        };
        // The first segment is the app id unless it is a keyword that is followed by a value.
        if let Some(first) = rest.first() {
            let is_keyword = (*first == "identity" || *first == "ttl") && rest.len() >= 2;
            if !is_keyword {
                let app = decode(first)?;
                if !app.is_empty() && app != NO_APP_SEGMENT {
                    out.app_id = Some(app);
                }
                rest = &rest[1..];
            }
        }
        while let Some(keyword) = rest.first() {
            match (*keyword, rest.get(1)) {
                ("", _) => {
                    rest = &rest[1..];
                }
                ("identity", Some(v)) => {
                    out.identity = Some(decode(v)?);
                    rest = &rest[2..];
                }
                ("ttl", Some(v)) => {
                    let v = decode(v)?;
                    out.ttl = Some(v.parse().map_err(|_| PathError::BadTtl(v.clone()))?);
                    rest = &rest[2..];
                }
                (other, _) => return Err(PathError::Unexpected(other.to_string())),
            }
        }
        Ok(out)
    }

    /// Builds the path, as enigma.js does.
    pub fn to_path(&self) -> String {
        let mut p = format!("{}/app/", self.prefix.trim_end_matches('/'));
        match &self.app_id {
            Some(app) => p.push_str(&encode_component(app)),
            None => p.push_str(NO_APP_SEGMENT),
        }
        if let Some(identity) = &self.identity {
            p.push_str("/identity/");
            p.push_str(&encode_component(identity));
        }
        if let Some(ttl) = self.ttl {
            p.push_str(&format!("/ttl/{ttl}"));
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let p = SessionPath::parse("/app/").unwrap();
        assert_eq!((p.app_id, p.identity, p.ttl), (None, None, None));
        assert_eq!(SessionPath::parse("/app").unwrap().app_id, None);
        assert_eq!(SessionPath::parse("/app/engineData").unwrap().app_id, None);
        let p =
            SessionPath::parse("/app/my%20app%2Fx/identity/tok%20en/ttl/30?reloadUri=x").unwrap();
        assert_eq!(p.app_id.as_deref(), Some("my app/x"));
        assert_eq!(p.identity.as_deref(), Some("tok en"));
        assert_eq!(p.ttl, Some(30));
        let p = SessionPath::parse("/app/identity/abc").unwrap();
        assert_eq!((p.app_id, p.identity.as_deref()), (None, Some("abc")));
        let p = SessionPath::parse("/app/engineData/ttl/5").unwrap();
        assert_eq!((p.app_id, p.ttl), (None, Some(5)));
        let p = SessionPath::parse("/proxy/app/a").unwrap();
        assert_eq!(
            (p.prefix.as_str(), p.app_id.as_deref()),
            ("/proxy", Some("a"))
        );
    }

    #[test]
    fn rejects_bad_paths() {
        assert_eq!(SessionPath::parse("/nope"), Err(PathError::NoApp));
        assert!(matches!(
            SessionPath::parse("/app/a/ttl/x"),
            Err(PathError::BadTtl(_))
        ));
        assert!(matches!(
            SessionPath::parse("/app/a/what/x"),
            Err(PathError::Unexpected(_))
        ));
        assert!(matches!(
            SessionPath::parse("/app/a/identity"),
            Err(PathError::Unexpected(_))
        ));
    }

    #[test]
    fn builds_what_it_parses() {
        let p = SessionPath {
            prefix: "/vp".into(),
            app_id: Some("a b/c".into()),
            identity: Some("x y".into()),
            ttl: Some(9),
        };
        assert_eq!(p.to_path(), "/vp/app/a%20b%2Fc/identity/x%20y/ttl/9");
        assert_eq!(SessionPath::parse(&p.to_path()).unwrap(), p);
        assert_eq!(SessionPath::default().to_path(), "/app/engineData");
    }
}
