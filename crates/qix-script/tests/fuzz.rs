//! Property-based fuzzing of what a client or a file controls: scripts (split, parsed, checked and run),
//! QVD files (a real one, mutated) and delimited text in every dialect the format spec can ask for. Each
//! must answer a result or an error, never panic; scripts run on a 2 MiB stack, as on a tokio blocking
//! thread, with small row and memory limits so that no case runs long.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use qix_script::ast::{FormatSpec, Labels};
use qix_script::sources::{qvd, text, text_columns};
use qix_script::{check_syntax, parse::parse_statement, reload, split::split, Limits, LoadEnv};
use std::path::Path;

/// Runs `test` over `cases` values of `strategy` on a thread with a 2 MiB stack.
fn run_small_stack<S>(cases: u32, strategy: S, test: fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy + Send + 'static,
    S::Value: std::fmt::Debug,
{
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let mut runner = TestRunner::new(Config {
                cases,
                failure_persistence: None,
                ..Config::default()
            });
            runner.run(&strategy, test).map_err(|e| e.to_string())
        });
    match handle.map(|h| h.join()) {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => panic!("{e}"),
        Ok(Err(_)) => panic!("the fuzz thread panicked"),
        Err(e) => panic!("spawn: {e}"),
    }
}

/// Pieces of script text: keywords, clauses, separators and expression bits.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "LOAD ",
        "load ",
        "T:",
        " AS ",
        "a",
        "b",
        ",",
        ";",
        "\n",
        " ",
        "*",
        "RecNo()",
        "IterNo()",
        "Previous(",
        "Peek('a')",
        "ApplyMap('M', a)",
        "Exists(a)",
        "(",
        ")",
        "+",
        "-",
        "1",
        "3",
        "'x'",
        "\"y\"",
        "[z",
        "]",
        "AUTOGENERATE ",
        "INLINE [",
        "a,b\n1,2\n",
        "RESIDENT T",
        " WHERE ",
        " WHILE ",
        "IterNo() <= 3",
        "DISTINCT ",
        "FROM ",
        "(txt)",
        "(qvd)",
        "nofile.csv",
        "lib://x/y.qvd",
        "CONCATENATE ",
        "LEFT JOIN ",
        "INNER KEEP ",
        "MAPPING ",
        "NOCONCATENATE ",
        "LET v = ",
        "SET w = ",
        "$(v)",
        "$(=1+1)",
        "$(",
        "IF ",
        " THEN",
        "ELSEIF ",
        "ELSE",
        "END IF",
        "ENDIF",
        "FOR i = 1 TO 3",
        "FOR EACH e IN 1, 2",
        " STEP ",
        "NEXT",
        "SUB s(p)",
        "END SUB",
        "CALL s(1)",
        "CALL s",
        "EXIT SCRIPT",
        "DROP TABLE T",
        "DROP FIELD a",
        "RENAME TABLE T TO U",
        "RENAME FIELD a TO c",
        "QUALIFY *",
        "UNQUALIFY a",
        "TRACE hi",
        "COMMENT FIELD a WITH 'c'",
        "TAG FIELD a WITH 't'",
        "STORE T INTO out.qvd",
        "REM ",
        "//",
        "/*",
        "*/",
        "SELECT ",
        "é",
        "\u{0}",
    ])
}

/// Splits, parses every statement and checks the syntax of `script`.
fn parse_all(script: &str) {
    if let Ok(stmts) = split(script) {
        for s in stmts {
            let _ = parse_statement(&s.text);
        }
    }
    let _ = check_syntax(script);
}

#[test]
fn any_script_text_parses_or_fails_cleanly() {
    run_small_stack(512, ".{0,120}", |s| {
        parse_all(&s);
        Ok(())
    });
}

#[test]
fn script_token_soups_parse_or_fail_cleanly() {
    run_small_stack(512, prop::collection::vec(piece(), 0..60), |parts| {
        parse_all(&parts.concat());
        Ok(())
    });
}

#[test]
fn script_token_soups_run_or_fail_cleanly() {
    run_small_stack(256, prop::collection::vec(piece(), 0..40), |parts| {
        let script = parts.concat();
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let d = dir.path().to_path_buf();
        let conn = move |name: &str| (name == "x").then(|| d.clone());
        let env = LoadEnv {
            connection: &conn,
            default_dir: dir.path().to_path_buf(),
            cancel: None,
            progress: None,
            limits: Limits {
                max_rows: 20_000,
                max_memory: 16 << 20,
                ..Limits::default()
            },
        };
        let _ = reload(&script, &env);
        Ok(())
    });
}

