//! The function registry: every function the grammar knows, with its canonical name, its argument
//! counts, the group Qlik's help files it under and where it can be used; and the functions of those
//! groups that are not implemented yet ([`function_reference`] lists them all, the README's function
//! table is checked against it).

use crate::ast::AggFunc;

/// The groups of Qlik's script and chart function reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FunctionGroup {
    /// Aggregation functions (basic, counter, statistical and string aggregations).
    Aggregation,
    /// Color functions.
    Color,
    /// Conditional functions.
    Conditional,
    /// Counter functions.
    Counter,
    /// Date and time functions.
    DateTime,
    /// Field functions (selections in a field).
    Field,
    /// File functions (`FileName`, `FileSize`, ...).
    File,
    /// Exponential and logarithmic functions.
    Exponential,
    /// Formatting functions.
    Formatting,
    /// General numeric functions.
    GeneralNumeric,
    /// Inter-record functions.
    InterRecord,
    /// Interpretation functions.
    Interpretation,
    /// Logical functions.
    Logical,
    /// Mapping functions.
    Mapping,
    /// Mathematical functions.
    Mathematical,
    /// NULL functions.
    Null,
    /// Range functions.
    Range,
    /// Ranking functions in charts.
    Ranking,
    /// String functions.
    String,
    /// Table functions.
    Table,
    /// Trigonometric and hyperbolic functions.
    Trigonometric,
}

impl FunctionGroup {
    /// The group's title as Qlik's help writes it.
    pub fn title(self) -> &'static str {
        match self {
            FunctionGroup::Aggregation => "Aggregation",
            FunctionGroup::Color => "Color",
            FunctionGroup::Conditional => "Conditional",
            FunctionGroup::Counter => "Counter",
            FunctionGroup::DateTime => "Date and time",
            FunctionGroup::Exponential => "Exponential and logarithmic",
            FunctionGroup::Field => "Field",
            FunctionGroup::File => "File",
            FunctionGroup::Formatting => "Formatting",
            FunctionGroup::GeneralNumeric => "General numeric",
            FunctionGroup::InterRecord => "Inter-record",
            FunctionGroup::Interpretation => "Interpretation",
            FunctionGroup::Logical => "Logical",
            FunctionGroup::Mapping => "Mapping",
            FunctionGroup::Mathematical => "Mathematical",
            FunctionGroup::Null => "NULL",
            FunctionGroup::Range => "Range",
            FunctionGroup::Ranking => "Ranking",
            FunctionGroup::String => "String",
            FunctionGroup::Table => "Table",
            FunctionGroup::Trigonometric => "Trigonometric and hyperbolic",
        }
    }
}

/// Where a function can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Availability {
    /// Evaluated by `qix-expr` itself: in chart expressions and in the load script alike.
    ChartsAndScript,
    /// Evaluated by the load script's host ([`crate::Scope::call`]): it needs the record being loaded,
    /// the script's tables or its state; `Null` in charts.
    ScriptOnly,
    /// Computed by the engine over a chart's rows: the aggregations (the script has no `GROUP BY`) and
    /// the chart row functions (`Above`, `Rank`, ...).
    ChartsOnly,
    /// In Qlik's reference but not implemented: parsing it fails with "unknown function".
    NotYet,
}

impl Availability {
    /// How the README's function table writes it.
    pub fn label(self) -> &'static str {
        match self {
            Availability::ChartsAndScript => "charts and script",
            Availability::ScriptOnly => "script only",
            Availability::ChartsOnly => "charts only",
            Availability::NotYet => "not yet",
        }
    }
}

/// One row of the function reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FunctionInfo {
    /// The canonical name.
    pub name: &'static str,
    /// Qlik's group.
    pub group: FunctionGroup,
    /// Where it can be used.
    pub availability: Availability,
}

/// A scalar function: canonical name, fewest and most arguments (`None`: no limit), group.
pub(crate) struct FuncSpec {
    pub name: &'static str,
    pub min: usize,
    pub max: Option<usize>,
    pub group: FunctionGroup,
}

const fn f(name: &'static str, min: usize, max: usize, group: FunctionGroup) -> FuncSpec {
    FuncSpec {
        name,
        min,
        max: Some(max),
        group,
    }
}

const fn var(name: &'static str, min: usize, group: FunctionGroup) -> FuncSpec {
    FuncSpec {
        name,
        min,
        max: None,
        group,
    }
}

use FunctionGroup as G;

