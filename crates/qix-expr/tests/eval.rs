//! Scalar semantics: operators, NULL, duals, every scalar function, number formatting.

use qix_expr::{eval, format_number, parse, parse_number, AggFunc, Aggr, Scope, Value};

/// Fields: x = 3, y = 4, s = 'abc', t = '12' (text), d = Dual('Jan', 1), z = 0, n = NULL.
/// Aggregations: Sum → 100, Count → 7, others → NULL; each request is recorded.
#[derive(Default)]
struct TestScope {
    asked: Vec<String>,
}

impl Scope for TestScope {
    fn field(&mut self, name: &str) -> Value {
        match name {
            "x" => Value::Num(3.0),
            "y" => Value::Num(4.0),
            "z" => Value::Num(0.0),
            "s" => Value::Text("abc".into()),
            "t" => Value::Text("12".into()),
            "d" => Value::Dual("Jan".into(), 1.0),
            _ => Value::Null,
        }
    }

    fn aggregate(&mut self, aggr: &Aggr) -> Value {
        self.asked.push(aggr.to_string());
        match aggr.func {
            AggFunc::Sum => Value::Num(100.0),
            AggFunc::Count => Value::Num(7.0),
            _ => Value::Null,
        }
    }
}

fn ev(text: &str) -> Value {
    match parse(text) {
        Ok(e) => eval(&e, &mut TestScope::default()),
        Err(e) => panic!("parse({text:?}) failed: {e}"),
    }
}

