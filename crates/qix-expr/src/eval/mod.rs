//! Evaluation of an expression against a [`Scope`] supplied by the engine: literals, fields,
//! operators and the functions that evaluate only some of their arguments (`If`, `Pick`, `Alt`,
//! `Coalesce`, `Previous`) are here; the scalar functions that take all their arguments evaluated are
//! in one module per family (`conditional`, `math`, `range`, `format`, `interpret`, `strings`,
//! `color`, `color_maps`, `dates`, `periods`, `lunar`, `finance`, `range_stats`, `hash`, `json`,
//! `codepage`, `timezones`), which take their arguments through `args::Args`.

mod args;
mod codepage;
mod color;
mod color_maps;
mod conditional;
mod dates;
mod finance;
mod format;
mod hash;
mod interpret;
mod json;
mod lunar;
mod math;
mod periods;
mod range;
mod range_stats;
mod strings;
mod timezones;
mod workdays;

use std::cmp::Ordering;
use std::sync::LazyLock;

use crate::ast::{Aggr, AggrFn, BinOp, Expr};
use crate::locale::Locale;
use crate::value::Value;
use args::Args;

/// The locale of a scope that has no settings of its own.
static DEFAULT_LOCALE: LazyLock<Locale> = LazyLock::new(Locale::default);

/// Longest text (in bytes) that `Repeat` and `Replace` build; longer results are `Null`.
const MAX_TEXT: usize = 64 << 20;

/// What an expression can see when it is evaluated: the engine's side of evaluation.
pub trait Scope {
    /// The value of a field in the current row (or, outside a row, the field's only possible value or Null).
    fn field(&mut self, name: &str) -> Value;
    /// The value of an aggregation node in the current group (the engine computes it).
    fn aggregate(&mut self, aggr: &Aggr) -> Value;
    /// A host function ([`crate::is_host_function`]: `RecNo`, `ApplyMap`, `Date`, ...) with its evaluated
    /// arguments. Hosts that have no such context answer `Null`, the default.
    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        let _ = (name, args);
        Value::Null
    }
    /// `Aggr(expr, dims...)` outside an aggregation: the engine's value of the nested chart for the
    /// current row (`Null` when the row does not pin one value, and where there is no engine: the default).
    fn aggr_fn(&mut self, aggr: &AggrFn) -> Value {
        let _ = aggr;
        Value::Null
    }
    /// The chart inter-record functions `Above`, `Below`, `Top` and `Bottom`, with their arguments
    /// unevaluated: the values of the first argument on the rows they name — one, or `count` of them
    /// (the third argument) for a range function to take. Hosts without chart rows answer none, the
    /// default (the function is then NULL). `total`: `TOTAL` was written, the whole column counts
    /// rather than the row's column segment.
    fn inter_record(&mut self, name: &str, total: bool, args: &[Expr]) -> Vec<Value> {
        let _ = (name, total, args);
        Vec::new()
    }
    /// The chart functions about the row and the table: `RowNo`, `NoOfRows`, `Column`, `Rank`,
    /// `HRank`, `Dimensionality`, `SecondaryDimensionality`, with their arguments unevaluated. `None`
    /// (the default) when the host has no chart: the arguments are then evaluated and the function
    /// goes to [`Scope::call`] like a host function (the load script has its own `RowNo()` and
    /// `NoOfRows('table')`).
    fn chart_fn(&mut self, name: &str, total: bool, args: &[Expr]) -> Option<Value> {
        let _ = (name, total, args);
        None
    }
    /// `Previous(expr)`: `expr` evaluated on the previous input record (the load script's executor has
    /// one); `Null` elsewhere, the default.
    fn previous(&mut self, expr: &Expr) -> Value {
        let _ = expr;
        Value::Null
    }
    /// The number and date settings formatting and interpretation follow (`Date`, `Num`, `Date#`,
    /// `Week`, ...): by default [`Locale::default`], an en-US app's; the load script answers those its
    /// `SET` variables made.
    fn locale(&self) -> &Locale {
        &DEFAULT_LOCALE
    }
    /// The current time as a date serial (`Now`, `Today`, `YearToDate`): by default the system clock
    /// in UTC.
    fn now(&self) -> f64 {
        crate::dates::now()
    }
}

