//! Nothing a script asks for may crash the process: nesting, recursion, row counts, memory and loops
//! that never end are bounded by [`Limits`], and each bound fails the reload (or the syntax check) with an
//! error naming the line. Scripts run on a thread with a 2 MiB stack, a tokio blocking thread's size.

use qix_script::{
    check_syntax, check_syntax_with, reload, Limits, LoadEnv, LoadOutput, ScriptError,
};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Runs `f` on a thread with a 2 MiB stack and answers what it returns.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    handle
        .join()
        .unwrap_or_else(|_| panic!("the script thread panicked"))
}

fn run_with(
    dir: &Path,
    script: &str,
    limits: Limits,
    cancel: Option<&AtomicBool>,
) -> Result<LoadOutput, ScriptError> {
    let conn = |_: &str| None;
    let env = LoadEnv {
        connection: &conn,
        default_dir: dir.to_path_buf(),
        cancel,
        progress: None,
        limits,
    };
    reload(script, &env)
}

/// Runs `script` with `limits` on a 2 MiB stack, in a fresh folder.
fn run(script: &str, limits: Limits) -> Result<LoadOutput, ScriptError> {
    let script = script.to_string();
    on_small_stack(move || {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        run_with(dir.path(), &script, limits, None)
    })
}

/// The error of a script that must fail.
fn fails(script: &str, limits: Limits) -> ScriptError {
    match run(script, limits) {
        Ok(out) => panic!("the script ran: {:?}", out.log),
        Err(e) => e,
    }
}

fn nested(open: &str, close: &str, n: usize, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

#[test]
fn blocks_nested_beyond_the_limit_are_a_syntax_error_not_a_stack_overflow() {
    let max = Limits::default().max_nesting;
    for (open, close) in [
        ("FOR i = 1 TO 1\n", "NEXT\n"),
        ("IF 1 = 1 THEN\n", "END IF\n"),
        ("SUB s\n", "END SUB\n"),
    ] {
        // 10,000 levels overflowed the parser's stack before it counted them.
        let script = nested(open, close, 10_000, "TRACE deep;\n");
        let errors = on_small_stack({
            let script = script.clone();
            move || check_syntax(&script)
        });
        let e = errors
            .first()
            .unwrap_or_else(|| panic!("no error for {open:?}"));
        assert_eq!(e.line, max + 1, "{e}");
        assert!(
            e.message.contains(&format!("nested more than {max} deep")),
            "{e}"
        );
        let e = fails(&script, Limits::default());
        assert_eq!(e.line, max + 1, "{e}");
        // As deep as allowed is fine.
        let ok = nested(open, close, max, "TRACE deep;\n");
        assert!(check_syntax(&ok).is_empty(), "{:?}", check_syntax(&ok));
    }
}

#[test]
fn the_nesting_limit_is_configurable() {
    let script = nested(
        "IF 1 = 1 THEN\n",
        "END IF\n",
        10,
        "LOAD 1 AS x AUTOGENERATE 1;\n",
    );
    assert!(check_syntax(&script).is_empty());
    let limits = Limits {
        max_nesting: 5,
        ..Limits::default()
    };
    let errors = check_syntax_with(&script, &limits);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 6);
    assert_eq!(fails(&script, limits).line, 6);
    assert!(run(&script, Limits::default()).is_ok());
}

#[test]
fn a_sub_that_calls_itself_fails_with_a_call_depth_error() {
    let max = Limits::default().max_call_depth;
    let e = fails(
        "TRACE start;\nSUB r\n  CALL r;\nEND SUB\nCALL r;\n",
        Limits::default(),
    );
    assert_eq!(e.line, 3, "{e}");
    assert!(
        e.message
            .contains(&format!("CALL r: SUB calls nested more than {max} deep")),
        "{e}"
    );
    // Mutual recursion through IFs, with a parameter.
    let e = fails(
        "SUB a(n)\n IF $(n) >= 0 THEN\n  CALL b($(n) + 1);\n END IF\nEND SUB\nSUB b(n)\n  CALL a($(n));\nEND SUB\nCALL a(0);\n",
        Limits::default(),
    );
    assert!(e.message.contains("nested more than"), "{e}");
    assert!([3, 7].contains(&e.line), "{e}");
    // A smaller call depth is honoured, and recursion that ends within it runs.
    let countdown = "SET n = 0;\nSUB down(k)\n IF $(k) > 0 THEN\n  LET n = $(n) + 1;\n  CALL down($(k) - 1);\n END IF\nEND SUB\nCALL down(10);\n";
    let limits = Limits {
        max_call_depth: 5,
        ..Limits::default()
    };
    assert_eq!(fails(countdown, limits).line, 5);
    let out = run(countdown, Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.variables.get("n").map(String::as_str), Some("10"));
}

