//! The syntax tree of an expression, and its re-parsable text form.

use crate::set::SetExpr;
use std::fmt;

/// One node of a parsed expression.
///
/// Trees made by [`crate::parse`] are at most [`crate::MAX_DEPTH`] levels deep, function names are in their
/// canonical spelling, and no [`Expr::Aggr`] holds another one except inside an [`Expr::AggrFn`].
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number literal: `12`, `1.5`, `.5`, `1e3`. Literals are never negative: `-3` is `Neg(Num(3))`.
    Num(f64),
    /// A string literal: `'text'`, with `''` standing for one quote.
    Str(String),
    /// A field reference: a bare name (`Sales`, `$Field`, `%Key`, `a.b`), a `[bracketed name]` (with `]]`
    /// standing for `]`) or a `"double quoted name"` (with `""` standing for `"`).
    Field(String),
    /// Unary minus.
    Neg(Box<Expr>),
    /// Logical `not`.
    Not(Box<Expr>),
    /// A binary operator applied to two operands.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// A scalar function call. `name` is the canonical (Qlik) spelling, e.g. `"If"`, `"SubField"`.
    Call {
        /// Canonical function name.
        name: String,
        /// The arguments, in order.
        args: Vec<Expr>,
        /// `TOTAL` was written before the arguments of a chart row function (`Above(TOTAL Sum(x))`,
        /// `RowNo(TOTAL)`): it works over the whole column, not the row's column segment.
        total: bool,
    },
    /// An aggregation, computed by the engine through [`crate::Scope::aggregate`].
    Aggr(Aggr),
    /// `Aggr(expr, dim, ...)`: a nested chart over other dimensions, computed by the engine through
    /// [`crate::Scope::aggr_fn`].
    AggrFn(Box<AggrFn>),
}

/// The `Aggr([NODISTINCT] expr, dim1, dim2, ...)` function: `expr` (which aggregates) computed per
/// combination of the dimensions, as a virtual table the enclosing aggregation runs over.
#[derive(Debug, Clone, PartialEq)]
pub struct AggrFn {
    /// `NODISTINCT` was given.
    pub nodistinct: bool,
    /// `Aggr({set} ...)`: the dimension combinations are those of this set's rows.
    pub set: Option<SetExpr>,
    /// The expression computed per dimension combination.
    pub expr: Expr,
    /// The dimension fields.
    pub dims: Vec<String>,
    /// Per dimension, the sort of a structured parameter (`(Month, (NUMERIC, ASCENDING))`): the order
    /// the nested table's rows are in, for inter-record functions inside it.
    pub sorts: Vec<Option<AggrSort>>,
}

/// The sort criterion of an `Aggr()` dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AggrSort {
    /// What is compared.
    pub by: AggrSortBy,
    /// `DESCENDING` (or `REVERSE`) rather than `ASCENDING`.
    pub descending: bool,
}

/// What an `Aggr()` dimension sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggrSortBy {
    /// `NUMERIC`
    Numeric,
    /// `TEXT`
    Text,
    /// `FREQUENCY`
    Frequency,
    /// `LOAD_ORDER`
    LoadOrder,
}

