//! `Session::random()` — the .NET SDK's `Session.Random`: a session nobody else can join (a fresh identity).
//! Allowed by desktop engines; an engine behind authentication refuses it (use a random *app* session).
//!
//! Run against a local qixd: `cargo run -p qix --example random_session [ws://localhost:9076]`

mod common;

use qix::{Location, Session};

/// Opens two random sessions: both are new.
pub async fn run(engine: &str) -> Result<String, qix::Error> {
    let location = Location::from_uri(engine)?;
    let a = location.hub(Session::random()).await?;
    let b = location.hub(Session::random()).await?;
    Ok(format!(
        "two random sessions: {:?} and {:?}; desktop mode: {}",
        a.connection().state(),
        b.connection().state(),
        a.is_desktop_mode().await?
    ))
}

#[tokio::main]
async fn main() -> Result<(), qix::Error> {
    println!("{}", run(&common::engine()).await?);
    Ok(())
}
