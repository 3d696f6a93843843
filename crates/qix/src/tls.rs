//! Opening the WebSocket: plain TCP for `ws://`, rustls for `wss://` — the public web roots plus any CA you
//! add (Qlik Sense's `root.pem`), an optional client certificate (Qlik's `client.pem` + `client_key.pem`
//! for direct connections on port 4747), and, only when asked, no server certificate validation.

use crate::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::WebSocketStream;

/// A byte stream a WebSocket runs over: TCP, or TLS over TCP.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The WebSocket of a connection.
pub(crate) type Socket = WebSocketStream<Box<dyn Io>>;

/// A client certificate and its private key, e.g. the `client.pem` and `client_key.pem` Qlik Sense exports.
#[derive(Clone)]
pub struct ClientCertificate {
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("certificates", &self.chain.len())
            .finish_non_exhaustive()
    }
}

fn pem_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Location(format!("{what}: {e}"))
}

impl ClientCertificate {
    /// From PEM text: the certificate (chain) and the private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<ClientCertificate, Error> {
        let chain = certificates(cert_pem, "client certificate")?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| pem_error("client key", e))?;
        Ok(ClientCertificate {
            chain,
            key: Arc::new(key),
        })
    }

    /// From PEM files.
    pub fn from_pem_files(
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<ClientCertificate, Error> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| Error::Location(format!("{}: {e}", p.display())))
        };
        ClientCertificate::from_pem(&read(cert.as_ref())?, &read(key.as_ref())?)
    }
}

/// Every certificate in PEM text.
pub(crate) fn certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| pem_error(what, e))?;
    if certs.is_empty() {
        return Err(pem_error(what, "no certificate in the PEM text"));
    }
    Ok(certs)
}

/// How a `wss://` connection trusts the server and proves who it is.
#[derive(Debug, Clone)]
pub(crate) struct TlsOptions {
    /// CAs trusted besides the public web roots.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// `false` accepts any server certificate (self-signed test servers only).
    pub validate: bool,
    /// Sent when the server asks for one.
    pub client_cert: Option<ClientCertificate>,
}

impl Default for TlsOptions {
    fn default() -> TlsOptions {
        TlsOptions {
            extra_roots: vec![],
            validate: true,
            client_cert: None,
        }
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Accepts any server certificate, still checking the handshake signatures.
#[derive(Debug)]
struct AcceptAnyServer(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn client_config(opts: &TlsOptions) -> Result<ClientConfig, Error> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Location(e.to_string()))?;
    let builder = if opts.validate {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for c in &opts.extra_roots {
            roots
                .add(c.clone())
                .map_err(|e| pem_error("root certificate", e))?;
        }
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServer(provider)))
    };
    match &opts.client_cert {
        Some(c) => builder
            .with_client_auth_cert(c.chain.clone(), c.key.clone_key())
            .map_err(|e| pem_error("client certificate", e)),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// Connects and upgrades; an HTTP refusal becomes `Error::Connect("HTTP 401 ...")`.
pub(crate) async fn connect(req: Request, opts: &TlsOptions) -> Result<Socket, Error> {
    let uri = req.uri().clone();
    let secure = match uri.scheme_str() {
        Some("wss") => true,
        Some("ws") => false,
        other => return Err(Error::Location(format!("{other:?}: not ws or wss"))),
    };
    let host = uri
        .host()
        .ok_or_else(|| Error::Location(format!("{uri}: no host")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| Error::Connect(format!("{host}:{port}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    let stream: Box<dyn Io> = if secure {
        let config = client_config(opts)?;
        let name = ServerName::try_from(host.clone())
            .map_err(|e| Error::Location(format!("{host}: {e}")))?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| Error::Connect(format!("TLS: {e}")))?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let (ws, _) = tokio_tungstenite::client_async(req, stream)
        .await
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(r) => {
                Error::Connect(format!("HTTP {}", r.status()))
            }
            other => Error::Connect(other.to_string()),
        })?;
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_problems_are_clear_errors() {
        assert!(matches!(
            ClientCertificate::from_pem(b"junk", b"junk"),
            Err(Error::Location(m)) if m.contains("client certificate")
        ));
        assert!(certificates(b"", "root certificate").is_err());
        assert!(
            ClientCertificate::from_pem_files("/no/such/cert.pem", "/no/such/key.pem").is_err()
        );
    }

    #[test]
    fn configurations_build_with_and_without_validation() {
        let default = TlsOptions::default();
        assert!(default.validate);
        assert!(client_config(&default).is_ok());
        let lax = TlsOptions {
            validate: false,
            ..TlsOptions::default()
        };
        assert!(client_config(&lax).is_ok());
    }
}