impl AggrSortBy {
    /// The keyword (`NUMERIC`, ...).
    pub fn keyword(self) -> &'static str {
        match self {
            AggrSortBy::Numeric => "NUMERIC",
            AggrSortBy::Text => "TEXT",
            AggrSortBy::Frequency => "FREQUENCY",
            AggrSortBy::LoadOrder => "LOAD_ORDER",
        }
    }

    /// The kind a keyword names, any case.
    pub fn from_keyword(word: &str) -> Option<AggrSortBy> {
        [
            AggrSortBy::Numeric,
            AggrSortBy::Text,
            AggrSortBy::Frequency,
            AggrSortBy::LoadOrder,
        ]
        .into_iter()
        .find(|k| k.keyword().eq_ignore_ascii_case(word))
    }
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^` (right-associative)
    Pow,
    /// `&`: string concatenation.
    Concat,
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `and`
    And,
    /// `or`
    Or,
}

impl BinOp {
    /// The operator as written in an expression (`"+"`, `"<>"`, `"and"`, ...).
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
            BinOp::Concat => "&",
            BinOp::Eq => "=",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
}

/// An aggregation node: `Sum(DISTINCT TOTAL x)`, `Min(x, 2)`, `Concat(x, ', ', w)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggr {
    /// Which aggregation.
    pub func: AggFunc,
    /// `DISTINCT` was given: aggregate each distinct value once.
    pub distinct: bool,
    /// `TOTAL` was given: ignore the chart's dimensions (all of them, or those not in `total_fields`).
    pub total: bool,
    /// The fields of `TOTAL <f1, f2>`: the chart dimensions that still split the aggregation. Empty for a
    /// plain `TOTAL` (and when there is no `TOTAL`).
    pub total_fields: Vec<String>,
    /// The set expression (`{$<Year={2020}>}`), if any: the rows aggregated are those of this set instead
    /// of the current selection. `ALL` is read as `{1}` with `TOTAL`.
    pub set: Option<SetExpr>,
    /// The expression aggregated over the rows. It holds no aggregation. `Count(*)` has `Num(1)` here.
    pub arg: Box<Expr>,
    /// Further arguments: the rank of `Min`/`Max`; the delimiter and the sort weight of `Concat`.
    pub extra: Vec<Expr>,
}

/// The aggregation functions the grammar knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggFunc {
    /// `Sum(expr)`
    Sum,
    /// `Count(expr)`, `Count(*)`
    Count,
    /// `Avg(expr)`
    Avg,
    /// `Min(expr[, rank])`
    Min,
    /// `Max(expr[, rank])`
    Max,
    /// `Only(expr)`: the value when there is exactly one possible value, else NULL.
    Only,
    /// `Concat(expr[, delimiter[, sort_weight]])`
    Concat,
    /// `Mode(expr)`: the most frequent value; NULL when several share the top frequency.
    Mode,
    /// `MinString(expr)`: the first value in text order.
    MinString,
    /// `MaxString(expr)`: the last value in text order.
    MaxString,
    /// `FirstSortedValue(value, sort_weight[, rank])`: the value with the smallest weight (the largest
    /// with a negated weight); NULL on a tie between different values.
    FirstSortedValue,
    /// `NullCount(expr)`: how many NULL values.
    NullCount,
    /// `MissingCount(expr)`: how many values are not numbers (NULL included).
    MissingCount,
    /// `NumericCount(expr)`: how many values are numbers.
    NumericCount,
    /// `TextCount(expr)`: how many values are texts (not numbers, not NULL).
    TextCount,
    /// `Median(expr)`
    Median,
    /// `Fractile(expr, fraction)`: the fractile, interpolated between neighbours (inclusive).
    Fractile,
    /// `Stdev(expr)`: the sample standard deviation.
    Stdev,
    /// `Sterr(expr)`: the standard error of the mean.
    Sterr,
    /// `Skew(expr)`: the sample skewness.
    Skew,
    /// `Kurtosis(expr)`: the sample excess kurtosis.
    Kurtosis,
}

impl AggFunc {
    /// Every aggregation function, in declaration order.
    pub const ALL: [AggFunc; 21] = [
        AggFunc::Sum,
        AggFunc::Count,
        AggFunc::Avg,
        AggFunc::Min,
        AggFunc::Max,
        AggFunc::Only,
        AggFunc::Concat,
        AggFunc::Mode,
        AggFunc::MinString,
        AggFunc::MaxString,
        AggFunc::FirstSortedValue,
        AggFunc::NullCount,
        AggFunc::MissingCount,
        AggFunc::NumericCount,
        AggFunc::TextCount,
        AggFunc::Median,
        AggFunc::Fractile,
        AggFunc::Stdev,
        AggFunc::Sterr,
        AggFunc::Skew,
        AggFunc::Kurtosis,
    ];

