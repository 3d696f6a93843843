//! Opening the WebSocket: plain `ws://` for now (TLS arrives with `wss://` support).

use crate::Error;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Connects and upgrades; an HTTP refusal becomes `Error::Connect("HTTP 401 ...")`.
pub(crate) async fn connect(
    req: Request,
) -> Result<(WebSocketStream<MaybeTlsStream<TcpStream>>, ()), Error> {
    let (ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(r) => {
                Error::Connect(format!("HTTP {}", r.status()))
            }
            other => Error::Connect(other.to_string()),
        })?;
    Ok((ws, ()))
}
