//! Property: printing a tree and parsing the text gives the same tree back.

use proptest::prelude::*;
use qix_expr::{
    parse, scalar_function_arity, scalar_function_names, AggFunc, Aggr, AggrFn, AggrSort,
    AggrSortBy, BinOp, Element, ElementSet, Expr, FieldModifier, FieldRef, SetExpr, SetIdent,
    SetOp,
};

const OPS: [BinOp; 14] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::Pow,
    BinOp::Concat,
    BinOp::Eq,
    BinOp::Ne,
    BinOp::Lt,
    BinOp::Le,
    BinOp::Gt,
    BinOp::Ge,
    BinOp::And,
    BinOp::Or,
];

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u32..1000).prop_map(f64::from),
        (0.0f64..1e6),
        any::<f64>()
            .prop_filter("finite, not negative", |x| x.is_finite())
            .prop_map(f64::abs),
    ]
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z_$#%@][A-Za-z0-9_.$#%@]{0,8}",
        prop::sample::select(vec![
            "and", "OR", "Not", "distinct", "Total", "Sum", "If", "e1"
        ])
        .prop_map(String::from),
        ".{1,12}",
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        number().prop_map(Expr::Num),
        ".{0,12}".prop_map(Expr::Str),
        field_name().prop_map(Expr::Field),
    ]
}

/// Scalar functions with a valid number of arguments.
fn call_of(inner: BoxedStrategy<Expr>) -> BoxedStrategy<Expr> {
    let names: Vec<&'static str> = scalar_function_names().collect();
    prop::sample::select(names)
        .prop_flat_map(move |name| {
            let (min, max) = scalar_function_arity(name).unwrap_or((0, Some(0)));
            let max = max.unwrap_or(min + 3);
            (
                prop::collection::vec(inner.clone(), min..=max),
                any::<bool>(),
            )
                .prop_map(move |(args, total)| Expr::Call {
                    name: name.to_string(),
                    args,
                    // Only the chart row functions take TOTAL.
                    total: total
                        && matches!(
                            name,
                            "Above"
                                | "Below"
                                | "Top"
                                | "Bottom"
                                | "RowNo"
                                | "NoOfRows"
                                | "Rank"
                                | "HRank"
                        ),
                })
        })
        .boxed()
}

/// Grows trees of operators and scalar calls over `leaves`.
fn tree(leaves: BoxedStrategy<Expr>) -> BoxedStrategy<Expr> {
    leaves
        .prop_recursive(4, 48, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Neg(Box::new(e))),
                inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
                (
                    prop::sample::select(OPS.to_vec()),
                    inner.clone(),
                    inner.clone()
                )
                    .prop_map(|(op, l, r)| Expr::Binary(
                        op,
                        Box::new(l),
                        Box::new(r)
                    )),
                call_of(inner),
            ]
        })
        .boxed()
}

const SET_OPS: [SetOp; 4] = [
    SetOp::Union,
    SetOp::Exclusion,
    SetOp::Intersection,
    SetOp::SymmetricDifference,
];

fn field_ref() -> impl Strategy<Value = FieldRef> {
    (
        prop::option::weighted(0.2, "[A-Za-z][A-Za-z0-9]{0,5}"),
        field_name(),
    )
        .prop_map(|(state, name)| FieldRef { state, name })
}

fn element() -> impl Strategy<Value = Element> {
    prop_oneof![
        (0u32..5000).prop_map(|n| Element::Num(f64::from(n))),
        ".{0,8}".prop_map(Element::Literal),
        ".{0,8}".prop_map(Element::Search),
    ]
}

fn set_ident() -> impl Strategy<Value = SetIdent> {
    prop_oneof![
        Just(SetIdent::Current),
        Just(SetIdent::All),
        (1u32..9).prop_map(SetIdent::Back),
        (1u32..9).prop_map(SetIdent::Forward),
        "[A-Za-z][A-Za-z0-9 ]{0,6}".prop_map(SetIdent::Named),
    ]
}

