//! The grammar: tree shapes, quoting, aggregations, errors and their positions.

use qix_expr::{
    field_names, has_aggregation, parse, AggFunc, Aggr, BinOp, Element, ElementSet, Expr,
    FieldModifier, FieldRef, ParseError, SetExpr, SetIdent, SetOp, MAX_DEPTH,
};

fn num(n: f64) -> Expr {
    Expr::Num(n)
}

fn field(name: &str) -> Expr {
    Expr::Field(name.into())
}

fn bin(op: BinOp, l: Expr, r: Expr) -> Expr {
    Expr::Binary(op, Box::new(l), Box::new(r))
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Call {
        name: name.into(),
        args,
        total: false,
    }
}

fn aggr(func: AggFunc, distinct: bool, total: bool, arg: Expr, extra: Vec<Expr>) -> Expr {
    Expr::Aggr(Aggr {
        func,
        distinct,
        total,
        total_fields: vec![],
        set: None,
        arg: Box::new(arg),
        extra,
    })
}

fn p(text: &str) -> Expr {
    match parse(text) {
        Ok(e) => e,
        Err(e) => panic!("parse({text:?}) failed: {e}"),
    }
}

fn perr(text: &str) -> ParseError {
    match parse(text) {
        Ok(e) => panic!("parse({text:?}) should fail, got {e:?}"),
        Err(e) => e,
    }
}

#[test]
fn numbers() {
    assert_eq!(p("12"), num(12.0));
    assert_eq!(p("1.5"), num(1.5));
    assert_eq!(p(".5"), num(0.5));
    assert_eq!(p("1e3"), num(1000.0));
    assert_eq!(p("2.5E-2"), num(0.025));
    assert_eq!(p("1e+2"), num(100.0));
    assert_eq!(p("-3"), Expr::Neg(Box::new(num(3.0))));
}

#[test]
fn strings() {
    assert_eq!(p("'abc'"), Expr::Str("abc".into()));
    assert_eq!(p("'it''s'"), Expr::Str("it's".into()));
    assert_eq!(p("''"), Expr::Str(String::new()));
    assert_eq!(p("'a\nb'"), Expr::Str("a\nb".into()));
}

#[test]
fn field_names_in_all_quoting_styles() {
    assert_eq!(p("Sales"), field("Sales"));
    assert_eq!(p("$Field"), field("$Field"));
    assert_eq!(p("%Key_1"), field("%Key_1"));
    assert_eq!(p("#Rows"), field("#Rows"));
    assert_eq!(p("Customer.Name"), field("Customer.Name"));
    assert_eq!(p("Ångström"), field("Ångström"));
    assert_eq!(p("[Order Id]"), field("Order Id"));
    assert_eq!(p("[a]]b]"), field("a]b"));
    assert_eq!(p("[Sum(x)]"), field("Sum(x)"));
    assert_eq!(p("\"Sales Amount\""), field("Sales Amount"));
    assert_eq!(p("\"say \"\"hi\"\"\""), field("say \"hi\""));
    // A function name not followed by '(' is a field; keywords can be bracketed.
    assert_eq!(p("Sum"), field("Sum"));
    assert_eq!(p("[and]"), field("and"));
}

#[test]
fn leading_equals_is_skipped() {
    assert_eq!(p("=1"), num(1.0));
    assert_eq!(p("  \n = 1"), num(1.0));
    assert_eq!(p("/* c */ =1"), num(1.0));
    // Only one: a second '=' is an operator without left side.
    assert_eq!(perr("==1").position, 1);
}

#[test]
fn whitespace_and_comments() {
    let want = bin(BinOp::Add, num(1.0), num(2.0));
    assert_eq!(p("1+2"), want);
    assert_eq!(p(" 1 \n\t+\r\n 2 "), want);
    assert_eq!(p("1 // one\n + 2 // two"), want);
    assert_eq!(p("1 /* a\nb */ + /**/ 2"), want);
    assert_eq!(p("4/2"), bin(BinOp::Div, num(4.0), num(2.0)));
}

