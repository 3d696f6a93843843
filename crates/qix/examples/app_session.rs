//! `Session::with_app(app)` — the .NET SDK's `Session.WithApp(app)`: the session every client of this user
//! and app shares automatically. `location.app(id, None)` opens it.
//!
//! Run against a local qixd: `cargo run -p qix --example app_session [ws://localhost:9076]`

mod common;

use qix::Location;

/// Opens the example app in its App session and evaluates over its data.
pub async fn run(engine: &str) -> Result<String, qix::Error> {
    let id = common::example_app(engine).await?;
    let location = Location::from_uri(engine)?;
    let app = location.app(&id, None).await?;
    let title = app.get_app_layout().await?.title.unwrap_or_default();
    let total = app.evaluate("Sum(Amount)").await?;
    let regions = app.get_field("Region", None).await?.get_cardinal().await?;
    Ok(format!(
        "{title}: Sum(Amount) = {total} over {regions} regions (session {:?})",
        app.connection().state()
    ))
}

#[tokio::main]
async fn main() -> Result<(), qix::Error> {
    println!("{}", run(&common::engine()).await?);
    Ok(())
}
