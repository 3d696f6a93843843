//! The block structure of a script (IF / ELSEIF / ELSE, FOR ... NEXT, DO ... LOOP, SWITCH / CASE /
//! DEFAULT, SUB ... END SUB, and where EXIT DO / FOR / SUB may stand) built from its
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
    /// A DO statement, its body and its LOOP statement.
    Do(usize, Vec<Node>, usize),
    /// A SWITCH statement and its branches: the CASE statement (none for DEFAULT) and its body.
    Switch(usize, Vec<(Option<usize>, Vec<Node>)>),
}

/// The branches of an IF or a SWITCH: the statement opening each (none for ELSE / DEFAULT) and its
/// body.
pub(super) type Branches = Vec<(Option<usize>, Vec<Node>)>;

fn first_words(s: &str) -> (String, String) {
    let mut w = s.split_whitespace().map(|w| w.to_ascii_uppercase());
    (w.next().unwrap_or_default(), w.next().unwrap_or_default())
}

/// The closing (or middle) statement `a b` is, if it is one: `ENDIF`, `ENDSUB`, `ENDSWITCH`, `ELSEIF`,
/// `ELSE`, `NEXT`, `LOOP`, `CASE` or `DEFAULT`.
fn closing_key(a: &str, b: &str) -> &'static str {
    match (a, b) {
        ("END", "IF") | ("ENDIF", _) => "ENDIF",
        ("END", "SUB") => "ENDSUB",
        ("END", "SWITCH") => "ENDSWITCH",
        ("ELSEIF", _) => "ELSEIF",
        ("ELSE", _) => "ELSE",
        ("NEXT", _) => "NEXT",
        ("LOOP", _) => "LOOP",
        ("CASE", _) => "CASE",
        ("DEFAULT", _) => "DEFAULT",
        _ => "",
    }
}

/// The statements of a script and the nesting bound while its block structure is built.
struct Builder<'s> {
    stmts: &'s [RawStatement],
    max_nesting: usize,
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
    let b = Builder { stmts, max_nesting };
    let built = b.build(i, until, depth)?;
    if depth == 0 {
        check_exits(stmts, &built.0, Context::default())?;
    }
    Ok(built)
}

impl Builder<'_> {
    fn error(&self, at: usize, message: &str) -> ScriptError {
        let s = &self.stmts[at];
        ScriptError::at(s.line, s.col, &s.text, message)
    }

    fn build(
        &self,
        i: &mut usize,
        until: &[&str],
        depth: usize,
    ) -> Result<(Vec<Node>, Option<String>), ScriptError> {
        let mut out = Vec::new();
        while *i < self.stmts.len() {
            let (a, b) = first_words(&self.stmts[*i].text);
            let a = a.trim_end_matches(';').to_string();
            let key = closing_key(&a, b.trim_end_matches(';'));
            if !key.is_empty() {
                if until.contains(&key) {
                    return Ok((out, Some(key.to_string())));
                }
                return Err(self.error(*i, &format!("{a} without a matching opening statement")));
            }
            let start = *i;
            *i += 1;
            let opens = matches!(a.as_str(), "IF" | "FOR" | "SUB" | "DO" | "SWITCH");
            if opens && depth >= self.max_nesting {
                return Err(self.error(
                    start,
                    &format!(
                        "control blocks (IF, FOR, DO, SWITCH, SUB) nested more than {} deep",
                        self.max_nesting
                    ),
                ));
            }
            out.push(match a.as_str() {
                "IF" => Node::If(self.branches(i, start, depth, IF_WORDS)?),
                "SWITCH" => Node::Switch(start, self.switch(i, start, depth)?),
                "FOR" => Node::For(
                    start,
                    self.body(i, start, depth, "NEXT", "FOR without NEXT")?,
                ),
                "SUB" => Node::Sub(
                    start,
                    self.body(i, start, depth, "ENDSUB", "SUB without END SUB")?,
                ),
                "DO" => {
                    let body = self.body(i, start, depth, "LOOP", "DO without LOOP")?;
                    Node::Do(start, body, *i - 1)
                }
                _ => Node::Simple(start),
            });
        }
        Ok((out, None))
    }

    /// The body of a block opened at `start` and closed by `close`, moving `*i` past the close.
    fn body(
        &self,
        i: &mut usize,
        start: usize,
        depth: usize,
        close: &str,
        missing: &str,
    ) -> Result<Vec<Node>, ScriptError> {
        let (body, end) = self.build(i, &[close], depth + 1)?;
        if end.is_none() {
            return Err(self.error(start, missing));
        }
        *i += 1;
        Ok(body)
    }

    /// The branches of an IF (`words` = IF_WORDS) or a SWITCH (SWITCH_WORDS) opened at `start`:
    /// each with the statement that opens it (none for ELSE / DEFAULT), up to the closing statement.
    fn branches(
        &self,
        i: &mut usize,
        start: usize,
        depth: usize,
        words: BranchWords,
    ) -> Result<Branches, ScriptError> {
        let mut branches = Vec::new();
        let mut cond = Some(start);
        loop {
            let (body, end) = self.build(i, &[words.next, words.last, words.close], depth + 1)?;
            branches.push((cond, body));
            let Some(end) = end else {
                return Err(self.error(start, words.missing));
            };
            let at = *i;
            *i += 1;
            if end == words.next {
                cond = Some(at);
            } else if end == words.last {
                if cond.is_none() {
                    return Err(self.error(at, &format!("a second {}", words.last)));
                }
                cond = None;
            } else {
                return Ok(branches);
            }
        }
    }

    /// A SWITCH's CASE and DEFAULT branches (nothing may come before the first CASE).
    fn switch(&self, i: &mut usize, start: usize, depth: usize) -> Result<Branches, ScriptError> {
        let mut branches = self.branches(i, start, depth, SWITCH_WORDS)?;
        let before = branches.remove(0);
        if let Some(first) = before.1.first() {
            let at = match first {
                Node::Simple(k) | Node::For(k, _) | Node::Sub(k, _) | Node::Do(k, _, _) => *k,
                Node::Switch(k, _) => *k,
                Node::If(b) => b.first().and_then(|x| x.0).unwrap_or(start),
            };
            return Err(self.error(at, "only CASE or DEFAULT may follow SWITCH"));
        }
        Ok(branches)
    }
}

