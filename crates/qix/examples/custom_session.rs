//! `Session::with_app_and_token(app, "token")` — the .NET SDK's `Session.WithApp(app, "MyCustomSession")`:
//! a session shared by whoever uses the same token (and is the same user).
//!
//! Run against a local qixd: `cargo run -p qix --example custom_session [ws://localhost:9076]`

mod common;

use qix::types::FieldValue;
use qix::{Location, Session};

/// Two clients with the same token share selections; the App session does not.
pub async fn run(engine: &str) -> Result<String, qix::Error> {
    let id = common::example_app(engine).await?;
    let location = Location::from_uri(engine)?;
    let session = || Session::with_app_and_token(&id, "team-dashboard");
    let first = location.app(&id, Some(session())).await?;
    let second = location.app(&id, Some(session())).await?;
    let apples = FieldValue {
        text: Some("Apples".into()),
        ..Default::default()
    };
    first
        .get_field("Product", None)
        .await?
        .select_values(&[apples], None, None)
        .await?;
    let plain = location.app(&id, None).await?;
    let result = format!(
        "custom session {:?}/{:?}: the second client sees Sum(Amount) = {}; the App session {}",
        first.connection().state(),
        second.connection().state(),
        second.evaluate("Sum(Amount)").await?,
        plain.evaluate("Sum(Amount)").await?
    );
    first.clear_all(None, None).await?;
    Ok(result)
}

#[tokio::main]
async fn main() -> Result<(), qix::Error> {
    println!("{}", run(&common::engine()).await?);
    Ok(())
}
