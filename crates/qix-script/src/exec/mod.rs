//! Runs a script: control flow, variables and `$(...)` expansion, LOAD with its sources, prefixes and
//! preceding loads, and the statements that reshape tables; then builds the data model.
//!
//! This module holds the executor's state (`Exec`), what a reload is given and gives ([`LoadEnv`],
//! [`LoadOutput`]) and the statement loop; the rest is split by concern:
//! - `blocks`: the IF / FOR / SUB block structure built before the run, and [`check_syntax`];
//! - `control`: running IF, FOR and SUB / CALL blocks; `loops`: DO ... LOOP and SWITCH / CASE;
//! - `statements`: LET, SET, TRACE, DROP, RENAME, QUALIFY, COMMENT and TAG; `store`: STORE; `files`:
//!   the paths and formats of the files LOAD and STORE name;
//! - `load`: a LOAD from its source to its target table; `input`: the source it reads (INLINE,
//!   AUTOGENERATE, a file, RESIDENT); `columnar`: the field list, WHERE and DISTINCT on columns;
//!   `transform`: the same record by record (and WHILE), for what depends on the record's place;
//!   `join`: CONCATENATE, JOIN and KEEP; `columns`: whole-column operations they share; `prefixes`:
//!   FIRST and GENERIC; `hierarchy`: HIERARCHY and HIERARCHYBELONGSTO;
//! - `host`: what expressions see of the running script (the record, `RecNo`, `Peek`, dates, ...);
//! - `tables`: the script's tables (in the engine's column form) and the data model built from them;
//!   `budget`: the row and memory limits; `cells`: cells as expression values and as keys.

mod blocks;
mod budget;
mod cells;
mod columnar;
mod columns;
mod control;
mod crosstable;
mod errormode;
mod filelist;
mod files;
mod group;
mod hierarchy;
mod host;
mod include;
mod input;
mod intervalmatch;
mod join;
mod load;
mod loops;
mod partial;
mod prefixes;
mod pushdown;
mod statements;
mod store;
mod synthetic;
mod tables;
mod transform;

pub use blocks::{check_syntax, check_syntax_with};

use crate::ast::*;
use crate::error::ScriptError;
use crate::limits::Limits;
use crate::parse::parse_statement;
use crate::split::{split, RawStatement};
use blocks::{build, Node};
use control::Flow;
use errormode::StatementError;
use host::NoRow;
use include::include_directive;
use qix_engine::{DataModel, Dual};
use qix_expr::{Expr, Locale, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use tables::Table;

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

/// The running script.
struct Exec<'a> {
    env: &'a LoadEnv<'a>,
    stmts: Vec<RawStatement>,
    vars: BTreeMap<String, String>,
    tables: Vec<Table>,
    /// MAPPING LOAD tables: each key's cell key to the key's text and the value.
    mappings: HashMap<String, HashMap<String, (String, Cell)>>,
    subs: HashMap<String, (Vec<String>, Rc<Vec<Node>>)>,
    qualify: (bool, HashSet<String>),
    unqualify: HashSet<String>,
    log: Vec<String>,
    comments: HashMap<String, String>,
    tags: HashMap<String, Vec<String>>,
    rng: u64,
    /// The number and date settings of the script's variables (`DateFormat`, `MonthNames`, ...),
    /// changed when one of them is set.
    locale: Locale,
    /// CALLs in progress.
    calls: usize,
    /// Blocks (IF and FOR bodies, SUBs being called) in progress.
    depth: usize,
    /// Rows made so far, against [`Limits::max_rows`].
    rows_made: u64,
    /// `AutoNumber`'s counters: by AutoID, the number given to each value.
    autonumbers: HashMap<String, HashMap<String, usize>>,
    /// `Evaluate` calls in progress (an expression that evaluates itself stops at a bound).
    evaluating: usize,
    /// The values of each field the LOAD running record by record has made so far (as cell keys), for
    /// `Exists`, which sees them as loaded; empty outside such a LOAD.
    loading: HashMap<String, HashSet<String>>,
    /// The file the LOAD running now reads (for `FileName()` and the other file functions).
    current_file: Option<filelist::CurrentFile>,
    /// The files `$(Include=...)` brought in.
    includes: include::Includes,
    /// A partial reload: only ADD and REPLACE LOADs run.
    partial: bool,
}

