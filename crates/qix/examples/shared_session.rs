//! Two clients sharing one session: a selection made on one, the `changed` event of an object on the other
//! (the engine pushes the change list to every socket of the session).
//!
//! Run against a local qixd: `cargo run -p qix --example shared_session [ws://localhost:9076]`

mod common;

use qix::types::{FieldValue, GenericObjectProperties};
use qix::{Location, Session};
use std::time::Duration;

/// Client B holds a KPI object; client A selects; B hears `Changed` and reads the new value.
pub async fn run(engine: &str) -> Result<String, qix::Error> {
    let id = common::example_app(engine).await?;
    let location = Location::from_uri(engine)?;
    let session = || Session::with_app_and_token(&id, "shared-example");
    let a = location.app(&id, Some(session())).await?;
    let b = location.app(&id, Some(session())).await?;
    let props: GenericObjectProperties = serde_json::from_value(serde_json::json!({
        "qInfo": {"qId": "kpi", "qType": "kpi"},
        "total": {"qValueExpression": {"qExpr": "Sum(Amount)"}}
    }))
    .map_err(|e| qix::Error::Decode(e.to_string()))?;
    let kpi = b.create_session_object(&props).await?;
    let total = |v: &serde_json::Value| v["total"].as_f64().unwrap_or(f64::NAN);
    let before = total(&serde_json::Value::Object(kpi.get_layout().await?.extra));
    let mut events = kpi.events();

    let south = FieldValue {
        text: Some("South".into()),
        ..Default::default()
    };
    a.get_field("Region", None)
        .await?
        .select_values(&[south], None, None)
        .await?;
    let event = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .map_err(|_| qix::Error::Connection("no change event within 5 s".into()))?;
    let after = total(&serde_json::Value::Object(kpi.get_layout().await?.extra));
    a.clear_all(None, None).await?;
    b.destroy_session_object("kpi").await?;
    Ok(format!("client B saw {event:?}: total {before} -> {after}"))
}

#[tokio::main]
async fn main() -> Result<(), qix::Error> {
    println!("{}", run(&common::engine()).await?);
    Ok(())
}