    /// The canonical name (`"Sum"`, `"Count"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            AggFunc::Sum => "Sum",
            AggFunc::Count => "Count",
            AggFunc::Avg => "Avg",
            AggFunc::Min => "Min",
            AggFunc::Max => "Max",
            AggFunc::Only => "Only",
            AggFunc::Concat => "Concat",
            AggFunc::Mode => "Mode",
            AggFunc::MinString => "MinString",
            AggFunc::MaxString => "MaxString",
            AggFunc::FirstSortedValue => "FirstSortedValue",
            AggFunc::NullCount => "NullCount",
            AggFunc::MissingCount => "MissingCount",
            AggFunc::NumericCount => "NumericCount",
            AggFunc::TextCount => "TextCount",
            AggFunc::Median => "Median",
            AggFunc::Fractile => "Fractile",
            AggFunc::Stdev => "Stdev",
            AggFunc::Sterr => "Sterr",
            AggFunc::Skew => "Skew",
            AggFunc::Kurtosis => "Kurtosis",
        }
    }

    /// The aggregation called `name`, compared case-insensitively.
    pub fn from_name(name: &str) -> Option<AggFunc> {
        AggFunc::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// How many arguments it takes, including the aggregated expression: `(min, max)`.
    pub fn arity(self) -> (usize, usize) {
        match self {
            AggFunc::Min | AggFunc::Max => (1, 2),
            AggFunc::Concat => (1, 3),
            AggFunc::FirstSortedValue => (2, 3),
            AggFunc::Fractile => (2, 2),
            _ => (1, 1),
        }
    }

    /// Whether its first extra argument is evaluated per row with the aggregated expression (the sort
    /// weight of `FirstSortedValue`), rather than once.
    pub fn weighs_rows(self) -> bool {
        self == AggFunc::FirstSortedValue
    }

    /// Whether NULL values count (`NullCount`, `MissingCount`): the engine must not skip them.
    pub fn counts_nulls(self) -> bool {
        matches!(self, AggFunc::NullCount | AggFunc::MissingCount)
    }
}

/// Words that cannot be bare field names (they are written `[and]` etc.).
pub(crate) const KEYWORDS: [&str; 5] = ["and", "or", "not", "distinct", "total"];

/// The chart functions that read other rows of the chart or its layout (`Above`, `Rank`, `RowNo`, ...):
/// the engine evaluates them over the chart's sorted rows.
pub const CHART_ROW_FUNCTIONS: [&str; 11] = [
    "Above",
    "Below",
    "Top",
    "Bottom",
    "RowNo",
    "NoOfRows",
    "Column",
    "Rank",
    "HRank",
    "Dimensionality",
    "SecondaryDimensionality",
];

/// Does `expr` call a chart row function ([`CHART_ROW_FUNCTIONS`]) outside aggregations?
pub fn has_chart_functions(expr: &Expr) -> bool {
    match expr {
        Expr::Num(_) | Expr::Str(_) | Expr::Field(_) | Expr::Aggr(_) | Expr::AggrFn(_) => false,
        Expr::Neg(x) | Expr::Not(x) => has_chart_functions(x),
        Expr::Binary(_, l, r) => has_chart_functions(l) || has_chart_functions(r),
        Expr::Call { name, args, .. } => {
            CHART_ROW_FUNCTIONS.contains(&name.as_str()) || args.iter().any(has_chart_functions)
        }
    }
}

/// Does `expr` use set analysis, `TOTAL <fields>`, `Aggr()` or a chart row function anywhere —
/// something the engine cannot compute in one pass over the current selection's rows grouped by the
/// chart's dimensions?
pub fn needs_contexts(expr: &Expr) -> bool {
    match expr {
        Expr::Num(_) | Expr::Str(_) | Expr::Field(_) => false,
        Expr::Neg(x) | Expr::Not(x) => needs_contexts(x),
        Expr::Binary(_, l, r) => needs_contexts(l) || needs_contexts(r),
        Expr::Call { name, args, .. } => {
            CHART_ROW_FUNCTIONS.contains(&name.as_str()) || args.iter().any(needs_contexts)
        }
        Expr::Aggr(a) => a.set.is_some() || !a.total_fields.is_empty() || needs_contexts(&a.arg),
        Expr::AggrFn(_) => true,
    }
}