/// Every scalar function `qix-expr` evaluates itself, in canonical spelling.
pub(crate) const FUNCTIONS: &[FuncSpec] = &[
    // Conditional, logical and NULL.
    f("If", 2, 3, G::Conditional),
    var("Alt", 1, G::Conditional),
    var("Pick", 2, G::Conditional),
    var("Match", 2, G::Conditional),
    var("MixMatch", 2, G::Conditional),
    var("WildMatch", 2, G::Conditional),
    var("Coalesce", 1, G::Conditional),
    f("Class", 2, 4, G::Conditional),
    f("EmptyIsNull", 1, 1, G::Null),
    f("IsNull", 1, 1, G::Null),
    f("Null", 0, 0, G::Null),
    f("IsNum", 1, 1, G::Logical),
    f("IsText", 1, 1, G::Logical),
    f("True", 0, 0, G::Mathematical),
    f("False", 0, 0, G::Mathematical),
    f("Pi", 0, 0, G::Mathematical),
    f("E", 0, 0, G::Mathematical),
    // General numeric.
    f("BitCount", 1, 1, G::GeneralNumeric),
    f("Ceil", 1, 3, G::GeneralNumeric),
    f("Combin", 2, 2, G::GeneralNumeric),
    f("Div", 2, 2, G::GeneralNumeric),
    f("Even", 1, 1, G::GeneralNumeric),
    f("Fabs", 1, 1, G::GeneralNumeric),
    f("Fact", 1, 1, G::GeneralNumeric),
    f("Floor", 1, 3, G::GeneralNumeric),
    f("Fmod", 2, 2, G::GeneralNumeric),
    f("Frac", 1, 1, G::GeneralNumeric),
    f("Mod", 2, 2, G::GeneralNumeric),
    f("Odd", 1, 1, G::GeneralNumeric),
    f("Permut", 2, 2, G::GeneralNumeric),
    f("Round", 1, 3, G::GeneralNumeric),
    f("Sign", 1, 1, G::GeneralNumeric),
    // Exponential, logarithmic, trigonometric.
    f("Exp", 1, 1, G::Exponential),
    f("Log", 1, 1, G::Exponential),
    f("Log10", 1, 1, G::Exponential),
    f("Pow", 2, 2, G::Exponential),
    f("Sqr", 1, 1, G::Exponential),
    f("Sqrt", 1, 1, G::Exponential),
    f("Acos", 1, 1, G::Trigonometric),
    f("Asin", 1, 1, G::Trigonometric),
    f("Atan", 1, 1, G::Trigonometric),
    f("Atan2", 2, 2, G::Trigonometric),
    f("Cos", 1, 1, G::Trigonometric),
    f("Cosh", 1, 1, G::Trigonometric),
    f("Sin", 1, 1, G::Trigonometric),
    f("Sinh", 1, 1, G::Trigonometric),
    f("Tan", 1, 1, G::Trigonometric),
    f("Tanh", 1, 1, G::Trigonometric),
    // Range.
    var("RangeAvg", 1, G::Range),
    var("RangeCorrel", 2, G::Range),
    var("RangeCount", 1, G::Range),
    var("RangeFractile", 2, G::Range),
    var("RangeFractileExc", 2, G::Range),
    var("RangeIRR", 1, G::Range),
    var("RangeKurtosis", 1, G::Range),
    var("RangeMax", 1, G::Range),
    var("RangeMaxString", 1, G::Range),
    var("RangeMin", 1, G::Range),
    var("RangeMinString", 1, G::Range),
    var("RangeMissingCount", 1, G::Range),
    var("RangeMode", 1, G::Range),
    var("RangeNPV", 2, G::Range),
    var("RangeNullCount", 1, G::Range),
    var("RangeNumericCount", 1, G::Range),
    var("RangeOnly", 1, G::Range),
    var("RangeSkew", 1, G::Range),
    var("RangeStdev", 1, G::Range),
    var("RangeSum", 1, G::Range),
    var("RangeTextCount", 1, G::Range),
    var("RangeXIRR", 2, G::Range),
    var("RangeXNPV", 3, G::Range),
    // Formatting and interpretation.
    f("ApplyCodepage", 2, 2, G::Formatting),
    f("Date", 1, 2, G::Formatting),
    f("Dual", 2, 2, G::Formatting),
    f("Interval", 1, 2, G::Formatting),
    f("Money", 1, 4, G::Formatting),
    f("Num", 1, 4, G::Formatting),
    f("Time", 1, 2, G::Formatting),
    f("Timestamp", 1, 2, G::Formatting),
    f("Date#", 1, 2, G::Interpretation),
    f("Interval#", 1, 2, G::Interpretation),
    f("Money#", 1, 4, G::Interpretation),
    f("Num#", 1, 4, G::Interpretation),
    f("Text", 1, 1, G::Interpretation),
    f("Time#", 1, 2, G::Interpretation),
    f("Timestamp#", 1, 2, G::Interpretation),
    // Strings.
    f("Capitalize", 1, 1, G::String),
    f("Chr", 1, 1, G::String),
    f("FindOneOf", 2, 3, G::String),
    f("Index", 2, 3, G::String),
    f("KeepChar", 2, 2, G::String),
    f("Left", 2, 2, G::String),
    f("Len", 1, 1, G::String),
    f("LevenshteinDist", 2, 2, G::String),
    f("Lower", 1, 1, G::String),
    f("LTrim", 1, 1, G::String),
    f("Mid", 2, 3, G::String),
    f("Ord", 1, 1, G::String),
    f("PurgeChar", 2, 2, G::String),
    f("Repeat", 1, 2, G::String),
    f("Replace", 3, 3, G::String),
    f("Right", 2, 2, G::String),
    f("RTrim", 1, 1, G::String),
    f("SubField", 2, 3, G::String),
    f("SubStringCount", 2, 2, G::String),
    f("TextBetween", 3, 4, G::String),
    f("Trim", 1, 1, G::String),
    f("Upper", 1, 1, G::String),
    var("Hash128", 1, G::String),
    var("Hash160", 1, G::String),
    var("Hash256", 1, G::String),
    f("IsJson", 1, 2, G::String),
    f("JsonGet", 2, 2, G::String),
    f("JsonSet", 3, 3, G::String),
    // Colors.
    f("ARGB", 4, 4, G::Color),
    f("RGB", 3, 3, G::Color),
    f("HSL", 3, 3, G::Color),
    f("ColorMix1", 3, 3, G::Color),
    f("ColorMix2", 3, 4, G::Color),
    f("Black", 0, 1, G::Color),
    f("Blue", 0, 1, G::Color),
    f("Brown", 0, 1, G::Color),
    f("Cyan", 0, 1, G::Color),
    f("DarkGray", 0, 1, G::Color),
    f("Green", 0, 1, G::Color),
    f("LightBlue", 0, 1, G::Color),
    f("LightCyan", 0, 1, G::Color),
    f("LightGray", 0, 1, G::Color),
    f("LightGreen", 0, 1, G::Color),
    f("LightMagenta", 0, 1, G::Color),
    f("LightRed", 0, 1, G::Color),
    f("Magenta", 0, 1, G::Color),
    f("Red", 0, 1, G::Color),
    f("White", 0, 1, G::Color),
    f("Yellow", 0, 1, G::Color),
    f("ColorMapHue", 1, 1, G::Color),
    f("ColorMapJet", 1, 1, G::Color),
    f("QlikTechBlue", 0, 0, G::Color),
    f("QlikTechGray", 0, 0, G::Color),
    f("SysColor", 1, 1, G::Color),
    // Dates and times.
    f("AddMonths", 2, 3, G::DateTime),
    f("AddYears", 2, 2, G::DateTime),
    f("Age", 2, 2, G::DateTime),
    f("ConvertToLocalTime", 1, 3, G::DateTime),
    f("DayLightSaving", 0, 0, G::DateTime),
    f("Day", 1, 1, G::DateTime),
    f("DayEnd", 1, 3, G::DateTime),
    f("DayName", 1, 3, G::DateTime),
    f("DayNumberOfQuarter", 1, 2, G::DateTime),
    f("DayNumberOfYear", 1, 2, G::DateTime),
    f("DayStart", 1, 3, G::DateTime),
    var("FirstWorkDate", 2, G::DateTime),
    f("GMT", 0, 0, G::DateTime),
    f("Hour", 1, 1, G::DateTime),
    f("InDay", 3, 4, G::DateTime),
    f("InDayToTime", 3, 4, G::DateTime),
    f("InLunarWeek", 3, 4, G::DateTime),
    f("InLunarWeekToDate", 3, 4, G::DateTime),
    f("InMonth", 3, 3, G::DateTime),
    f("InMonths", 4, 5, G::DateTime),
    f("InMonthsToDate", 4, 5, G::DateTime),
    f("InMonthToDate", 3, 3, G::DateTime),
    f("InQuarter", 3, 4, G::DateTime),
    f("InQuarterToDate", 3, 4, G::DateTime),
    f("InWeek", 3, 4, G::DateTime),
    f("InWeekToDate", 3, 4, G::DateTime),
    f("InYear", 3, 4, G::DateTime),
    f("InYearToDate", 3, 4, G::DateTime),
    var("LastWorkDate", 2, G::DateTime),
    f("LocalTime", 0, 2, G::DateTime),
    f("LunarWeekEnd", 1, 3, G::DateTime),
    f("LunarWeekName", 1, 3, G::DateTime),
    f("LunarWeekStart", 1, 3, G::DateTime),
    f("MakeDate", 1, 3, G::DateTime),
    f("MakeTime", 1, 4, G::DateTime),
    f("MakeWeekDate", 1, 6, G::DateTime),
    f("Minute", 1, 1, G::DateTime),
    f("Month", 1, 1, G::DateTime),
    f("MonthEnd", 1, 2, G::DateTime),
    f("MonthName", 1, 2, G::DateTime),
    f("MonthsEnd", 2, 4, G::DateTime),
    f("MonthsName", 2, 4, G::DateTime),
    f("MonthsStart", 2, 4, G::DateTime),
    f("MonthStart", 1, 2, G::DateTime),
    var("NetWorkDays", 2, G::DateTime),
    f("Now", 0, 1, G::DateTime),
    f("QuarterEnd", 1, 3, G::DateTime),
    f("QuarterName", 1, 3, G::DateTime),
    f("QuarterStart", 1, 3, G::DateTime),
    f("Second", 1, 1, G::DateTime),
    f("SetDateYear", 2, 2, G::DateTime),
    f("SetDateYearMonth", 3, 3, G::DateTime),
    f("TimeZone", 0, 0, G::DateTime),
    f("Today", 0, 1, G::DateTime),
    f("UTC", 0, 0, G::DateTime),
    f("Week", 1, 4, G::DateTime),
    f("WeekDay", 1, 2, G::DateTime),
    f("WeekEnd", 1, 3, G::DateTime),
    f("WeekName", 1, 5, G::DateTime),
    f("WeekStart", 1, 3, G::DateTime),
    f("WeekYear", 1, 4, G::DateTime),
    f("Year", 1, 1, G::DateTime),
    f("YearEnd", 1, 3, G::DateTime),
    f("YearName", 1, 3, G::DateTime),
    f("YearStart", 1, 3, G::DateTime),
    f("YearToDate", 1, 4, G::DateTime),
];