#[test]
fn precedence() {
    // 1 + (2 * (3 ^ 2))
    assert_eq!(
        p("1+2*3^2"),
        bin(
            BinOp::Add,
            num(1.0),
            bin(BinOp::Mul, num(2.0), bin(BinOp::Pow, num(3.0), num(2.0)))
        )
    );
    // ^ is right-associative.
    assert_eq!(
        p("2^3^2"),
        bin(BinOp::Pow, num(2.0), bin(BinOp::Pow, num(3.0), num(2.0)))
    );
    // Unary minus binds tighter than ^: (-2)^2.
    assert_eq!(
        p("-2^2"),
        bin(BinOp::Pow, Expr::Neg(Box::new(num(2.0))), num(2.0))
    );
    assert_eq!(
        p("2^-1"),
        bin(BinOp::Pow, num(2.0), Expr::Neg(Box::new(num(1.0))))
    );
    // Left-associative - and /.
    assert_eq!(
        p("8-4-2"),
        bin(BinOp::Sub, bin(BinOp::Sub, num(8.0), num(4.0)), num(2.0))
    );
    assert_eq!(
        p("8/4/2"),
        bin(BinOp::Div, bin(BinOp::Div, num(8.0), num(4.0)), num(2.0))
    );
    // & binds looser than +.
    assert_eq!(
        p("1 & 2 + 3"),
        bin(BinOp::Concat, num(1.0), bin(BinOp::Add, num(2.0), num(3.0)))
    );
    // Comparison looser than &.
    assert_eq!(
        p("a & b = c"),
        bin(
            BinOp::Eq,
            bin(BinOp::Concat, field("a"), field("b")),
            field("c")
        )
    );
    // not looser than comparison, and looser than not, or loosest.
    assert_eq!(
        p("not a = 1 and b or c"),
        bin(
            BinOp::Or,
            bin(
                BinOp::And,
                Expr::Not(Box::new(bin(BinOp::Eq, field("a"), num(1.0)))),
                field("b")
            ),
            field("c")
        )
    );
    assert_eq!(
        p("(1+2)*3"),
        bin(BinOp::Mul, bin(BinOp::Add, num(1.0), num(2.0)), num(3.0))
    );
    assert_eq!(p("+5"), num(5.0));
    assert_eq!(p("--5"), Expr::Neg(Box::new(Expr::Neg(Box::new(num(5.0))))));
}

#[test]
fn every_comparison_operator() {
    for (text, op) in [
        ("=", BinOp::Eq),
        ("<>", BinOp::Ne),
        ("<", BinOp::Lt),
        ("<=", BinOp::Le),
        (">", BinOp::Gt),
        (">=", BinOp::Ge),
    ] {
        assert_eq!(
            p(&format!("a {text} 1")),
            bin(op, field("a"), num(1.0)),
            "{text}"
        );
    }
}

#[test]
fn keywords_and_functions_are_case_insensitive() {
    let want = bin(BinOp::And, field("a"), field("b"));
    assert_eq!(p("a AND b"), want);
    assert_eq!(p("a And b"), want);
    assert_eq!(p("a OR b"), bin(BinOp::Or, field("a"), field("b")));
    assert_eq!(p("NOT a"), Expr::Not(Box::new(field("a"))));
    for text in ["round(1)", "ROUND(1)", "Round(1)", "rOuNd(1)"] {
        assert_eq!(p(text), call("Round", vec![num(1.0)]));
    }
    assert_eq!(p("subfield('a', ',')").to_string(), "SubField('a', ',')");
    assert_eq!(p("if(1, 2)"), call("If", vec![num(1.0), num(2.0)]));
    assert_eq!(p("pi()"), call("Pi", vec![]));
    assert_eq!(p("Pi ( )"), call("Pi", vec![]));
    for text in ["sum(x)", "SUM(x)", "Sum(x)"] {
        assert_eq!(
            p(text),
            aggr(AggFunc::Sum, false, false, field("x"), vec![])
        );
    }
}