fn n(x: f64) -> Value {
    Value::Num(x)
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

const TRUE: Value = Value::Num(-1.0);
const FALSE: Value = Value::Num(0.0);

/// Asserts each expression evaluates to the expected value.
fn check(cases: &[(&str, Value)]) {
    for (text, want) in cases {
        assert_eq!(&ev(text), want, "{text}");
    }
}

#[test]
fn arithmetic_and_precedence() {
    check(&[
        ("1+2*3^2", n(19.0)),
        ("2^3^2", n(512.0)),
        ("-2^2", n(4.0)),
        ("-(2^2)", n(-4.0)),
        ("2^-1", n(0.5)),
        ("(1+2)*3", n(9.0)),
        ("10-4-3", n(3.0)),
        ("24/4/2", n(3.0)),
        ("7/2", n(3.5)),
        ("x*y", n(12.0)),
        ("-x", n(-3.0)),
        ("+x", n(3.0)),
        ("--x", n(3.0)),
        ("1e3 + .5", n(1000.5)),
        ("t + 1", n(13.0)),
        ("'2' * '3'", n(6.0)),
        ("d + 1", n(2.0)),
    ]);
}

#[test]
fn division_by_zero_and_invalid_results_are_null() {
    check(&[
        ("1/0", Value::Null),
        ("x/z", Value::Null),
        ("0/0", Value::Null),
        ("(-8)^0.5", Value::Null),
        ("0^-1", Value::Null),
        ("10^400", Value::Null),
    ]);
}

#[test]
fn null_propagation() {
    check(&[
        ("n + 1", Value::Null),
        ("1 - n", Value::Null),
        ("n * 0", Value::Null),
        ("0 / n", Value::Null),
        ("n ^ 2", Value::Null),
        ("-n", Value::Null),
        ("s + 1", Value::Null),
        ("'abc' * 2", Value::Null),
        ("Null() + 1", Value::Null),
        // & treats NULL as empty text.
        ("'a' & n", t("a")),
        ("n & n", t("")),
        // Functions on NULL give NULL...
        ("Fabs(n)", Value::Null),
        ("Upper(n)", Value::Null),
        ("Chr(n)", Value::Null),
        ("Round(n)", Value::Null),
        // ...except the type tests and If.
        ("IsNull(n)", TRUE),
        ("IsNum(n)", FALSE),
        ("If(n, 1, 2)", n(2.0)),
        ("If(1, n, 2)", Value::Null),
    ]);
}

#[test]
fn string_concatenation() {
    check(&[
        ("'a' & 'b'", t("ab")),
        ("1 & 2", t("12")),
        ("(1 & 2) + 1", n(13.0)),
        ("0.1 + 0.2 & ''", t("0.3")),
        ("s & '-' & x", t("abc-3")),
        ("d & '!'", t("Jan!")),
        ("'it''s'", t("it's")),
    ]);
}

#[test]
fn comparisons() {
    check(&[
        ("1 = 1", TRUE),
        ("1 = 2", FALSE),
        ("1 <> 2", TRUE),
        ("1 <> 1", FALSE),
        ("1 < 2", TRUE),
        ("2 < 1", FALSE),
        ("2 <= 2", TRUE),
        ("3 <= 2", FALSE),
        ("2 > 1", TRUE),
        ("1 > 2", FALSE),
        ("2 >= 2", TRUE),
        ("1 >= 2", FALSE),
        // Numbers compare numerically, also when written as text.
        ("10 > 9", TRUE),
        ("'10' > '9'", TRUE),
        ("t = 12", TRUE),
        ("'1.0' = 1", TRUE),
        ("d = 1", TRUE),
        // Otherwise by text, case-sensitively.
        ("'abc' = 'abc'", TRUE),
        ("'abc' = 'ABC'", FALSE),
        ("'abc' < 'abd'", TRUE),
        ("'B' < 'a'", TRUE),
        ("d = 'Jan'", TRUE),
        ("s = 3", FALSE),
        // NULL rules.
        ("n = n", Value::Null),
        ("n <> n", Value::Null),
        ("x = n", FALSE),
        ("x <> n", TRUE),
        ("x < n", FALSE),
        ("n <= x", FALSE),
        ("x > n", FALSE),
        ("x >= n", FALSE),
    ]);
}

#[test]
fn logical_operators() {
    check(&[
        ("1 and 1", TRUE),
        ("1 and 0", FALSE),
        ("0 or 1", TRUE),
        ("0 or 0", FALSE),
        ("not 0", TRUE),
        ("not 1", FALSE),
        ("not x = 3", FALSE),
        ("x = 3 and y = 4", TRUE),
        ("x = 3 and y = 5 or 1", TRUE),
        ("'abc' or 0", FALSE),
        ("'2' and 1", TRUE),
        ("n or 0", FALSE),
        ("not n", TRUE),
        ("-0.5 and 1", TRUE),
    ]);
}

#[test]
fn and_or_short_circuit() {
    let e = match parse("0 and Sum(x) or 1 or Count(y)") {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let mut scope = TestScope::default();
    assert_eq!(eval(&e, &mut scope), TRUE);
    assert!(scope.asked.is_empty(), "{:?}", scope.asked);
}

#[test]
fn aggregations_come_from_the_scope() {
    let e = match parse("Sum(DISTINCT x) / Count(TOTAL <a> y) + 1") {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let mut scope = TestScope::default();
    let v = eval(&e, &mut scope);
    assert_eq!(v.num().map(|x| (x * 1e6).round()), Some(15_285_714.0));
    assert_eq!(scope.asked, vec!["Sum(DISTINCT x)", "Count(TOTAL <a> y)"]);
    assert_eq!(ev("Avg(x) + 1"), Value::Null);
}

#[test]
fn if_is_lazy() {
    let e = match parse("If(x > 1, 'big', Sum(x))") {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let mut scope = TestScope::default();
    assert_eq!(eval(&e, &mut scope), t("big"));
    assert!(scope.asked.is_empty());
    check(&[
        ("If(0, 1, 2)", n(2.0)),
        ("If(0, 1)", Value::Null),
        ("If('abc', 1, 2)", n(2.0)),
        ("If('5', 1, 2)", n(1.0)),
        ("if(x = 3, 'three')", t("three")),
    ]);
}

#[test]
fn alt_pick_match() {
    check(&[
        ("Alt(n, s, 5, 6)", n(5.0)),
        ("Alt(t, 0)", t("12")),
        ("Alt(n, s)", t("abc")),
        ("Alt(n)", Value::Null),
        ("Alt(d, 0)", Value::Dual("Jan".into(), 1.0)),
        ("Pick(2, 'a', 'b', 'c')", t("b")),
        ("Pick(1, 'a')", t("a")),
        ("Pick(4, 'a', 'b', 'c')", Value::Null),
        ("Pick(0, 'a')", Value::Null),
        ("Pick(n, 'a')", Value::Null),
        ("Match('b', 'a', 'b', 'c')", n(2.0)),
        ("Match('B', 'a', 'b')", n(0.0)),
        ("Match(x, 1, 2, 3)", n(3.0)),
        ("Match(n, 'a')", n(0.0)),
        ("MixMatch('B', 'a', 'b')", n(2.0)),
        ("MixMatch('ÄBC', 'äbc')", n(1.0)),
        ("WildMatch('Sweden', 'n*', 'sw*')", n(2.0)),
        ("WildMatch('abc', 'a?c')", n(1.0)),
        ("WildMatch('abc', 'a?')", n(0.0)),
        ("WildMatch('ABC', '*b*')", n(1.0)),
    ]);
}

#[test]
fn type_tests_and_constants() {
    check(&[
        ("IsNull(x)", FALSE),
        ("IsNull('')", FALSE),
        ("IsNum(x)", TRUE),
        ("IsNum('3.5')", TRUE),
        ("IsNum(s)", FALSE),
        ("IsNum(d)", TRUE),
        ("IsText(s)", TRUE),
        ("IsText(d)", TRUE),
        ("IsText(x)", FALSE),
        ("IsText(n)", FALSE),
        ("Null()", Value::Null),
        ("True()", TRUE),
        ("False()", FALSE),
        ("Coalesce(n, Null(), 'x', 1)", t("x")),
        ("Coalesce(n)", Value::Null),
        ("EmptyIsNull('')", Value::Null),
        ("EmptyIsNull('a')", t("a")),
        ("EmptyIsNull(n)", Value::Null),
    ]);
    assert_eq!(ev("Pi()"), n(std::f64::consts::PI));
}

#[test]
fn rounding() {
    check(&[
        ("Round(2.5)", n(3.0)),
        ("Round(-2.5)", n(-2.0)),
        ("Round(2.4)", n(2.0)),
        ("Round(3.88, 0.1)", n(3.9)),
        ("Round(2.25, 0.1)", n(2.3)),
        ("Round(1.005, 0.01)", n(1.01)),
        ("Round(17, 5)", n(15.0)),
        ("Round(18, 5)", n(20.0)),
        ("Round(3.88, 5, 2)", n(2.0)),
        ("Round(4.6, 5, 2)", n(7.0)),
        ("Round(1, 0)", Value::Null),
        ("Round('abc')", Value::Null),
        ("Floor(2.7)", n(2.0)),
        ("Floor(-2.5)", n(-3.0)),
        ("Floor(0.3, 0.1)", n(0.3)),
        ("Floor(4.1, 0.25)", n(4.0)),
        ("Floor(3.88, 5, 2)", n(2.0)),
        ("Ceil(2.1)", n(3.0)),
        ("Ceil(-2.5)", n(-2.0)),
        ("Ceil(4.1, 0.25)", n(4.25)),
        ("Ceil(0.3, 0.1)", n(0.3)),
        ("Ceil(2, 0)", Value::Null),
    ]);
}

#[test]
fn number_functions() {
    check(&[
        ("Fabs(-2.5)", n(2.5)),
        ("Fabs(2)", n(2.0)),
        ("Sign(-3)", n(-1.0)),
        ("Sign(0)", n(0.0)),
        ("Sign(0.1)", n(1.0)),
        ("Mod(7, 2)", n(1.0)),
        ("Mod(-7, 3)", n(2.0)),
        ("Mod(-9, 2)", n(1.0)),
        ("Mod(7.5, 2)", Value::Null),
        ("Mod(9, -2)", Value::Null),
        ("Mod(9, 0)", Value::Null),
        ("Div(7, 2)", n(3.0)),
        ("Div(7.5, 2)", n(3.0)),
        ("Div(-4, 3)", n(-1.0)),
        ("Div(4, -3)", n(-1.0)),
        ("Div(1, 0)", Value::Null),
        ("Even(4)", TRUE),
        ("Even(-3)", FALSE),
        ("Odd(-3)", TRUE),
        ("Odd(2.5)", Value::Null),
        ("Sqrt(9)", n(3.0)),
        ("Sqrt(-1)", Value::Null),
        ("Exp(0)", n(1.0)),
        ("Log(1)", n(0.0)),
        ("Log(0)", Value::Null),
        ("Log(-5)", Value::Null),
        ("Log10(1000)", n(3.0)),
        ("Log10(0)", Value::Null),
        ("Pow(2, 10)", n(1024.0)),
        ("Pow(-8, 0.5)", Value::Null),
        ("RangeSum(1, 2, 'a', n, '3')", n(6.0)),
        ("RangeSum(n, 'a')", n(0.0)),
        ("RangeAvg(1, 2, n)", n(1.5)),
        ("RangeAvg(n)", Value::Null),
        ("RangeMin(3, 1, 2)", n(1.0)),
        ("RangeMax(3, 1, 'x')", n(3.0)),
        ("RangeMax(n, 'x')", Value::Null),
        ("RangeCount(1, 'a', n)", n(2.0)),
    ]);
    let e = ev("Exp(1)").num().unwrap_or(0.0);
    assert!((e - std::f64::consts::E).abs() < 1e-15, "{e}");
    assert_eq!(
        ev("Frac(11.43)").num().map(|x| (x * 100.0).round()),
        Some(43.0)
    );
    assert_eq!(
        ev("Frac(-1.4)").num().map(|x| (x * 10.0).round()),
        Some(6.0)
    );
}

#[test]
fn num_text_dual() {
    let dual = |s: &str, x: f64| Value::Dual(s.into(), x);
    check(&[
        ("Num(5.24567)", n(5.24567)),
        ("Num('12')", n(12.0)),
        ("Num('abc')", Value::Null),
        ("Num(n)", Value::Null),
        ("Num(5.24567, '0.00')", dual("5.25", 5.24567)),
        ("Num(2.5, '0')", dual("3", 2.5)),
        ("Num(-2.5, '0')", dual("-3", -2.5)),
        ("Num(1.005, '0.00')", dual("1.01", 1.005)),
        ("Num(1234567.891, '#,##0')", dual("1,234,568", 1234567.891)),
        ("Num(1234.5, '#,##0.00')", dual("1,234.50", 1234.5)),
        ("Num(1234.5, '#,##0.0#')", dual("1,234.5", 1234.5)),
        ("Num(1234.567, '#,##0.0#')", dual("1,234.57", 1234.567)),
        ("Num(0.5, '#.##')", dual(".5", 0.5)),
        ("Num(7, '000')", dual("007", 7.0)),
        ("Num(0.256, '0.0%')", dual("25.6%", 0.256)),
        ("Num(-1234.5, '$#,##0.00')", dual("-$1,234.50", -1234.5)),
        ("Num(-5, '0;(0)')", dual("(5)", -5.0)),
        ("Num(5, '0;(0)')", dual("5", 5.0)),
        ("Num(-0.001, '0.00')", dual("0.00", -0.001)),
        ("Num(999.999, '0.00')", dual("1000.00", 999.999)),
        (
            "Num(1234.5, '# ##0,00', ',', ' ')",
            dual("1 234,50", 1234.5),
        ),
        ("Num(1234.5, '#.##0,00', ',')", dual("1.234,50", 1234.5)),
        ("Num(3, 'abc')", dual("3", 3.0)),
        ("Num(3, '')", n(3.0)),
        ("Text(3)", t("3")),
        ("Text(0.1 + 0.2)", t("0.3")),
        ("Text(d)", t("Jan")),
        ("Text(n)", Value::Null),
        ("Text(1) + 1", n(2.0)),
        ("Dual('Q1', 1)", dual("Q1", 1.0)),
        ("Dual('Q1', 1) + 1", n(2.0)),
        ("Dual('Q1', 1) & ''", t("Q1")),
        ("Dual('Q1', 'x')", t("Q1")),
        ("Num(x, '0.0') & ''", t("3.0")),
    ]);
}

#[test]
fn string_functions() {
    check(&[
        ("Len('abc')", n(3.0)),
        ("Len('ä€')", n(2.0)),
        ("Len('')", n(0.0)),
        ("Len(12.5)", n(4.0)),
        ("Upper('abc ä')", t("ABC Ä")),
        ("Lower('ABC Ä')", t("abc ä")),
        ("Capitalize('star trek')", t("Star Trek")),
        ("Capitalize('AA - a')", t("Aa - A")),
        ("Left('abcdef', 2)", t("ab")),
        ("Left('ab', 5)", t("ab")),
        ("Left('abc', -1)", Value::Null),
        ("Left(12345, 2)", t("12")),
        ("Right('abcdef', 2)", t("ef")),
        ("Right('ab', 5)", t("ab")),
        ("Mid('abcdef', 3)", t("cdef")),
        ("Mid('abcdef', 3, 2)", t("cd")),
        ("Mid('abc', 5)", t("")),
        ("Mid('abc', 0)", Value::Null),
        ("Mid('äöü', 2, 1)", t("ö")),
        ("Index('abcdefg', 'cd')", n(3.0)),
        ("Index('abcabc', 'b', 2)", n(5.0)),
        ("Index('abcabc', 'b', -1)", n(5.0)),
        ("Index('abcabc', 'b', -2)", n(2.0)),
        ("Index('abc', 'x')", n(0.0)),
        ("Index('abcabc', 'b', 3)", n(0.0)),
        ("Index('äbc', 'c')", n(3.0)),
        ("Index('aaa', 'aa', 2)", n(2.0)),
        ("Index('aaa', 'aa', -1)", n(2.0)),
        ("Index('aaa', 'aa', -2)", n(1.0)),
        ("Index('abc', '')", n(0.0)),
        ("Trim('  a b  ')", t("a b")),
        ("LTrim('  a ')", t("a ")),
        ("RTrim('  a ')", t("  a")),
        ("Replace('abccde', 'cc', 'xyz')", t("abxyzde")),
        ("Replace('aaa', 'a', 'bb')", t("bbbbbb")),
        ("Replace('abc', '', 'x')", t("abc")),
        ("SubField('abc;cde;efg', ';', 2)", t("cde")),
        ("SubField('abc;cde;efg', ';', -1)", t("efg")),
        ("SubField('abc;cde;efg', ';', -3)", t("abc")),
        ("SubField('abc;cde;efg', ';')", t("abc")),
        ("SubField('abc;cde;efg', ';', 4)", Value::Null),
        ("SubField('abc;cde;efg', ';', 0)", Value::Null),
        ("SubField(n, ';', 1)", t("")),
        ("SubField(';', ';', 1)", t("")),
        ("SubField('a::b', '::', 2)", t("b")),
        ("Chr(65)", t("A")),
        ("Chr(8364)", t("€")),
        ("Chr(-1)", Value::Null),
        ("Chr(55296)", Value::Null),
        ("Ord('A')", n(65.0)),
        ("Ord('€uro')", n(8364.0)),
        ("Ord('')", Value::Null),
        ("Repeat('ab', 3)", t("ababab")),
        ("Repeat('ab')", t("ab")),
        ("Repeat('ab', 0)", t("")),
        ("Repeat('ab', 1e15)", Value::Null),
        ("PurgeChar('a1b2c3', '123')", t("abc")),
        ("KeepChar('a1b2c3', '123')", t("123")),
    ]);
}

#[test]
fn value_accessors() {
    assert_eq!(Value::Num(2.5).num(), Some(2.5));
    assert_eq!(Value::Text(" 7 ".into()).num(), Some(7.0));
    assert_eq!(Value::Text("seven".into()).num(), None);
    assert_eq!(Value::Dual("Jan".into(), 1.0).num(), Some(1.0));
    assert_eq!(Value::Null.num(), None);
    assert_eq!(Value::Num(0.1 + 0.2).text().as_deref(), Some("0.3"));
    assert_eq!(
        Value::Dual("Jan".into(), 1.0).text().as_deref(),
        Some("Jan")
    );
    assert_eq!(Value::Null.text(), None);
    assert!(Value::Null.is_null());
    assert!(!Value::Text(String::new()).is_null());
    assert!(Value::Num(-1.0).truthy());
    assert!(!Value::Num(0.0).truthy());
    assert!(Value::Text("2".into()).truthy());
    assert!(!Value::Text("0".into()).truthy());
    assert!(!Value::Text("yes".into()).truthy());
    assert!(!Value::Null.truthy());
    assert!(Value::Dual("x".into(), 1.0).truthy());
    assert_eq!(Value::from_bool(true), TRUE);
}

#[test]
fn parse_number_reads_default_format() {
    assert_eq!(parse_number("01"), Some(1.0));
    assert_eq!(parse_number(" -2.5e1 "), Some(-25.0));
    assert_eq!(parse_number(".5"), Some(0.5));
    assert_eq!(parse_number("inf"), None);
    assert_eq!(parse_number("NaN"), None);
    assert_eq!(parse_number(""), None);
    assert_eq!(parse_number("-"), None);
    assert_eq!(parse_number("1,5"), None);
}

#[test]
fn format_number_cases() {
    let cases: &[(f64, &str)] = &[
        (3.0, "3"),
        (-12.0, "-12"),
        (0.0, "0"),
        (-0.0, "0"),
        (0.1 + 0.2, "0.3"),
        (1.0 / 3.0, "0.33333333333333"),
        (2.0 / 3.0, "0.66666666666667"),
        (2.5, "2.5"),
        (-2.5, "-2.5"),
        (123456789012345.0, "123456789012345"),
        (1234.5678, "1234.5678"),
        (0.000001, "0.000001"),
        (0.0000015, "0.0000015"),
        (1e-7, "1e-07"),
        (1.5e-7, "1.5e-07"),
        (1e15, "1e+15"),
        (1.5e20, "1.5e+20"),
        (-1e100, "-1e+100"),
        (999999999999999.9, "1e+15"),
        (12345.678901234567, "12345.678901235"),
        (2.9999999999999996, "3"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "+Inf"),
        (f64::NEG_INFINITY, "-Inf"),
    ];
    for (x, want) in cases {
        assert_eq!(format_number(*x), *want, "{x:e}");
    }
}

#[test]
fn deepest_parsable_expression_evaluates_and_drops_on_a_small_stack() {
    // Runs in a thread with a 1 MiB stack: a tree of the maximal depth must evaluate, print and drop.
    let depth = qix_expr::MAX_DEPTH;
    let text = vec!["1"; depth].join("+");
    let calls = format!(
        "{}1{}",
        "Fabs(-".repeat(depth / 2 - 1),
        ")".repeat(depth / 2 - 1)
    );
    let parens = format!("{}1{}", "(".repeat(depth - 1), ")".repeat(depth - 1));
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let mut out = Vec::new();
            for t in [text, calls, parens] {
                let e = match parse(&t) {
                    Ok(e) => e,
                    Err(e) => return Err(e.to_string()),
                };
                let shown = e.to_string();
                out.push((eval(&e, &mut TestScope::default()), shown.len()));
            }
            Ok(out)
        });
    let result = match handle {
        Ok(h) => h.join(),
        Err(e) => panic!("spawn: {e}"),
    };
    match result {
        Ok(Ok(values)) => {
            assert_eq!(values[0].0, n(depth as f64));
            assert_eq!(values[1].0, n(1.0));
            assert_eq!(values[2].0, n(1.0));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn host_functions_are_parsed_and_asked_of_the_scope() {
    struct Host;
    impl qix_expr::Scope for Host {
        fn field(&mut self, _: &str) -> qix_expr::Value {
            qix_expr::Value::Null
        }
        fn aggregate(&mut self, _: &qix_expr::Aggr) -> qix_expr::Value {
            qix_expr::Value::Null
        }
        fn call(&mut self, name: &str, args: &[qix_expr::Value]) -> qix_expr::Value {
            qix_expr::Value::Text(format!("{name}/{}", args.len()))
        }
    }
    let e = qix_expr::parse("RecNo() & ApplyMap('m', 1) & Peek('f', 0)").unwrap();
    assert_eq!(
        qix_expr::eval(&e, &mut Host).text().unwrap(),
        "RecNo/0ApplyMap/2Peek/2"
    );
    // Dates are no host functions: qix-expr evaluates them itself, in charts as in scripts.
    let e = qix_expr::parse("Date#('2024', 'YYYY')").unwrap();
    assert_eq!(
        qix_expr::eval(&e, &mut Host),
        qix_expr::Value::Dual("2024".into(), 45292.0)
    );
    assert!(qix_expr::parse("RecNo(1)").is_err(), "arity is checked");
}
