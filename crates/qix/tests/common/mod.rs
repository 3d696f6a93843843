//! A real qixd on an ephemeral port, in this process, with its own app and data folders.

#![allow(dead_code)]

/// Starts qixd (desktop mode, or server mode trusting `X-Qlik-User` / an HS256 secret `s3cret`).
pub async fn server(server_mode: bool) -> (qixd::RunningServer, tempfile::TempDir) {
    start(|c| {
        if server_mode {
            c.mode = qixd::Mode::Server;
            c.trust_user_header = true;
            c.jwt_secret = Some("s3cret".into());
        }
    })
    .await
}

/// Starts qixd with a configuration tweak.
pub async fn start(
    tweak: impl FnOnce(&mut qixd::Config),
) -> (qixd::RunningServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = qixd::Config::defaults();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.apps_dir = dir.path().join("apps");
    c.data_dir = dir.path().join("data");
    tweak(&mut c);
    (qixd::start(c).await.unwrap(), dir)
}

/// Waits at most 5 s for `f`.
pub async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(5), f)
        .await
        .expect("timed out")
}