/// May `c` start a bare field name?
pub(crate) fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '_' | '$' | '#' | '%' | '@')
}

/// May `c` continue a bare field name?
pub(crate) fn is_name_continue(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | '#' | '%' | '@')
}

/// Can `name` be written without brackets and read back as the same field?
fn is_bare_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if is_name_start(c) => {}
        _ => return false,
    }
    chars.all(is_name_continue) && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name))
}

fn write_number(f: &mut fmt::Formatter<'_>, n: f64) -> fmt::Result {
    if n.is_nan() {
        return f.write_str("Null()");
    }
    if n.is_sign_negative() {
        f.write_str("(-")?;
        write_number(f, -n)?;
        return f.write_str(")");
    }
    if n.is_infinite() {
        return f.write_str("1e999");
    }
    if n != 0.0 && !(1e-5..1e16).contains(&n) {
        write!(f, "{n:e}")
    } else {
        write!(f, "{n}")
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, open: char, close: char, s: &str) -> fmt::Result {
    let mut buf = String::with_capacity(s.len() + 2);
    buf.push(open);
    for c in s.chars() {
        if c == close {
            buf.push(close);
        }
        buf.push(c);
    }
    buf.push(close);
    f.write_str(&buf)
}

/// Writes `args` separated by `", "`.
fn write_args(f: &mut fmt::Formatter<'_>, args: &[Expr]) -> fmt::Result {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{a}")?;
    }
    Ok(())
}

/// A text form that [`crate::parse`] reads back as an equal tree: every operator application is wrapped in
/// parentheses, field names are bracketed unless they are plain names, strings are quoted with `''`
/// escapes, and `Count(*)` is written `Count(1)`.
///
/// Trees that `parse` cannot produce have no exact text form: a negative [`Expr::Num`] is written as a
/// negation (`(-3)`), NaN as `Null()`, infinity as `1e999` (which does not parse), and an unknown function
/// name as given.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(n) => write_number(f, *n),
            Expr::Str(s) => write_quoted(f, '\'', '\'', s),
            Expr::Field(name) => {
                if is_bare_name(name) {
                    f.write_str(name)
                } else {
                    write_quoted(f, '[', ']', name)
                }
            }
            Expr::Neg(e) => write!(f, "(-{e})"),
            Expr::Not(e) => write!(f, "(not {e})"),
            Expr::Binary(op, l, r) => write!(f, "({l} {} {r})", op.symbol()),
            Expr::Call { name, args, total } => {
                write!(f, "{name}(")?;
                if *total {
                    f.write_str(if args.is_empty() { "TOTAL" } else { "TOTAL " })?;
                }
                write_args(f, args)?;
                f.write_str(")")
            }
            Expr::Aggr(a) => write!(f, "{a}"),
            Expr::AggrFn(a) => {
                f.write_str("Aggr(")?;
                if let Some(set) = &a.set {
                    write!(f, "{{{set}}} ")?;
                }
                if a.nodistinct {
                    f.write_str("NODISTINCT ")?;
                }
                write!(f, "{}", a.expr)?;
                for (i, d) in a.dims.iter().enumerate() {
                    let field = Expr::Field(d.clone());
                    match a.sorts.get(i).copied().flatten() {
                        Some(s) => {
                            let order = if s.descending {
                                "DESCENDING"
                            } else {
                                "ASCENDING"
                            };
                            write!(f, ", ({field}, ({}, {order}))", s.by.keyword())?
                        }
                        None => write!(f, ", {field}")?,
                    }
                }
                f.write_str(")")
            }
        }
    }
}

