//! `Session::default()` — the .NET SDK's `Session.Default`: the user's default session, no app, the Global
//! API only. Every client of the same user shares it.
//!
//! Run against a local qixd: `cargo run -p qix --example default_session [ws://localhost:9076]`

mod common;

use qix::{Location, Session};

/// Connects twice to the default session and lists the apps.
pub async fn run(engine: &str) -> Result<String, qix::Error> {
    let location = Location::from_uri(engine)?;
    let first = location.hub(Session::default()).await?;
    let second = location.hub(Session::default()).await?;
    let version = first
        .engine_version()
        .await?
        .component_version
        .unwrap_or_default();
    let apps = second.get_doc_list().await?.len();
    Ok(format!(
        "engine {version}; first socket {:?}, second {:?}; {apps} app(s)",
        first.connection().state(),
        second.connection().state()
    ))
}

#[tokio::main]
async fn main() -> Result<(), qix::Error> {
    println!("{}", run(&common::engine()).await?);
    Ok(())
}
