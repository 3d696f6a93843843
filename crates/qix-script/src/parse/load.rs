//! LOAD statements: the label, the prefixes that say where the rows go (CONCATENATE, NOCONCATENATE,
//! MAPPING, JOIN, KEEP; the others are in `prefixes`), DISTINCT, the field list, the source (INLINE, FROM with its format spec,
//! RESIDENT, AUTOGENERATE, or none for a preceding load) and WHERE / WHILE.

use super::prefixes::{extra_prefix, Extra};
use super::tokens::{find_top, find_top_at, is_kw, name_of, split_commas, tokenize, Tok, Token, P};
use crate::ast::*;
use qix_expr::Expr;

/// Parses a `(txt, utf8, embedded labels, delimiter is ',')` spec from its inner text.
pub fn parse_spec(inner: &str) -> Result<FormatSpec, String> {
    let mut spec = FormatSpec {
        quotes: true,
        ..FormatSpec::default()
    };
    let toks = tokenize(inner)?;
    for (a, b) in split_commas(&toks, 0, toks.len()) {
        let words: Vec<String> = toks[a..b]
            .iter()
            .map(|t| match &t.tok {
                Tok::Word(w) => w.to_ascii_lowercase(),
                Tok::Quoted(s, _) | Tok::Bracket(s) => s.clone(),
                Tok::Sym(c) => c.to_string(),
            })
            .collect();
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        match w.as_slice() {
            ["txt"] | ["qvd"] | ["parquet"] | ["csv"] => spec.format = Some(w[0].to_string()),
            ["utf8"] | ["unicode"] => spec.latin1 = false,
            ["ansi"] | ["oem"] | ["mac"] => spec.latin1 = true,
            ["codepage", "is", cp] => spec.latin1 = *cp != "65001",
            ["embedded", "labels"] => spec.labels = Labels::Embedded,
            ["explicit", "labels"] => spec.labels = Labels::Explicit,
            ["no", "labels"] => spec.labels = Labels::None,
            ["delimiter", "is", d] => {
                spec.delimiter = Some(match *d {
                    "\\t" | "tab" => '\t',
                    "spaces" => ' ',
                    d => d.chars().next().ok_or("empty delimiter")?,
                })
            }
            ["msq"] => spec.quotes = true,
            ["no", "quotes"] => spec.quotes = false,
            ["header", "is", n, ..] => {
                spec.header_lines = n.parse().map_err(|_| format!("bad header size '{n}'"))?
            }
            ["comment", "is", c] => spec.comment = Some(c.to_string()),
            ["no", "eof"] | ["fix"] | ["table", "is", ..] | ["filters", ..] => {}
            other => return Err(format!("unknown format item '{}'", other.join(" "))),
        }
    }
    Ok(spec)
}

/// Parses a LOAD statement (any statement no other parser took ends here: an unknown first word is an
/// error).
pub(super) fn parse_load(p: &P<'_>) -> Result<Load, String> {
    let t = &p.toks;
    let mut i = 0;
    let mut label = None;
    if t.len() > 1 && t[1].tok == Tok::Sym(':') {
        label = name_of(&t[0]);
        i = 2;
    }
    let mut crosstable = None;
    let mut intervalmatch = None;
    let mut target = Target::Auto;
    let mut extra = Extra::default();
    loop {
        let before = i;
        if let Some(ct) = crosstable_prefix(p, &mut i)? {
            crosstable = Some(ct);
        } else if let Some(im) = intervalmatch_prefix(p, &mut i)? {
            intervalmatch = Some(im);
        } else if !extra_prefix(p, &mut i, &mut extra)? {
            let t = load_target(p, &mut i)?;
            if i == before {
                break;
            }
            target = t;
        }
    }
    if p.kw(i, "SQL") || p.kw(i, "SELECT") {
        return Err("SQL SELECT needs a database connection, which qixd does not have".into());
    }
    if !p.kw(i, "LOAD") {
        return Err(format!("unknown statement '{}'", p.token_text(i)));
    }
    i += 1;
    let distinct = p.kw(i, "DISTINCT");
    if distinct {
        i += 1;
    }
    let is_clause = |x: &Token| {
        [
            "FROM",
            "INLINE",
            "RESIDENT",
            "AUTOGENERATE",
            "WHERE",
            "WHILE",
        ]
        .iter()
        .any(|k| is_kw(x, k))
    };
    let end_fields = find_top(t, i, is_clause).unwrap_or(t.len());
    let fields = field_list(p, i, end_fields)?;
    let mut j = end_fields;
    let source = load_source(p, &mut j)?;
    let clauses = conditions(p, j)?;
    Ok(Load {
        label,
        target,
        distinct,
        fields,
        source,
        where_: clauses.where_,
        while_: clauses.while_,
        group_by: clauses.group_by,
        order_by: clauses.order_by,
        crosstable,
        intervalmatch,
        first: extra.first,
        generic: extra.generic,
        hierarchy: extra.hierarchy,
        partial: extra.partial,
    })
}

