//! The web hub the binary serves itself: `/` (the app list), `/hub/app.html` (an app's objects rendered
//! with nebula.js, with the selections toolbar), `/sessions` (the live session inspector), and their
//! scripts, styles and vendored libraries under `/hub/`. The files are compiled into the binary from
//! `crates/qixd/hub/` (the vendored ones copied there by `scripts/build-hub.sh`), so serving them needs
//! no file system and no npm.
//!
//! The pages are open to anyone who can reach the port: they hold no data. What they show comes from the
//! engine over the WebSocket (with the user's own rights) and from the inspector's API (with its access
//! rule).

use crate::shared::Shared;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// One embedded file: its name under `/hub/`, its content type and its bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_bytes!(concat!("../hub/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file the hub serves.
static ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.html", "text/html; charset=utf-8"),
    asset!("sessions.html", "text/html; charset=utf-8"),
    asset!("hub.css", "text/css; charset=utf-8"),
    asset!("index.js", JS),
    asset!("app.js", JS),
    asset!("sessions.js", JS),
    asset!("vendor/enigma.min.js", JS),
    asset!("vendor/enigma-schema.json", "application/json"),
    asset!("vendor/stardust.js", JS),
    asset!("vendor/sn-bar-chart.js", JS),
    asset!("vendor/sn-table.js", JS),
    asset!("vendor/sn-kpi.js", JS),
    asset!("vendor/sn-scatter-plot.js", JS),
    asset!("vendor/VERSIONS.txt", "text/plain; charset=utf-8"),
];

/// The hub's routes, to merge into the server's router.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(|| async { serve("index.html") }))
        .route("/sessions", get(|| async { serve("sessions.html") }))
        // Browsers ask for it on every page; there is none.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/hub/{*file}", get(file))
}

async fn file(Path(name): Path<String>) -> Response {
    serve(&name)
}

/// The embedded file `name`, or 404.
fn serve(name: &str) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            a.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_and_script_is_embedded_and_unknown_names_are_not_found() {
        for name in [
            "index.html",
            "sessions.html",
            "app.html",
            "vendor/stardust.js",
        ] {
            assert_eq!(serve(name).status(), StatusCode::OK, "{name}");
        }
        assert_eq!(serve("../Cargo.toml").status(), StatusCode::NOT_FOUND);
        assert_eq!(serve("nope.js").status(), StatusCode::NOT_FOUND);
        // The pages load only what is embedded.
        for page in ["index.html", "sessions.html", "app.html"] {
            let text = ASSETS
                .iter()
                .find(|a| a.name == page)
                .map(|a| String::from_utf8_lossy(a.body).into_owned())
                .unwrap_or_default();
            for src in text.split("src=\"/hub/").skip(1) {
                let file = src.split('"').next().unwrap_or_default();
                assert!(ASSETS.iter().any(|a| a.name == file), "{page} loads {file}");
            }
        }
    }
}
