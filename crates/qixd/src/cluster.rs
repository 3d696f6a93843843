//! Running several nodes: what one qixd node does so that a stock proxy (HAProxy, configured in
//! `deploy/haproxy/`) can spread sessions over nodes and keep every socket of a session on one node.
//!
//! The proxy hashes the session key (user, app, identity) onto the healthy nodes (`hash-type
//! consistent`, so a node's loss moves only its own sessions) and checks each node's `/healthcheck`. A
//! node helps by saying who it is: its node id is in `/healthcheck` (`nodeId`) and in the `X-Qixd-Node`
//! header of every response, the WebSocket upgrade included, so a client or a test can see where a
//! socket landed. Apps live on a folder the nodes share (`qix_apps` locks an app across processes), and
//! sessions move between nodes through their snapshots ([`crate::snapshot`]).

use axum::http::{HeaderName, HeaderValue};
use std::net::SocketAddr;

/// The response header naming the node that answered.
pub const NODE_HEADER: HeaderName = HeaderName::from_static("x-qixd-node");

/// The node id: `--node-id`, else the host name and the port the node listens on.
pub fn node_id(flag: Option<&str>, addr: SocketAddr) -> String {
    match flag.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => id.to_string(),
        None => format!("{}-{}", host_name(), addr.port()),
    }
}

/// The machine's host name (`/proc/sys/kernel/hostname`, `$HOSTNAME`), or `qixd` when neither says.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "qixd".to_string())
}

/// The header value for `node`: characters a header cannot carry (controls, non-ASCII) become `_`
/// rather than the header going missing.
pub fn header_value(node: &str) -> HeaderValue {
    let clean: String = node
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    HeaderValue::from_str(&clean).unwrap_or(HeaderValue::from_static("qixd"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_else_host_and_port() {
        let addr: SocketAddr = "127.0.0.1:9077".parse().unwrap();
        assert_eq!(node_id(Some("n1"), addr), "n1");
        assert!(node_id(None, addr).ends_with("-9077"));
        assert!(node_id(Some("  "), addr).ends_with("-9077"));
        assert_eq!(header_value("a\nb"), "a_b");
    }
}