/// `INTERVALMATCH(field[, key, ...])` at token `*i`, moving `*i` past it; none when there is none.
fn intervalmatch_prefix(p: &P<'_>, i: &mut usize) -> Result<Option<Vec<String>>, String> {
    if !p.kw(*i, "INTERVALMATCH") {
        return Ok(None);
    }
    let open = *i + 1;
    if !p.sym(open, '(') {
        return Err("expected '(' after INTERVALMATCH".into());
    }
    let close = (open..p.toks.len())
        .find(|&k| p.sym(k, ')'))
        .ok_or("missing ')' after INTERVALMATCH(")?;
    let mut names = Vec::new();
    for (a, b) in split_commas(&p.toks, open + 1, close) {
        match (b - a, p.toks.get(a).and_then(name_of)) {
            (1, Some(n)) => names.push(n),
            _ => {
                return Err(
                    "INTERVALMATCH takes field names: INTERVALMATCH(field[, key, ...])".into(),
                )
            }
        }
    }
    if names.is_empty() {
        return Err("INTERVALMATCH needs the field to match".into());
    }
    *i = close + 1;
    Ok(Some(names))
}

/// `CROSSTABLE(attribute, data[, n])` at token `*i`, moving `*i` past it; none when there is none.
fn crosstable_prefix(p: &P<'_>, i: &mut usize) -> Result<Option<CrossTable>, String> {
    if !p.kw(*i, "CROSSTABLE") {
        return Ok(None);
    }
    let open = *i + 1;
    if !p.sym(open, '(') {
        return Err("expected '(' after CROSSTABLE".into());
    }
    let close = (open..p.toks.len())
        .find(|&k| p.sym(k, ')'))
        .ok_or("missing ')' after CROSSTABLE(")?;
    let args: Vec<(usize, usize)> = split_commas(&p.toks, open + 1, close);
    let name = |(a, b): (usize, usize)| -> Result<String, String> {
        match (b - a, p.toks.get(a).and_then(name_of)) {
            (1, Some(n)) => Ok(n),
            _ => Err("CROSSTABLE takes field names: CROSSTABLE(attribute, data[, n])".into()),
        }
    };
    let (attribute, data) = match args.as_slice() {
        [a, d] | [a, d, _] => (name(*a)?, name(*d)?),
        _ => return Err("CROSSTABLE takes two or three arguments".into()),
    };
    let qualifiers = match args.get(2) {
        Some(&(a, b)) => p
            .slice(a, b)
            .trim()
            .parse::<usize>()
            .map_err(|_| "the third argument of CROSSTABLE is a count of qualifier fields")?,
        None => 1,
    };
    *i = close + 1;
    Ok(Some(CrossTable {
        attribute,
        data,
        qualifiers,
    }))
}

/// The prefixes from token `*i` on (the last one counts), moving `*i` past them.
fn load_target(p: &P<'_>, i: &mut usize) -> Result<Target, String> {
    let mut target = Target::Auto;
    loop {
        if p.kw(*i, "CONCATENATE") {
            *i += 1;
            target = Target::Concatenate(table_arg(p, i));
        } else if p.kw(*i, "NOCONCATENATE") {
            *i += 1;
            target = Target::NoConcatenate;
        } else if p.kw(*i, "MAPPING") {
            *i += 1;
            target = Target::Mapping;
        } else if ["LEFT", "RIGHT", "INNER", "OUTER", "JOIN", "KEEP"]
            .iter()
            .any(|k| p.kw(*i, k))
        {
            target = join_or_keep(p, i)?;
        } else {
            return Ok(target);
        }
    }
}

