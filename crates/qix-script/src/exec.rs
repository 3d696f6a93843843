//! Runs a script: control flow, variables and `$(...)` expansion, LOAD with its sources, prefixes and
//! preceding loads, and the statements that reshape tables; then builds the data model.

use crate::ast::*;
use crate::dates::{self, Names};
use crate::error::ScriptError;
use crate::limits::Limits;
use crate::parse::parse_statement;
use crate::sources::{self, parquet, path, qvd, text, text_columns, Check, ColumnTable, RawTable};
use crate::split::{split, RawStatement};
use qix_engine::{DataModel, Dual, ModelBuilder};
use qix_expr::{Aggr, Expr, Scope, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// A table cell: a value, or NULL.
pub type Cell = Option<Dual>;

/// Told the table being loaded and its row count so far.
pub type ProgressFn = dyn Fn(&str, usize) + Sync;

/// What a reload may touch and report to.
pub struct LoadEnv<'a> {
    /// The folder of a `lib://<name>/` connection, if the app has it.
    pub connection: &'a (dyn Fn(&str) -> Option<PathBuf> + Sync),
    /// The folder for paths without `lib://`.
    pub default_dir: PathBuf,
    /// Set to stop the reload at the next statement or row batch.
    pub cancel: Option<&'a AtomicBool>,
    /// Told the table being loaded and its row count so far.
    pub progress: Option<&'a ProgressFn>,
    /// How deep, how many rows and how many bytes the script may go ([`Limits::default`] unless the
    /// server is configured otherwise).
    pub limits: Limits,
}

/// What a successful reload gives.
#[derive(Debug)]
pub struct LoadOutput {
    /// The data model.
    pub model: DataModel,
    /// The reload log (statements run, tables and row counts, TRACE output).
    pub log: Vec<String>,
    /// Variables at the end of the script.
    pub variables: BTreeMap<String, String>,
    /// `COMMENT FIELD` texts by field.
    pub field_comments: HashMap<String, String>,
    /// `TAG FIELD` tags by field.
    pub field_tags: HashMap<String, Vec<String>>,
}

/// A table while the script runs.
#[derive(Debug, Clone)]
struct Table {
    name: String,
    fields: Vec<String>,
    rows: Vec<Vec<Cell>>,
    /// An optimized load's columns, kept as read until a statement needs rows (then [`Table::materialize`]
    /// turns them into `rows`) or the model is built straight from them.
    cols: Option<ColumnTable>,
}

impl Table {
    fn materialize(&mut self) {
        if let Some(c) = self.cols.take() {
            self.rows = c.into_rows().rows;
        }
    }
}

/// What a LOAD reads its records from.
enum Input {
    /// Rows and their field names (a file, INLINE, RESIDENT, or the LOAD below a preceding load).
    Rows(RawTable),
    /// `AUTOGENERATE n`: `n` records without fields, none of them allocated.
    Generate(usize),
}

impl Input {
    fn fields(&self) -> &[String] {
        match self {
            Input::Rows(t) => &t.fields,
            Input::Generate(_) => &[],
        }
    }

    fn len(&self) -> usize {
        match self {
            Input::Rows(t) => t.rows.len(),
            Input::Generate(n) => *n,
        }
    }

    /// Record `r` (0-based): its cells, none for a generated record.
    fn row(&self, r: usize) -> &[Cell] {
        match self {
            Input::Rows(t) => t.rows.get(r).map_or(&[], Vec::as_slice),
            Input::Generate(_) => &[],
        }
    }

    /// Estimated bytes held.
    fn bytes(&self) -> usize {
        match self {
            Input::Rows(t) => sources::rows_bytes(&t.rows),
            Input::Generate(_) => 0,
        }
    }
}

/// Bytes of one cell, without its text.
const CELL_BYTES: usize = std::mem::size_of::<Cell>();

/// Estimated bytes of one entry of a mapping table (key text, value and hash slot).
const MAPPING_ENTRY_BYTES: usize = 96;

/// A reload's row and memory limits with what was used when a statement started.
#[derive(Debug, Clone, Copy)]
struct Budget {
    limits: Limits,
    /// Rows made so far.
    rows_made: u64,
    /// Estimated bytes the script's tables hold.
    held: u64,
}

impl Budget {
    /// Whether `rows` more rows and `bytes` more bytes fit; the error says which limit they break.
    fn check(&self, rows: u64, bytes: u64) -> Result<(), String> {
        let max_rows = self.limits.max_rows;
        if self.rows_made.saturating_add(rows) > max_rows {
            return Err(format!(
                "the reload would make more than {max_rows} rows (the limit of rows per reload)"
            ));
        }
        let max_memory = self.limits.max_memory;
        if self.held.saturating_add(bytes) > max_memory {
            return Err(format!(
                "the reload's tables would hold more than {} (the memory limit per reload)",
                show_bytes(max_memory)
            ));
        }
        Ok(())
    }
}

/// A byte count for a message: `8 GiB`, `1.5 MiB`, `300 bytes`.
fn show_bytes(b: u64) -> String {
    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;
    if b >= GIB && b & (GIB - 1) == 0 {
        format!("{} GiB", b / GIB)
    } else if b >= MIB {
        format!("{:.1} MiB", b as f64 / MIB as f64)
    } else {
        format!("{b} bytes")
    }
}

/// Control-flow structure of the script.
#[derive(Debug, Clone)]
enum Node {
    Simple(usize),
    If(Vec<(Option<usize>, Vec<Node>)>),
    For(usize, Vec<Node>),
    Sub(usize, Vec<Node>),
}

fn first_words(s: &str) -> (String, String) {
    let mut w = s.split_whitespace().map(|w| w.to_ascii_uppercase());
    (w.next().unwrap_or_default(), w.next().unwrap_or_default())
}

/// Builds the block structure of `stmts` from `*i` up to one of the closing statements `until` (which
/// it answers). `depth` blocks are open around it; opening more than `max_nesting` is an error, so the
/// recursion (and every later walk over the tree) stays shallow whatever the script.
fn build(
    stmts: &[RawStatement],
    i: &mut usize,
    until: &[&str],
    depth: usize,
    max_nesting: usize,
) -> Result<(Vec<Node>, Option<String>), ScriptError> {
    let mut out = Vec::new();
    while *i < stmts.len() {
        let (a, b) = first_words(&stmts[*i].text);
        let a = a.trim_end_matches(';').to_string();
        let key = match (a.as_str(), b.as_str()) {
            ("END", "IF") | ("ENDIF", _) => "ENDIF",
            ("END", "SUB") => "ENDSUB",
            ("ELSEIF", _) => "ELSEIF",
            ("ELSE", _) => "ELSE",
            ("NEXT", _) => "NEXT",
            _ => "",
        };
        if !key.is_empty() {
            if until.contains(&key) {
                return Ok((out, Some(key.to_string())));
            }
            let s = &stmts[*i];
            return Err(ScriptError::at(
                s.line,
                s.col,
                &s.text,
                &format!("{a} without a matching opening statement"),
            ));
        }
        let start = *i;
        *i += 1;
        if matches!(a.as_str(), "IF" | "FOR" | "SUB") && depth >= max_nesting {
            let s = &stmts[start];
            return Err(ScriptError::at(
                s.line,
                s.col,
                &s.text,
                &format!("control blocks (IF, FOR, SUB) nested more than {max_nesting} deep"),
            ));
        }
        let inner = |i: &mut usize, until: &[&str]| build(stmts, i, until, depth + 1, max_nesting);
        match a.as_str() {
            "IF" => {
                let mut branches = Vec::new();
                let mut cond = Some(start);
                loop {
                    let (body, end) = inner(i, &["ELSEIF", "ELSE", "ENDIF"])?;
                    branches.push((cond, body));
                    let Some(end) = end else {
                        let s = &stmts[start];
                        return Err(ScriptError::at(s.line, s.col, &s.text, "IF without END IF"));
                    };
                    let at = *i;
                    *i += 1;
                    match end.as_str() {
                        "ELSEIF" => cond = Some(at),
                        "ELSE" => cond = None,
                        _ => break,
                    }
                }
                out.push(Node::If(branches));
            }
            "FOR" => {
                let (body, end) = inner(i, &["NEXT"])?;
                if end.is_none() {
                    let s = &stmts[start];
                    return Err(ScriptError::at(s.line, s.col, &s.text, "FOR without NEXT"));
                }
                *i += 1;
                out.push(Node::For(start, body));
            }
            "SUB" => {
                let (body, end) = inner(i, &["ENDSUB"])?;
                if end.is_none() {
                    let s = &stmts[start];
                    return Err(ScriptError::at(
                        s.line,
                        s.col,
                        &s.text,
                        "SUB without END SUB",
                    ));
                }
                *i += 1;
                out.push(Node::Sub(start, body));
            }
            _ => out.push(Node::Simple(start)),
        }
    }
    Ok((out, None))
}

