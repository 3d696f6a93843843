//! The grammar and scalar semantics of Qlik's chart and script expression language.
//!
//! What it is for: turning expression text such as `=Sum(DISTINCT Sales) / Count(TOTAL [Order Id])` into a
//! syntax tree ([`parse`] → [`Expr`]), telling which fields an expression uses ([`field_names`]) and
//! whether it aggregates ([`has_aggregation`]), writing a tree back as text (`Display`), and evaluating
//! everything that is not an aggregation: operators, literals and the scalar functions (`If`, `Round`,
//! `SubField`, `Num`, `Date`, `MonthStart`, `RGB`, ...), with Qlik's rules for NULL, duals and truth
//! ([`eval`], [`Value`], [`format_number`]), its date and number format codes and the locale's settings
//! ([`Locale`], [`dates`]). The function registry ([`function_reference`]) says which functions exist,
//! in which of Qlik's groups and where they can be used; charts and the load script share them.
//!
//! What it is not for: it has no data model, no rows, no selections and no aggregation over rows. The
//! engine supplies those through the [`Scope`] trait: [`eval`] asks the scope for the value of a field in
//! the current row and for the value of each [`Aggr`] node in the current group, and for its locale
//! and clock ([`Scope::locale`], [`Scope::now`]). It does not do set analysis (`{<...>}`), `Aggr()` or
//! the `like`/bit operators.
//!
//! Choices worth knowing:
//! - Precedence, lowest first: `or`; `and`; prefix `not`; comparisons `= <> < <= > >=`; `&`; `+ -`;
//!   `* /`; `^` (right-associative); unary `-`/`+`. Unary minus binds tighter than `^`, so `-2^2` is 4
//!   (as in spreadsheets); `2^3^2` is 512. Binary operators other than `^` are left-associative,
//!   comparisons included.
//! - `^` is accepted as the power operator (`Pow(a, b)` is the function form).
//! - Text comparisons (when a side is not a number) are case-sensitive.
//! - `TOTAL <f1, f2>` keeps its fields ([`Aggr::total_fields`]); QlikView's `ALL` reads as `{1} TOTAL`.
//! - An aggregation inside another is an error unless an `Aggr()` stands between them
//!   (`Sum(Aggr(Sum(x), D))`).
//! - Dollar-sign expansion is text substitution before parsing ([`expand_dollars`]); the caller says
//!   what each `$(name)` / `$(=expr)` stands for.
//! - Trees are at most [`MAX_DEPTH`] levels deep; the parser itself does not recurse, so no input text
//!   can exhaust the stack, and evaluating, printing or dropping a parsed tree stays within a few
//!   hundred KiB of stack even in debug builds.
//!
//! ```
//! use qix_expr::{eval, parse, Aggr, Scope, Value};
//!
//! struct Row;
//! impl Scope for Row {
//!     fn field(&mut self, name: &str) -> Value {
//!         if name == "Price" { Value::Num(2.5) } else { Value::Null }
//!     }
//!     fn aggregate(&mut self, _aggr: &Aggr) -> Value {
//!         Value::Num(10.0)
//!     }
//! }
//!
//! let e = parse("=Round(Price * 3) & ' of ' & Sum(Price)").unwrap();
//! assert_eq!(eval(&e, &mut Row), Value::Text("8 of 10".into()));
//! ```

#![warn(missing_docs)]

mod ast;
pub mod dates;
mod dollar;
mod eval;
mod functions;
mod lexer;
mod locale;
mod parser;
mod set;
mod value;

pub use ast::{
    calls_any, calls_function, field_names, has_aggregation, has_chart_functions, needs_contexts,
    needs_host, AggFunc, Aggr, AggrFn, AggrSort, AggrSortBy, BinOp, Expr, CHART_ROW_FUNCTIONS,
};
pub use dollar::{expand_dollars, MAX_EXPANDED_LEN, MAX_EXPANSIONS, MAX_EXPANSION_DEPTH};
pub use eval::{eval, Scope};
pub use functions::{
    function_reference, is_host_function, scalar_function_arity, scalar_function_names,
    Availability, FunctionGroup, FunctionInfo,
};
pub use locale::Locale;
pub use parser::{parse, ParseError, MAX_DEPTH};
pub use set::{
    Element, ElementSet, FieldModifier, FieldRef, SetExpr, SetIdent, SetOp, MAX_SET_DEPTH,
};
pub use value::{format_number, format_with_pattern, parse_number, Value};