/// The statements that split and close an IF or a SWITCH.
#[derive(Clone, Copy)]
struct BranchWords {
    next: &'static str,
    last: &'static str,
    close: &'static str,
    missing: &'static str,
}

const IF_WORDS: BranchWords = BranchWords {
    next: "ELSEIF",
    last: "ELSE",
    close: "ENDIF",
    missing: "IF without END IF",
};

const SWITCH_WORDS: BranchWords = BranchWords {
    next: "CASE",
    last: "DEFAULT",
    close: "ENDSWITCH",
    missing: "SWITCH without END SWITCH",
};

/// Which blocks are open around a statement, for the EXIT statements' check.
#[derive(Clone, Copy, Default)]
struct Context {
    in_do: bool,
    in_for: bool,
    in_sub: bool,
}

/// Every `EXIT DO`, `EXIT FOR` and `EXIT SUB` must be inside the block it leaves.
fn check_exits(stmts: &[RawStatement], nodes: &[Node], cx: Context) -> Result<(), ScriptError> {
    for node in nodes {
        match node {
            Node::Simple(k) => {
                let (a, b) = first_words(&stmts[*k].text);
                let b = b.trim_end_matches(';');
                let ok = a != "EXIT"
                    || match b {
                        "DO" => cx.in_do,
                        "FOR" => cx.in_for,
                        "SUB" => cx.in_sub,
                        _ => true,
                    };
                if !ok {
                    let s = &stmts[*k];
                    return Err(ScriptError::at(
                        s.line,
                        s.col,
                        &s.text,
                        &format!("EXIT {b} outside a {b} block"),
                    ));
                }
            }
            Node::If(branches) | Node::Switch(_, branches) => {
                for (_, body) in branches {
                    check_exits(stmts, body, cx)?;
                }
            }
            Node::For(_, body) => check_exits(stmts, body, Context { in_for: true, ..cx })?,
            Node::Do(_, body, _) => check_exits(stmts, body, Context { in_do: true, ..cx })?,
            Node::Sub(_, body) => check_exits(
                stmts,
                body,
                Context {
                    in_sub: true,
                    in_do: false,
                    in_for: false,
                },
            )?,
        }
    }
    Ok(())
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
        if super::include::include_directive(&s.text).is_some() {
            continue;
        }
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
