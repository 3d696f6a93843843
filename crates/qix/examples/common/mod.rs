//! What every example needs: the engine URL and an app to work on.

#![allow(dead_code)]

use qix::{Hub, Location, Session};

/// The engine: the first command-line argument, else `QIX_ENGINE`, else a local qixd.
pub fn engine() -> String {
    std::env::args()
        .nth(1)
        .or_else(|| std::env::var("QIX_ENGINE").ok())
        .unwrap_or_else(|| "ws://localhost:9076".to_string())
}

/// The title of the app the examples share.
pub const TITLE: &str = "qix example";

/// The examples' app: found by title, else created with a small script, reloaded and saved.
pub async fn example_app(engine: &str) -> Result<String, qix::Error> {
    let location = Location::from_uri(engine)?;
    let hub: Hub = location.hub(Session::default()).await?;
    for doc in hub.get_doc_list().await? {
        if doc.title.as_deref() == Some(TITLE) {
            return Ok(doc.doc_id.unwrap_or_default());
        }
    }
    let id = hub
        .create_app(TITLE, None, None)
        .await?
        .app_id
        .unwrap_or_default();
    // A random-app session: no one else's selections, gone when we disconnect.
    let app = location
        .app(
            &id,
            Some(Session::with_app_and_type(&id, qix::SessionType::Random)),
        )
        .await?;
    app.set_script(
        "Sales:\nLOAD * INLINE [\nRegion, Product, Amount\nNorth, Apples, 10\nNorth, Pears, 5\nSouth, Apples, 7\nEast, Plums, 3\n];\n",
    )
    .await?;
    app.do_reload(None, None, None).await?;
    app.do_save(None).await?;
    Ok(id)
}
