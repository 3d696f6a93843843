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
    /// The `FIRST n` prefix: at most that many records.
    pub first: Option<Box<Expr>>,
    /// The `GENERIC` prefix: a table per attribute value.
    pub generic: bool,
    /// The `HIERARCHY(...)` or `HIERARCHYBELONGSTO(...)` prefix.
    pub hierarchy: Option<Box<Hierarchy>>,
    /// The `ADD [ONLY]` or `REPLACE [ONLY]` prefix (partial reloads).
    pub partial: Option<Partial>,
}

impl Load {
    /// The expressions the LOAD evaluates per record: WHERE, WHILE and its field list's.
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.where_
            .iter()
            .chain(self.while_.iter())
            .chain(self.fields.iter().filter_map(|f| match f {
                FieldItem::Expr { expr, .. } => Some(expr),
                FieldItem::Star => None,
            }))
    }
}

/// `ADD [ONLY]` / `REPLACE [ONLY]`: what a LOAD does in a partial reload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Partial {
    /// `REPLACE`: the table is replaced in a partial reload (`ADD`: appended to).
    pub replace: bool,
    /// `ONLY`: the statement runs in partial reloads only.
    pub only: bool,
}

/// The hierarchy prefixes, with the field names they take.
#[derive(Debug, Clone, PartialEq)]
pub enum Hierarchy {
    /// `HIERARCHY(NodeID, ParentID, NodeName[, ParentName, PathSource, PathName, PathDelimiter,
    /// Depth])`: the expanded nodes table.
    Nodes {
        /// The node's key field.
        node_id: String,
        /// The parent's key field.
        parent_id: String,
        /// The node's name field (its levels are `NodeName1`, `NodeName2`, ...).
        node_name: String,
        /// The field that gets the parent's name.
        parent_name: Option<String>,
        /// The field the path is made of (the node name by default).
        path_source: Option<String>,
        /// The field that gets the path from the root.
        path_name: Option<String>,
        /// Between the path's parts (`/` by default).
        path_delimiter: Option<String>,
        /// The field that gets the node's depth (1 for a root).
        depth: Option<String>,
    },
    /// `HIERARCHYBELONGSTO(NodeID, ParentID, NodeName, AncestorID, AncestorName[, DepthDiff])`: the
    /// ancestor table.
    BelongsTo {
        /// The node's key field.
        node_id: String,
        /// The parent's key field.
        parent_id: String,
        /// The node's name field.
        node_name: String,
        /// The field that gets the ancestor's key.
        ancestor_id: String,
        /// The field that gets the ancestor's name.
        ancestor_name: String,
        /// The field that gets how many levels the ancestor is above the node.
        depth_diff: Option<String>,
    },
}

/// A `WHILE` or `UNTIL` condition of DO or LOOP.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopCond {
    /// `UNTIL` (the loop ends when the condition holds) rather than `WHILE`.
    pub until: bool,
    /// The condition.
    pub cond: Expr,
}

/// What an `EXIT` statement leaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExitKind {
    /// `EXIT SCRIPT`.
    Script,
    /// `EXIT DO`.
    Do,
    /// `EXIT FOR`.
    For,
    /// `EXIT SUB`.
    Sub,
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

/// One statement. (A LOAD is much larger than the others; statements are parsed one at a time as they
/// run and never held in bulk, so it is not boxed.)
#[allow(clippy::large_enum_variant)]
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
    /// `LOOSEN TABLE(S) a, b`: the tables' fields stop passing selections to each other.
    LoosenTables(Vec<String>),
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
    /// `EXIT SCRIPT|DO|FOR|SUB [WHEN cond]`.
    Exit(ExitKind, Option<Expr>),
    /// `DO [WHILE|UNTIL cond]`.
    Do(Option<LoopCond>),
    /// `LOOP [WHILE|UNTIL cond]`.
    Loop(Option<LoopCond>),
    /// `SWITCH expr`.
    Switch(Expr),
    /// `CASE v1, v2, ...`.
    Case(Vec<Expr>),
    /// `DEFAULT` (in a SWITCH).
    Default,
    /// `END SWITCH`.
    EndSwitch,
    /// `SLEEP n`: waits `n` milliseconds.
    Sleep(Expr),
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