/// `[LEFT|RIGHT|INNER|OUTER] JOIN|KEEP [(table)]` at token `*i`, moving `*i` past it.
fn join_or_keep(p: &P<'_>, i: &mut usize) -> Result<Target, String> {
    let kind = if p.kw(*i, "LEFT") {
        JoinKind::Left
    } else if p.kw(*i, "RIGHT") {
        JoinKind::Right
    } else if p.kw(*i, "INNER") {
        JoinKind::Inner
    } else {
        JoinKind::Outer
    };
    if !p.kw(*i, "JOIN") && !p.kw(*i, "KEEP") {
        *i += 1;
    }
    let keep = p.kw(*i, "KEEP");
    if !p.kw(*i, "JOIN") && !keep {
        return Err("expected JOIN or KEEP".into());
    }
    *i += 1;
    let table = table_arg(p, i);
    Ok(if keep {
        Target::Keep(kind, table)
    } else {
        Target::Join(kind, table)
    })
}

/// A prefix's `(table)` at token `*i`, moving `*i` past it; none when there is no `(`.
fn table_arg(p: &P<'_>, i: &mut usize) -> Option<String> {
    if p.sym(*i, '(') {
        let name = p.toks.get(*i + 1).and_then(name_of);
        *i += 3;
        name
    } else {
        None
    }
}

/// The field list in tokens `[from, to)`: `*` and `expr [AS name]` items (a lone name names itself,
/// other expressions are named by their text).
fn field_list(p: &P<'_>, from: usize, to: usize) -> Result<Vec<FieldItem>, String> {
    let t = &p.toks;
    let mut fields = Vec::new();
    for (a, b) in split_commas(t, from, to) {
        if b - a == 1 && t[a].tok == Tok::Sym('*') {
            fields.push(FieldItem::Star);
            continue;
        }
        let as_at = (a..b).rev().find(|j| is_kw(&t[*j], "AS") && *j > a);
        let (expr_end, name) = match as_at {
            Some(j) => (j, p.names(j + 1, b)?.pop().ok_or("AS needs a name")?),
            None => {
                let name = if b - a == 1 {
                    name_of(&t[a]).unwrap_or_else(|| p.slice(a, b).to_string())
                } else {
                    p.slice(a, b).trim().to_string()
                };
                (b, name)
            }
        };
        let expr = p.expr(a, expr_end)?;
        fields.push(FieldItem::Expr { expr, name });
    }
    if fields.is_empty() {
        return Err("LOAD needs a field list".into());
    }
    Ok(fields)
}

/// The source clause at token `*j` (none: a preceding load), moving `*j` past it.
fn load_source(p: &P<'_>, j: &mut usize) -> Result<Source, String> {
    let t = &p.toks;
    if p.kw(*j, "INLINE") {
        let data = match t.get(*j + 1).map(|x| &x.tok) {
            Some(Tok::Bracket(d)) | Some(Tok::Quoted(d, _)) => d.clone(),
            _ => return Err("INLINE needs [data]".into()),
        };
        *j += 2;
        let spec = spec_at(p, j)?;
        Ok(Source::Inline { data, spec })
    } else if p.kw(*j, "FROM") {
        file_source(p, j)
    } else if p.kw(*j, "RESIDENT") {
        let name = t
            .get(*j + 1)
            .and_then(name_of)
            .ok_or("RESIDENT needs a table")?;
        *j += 2;
        Ok(Source::Resident(name))
    } else if p.kw(*j, "AUTOGENERATE") {
        let end =
            find_top(t, *j + 1, |x| is_kw(x, "WHERE") || is_kw(x, "WHILE")).unwrap_or(t.len());
        let count = p.expr(*j + 1, end)?;
        *j = end;
        Ok(Source::Autogenerate(count))
    } else {
        Ok(Source::Preceding)
    }
}

/// `FROM path [(spec)]` at token `*j`, moving `*j` past it. An unquoted path runs to the format spec or
/// the next clause.
fn file_source(p: &P<'_>, j: &mut usize) -> Result<Source, String> {
    let t = &p.toks;
    let path_tok = t.get(*j + 1).ok_or("FROM needs a file")?;
    let (path, mut k) = match &path_tok.tok {
        Tok::Bracket(s) | Tok::Quoted(s, _) => (s.clone(), *j + 2),
        _ => {
            let end = (*j + 1..t.len())
                .find(|k| {
                    t[*k].tok == Tok::Sym('(') || is_kw(&t[*k], "WHERE") || is_kw(&t[*k], "WHILE")
                })
                .unwrap_or(t.len());
            if end == *j + 1 {
                return Err("FROM needs a file".into());
            }
            (p.slice(*j + 1, end).to_string(), end)
        }
    };
    let spec = spec_at(p, &mut k)?;
    *j = k;
    Ok(Source::File { path, spec })
}