/// Checks a script's syntax without running it: every error with its line and column.
/// `$(...)` expansions are replaced by `0` for the check. Blocks may nest as deep as
/// [`Limits::default`] allows; [`check_syntax_with`] takes other limits.
pub fn check_syntax(script: &str) -> Vec<ScriptError> {
    check_syntax_with(script, &Limits::default())
}

/// [`check_syntax`] with the nesting bound of `limits` (the one a reload with the same limits applies).
pub fn check_syntax_with(script: &str, limits: &Limits) -> Vec<ScriptError> {
    let stmts = match split(script) {
        Ok(s) => s,
        Err(e) => return vec![e],
    };
    let mut errors = Vec::new();
    let mut i = 0;
    if let Err(e) = build(&stmts, &mut i, &[], 0, limits.max_nesting) {
        errors.push(e);
    }
    for s in &stmts {
        let text = blank_expansions(&s.text);
        if let Err(m) = parse_statement(&text) {
            errors.push(ScriptError::at(s.line, s.col, &s.text, &m));
        }
    }
    errors
}

fn blank_expansions(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(p) = rest.find("$(") {
        out.push_str(&rest[..p]);
        let mut depth = 0;
        let mut end = rest.len();
        for (k, c) in rest[p + 1..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = p + 1 + k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push('0');
        rest = &rest[end.min(rest.len())..];
    }
    out.push_str(rest);
    out
}

struct Flow {
    exit: bool,
}

/// What a FOR loop runs over.
enum LoopOver {
    /// `FOR var = from TO to STEP step`.
    Range {
        var: String,
        from: f64,
        to: f64,
        step: f64,
    },
    /// `FOR EACH var IN values`.
    Each { var: String, values: Vec<String> },
}

/// The running script.
struct Exec<'a> {
    env: &'a LoadEnv<'a>,
    stmts: Vec<RawStatement>,
    vars: BTreeMap<String, String>,
    tables: Vec<Table>,
    mappings: HashMap<String, HashMap<String, Cell>>,
    subs: HashMap<String, (Vec<String>, std::rc::Rc<Vec<Node>>)>,
    qualify: (bool, HashSet<String>),
    unqualify: HashSet<String>,
    log: Vec<String>,
    comments: HashMap<String, String>,
    tags: HashMap<String, Vec<String>>,
    rng: u64,
    /// Month and day names from the script's variables, rebuilt when one of them is set.
    names: Option<std::rc::Rc<Names>>,
    /// CALLs in progress.
    calls: usize,
    /// Blocks (IF and FOR bodies, SUBs being called) in progress.
    depth: usize,
    /// Rows made so far, against [`Limits::max_rows`].
    rows_made: u64,
}

/// Runs a script and builds its data model.
pub fn run(script: &str, env: &LoadEnv<'_>) -> Result<LoadOutput, ScriptError> {
    let stmts = split(script)?;
    let mut i = 0;
    let (nodes, _) = build(&stmts, &mut i, &[], 0, env.limits.max_nesting)?;
    let mut ex = Exec {
        env,
        stmts,
        vars: BTreeMap::new(),
        tables: Vec::new(),
        mappings: HashMap::new(),
        subs: HashMap::new(),
        qualify: (false, HashSet::new()),
        unqualify: HashSet::new(),
        log: Vec::new(),
        comments: HashMap::new(),
        tags: HashMap::new(),
        rng: 0x9E37_79B9_7F4A_7C15 ^ (dates::now().to_bits()),
        names: None,
        calls: 0,
        depth: 0,
        rows_made: 0,
    };
    let mut flow = Flow { exit: false };
    ex.block(&nodes, &mut flow)?;
    let model = ex.model()?;
    Ok(LoadOutput {
        model,
        log: ex.log,
        variables: ex.vars,
        field_comments: ex.comments,
        field_tags: ex.tags,
    })
}

/// Evaluates expressions outside rows (LET, IF, FOR): fields are NULL.
struct NoRow<'e, 'a> {
    ex: &'e mut Exec<'a>,
}

impl Scope for NoRow<'_, '_> {
    fn field(&mut self, _: &str) -> Value {
        Value::Null
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        self.ex.host(name, args, None)
    }
}

/// Row context for LOAD expressions.
struct RowCtx<'r> {
    fields: &'r [String],
    row: &'r [Cell],
    recno: usize,
    rowno: usize,
    iterno: usize,
    /// The input records before this one that WHERE kept, the nearest first (for `Previous()`, which
    /// nests to reach further back).
    back: &'r [&'r [Cell]],
}

struct RowScope<'e, 'a, 'r> {
    ex: &'e mut Exec<'a>,
    ctx: &'r RowCtx<'r>,
}

fn to_value(c: &Cell) -> Value {
    match c {
        None => Value::Null,
        Some(d) => match d.num {
            Some(n) => Value::Dual(d.text.clone(), n),
            None => Value::Text(d.text.clone()),
        },
    }
}

fn to_cell(v: Value) -> Cell {
    match v {
        Value::Null => None,
        Value::Num(n) => Some(Dual::number(n)),
        Value::Text(s) => Some(Dual::text(s)),
        Value::Dual(s, n) => Some(Dual::with_text(s, n)),
    }
}

impl Scope for RowScope<'_, '_, '_> {
    fn field(&mut self, name: &str) -> Value {
        match self.ctx.fields.iter().position(|f| f == name) {
            Some(i) => self.ctx.row.get(i).map_or(Value::Null, to_value),
            None => Value::Null,
        }
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        self.ex.host(name, args, Some(self.ctx))
    }
    fn previous(&mut self, expr: &Expr) -> Value {
        let Some((prev, further)) = self.ctx.back.split_first() else {
            return Value::Null;
        };
        let ctx = RowCtx {
            fields: self.ctx.fields,
            row: prev,
            recno: self.ctx.recno.saturating_sub(1),
            rowno: self.ctx.rowno.saturating_sub(1),
            iterno: 1,
            back: further,
        };
        qix_expr::eval(
            expr,
            &mut RowScope {
                ex: self.ex,
                ctx: &ctx,
            },
        )
    }
}

fn cell_key(c: &Cell) -> String {
    match c {
        None => "\u{0}null".into(),
        Some(d) => match d.num {
            Some(n) => format!("\u{1}{}", n.to_bits()),
            None => d.text.clone(),
        },
    }
}

impl<'a> Exec<'a> {
    fn err(&self, i: usize, msg: &str) -> ScriptError {
        let s = &self.stmts[i];
        ScriptError::at(s.line, s.col, &s.text, msg)
    }

    fn cancelled(&self) -> bool {
        self.env.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }

    fn var(&self, name: &str) -> Option<&String> {
        self.vars.get(name)
    }

    fn names(&mut self) -> std::rc::Rc<Names> {
        if let Some(n) = &self.names {
            return n.clone();
        }
        let n = std::rc::Rc::new(self.build_names());
        self.names = Some(n.clone());
        n
    }

    fn build_names(&self) -> Names {
        let mut n = Names::default();
        let list = |s: &String| s.split(';').map(str::to_string).collect::<Vec<_>>();
        if let Some(v) = self.var("MonthNames") {
            n.months = list(v);
        }
        if let Some(v) = self.var("LongMonthNames") {
            n.long_months = list(v);
        }
        if let Some(v) = self.var("DayNames") {
            n.days = list(v);
        }
        if let Some(v) = self.var("LongDayNames") {
            n.long_days = list(v);
        }
        n
    }