/// Written as in an expression, e.g. `Sum(DISTINCT TOTAL x)`, `Concat(x, ', ')`.
impl fmt::Display for Aggr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.func.name())?;
        if let Some(set) = &self.set {
            write!(f, "{{{set}}} ")?;
        }
        if self.distinct {
            f.write_str("DISTINCT ")?;
        }
        if self.total {
            f.write_str("TOTAL ")?;
            if !self.total_fields.is_empty() {
                f.write_str("<")?;
                for (i, name) in self.total_fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", Expr::Field(name.clone()))?;
                }
                f.write_str("> ")?;
            }
        }
        write!(f, "{}", self.arg)?;
        if !self.extra.is_empty() {
            f.write_str(", ")?;
            write_args(f, &self.extra)?;
        }
        f.write_str(")")
    }
}

/// The distinct field names `expr` refers to (inside aggregations too), in the order first seen when the
/// expression is read left to right.
pub fn field_names(expr: &Expr) -> Vec<String> {
    fn walk(e: &Expr, out: &mut Vec<String>) {
        match e {
            Expr::Num(_) | Expr::Str(_) => {}
            Expr::Field(name) => {
                if !out.iter().any(|n| n == name) {
                    out.push(name.clone());
                }
            }
            Expr::Neg(x) | Expr::Not(x) => walk(x, out),
            Expr::Binary(_, l, r) => {
                walk(l, out);
                walk(r, out);
            }
            Expr::Call { name, args, .. } => {
                // `GetSelectedCount(Region)` names a field; it does not read its values.
                let skip = usize::from(crate::functions::takes_field_name(name));
                args.iter().skip(skip).for_each(|a| walk(a, out))
            }
            Expr::Aggr(a) => {
                walk(&a.arg, out);
                a.extra.iter().for_each(|x| walk(x, out));
            }
            Expr::AggrFn(a) => {
                walk(&a.expr, out);
                for d in &a.dims {
                    if !out.contains(d) {
                        out.push(d.clone());
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(expr, &mut out);
    out
}

/// Whether `expr` calls function `name` (by its canonical spelling) anywhere.
pub fn calls_function(expr: &Expr, name: &str) -> bool {
    calls_any(expr, &|n| n == name)
}

/// Whether `expr` calls, anywhere, a function whose canonical name `which` accepts (e.g.
/// [`crate::is_host_function`]: whether it can be evaluated without the host's state).
pub fn calls_any(expr: &Expr, which: &dyn Fn(&str) -> bool) -> bool {
    match expr {
        Expr::Num(_) | Expr::Str(_) | Expr::Field(_) => false,
        Expr::Neg(x) | Expr::Not(x) => calls_any(x, which),
        Expr::Binary(_, l, r) => calls_any(l, which) || calls_any(r, which),
        Expr::Call { name, args, .. } => which(name) || args.iter().any(|a| calls_any(a, which)),
        Expr::Aggr(a) => calls_any(&a.arg, which) || a.extra.iter().any(|e| calls_any(e, which)),
        Expr::AggrFn(f) => calls_any(&f.expr, which),
    }
}

/// Whether `expr` needs more than the values of the fields it names: an aggregation, or a host function
/// (the host's state or the record's place: `ApplyMap`, `Peek`, `RecNo`, ...). One that does not can be
/// evaluated anywhere the fields' values are at hand.
pub fn needs_host(expr: &Expr) -> bool {
    has_aggregation(expr) || calls_any(expr, &crate::functions::is_host_function)
}

/// Does `expr` contain an aggregation anywhere?
pub fn has_aggregation(expr: &Expr) -> bool {
    match expr {
        Expr::Num(_) | Expr::Str(_) | Expr::Field(_) => false,
        Expr::Neg(x) | Expr::Not(x) => has_aggregation(x),
        Expr::Binary(_, l, r) => has_aggregation(l) || has_aggregation(r),
        Expr::Call { args, .. } => args.iter().any(has_aggregation),
        Expr::Aggr(_) | Expr::AggrFn(_) => true,
    }
}
