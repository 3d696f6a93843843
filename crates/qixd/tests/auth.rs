//! Server mode: who may connect, refused at the upgrade before any session exists.

mod common;

use common::{Client, ConnectError, TestServer};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn hs256(secret: &str, claims: serde_json::Value) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn status(
    s: &TestServer,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Client, (u16, String)> {
    match Client::connect(&s.url(path), headers).await {
        Ok(c) => Ok(c),
        Err(ConnectError::Status(code, body)) => Err((code, body)),
        Err(ConnectError::Other(e)) => panic!("unexpected failure: {e}"),
    }
}

async fn jwt_server() -> TestServer {
    TestServer::start_with(|c| {
        c.mode = qixd::Mode::Server;
        c.jwt_secret = Some("s3cret".into());
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hs256_tokens_are_verified() {
    let s = jwt_server().await;
    let good = hs256(
        "s3cret",
        json!({"sub": "alice", "userDirectory": "CORP", "exp": now() + 600}),
    );
    let bearer = format!("Bearer {good}");
    let mut c = status(&s, "/app/a", &[("Authorization", &bearer)])
        .await
        .unwrap();
    assert_eq!(
        c.ok(-1, "GetAuthenticatedUser", json!([])).await["qReturn"],
        "UserDirectory=CORP; UserId=alice"
    );
    assert_eq!(c.ok(-1, "IsDesktopMode", json!([])).await["qReturn"], false);

    let refusals = [
        (None, "no token"),
        (
            Some(hs256("s3cret", json!({"sub": "alice", "exp": now() - 10}))),
            "expired",
        ),
        (
            Some(hs256("wrong", json!({"sub": "alice", "exp": now() + 600}))),
            "bad signature",
        ),
        (Some(hs256("s3cret", json!({"sub": "alice"}))), "no exp"),
        (Some("not.a.token".to_string()), "garbage"),
        (
            Some({
                let key =
                    EncodingKey::from_rsa_pem(&std::fs::read(fixture("rsa_private.pem")).unwrap())
                        .unwrap();
                encode(
                    &Header::new(jsonwebtoken::Algorithm::RS256),
                    &json!({"sub": "a", "exp": now() + 600}),
                    &key,
                )
                .unwrap()
            }),
            "RS256 where HS is configured",
        ),
        (
            Some({
                // alg "none": header {"alg":"none","typ":"JWT"}, no signature.
                let b64 = |v: serde_json::Value| {
                    use base64_like::encode_url;
                    encode_url(v.to_string().as_bytes())
                };
                format!(
                    "{}.{}.",
                    b64(json!({"alg": "none", "typ": "JWT"})),
                    b64(json!({"sub": "a", "exp": now() + 600}))
                )
            }),
            "alg none",
        ),
    ];
    for (token, what) in refusals {
        let header = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = header
            .iter()
            .map(|h| ("Authorization", h.as_str()))
            .collect();
        let (code, body) = status(&s, "/app/a", &headers)
            .await
            .err()
            .unwrap_or_else(|| panic!("{what} must be refused"));
        assert_eq!(code, 401, "{what}: {body}");
        assert!(body.contains("error"), "{what}: a clear body: {body}");
    }
    // No session was created by any refused attempt.
    assert_eq!(s.health().await["liveSessions"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_mode_refuses_random_sessions_without_an_app() {
    let s = jwt_server().await;
    let t = format!(
        "Bearer {}",
        hs256("s3cret", json!({"sub": "bob", "exp": now() + 600}))
    );
    let auth = ("Authorization", t.as_str());
    let (code, body) = status(&s, "/app/identity/r4nd0m", &[auth])
        .await
        .err()
        .unwrap();
    assert_eq!(code, 403);
    assert!(body.contains("Random sessions"), "{body}");
    let (code, _) = status(&s, "/app/", &[auth, ("X-Qlik-Session", "r4nd0m")])
        .await
        .err()
        .unwrap();
    assert_eq!(code, 403);
    // Default (no identity), Random app and Custom sessions are fine.
    assert_eq!(
        status(&s, "/app/", &[auth]).await.unwrap().state,
        "SESSION_CREATED"
    );
    let mut ra = status(
        &s,
        "/app/sales/identity/5f0c7e0a-1111-2222-3333-444455556666",
        &[auth],
    )
    .await
    .unwrap();
    assert_eq!(ra.state, "SESSION_CREATED");
    assert_eq!(
        ra.ok(-1, "GetAuthenticatedUser", json!([])).await["qReturn"],
        "UserDirectory=JWT; UserId=bob"
    );
    assert_eq!(
        status(&s, "/app/sales/identity/token", &[auth])
            .await
            .unwrap()
            .state,
        "SESSION_CREATED"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_users_and_their_isolation() {
    let s = TestServer::start_with(|c| {
        c.mode = qixd::Mode::Server;
        c.trust_user_header = true;
    })
    .await;
    assert_eq!(status(&s, "/app/x", &[]).await.err().unwrap().0, 401);
    assert_eq!(
        status(&s, "/app/x", &[("X-Qlik-User", "nonsense")])
            .await
            .err()
            .unwrap()
            .0,
        401
    );
    let alice = ("X-Qlik-User", "UserDirectory=CORP; UserId=alice");
    let bob = ("X-Qlik-User", "UserDirectory=CORP; UserId=bob");
    let mut a = status(&s, "/app/x/identity/same", &[alice]).await.unwrap();
    let doc = a.session_app().await;
    a.ok(doc, "SetScript", json!(["alice's"])).await;
    // Bob asks for the same identity: he gets his own session, not alice's.
    let mut b = status(&s, "/app/x/identity/same", &[bob]).await.unwrap();
    assert_eq!(b.state, "SESSION_CREATED");
    assert_eq!(b.err(-1, "GetActiveDoc", json!([])).await["code"], 1007);
    // A bearer token where JWTs are not configured is refused, not ignored.
    assert_eq!(
        status(&s, "/app/x", &[("Authorization", "Bearer abc")])
            .await
            .err()
            .unwrap()
            .0,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rs256_and_es256_public_keys() {
    for (public, private, alg) in [
        (
            "rsa_public.pem",
            "rsa_private.pem",
            jsonwebtoken::Algorithm::RS256,
        ),
        (
            "ec_public.pem",
            "ec_private.pem",
            jsonwebtoken::Algorithm::ES256,
        ),
    ] {
        let s = TestServer::start_with(|c| {
            c.mode = qixd::Mode::Server;
            c.jwt_public_key = Some(fixture(public));
        })
        .await;
        let pem = std::fs::read(fixture(private)).unwrap();
        let key = match alg {
            jsonwebtoken::Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
            _ => EncodingKey::from_ec_pem(&pem).unwrap(),
        };
        let token = encode(
            &Header::new(alg),
            &json!({"sub": "carol", "exp": now() + 600}),
            &key,
        )
        .unwrap();
        let bearer = format!("Bearer {token}");
        let mut c = status(&s, "/app/", &[("Authorization", &bearer)])
            .await
            .unwrap();
        assert_eq!(
            c.ok(-1, "GetAuthenticatedUser", json!([])).await["qReturn"],
            "UserDirectory=JWT; UserId=carol"
        );
        // An HS256 token signed with the public key's bytes (the classic confusion attack) is refused.
        let forged = encode(
            &Header::default(),
            &json!({"sub": "eve", "exp": now() + 600}),
            &EncodingKey::from_secret(&std::fs::read(fixture(public)).unwrap()),
        )
        .unwrap();
        let forged = format!("Bearer {forged}");
        assert_eq!(
            status(&s, "/app/", &[("Authorization", &forged)])
                .await
                .err()
                .unwrap()
                .0,
            401,
            "{public}"
        );
    }
}

#[test]
fn server_mode_without_a_user_source_does_not_start() {
    let mut c = qixd::Config::defaults();
    c.mode = qixd::Mode::Server;
    let err = qixd::auth::Authenticator::from_config(&c)
        .err()
        .expect("refused");
    assert!(err.to_string().contains("--jwt-secret"));
}

/// Base64url without padding, for hand-made tokens.
mod base64_like {
    pub fn encode_url(bytes: &[u8]) -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for i in 0..=chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }
}
