//! The LOAD prefixes that neither say where the rows go nor turn columns into rows: `FIRST n`, `BUFFER
//! [(...)]` (accepted and ignored: qixd keeps no QVD buffers), `GENERIC`, `HIERARCHY(...)`,
//! `HIERARCHYBELONGSTO(...)`, and `ADD [ONLY]` / `REPLACE [ONLY]`.

use super::tokens::{name_of, split_commas, Tok, P};
use crate::ast::{Hierarchy, Partial};
use qix_expr::Expr;

/// What the prefixes of this module set on a LOAD.
#[derive(Default)]
pub(super) struct Extra {
    pub(super) first: Option<Box<Expr>>,
    pub(super) generic: bool,
    pub(super) hierarchy: Option<Box<Hierarchy>>,
    pub(super) partial: Option<Partial>,
}

/// The words that start a prefix or the LOAD itself: where a `FIRST n` count ends.
const PREFIX_WORDS: &[&str] = &[
    "LOAD",
    "SELECT",
    "SQL",
    "CONCATENATE",
    "NOCONCATENATE",
    "MAPPING",
    "LEFT",
    "RIGHT",
    "INNER",
    "OUTER",
    "JOIN",
    "KEEP",
    "CROSSTABLE",
    "INTERVALMATCH",
    "GENERIC",
    "HIERARCHY",
    "HIERARCHYBELONGSTO",
    "BUFFER",
    "ADD",
    "REPLACE",
    "FIRST",
    "DISTINCT",
];

/// The prefix at token `*i`, if it is one of this module's: recorded in `extra`, `*i` moved past it.
/// Answers whether there was one.
pub(super) fn extra_prefix(p: &P<'_>, i: &mut usize, extra: &mut Extra) -> Result<bool, String> {
    if p.kw(*i, "FIRST") {
        let from = *i + 1;
        let mut depth = 0i32;
        let end = (from..p.toks.len())
            .find(|&k| {
                match p.toks[k].tok {
                    Tok::Sym('(') => depth += 1,
                    Tok::Sym(')') => depth -= 1,
                    _ => {}
                }
                depth == 0 && k > from && PREFIX_WORDS.iter().any(|w| p.kw(k, w))
            })
            .ok_or("FIRST needs a count and a LOAD")?;
        extra.first = Some(Box::new(p.expr(from, end)?));
        *i = end;
    } else if p.kw(*i, "BUFFER") {
        *i += 1;
        if p.sym(*i, '(') {
            *i = close_of(p, *i).ok_or("missing ')' after BUFFER (")? + 1;
        }
    } else if p.kw(*i, "GENERIC") {
        extra.generic = true;
        *i += 1;
    } else if p.kw(*i, "HIERARCHY") || p.kw(*i, "HIERARCHYBELONGSTO") {
        extra.hierarchy = Some(Box::new(hierarchy(p, i)?));
    } else if p.kw(*i, "ADD") || p.kw(*i, "REPLACE") {
        let replace = p.kw(*i, "REPLACE");
        *i += 1;
        let only = p.kw(*i, "ONLY");
        if only {
            *i += 1;
        }
        extra.partial = Some(Partial { replace, only });
    } else {
        return Ok(false);
    }
    Ok(true)
}

/// The `)` closing the `(` at token `open`.
fn close_of(p: &P<'_>, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    (open..p.toks.len()).find(|&k| {
        match p.toks[k].tok {
            Tok::Sym('(') => depth += 1,
            Tok::Sym(')') => depth -= 1,
            _ => {}
        }
        depth == 0
    })
}

/// `HIERARCHY(...)` or `HIERARCHYBELONGSTO(...)` at token `*i`, moving `*i` past it. Arguments are
/// names (a word, `[name]` or `'name'`); an optional one may be left empty.
fn hierarchy(p: &P<'_>, i: &mut usize) -> Result<Hierarchy, String> {
    let belongs = p.kw(*i, "HIERARCHYBELONGSTO");
    let what = if belongs {
        "HIERARCHYBELONGSTO"
    } else {
        "HIERARCHY"
    };
    let open = *i + 1;
    if !p.sym(open, '(') {
        return Err(format!("expected '(' after {what}"));
    }
    let close = close_of(p, open).ok_or_else(|| format!("missing ')' after {what}("))?;
    let mut args: Vec<Option<String>> = Vec::new();
    for (a, b) in split_commas(&p.toks, open + 1, close) {
        args.push(match b - a {
            0 => None,
            1 => Some(
                p.toks
                    .get(a)
                    .and_then(name_of)
                    .ok_or_else(|| format!("{what} takes field names"))?,
            ),
            _ => {
                return Err(format!(
                    "{what} takes field names, found '{}'",
                    p.slice(a, b)
                ))
            }
        });
    }
    *i = close + 1;
    let arg = |k: usize| args.get(k).cloned().flatten();
    let needed = |k: usize, name: &str| {
        arg(k).ok_or_else(|| format!("{what} needs {name} (argument {})", k + 1))
    };
    let most = if belongs { 6 } else { 8 };
    if args.len() > most {
        return Err(format!("{what} takes at most {most} arguments"));
    }
    Ok(if belongs {
        Hierarchy::BelongsTo {
            node_id: needed(0, "the node ID field")?,
            parent_id: needed(1, "the parent ID field")?,
            node_name: needed(2, "the node name field")?,
            ancestor_id: needed(3, "the ancestor ID field")?,
            ancestor_name: needed(4, "the ancestor name field")?,
            depth_diff: arg(5),
        }
    } else {
        Hierarchy::Nodes {
            node_id: needed(0, "the node ID field")?,
            parent_id: needed(1, "the parent ID field")?,
            node_name: needed(2, "the node name field")?,
            parent_name: arg(3),
            path_source: arg(4),
            path_name: arg(5),
            path_delimiter: arg(6),
            depth: arg(7),
        }
    })
}