fn testdata() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// A small real QVD (written by Qlik, with NULLs).
fn small_qvd() -> Vec<u8> {
    let path = testdata().join("qvd/test_qvd_null.qvd");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A mutation of a QVD file.
#[derive(Debug, Clone)]
enum Mutation {
    /// Sets the byte at (position modulo the length).
    Byte(usize, u8),
    /// Cuts the file at (position modulo the length).
    Truncate(usize),
    /// Replaces the text of the n-th number in the header by this one.
    Number(usize, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Byte(p, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        4 => (
            any::<usize>(),
            prop_oneof![
                Just("0".to_string()),
                Just("-1".to_string()),
                Just("-9223372036854775808".to_string()),
                Just("9223372036854775807".to_string()),
                Just("18446744073709551615".to_string()),
                Just("4294967296".to_string()),
                "[0-9]{1,12}",
            ]
        )
            .prop_map(|(n, v)| Mutation::Number(n, v)),
    ]
}

/// Applies `m` to `bytes`.
fn mutate(bytes: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::Byte(p, b) => {
            let n = bytes.len();
            if n > 0 {
                bytes[p % n] = *b;
            }
        }
        Mutation::Truncate(p) => {
            let n = bytes.len().max(1);
            bytes.truncate(p % n);
        }
        Mutation::Number(k, v) => {
            let end = bytes
                .windows(17)
                .position(|w| w == b"</QvdTableHeader>")
                .unwrap_or(bytes.len());
            // Numbers between a `>` and a `<`: the header's counts, sizes, offsets and widths.
            let mut spans = Vec::new();
            let mut i = 0;
            while i < end {
                if bytes[i] == b'>' {
                    let s = i + 1;
                    let mut e = s;
                    while e < end && (bytes[e].is_ascii_digit() || bytes[e] == b'-') {
                        e += 1;
                    }
                    if e > s && bytes.get(e) == Some(&b'<') {
                        spans.push((s, e));
                    }
                    i = e.max(s);
                } else {
                    i += 1;
                }
            }
            if !spans.is_empty() {
                let (s, e) = spans[k % spans.len()];
                bytes.splice(s..e, v.bytes());
            }
        }
    }
}

#[test]
fn mutated_qvd_files_read_or_fail_cleanly() {
    let original = small_qvd();
    assert!(qvd::read(&original).is_ok(), "the unmutated file reads");
    proptest!(ProptestConfig::with_cases(512), |(ms in prop::collection::vec(mutation(), 1..6))| {
        let mut bytes = original.clone();
        for m in &ms {
            mutate(&mut bytes, m);
        }
        let _ = qvd::read(&bytes);
        let _ = qvd::read_columns_checked(&bytes, &mut |rows, _| {
            if rows > 1_000_000 { Err("too many".into()) } else { Ok(()) }
        });
    });
}

/// A format spec as `(txt, ...)` can give it.
fn spec() -> impl Strategy<Value = FormatSpec> {
    (
        prop::sample::select(vec![',', ';', '\t', '|', ' ', '"', 'é', '\n']),
        prop::sample::select(vec![Labels::Embedded, Labels::None, Labels::Explicit]),
        0usize..3,
        prop::option::of(prop::sample::select(vec!["#", "//", ""])),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(delimiter, labels, header_lines, comment, quotes, latin1)| FormatSpec {
                format: None,
                delimiter: Some(delimiter),
                labels,
                header_lines,
                comment: comment.map(str::to_string),
                quotes,
                latin1,
            },
        )
}

/// Bytes that look like delimited text more often than not.
fn text_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        prop::collection::vec(
            prop::sample::select(vec![
                b"a".to_vec(),
                b"1".to_vec(),
                b"2.5".to_vec(),
                b",".to_vec(),
                b";".to_vec(),
                b"\t".to_vec(),
                b"|".to_vec(),
                b"\"".to_vec(),
                b"\"\"".to_vec(),
                b"\n".to_vec(),
                b"\r\n".to_vec(),
                b"#".to_vec(),
                b"\xEF\xBB\xBF".to_vec(),
                b"\xE9".to_vec(),
                "é".as_bytes().to_vec(),
                b" ".to_vec(),
            ]),
            0..80,
        )
        .prop_map(|v| v.concat()),
    ]
}

#[test]
fn delimited_text_in_any_dialect_reads_or_fails_cleanly() {
    proptest!(ProptestConfig::with_cases(512), |(bytes in text_bytes(), spec in spec(), inline: bool)| {
        if let Ok(t) = text::decode(bytes.clone(), spec.latin1) {
            let rows = text::read(&t, &spec, inline);
            let cols = text::read_columns(&t, &spec);
            if let (Ok(rows), Ok(cols)) = (&rows, &cols) {
                if !inline {
                    prop_assert_eq!(&rows.fields, &cols.fields);
                }
            }
        }
        let streamed = text_columns::read_columns_from(&bytes[..], &spec);
        if let (Ok(Some(streamed)), false) = (streamed, spec.delimiter == Some('\n')) {
            // The streaming reader agrees with the whole-text reader on the fields it reads (a line
            // break as the delimiter aside: the whole-text reader drops `\r` from the header lines).
            if let Ok(t) = text::decode(bytes.clone(), spec.latin1) {
                if let Ok(whole) = text::read_columns(&t, &spec) {
                    prop_assert_eq!(streamed.fields, whole.fields);
                    prop_assert_eq!(streamed.columns.len(), whole.columns.len());
                }
            }
        }
    });
}