/// Evaluates `expr`, asking `scope` for fields and aggregations.
///
/// Semantics, following Qlik:
/// - Arithmetic (`+ - * / ^`) uses [`Value::num`] of both sides (text that reads as a number counts as
///   that number); if either side has no number the result is `Null`, and so is a division by zero or
///   any result that is not a finite number.
/// - `&` joins the texts of both sides, `Null` counting as empty text; the result is a `Text`.
/// - Comparisons compare numerically when both sides have a number, otherwise they compare texts,
///   case-sensitively and by code point. `Null` against `Null` gives `Null`; a value against `Null` gives
///   false, except `<>`, which gives true.
/// - Logical results are -1 (true) and 0 (false); `and`/`or`/`not` use [`Value::truthy`], and `and` /
///   `or` do not evaluate their right side when the left side decides.
/// - `If` and `Pick` evaluate only the argument they return; `Alt` and `Coalesce` stop at the first
///   argument that fits.
///
/// A function name that is not a canonical scalar function name gives `Null` (trees from
/// [`crate::parse`] have none). Evaluation recurses over the tree: trees built by hand deeper than
/// [`crate::MAX_DEPTH`] may exhaust the stack.
pub fn eval(expr: &Expr, scope: &mut dyn Scope) -> Value {
    match expr {
        Expr::Num(n) => num(*n),
        Expr::Str(s) => Value::Text(s.clone()),
        Expr::Field(name) => scope.field(name),
        Expr::Neg(e) => match eval(e, scope).num() {
            Some(n) => num(-n),
            None => Value::Null,
        },
        Expr::Not(e) => Value::from_bool(!eval(e, scope).truthy()),
        Expr::Binary(op, l, r) => binary(*op, l, r, scope),
        Expr::Call { name, args, total } => call(name, args, *total, scope),
        Expr::Aggr(a) => scope.aggregate(a),
        Expr::AggrFn(a) => scope.aggr_fn(a),
    }
}

/// A number result: non-finite numbers become `Null`, negative zero becomes zero.
fn num(n: f64) -> Value {
    if !n.is_finite() {
        Value::Null
    } else if n == 0.0 {
        Value::Num(0.0)
    } else {
        Value::Num(n)
    }
}

fn binary(op: BinOp, l: &Expr, r: &Expr, scope: &mut dyn Scope) -> Value {
    match op {
        BinOp::And => {
            let b = eval(l, scope).truthy() && eval(r, scope).truthy();
            Value::from_bool(b)
        }
        BinOp::Or => {
            let b = eval(l, scope).truthy() || eval(r, scope).truthy();
            Value::from_bool(b)
        }
        BinOp::Concat => {
            let mut a = eval(l, scope).text().unwrap_or_default();
            let b = eval(r, scope).text().unwrap_or_default();
            a.push_str(&b);
            Value::Text(a)
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Pow => {
            let a = eval(l, scope).num();
            let b = eval(r, scope).num();
            let (Some(a), Some(b)) = (a, b) else {
                return Value::Null;
            };
            num(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div if b == 0.0 => return Value::Null,
                BinOp::Div => a / b,
                _ => a.powf(b),
            })
        }
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let a = eval(l, scope);
            let b = eval(r, scope);
            compare(op, &a, &b)
        }
    }
}

fn compare(op: BinOp, a: &Value, b: &Value) -> Value {
    match (a.is_null(), b.is_null()) {
        (true, true) => return Value::Null,
        (true, false) | (false, true) => return Value::from_bool(op == BinOp::Ne),
        (false, false) => {}
    }
    let ord = match (a.num(), b.num()) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => Some(a.text().cmp(&b.text())),
    };
    let Some(ord) = ord else {
        return Value::from_bool(op == BinOp::Ne);
    };
    Value::from_bool(match op {
        BinOp::Eq => ord == Ordering::Equal,
        BinOp::Ne => ord != Ordering::Equal,
        BinOp::Lt => ord == Ordering::Less,
        BinOp::Le => ord != Ordering::Greater,
        BinOp::Gt => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    })
}

/// The integer part of a value's number (saturating), if it has one.
fn int(v: &Value) -> Option<i64> {
    v.num().map(|x| x.trunc() as i64)
}