/// A SUB whose body nests `for_levels` FOR loops around an IF that calls it again `calls` more times;
/// the innermost call loads a table with the deepest expressions the parser allows.
fn deepest_script(for_levels: usize, calls: usize) -> String {
    let deep = vec!["1"; qix_expr::MAX_DEPTH].join("+");
    let less = vec!["1"; qix_expr::MAX_DEPTH - 4].join("+");
    let bottom = format!(
        "LET w = $(=If(1, {less}));\nT: LOAD {deep} AS x, Previous(Previous({less})) AS p AUTOGENERATE 3 WHERE {less} > 0;\n"
    );
    let inner = format!("IF $(k) > 0 THEN\nCALL r($(k) - 1);\nELSE\n{bottom}END IF\n");
    format!(
        "SUB r(k)\n{}END SUB\nCALL r({calls});\n",
        nested("FOR i = 1 TO 1\n", "NEXT\n", for_levels, &inner)
    )
}

#[test]
fn the_deepest_run_the_default_limits_allow_fits_a_2_mib_stack() {
    let limits = Limits::default();
    // SUB + FORs + IF is as deep as the text may nest; each call opens that many blocks.
    let for_levels = limits.max_nesting - 2;
    let per_call = for_levels + 2;
    let calls = (limits.max_nesting + limits.max_call_depth) / per_call;
    let out = run(&deepest_script(for_levels, calls - 1), limits).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.model.tables.len(), 1);
    // One call more is one block too deep: an error, not an overflow.
    let e = fails(&deepest_script(for_levels, calls), limits);
    assert!(
        e.message.contains(&format!(
            "nested more than {} deep while the script runs",
            limits.max_nesting + limits.max_call_depth
        )),
        "{e}"
    );
}

