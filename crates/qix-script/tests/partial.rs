//! Partial reloads: ADD / REPLACE [ONLY] in ordinary and partial reloads, the other tables kept.

mod common;

use qix_script::reload_partial;

const SCRIPT: &str = "Keep: LOAD * INLINE [\nK, Name\n1, a\n2, b\n];\n\
    Facts: ADD LOAD * INLINE [\nK, V\n1, 10\n];\n\
    Repl: REPLACE LOAD * INLINE [\nR\nfirst\n];\n\
    Extra: ADD ONLY LOAD * INLINE [\nK, V\n2, 20\n];\n\
    Fresh: REPLACE ONLY LOAD * INLINE [\nR\nsecond\n];\n\
    LET ran = 'yes';";

fn partial(script: &str, previous: &qix_engine::DataModel) -> qix_script::LoadOutput {
    common::with_env(Default::default(), |env| {
        reload_partial(script, env, previous)
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn an_ordinary_reload_runs_add_and_replace_and_skips_only() {
    let out = common::reload_plain(SCRIPT).unwrap();
    let m = &out.model;
    assert_eq!(common::texts(m, "Facts", "V"), ["10"]);
    assert_eq!(common::texts(m, "Repl", "R"), ["first"]);
    assert!(m.table_id("Extra").is_none() && m.table_id("Fresh").is_none());
}

#[test]
fn a_partial_reload_runs_only_add_and_replace_and_keeps_the_rest() {
    let first = common::reload_plain(SCRIPT).unwrap();
    let out = partial(SCRIPT, &first.model);
    let m = &out.model;
    assert_eq!(
        common::texts(m, "Keep", "Name"),
        ["a", "b"],
        "kept, not loaded twice"
    );
    // ADD appends (the ADD ONLY load has the same fields: it concatenates too).
    assert_eq!(common::texts(m, "Facts", "V"), ["10", "10", "20"]);
    // REPLACE drops the previous Repl and loads it again; REPLACE ONLY (Fresh, the same fields) adds to it.
    assert_eq!(common::texts(m, "Repl", "R"), ["first", "second"]);
    assert_eq!(out.variables.get("ran").map(String::as_str), Some("yes"));
    // The other statements run: a DROP in a partial reload drops.
    let out = partial("DROP TABLE Keep;", &first.model);
    assert!(out.model.table_id("Keep").is_none());
    assert!(out.model.table_id("Facts").is_some());
}

#[test]
fn a_partial_reload_takes_synthetic_keys_apart_and_builds_them_again() {
    let script = "A: LOAD * INLINE [\nX, Y, a\n1, 1, p\n2, 2, q\n];\nB: LOAD * INLINE [\nX, Y, b\n1, 1, r\n];";
    let first = common::reload_plain(script).unwrap();
    assert!(first.model.field_id("$Syn 1").is_some());
    let out = partial("C: ADD LOAD 'c' AS c AUTOGENERATE 1;", &first.model);
    let m = &out.model;
    assert_eq!(common::texts(m, "$Syn 1 Table", "X"), ["1", "2"]);
    assert_eq!(common::texts(m, "A", "a"), ["p", "q"]);
    assert_eq!(common::texts(m, "C", "c"), ["c"]);
    assert!(m.field_id("$Syn 2").is_none());
}
