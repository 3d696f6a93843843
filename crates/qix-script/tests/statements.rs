//! Statements and prefixes real scripts use: FIRST and BUFFER, DO ... LOOP, EXIT DO / FOR / SUB / SCRIPT
//! WHEN, SWITCH / CASE, GENERIC, HIERARCHY and HIERARCHYBELONGSTO, with their errors.

mod common;

use qix_script::{check_syntax, reload, Limits, LoadOutput, ScriptError};

fn run(script: &str) -> Result<LoadOutput, ScriptError> {
    common::reload_plain(script)
}

fn var(out: &LoadOutput, name: &str) -> String {
    out.variables.get(name).cloned().unwrap_or_default()
}

#[test]
fn first_takes_the_first_records_and_buffer_is_ignored() {
    let out = run("T: FIRST 3 LOAD RecNo() AS n AUTOGENERATE 10;\n\
         U: BUFFER (stale after 7 days) FIRST (1+1) LOAD * INLINE [\nx\na\nb\nc\n];\n\
         V: Buffer (incremental) LOAD 'v' AS v AUTOGENERATE 2;\n\
         W: FIRST 2 LOAD n AS m RESIDENT T WHERE n > 1;")
    .unwrap();
    assert_eq!(common::texts(&out.model, "T", "n"), ["1", "2", "3"]);
    assert_eq!(common::texts(&out.model, "U", "x"), ["a", "b"]);
    assert_eq!(common::texts(&out.model, "V", "v"), ["v", "v"]);
    assert_eq!(common::texts(&out.model, "W", "m"), ["2", "3"]);
    let e = run("T: FIRST 'x' LOAD 1 AS a AUTOGENERATE 1;").unwrap_err();
    assert!(e.message.contains("FIRST"), "{e}");
}

#[test]
fn do_loops_with_conditions_at_either_end() {
    let out = run(
        "LET i = 0;\nDO WHILE i < 3\n  LET i = i + 1;\n  LET a = '$(a)' & i;\nLOOP\n\
         LET j = 10;\nDO\n  LET j = j + 1;\nLOOP UNTIL j >= 12\n\
         LET k = 5;\nDO UNTIL k < 10\n  LET k = k + 100;\nLOOP\n\
         LET m = 0;\nDo\n  LET m = m + 1;\n  EXIT DO WHEN m = 4;\nLoop While m < 100",
    )
    .unwrap();
    assert_eq!(var(&out, "i"), "3");
    assert_eq!(var(&out, "a"), "123");
    assert_eq!(var(&out, "j"), "12");
    assert_eq!(var(&out, "k"), "5", "UNTIL true at the top: no round");
    assert_eq!(var(&out, "m"), "4");
}

#[test]
fn a_runaway_do_loop_ends_with_an_error_after_its_bound() {
    let limits = Limits {
        max_loop_rounds: 1000,
        ..Limits::default()
    };
    let e = common::with_env(limits, |env| {
        reload("LET x = 1;\nDO WHILE 1 = 1\n  LET x = x + 1;\nLOOP", env)
    })
    .unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("1000 rounds"), "{e}");
    // And the default bound is a finite one.
    assert!(Limits::default().max_loop_rounds > 0);
}

#[test]
fn exit_for_sub_and_script_when() {
    let out = run("LET n = 0;\nFOR i = 1 TO 10\n  EXIT FOR WHEN i > 3;\n  LET n = n + i;\nNEXT i\n\
         FOR EACH v IN 'a', 'b', 'c'\n  LET last = '$(v)';\n  IF '$(v)' = 'b' THEN\n    EXIT FOR;\n  END IF\nNEXT v\n\
         SUB s(p)\n  LET before = p;\n  EXIT SUB WHEN p = 1;\n  LET after = p;\nEND SUB\n\
         CALL s(1);\nLET r = 'went on';\n\
         LET outer = 0;\nFOR a = 1 TO 3\n  LET t = 0;\n  DO\n    LET t = t + 1;\n    EXIT DO WHEN t = 2;\n  LOOP\n  LET outer = outer + t;\nNEXT a\n\
         EXIT SCRIPT WHEN n = 99;\nLET still = 1;\nEXIT SCRIPT WHEN n = 6;\nLET never = 1;")
    .unwrap();
    assert_eq!(var(&out, "n"), "6");
    assert_eq!(var(&out, "last"), "b");
    assert_eq!(var(&out, "before"), "1");
    assert_eq!(var(&out, "after"), "");
    assert_eq!(var(&out, "r"), "went on");
    assert_eq!(var(&out, "outer"), "6", "EXIT DO leaves the DO only");
    assert_eq!(var(&out, "still"), "1");
    assert_eq!(var(&out, "never"), "");
}

