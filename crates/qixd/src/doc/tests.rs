//! The rules the doc keeps: what modifies the app, and what is reported changed, once.

use super::*;
use serde_json::json;

fn doc() -> DocState {
    DocState::open(
        std::sync::Arc::new(AppRecord::new("t")),
        false,
        Default::default(),
    )
}

fn props(id: &str) -> Map<String, Value> {
    json!({"qInfo": {"qId": id, "qType": "chart"}})
        .as_object()
        .cloned()
        .unwrap()
}

#[test]
fn change_is_reported_once_per_invalidation() {
    let mut doc = doc();
    let obj = ObjectRef::Object("a".into());
    let mut fx = Effects::default();
    doc.invalidate(obj.clone(), &mut fx);
    doc.invalidate(obj.clone(), &mut fx);
    assert_eq!(fx.change, vec![obj.clone()]);
    doc.validate(&obj);
    doc.invalidate(obj.clone(), &mut fx);
    assert_eq!(fx.change.len(), 2);
}

#[test]
fn a_persistent_change_modifies_the_app_and_reports_the_object_once() {
    let mut doc = doc();
    doc.insert_object("a".into(), props("a"), true);
    assert!(doc.is_modified());
    let a = ObjectRef::Object("a".into());
    doc.validate(&a);
    let mut fx = Effects::default();
    for title in ["x", "y"] {
        doc.set_object_props("a", &mut fx, |p| {
            let mut p = p.clone();
            p.insert("title".into(), json!(title));
            Ok(p)
        })
        .unwrap();
    }
    assert_eq!(fx.change, vec![a]);
    assert_eq!(doc.object("a").unwrap()["title"], "y");

    let mut doc = self::doc();
    let mut fx = Effects::default();
    doc.change_record(&[ObjectRef::Doc], &mut fx, |r| r.script = "LOAD 1;".into());
    assert!(doc.is_modified());
    assert_eq!(fx.change, vec![ObjectRef::Doc]);
}

#[test]
fn a_session_change_does_not_modify_the_app() {
    let mut doc = doc();
    let mut fx = Effects::default();
    doc.insert_object("s".into(), props("s"), false);
    doc.set_object_props("s", &mut fx, |p| Ok(p.clone()))
        .unwrap();
    doc.set_soft_patch("s", props("s"), &mut fx);
    doc.insert_variable("v".into(), props("v"), false);
    doc.change_variable("v", &mut fx, |p| p.insert("qDefinition".into(), json!("1")));
    doc.add_state("S", false, &mut fx);
    assert_eq!(
        doc.select("S", &mut fx, |s, _| s.set(0, vec![1])),
        Some(true)
    );
    assert!(!doc.is_modified());
    assert!(doc.destroy_object("s", &mut fx));
    assert!(doc.remove_variable("v", &mut fx));
    assert!(!doc.is_modified());
    // The same kind of change to persistent things does.
    doc.insert_variable("p".into(), props("p"), true);
    assert!(doc.is_modified());
}

#[test]
fn a_persistent_variable_change_modifies_the_app() {
    let mut record = AppRecord::new("t");
    record.variables.insert("v".into(), props("v"));
    let mut doc = DocState::open(std::sync::Arc::new(record), false, Default::default());
    let mut fx = Effects::default();
    doc.change_variable("v", &mut fx, |p| p.insert("qDefinition".into(), json!("2")));
    assert!(doc.is_modified());
    assert_eq!(fx.change, vec![ObjectRef::Variable("v".into())]);
    doc.fold_for_save();
    assert_eq!(doc.record().variables["v"]["qDefinition"], "2");
}