#[test]
fn autogenerate_beyond_the_row_limit_fails_at_once() {
    let started = Instant::now();
    let e = fails(
        "TRACE x;\nLOAD RecNo() AS n AUTOGENERATE 1e9;\n",
        Limits::default(),
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.line, 2);
    assert!(e.message.contains("more than 200000000 rows"), "{e}");
    // Rows that could not fit the memory limit fail before they are made, too.
    let e = fails(
        "LOAD RecNo() AS n AUTOGENERATE 100000000;\n",
        Limits {
            max_memory: 1 << 30,
            ..Limits::default()
        },
    );
    assert!(e.message.contains("more than 1 GiB"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_large_autogenerate_within_the_limits_loads() {
    let out = run(
        "T: LOAD RecNo() AS n, Mod(RecNo(), 7) AS m AUTOGENERATE 1000000;\n",
        Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let t = out.model.table_id("T").unwrap_or_else(|| panic!("no T"));
    assert_eq!(out.model.tables[t].rows, 1_000_000);
}

#[test]
fn the_row_limit_counts_while_loops_preceding_loads_and_joins() {
    let limits = Limits {
        max_rows: 10_000,
        ..Limits::default()
    };
    let e = fails(
        "TRACE x;\nLOAD IterNo() AS i AUTOGENERATE 1 WHILE IterNo() <= 100000;\n",
        limits,
    );
    assert_eq!(e.line, 2);
    assert!(e.message.contains("more than 10000 rows"), "{e}");
    // 6,000 rows twice: the second LOAD of the chain passes the limit.
    let e = fails(
        "LOAD n + 1 AS m;\nLOAD RecNo() AS n AUTOGENERATE 6000;\n",
        limits,
    );
    assert_eq!(e.line, 1, "{e}");
    // A join that multiplies rows is refused before it makes them: 20,000 × 20,000 rows.
    let started = Instant::now();
    let e = fails(
        "A: LOAD RecNo() AS a AUTOGENERATE 20000;\nJOIN (A) LOAD RecNo() AS b AUTOGENERATE 20000;\n",
        Limits::default(),
    );
    assert_eq!(e.line, 2);
    assert!(e.message.contains("rows"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    // Within the limit, all of it runs.
    assert!(run(
        "A: LOAD RecNo() AS a AUTOGENERATE 50;\nJOIN (A) LOAD RecNo() AS b AUTOGENERATE 50;\n",
        limits
    )
    .is_ok());
}

#[test]
fn the_memory_limit_fails_the_reload() {
    let limits = Limits {
        max_memory: 8 << 20,
        ..Limits::default()
    };
    let e = fails(
        "TRACE x;\nLOAD Repeat('x', 1000) & RecNo() AS s AUTOGENERATE 100000;\n",
        limits,
    );
    assert_eq!(e.line, 2);
    assert!(e.message.contains("more than 8.0 MiB"), "{e}");
    // Tables already held count: the second LOAD (as big as the first) is the one that does not
    // fit. Each is about 4.9 MB while made row by row and 2.2 MB once stored as columns.
    let limits = Limits {
        max_memory: 6 << 20,
        ..Limits::default()
    };
    let script = "A: LOAD Repeat('x', 50) & RecNo() AS a AUTOGENERATE 30000;\n\
                  B: LOAD Repeat('y', 50) & RecNo() AS b AUTOGENERATE 30000;\n";
    assert_eq!(fails(script, limits).line, 2);
    assert!(run(script, Limits::default()).is_ok());
}

#[test]
fn dollar_expansion_that_multiplies_text_fails_cleanly() {
    // Each variable is ten copies of the one before: 10^12 bytes by the last line without a bound.
    let mut script = String::from("SET a0 = xxxxxxxxxx;\n");
    for k in 1..=12 {
        let prev = format!("$(a{})", k - 1).repeat(10);
        script.push_str(&format!("SET a{k} = {prev};\n"));
    }
    let e = fails(&script, Limits::default());
    assert!(e.message.contains("longer than"), "{e}");
    assert_eq!(e.line, 8, "{e}");
}

/// Runs `script` with a cancel flag set after `after`; answers the result, or panics when the reload
/// has not returned 30 seconds later.
fn cancelled_after(script: &str, after: Duration) -> Result<LoadOutput, ScriptError> {
    let (tx, rx) = mpsc::channel();
    let script = script.to_string();
    let cancel: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
    std::thread::spawn(move || {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let _ = tx.send(run_with(
            dir.path(),
            &script,
            Limits::default(),
            Some(cancel),
        ));
    });
    std::thread::sleep(after);
    cancel.store(true, Ordering::Relaxed);
    rx.recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("the reload did not stop when cancelled"))
}

#[test]
fn loops_that_never_end_stop_when_cancelled() {
    for script in [
        // An empty FOR body checked the cancel flag nowhere.
        "TRACE x;\nFOR i = 1 TO 1e15\nNEXT\n",
        // A WHILE that keeps nothing: 100,000 records of 999,999 iterations each (the flag was read
        // every 65,536 records).
        "TRACE x;\nLOAD 1 AS x AUTOGENERATE 100000 WHILE IterNo() < 1000000 WHERE 0;\n",
    ] {
        let e = cancelled_after(script, Duration::from_millis(300))
            .err()
            .unwrap_or_else(|| panic!("{script} was not cancelled"));
        assert!(e.message.contains("cancelled"), "{e}");
        assert_eq!(e.line, 2, "{e}");
    }
}

#[test]
fn a_for_loop_whose_step_cannot_move_is_an_error() {
    let e = fails("FOR i = 1e17 TO 1e18\nNEXT\n", Limits::default());
    assert_eq!(e.line, 1);
    assert!(e.message.contains("never end"), "{e}");
}

#[test]
fn a_qvd_claiming_billions_of_records_fails_before_reading_them() {
    let original = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/qvd/test_qvd_null.qvd"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&original).to_string();
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let s = text.rfind(&open).unwrap_or_else(|| panic!("no {name}")) + open.len();
        let e = s + text[s..]
            .find('<')
            .unwrap_or_else(|| panic!("no end of {name}"));
        (s, e)
    };
    // Records of 0 bytes take no room in the file: only the header says how many there are. (The
    // record count follows the record size: replacing it first leaves the size where it was.)
    let mut bytes = original.clone();
    for (name, value) in [("NoOfRecords", "1000000000000"), ("RecordByteSize", "0")] {
        let (s, e) = tag(name);
        bytes.splice(s..e, value.bytes());
    }
    let started = Instant::now();
    let e = qix_script::sources::qvd::read(&bytes).err();
    assert!(
        e.as_deref()
            .is_some_and(|e| e.contains("1000000000000 records")),
        "{e:?}"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("big.qvd"), &bytes).unwrap_or_else(|e| panic!("{e}"));
    for script in [
        "TRACE x;\nLOAD * FROM big.qvd (qvd);\n",
        "TRACE x;\nLOAD *, 1 AS one FROM big.qvd (qvd);\n",
    ] {
        let e = run_with(dir.path(), script, Limits::default(), None)
            .err()
            .unwrap_or_else(|| panic!("{script} loaded"));
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("rows"), "{e}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn file_sources_stop_at_the_row_limit() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut csv = String::from("a,b\n");
    for r in 0..50_000 {
        csv.push_str(&format!("{r},x{}\n", r % 10));
    }
    std::fs::write(dir.path().join("data.csv"), &csv).unwrap_or_else(|e| panic!("{e}"));
    let store = "T: LOAD RecNo() AS a AUTOGENERATE 50000;\nSTORE T INTO t.qvd (qvd);\nSTORE T INTO t.parquet (parquet);\n";
    run_with(dir.path(), store, Limits::default(), None).unwrap_or_else(|e| panic!("{e}"));
    let limits = Limits {
        max_rows: 1_000,
        ..Limits::default()
    };
    for load in [
        // Optimized loads: streamed text, text read whole (for `comment is`), QVD and Parquet columns.
        "LOAD * FROM data.csv (txt);",
        "LOAD * FROM data.csv (txt, comment is '#');",
        "LOAD * FROM t.qvd (qvd);",
        "LOAD * FROM t.parquet (parquet);",
        // Row by row.
        "LOAD a FROM data.csv (txt);",
        "LOAD a FROM t.qvd (qvd);",
        "LOAD a FROM t.parquet (parquet);",
    ] {
        let script = format!("TRACE x;\n{load}\n");
        let e = run_with(dir.path(), &script, limits, None)
            .err()
            .unwrap_or_else(|| panic!("{load} loaded"));
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("more than 1000 rows"), "{load}: {e}");
        assert!(
            run_with(dir.path(), &script, Limits::default(), None).is_ok(),
            "{load}"
        );
    }
}
