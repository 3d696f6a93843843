//! Property-based fuzzing: whatever text a client sends, parsing, evaluating, printing and `$()`
//! expansion answer (a value or an error) without panicking or overflowing the stack.
//!
//! Every case runs on a thread with a 2 MiB stack, the size of a tokio blocking thread's, where the
//! server parses and evaluates what clients send.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use qix_expr::{eval, expand_dollars, parse, scalar_function_names, Aggr, Scope, Value};

/// A scope with a few fields and every aggregation and host function answering a value.
struct Fuzz;

impl Scope for Fuzz {
    fn field(&mut self, name: &str) -> Value {
        match name.len() % 4 {
            0 => Value::Null,
            1 => Value::Num(name.len() as f64 - 2.5),
            2 => Value::Text(name.to_string()),
            _ => Value::Dual(name.to_string(), 1e300),
        }
    }

    fn aggregate(&mut self, aggr: &Aggr) -> Value {
        eval(&aggr.arg, self)
    }

    fn call(&mut self, _name: &str, args: &[Value]) -> Value {
        args.first().cloned().unwrap_or(Value::Null)
    }

    fn previous(&mut self, expr: &qix_expr::Expr) -> Value {
        eval(expr, self)
    }
}

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

/// Parses `text` and, when it parses, evaluates it, prints it and parses the print back.
fn exercise(text: &str) -> Result<(), TestCaseError> {
    if let Ok(e) = parse(text) {
        let _ = eval(&e, &mut Fuzz);
        let shown = e.to_string();
        prop_assert_eq!(parse(&shown).ok(), Some(e), "printed as {}", shown);
    }
    Ok(())
}

/// Pieces of expression text, chosen so that soups of them often parse and nest deeply.
fn piece() -> impl Strategy<Value = String> {
    let mut fixed: Vec<String> = [
        "(",
        ")",
        ",",
        "+",
        "-",
        "*",
        "/",
        "^",
        "&",
        "=",
        "<>",
        "<",
        "<=",
        ">",
        ">=",
        " and ",
        " or ",
        " not ",
        "NOT ",
        "--",
        "1",
        "0",
        "2.5",
        "1e308",
        "-1e-308",
        "'s'",
        "'it''s'",
        "\"q\"",
        "[f]",
        "[a]]b]",
        "x",
        "Sum(",
        "Count(",
        "Avg(",
        "Only(",
        "DISTINCT ",
        "TOTAL ",
        "<x, y>",
        "*",
        "/*",
        "*/",
        "//",
        "\n",
        "$(",
        " ",
        "'",
        "[",
        "\"",
        "é",
        "\u{0}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    fixed.extend(scalar_function_names().map(|f| format!("{f}(")));
    prop_oneof![
        8 => prop::sample::select(fixed),
        1 => "[0-9]{1,4}(\\.[0-9]{0,3})?(e[+-]?[0-9]{1,3})?",
        1 => "\\PC{1,3}",
    ]
}

#[test]
fn any_text_parses_or_fails_cleanly() {
    run_small_stack(512, ".{0,64}", |text| exercise(&text));
}

#[test]
fn any_bytes_as_text_parse_or_fail_cleanly() {
    run_small_stack(256, prop::collection::vec(any::<u8>(), 0..64), |bytes| {
        exercise(&String::from_utf8_lossy(&bytes))
    });
}

#[test]
fn token_soups_parse_or_fail_cleanly() {
    run_small_stack(512, prop::collection::vec(piece(), 0..48), |parts| {
        exercise(&parts.concat())
    });
}

#[test]
fn long_and_deep_soups_parse_or_fail_cleanly() {
    // Few pieces repeated many times: deep nesting, long chains, long prefix runs.
    let unit = prop::collection::vec(piece(), 1..4);
    run_small_stack(
        64,
        (unit, 100usize..3000, prop::collection::vec(piece(), 0..4)),
        |(unit, times, tail)| {
            let text = unit.concat().repeat(times) + &tail.concat();
            exercise(&text)
        },
    );
}

#[test]
fn dollar_expansion_answers_or_fails_cleanly() {
    run_small_stack(
        256,
        (
            prop::collection::vec(
                prop::sample::select(vec!["$(", ")", "(", "a", "b", "=1+", "$(a)", "x", " "]),
                0..40,
            ),
            prop::collection::vec(
                prop::sample::select(vec!["", "$(a)", "$(b)$(b)", "$(", ")", "v", "$(=1)"]),
                2,
            ),
        ),
        |(parts, values)| {
            let text = parts.concat();
            let mut resolve = |name: &str| -> Result<String, String> {
                Ok(match name.trim() {
                    "a" => values[0].to_string(),
                    "b" => values[1].to_string(),
                    other => match other.strip_prefix('=') {
                        Some(e) => parse(e)
                            .map(|e| eval(&e, &mut Fuzz).text().unwrap_or_default())
                            .map_err(|e| e.to_string())?,
                        None => String::new(),
                    },
                })
            };
            let _ = expand_dollars(&text, &mut resolve);
            Ok(())
        },
    );
}
