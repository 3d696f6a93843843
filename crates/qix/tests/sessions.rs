//! The SDK's session kinds against a real qixd.

use qix::{Error, Event, Location, Session, SessionState, SessionType};
use serde_json::json;

mod common;
use common::server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_session_kind_on_the_wire() {
    let (s, _dir) = server(false).await;
    let loc = Location::from_uri(&format!("ws://{}", s.addr())).unwrap();
    let hub = loc.hub(Session::default()).await.unwrap();
    assert_eq!(hub.connection().state(), SessionState::Created);
    assert_eq!(
        loc.hub(Session::default())
            .await
            .unwrap()
            .connection()
            .state(),
        SessionState::Attached
    );
    assert_eq!(
        loc.hub(Session::random())
            .await
            .unwrap()
            .connection()
            .state(),
        SessionState::Created
    );
    let version = hub.engine_version().await.unwrap();
    assert_eq!(version.component_version.as_deref(), Some("12.2528.0"));
    let created = hub.create_app("Sdk", None, None).await.unwrap();
    assert_eq!(created.success, Some(true));
    let id = created.app_id.unwrap();

    // App session: a second client attaches and finds the open doc.
    let a = loc.app(&id, None).await.unwrap();
    assert_eq!(a.connection().state(), SessionState::Created);
    a.set_script("LOAD 1 AS x AUTOGENERATE 3;").await.unwrap();
    let b = loc.app(&id, None).await.unwrap();
    assert_eq!(b.connection().state(), SessionState::Attached);
    assert_eq!(b.get_script().await.unwrap(), "LOAD 1 AS x AUTOGENERATE 3;");

    // Random app and custom token sessions.
    let r = loc
        .app(
            &id,
            Some(Session::with_app_and_type(&id, SessionType::Random)),
        )
        .await
        .unwrap();
    assert_eq!(r.connection().state(), SessionState::Created);
    let t1 = loc
        .app(&id, Some(Session::with_app_and_token(&id, "team")))
        .await
        .unwrap();
    let t2 = loc
        .app(&id, Some(Session::with_app_and_token(&id, "team")))
        .await
        .unwrap();
    assert_eq!(
        (t1.connection().state(), t2.connection().state()),
        (SessionState::Created, SessionState::Attached)
    );

    // Events: a change on one client is pushed to the other.
    let mut events = t2.connection().events();
    let o1 = t1
        .call(
            "CreateSessionObject",
            json!([{"qInfo": {"qId": "o", "qType": "t"}}]),
        )
        .await
        .unwrap();
    let h1 = o1["qReturn"]["qHandle"].as_i64().unwrap();
    t1.connection()
        .call(h1, "GetLayout", json!([]))
        .await
        .unwrap();
    let h2 = t2.call("GetObject", json!(["o"])).await.unwrap()["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    t1.connection()
        .call(
            h1,
            "SetProperties",
            json!([{"qInfo": {"qId": "o", "qType": "t"}, "x": 1}]),
        )
        .await
        .unwrap();
    let ev = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if let Ok(Event::Changed(h)) = events.recv().await {
                return h;
            }
        }
    })
    .await
    .unwrap();
    // The same layout as JSON text: the properties just set, read on the other client.
    let raw = t2
        .connection()
        .call_raw(h2, "GetLayout", json!([]))
        .await
        .unwrap();
    let layout: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
    assert_eq!(layout["qLayout"]["x"], json!(1), "{}", raw.get());
    assert_eq!(ev, vec![h2]);

    // Typed engine errors.
    match hub.open_doc("no-such-app", None, None, None, None).await {
        Err(Error::Engine(e)) => assert_eq!(e.code, 1003),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_mode_refuses_random_and_needs_a_user() {
    let (s, _dir) = server(true).await;
    let loc = Location::from_uri(&format!("ws://{}", s.addr())).unwrap();
    assert!(
        matches!(loc.hub(Session::default()).await, Err(Error::Connect(m)) if m.contains("401"))
    );
    let loc = loc.as_direct_connection("CORP", "ann", None);
    assert!(
        matches!(loc.hub(Session::random()).await, Err(Error::Connect(m)) if m.contains("403"))
    );
    let hub = loc.hub(Session::default()).await.unwrap();
    assert_eq!(
        hub.get_authenticated_user().await.unwrap(),
        "UserDirectory=CORP; UserId=ann"
    );
    let app = loc
        .app(
            "x",
            Some(Session::with_app_and_type("x", SessionType::Random)),
        )
        .await;
    assert!(
        matches!(app, Err(Error::Engine(e)) if e.code == 1003),
        "the Random app session connects; the app is missing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_and_header_users_behind_a_proxy() {
    let (s, _dir) = server(true).await;
    let loc = Location::from_uri(&format!("http://{}", s.addr())).unwrap();
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": "jo", "userDirectory": "EXT", "exp": exp}),
        &jsonwebtoken::EncodingKey::from_secret(b"s3cret"),
    )
    .unwrap();
    let hub = loc
        .clone()
        .as_jwt_via_proxy(&token)
        .hub(Session::default())
        .await
        .unwrap();
    assert_eq!(
        hub.get_authenticated_user().await.unwrap(),
        "UserDirectory=EXT; UserId=jo"
    );
    assert!(matches!(
        loc.clone().as_jwt_via_proxy("not-a-token").hub(Session::default()).await,
        Err(Error::Connect(m)) if m.contains("401")
    ));
    let hub = loc
        .as_static_header_user_via_proxy("UserDirectory=HDR; UserId=max", "X-Qlik-User")
        .hub(Session::default())
        .await
        .unwrap();
    assert_eq!(
        hub.get_authenticated_user().await.unwrap(),
        "UserDirectory=HDR; UserId=max"
    );
}
