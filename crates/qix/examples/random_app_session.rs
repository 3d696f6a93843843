//! `Session::with_app_and_type(app, SessionType::Random)` — the .NET SDK's
//! `Session.WithApp(app, SessionType.Random)`: the app in a session of its own, with selections nobody
//! else sees. Allowed everywhere, also behind authentication.
//!
//! Run against a local qixd: `cargo run -p qix --example random_app_session [ws://localhost:9076]`

mod common;

use qix::types::FieldValue;
use qix::{Location, Session, SessionType};

/// Selects in a random app session; the shared App session does not see it.
pub async fn run(engine: &str) -> Result<String, qix::Error> {
    let id = common::example_app(engine).await?;
    let location = Location::from_uri(engine)?;
    let mine = location
        .app(
            &id,
            Some(Session::with_app_and_type(&id, SessionType::Random)),
        )
        .await?;
    let north = FieldValue {
        text: Some("North".into()),
        ..Default::default()
    };
    mine.get_field("Region", None)
        .await?
        .select_values(&[north], None, None)
        .await?;
    let shared = location.app(&id, None).await?;
    Ok(format!(
        "random app session: Sum(Amount) = {} with Region=North; the App session still sees {}",
        mine.evaluate("Sum(Amount)").await?,
        shared.evaluate("Sum(Amount)").await?
    ))
}

#[tokio::main]
async fn main() -> Result<(), qix::Error> {
    println!("{}", run(&common::engine()).await?);
    Ok(())
}
