//! Suspend and resume: within the TTL the socket reattaches and every object keeps working; after it, a new
//! session is refused with `only_if_attached`, or the doc is reopened and objects are found again by id.

use qix::types::GenericObjectProperties;
use qix::{Error, Event, Location, ObjectEvent, Session, SessionState};
use serde_json::json;
use std::time::Duration;

mod common;
use common::{server, within};

fn props(id: &str, kind: &str) -> GenericObjectProperties {
    serde_json::from_value(json!({"qInfo": {"qId": id, "qType": kind}, "n": 1})).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspend_and_resume_within_the_ttl() {
    let (s, _dir) = server(false).await;
    let loc = Location::from_uri(&format!("ws://{}", s.addr()))
        .unwrap()
        .with_ttl(30);
    let hub = loc.hub(Session::default()).await.unwrap();
    let id = hub
        .create_app("Resume", None, None)
        .await
        .unwrap()
        .app_id
        .unwrap();
    let app = loc.app(&id, None).await.unwrap();
    app.set_script("LOAD RecNo() AS n AUTOGENERATE 5;")
        .await
        .unwrap();
    assert!(app.do_reload(None, None, None).await.unwrap());
    let obj = app.create_session_object(&props("o", "x")).await.unwrap();
    let field = app.get_field("n", None).await.unwrap();
    field.select("2", None, None).await.unwrap();
    let before = (app.handle(), obj.handle());

    let conn = app.connection().clone();
    let mut events = conn.events();
    conn.suspend().await;
    assert!(matches!(
        app.evaluate("Sum(n)").await,
        Err(Error::Connection(m)) if m.contains("suspended")
    ));
    assert_eq!(conn.resume(true).await.unwrap(), SessionState::Attached);
    assert_eq!((app.handle(), obj.handle()), before);
    assert_eq!(
        app.evaluate("Sum(n)").await.unwrap(),
        "2",
        "the selection survived"
    );
    assert_eq!(obj.get_layout().await.unwrap().extra["n"], 1);
    let mut saw = vec![];
    while let Ok(e) = events.try_recv() {
        saw.push(e);
    }
    assert!(saw.contains(&Event::Suspended));
    assert!(saw.contains(&Event::Resumed(SessionState::Attached)));
    assert!(matches!(
        conn.resume(true).await,
        Err(Error::Connection(m)) if m.contains("not suspended")
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_the_ttl() {
    let (s, _dir) = server(false).await;
    let loc = Location::from_uri(&format!("ws://{}", s.addr()))
        .unwrap()
        .with_ttl(0);
    let hub = loc.hub(Session::default()).await.unwrap();
    let id = hub
        .create_app("Expire", None, None)
        .await
        .unwrap()
        .app_id
        .unwrap();
    let app = loc.app(&id, None).await.unwrap();
    let (kept, _) = app.create_object(&props("kept", "sheet")).await.unwrap();
    app.do_save(None).await.unwrap();
    let lost = app
        .create_session_object(&props("lost", "x"))
        .await
        .unwrap();
    let (mut kept_events, mut lost_events) = (kept.events(), lost.events());
    let conn = app.connection().clone();

    conn.suspend().await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(matches!(conn.resume(true).await, Err(Error::Connect(_))));
    assert_eq!(within(kept_events.next()).await, Some(ObjectEvent::Closed));

    let (mut kept_events, mut lost_events2) = (kept.events(), lost.events());
    assert_eq!(conn.resume(false).await.unwrap(), SessionState::Created);
    assert_eq!(within(lost_events.next()).await, Some(ObjectEvent::Closed));
    assert_eq!(within(lost_events2.next()).await, Some(ObjectEvent::Closed));
    assert_eq!(within(kept_events.next()).await, Some(ObjectEvent::Changed));
    assert_eq!(
        app.get_app_layout().await.unwrap().title.as_deref(),
        Some("Expire")
    );
    assert_eq!(kept.get_properties().await.unwrap().extra["n"], 1);
    assert!(lost.get_layout().await.is_err());
}