#[test]
fn aggregations() {
    assert_eq!(
        p("Sum(DISTINCT x)"),
        aggr(AggFunc::Sum, true, false, field("x"), vec![])
    );
    assert_eq!(
        p("sum(total x)"),
        aggr(AggFunc::Sum, false, true, field("x"), vec![])
    );
    assert_eq!(
        p("Count(DISTINCT TOTAL [Order Id])"),
        aggr(AggFunc::Count, true, true, field("Order Id"), vec![])
    );
    let Expr::Aggr(a) = p("Sum(TOTAL <Region, [Sales Rep]> Sales)") else {
        panic!("an aggregation")
    };
    assert!(a.total);
    assert_eq!(a.total_fields, vec!["Region", "Sales Rep"]);
    assert_eq!(
        p("Count(*)"),
        aggr(AggFunc::Count, false, false, num(1.0), vec![])
    );
    assert_eq!(
        p("Count(TOTAL *)"),
        aggr(AggFunc::Count, false, true, num(1.0), vec![])
    );
    assert_eq!(
        p("Avg(x)"),
        aggr(AggFunc::Avg, false, false, field("x"), vec![])
    );
    assert_eq!(
        p("Only(x)"),
        aggr(AggFunc::Only, false, false, field("x"), vec![])
    );
    assert_eq!(
        p("Min(x, 2)"),
        aggr(AggFunc::Min, false, false, field("x"), vec![num(2.0)])
    );
    assert_eq!(
        p("Max(x)"),
        aggr(AggFunc::Max, false, false, field("x"), vec![])
    );
    assert_eq!(
        p("Concat(DISTINCT Name, ', ', Rank)"),
        aggr(
            AggFunc::Concat,
            true,
            false,
            field("Name"),
            vec![Expr::Str(", ".into()), field("Rank")]
        )
    );
    // The argument is an expression with scalar functions.
    assert_eq!(
        p("Sum(If(x > 0, x))"),
        aggr(
            AggFunc::Sum,
            false,
            false,
            call("If", vec![bin(BinOp::Gt, field("x"), num(0.0)), field("x")]),
            vec![]
        )
    );
    // Aggregations combine with operators outside them.
    assert_eq!(
        p("Sum(x)/Count(TOTAL x)"),
        bin(
            BinOp::Div,
            aggr(AggFunc::Sum, false, false, field("x"), vec![]),
            aggr(AggFunc::Count, false, true, field("x"), vec![])
        )
    );
}

#[test]
fn distinct_and_total_can_be_field_names() {
    assert_eq!(
        p("Sum(Total)"),
        aggr(AggFunc::Sum, false, false, field("Total"), vec![])
    );
    assert_eq!(
        p("Sum(Total * 2)"),
        aggr(
            AggFunc::Sum,
            false,
            false,
            bin(BinOp::Mul, field("Total"), num(2.0)),
            vec![]
        )
    );
    assert_eq!(p("Distinct"), field("Distinct"));
    assert_eq!(
        p("Sum(TOTAL Total)"),
        aggr(AggFunc::Sum, false, true, field("Total"), vec![])
    );
}

#[test]
fn nested_aggregation_is_rejected() {
    let e = perr("Sum(x / Count(y))");
    assert!(e.message.contains("nested aggregation"), "{e}");
    assert_eq!(e.position, 8);
    let e = perr("Concat(x, Only(d))");
    assert!(e.message.contains("nested aggregation"), "{e}");
    let e = perr("Max(If(a, Sum(b)))");
    assert!(e.message.contains("nested aggregation"), "{e}");
    // Side by side is fine.
    assert!(parse("Sum(x) + Count(y)").is_ok());
}

#[test]
fn aggregation_argument_counts() {
    let e = perr("Sum(x, y)");
    assert_eq!(e.position, 0);
    assert!(e.message.contains("'Sum' takes 1 argument, got 2"), "{e}");
    let e = perr("Min(x, 1, 2)");
    assert!(e.message.contains("1 to 2 arguments"), "{e}");
    let e = perr("Sum()");
    assert!(e.message.contains("needs an expression"), "{e}");
    assert_eq!(e.position, 4);
    assert!(parse("Concat(x, ',', y)").is_ok());
    assert!(parse("Concat(x, ',', y, z)").is_err());
}

