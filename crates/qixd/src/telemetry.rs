//! Metrics for `/metrics` (Prometheus text), recorded through the `metrics` facade.
//!
//! The recorder is process-wide (the facade allows one), installed on first use.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Live sessions (gauge).
pub const SESSIONS_LIVE: &str = "qixd_sessions_live";
/// Attached sockets (gauge).
pub const SOCKETS_LIVE: &str = "qixd_sockets_live";
/// Sessions created (counter).
pub const SESSIONS_CREATED: &str = "qixd_sessions_created_total";
/// Sockets that joined an existing session (counter).
pub const SESSIONS_ATTACHED: &str = "qixd_sessions_attached_total";
/// Sessions destroyed after their TTL (counter).
pub const SESSIONS_EXPIRED: &str = "qixd_sessions_expired_total";
/// Requests by method (counter).
pub const REQUESTS: &str = "qixd_requests_total";
/// Error responses by code (counter).
pub const ERRORS: &str = "qixd_errors_total";
/// Results the shared cache holds, by kind (gauge).
pub const CACHE_ENTRIES: &str = "qixd_result_cache_entries";
/// Bytes of the results the shared cache holds, by kind (gauge).
pub const CACHE_BYTES: &str = "qixd_result_cache_bytes";
/// Lookups the shared cache answered, by kind (counter).
pub const CACHE_HITS: &str = "qixd_result_cache_hits_total";
/// Lookups the shared cache did not answer (the result was computed), by kind (counter).
pub const CACHE_MISSES: &str = "qixd_result_cache_misses_total";
/// Layouts computed under a session's shared lock, by outcome: `shared` when kept, `retried` when the
/// session changed meanwhile and the request ran again under the exclusive lock (counter).
pub const SHARED_LAYOUTS: &str = "qixd_shared_layouts_total";
/// Request handling time (histogram).
pub const REQUEST_DURATION: &str = "qixd_request_duration_seconds";

/// The process's Prometheus recorder handle, installing the recorder the first time.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(REQUEST_DURATION.into()),
                &[0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0],
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder is installed already; then ours still renders (empty).
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_gauge!(SESSIONS_LIVE, "Live engine sessions");
    metrics::describe_gauge!(SOCKETS_LIVE, "Attached WebSockets");
    metrics::describe_counter!(SESSIONS_CREATED, "Sessions created");
    metrics::describe_counter!(SESSIONS_ATTACHED, "Sockets that attached to a live session");
    metrics::describe_counter!(SESSIONS_EXPIRED, "Sessions destroyed after their TTL");
    metrics::describe_counter!(REQUESTS, "JSON-RPC requests by method");
    metrics::describe_gauge!(CACHE_ENTRIES, "Results held by the shared result cache");
    metrics::describe_gauge!(
        CACHE_BYTES,
        "Bytes of the results held by the shared result cache"
    );
    metrics::describe_counter!(CACHE_HITS, "Shared result cache lookups answered");
    metrics::describe_counter!(CACHE_MISSES, "Shared result cache lookups computed");
    metrics::describe_counter!(ERRORS, "JSON-RPC error responses by code");
    metrics::describe_counter!(
        SHARED_LAYOUTS,
        "Layouts computed under a session's shared lock, kept or retried"
    );
    metrics::describe_histogram!(REQUEST_DURATION, "JSON-RPC request handling time");
    // Counters appear in the output once touched; touch them so a fresh server lists them all.
    metrics::counter!(SESSIONS_CREATED).increment(0);
    metrics::counter!(SESSIONS_ATTACHED).increment(0);
    metrics::counter!(SESSIONS_EXPIRED).increment(0);
}

/// A layout computed under a session's shared lock: `kept`, or retried because the session changed.
pub fn shared_layout(kept: bool) {
    let outcome = if kept { "shared" } else { "retried" };
    metrics::counter!(SHARED_LAYOUTS, "outcome" => outcome).increment(1);
}

/// A socket attached: to a new session or an existing one.
pub fn session_attached(created: bool, live_sessions: usize, live_sockets: usize) {
    if created {
        metrics::counter!(SESSIONS_CREATED).increment(1);
    } else {
        metrics::counter!(SESSIONS_ATTACHED).increment(1);
    }
    gauges(live_sessions, live_sockets);
}

/// A session was destroyed.
pub fn session_expired() {
    metrics::counter!(SESSIONS_EXPIRED).increment(1);
}

/// Current live counts.
pub fn gauges(live_sessions: usize, live_sockets: usize) {
    metrics::gauge!(SESSIONS_LIVE).set(live_sessions as f64);
    metrics::gauge!(SOCKETS_LIVE).set(live_sockets as f64);
}

/// The shared result cache's figures, read when `/metrics` is rendered.
pub fn cache(cache: &qix_engine::ResultCache) {
    for (kind, s) in cache.stats() {
        metrics::gauge!(CACHE_ENTRIES, "kind" => kind).set(s.entries as f64);
        metrics::gauge!(CACHE_BYTES, "kind" => kind).set(s.bytes as f64);
        metrics::counter!(CACHE_HITS, "kind" => kind).absolute(s.hits);
        metrics::counter!(CACHE_MISSES, "kind" => kind).absolute(s.misses);
    }
}

/// One request handled.
pub fn request(method: &str, seconds: f64, error_code: Option<i64>) {
    metrics::counter!(REQUESTS, "method" => method.to_string()).increment(1);
    metrics::histogram!(REQUEST_DURATION).record(seconds);
    if let Some(code) = error_code {
        metrics::counter!(ERRORS, "code" => code.to_string()).increment(1);
    }
}
