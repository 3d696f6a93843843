//! What a script statement says, after `$(...)` expansion and parsing.

use qix_expr::Expr;

/// How a file or INLINE block is read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormatSpec {
    /// `txt`, `qvd`, `parquet`, ...; `None` when not given (taken from the file extension).
    pub format: Option<String>,
    /// Field separator (`delimiter is ','`); default `,` (INLINE and txt).
    pub delimiter: Option<char>,
    /// Whether the first (non-header) line holds the field names.
    pub labels: Labels,
    /// Lines to skip before the data (`header is N lines`).
    pub header_lines: usize,
    /// Lines starting with this are skipped (`comment is '#'`).
    pub comment: Option<String>,
    /// Whether `"` quotes values (`msq` and the default) or not (`no quotes`).
    pub quotes: bool,
    /// Latin-1 / Windows-1252 text (`codepage is 1252`, `ansi`) instead of UTF-8.
    pub latin1: bool,
}

/// Where field names come from.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Labels {
    /// The first line (`embedded labels`, the default).
    #[default]
    Embedded,
    /// `@1`, `@2`, ... (`no labels`).
    None,
    /// `explicit labels`: the first line too (Qlik's explicit labels are a DIF feature).
    Explicit,
}

/// A table the LOAD reads from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// `INLINE [...]`.
    Inline {
        /// The data text between the brackets.
        data: String,
        /// How to read it.
        spec: FormatSpec,
    },
    /// `FROM path (spec)`.
    File {
        /// The path as written (`lib://data/x.csv`).
        path: String,
        /// How to read it.
        spec: FormatSpec,
    },
    /// `RESIDENT table`.
    Resident(String),
    /// `AUTOGENERATE n`.
    Autogenerate(Expr),
    /// No source: a preceding load, fed by the next LOAD.
    Preceding,
}

/// One item of a LOAD's field list.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldItem {
    /// `*`: every field of the source.
    Star,
    /// An expression and the name it gets.
    Expr {
        /// The expression.
        expr: Expr,
        /// The field name (`AS` alias, or the expression text / field name).
        name: String,
    },
}

/// Which rows a JOIN or KEEP keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JoinKind {
    /// All rows of both.
    Outer,
    /// Rows of the existing table.
    Left,
    /// Rows of the new table.
    Right,
    /// Rows with a match in both.
    Inner,
}

/// What happens to the rows a LOAD produces.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Target {
    /// A new table, or appended to a table with the same fields.
    #[default]
    Auto,
    /// `CONCATENATE [(T)]`.
    Concatenate(Option<String>),
    /// `NOCONCATENATE`: always a new table.
    NoConcatenate,
    /// `... JOIN [(T)]`.
    Join(JoinKind, Option<String>),
    /// `... KEEP [(T)]`.
    Keep(JoinKind, Option<String>),
    /// `MAPPING LOAD`: a mapping table for `ApplyMap`.
    Mapping,
}

/// A LOAD statement (with the preceding loads stacked on it merged in by the executor).
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// `T:` before the statement.
    pub label: Option<String>,
    /// What to do with the rows.
    pub target: Target,
    /// `LOAD DISTINCT`.
    pub distinct: bool,
    /// The field list.
    pub fields: Vec<FieldItem>,
    /// The source.
    pub source: Source,
    /// `WHERE`.
    pub where_: Option<Expr>,
    /// `WHILE` (with `IterNo()`).
    pub while_: Option<Expr>,
    /// `GROUP BY` fields: the LOAD makes one row per combination of their values, its aggregations over
    /// the records of each.
    pub group_by: Vec<String>,
    /// `ORDER BY` fields, each descending or not: the order the records are read in (RESIDENT).
    pub order_by: Vec<(String, bool)>,
    /// The `CROSSTABLE(...)` prefix: the LOAD's columns after the qualifiers become rows.
    pub crosstable: Option<CrossTable>,
    /// The `INTERVALMATCH(field[, keys])` prefix: the field names, the match field first.
    pub intervalmatch: Option<Vec<String>>,
}

/// `CROSSTABLE(attribute, data, n)`: each record's columns after the first `qualifiers` become one row
/// each, with the column's name in `attribute` and its value in `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossTable {
    /// The field that gets the column names.
    pub attribute: String,
    /// The field that gets the values.
    pub data: String,
    /// How many leading columns are kept as they are (1 by default).
    pub qualifiers: usize,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// LOAD.
    Load(Load),
    /// `LET name = expr`.
    Let(String, Expr),
    /// `SET name = text`.
    Set(String, String),
    /// `DROP TABLE(S) a, b`.
    DropTables(Vec<String>),
    /// `DROP FIELD(S) a, b [FROM t, u]`.
    DropFields(Vec<String>, Vec<String>),
    /// `RENAME TABLE a TO b, ...`.
    RenameTables(Vec<(String, String)>),
    /// `RENAME FIELD a TO b, ...`.
    RenameFields(Vec<(String, String)>),
    /// `STORE T INTO path (format)`.
    Store {
        /// Table.
        table: String,
        /// Path as written.
        path: String,
        /// `qvd`, `txt` or `parquet`.
        format: String,
    },
    /// `TRACE text`.
    Trace(String),
    /// `EXIT SCRIPT`.
    ExitScript,
    /// `COMMENT FIELD x WITH 'text'`.
    CommentField(String, String),
    /// `TAG FIELD x WITH 'tag'`.
    TagField(String, String),
    /// `QUALIFY a, b` or `QUALIFY *`.
    Qualify(Vec<String>),
    /// `UNQUALIFY a, b` or `UNQUALIFY *`.
    Unqualify(Vec<String>),
    /// `IF expr THEN`.
    If(Expr),
    /// `ELSEIF expr THEN`.
    ElseIf(Expr),
    /// `ELSE`.
    Else,
    /// `END IF`.
    EndIf,
    /// `FOR v = from TO to [STEP s]`.
    For {
        /// Loop variable.
        var: String,
        /// Start.
        from: Expr,
        /// End (inclusive).
        to: Expr,
        /// Step (default 1).
        step: Option<Expr>,
    },
    /// `FOR EACH v IN a, b, ...`.
    ForEach {
        /// Loop variable.
        var: String,
        /// The values.
        items: Vec<Expr>,
    },
    /// `NEXT [v]`.
    Next,
    /// `SUB name(params)`.
    Sub(String, Vec<String>),
    /// `END SUB`.
    EndSub,
    /// `CALL name(args)`.
    Call(String, Vec<Expr>),
}
