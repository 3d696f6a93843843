//! The block structure of a script (IF / ELSEIF / ELSE, FOR ... NEXT, SUB ... END SUB) built from its
//! statements before anything runs, and the syntax check that needs no run ([`check_syntax`]).

use crate::error::ScriptError;
use crate::limits::Limits;
use crate::parse::parse_statement;
use crate::split::{split, RawStatement};

/// Control-flow structure of the script.
#[derive(Debug, Clone)]
pub(super) enum Node {
    /// A statement that opens no block (its index).
    Simple(usize),
    /// IF's branches: the IF or ELSEIF statement with the condition (none for ELSE) and its body.
    If(Vec<(Option<usize>, Vec<Node>)>),
    /// A FOR or FOR EACH statement and its body.
    For(usize, Vec<Node>),
    /// A SUB statement and its body.
    Sub(usize, Vec<Node>),
}

fn first_words(s: &str) -> (String, String) {
    let mut w = s.split_whitespace().map(|w| w.to_ascii_uppercase());
    (w.next().unwrap_or_default(), w.next().unwrap_or_default())
}

/// Builds the block structure of `stmts` from `*i` up to one of the closing statements `until` (which
/// it answers). `depth` blocks are open around it; opening more than `max_nesting` is an error, so the
/// recursion (and every later walk over the tree) stays shallow whatever the script.
pub(super) fn build(
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
