//! Every example in `examples/` run against a real qixd, checking what it reports.

#![allow(dead_code)]
// Each example includes `examples/common` as its own module, as it does when built alone.
#![allow(clippy::duplicate_mod)]

mod common;

#[path = "../examples/app_session.rs"]
mod app_session;
#[path = "../examples/custom_session.rs"]
mod custom_session;
#[path = "../examples/default_session.rs"]
mod default_session;
#[path = "../examples/random_app_session.rs"]
mod random_app_session;
#[path = "../examples/random_session.rs"]
mod random_session;
#[path = "../examples/shared_session.rs"]
mod shared_session;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_examples_do_what_they_say() {
    let (s, _dir) = common::server(false).await;
    let e = format!("ws://{}", s.addr());

    let out = default_session::run(&e).await.unwrap();
    assert_eq!(
        out,
        "engine 12.2528.0; first socket Created, second Attached; 0 app(s)"
    );
    let out = random_session::run(&e).await.unwrap();
    assert_eq!(
        out,
        "two random sessions: Created and Created; desktop mode: true"
    );
    let out = app_session::run(&e).await.unwrap();
    assert_eq!(
        out,
        "qix example: Sum(Amount) = 25 over 3 regions (session Created)"
    );
    let out = random_app_session::run(&e).await.unwrap();
    assert_eq!(
        out,
        "random app session: Sum(Amount) = 15 with Region=North; the App session still sees 25"
    );
    let out = custom_session::run(&e).await.unwrap();
    assert_eq!(
        out,
        "custom session Created/Attached: the second client sees Sum(Amount) = 17; the App session 25"
    );
    let out = shared_session::run(&e).await.unwrap();
    assert_eq!(out, "client B saw Some(Changed): total 25 -> 7");
}
