//! The grammar of the load script and of chart expressions as the engine hands it to editors
//! (`GetBaseBNF`, `GetBNF`, `GetExpressionBNF`, `GetFunctions`): a flat list of `BNFDef`s, each rule
//! naming its parts by number, each literal (keyword, function name, operator) flagged for syntax
//! highlighting — `qScriptStatement`, `qControlStatement`, `qQvFunc` / `qAggrFunc` with the function's
//! group (`qFG`).
//!
//! The functions come from the expression crate's registry, so the grammar lists exactly what qixd
//! parses: functions not implemented yet are left out.

use qix_expr::{function_reference, Availability, FunctionGroup};
use serde_json::{json, Value};

/// Which grammar: the load script (`S`) or chart expressions (`E`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BnfType {
    /// `S` / 0: script statements, control statements and the script's functions.
    Script,
    /// `E` / 1: the chart functions.
    Expression,
}

impl BnfType {
    /// Reads `qBnfType`: `S` / `E` (or the long names), or the enum's number 0 / 1 as old clients send it.
    pub fn parse(v: Option<&Value>) -> Option<BnfType> {
        match v? {
            Value::Number(n) => match n.as_i64()? {
                0 => Some(BnfType::Script),
                1 => Some(BnfType::Expression),
                _ => None,
            },
            Value::String(s) => match s.as_str() {
                "S" | "SCRIPT_TEXT_SCRIPT" => Some(BnfType::Script),
                "E" | "SCRIPT_TEXT_EXPRESSION" => Some(BnfType::Expression),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The statements of the load script that are not control statements.
const SCRIPT_STATEMENTS: &[&str] = &[
    "Load",
    "Select",
    "Set",
    "Let",
    "Store",
    "Drop",
    "Rename",
    "Qualify",
    "Unqualify",
    "Concatenate",
    "NoConcatenate",
    "Join",
    "Keep",
    "Inner",
    "Outer",
    "Left",
    "Right",
    "Mapping",
    "Resident",
    "Inline",
    "Autogenerate",
    "From",
    "Where",
    "While",
    "Group",
    "Order",
    "By",
    "Distinct",
    "As",
    "Table",
    "Tables",
    "Field",
    "Fields",
    "Into",
    "Sleep",
    "Trace",
    "Binary",
    "Directory",
    "Crosstable",
    "Generic",
    "IntervalMatch",
    "Hierarchy",
    "Sql",
    "Connect",
    "Disconnect",
    "Lib",
    "Comment",
    "Tag",
    "Untag",
    "Exists",
    "Add",
    "Only",
    "Replace",
    "Buffer",
    "First",
    "Sample",
    "NullAsValue",
    "NullAsNull",
];

/// The control statements of the load script.
const CONTROL_STATEMENTS: &[&str] = &[
    "If", "Then", "ElseIf", "Else", "End", "For", "Each", "In", "To", "Step", "Next", "Do", "Loop",
    "Until", "Sub", "Call", "Exit", "Script", "Switch", "Case", "Default", "When", "Unless",
];

/// Operators and punctuation of both grammars.
const OPERATORS: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "&",
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "(",
    ")",
    ",",
    ";",
    "[",
    "]",
    "{",
    "}",
    "and",
    "or",
    "not",
    "xor",
    "like",
    "precedes",
    "follows",
    "bitand",
    "bitor",
    "bitnot",
    "bitxor",
    ">>",
    "<<",
    "$(",
    "TOTAL",
    "DISTINCT",
    "NODISTINCT",
    "ALL",
];

/// A function group's `qFG` code, as `FunctionGroup` in the engine's API names it.
fn group_code(g: FunctionGroup) -> &'static str {
    match g {
        FunctionGroup::Aggregation => "AGGR",
        FunctionGroup::Color => "CLR",
        FunctionGroup::Conditional => "CND",
        FunctionGroup::Counter => "COUNT",
        FunctionGroup::DateTime => "DATE",
        FunctionGroup::Exponential => "EXP",
        FunctionGroup::Field => "U",
        FunctionGroup::File => "FILE",
        FunctionGroup::Formatting => "FRMT",
        FunctionGroup::GeneralNumeric => "NUM",
        FunctionGroup::InterRecord => "RCRD",
        FunctionGroup::Interpretation => "NUMI",
        FunctionGroup::Logical => "LOG",
        FunctionGroup::Mapping => "MAPP",
        FunctionGroup::Mathematical => "MATH",
        FunctionGroup::Null => "NULL",
        FunctionGroup::Range => "RNG",
        FunctionGroup::Ranking => "RNK",
        FunctionGroup::String => "STR",
        FunctionGroup::Table => "TBL",
        FunctionGroup::Trigonometric => "TRIG",
    }
}

/// A function of the grammar: name, group, whether it aggregates.
struct Func {
    name: &'static str,
    group: FunctionGroup,
}

/// The functions a grammar offers: the script has no aggregations over chart rows nor chart functions;
/// charts have no script-only functions.
fn functions(t: BnfType) -> Vec<Func> {
    function_reference()
        .into_iter()
        .filter(|f| match (t, f.availability) {
            (_, Availability::NotYet) => false,
            (BnfType::Script, Availability::ChartsOnly) => f.group == FunctionGroup::Aggregation,
            (BnfType::Expression, Availability::ScriptOnly) => false,
            _ => true,
        })
        .map(|f| Func {
            name: f.name,
            group: f.group,
        })
        .collect()
}

/// The grammar as `BNFDef`s: rule 0 is the start symbol, then one rule per kind of token with its
/// literals after it.
pub fn defs(t: BnfType) -> Vec<Value> {
    let mut out: Vec<Value> = vec![];
    let start = if t == BnfType::Script {
        "Script"
    } else {
        "Expression"
    };
    out.push(rule(0, -1, start));
    let mut kinds: Vec<(&str, Vec<Value>)> = vec![];
    if t == BnfType::Script {
        kinds.push((
            "ScriptStatement",
            literals(SCRIPT_STATEMENTS, "qScriptStatement"),
        ));
        kinds.push((
            "ControlStatement",
            literals(CONTROL_STATEMENTS, "qControlStatement"),
        ));
    }
    kinds.push(("Function", function_literals(t)));
    kinds.push(("Operator", literals(OPERATORS, "")));
    for (name, lits) in kinds {
        let nbr = out.len() as i64;
        push_rule(&mut out, 0, nbr, name, lits);
    }
    out
}

/// Adds rule `nbr` under `parent` and its literals after it, linking both ways.
fn push_rule(out: &mut Vec<Value>, parent: i64, nbr: i64, name: &str, lits: Vec<Value>) {
    out.push(rule(nbr, parent, name));
    let mut members = vec![];
    for mut lit in lits {
        let n = out.len() as i64;
        lit["qNbr"] = json!(n);
        lit["qPNbr"] = json!(nbr);
        members.push(n);
        out.push(lit);
    }
    if let Some(r) = out.get_mut(nbr as usize) {
        r["qBnf"] = json!(members);
    }
    if let Some(arr) = out.first_mut().and_then(|s| s["qBnf"].as_array_mut()) {
        arr.push(json!(nbr));
    }
}

/// A rule token.
fn rule(nbr: i64, parent: i64, name: &str) -> Value {
    let mut d = base(name, "");
    d["qNbr"] = json!(nbr);
    d["qPNbr"] = json!(parent);
    d["qIsBnfRule"] = json!(true);
    d
}

/// Keyword or operator literals, with `flag` (if any) set.
fn literals(words: &[&str], flag: &str) -> Vec<Value> {
    words
        .iter()
        .map(|w| {
            let mut d = base(w, w);
            d["qBnfLiteral"] = json!(true);
            if !flag.is_empty() {
                d[flag] = json!(true);
            }
            d
        })
        .collect()
}

/// Function-name literals with their group.
fn function_literals(t: BnfType) -> Vec<Value> {
    functions(t)
        .into_iter()
        .map(|f| {
            let mut d = base(f.name, f.name);
            let aggr = f.group == FunctionGroup::Aggregation;
            d["qBnfLiteral"] = json!(true);
            d["qQvFunc"] = json!(!aggr);
            d["qAggrFunc"] = json!(aggr);
            d["qFG"] = json!(group_code(f.group));
            d["qFGList"] = json!([group_code(f.group)]);
            d
        })
        .collect()
}

/// A `BNFDef` with every flag false.
fn base(name: &str, literal: &str) -> Value {
    json!({"qBnf": [], "qNbr": 0, "qPNbr": 0, "qHelpId": -1, "qName": name, "qStr": literal,
           "qIsBnfRule": false, "qScriptStatement": false, "qControlStatement": false,
           "qBnfLiteral": false, "qQvFunc": false, "qAggrFunc": false, "qFG": "NONE",
           "qFieldFlag": false, "qMT": "N", "qDepr": false, "qFGList": []})
}

/// The grammar as text, one rule a line: `Rule ::= 'lit' | Other ;`.
pub fn text(defs: &[Value]) -> String {
    let name = |n: &Value| {
        let d = n
            .as_i64()
            .and_then(|i| defs.get(i as usize))
            .cloned()
            .unwrap_or(Value::Null);
        match d["qBnfLiteral"].as_bool() {
            Some(true) => format!("'{}'", d["qStr"].as_str().unwrap_or("")),
            _ => d["qName"].as_str().unwrap_or("").to_string(),
        }
    };
    defs.iter()
        .filter(|d| d["qIsBnfRule"] == json!(true))
        .map(|d| {
            let parts: Vec<String> = d["qBnf"]
                .as_array()
                .into_iter()
                .flatten()
                .map(name)
                .collect();
            format!(
                "{} ::= {} ;\n",
                d["qName"].as_str().unwrap_or(""),
                parts.join(" | ")
            )
        })
        .collect()
}

/// A stable hash of the grammar's text (FNV-1a, 64 bits, decimal), which changes when the grammar does.
pub fn hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.to_string()
}

/// `GetFunctions`: every function qixd evaluates, with its group and signature, optionally of one group
/// (`qGroup`: the `FunctionGroup` code, `ALL` for all).
pub fn function_list(group: Option<&str>) -> Vec<Value> {
    let mut all = functions(BnfType::Expression);
    for f in functions(BnfType::Script) {
        if !all.iter().any(|a| a.name == f.name) {
            all.push(f);
        }
    }
    all.into_iter()
        .filter(|f| group.is_none_or(|g| g == "ALL" || g == group_code(f.group)))
        .map(|f| json!({"qName": f.name, "qGroup": group_code(f.group), "qSignature": format!("{}()", f.name)}))
        .collect()
}

/// The code pages the load script reads a file in (`GetSupportedCodePages`): UTF-8 (the default, `utf8`)
/// and Latin-1 (`codepage is 1252`, `ansi`).
pub fn code_pages() -> Vec<Value> {
    [
        (65001, "UTF-8", "Unicode (UTF-8)"),
        (1252, "Windows-1252", "Western European (Windows)"),
    ]
    .iter()
    .map(|(n, name, d)| json!({"qNumber": n, "qName": name, "qDescription": d}))
    .collect()
}