#[test]
fn a_reload_resets_selections_and_reports_every_object() {
    let mut doc = doc();
    let mut fx = Effects::default();
    doc.insert_object("a".into(), props("a"), false);
    doc.insert_variable("v".into(), props("v"), false);
    doc.add_state("S", true, &mut fx);
    // Selections made in both states (symbol numbers need no data here).
    assert_eq!(
        doc.select("$", &mut fx, |s, _| s.set(0, vec![1])),
        Some(true)
    );
    assert_eq!(
        doc.select("S", &mut fx, |s, _| s.set(0, vec![2])),
        Some(true)
    );
    doc.saved(doc.record().clone(), &mut fx);
    for o in [
        ObjectRef::Doc,
        ObjectRef::Object("a".into()),
        ObjectRef::Variable("v".into()),
    ] {
        doc.validate(&o);
    }
    let mut fx = Effects::default();
    doc.install_reload(LoadedData::default(), &mut fx);
    assert_eq!(
        fx.change,
        vec![
            ObjectRef::Doc,
            ObjectRef::Object("a".into()),
            ObjectRef::Variable("v".into())
        ]
    );
    assert!(doc.is_modified());
    assert!(!doc.data_is_saved());
    assert!(!doc.record().last_reload_time.is_empty());
    for state in ["$", "S"] {
        let selections = doc.state(state).unwrap();
        assert_eq!(selections.history(), (0, 0), "{state}");
        assert!(selections.current().selected(0).is_none(), "{state}");
    }
}

#[test]
fn a_save_clears_modified_and_reports_the_doc() {
    let mut doc = doc();
    let mut fx = Effects::default();
    doc.add_state("S", true, &mut fx);
    doc.validate(&ObjectRef::Doc);
    doc.fold_for_save();
    let saved = doc.record().clone();
    let mut fx = Effects::default();
    doc.saved(saved, &mut fx);
    assert!(!doc.is_modified());
    assert!(doc.data_is_saved());
    assert_eq!(fx.change, vec![ObjectRef::Doc]);
}

#[test]
fn destroying_a_child_closes_its_subtree_and_changes_its_parent() {
    let mut doc = doc();
    let mut fx = Effects::default();
    for id in ["p", "c", "g"] {
        doc.insert_object(id.into(), props(id), true);
    }
    doc.add_child("p", "c", &mut fx);
    doc.add_child("c", "g", &mut fx);
    // Ordering the parent's children keeps the children's own.
    doc.set_children("p", vec!["c".into()], &mut fx);
    assert_eq!(doc.children("c"), ["g".to_string()]);
    doc.validate(&ObjectRef::Object("p".into()));
    let mut fx = Effects::default();
    assert!(doc.destroy_object("c", &mut fx));
    assert_eq!(
        fx.close,
        vec![ObjectRef::Object("c".into()), ObjectRef::Object("g".into())]
    );
    assert_eq!(fx.change, vec![ObjectRef::Object("p".into())]);
    assert!(doc.children("p").is_empty());
    assert!(doc.object("g").is_none());
}

#[test]
fn a_master_item_change_makes_every_layout_stale() {
    let mut doc = doc();
    doc.insert_object("a".into(), props("a"), false);
    let dim = ObjectRef::Dimension("d".into());
    doc.add_to_record(dim.clone(), |r| r.dimensions.insert("d".into(), props("d")));
    doc.validate(&dim);
    doc.validate(&ObjectRef::Object("a".into()));
    let mut fx = Effects::default();
    doc.change_record(std::slice::from_ref(&dim), &mut fx, |_| ());
    assert_eq!(fx.change, vec![dim, ObjectRef::Object("a".into())]);
}

#[test]
fn sessions_share_the_stored_record_until_one_changes_it() {
    let stored = std::sync::Arc::new(AppRecord::new("t"));
    let mut a = DocState::open(stored.clone(), false, Default::default());
    let b = DocState::open(stored.clone(), false, Default::default());
    assert!(
        std::ptr::eq(a.record(), b.record()),
        "one copy while unchanged"
    );
    let mut fx = Effects::default();
    a.change_record(&[ObjectRef::Doc], &mut fx, |r| {
        r.script = "LOAD 1 AS x AUTOGENERATE 1;".into()
    });
    assert!(
        !std::ptr::eq(a.record(), b.record()),
        "the changing session copied it"
    );
    assert_eq!(
        b.record().script,
        stored.script,
        "the other session still sees the stored record"
    );
    assert!(a.is_modified() && !b.is_modified());
}