/// Functions the host evaluates through [`crate::Scope::call`]: they depend on the record being
/// loaded, the script's tables or its state.
pub(crate) const HOST_FUNCTIONS: &[FuncSpec] = &[
    f("RecNo", 0, 0, G::Counter),
    f("RowNo", 0, 0, G::Counter),
    f("IterNo", 0, 0, G::Counter),
    f("Rand", 0, 0, G::Mathematical),
    f("ApplyMap", 2, 3, G::Mapping),
    f("Exists", 1, 2, G::InterRecord),
    f("Peek", 1, 3, G::InterRecord),
    f("Previous", 1, 1, G::InterRecord),
    f("NoOfRows", 0, 1, G::Table),
    f("AutoNumber", 1, 2, G::Counter),
    var("AutoNumberHash128", 1, G::Counter),
    var("AutoNumberHash256", 1, G::Counter),
    f("Lookup", 3, 4, G::InterRecord),
    f("MapSubString", 2, 2, G::Mapping),
    f("Evaluate", 1, 1, G::String),
    f("FieldName", 2, 2, G::Table),
    f("FieldNumber", 2, 2, G::Table),
    f("NoOfFields", 1, 1, G::Table),
    f("NoOfTables", 0, 0, G::Table),
    f("TableName", 1, 1, G::Table),
    f("TableNumber", 1, 1, G::Table),
    f("FileBaseName", 0, 0, G::File),
    f("FileDir", 0, 0, G::File),
    f("FileExtension", 0, 0, G::File),
    f("FileName", 0, 0, G::File),
    f("FilePath", 0, 0, G::File),
    f("FileSize", 0, 1, G::File),
    f("FileTime", 0, 1, G::File),
    f("FileList", 1, 1, G::File),
    f("DirList", 1, 1, G::File),
];