#[test]
fn switch_runs_the_first_matching_case_or_the_default() {
    let script = |v: &str| {
        format!(
            "LET v = {v};\nSWITCH v\nCASE 1, 2\n  LET r = 'low';\nCASE 'x'\n  LET r = 'x';\nDEFAULT\n  LET r = 'other';\nEND SWITCH\n\
             SWITCH v\nCASE 7\n  LET s = 'seven';\nEND SWITCH"
        )
    };
    for (v, r) in [("2", "low"), ("'x'", "x"), ("5", "other"), ("1", "low")] {
        let out = run(&script(v)).unwrap();
        assert_eq!(var(&out, "r"), r, "{v}");
        assert_eq!(var(&out, "s"), "", "{v}");
    }
    assert_eq!(var(&run(&script("7")).unwrap(), "s"), "seven");
}

#[test]
fn the_new_blocks_are_checked_with_line_numbers() {
    for (script, line, what) in [
        (
            "LET a = 1;\nDO WHILE a < 2\nLET a = 2;",
            2,
            "DO without LOOP",
        ),
        ("LET a = 1;\nLOOP", 2, "LOOP without"),
        (
            "SWITCH 1\nCASE 1\nLET a = 1;",
            1,
            "SWITCH without END SWITCH",
        ),
        (
            "SWITCH 1\nLET a = 1;\nCASE 1\nEND SWITCH",
            2,
            "only CASE or DEFAULT",
        ),
        ("LET a = 1;\n\nEXIT DO;", 3, "EXIT DO outside"),
        ("FOR i = 1 TO 2\nEXIT SUB;\nNEXT i", 2, "EXIT SUB outside"),
        ("DO WHILE\nLOOP", 1, "expression"),
        ("DO FOREVER\nLOOP", 1, "WHILE or UNTIL"),
        ("EXIT NOW;", 1, "EXIT needs"),
    ] {
        let errors = check_syntax(script);
        assert!(
            errors
                .iter()
                .any(|e| e.line == line && e.message.contains(what)),
            "{script:?}: {errors:?}"
        );
        let e = run(script).unwrap_err();
        assert_eq!(e.line, line, "{script:?}: {e}");
    }
    assert!(check_syntax(
        "DO WHILE 1 = 2\n  EXIT DO WHEN 1;\nLOOP\nSWITCH 1\nCASE 1\nDEFAULT\nEND SWITCH\nSleep 0;"
    )
    .is_empty());
    // A label spelled like a keyword is still a label.
    let out = run("Do:\nLOAD 1 AS d AUTOGENERATE 1;\nCase: LOAD 2 AS c AUTOGENERATE 1;").unwrap();
    assert_eq!(common::texts(&out.model, "Do", "d"), ["1"]);
    assert_eq!(common::texts(&out.model, "Case", "c"), ["2"]);
}

#[test]
fn nested_do_loops_beyond_the_nesting_limit_are_refused() {
    let n = Limits::DEFAULT_MAX_NESTING + 1;
    let script = format!("{}{}", "DO WHILE 1 = 2\n".repeat(n), "LOOP\n".repeat(n));
    let errors = check_syntax(&script);
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("nested more than")),
        "{errors:?}"
    );
}

#[test]
fn sleep_waits_and_refuses_bad_durations() {
    let t = std::time::Instant::now();
    run("SLEEP 120;").unwrap();
    assert!(t.elapsed() >= std::time::Duration::from_millis(120));
    let e = run("LET a = 1;\nSleep 99999999;").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("SLEEP"), "{e}");
}

