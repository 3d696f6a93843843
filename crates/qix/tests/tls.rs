//! `wss://` against a qixd serving TLS with a test CA: server validation, client certificates required the
//! way Qlik's port 4747 requires them, and the refusals when trust or the certificate is missing.

use qix::{ClientCertificate, Error, Location, Session, SessionState};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use std::path::Path;

mod common;

struct Pki {
    ca_pem: String,
    client: ClientCertificate,
}

/// A CA, a `localhost` server certificate and a client certificate, written where qixd reads them.
fn pki(dir: &Path) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "qix test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client = CertificateParams::new(Vec::<String>::new()).unwrap();
    client
        .distinguished_name
        .push(DnType::CommonName, "QlikClient");
    let client = client.signed_by(&client_key, &ca).unwrap();
    std::fs::write(dir.join("server.pem"), server.pem()).unwrap();
    std::fs::write(dir.join("server_key.pem"), server_key.serialize_pem()).unwrap();
    std::fs::write(dir.join("root.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("client.pem"), client.pem()).unwrap();
    std::fs::write(dir.join("client_key.pem"), client_key.serialize_pem()).unwrap();
    Pki {
        ca_pem: ca.pem(),
        client: ClientCertificate::from_pem_files(
            dir.join("client.pem"),
            dir.join("client_key.pem"),
        )
        .unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_connections_with_client_certificates() {
    let certs = tempfile::tempdir().unwrap();
    let p = pki(certs.path());
    let dir = certs.path().to_path_buf();
    let (s, _data) = common::start(move |c| {
        c.mode = qixd::Mode::Server;
        c.trust_user_header = true;
        c.tls_cert = Some(dir.join("server.pem"));
        c.tls_key = Some(dir.join("server_key.pem"));
        c.tls_client_ca = Some(dir.join("root.pem"));
    })
    .await;
    let uri = format!("wss://localhost:{}", s.addr().port());

    // Trusted root + client certificate: the engine takes the user from X-Qlik-User.
    let loc = Location::from_uri(&uri)
        .unwrap()
        .with_root_certificates_pem(p.ca_pem.as_bytes())
        .unwrap()
        .as_direct_connection("CORP", "ann", Some(p.client.clone()));
    let hub = loc.hub(Session::default()).await.unwrap();
    assert_eq!(hub.connection().state(), SessionState::Created);
    assert_eq!(
        hub.get_authenticated_user().await.unwrap(),
        "UserDirectory=CORP; UserId=ann"
    );

    // No client certificate: refused (at the handshake or at the first read).
    let without = Location::from_uri(&uri)
        .unwrap()
        .with_root_certificates_pem(p.ca_pem.as_bytes())
        .unwrap()
        .as_direct_connection("CORP", "ann", None);
    assert!(matches!(
        without.hub(Session::default()).await,
        Err(Error::Connect(_))
    ));

    // The server's certificate is not trusted without its root ...
    let untrusted = Location::from_uri(&uri).unwrap().as_direct_connection(
        "CORP",
        "ann",
        Some(p.client.clone()),
    );
    match untrusted.hub(Session::default()).await {
        Err(Error::Connect(m)) => assert!(m.contains("TLS"), "{m}"),
        other => panic!("{other:?}"),
    }
    // ... unless validation is turned off.
    let lax = untrusted.with_certificate_validation(false);
    let hub = lax.hub(Session::default()).await.unwrap();
    assert_eq!(hub.connection().state(), SessionState::Attached);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_without_client_certificates() {
    let certs = tempfile::tempdir().unwrap();
    let p = pki(certs.path());
    let dir = certs.path().to_path_buf();
    let (s, _data) = common::start(move |c| {
        c.tls_cert = Some(dir.join("server.pem"));
        c.tls_key = Some(dir.join("server_key.pem"));
    })
    .await;
    let loc = Location::from_uri(&format!("https://localhost:{}", s.addr().port()))
        .unwrap()
        .with_root_certificates_pem(p.ca_pem.as_bytes())
        .unwrap();
    let hub = loc.hub(Session::default()).await.unwrap();
    assert!(hub.is_desktop_mode().await.unwrap());
    // Plain ws:// to a TLS port fails cleanly.
    let plain = Location::from_uri(&format!("ws://localhost:{}", s.addr().port())).unwrap();
    assert!(matches!(
        plain.hub(Session::default()).await,
        Err(Error::Connect(_))
    ));
    assert!(matches!(
        Location::from_uri("ws://x")
            .unwrap()
            .with_root_certificates_pem(b"junk"),
        Err(Error::Location(_))
    ));
}