/// The format spec `(...)` at token `*j`, moving `*j` past it; the default spec when there is none.
fn spec_at(p: &P<'_>, j: &mut usize) -> Result<FormatSpec, String> {
    let t = &p.toks;
    if !p.sym(*j, '(') {
        return Ok(FormatSpec {
            quotes: true,
            ..FormatSpec::default()
        });
    }
    let close = find_top(t, *j + 1, |_| false)
        .or_else(|| {
            let mut d = 0;
            (*j..t.len()).find(|k| {
                match t[*k].tok {
                    Tok::Sym('(') => d += 1,
                    Tok::Sym(')') => d -= 1,
                    _ => {}
                }
                d == 0
            })
        })
        .ok_or("missing ')' after the format spec")?;
    let inner = p.slice(*j + 1, close).to_string();
    *j = close + 1;
    parse_spec(&inner)
}

/// What may follow a LOAD's source.
#[derive(Default)]
struct Clauses {
    where_: Option<Expr>,
    while_: Option<Expr>,
    group_by: Vec<String>,
    order_by: Vec<(String, bool)>,
}

/// Whether token `x` starts a clause after the source.
fn starts_clause(t: &[Token], k: usize) -> bool {
    let by_next = t.get(k + 1).is_some_and(|n| is_kw(n, "BY"));
    is_kw(&t[k], "WHERE")
        || is_kw(&t[k], "WHILE")
        || ((is_kw(&t[k], "GROUP") || is_kw(&t[k], "ORDER")) && by_next)
}

/// The WHERE, WHILE, GROUP BY and ORDER BY clauses from token `j` to the end (a later one of a kind
/// replaces an earlier).
fn conditions(p: &P<'_>, mut j: usize) -> Result<Clauses, String> {
    let t = &p.toks;
    let mut c = Clauses::default();
    while j < t.len() {
        if !starts_clause(t, j) {
            return Err(format!("unexpected '{}'", p.token_text(j)));
        }
        let body = if p.kw(j, "GROUP") || p.kw(j, "ORDER") {
            j + 2
        } else {
            j + 1
        };
        let end = top_clause_end(t, body);
        if p.kw(j, "WHERE") {
            c.where_ = Some(p.expr(body, end)?);
        } else if p.kw(j, "WHILE") {
            c.while_ = Some(p.expr(body, end)?);
        } else if p.kw(j, "GROUP") {
            c.group_by = by_list(p, body, end)?.into_iter().map(|(f, _)| f).collect();
        } else {
            c.order_by = by_list(p, body, end)?;
        }
        j = end;
    }
    Ok(c)
}

/// Where the clause whose body starts at `body` ends: at the next clause outside parentheses.
fn top_clause_end(t: &[Token], body: usize) -> usize {
    find_top_at(t, body, |k| starts_clause(t, k)).unwrap_or(t.len())
}

/// `f1 [ASC|DESC], f2, ...` between tokens `from` and `to`: field names, each descending or not.
fn by_list(p: &P<'_>, from: usize, to: usize) -> Result<Vec<(String, bool)>, String> {
    let mut out = Vec::new();
    let mut k = from;
    while k < to {
        let name = name_of(&p.toks[k]).ok_or_else(|| {
            format!(
                "expected a field name in GROUP BY / ORDER BY, found '{}'",
                p.token_text(k)
            )
        })?;
        k += 1;
        let mut desc = false;
        if k < to && (p.kw(k, "ASC") || p.kw(k, "DESC")) {
            desc = p.kw(k, "DESC");
            k += 1;
        }
        out.push((name, desc));
        if k < to {
            if p.toks[k].tok != Tok::Sym(',') {
                return Err(format!(
                    "expected ',' in GROUP BY / ORDER BY, found '{}'",
                    p.token_text(k)
                ));
            }
            k += 1;
        }
    }
    if out.is_empty() {
        return Err("GROUP BY / ORDER BY needs a field".into());
    }
    Ok(out)
}