/// Runs a script and builds its data model.
pub fn run(script: &str, env: &LoadEnv<'_>) -> Result<LoadOutput, ScriptError> {
    run_with(script, env, None)
}

/// Runs a script as a partial reload (Qlik's `DoReload(qPartial)`): the script starts from the tables
/// of `previous`, only its `ADD` and `REPLACE` LOADs load (see `partial`), and the tables no statement
/// touches keep their data.
pub fn run_partial(
    script: &str,
    env: &LoadEnv<'_>,
    previous: &DataModel,
) -> Result<LoadOutput, ScriptError> {
    run_with(script, env, Some(previous))
}

/// Runs a script, partially when `previous` is given.
fn run_with(
    script: &str,
    env: &LoadEnv<'_>,
    previous: Option<&DataModel>,
) -> Result<LoadOutput, ScriptError> {
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
        rng: 0x9E37_79B9_7F4A_7C15 ^ (qix_expr::dates::now().to_bits()),
        locale: Locale::default(),
        calls: 0,
        depth: 0,
        rows_made: 0,
        autonumbers: HashMap::new(),
        evaluating: 0,
        loading: HashMap::new(),
        current_file: None,
        includes: include::Includes::default(),
        partial: previous.is_some(),
    };
    if let Some(model) = previous {
        ex.start_from(model);
    }
    let mut flow = Flow {
        exit: false,
        leave: None,
    };
    ex.block(&nodes, &mut flow)?;
    let mut model = ex.model()?;
    model.locale = std::sync::Arc::new(ex.locale.clone());
    Ok(LoadOutput {
        model,
        log: ex.log,
        variables: ex.vars,
        field_comments: ex.comments,
        field_tags: ex.tags,
    })
}

impl Exec<'_> {
    fn err(&self, i: usize, msg: &str) -> ScriptError {
        let s = &self.stmts[i];
        match self.included_from(i) {
            Some(file) => ScriptError::at(s.line, s.col, &s.text, &format!("{msg} (in {file})")),
            None => ScriptError::at(s.line, s.col, &s.text, msg),
        }
    }

    fn cancelled(&self) -> bool {
        self.env.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
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
        while k < nodes.len() && !flow.stops() {
            if self.cancelled() {
                return Err(ScriptError::at(0, 0, "", "reload cancelled"));
            }
            match &nodes[k] {
                Node::Simple(i) => {
                    let result = self.simple_or_include(nodes, &mut k, *i, flow);
                    self.after_statement(result)?
                }
                Node::If(branches) => self.if_node(branches, flow)?,
                Node::For(i, body) => self.for_node(*i, body, flow)?,
                Node::Sub(i, body) => self.define_sub(*i, body)?,
                Node::Do(i, body, end) => self.do_node(*i, body, *end, flow)?,
                Node::Switch(i, branches) => self.switch_node(*i, branches, flow)?,
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

    /// Runs simple statement `i` (`nodes[*k]`): an include, a CALL, or any other.
    fn simple_or_include(
        &mut self,
        nodes: &[Node],
        k: &mut usize,
        i: usize,
        flow: &mut Flow,
    ) -> Result<(), StatementError> {
        if let Some((must, path)) = include_directive(&self.stmts[i].text) {
            let path = path.to_string();
            return self
                .include(i, must, &path, flow)
                .map_err(StatementError::Run);
        }
        match self.simple_statement(i).map_err(StatementError::Syntax)? {
            Statement::Call(name, args) => self.call_sub(i, &name, &args, flow),
            st => self.simple_node(nodes, k, st, flow),
        }
        .map_err(StatementError::Run)
    }

    /// Statement `i`, expanded and parsed.
    fn simple_statement(&mut self, i: usize) -> Result<Statement, ScriptError> {
        self.statement(i)
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
        if let Statement::Load(l) = st {
            let chain = self.load_chain(nodes, k, l, i)?;
            if !partial::runs(chain.first().and_then(|(l, _)| l.partial), self.partial) {
                return Ok(());
            }
            self.load_files(chain)
        } else {
            self.simple(i, st, flow)
        }
    }
}
