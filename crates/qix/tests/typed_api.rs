//! Round trips through the generated typed API against a real qixd: script, reload, tables, a hypercube
//! object, field selections, events on a second client, evaluation, master items, saves and typed errors.

use qix::types::{
    FieldValue, GenericMeasureProperties, GenericObjectProperties, GenericVariableProperties,
    NxPage, Size,
};
use qix::{Error, Location, ObjectEvent, Session, SessionState};
use serde_json::json;

mod common;
use common::{server, within};

fn page(height: i64) -> NxPage {
    NxPage {
        top: Some(0),
        left: Some(0),
        width: Some(2),
        height: Some(height),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doc_object_and_field_methods() {
    let (s, _dir) = server(false).await;
    let loc = Location::from_uri(&format!("ws://{}", s.addr())).unwrap();
    let hub = loc.hub(Session::default()).await.unwrap();
    let id = hub
        .create_app("Typed", None, None)
        .await
        .unwrap()
        .app_id
        .unwrap();
    let app = loc.app(&id, None).await.unwrap();

    app.set_script("T: LOAD * INLINE [Dim, Val\na, 1\nb, 2\nc, 3\n];")
        .await
        .unwrap();
    assert!(app.do_reload(None, None, None).await.unwrap());
    let size = Size {
        cx: Some(10),
        cy: Some(10),
        ..Default::default()
    };
    let tables = app
        .get_tables_and_keys(&size, &size, 20, false, false, None)
        .await
        .unwrap();
    let t = &tables.tr.unwrap()[0];
    assert_eq!(t.name.as_deref(), Some("T"));
    assert_eq!(t.no_of_rows, Some(3));

    // A session object with a hypercube and a custom property.
    let props: GenericObjectProperties = serde_json::from_value(json!({
        "qInfo": {"qId": "cube", "qType": "table"},
        "title": "Kept",
        "qHyperCubeDef": {
            "qDimensions": [{"qDef": {"qFieldDefs": ["Dim"]}}],
            "qMeasures": [{"qDef": {"qDef": "Sum(Val)"}}],
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}]
        }
    }))
    .unwrap();
    let obj = app.create_session_object(&props).await.unwrap();
    assert_eq!(obj.class(), "GenericObject");
    assert_eq!(obj.generic_id(), "cube");
    let layout = obj.get_layout().await.unwrap();
    assert_eq!(layout.extra["title"], "Kept");
    let cube = layout.hyper_cube().unwrap().unwrap();
    assert_eq!(cube.size.as_ref().unwrap().cy, Some(3));
    let rows = cube.data_pages.unwrap()[0].matrix.clone().unwrap();
    assert_eq!(rows[0][0].text.as_deref(), Some("a"));
    assert_eq!(rows[2][1].num, Some(3.0));
    let back = obj.get_properties().await.unwrap();
    assert_eq!(back.info.unwrap().id.as_deref(), Some("cube"));

    // A second client of the same session sees the object and its change.
    let other = loc.app(&id, None).await.unwrap();
    assert_eq!(other.connection().state(), SessionState::Attached);
    let seen = other.get_object("cube").await.unwrap();
    seen.get_layout().await.unwrap();
    let mut events = seen.events();
    let field = app.get_field("Dim", None).await.unwrap();
    assert_eq!(field.get_cardinal().await.unwrap(), 3);
    let b = FieldValue {
        text: Some("b".into()),
        ..Default::default()
    };
    assert!(field.select_values(&[b], None, None).await.unwrap());
    assert_eq!(within(events.next()).await, Some(ObjectEvent::Changed));
    let pages = seen
        .get_hyper_cube_data("/qHyperCubeDef", &[page(10)])
        .await
        .unwrap();
    let m = pages[0].matrix.as_ref().unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0][0].text.as_deref(), m[0][1].num),
        (Some("b"), Some(2.0))
    );
    assert_eq!(app.evaluate("Sum(Val)").await.unwrap(), "2");
    app.clear_all(None, None).await.unwrap();
    assert_eq!(app.evaluate("Sum(Val)").await.unwrap(), "6");

    // Master measure, persistent object, save.
    let mprops: GenericMeasureProperties = serde_json::from_value(json!({
        "qInfo": {"qId": "m1", "qType": "measure"},
        "qMeasure": {"qLabel": "Total", "qDef": "Sum(Val)"}
    }))
    .unwrap();
    let (measure, info) = app.create_measure(&mprops).await.unwrap();
    assert_eq!(info.info.unwrap().id.as_deref(), Some("m1"));
    let ml = measure.get_layout().await.unwrap();
    assert_eq!(ml.measure.unwrap().label.as_deref(), Some("Total"));
    let sheet: GenericObjectProperties =
        serde_json::from_value(json!({"qInfo": {"qId": "s1", "qType": "sheet"}})).unwrap();
    let (_, created) = app.create_object(&sheet).await.unwrap();
    assert_eq!(created.info.unwrap().id.as_deref(), Some("s1"));
    let vprops: GenericVariableProperties = serde_json::from_value(json!({
        "qInfo": {"qId": "vKept", "qType": "variable"}, "qName": "vKept", "qDefinition": "=Sum(Val)"
    }))
    .unwrap();
    let (var, vinfo) = app.create_variable_ex(&vprops).await.unwrap();
    assert_eq!(vinfo.info.unwrap().id.as_deref(), Some("vKept"));
    assert_eq!(var.get_layout().await.unwrap().text.as_deref(), Some("6"));
    app.do_save(None).await.unwrap();

    // Saved: another session of the app finds the persistent items, not the session ones.
    let fresh = loc
        .app(&id, Some(Session::with_app_and_token(&id, "fresh")))
        .await
        .unwrap();
    let v = fresh.get_variable_by_name("vKept").await.unwrap();
    assert_eq!(
        v.get_properties().await.unwrap().definition.as_deref(),
        Some("=Sum(Val)")
    );
    assert!(fresh.get_measure("m1").await.is_ok());
    assert!(matches!(
        fresh.get_object("cube").await,
        Err(Error::ObjectNotFound(_))
    ));
    assert!(fresh.destroy_variable_by_id("vKept").await.unwrap());
    assert!(!fresh.destroy_variable_by_id("vKept").await.unwrap());
    assert!(matches!(
        fresh.get_variable_by_name("vKept").await,
        Err(Error::ObjectNotFound(_))
    ));
    assert!(
        app.get_variable_by_name("vKept").await.is_ok(),
        "not saved: the other session keeps it"
    );

    // Typed errors: a missing object, a destroyed object's close event, an engine error code.
    assert!(matches!(
        app.get_object("nope").await,
        Err(Error::ObjectNotFound(m)) if m == "GetObject"
    ));
    let mut closing = seen.events();
    assert!(app.destroy_session_object("cube").await.unwrap());
    assert_eq!(within(closing.next()).await, Some(ObjectEvent::Closed));
    match seen.get_layout().await {
        Err(Error::Engine(e)) => assert_eq!(e.code, -32602),
        other => panic!("{other:?}"),
    }
    match app.check_expression("Sum(", None).await {
        Ok(r) => assert!(r.error_msg.is_some_and(|m| !m.is_empty())),
        Err(e) => panic!("{e}"),
    }
}