#[test]
fn error_positions_and_messages() {
    let e = perr("Sum(x");
    assert_eq!(e.position, 5);
    assert!(e.message.contains("')'"), "{e}");
    assert_eq!(e.to_string(), format!("{} at position 5", e.message));

    let e = perr("(1 + 2");
    assert_eq!(e.position, 6);
    assert!(e.message.contains("')'"), "{e}");

    let e = perr("Round(1 2)");
    assert_eq!(e.position, 8);
    assert!(e.message.contains("')'"), "{e}");

    let e = perr("1 + Foo(2)");
    assert_eq!(e.position, 4);
    assert_eq!(e.message, "unknown function 'Foo'");

    let e = perr("'abc");
    assert_eq!((e.position, e.message.as_str()), (0, "unterminated string"));
    let e = perr("x & 'it''s");
    assert_eq!((e.position, e.message.as_str()), (4, "unterminated string"));

    let e = perr("[abc");
    assert_eq!(
        (e.position, e.message.as_str()),
        (0, "unterminated field name")
    );
    let e = perr("1 + \"abc");
    assert_eq!(
        (e.position, e.message.as_str()),
        (4, "unterminated field name")
    );
    let e = perr("1 /* open");
    assert_eq!(
        (e.position, e.message.as_str()),
        (2, "unterminated comment")
    );

    let e = perr("1 +");
    assert_eq!(
        (e.position, e.message.as_str()),
        (3, "unexpected end of expression")
    );
    let e = perr("");
    assert_eq!(
        (e.position, e.message.as_str()),
        (0, "unexpected end of expression")
    );
    let e = perr("=  ");
    assert_eq!(e.position, 3);

    let e = perr("1 2");
    assert_eq!(e.position, 2);
    assert!(e.message.contains("expected an operator"), "{e}");

    let e = perr("1 + )");
    assert_eq!(e.position, 4);
    assert!(e.message.contains("expected an expression"), "{e}");

    let e = perr("a ? b");
    assert_eq!(
        (e.position, e.message.as_str()),
        (2, "unexpected character '?'")
    );

    let e = perr("12abc");
    assert_eq!(e.position, 0);
    assert!(e.message.contains("invalid number"), "{e}");
    let e = perr("1e999");
    assert_eq!((e.position, e.message.as_str()), (0, "number out of range"));

    let e = perr("Sum({<Year={2024}> x)");
    assert_eq!(e.position, 4);
    assert!(e.message.contains("missing '}'"), "{e}");
    let e = perr("Sum({$<Year 2024>} x)");
    assert_eq!(e.position, 12, "{e}");
    assert!(e.message.contains("expected '='"), "{e}");
    let e = perr("Sum(Count(x))");
    assert!(e.message.contains("nested aggregation"), "{e}");
    let e = perr("Aggr(x, D)");
    assert!(e.message.contains("must contain an aggregation"), "{e}");
    let e = perr("$(vX) + 1");
    assert!(e.message.contains("dollar-sign"), "{e}");

    let e = perr("a and");
    assert_eq!(e.position, 5);
    let e = perr("1 + not a");
    assert_eq!(e.position, 4);
    assert!(e.message.contains("keyword 'not'"), "{e}");
    let e = perr("[]");
    assert_eq!(e.message, "empty field name");

    let e = perr("Sum(TOTAL <Region x)");
    assert!(e.message.contains("'>'"), "{e}");

    // The first problem in reading order is reported, even when it is a lexical one further on.
    let e = perr("(1 + ) 'x");
    assert_eq!(e.position, 5);
}

#[test]
fn error_positions_are_byte_offsets_and_line_col_counts_characters() {
    let text = "'é' &\n  Foo(1)";
    let e = perr(text);
    assert_eq!(e.position, 9); // 'é' is two bytes
    assert_eq!(e.line_col(text), (2, 3));
    let text = "Sum(x";
    assert_eq!(perr(text).line_col(text), (1, 6));
    assert_eq!(
        ParseError {
            position: 99,
            message: String::new()
        }
        .line_col("ab\nc"),
        (2, 2)
    );
}

#[test]
fn scalar_argument_counts_are_checked() {
    let e = perr("Left('abc')");
    assert_eq!(e.position, 0);
    assert_eq!(e.message, "'Left' takes 2 arguments, got 1");
    let e = perr("x + if(1)");
    assert_eq!(e.position, 4);
    assert_eq!(e.message, "'If' takes 2 to 3 arguments, got 1");
    let e = perr("Match(x)");
    assert_eq!(e.message, "'Match' takes at least 2 arguments, got 1");
    let e = perr("Pi(1)");
    assert_eq!(e.message, "'Pi' takes 0 arguments, got 1");
    assert!(parse("Alt(a, b, c, d, e, 0)").is_ok());
}