/// Functions of the data model and the selections, answered by the host through
/// [`crate::Scope::call`]: the engine in charts (over the model and the selection state), the load
/// script over its tables — in both.
pub(crate) const DATA_FUNCTIONS: &[FuncSpec] = &[
    f("FieldIndex", 2, 2, G::InterRecord),
    f("FieldValue", 2, 2, G::InterRecord),
    f("FieldValueCount", 1, 1, G::InterRecord),
];

/// The field functions about selections, answered by the engine through [`crate::Scope::call`] in
/// charts (the load script has no selections).
pub(crate) const FIELD_FUNCTIONS: &[FuncSpec] = &[
    f("GetAlternativeCount", 1, 1, G::Field),
    f("GetCurrentSelections", 0, 5, G::Field),
    f("GetExcludedCount", 1, 1, G::Field),
    f("GetFieldSelections", 1, 4, G::Field),
    f("GetNotSelectedCount", 1, 2, G::Field),
    f("GetPossibleCount", 1, 1, G::Field),
    f("GetSelectedCount", 1, 3, G::Field),
];

/// The chart functions that read the chart's other rows or its layout, answered by the engine's chart
/// rows ([`crate::Scope::inter_record`], [`crate::Scope::chart_fn`]).
pub(crate) const CHART_FUNCTIONS: &[FuncSpec] = &[
    f("Above", 1, 3, G::InterRecord),
    f("Below", 1, 3, G::InterRecord),
    f("Top", 1, 3, G::InterRecord),
    f("Bottom", 1, 3, G::InterRecord),
    f("Column", 1, 1, G::InterRecord),
    f("Dimensionality", 0, 0, G::InterRecord),
    f("SecondaryDimensionality", 0, 0, G::InterRecord),
    f("Rank", 1, 3, G::Ranking),
    f("HRank", 1, 3, G::Ranking),
];

