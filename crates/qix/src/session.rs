//! Which engine session to join: the five kinds of Qlik's .NET SDK.

use qix_protocol::SessionPath;

/// For [`Session::with_app_and_type`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionType {
    /// Shared by every client of the user and app.
    Default,
    /// A unique identity on the app.
    Random,
}

/// An engine session: an app id (or none) and an identity (or none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Session {
    app_id: Option<String>,
    token: Option<String>,
}

impl Session {
    /// `Session.Random`: a globally unique session without an app (refused behind Qlik's proxy).
    pub fn random() -> Session {
        Session {
            app_id: None,
            token: Some(uuid::Uuid::new_v4().to_string()),
        }
    }

    /// `Session.WithApp(app)`: shared by all clients of that user and app.
    pub fn with_app(app_id: &str) -> Session {
        Session {
            app_id: Some(app_id.to_string()),
            token: None,
        }
    }

    /// `Session.WithApp(app, SessionType)`: Random gives a unique identity on the app.
    pub fn with_app_and_type(app_id: &str, kind: SessionType) -> Session {
        match kind {
            SessionType::Default => Session::with_app(app_id),
            SessionType::Random => Session {
                app_id: Some(app_id.to_string()),
                token: Some(uuid::Uuid::new_v4().to_string()),
            },
        }
    }

    /// `Session.WithApp(app, "token")`: shared by whoever uses that token (same user only).
    pub fn with_app_and_token(app_id: &str, token: &str) -> Session {
        Session {
            app_id: Some(app_id.to_string()),
            token: Some(token.to_string()),
        }
    }

    /// The app id in the session key, if any.
    pub fn app_id(&self) -> Option<&str> {
        self.app_id.as_deref()
    }

    /// The identity token, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The URL path of this session under a virtual-proxy `prefix`, with an optional TTL.
    pub fn path(&self, prefix: &str, ttl: Option<u64>) -> String {
        SessionPath {
            prefix: prefix.to_string(),
            app_id: self.app_id.clone(),
            identity: self.token.clone(),
            ttl,
        }
        .to_path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_every_kind() {
        assert_eq!(Session::default().path("", None), "/app/engineData");
        let r = Session::random();
        assert_eq!(
            r.path("", None),
            format!("/app/engineData/identity/{}", r.token().unwrap())
        );
        assert_eq!(
            Session::with_app("My App/1").path("/vp", Some(30)),
            "/vp/app/My%20App%2F1/ttl/30"
        );
        let ra = Session::with_app_and_type("a", SessionType::Random);
        assert_ne!(
            ra.token(),
            Session::with_app_and_type("a", SessionType::Random).token()
        );
        assert_eq!(
            Session::with_app_and_type("a", SessionType::Default),
            Session::with_app("a")
        );
        assert_eq!(
            Session::with_app_and_token("a", "t k").path("", None),
            "/app/a/identity/t%20k"
        );
        assert_eq!(Session::with_app_and_token("a", "t").app_id(), Some("a"));
    }
}