#[test]
fn nesting_is_limited() {
    // Parentheses add no node: any number of them is fine.
    let parens = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
    assert_eq!(p(&parens), num(1.0));
    let ok = vec!["1"; MAX_DEPTH].join("+");
    assert!(parse(&ok).is_ok());
    let too_deep = vec!["1"; MAX_DEPTH + 1].join("+");
    let e = perr(&too_deep);
    assert!(e.message.contains("nested too deeply"), "{e}");
    for text in [
        vec!["1"; 100_000].join("+"),
        format!("{}1", "-".repeat(100_000)),
        format!("{}1", "not ".repeat(100_000)),
        vec!["2"; 100_000].join("^"),
        format!("{}1{}", "Fabs(".repeat(100_000), ")".repeat(100_000)),
        format!("{}1{}", "(1+".repeat(100_000), ")".repeat(100_000)),
    ] {
        let e = perr(&text);
        assert!(e.message.contains("nested too deeply"), "{e}");
    }
    // Unclosed parentheses are reported at the end.
    let e = perr(&"(".repeat(100_000));
    assert_eq!(e.message, "unexpected end of expression");
    let e = perr(&format!("{}1", "(".repeat(100_000)));
    assert!(e.message.contains("expected ')'"), "{e}");
}

#[test]
fn field_names_are_distinct_in_first_seen_order() {
    let e = p("Sum(b * a) / Count(DISTINCT [c d]) + If(a > 0, b, \"e\")");
    assert_eq!(field_names(&e), vec!["b", "a", "c d", "e"]);
    assert!(field_names(&p("1 + 'a'")).is_empty());
}

#[test]
fn has_aggregation_finds_aggregations_anywhere() {
    assert!(has_aggregation(&p("Sum(x)")));
    assert!(has_aggregation(&p("1 + If(a, Count(x))")));
    assert!(has_aggregation(&p("-Only(x)")));
    assert!(!has_aggregation(&p("If(a, x, 1)")));
    assert!(!has_aggregation(&p("[Sum(x)]")));
}

#[test]
fn display_is_fully_parenthesised_and_reparses() {
    let cases = [
        ("1+2*3", "(1 + (2 * 3))"),
        ("-x^2", "((-x) ^ 2)"),
        ("not a or b", "((not a) or b)"),
        ("'it''s' & [a b]", "('it''s' & [a b])"),
        ("[and] + [x]]y] + \"q\"", "(([and] + [x]]y]) + q)"),
        ("sum(distinct total <a> x)", "Sum(DISTINCT TOTAL <a> x)"),
        ("count(*)", "Count(1)"),
        ("concat(x, ', ')", "Concat(x, ', ')"),
        ("1.5e20 + 2.5e-7 + .25", "((1.5e20 + 2.5e-7) + 0.25)"),
        ("if(a, 'y')", "If(a, 'y')"),
    ];
    for (text, shown) in cases {
        let e = p(text);
        assert_eq!(e.to_string(), shown, "{text}");
        assert_eq!(p(shown), e, "{text}");
    }
}

#[test]
fn the_deepest_trees_print_to_text_that_parses_back() {
    type Wrap = fn(Expr) -> Expr;
    // Each wrapper and how many levels it adds.
    let wraps: [(Wrap, usize); 5] = [
        (|e| Expr::Neg(Box::new(e)), 1),
        (|e| Expr::Not(Box::new(e)), 1),
        (|e| bin(BinOp::Pow, num(2.0), e), 1),
        (|e| bin(BinOp::Pow, Expr::Neg(Box::new(e)), num(2.0)), 2),
        (|e| call("Fabs", vec![e]), 1),
    ];
    for (wrap, step) in wraps {
        let mut e = field("x");
        let mut depth = 1;
        while depth + step <= MAX_DEPTH {
            e = wrap(e);
            depth += step;
        }
        let text = e.to_string();
        assert_eq!(parse(&text).as_ref(), Ok(&e), "{}", &text[..40]);
    }
}

fn set_of(text: &str) -> SetExpr {
    match p(text) {
        Expr::Aggr(Aggr { set: Some(s), .. }) => s,
        other => panic!("{text}: no set in {other:?}"),
    }
}

fn term(ident: Option<SetIdent>, modifiers: Vec<FieldModifier>) -> SetExpr {
    SetExpr::Term { ident, modifiers }
}

fn fref(name: &str) -> FieldRef {
    FieldRef {
        state: None,
        name: name.into(),
    }
}