    fn fmt_var(&self, name: &str, default: &str) -> String {
        self.var(name)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    /// Host functions for expressions.
    fn host(&mut self, name: &str, args: &[Value], row: Option<&RowCtx<'_>>) -> Value {
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
        // Formats are read only by the date functions (this runs for every row).
        let is_date = matches!(
            name,
            "Today"
                | "Now"
                | "Date"
                | "Time"
                | "Timestamp"
                | "Date#"
                | "Time#"
                | "Timestamp#"
                | "MakeDate"
                | "MakeTime"
        );
        let (date_fmt, ts_fmt, time_fmt) = if is_date {
            (
                self.fmt_var("DateFormat", "YYYY-MM-DD"),
                self.fmt_var("TimestampFormat", "YYYY-MM-DD hh:mm:ss[.fff]"),
                self.fmt_var("TimeFormat", "hh:mm:ss"),
            )
        } else {
            Default::default()
        };
        let fmt_arg =
            |i: usize, default: &str| arg(i).text().unwrap_or_else(|| default.to_string());
        let num0 = arg(0).num();
        match name {
            "RecNo" => row.map_or(Value::Null, |r| Value::Num(r.recno as f64)),
            "RowNo" => row.map_or(Value::Null, |r| Value::Num(r.rowno as f64)),
            "IterNo" => row.map_or(Value::Null, |r| Value::Num(r.iterno as f64)),
            "Rand" => {
                // xorshift64*
                self.rng ^= self.rng >> 12;
                self.rng ^= self.rng << 25;
                self.rng ^= self.rng >> 27;
                let v = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
                Value::Num((v >> 11) as f64 / (1u64 << 53) as f64)
            }
            "ApplyMap" => {
                let map = arg(0).text().unwrap_or_default();
                let v = arg(1);
                let key = cell_key(&to_cell(v.clone()));
                match self.mappings.get(&map).and_then(|m| m.get(&key)) {
                    Some(c) => to_value(c),
                    None if args.len() > 2 => arg(2),
                    None => v,
                }
            }
            "Exists" => {
                let field = arg(0).text().unwrap_or_default();
                let probe = if args.len() > 1 {
                    arg(1)
                } else {
                    row.map_or(Value::Null, |r| {
                        r.fields
                            .iter()
                            .position(|f| *f == field)
                            .and_then(|i| r.row.get(i))
                            .map_or(Value::Null, to_value)
                    })
                };
                let key = cell_key(&to_cell(probe));
                let found = self.tables.iter().any(|t| {
                    t.fields
                        .iter()
                        .position(|f| *f == field)
                        .is_some_and(|i| t.rows.iter().any(|r| cell_key(&r[i]) == key))
                });
                Value::from_bool(found)
            }
            "Peek" => {
                let field = arg(0).text().unwrap_or_default();
                let table = match arg(2).text() {
                    Some(t) => self.tables.iter().find(|x| x.name == t),
                    None => self.tables.last(),
                };
                let Some(t) = table else { return Value::Null };
                let Some(fi) = t.fields.iter().position(|f| *f == field) else {
                    return Value::Null;
                };
                let n = t.rows.len() as i64;
                let r = arg(1).num().map_or(-1, |x| x as i64);
                let r = if r < 0 { n + r } else { r };
                if r < 0 || r >= n {
                    return Value::Null;
                }
                to_value(&t.rows[r as usize][fi])
            }
            "NoOfRows" => {
                let t = arg(0).text().unwrap_or_default();
                self.tables
                    .iter()
                    .find(|x| x.name == t)
                    .map_or(Value::Null, |t| Value::Num(t.rows.len() as f64))
            }
            "FieldValueCount" => {
                let f = arg(0).text().unwrap_or_default();
                let mut set = HashSet::new();
                for t in &self.tables {
                    if let Some(i) = t.fields.iter().position(|x| *x == f) {
                        for r in &t.rows {
                            if r[i].is_some() {
                                set.insert(cell_key(&r[i]));
                            }
                        }
                    }
                }
                Value::Num(set.len() as f64)
            }
            "Today" => {
                let d = dates::now().floor();
                Value::Dual(dates::format(d, &date_fmt, &self.names()), d)
            }
            "Now" => {
                let d = dates::now();
                Value::Dual(dates::format(d, &ts_fmt, &self.names()), d)
            }
            "Date" | "Time" | "Timestamp" => {
                let Some(n) = num0 else { return Value::Null };
                let default = match name {
                    "Date" => &date_fmt,
                    "Time" => &time_fmt,
                    _ => &ts_fmt,
                };
                let n = if name == "Date" { n.floor() } else { n };
                Value::Dual(dates::format(n, &fmt_arg(1, default), &self.names()), n)
            }
            "Date#" | "Time#" | "Timestamp#" => {
                let Some(t) = arg(0).text() else {
                    return Value::Null;
                };
                let default = match name {
                    "Date#" => &date_fmt,
                    "Time#" => &time_fmt,
                    _ => &ts_fmt,
                };
                match dates::parse(&t, &fmt_arg(1, default), &self.names()) {
                    Some(n) => Value::Dual(t, n),
                    None => Value::Null,
                }
            }
            "MakeDate" => {
                let y = arg(0).num();
                let m = if args.len() > 1 {
                    arg(1).num()
                } else {
                    Some(1.0)
                };
                let d = if args.len() > 2 {
                    arg(2).num()
                } else {
                    Some(1.0)
                };
                match (y, m, d) {
                    (Some(y), Some(m), Some(d)) if (1.0..=12.0).contains(&m) => {
                        let n = dates::make_date(y as i64, m as i64, d as i64);
                        Value::Dual(dates::format(n, &date_fmt, &self.names()), n)
                    }
                    _ => Value::Null,
                }
            }
            "MakeTime" => {
                let h = arg(0).num().unwrap_or(0.0);
                let m = arg(1).num().unwrap_or(0.0);
                let s = arg(2).num().unwrap_or(0.0);
                let n = (h * 3600.0 + m * 60.0 + s) / 86400.0;
                Value::Dual(dates::format(n, &time_fmt, &self.names()), n)
            }
            "Year" | "Month" | "Day" | "Weekday" | "Week" | "Hour" | "Minute" | "Second" => {
                let Some(n) = num0 else { return Value::Null };
                let (y, m, d, h, mi, s, _, wd) = dates::parts(n);
                let names = self.names();
                match name {
                    "Year" => Value::Num(y as f64),
                    "Month" => Value::Dual(
                        names
                            .months
                            .get(m as usize - 1)
                            .cloned()
                            .unwrap_or_default(),
                        m as f64,
                    ),
                    "Day" => Value::Num(d as f64),
                    "Weekday" => Value::Dual(
                        names.days.get(wd as usize).cloned().unwrap_or_default(),
                        wd as f64,
                    ),
                    "Week" => Value::Num(dates::iso_week(n) as f64),
                    "Hour" => Value::Num(h as f64),
                    "Minute" => Value::Num(mi as f64),
                    _ => Value::Num(s as f64),
                }
            }
            "Num#" => {
                let Some(t) = arg(0).text() else {
                    return Value::Null;
                };
                let dec = arg(2)
                    .text()
                    .filter(|s| !s.is_empty())
                    .or_else(|| self.var("DecimalSep").cloned())
                    .unwrap_or_else(|| ".".into());
                let thou = arg(3)
                    .text()
                    .or_else(|| self.var("ThousandSep").cloned())
                    .unwrap_or_default();
                let mut s: String = t.trim().to_string();
                if !thou.is_empty() {
                    s = s.replace(&thou, "");
                }
                if dec != "." {
                    s = s.replace(&dec, ".");
                }
                s.retain(|c| !c.is_whitespace());
                match qix_engine::dual::parse_number(&s) {
                    Some(n) => Value::Dual(t, n),
                    None => Value::Null,
                }
            }
            "Hash128" => {
                let joined: String = args
                    .iter()
                    .map(|a| a.text().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("\u{1f}");
                Value::Text(hash128(&joined))
            }
            _ => Value::Null,
        }
    }

    fn eval_norow(&mut self, e: &Expr) -> Value {
        qix_expr::eval(e, &mut NoRow { ex: self })
    }

    /// `$(var)` and `$(=expr)` expansion.
    fn expand(&mut self, text: &str) -> Result<String, String> {
        qix_expr::expand_dollars(text, &mut |inner| {
            if self.cancelled() {
                return Err("reload cancelled".into());
            }
            Ok(match inner.strip_prefix('=') {
                Some(e) => {
                    let expr = qix_expr::parse(e)
                        .map_err(|e| format!("in $(={}): {}", inner, e.message))?;
                    self.eval_norow(&expr).text().unwrap_or_default()
                }
                None => self.vars.get(inner.trim()).cloned().unwrap_or_default(),
            })
        })
    }

    fn statement(&mut self, i: usize) -> Result<Statement, ScriptError> {
        let raw = self.stmts[i].text.clone();
        let text = self.expand(&raw).map_err(|m| self.err(i, &m))?;
        parse_statement(&text).map_err(|m| self.err(i, &m))
    }

    /// Runs a block of nodes. Nested blocks recurse through [`Exec::nested`], which bounds the depth;
    /// the functions on that path keep their own frames small (the work is done in helpers that return
    /// before the recursion), so the bound keeps the stack small even in debug builds.
    fn block(&mut self, nodes: &[Node], flow: &mut Flow) -> Result<(), ScriptError> {
        let mut k = 0;
        while k < nodes.len() && !flow.exit {
            if self.cancelled() {
                return Err(ScriptError::at(0, 0, "", "reload cancelled"));
            }
            match &nodes[k] {
                Node::Simple(i) => match self.simple_statement(*i)? {
                    Statement::Call(name, args) => self.call_sub(*i, &name, &args, flow)?,
                    st => self.simple_node(nodes, &mut k, st, flow)?,
                },
                Node::If(branches) => self.if_node(branches, flow)?,
                Node::For(i, body) => self.for_node(*i, body, flow)?,
                Node::Sub(i, body) => self.define_sub(*i, body)?,
            }
            k += 1;
        }
        Ok(())
    }

    /// Runs `body`, a block opened by statement `at` (an IF or FOR body, a called SUB), one level deeper.
    fn nested(&mut self, at: usize, body: &[Node], flow: &mut Flow) -> Result<(), ScriptError> {
        if self.depth >= self.max_depth() {
            return Err(self.too_deep(at));
        }
        self.depth += 1;
        let result = self.block(body, flow);
        self.depth -= 1;
        result
    }

    /// How many blocks may be open while the script runs.
    fn max_depth(&self) -> usize {
        let limits = &self.env.limits;
        limits.max_nesting.saturating_add(limits.max_call_depth)
    }

    #[cold]
    fn too_deep(&self, at: usize) -> ScriptError {
        let max = self.max_depth();
        self.err(
            at,
            &format!(
                "SUB calls and control blocks nested more than {max} deep while the script runs"
            ),
        )
    }

    /// `SUB name(params)`: remembers the SUB for its CALLs.
    fn define_sub(&mut self, i: usize, body: &[Node]) -> Result<(), ScriptError> {
        match self.statement(i)? {
            Statement::Sub(name, params) => {
                self.subs.insert(
                    name.to_ascii_lowercase(),
                    (params, std::rc::Rc::new(body.to_vec())),
                );
                Ok(())
            }
            _ => Err(self.err(i, "expected SUB")),
        }
    }

    /// Statement `i`, expanded and parsed.
    fn simple_statement(&mut self, i: usize) -> Result<Statement, ScriptError> {
        if self.stmts[i].text.contains("$(=") {
            // The expansion evaluates expressions, which may read any table.
            self.materialize_all(i)?;
        }
        self.statement(i)
    }

    /// Runs `CALL name(args)` (statement `i`): the SUB's body with its parameters set to the arguments'
    /// values, which are restored afterwards.
    fn call_sub(
        &mut self,
        i: usize,
        name: &str,
        args: &[Expr],
        flow: &mut Flow,
    ) -> Result<(), ScriptError> {
        let (body, saved) = self.enter_sub(i, name, args)?;
        self.calls += 1;
        let result = self.nested(i, &body, flow);
        self.calls -= 1;
        for (p, old) in saved {
            match old {
                Some(v) => self.vars.insert(p, v),
                None => self.vars.remove(&p),
            };
        }
        result
    }

    /// Finds the SUB a CALL names, checks the call depth and sets its parameters; answers its body and
    /// the parameters' previous values.
    #[allow(clippy::type_complexity)]
    fn enter_sub(
        &mut self,
        i: usize,
        name: &str,
        args: &[Expr],
    ) -> Result<(std::rc::Rc<Vec<Node>>, Vec<(String, Option<String>)>), ScriptError> {
        let max_calls = self.env.limits.max_call_depth;
        if self.calls >= max_calls {
            return Err(self.err(
                i,
                &format!(
                    "CALL {name}: SUB calls nested more than {max_calls} deep (does a SUB call itself without end?)"
                ),
            ));
        }
        // The arguments evaluate expressions, which may read any table.
        self.materialize_all(i)?;
        let (params, body) = self
            .subs
            .get(&name.to_ascii_lowercase())
            .cloned()
            .ok_or_else(|| self.err(i, &format!("SUB {name} is not defined")))?;
        let values: Vec<String> = args
            .iter()
            .map(|e| self.eval_norow(e).text().unwrap_or_default())
            .collect();
        let saved: Vec<(String, Option<String>)> = params
            .iter()
            .map(|p| (p.clone(), self.vars.get(p).cloned()))
            .collect();
        for (p, v) in params.iter().zip(values) {
            self.vars.insert(p.clone(), v);
        }
        Ok((body, saved))
    }

    /// Runs the simple statement `st` (statement `nodes[*k]`); a LOAD without a source takes the
    /// following LOADs it reads from, moving `*k` to the last of them.
    fn simple_node(
        &mut self,
        nodes: &[Node],
        k: &mut usize,
        st: Statement,
        flow: &mut Flow,
    ) -> Result<(), ScriptError> {
        let Some(&Node::Simple(i)) = nodes.get(*k) else {
            return Ok(());
        };
        let optimized = match &st {
            Statement::Load(l) => self.optimized_load(l, i)?,
            _ => false,
        };
        if optimized {
            // Read straight into columns; nothing else to do.
        } else if let Statement::Load(l) = st {
            self.materialize_all(i)?;
            // Stacked preceding loads take the following LOADs until one has a source.
            let mut chain = vec![(l, i)];
            while chain
                .last()
                .is_some_and(|(l, _)| l.source == Source::Preceding)
            {
                *k += 1;
                let Some(Node::Simple(j)) = nodes.get(*k) else {
                    return Err(self.err(
                        chain[0].1,
                        "a LOAD without a source must be followed by the LOAD it reads from",
                    ));
                };
                match self.statement(*j)? {
                    Statement::Load(next) => chain.push((next, *j)),
                    _ => return Err(self.err(*j, "a preceding LOAD must be followed by a LOAD")),
                }
            }
            self.load(chain)?;
        } else {
            if !matches!(
                st,
                Statement::DropTables(_)
                    | Statement::Trace(_)
                    | Statement::CommentField(..)
                    | Statement::TagField(..)
                    | Statement::Qualify(_)
                    | Statement::Unqualify(_)
            ) {
                self.materialize_all(i)?;
            }
            self.simple(i, st, flow)?;
        }
        Ok(())
    }

    /// Whether the condition of IF or ELSEIF statement `i` holds.
    fn condition(&mut self, i: usize) -> Result<bool, ScriptError> {
        // Conditions evaluate expressions, which may read any table.
        self.materialize_all(i)?;
        match self.statement(i)? {
            Statement::If(e) | Statement::ElseIf(e) => Ok(self.eval_norow(&e).truthy()),
            _ => Err(self.err(i, "expected IF or ELSEIF")),
        }
    }

    /// Runs the first branch of an IF whose condition holds (or its ELSE).
    fn if_node(
        &mut self,
        branches: &[(Option<usize>, Vec<Node>)],
        flow: &mut Flow,
    ) -> Result<(), ScriptError> {
        // An ELSE body is opened by the IF.
        let opening = branches.first().and_then(|b| b.0).unwrap_or(0);
        for (cond, body) in branches {
            let take = match cond {
                None => true,
                Some(ci) => self.condition(*ci)?,
            };
            if take {
                return self.nested(cond.unwrap_or(opening), body, flow);
            }
        }
        Ok(())
    }

    /// What FOR or FOR EACH statement `i` loops over.
    fn loop_over(&mut self, i: usize) -> Result<LoopOver, ScriptError> {
        // Loop bounds evaluate expressions, which may read any table.
        self.materialize_all(i)?;
        match self.statement(i)? {
            Statement::For {
                var,
                from,
                to,
                step,
            } => {
                let mut bound = |e: &Expr, what: &str| {
                    self.eval_norow(e)
                        .num()
                        .ok_or_else(|| format!("{what} is not a number"))
                };
                match (
                    bound(&from, "FOR start"),
                    bound(&to, "FOR end"),
                    step.map_or(Ok(1.0), |s| bound(&s, "STEP")),
                ) {
                    (Ok(_), Ok(_), Ok(0.0)) => Err(self.err(i, "STEP 0 would never end")),
                    (Ok(from), Ok(to), Ok(step)) => Ok(LoopOver::Range {
                        var,
                        from,
                        to,
                        step,
                    }),
                    (Err(m), _, _) | (_, Err(m), _) | (_, _, Err(m)) => Err(self.err(i, &m)),
                }
            }
            Statement::ForEach { var, items } => {
                let values = items
                    .iter()
                    .map(|e| self.eval_norow(e).text().unwrap_or_default())
                    .collect();
                Ok(LoopOver::Each { var, values })
            }
            _ => Err(self.err(i, "expected FOR")),
        }
    }

    /// Runs a FOR or FOR EACH loop (statement `i`). The cancel flag is read before every round.
    fn for_node(&mut self, i: usize, body: &[Node], flow: &mut Flow) -> Result<(), ScriptError> {
        match self.loop_over(i)? {
            LoopOver::Range {
                var,
                from,
                to,
                step,
            } => {
                let mut v = from;
                while (step > 0.0 && v <= to) || (step < 0.0 && v >= to) {
                    self.next_round(i, &var, qix_expr::format_number(v))?;
                    self.nested(i, body, flow)?;
                    if flow.exit {
                        break;
                    }
                    let next = v + step;
                    if next == v {
                        return Err(self.err(
                            i,
                            "FOR would never end: STEP is too small to change the loop variable",
                        ));
                    }
                    v = next;
                }
            }
            LoopOver::Each { var, values } => {
                for v in values {
                    self.next_round(i, &var, v)?;
                    self.nested(i, body, flow)?;
                    if flow.exit {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Starts a round of loop `i`: the cancel flag, then the loop variable.
    fn next_round(&mut self, i: usize, var: &str, value: String) -> Result<(), ScriptError> {
        if self.cancelled() {
            return Err(self.err(i, "reload cancelled"));
        }
        self.vars.insert(var.to_string(), value);
        Ok(())
    }

    fn simple(&mut self, i: usize, st: Statement, flow: &mut Flow) -> Result<(), ScriptError> {
        match st {
            Statement::Let(name, e) => {
                if name.ends_with("Names") {
                    self.names = None;
                }
                let v = self.eval_norow(&e);
                match v.text() {
                    Some(t) => self.vars.insert(name, t),
                    None => self.vars.remove(&name),
                };
            }
            Statement::Set(name, value) => {
                if name.ends_with("Names") {
                    self.names = None;
                }
                self.vars.insert(name, value);
            }
            Statement::Trace(t) => self.log.push(t),
            Statement::ExitScript => flow.exit = true,
            Statement::DropTables(names) => {
                for n in names {
                    let before = self.tables.len();
                    self.tables.retain(|t| t.name != n);
                    if before == self.tables.len() {
                        return Err(self.err(i, &format!("table {n} not found")));
                    }
                }
            }
            Statement::DropFields(fields, from) => {
                let mut found = false;
                for t in self
                    .tables
                    .iter_mut()
                    .filter(|t| from.is_empty() || from.contains(&t.name))
                {
                    for f in &fields {
                        if let Some(c) = t.fields.iter().position(|x| x == f) {
                            found = true;
                            t.fields.remove(c);
                            for r in &mut t.rows {
                                r.remove(c);
                            }
                        }
                    }
                }
                if !found {
                    return Err(self.err(i, &format!("field {} not found", fields.join(", "))));
                }
                self.tables.retain(|t| !t.fields.is_empty());
            }
            Statement::RenameTables(pairs) => {
                for (a, b) in pairs {
                    let t = self
                        .tables
                        .iter_mut()
                        .find(|t| t.name == a)
                        .ok_or_else(|| ScriptError::at(0, 0, "", ""));
                    match t {
                        Ok(t) => t.name = b,
                        Err(_) => return Err(self.err(i, &format!("table {a} not found"))),
                    }
                }
            }
            Statement::RenameFields(pairs) => {
                for (a, b) in pairs {
                    for t in &mut self.tables {
                        for f in &mut t.fields {
                            if *f == a {
                                *f = b.clone();
                            }
                        }
                    }
                }
            }
            Statement::Store {
                table,
                path: p,
                format,
            } => {
                let t = self
                    .tables
                    .iter()
                    .find(|t| t.name == table)
                    .ok_or_else(|| self.err(i, &format!("table {table} not found")))?;
                let full = path::resolve(&p, self.env.connection, &self.env.default_dir)
                    .map_err(|m| self.err(i, &m))?;
                let bytes = match format.as_str() {
                    "qvd" => qvd::write(&t.name, &t.fields, &t.rows),
                    "txt" | "csv" => {
                        text::write(&t.fields, &t.rows).map_err(|m| self.err(i, &m))?
                    }
                    "parquet" => parquet::write(&t.fields, &t.rows)
                        .map_err(|m| self.err(i, &format!("{p}: {m}")))?,
                    other => {
                        return Err(self.err(
                            i,
                            &format!("STORE to {other} is not supported (qvd, txt, parquet)"),
                        ))
                    }
                };
                let n = t.rows.len();
                write_atomically(&full, &bytes).map_err(|m| self.err(i, &m))?;
                self.log.push(format!("Stored {table} ({n} rows) into {p}"));
            }
            Statement::CommentField(f, c) => {
                self.comments.insert(f, c);
            }
            Statement::TagField(f, t) => self.tags.entry(f).or_default().push(t),
            Statement::Qualify(names) => {
                if names.iter().any(|n| n == "*") {
                    self.qualify = (true, HashSet::new());
                    self.unqualify.clear();
                } else {
                    self.qualify.1.extend(names.clone());
                    for n in &names {
                        self.unqualify.remove(n);
                    }
                }
            }
            Statement::Unqualify(names) => {
                if names.iter().any(|n| n == "*") {
                    self.qualify = (false, HashSet::new());
                } else {
                    self.unqualify.extend(names);
                }
            }
            Statement::Call(name, args) => self.call_sub(i, &name, &args, flow)?,
            Statement::Load(_)
            | Statement::If(_)
            | Statement::ElseIf(_)
            | Statement::Else
            | Statement::EndIf
            | Statement::For { .. }
            | Statement::ForEach { .. }
            | Statement::Next
            | Statement::Sub(..)
            | Statement::EndSub => {
                return Err(self.err(i, "misplaced statement"));
            }
        }
        Ok(())
    }

    /// The table with exactly these fields (in any order): where a LOAD concatenates automatically.
    fn table_with_fields(&self, fields: &[String]) -> Option<usize> {
        let mut wanted = fields.to_vec();
        wanted.sort();
        self.tables.iter().position(|t| {
            let mut f = t.fields.clone();
            f.sort();
            f == wanted
        })
    }

    /// Prefixes the fields QUALIFY names (and UNQUALIFY does not) with the table name.
    fn qualify_fields(&self, table: &str, fields: &mut [String]) {
        for f in fields {
            let q = (self.qualify.0 || self.qualify.1.contains(f)) && !self.unqualify.contains(f);
            if q && !f.contains('.') {
                *f = format!("{table}.{f}");
            }
        }
    }

    /// What is left of the row and memory limits now.
    fn budget(&self) -> Budget {
        let tables: usize = self
            .tables
            .iter()
            .map(|t| t.cols.as_ref().map_or(0, ColumnTable::bytes) + sources::rows_bytes(&t.rows))
            .sum();
        let mappings: usize = self
            .mappings
            .values()
            .map(|m| m.len() * MAPPING_ENTRY_BYTES)
            .sum();
        Budget {
            limits: self.env.limits,
            rows_made: self.rows_made,
            held: tables.saturating_add(mappings) as u64,
        }
    }

    /// Turns every optimized load's columns into rows (before a statement that reads rows), unless the
    /// rows would not fit the memory limit (statement `at` then fails).
    fn materialize_all(&mut self, at: usize) -> Result<(), ScriptError> {
        if self.tables.iter().all(|t| t.cols.is_none()) {
            return Ok(());
        }
        let budget = self.budget();
        let mut grows = 0u64;
        for t in &self.tables {
            if let Some(c) = &t.cols {
                grows = grows.saturating_add(c.rows_bytes().saturating_sub(c.bytes()) as u64);
            }
        }
        budget.check(0, grows).map_err(|m| self.err(at, &m))?;
        for t in &mut self.tables {
            t.materialize();
        }
        Ok(())
    }

    /// An optimized load — `LOAD * FROM file` (QVD, Parquet or text) into a table of its own, with no WHERE, WHILE,
    /// DISTINCT or preceding load — reads the file column by column, and the model is built from those
    /// columns without a value per row (Qlik's "optimized" QVD load). Answers whether it handled `l`.
    fn optimized_load(&mut self, l: &Load, i: usize) -> Result<bool, ScriptError> {
        let Source::File { path: p, spec } = &l.source else {
            return Ok(false);
        };
        if l.fields != [FieldItem::Star]
            || l.where_.is_some()
            || l.while_.is_some()
            || l.distinct
            || !matches!(l.target, Target::Auto | Target::NoConcatenate)
        {
            return Ok(false);
        }
        let full = path::resolve(p, self.env.connection, &self.env.default_dir)
            .map_err(|m| self.err(i, &m))?;
        let ext = full
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let format = spec.format.clone().unwrap_or(match ext.as_str() {
            "qvd" | "parquet" => ext,
            _ => "txt".into(),
        });
        if !matches!(format.as_str(), "qvd" | "parquet" | "txt" | "csv") {
            return Ok(false);
        }
        // Errors: "cannot open <path>: ..." for the file, "<path>: ..." for its content.
        let read_all = || std::fs::read(&full).map_err(|e| format!("cannot open {p}: {e}"));
        let in_file = |m: String| format!("{p}: {m}");
        let budget = self.budget();
        let mut check = |rows: usize, bytes: usize| budget.check(rows as u64, bytes as u64);
        let read = match format.as_str() {
            "qvd" => {
                read_all().and_then(|b| qvd::read_columns_checked(&b, &mut check).map_err(in_file))
            }
            "parquet" => read_all()
                .and_then(|b| parquet::read_columns_checked(b, &mut check).map_err(in_file)),
            // Text streams from the file, so it is never held whole (unless the spec needs the whole text).
            _ => std::fs::File::open(&full)
                .map_err(|e| format!("cannot open {p}: {e}"))
                .and_then(|file| {
                    text_columns::read_columns_from_checked(file, spec, &mut check).map_err(in_file)
                })
                .and_then(|streamed| match streamed {
                    Some(t) => Ok(t),
                    None => read_all().and_then(|b| {
                        text::decode(b, spec.latin1)
                            .and_then(|t| text::read_columns(&t, spec))
                            .map_err(in_file)
                    }),
                }),
        };
        let mut table = read
            .and_then(|t| {
                // The whole-text reader has no checks of its own.
                budget.check(t.rows() as u64, t.bytes() as u64)?;
                Ok(t)
            })
            .map_err(|m| self.err(i, &m))?;
        let stem = full
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("Table")
            .to_string();
        let name = l.label.clone().unwrap_or(stem);
        self.qualify_fields(&name, &mut table.fields);
        if l.target == Target::Auto && self.table_with_fields(&table.fields).is_some() {
            // Auto-concatenation appends rows: the ordinary path does it.
            return Ok(false);
        }
        let rows = table.rows();
        self.rows_made = self.rows_made.saturating_add(rows as u64);
        if let Some(progress) = self.env.progress {
            progress(&name, rows);
        }
        self.add_table(Table {
            name: name.clone(),
            fields: table.fields.clone(),
            rows: vec![],
            cols: Some(table),
        });
        self.log.push(format!("{name} << {rows} rows (optimized)"));
        Ok(true)
    }

    /// Reads the bottom source of a LOAD chain.
    fn source(&mut self, l: &Load, i: usize) -> Result<(Input, String), ScriptError> {
        let budget = self.budget();
        let mut check = |rows: usize, bytes: usize| budget.check(rows as u64, bytes as u64);
        match &l.source {
            Source::Inline { data, spec } => Ok((
                Input::Rows(
                    text::read_checked(data, spec, true, &mut check)
                        .map_err(|m| self.err(i, &m))?,
                ),
                "INLINE".into(),
            )),
            Source::Resident(t) => {
                let t = self
                    .tables
                    .iter()
                    .find(|x| x.name == *t)
                    .ok_or_else(|| self.err(i, &format!("table {t} not found")))?;
                // The rows are copied: the copy must fit too.
                budget
                    .check(0, sources::rows_bytes(&t.rows) as u64)
                    .map_err(|m| self.err(i, &m))?;
                Ok((
                    Input::Rows(RawTable {
                        fields: t.fields.clone(),
                        rows: t.rows.clone(),
                    }),
                    t.name.clone(),
                ))
            }
            Source::Autogenerate(e) => {
                let n = self
                    .eval_norow(e)
                    .num()
                    .ok_or_else(|| self.err(i, "AUTOGENERATE needs a number"))?;
                if !(n >= 0.0 && n.is_finite()) {
                    return Err(self.err(i, "AUTOGENERATE count out of range"));
                }
                // Nothing is allocated per record; a count the row limit cannot take fails here, as does
                // one whose rows (each at least a row of cells) would not fit the memory limit.
                let n = n as u64;
                let row = std::mem::size_of::<Vec<Cell>>() + l.fields.len() * CELL_BYTES;
                let bytes = if l.where_.is_some() {
                    0
                } else {
                    n.saturating_mul(row as u64)
                };
                budget
                    .check(n, bytes)
                    .map_err(|m| self.err(i, &format!("AUTOGENERATE {n}: {m}")))?;
                Ok((
                    Input::Generate(usize::try_from(n).unwrap_or(usize::MAX)),
                    "AUTOGENERATE".into(),
                ))
            }
            Source::File { path: p, spec } => {
                let full = path::resolve(p, self.env.connection, &self.env.default_dir)
                    .map_err(|m| self.err(i, &m))?;
                let bytes = std::fs::read(&full)
                    .map_err(|e| self.err(i, &format!("cannot open {p}: {e}")))?;
                let ext = full
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let format = spec.format.clone().unwrap_or(match ext.as_str() {
                    "qvd" => "qvd".into(),
                    "parquet" => "parquet".into(),
                    _ => "txt".into(),
                });
                // Column readers are turned into rows only when the rows fit.
                let into_rows = |t: ColumnTable| -> Result<RawTable, String> {
                    budget.check(t.rows() as u64, t.rows_bytes() as u64)?;
                    Ok(t.into_rows())
                };
                let table = match format.as_str() {
                    "qvd" => qvd::read_columns_checked(&bytes, &mut check).and_then(into_rows),
                    "parquet" => {
                        parquet::read_columns_checked(bytes, &mut check).and_then(into_rows)
                    }
                    "txt" | "csv" => text::decode(bytes, spec.latin1)
                        .and_then(|content| text::read_checked(&content, spec, false, &mut check)),
                    other => Err(format!(
                        "the {other} format is not supported (txt, csv, qvd, parquet)"
                    )),
                }
                .map_err(|m| self.err(i, &format!("{p}: {m}")))?;
                let stem = full
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("Table")
                    .to_string();
                Ok((Input::Rows(table), stem))
            }
            Source::Preceding => Err(self.err(i, "a LOAD without a source")),
        }
    }

    /// The names of the fields a LOAD makes from input fields `input`; a name given twice is an error.
    fn field_names(
        &self,
        l: &Load,
        i: usize,
        input: &[String],
    ) -> Result<Vec<String>, ScriptError> {
        let mut names = Vec::new();
        for f in &l.fields {
            match f {
                FieldItem::Star => names.extend(input.iter().cloned()),
                FieldItem::Expr { name, .. } => names.push(name.clone()),
            }
        }
        for (k, n) in names.iter().enumerate() {
            if names[..k].contains(n) {
                return Err(self.err(i, &format!("field {n} appears twice in the LOAD")));
            }
        }
        Ok(names)
    }

    /// Whether the optional condition `e` holds for a record (no condition always holds).
    fn holds(&mut self, e: &Option<Expr>, ctx: &RowCtx<'_>) -> bool {
        match e {
            Some(e) => qix_expr::eval(e, &mut RowScope { ex: self, ctx }).truthy(),
            None => true,
        }
    }

    /// The cells a LOAD's field list makes of a record.
    fn row_values(&mut self, l: &Load, row: &[Cell], ctx: &RowCtx<'_>, width: usize) -> Vec<Cell> {
        let mut out = Vec::with_capacity(width);
        for f in &l.fields {
            match f {
                FieldItem::Star => out.extend(row.iter().cloned()),
                FieldItem::Expr { expr, .. } => {
                    out.push(to_cell(qix_expr::eval(
                        expr,
                        &mut RowScope { ex: self, ctx },
                    )));
                }
            }
        }
        out
    }

    /// Applies one LOAD's field list, WHERE, WHILE and DISTINCT to its input rows. Every row made counts
    /// against the row and memory limits as it is made; the cancel flag is read every 65,536 records or
    /// WHILE iterations.
    fn transform(
        &mut self,
        l: &Load,
        i: usize,
        input: Input,
        rowno_base: usize,
        table_name: &str,
    ) -> Result<RawTable, ScriptError> {
        let names = self.field_names(l, i, input.fields())?;
        let budget = self.budget();
        let input_bytes = input.bytes() as u64;
        let mut made_bytes = 0u64;
        let mut rows = Vec::new();
        let mut seen = HashSet::new();
        // Kept records, nearest first; `Previous` nests at most this deep.
        const PREVIOUS_DEPTH: usize = 32;
        let mut back: Vec<&[Cell]> = Vec::with_capacity(PREVIOUS_DEPTH + 1);
        let mut steps = 0usize;
        for r in 0..input.len() {
            let row = input.row(r);
            let mut iterno = 1;
            let mut kept = false;
            loop {
                if steps & 0xFFFF == 0 {
                    if self.cancelled() {
                        return Err(self.err(i, "reload cancelled"));
                    }
                    if let Some(p) = self.env.progress {
                        p(table_name, rows.len());
                    }
                }
                steps += 1;
                let ctx = RowCtx {
                    fields: input.fields(),
                    row,
                    recno: r + 1,
                    rowno: rowno_base + rows.len() + 1,
                    iterno,
                    back: &back,
                };
                if !self.holds(&l.while_, &ctx) {
                    break;
                }
                let pass = self.holds(&l.where_, &ctx);
                if pass {
                    let out = self.row_values(l, row, &ctx, names.len());
                    if !l.distinct
                        || seen.insert(out.iter().map(cell_key).collect::<Vec<_>>().join("\u{1e}"))
                    {
                        made_bytes = made_bytes.saturating_add(sources::row_bytes(&out) as u64);
                        rows.push(out);
                        budget
                            .check(rows.len() as u64, input_bytes.saturating_add(made_bytes))
                            .map_err(|m| self.err(i, &m))?;
                    }
                }
                kept |= pass;
                if l.while_.is_none() {
                    break;
                }
                if iterno >= 1_000_000 {
                    return Err(self.err(
                        i,
                        "WHILE did not end after 1,000,000 iterations of one record",
                    ));
                }
                iterno += 1;
            }
            if kept {
                back.insert(0, row);
                back.truncate(PREVIOUS_DEPTH);
            }
        }
        self.rows_made = self.rows_made.saturating_add(rows.len() as u64);
        Ok(RawTable {
            fields: names,
            rows,
        })
    }

    fn load(&mut self, mut chain: Vec<(Load, usize)>) -> Result<(), ScriptError> {
        let (bottom, bi) = chain
            .pop()
            .ok_or_else(|| ScriptError::at(0, 0, "", "empty LOAD chain"))?;
        let (top, ti) = chain
            .first()
            .cloned()
            .unwrap_or_else(|| (bottom.clone(), bi));
        let (input, default_name) = self.source(&bottom, bi)?;
        let name = top.label.clone().unwrap_or(default_name);
        let existing = match &top.target {
            Target::Concatenate(t) | Target::Join(_, t) | Target::Keep(_, t) => match t {
                Some(t) => Some(
                    self.tables
                        .iter()
                        .position(|x| x.name == *t)
                        .ok_or_else(|| self.err(ti, &format!("table {t} not found")))?,
                ),
                None if self.tables.is_empty() => {
                    return Err(self.err(ti, "no table to concatenate or join to"))
                }
                None => Some(self.tables.len() - 1),
            },
            _ => None,
        };
        let rowno_base = match (&top.target, existing) {
            (Target::Concatenate(_), Some(e)) => self.tables[e].rows.len(),
            _ => 0,
        };
        let mut data = self.transform(
            &bottom,
            bi,
            input,
            if chain.is_empty() { rowno_base } else { 0 },
            &name,
        )?;
        while let Some((l, li)) = chain.pop() {
            let base = if chain.is_empty() { rowno_base } else { 0 };
            data = self.transform(&l, li, Input::Rows(data), base, &name)?;
        }
        if let Some(p) = self.env.progress {
            p(&name, data.rows.len());
        }
        // Qualified names.
        if !matches!(top.target, Target::Mapping) {
            self.qualify_fields(&name, &mut data.fields);
        }
        let rows = data.rows.len();
        match (&top.target, existing) {
            (Target::Mapping, _) => {
                if data.fields.len() < 2 {
                    return Err(self.err(ti, "a MAPPING LOAD needs two fields"));
                }
                let map: HashMap<String, Cell> = data
                    .rows
                    .into_iter()
                    .rev()
                    .filter_map(|r| Some((cell_key(r.first()?), r.get(1)?.clone())))
                    .collect();
                self.mappings.insert(name.clone(), map);
                self.log.push(format!("{name}: mapping, {rows} rows"));
                return Ok(());
            }
            (Target::Concatenate(_), Some(e)) => append(&mut self.tables[e], data),
            (Target::Join(kind, _), Some(e)) => {
                let budget = self.budget();
                let mut check = |rows: usize, bytes: usize| budget.check(rows as u64, bytes as u64);
                let made = join(&mut self.tables[e], data, *kind, &mut check)
                    .map_err(|m| self.err(ti, &m))?;
                self.rows_made = self.rows_made.saturating_add(made as u64);
            }
            (Target::Keep(kind, _), Some(e)) => {
                let mut new = keep(&mut self.tables[e], data, *kind);
                new.name = name.clone();
                self.add_table(new);
            }
            (Target::NoConcatenate, _) => self.add_table(Table {
                name: name.clone(),
                fields: data.fields,
                rows: data.rows,
                cols: None,
            }),
            _ => match self.table_with_fields(&data.fields) {
                Some(e) => append(&mut self.tables[e], data),
                None => self.add_table(Table {
                    name: name.clone(),
                    fields: data.fields,
                    rows: data.rows,
                    cols: None,
                }),
            },
        }
        self.log.push(format!("{name} << {rows} rows"));
        Ok(())
    }

    fn add_table(&mut self, mut t: Table) {
        if self.tables.iter().any(|x| x.name == t.name) {
            let mut k = 1;
            while self
                .tables
                .iter()
                .any(|x| x.name == format!("{}-{k}", t.name))
            {
                k += 1;
            }
            t.name = format!("{}-{k}", t.name);
        }
        self.tables.push(t);
    }

    fn model(&mut self) -> Result<DataModel, ScriptError> {
        let mut b = ModelBuilder::new();
        for t in &mut self.tables {
            let fields: Vec<&str> = t.fields.iter().map(String::as_str).collect();
            let h = b
                .add_table(&t.name, &fields)
                .map_err(|e| ScriptError::at(0, 0, "", &e.to_string()))?;
            match t.cols.take() {
                Some(c) => {
                    for (j, col) in c.columns.into_iter().enumerate() {
                        b.push_indexed(h, j, col.values, col.index);
                    }
                }
                None => {
                    for r in &t.rows {
                        b.push_row(h, r)
                            .map_err(|e| ScriptError::at(0, 0, "", &e.to_string()))?;
                    }
                }
            }
        }
        b.build()
            .map_err(|e| ScriptError::at(0, 0, "", &e.to_string()))
    }
}

/// Appends rows, matching fields by name; missing fields are NULL, new fields are added.
fn append(t: &mut Table, data: RawTable) {
    let mut map = Vec::new();
    for f in &data.fields {
        let idx = match t.fields.iter().position(|x| x == f) {
            Some(i) => i,
            None => {
                t.fields.push(f.clone());
                for r in &mut t.rows {
                    r.push(None);
                }
                t.fields.len() - 1
            }
        };
        map.push(idx);
    }
    let width = t.fields.len();
    for r in data.rows {
        let mut out = vec![None; width];
        for (c, v) in map.iter().zip(r) {
            out[*c] = v;
        }
        t.rows.push(out);
    }
}

/// Column pairs (index in `t`, index in `data`) of the fields both tables have.
fn common_fields(t: &[String], data: &[String]) -> Vec<(usize, usize)> {
    t.iter()
        .enumerate()
        .filter_map(|(i, f)| data.iter().position(|g| g == f).map(|j| (i, j)))
        .collect()
}

/// The key of a row over some of its columns, for matching rows of two tables.
fn row_key(row: &[Cell], cols: impl Iterator<Item = usize>) -> String {
    cols.map(|c| row.get(c).map_or_else(|| cell_key(&None), cell_key))
        .collect::<Vec<_>>()
        .join("\u{1e}")
}

/// Natural join on the fields both have (a cross join when none). The rows it would make are counted
/// first and put to `check` (with the bytes of `data` and of the rows to make): a join may multiply rows.
/// Answers how many rows the table has now.
fn join(
    t: &mut Table,
    data: RawTable,
    kind: JoinKind,
    check: &mut Check<'_>,
) -> Result<usize, String> {
    let common = common_fields(&t.fields, &data.fields);
    let extra: Vec<usize> = (0..data.fields.len())
        .filter(|j| !common.iter().any(|c| c.1 == *j))
        .collect();
    let key_t = |r: &Vec<Cell>| row_key(r, common.iter().map(|c| c.0));
    let key_d = |r: &Vec<Cell>| row_key(r, common.iter().map(|c| c.1));
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (k, r) in data.rows.iter().enumerate() {
        index.entry(key_d(r)).or_default().push(k);
    }
    let matches: Vec<Option<&Vec<usize>>> = t.rows.iter().map(|r| index.get(&key_t(r))).collect();
    let mut used = vec![false; data.rows.len()];
    let mut count = 0usize;
    for m in &matches {
        match m {
            Some(ms) => {
                count = count.saturating_add(ms.len());
                for &k in ms.iter() {
                    used[k] = true;
                }
            }
            None if matches!(kind, JoinKind::Left | JoinKind::Outer) => count += 1,
            None => {}
        }
    }
    if matches!(kind, JoinKind::Right | JoinKind::Outer) {
        count += used.iter().filter(|u| !**u).count();
    }
    let average = |rows: &[Vec<Cell>]| sources::rows_bytes(rows) / rows.len().max(1);
    let data_bytes = sources::rows_bytes(&data.rows);
    let per_row = average(&t.rows) + average(&data.rows);
    check(
        count,
        data_bytes.saturating_add(count.saturating_mul(per_row)),
    )?;
    let cell = |r: &[Cell], j: usize| r.get(j).cloned().flatten();
    let mut rows = Vec::with_capacity(count);
    for (r, m) in t.rows.iter().zip(&matches) {
        match m {
            Some(ms) => {
                for &k in ms.iter() {
                    let mut out = r.clone();
                    out.extend(extra.iter().map(|j| cell(&data.rows[k], *j)));
                    rows.push(out);
                }
            }
            None if matches!(kind, JoinKind::Left | JoinKind::Outer) => {
                let mut out = r.clone();
                out.extend(extra.iter().map(|_| None));
                rows.push(out);
            }
            None => {}
        }
    }
    if matches!(kind, JoinKind::Right | JoinKind::Outer) {
        for (k, r) in data.rows.iter().enumerate() {
            if !used[k] {
                let mut out = vec![None; t.fields.len()];
                for (i, j) in &common {
                    out[*i] = cell(r, *j);
                }
                out.extend(extra.iter().map(|j| cell(r, *j)));
                rows.push(out);
            }
        }
    }
    t.fields
        .extend(extra.iter().map(|j| data.fields[*j].clone()));
    t.rows = rows;
    Ok(count)
}

/// KEEP: both tables stay, each reduced to the rows the join kind keeps.
fn keep(t: &mut Table, data: RawTable, kind: JoinKind) -> Table {
    let common = common_fields(&t.fields, &data.fields);
    let kt: HashSet<String> = t
        .rows
        .iter()
        .map(|r| row_key(r, common.iter().map(|c| c.0)))
        .collect();
    let kd: HashSet<String> = data
        .rows
        .iter()
        .map(|r| row_key(r, common.iter().map(|c| c.1)))
        .collect();
    let mut new_rows = data.rows;
    if matches!(kind, JoinKind::Left | JoinKind::Inner) {
        new_rows.retain(|r| kt.contains(&row_key(r, common.iter().map(|c| c.1))));
    }
    if matches!(kind, JoinKind::Right | JoinKind::Inner) {
        t.rows
            .retain(|r| kd.contains(&row_key(r, common.iter().map(|c| c.0))));
    }
    // The caller names the new table (its label, or the source's name).
    Table {
        name: String::new(),
        fields: data.fields,
        rows: new_rows,
        cols: None,
    }
}

/// A 128-bit hash of text, as 22 URL-safe characters (like Qlik's Hash128; the values differ from Qlik's).
fn hash128(s: &str) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for byte in s.bytes() {
        a = (a ^ byte as u64).wrapping_mul(0x0000_0100_0000_01B3);
        b = (b ^ byte as u64)
            .wrapping_mul(0x0000_0001_0000_01B3)
            .rotate_left(7);
    }
    let v = (a as u128) << 64 | b as u128;
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..22)
        .map(|k| T[((v >> (k * 6)) & 63) as usize] as char)
        .collect()
}

/// Writes a file through a temporary name and a rename, so a failed write leaves no half file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // A fresh name, opened with create_new: never an existing file, nor a link planted under that name.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("{}-{n}.qixd-tmp", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let written = f
        .write_all(bytes)
        .and_then(|_| f.sync_all())
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    Ok(())
}
