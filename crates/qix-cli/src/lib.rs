//! `qix`: a command-line tool for Qlik engines — `qixd` or a real Qlik Sense — for people who script them
//! (corectl is the anchor). Built on the `qix` SDK: every command opens the session its flags name (the App
//! session of `--app`, or the custom session `--identity`), runs a few typed QIX calls and prints an aligned
//! table, or JSON with `--json`.
//!
//! What it is for: apps, scripts, reloads, evaluation, fields and values, selections, objects and master
//! items. What it is not: an app editor (no sheets or visualisations are built here).

pub mod args;
mod commands;
mod master;
mod output;

pub use args::Cli;
pub use output::{Report, Table};

use qix::{App, Hub, Location, Session};

/// A failure with the exit code scripts can rely on.
#[derive(Debug)]
pub struct Failure {
    /// 1 engine error, 3 cannot connect / not allowed, 4 bad local input, 5 reload or script check failed.
    pub code: u8,
    /// One line for stderr.
    pub message: String,
    /// What to print on stdout before the error (e.g. the syntax errors a check found).
    pub report: Option<Box<Report>>,
}

impl Failure {
    /// A failure with this code.
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            report: None,
        }
    }
}

impl From<qix::Error> for Failure {
    fn from(e: qix::Error) -> Failure {
        let code = match &e {
            qix::Error::Engine(_) | qix::Error::ObjectNotFound(_) | qix::Error::Decode(_) => 1,
            qix::Error::Location(_) | qix::Error::Connect(_) | qix::Error::Connection(_) => 3,
        };
        Failure::new(code, e.to_string())
    }
}

/// Where the flags point.
pub(crate) struct Target<'a> {
    cli: &'a Cli,
}

impl Target<'_> {
    fn location(&self) -> Result<Location, Failure> {
        let mut loc = Location::from_uri(&self.cli.engine)?;
        if let Some(ttl) = self.cli.ttl {
            loc = loc.with_ttl(ttl);
        }
        if let Some(jwt) = &self.cli.jwt {
            loc = loc.as_jwt_via_proxy(jwt);
        } else if let Some(user) = &self.cli.header_user {
            loc = loc.as_static_header_user_via_proxy(user, &self.cli.header_name);
        }
        Ok(loc)
    }

    /// The Global API in the session the flags name (no app: the user's default session).
    pub(crate) async fn hub(&self) -> Result<Hub, Failure> {
        let session = match (&self.cli.app, &self.cli.identity) {
            (Some(app), Some(id)) => Session::with_app_and_token(app, id),
            (Some(app), None) => Session::with_app(app),
            (None, _) => Session::default(),
        };
        Ok(self.location()?.hub(session).await?)
    }

    /// The app the flags name, open in its session.
    pub(crate) async fn app(&self) -> Result<App, Failure> {
        let id = self
            .cli
            .app
            .as_deref()
            .ok_or_else(|| Failure::new(2, "this command needs --app (or QIX_APP)"))?;
        let session = match &self.cli.identity {
            Some(token) => Session::with_app_and_token(id, token),
            None => Session::with_app(id),
        };
        Ok(self.location()?.app(id, Some(session)).await?)
    }
}

/// Runs the command the flags describe; progress (reloads) goes to stderr.
pub async fn run(cli: &Cli) -> Result<Report, Failure> {
    commands::run(&Target { cli }, &cli.command).await
}