#[test]
fn set_identifiers_and_operators() {
    assert_eq!(set_of("Sum({$} x)"), term(Some(SetIdent::Current), vec![]));
    assert_eq!(set_of("Sum({1} x)"), term(Some(SetIdent::All), vec![]));
    assert_eq!(set_of("Sum({$2} x)"), term(Some(SetIdent::Back(2)), vec![]));
    assert_eq!(
        set_of("Sum({$_1} x)"),
        term(Some(SetIdent::Forward(1)), vec![])
    );
    assert_eq!(
        set_of("Sum({[My bookmark]} x)"),
        term(Some(SetIdent::Named("My bookmark".into())), vec![])
    );
    // `*` binds tighter than `-`: 1 - ($ * BM01).
    let s = set_of("Sum({1 - $ * BM01} x)");
    let SetExpr::Op(SetOp::Exclusion, l, r) = s else {
        panic!("exclusion at the top: {s:?}")
    };
    assert_eq!(*l, term(Some(SetIdent::All), vec![]));
    assert!(matches!(*r, SetExpr::Op(SetOp::Intersection, _, _)));
    assert_eq!(
        p("Sum(ALL x)"),
        p("Sum({1} TOTAL x)"),
        "QlikView's ALL is {{1}} TOTAL"
    );
}

#[test]
fn set_modifiers_and_element_sets() {
    let s = set_of(
        r#"Sum({$<Year={2020, '2021'}, Country={"C*", [New Zealand], Sweden}, Region=>} x)"#,
    );
    let SetExpr::Term { ident, modifiers } = s else {
        panic!("a term")
    };
    assert_eq!(ident, Some(SetIdent::Current));
    assert_eq!(modifiers.len(), 3);
    assert_eq!(
        modifiers[0].values,
        Some(ElementSet::List(vec![
            Element::Num(2020.0),
            Element::Literal("2021".into())
        ]))
    );
    assert_eq!(
        modifiers[1].values,
        Some(ElementSet::List(vec![
            Element::Search("C*".into()),
            Element::Search("New Zealand".into()),
            Element::Literal("Sweden".into()),
        ]))
    );
    assert_eq!(modifiers[2].values, None, "F= clears");

    let s = set_of(
        r#"Sum({<Year -= {2020}, Product = P({1<Year={">2015"}>} Product) - E(), Date = StateA::Date>} x)"#,
    );
    let SetExpr::Term {
        ident: None,
        modifiers,
    } = s
    else {
        panic!("a bare modifier")
    };
    assert_eq!(modifiers[0].assign, Some(SetOp::Exclusion));
    let Some(ElementSet::Op(SetOp::Exclusion, l, r)) = &modifiers[1].values else {
        panic!("P() - E(): {:?}", modifiers[1].values)
    };
    assert!(matches!(
        **l,
        ElementSet::Function {
            excluded: false,
            set: Some(_),
            field: Some(_)
        }
    ));
    assert!(matches!(
        **r,
        ElementSet::Function {
            excluded: true,
            set: None,
            field: None
        }
    ));
    assert_eq!(
        modifiers[2].values,
        Some(ElementSet::Field(FieldRef {
            state: Some("StateA".into()),
            name: "Date".into()
        }))
    );
    assert_eq!(modifiers[2].field, fref("Date"));
    // Display reads back.
    let e = p(r#"Count({$<Customer={"=Sum(Sales)>1000"}>} DISTINCT Customer)"#);
    assert_eq!(p(&e.to_string()), e, "{e}");
}

#[test]
fn aggr_function() {
    let e = p("Avg(Aggr(NODISTINCT Sum(Sales), Customer, [Order Year]))");
    let Expr::Aggr(outer) = &e else {
        panic!("outer aggregation")
    };
    let Expr::AggrFn(inner) = outer.arg.as_ref() else {
        panic!("Aggr inside: {e:?}")
    };
    assert!(inner.nodistinct);
    assert_eq!(inner.dims, vec!["Customer", "Order Year"]);
    assert!(matches!(inner.expr, Expr::Aggr(_)));
    assert_eq!(p(&e.to_string()), e);
    assert!(qix_expr::needs_contexts(&e));
    assert!(!qix_expr::needs_contexts(&p("Sum(x) / Sum(TOTAL x)")));
    assert!(qix_expr::needs_contexts(&p("Sum(TOTAL <a> x)")));
}