#[test]
fn generic_makes_a_table_per_attribute() {
    let out = run("Products:\nGeneric LOAD * INLINE [\nProduct ID, Attribute, Value\n13, Status, Discontinued\n13, Color, Brown\n20, Color, White\n13, Size, 13-15\n20, Size, 16-18\n2, Status, Discontinued\n];").unwrap();
    let m = &out.model;
    assert!(
        m.table_id("Products").is_none(),
        "no table of the input itself"
    );
    assert_eq!(
        common::texts(m, "Products.Color", "Product ID"),
        ["13", "20"]
    );
    assert_eq!(
        common::texts(m, "Products.Color", "Color"),
        ["Brown", "White"]
    );
    assert_eq!(
        common::texts(m, "Products.Status", "Product ID"),
        ["13", "2"]
    );
    assert_eq!(
        common::texts(m, "Products.Status", "Status"),
        ["Discontinued", "Discontinued"]
    );
    assert_eq!(
        common::texts(m, "Products.Size", "Size"),
        ["13-15", "16-18"]
    );
    let e = run("G: GENERIC LOAD 1 AS only AUTOGENERATE 1;").unwrap_err();
    assert!(e.message.contains("GENERIC"), "{e}");
}

const TREE: &str = "LOAD * INLINE [\nNodeID, ParentID, Title\n1, , CEO\n2, 1, CTO\n3, 2, Dev\n4, 1, CFO\n5, 99, Orphan\n]";

#[test]
fn hierarchy_expands_the_levels_with_path_and_depth() {
    let out = run(&format!(
        "H: HIERARCHY(NodeID, ParentID, Title, Manager, Title, Path, ' > ', Depth) {TREE};"
    ))
    .unwrap();
    let m = &out.model;
    assert_eq!(
        common::texts(m, "H", "Title1"),
        ["CEO", "CEO", "CEO", "CEO", "Orphan"]
    );
    assert_eq!(
        common::texts(m, "H", "Title2"),
        ["-", "CTO", "CTO", "CFO", "-"]
    );
    assert_eq!(common::texts(m, "H", "Title3"), ["-", "-", "Dev", "-", "-"]);
    assert_eq!(
        common::texts(m, "H", "Manager"),
        ["-", "CEO", "CTO", "CEO", "-"]
    );
    assert_eq!(
        common::texts(m, "H", "Path"),
        ["CEO", "CEO > CTO", "CEO > CTO > Dev", "CEO > CFO", "Orphan"]
    );
    assert_eq!(common::texts(m, "H", "Depth"), ["1", "2", "3", "2", "1"]);
    // The short form: only the levels.
    let out = run(&format!("H: Hierarchy(NodeID, ParentID, Title) {TREE};")).unwrap();
    assert_eq!(
        common::texts(&out.model, "H", "Title3"),
        ["-", "-", "Dev", "-", "-"]
    );
    assert!(out.model.field_id("Depth").is_none());
}

#[test]
fn hierarchybelongsto_lists_every_ancestor() {
    let out = run(&format!(
        "A: HierarchyBelongsTo(NodeID, ParentID, Title, AncestorID, AncestorName, DepthDiff) {TREE};"
    ))
    .unwrap();
    let m = &out.model;
    assert_eq!(
        common::texts(m, "A", "NodeID"),
        ["1", "2", "2", "3", "3", "3", "4", "4", "5"]
    );
    assert_eq!(
        common::texts(m, "A", "AncestorName"),
        ["CEO", "CTO", "CEO", "Dev", "CTO", "CEO", "CFO", "CEO", "Orphan"]
    );
    assert_eq!(
        common::texts(m, "A", "DepthDiff"),
        ["0", "0", "1", "0", "1", "2", "0", "1", "0"]
    );
    assert!(
        m.field_id("ParentID").is_none(),
        "the parent's ID is not kept"
    );
}

#[test]
fn a_hierarchy_with_a_cycle_fails_with_a_clear_error() {
    for prefix in [
        "HIERARCHY(NodeID, ParentID, Title)",
        "HIERARCHYBELONGSTO(NodeID, ParentID, Title, A, AN)",
    ] {
        let e = run(&format!(
            "LET x = 1;\nH: {prefix} LOAD * INLINE [\nNodeID, ParentID, Title\n1, 3, a\n2, 1, b\n3, 2, c\n];"
        ))
        .unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("cycle"), "{e}");
    }
    let e = run(&format!("H: HIERARCHY(NodeID, Nope, Title) {TREE};")).unwrap_err();
    assert!(e.message.contains("Nope"), "{e}");
    assert!(run("H: HIERARCHY(NodeID) LOAD 1 AS NodeID AUTOGENERATE 1;").is_err());
}