/// Set expressions, element sets nesting `P({set} F)` one level.
fn set_expr() -> BoxedStrategy<SetExpr> {
    let elements = prop_oneof![
        prop::collection::vec(element(), 0..4).prop_map(ElementSet::List),
        field_ref().prop_map(ElementSet::Field),
        (any::<bool>(), prop::option::of(field_ref())).prop_map(|(excluded, field)| {
            ElementSet::Function {
                excluded,
                set: Some(Box::new(SetExpr::Term {
                    ident: Some(SetIdent::All),
                    modifiers: vec![],
                })),
                field,
            }
        }),
    ]
    .prop_recursive(2, 8, 2, |inner| {
        (prop::sample::select(SET_OPS.to_vec()), inner.clone(), inner)
            .prop_map(|(op, l, r)| ElementSet::Op(op, Box::new(l), Box::new(r)))
    });
    let modifier = (
        field_ref(),
        prop::option::of(prop::sample::select(SET_OPS.to_vec())),
        prop::option::of(elements),
    )
        .prop_map(|(field, assign, values)| FieldModifier {
            field,
            assign,
            values,
        });
    (
        prop::option::of(set_ident()),
        prop::collection::vec(modifier, 0..3),
    )
        .prop_map(|(ident, modifiers)| SetExpr::Term { ident, modifiers })
        .prop_recursive(2, 6, 2, |inner| {
            (prop::sample::select(SET_OPS.to_vec()), inner.clone(), inner)
                .prop_map(|(op, l, r)| SetExpr::Op(op, Box::new(l), Box::new(r)))
        })
        .boxed()
}

fn aggregation(scalar: BoxedStrategy<Expr>) -> impl Strategy<Value = Expr> {
    (
        prop::sample::select(AggFunc::ALL.to_vec()),
        any::<bool>(),
        prop::option::of(prop::collection::vec(field_name(), 0..3)),
        prop::option::weighted(0.3, set_expr()),
        scalar.clone(),
        prop::collection::vec(scalar, 0..=2),
    )
        .prop_map(|(func, distinct, total, set, arg, mut extra)| {
            let (min, max) = func.arity();
            extra.truncate(max - 1);
            while extra.len() + 1 < min {
                extra.push(Expr::Num(1.0));
            }
            Expr::Aggr(Aggr {
                func,
                distinct,
                total: total.is_some(),
                total_fields: total.unwrap_or_default(),
                set,
                arg: Box::new(arg),
                extra,
            })
        })
}

/// `Aggr()` over an aggregation, with field dimensions.
fn aggr_fn(scalar: BoxedStrategy<Expr>) -> impl Strategy<Value = Expr> {
    let sort = (0usize..4, any::<bool>()).prop_map(|(k, descending)| AggrSort {
        by: [
            AggrSortBy::Numeric,
            AggrSortBy::Text,
            AggrSortBy::Frequency,
            AggrSortBy::LoadOrder,
        ][k],
        descending,
    });
    (
        any::<bool>(),
        prop::option::weighted(0.2, set_expr()),
        aggregation(scalar),
        prop::collection::vec((field_name(), prop::option::of(sort)), 1..3),
    )
        .prop_map(|(nodistinct, set, expr, dims)| {
            let (dims, sorts) = dims.into_iter().unzip();
            Expr::AggrFn(Box::new(AggrFn {
                nodistinct,
                set,
                expr,
                dims,
                sorts,
            }))
        })
}

fn expr() -> BoxedStrategy<Expr> {
    let scalar = tree(leaf().boxed());
    tree(
        prop_oneof![
            6 => leaf(),
            2 => aggregation(scalar.clone()),
            1 => aggr_fn(scalar),
        ]
        .boxed(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn display_parses_back_to_the_same_tree(e in expr()) {
        let text = e.to_string();
        match parse(&text) {
            Ok(back) => prop_assert_eq!(back, e, "text: {}", text),
            Err(err) => prop_assert!(false, "{} in {:?}", err, text),
        }
    }

    #[test]
    fn parse_never_panics(text in ".{0,40}") {
        let _ = parse(&text);
    }

    #[test]
    fn parse_never_panics_on_expression_like_text(
        parts in prop::collection::vec(
            prop::sample::select(vec![
                "(", ")", ",", "+", "-", "*", "/", "^", "&", "=", "<>", "<", ">=", " and ", " not ",
                "Sum(", "Count(", "DISTINCT ", "TOTAL ", "<a>", "If(", "x", "[y", "'s", "1", ".5e",
                "/*", "//", "\n", "$(", "*)",
            ]),
            0..24,
        )
    ) {
        let text: String = parts.concat();
        if let Ok(e) = parse(&text) {
            // Whatever parses also prints to text that parses to the same tree.
            prop_assert_eq!(parse(&e.to_string()).ok(), Some(e));
        }
    }
}