/// Functions of Qlik's reference (in the groups above) that are not implemented yet.
const NOT_YET: &[(&str, FunctionGroup)] = &[("Color", G::Color)];

/// The function called `name`, compared case-insensitively.
pub(crate) fn lookup(name: &str) -> Option<&'static FuncSpec> {
    FUNCTIONS
        .iter()
        .chain(HOST_FUNCTIONS)
        .chain(CHART_FUNCTIONS)
        .chain(DATA_FUNCTIONS)
        .chain(FIELD_FUNCTIONS)
        .find(|s| s.name.eq_ignore_ascii_case(name))
}

/// Whether `name` (canonical spelling) is evaluated by the host ([`crate::Scope::call`]).
pub fn is_host_function(name: &str) -> bool {
    HOST_FUNCTIONS
        .iter()
        .chain(DATA_FUNCTIONS)
        .chain(FIELD_FUNCTIONS)
        .any(|s| s.name == name)
}

/// Whether the first argument of `name` is a field *name*: a bare field reference there
/// (`GetSelectedCount(Region)`) stands for its name, not its value.
pub(crate) fn takes_field_name(name: &str) -> bool {
    DATA_FUNCTIONS
        .iter()
        .chain(FIELD_FUNCTIONS)
        .any(|s| s.name == name)
}

/// The canonical names of every scalar function [`crate::parse`] accepts (aggregations are listed by
/// [`crate::AggFunc::ALL`]).
pub fn scalar_function_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS
        .iter()
        .chain(HOST_FUNCTIONS)
        .chain(CHART_FUNCTIONS)
        .chain(DATA_FUNCTIONS)
        .chain(FIELD_FUNCTIONS)
        .map(|s| s.name)
}

/// How many arguments the scalar function `name` (any case) takes: `(fewest, most)`, `most` being `None`
/// when there is no limit. `None` for an unknown name.
pub fn scalar_function_arity(name: &str) -> Option<(usize, Option<usize>)> {
    lookup(name).map(|s| (s.min, s.max))
}

/// Every function of the reference: the aggregations ([`AggFunc::ALL`]), the scalar functions and
/// those not implemented yet (a name the grammar knows is never listed as not yet), sorted by group
/// and name.
pub fn function_reference() -> Vec<FunctionInfo> {
    let info = |name, group, availability| FunctionInfo {
        name,
        group,
        availability,
    };
    let mut all: Vec<FunctionInfo> = AggFunc::ALL
        .iter()
        .map(|a| info(a.name(), G::Aggregation, Availability::ChartsOnly))
        .chain(
            FUNCTIONS
                .iter()
                .map(|s| info(s.name, s.group, Availability::ChartsAndScript)),
        )
        .chain(
            HOST_FUNCTIONS
                .iter()
                .map(|s| info(s.name, s.group, Availability::ScriptOnly)),
        )
        .chain(
            CHART_FUNCTIONS
                .iter()
                .chain(FIELD_FUNCTIONS)
                .map(|s| info(s.name, s.group, Availability::ChartsOnly)),
        )
        .chain(
            DATA_FUNCTIONS
                .iter()
                .map(|s| info(s.name, s.group, Availability::ChartsAndScript)),
        )
        .collect();
    for &(name, group) in NOT_YET {
        if !all.iter().any(|i| i.name.eq_ignore_ascii_case(name)) {
            all.push(info(name, group, Availability::NotYet));
        }
    }
    all.sort_by_key(|i| (i.group, i.name.to_ascii_lowercase()));
    all
}
