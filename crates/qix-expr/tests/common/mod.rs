//! What the function tests share: a chart's scope with no fields and no aggregations, and evaluating a
//! text in it.

#![allow(dead_code)]

use qix_expr::{eval, parse, Aggr, Scope, Value};

/// A chart's view: no fields, no aggregations, the default locale.
pub struct Chart;

impl Scope for Chart {
    fn field(&mut self, _: &str) -> Value {
        Value::Null
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
}

/// `text` parsed and evaluated in [`Chart`]; a text that does not parse fails the test.
pub fn ev(text: &str) -> Value {
    match parse(text) {
        Ok(e) => eval(&e, &mut Chart),
        Err(e) => panic!("parse({text:?}) failed: {e}"),
    }
}

/// Asserts each expression's text.
pub fn texts(cases: &[(&str, &str)]) {
    for (text, want) in cases {
        assert_eq!(ev(text).text().as_deref(), Some(*want), "{text}");
    }
}
