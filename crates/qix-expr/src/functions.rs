//! The scalar functions the grammar knows: canonical names and argument counts.

/// A scalar function: canonical name, fewest and most arguments (`None`: no limit).
pub(crate) struct FuncSpec {
    pub name: &'static str,
    pub min: usize,
    pub max: Option<usize>,
}

const fn f(name: &'static str, min: usize, max: usize) -> FuncSpec {
    FuncSpec {
        name,
        min,
        max: Some(max),
    }
}

const fn var(name: &'static str, min: usize) -> FuncSpec {
    FuncSpec {
        name,
        min,
        max: None,
    }
}

/// Every scalar function, in canonical spelling.
pub(crate) const FUNCTIONS: &[FuncSpec] = &[
    // Conditional and null handling.
    f("If", 2, 3),
    var("Alt", 1),
    var("Pick", 2),
    var("Match", 2),
    var("MixMatch", 2),
    var("WildMatch", 2),
    var("Coalesce", 1),
    f("EmptyIsNull", 1, 1),
    f("IsNull", 1, 1),
    f("IsNum", 1, 1),
    f("IsText", 1, 1),
    f("Null", 0, 0),
    f("True", 0, 0),
    f("False", 0, 0),
    // Numbers.
    f("Fabs", 1, 1),
    f("Sign", 1, 1),
    f("Round", 1, 3),
    f("Floor", 1, 3),
    f("Ceil", 1, 3),
    f("Frac", 1, 1),
    f("Mod", 2, 2),
    f("Div", 2, 2),
    f("Even", 1, 1),
    f("Odd", 1, 1),
    f("Sqrt", 1, 1),
    f("Exp", 1, 1),
    f("Log", 1, 1),
    f("Log10", 1, 1),
    f("Pow", 2, 2),
    f("Pi", 0, 0),
    var("RangeSum", 1),
    var("RangeAvg", 1),
    var("RangeMin", 1),
    var("RangeMax", 1),
    var("RangeCount", 1),
    // Formatting.
    f("Num", 1, 4),
    f("Text", 1, 1),
    f("Dual", 2, 2),
    // Strings.
    f("Len", 1, 1),
    f("Upper", 1, 1),
    f("Lower", 1, 1),
    f("Capitalize", 1, 1),
    f("Left", 2, 2),
    f("Right", 2, 2),
    f("Mid", 2, 3),
    f("Index", 2, 3),
    f("Trim", 1, 1),
    f("LTrim", 1, 1),
    f("RTrim", 1, 1),
    f("Replace", 3, 3),
    f("SubField", 2, 3),
    f("Chr", 1, 1),
    f("Ord", 1, 1),
    f("Repeat", 1, 2),
    f("PurgeChar", 2, 2),
    f("KeepChar", 2, 2),
    // Chart inter-record and ranking functions (the host's chart rows answer them).
    f("Above", 1, 3),
    f("Below", 1, 3),
    f("Top", 1, 3),
    f("Bottom", 1, 3),
    f("Column", 1, 1),
    f("Rank", 1, 3),
    f("HRank", 1, 3),
    f("Dimensionality", 0, 0),
    f("SecondaryDimensionality", 0, 0),
];

/// Functions the host evaluates through [`crate::Scope::call`]: they depend on the row being loaded, the
/// script's state, the clock or the script's number and date settings.
pub(crate) const HOST_FUNCTIONS: &[FuncSpec] = &[
    f("RecNo", 0, 0),
    f("RowNo", 0, 0),
    f("IterNo", 0, 0),
    f("Rand", 0, 0),
    f("ApplyMap", 2, 3),
    f("Exists", 1, 2),
    f("Peek", 1, 3),
    f("Previous", 1, 1),
    f("FieldValueCount", 1, 1),
    f("NoOfRows", 0, 1),
    f("Today", 0, 1),
    f("Now", 0, 1),
    f("Date", 1, 2),
    f("Date#", 1, 2),
    f("Time", 1, 2),
    f("Time#", 1, 2),
    f("Timestamp", 1, 2),
    f("Timestamp#", 1, 2),
    f("Num#", 1, 4),
    f("MakeDate", 1, 3),
    f("MakeTime", 1, 4),
    f("Year", 1, 1),
    f("Month", 1, 1),
    f("Day", 1, 1),
    f("Weekday", 1, 1),
    f("Week", 1, 1),
    f("Hour", 1, 1),
    f("Minute", 1, 1),
    f("Second", 1, 1),
    var("Hash128", 1),
];

/// The function called `name`, compared case-insensitively.
pub(crate) fn lookup(name: &str) -> Option<&'static FuncSpec> {
    FUNCTIONS
        .iter()
        .chain(HOST_FUNCTIONS)
        .find(|s| s.name.eq_ignore_ascii_case(name))
}

/// Whether `name` (canonical spelling) is evaluated by the host ([`crate::Scope::call`]).
pub fn is_host_function(name: &str) -> bool {
    HOST_FUNCTIONS.iter().any(|s| s.name == name)
}

/// The canonical names of every scalar function [`crate::parse`] accepts (aggregations are listed by
/// [`crate::AggFunc::ALL`]).
pub fn scalar_function_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().chain(HOST_FUNCTIONS).map(|s| s.name)
}

/// How many arguments the scalar function `name` (any case) takes: `(fewest, most)`, `most` being `None`
/// when there is no limit. `None` for an unknown name.
pub fn scalar_function_arity(name: &str) -> Option<(usize, Option<usize>)> {
    lookup(name).map(|s| (s.min, s.max))
}