fn call(name: &str, args: &[Expr], total: bool, scope: &mut dyn Scope) -> Value {
    let mut arg = |i: usize| -> Value {
        match args.get(i) {
            Some(e) => eval(e, scope),
            None => Value::Null,
        }
    };
    let n = args.len();
    // Functions that evaluate only some of their arguments.
    match name {
        "Previous" => match args.first() {
            Some(e) => scope.previous(e),
            None => Value::Null,
        },
        "If" => {
            if arg(0).truthy() {
                arg(1)
            } else {
                arg(2)
            }
        }
        "Pick" => match int(&arg(0)).map(usize::try_from) {
            Some(Ok(k)) if k >= 1 && k < n => arg(k),
            _ => Value::Null,
        },
        "Alt" => {
            for i in 0..n {
                let v = arg(i);
                if v.num().is_some() || i + 1 == n {
                    return v;
                }
            }
            Value::Null
        }
        "Coalesce" => {
            for i in 0..n {
                let v = arg(i);
                if !v.is_null() {
                    return v;
                }
            }
            Value::Null
        }
        "Above" | "Below" | "Top" | "Bottom" => {
            let mut values = scope.inter_record(name, total, args);
            match values.len() {
                1 => values.pop().unwrap_or(Value::Null),
                _ => Value::Null,
            }
        }
        // `Exists(Field[, expr])` names its field: a bare field name is the name, not its value.
        "Exists" => {
            let mut values = Vec::with_capacity(n);
            for (k, a) in args.iter().enumerate() {
                values.push(match a {
                    Expr::Field(f) if k == 0 => Value::Text(f.clone()),
                    _ => eval(a, scope),
                });
            }
            scope.call(name, &values)
        }
        "RowNo"
        | "NoOfRows"
        | "Column"
        | "Rank"
        | "HRank"
        | "Dimensionality"
        | "SecondaryDimensionality" => match scope.chart_fn(name, total, args) {
            Some(v) => v,
            None => {
                let mut values = Vec::with_capacity(n);
                for a in args {
                    values.push(eval(a, scope));
                }
                scope.call(name, &values)
            }
        },
        _ if name.starts_with("Range") => {
            // `RangeSum(Above(Sum(x), 0, 3))`: an inter-record function gives all the rows it names.
            let mut values = Vec::with_capacity(n);
            for a in args {
                match a {
                    Expr::Call {
                        name: inner,
                        args: inner_args,
                        total: inner_total,
                    } if matches!(inner.as_str(), "Above" | "Below" | "Top" | "Bottom") => {
                        values.extend(scope.inter_record(inner, *inner_total, inner_args));
                    }
                    _ => values.push(eval(a, scope)),
                }
            }
            apply(name, values, scope)
        }
        _ if crate::functions::takes_field_name(name) => {
            let mut values = Vec::with_capacity(n);
            for (i, a) in args.iter().enumerate() {
                values.push(match a {
                    Expr::Field(field) if i == 0 => Value::Text(field.clone()),
                    _ => eval(a, scope),
                });
            }
            scope.call(name, &values)
        }
        _ => {
            let values: Vec<Value> = (0..n).map(arg).collect();
            if crate::functions::is_host_function(name) {
                return scope.call(name, &values);
            }
            apply(name, values, scope)
        }
    }
}

/// A function that takes all its arguments evaluated, run by its family (a name none of them has gives
/// `Null`). Kept apart from [`call`], and never inlined into it, so that the families' stack frames are
/// not part of the recursion over the tree.
#[inline(never)]
fn apply(name: &str, values: Vec<Value>, scope: &dyn Scope) -> Value {
    let mut args = Args::new(values);
    let locale = scope.locale();
    let found = conditional::apply(name, &mut args)
        .or_else(|| math::apply(name, &mut args))
        .or_else(|| range_stats::apply(name, &mut args))
        .or_else(|| finance::apply(name, &mut args, locale))
        .or_else(|| range::apply(name, &mut args))
        .or_else(|| format::apply(name, &mut args, locale))
        .or_else(|| interpret::apply(name, &mut args, locale))
        .or_else(|| strings::apply(name, &mut args))
        .or_else(|| color::apply(name, &mut args))
        .or_else(|| color_maps::apply(name, &mut args))
        .or_else(|| hash::apply(name, &mut args))
        .or_else(|| json::apply(name, &mut args))
        .or_else(|| codepage::apply(name, &mut args))
        .or_else(|| lunar::apply(name, &mut args, locale))
        .or_else(|| timezones::apply(name, &mut args, locale))
        .or_else(|| dates::apply(name, &mut args, scope))
        .or_else(|| periods::apply(name, &mut args, scope));
    found.unwrap_or(Value::Null)
}
