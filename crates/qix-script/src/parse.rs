//! Parses one statement's text (after `$(...)` expansion) into a [`Statement`]. Expressions inside are
//! parsed by `qix-expr`; this module only finds the statement's parts.

use crate::ast::*;
use qix_expr::Expr;

/// A token and where it is in the statement text (byte offsets).
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An identifier or keyword.
    Word(String),
    /// `'...'` or `"..."` (content unescaped) with its quote.
    Quoted(String, char),
    /// `[...]` content.
    Bracket(String),
    /// Any other character (`(`, `)`, `,`, `=`, `:`, `*`, ...).
    Sym(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let b: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let end_of = |i: usize| b.get(i).map_or(text.len(), |x| x.0);
    while i < b.len() {
        let (start, c) = b[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' || c == '[' {
            let close = if c == '[' { ']' } else { c };
            let mut s = String::new();
            i += 1;
            loop {
                match b.get(i) {
                    Some((_, x)) if *x == close => {
                        if b.get(i + 1).map(|y| y.1) == Some(close) {
                            s.push(close);
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    Some((_, x)) => {
                        s.push(*x);
                        i += 1;
                    }
                    None => return Err(format!("missing closing {close}")),
                }
            }
            let tok = if c == '[' {
                Tok::Bracket(s)
            } else {
                Tok::Quoted(s, c)
            };
            out.push(Token {
                tok,
                start,
                end: end_of(i),
            });
            continue;
        }
        if c.is_alphanumeric() || c == '_' || c == '@' || c == '$' || c == '#' || c == '.' {
            let mut s = String::new();
            while let Some((_, x)) = b.get(i) {
                if x.is_alphanumeric() || matches!(x, '_' | '@' | '$' | '#' | '.' | '%') {
                    s.push(*x);
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Token {
                tok: Tok::Word(s),
                start,
                end: end_of(i),
            });
            continue;
        }
        out.push(Token {
            tok: Tok::Sym(c),
            start,
            end: end_of(i + 1),
        });
        i += 1;
    }
    Ok(out)
}

fn is_kw(t: &Token, kw: &str) -> bool {
    matches!(&t.tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
}

/// A name: a word, a bracketed name or a quoted name.
fn name_of(t: &Token) -> Option<String> {
    match &t.tok {
        Tok::Word(w) => Some(w.clone()),
        Tok::Bracket(s) | Tok::Quoted(s, _) => Some(s.clone()),
        Tok::Sym(_) => None,
    }
}

/// Index of the first token at parenthesis depth 0 from `from` that satisfies `pred`.
fn find_top(toks: &[Token], from: usize, pred: impl Fn(&Token) -> bool) -> Option<usize> {
    let mut depth = 0i32;
    for (i, t) in toks.iter().enumerate().skip(from) {
        match t.tok {
            Tok::Sym('(') => depth += 1,
            Tok::Sym(')') => depth -= 1,
            _ if depth == 0 && pred(t) => return Some(i),
            _ => {}
        }
    }
    None
}

/// Splits tokens `[from, to)` at depth-0 commas into ranges.
fn split_commas(toks: &[Token], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut s = from;
    for (i, t) in toks.iter().enumerate().take(to).skip(from) {
        match t.tok {
            Tok::Sym('(') => depth += 1,
            Tok::Sym(')') => depth -= 1,
            Tok::Sym(',') if depth == 0 => {
                out.push((s, i));
                s = i + 1;
            }
            _ => {}
        }
    }
    if s < to {
        out.push((s, to));
    }
    out
}

struct P<'a> {
    text: &'a str,
    toks: Vec<Token>,
}

impl P<'_> {
    fn slice(&self, from: usize, to: usize) -> &str {
        if from >= to || from >= self.toks.len() {
            return "";
        }
        let s = self.toks[from].start;
        let e = self.toks[to - 1].end;
        &self.text[s..e]
    }

    fn expr(&self, from: usize, to: usize) -> Result<Expr, String> {
        let src = self.slice(from, to);
        if src.trim().is_empty() {
            return Err("an expression is missing".into());
        }
        qix_expr::parse(src).map_err(|e| format!("{} in '{}'", e.message, src.trim()))
    }

    fn expect(&self, i: usize, kw: &str) -> Result<(), String> {
        match self.toks.get(i) {
            Some(t) if is_kw(t, kw) => Ok(()),
            Some(t) => Err(format!(
                "expected {kw}, found '{}'",
                &self.text[t.start..t.end]
            )),
            None => Err(format!("expected {kw} at the end of the statement")),
        }
    }

    fn names(&self, from: usize, to: usize) -> Result<Vec<String>, String> {
        split_commas(&self.toks, from, to)
            .into_iter()
            .map(|(a, b)| {
                if b - a == 1 {
                    // `QUALIFY *;` names every field.
                    name_of(&self.toks[a])
                        .or_else(|| matches!(self.toks[a].tok, Tok::Sym('*')).then(|| "*".into()))
                        .ok_or_else(|| "expected a name".to_string())
                } else {
                    Ok(self.slice(a, b).trim().to_string())
                }
            })
            .collect()
    }
}

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

/// Parses one statement.
pub fn parse_statement(text: &str) -> Result<Statement, String> {
    let toks = tokenize(text)?;
    let p = P { text, toks };
    let t = &p.toks;
    if t.is_empty() {
        return Err("empty statement".into());
    }
    let kw = |i: usize, k: &str| t.get(i).is_some_and(|x| is_kw(x, k));
    // Control statements.
    if kw(0, "IF") || kw(0, "ELSEIF") {
        let then = find_top(t, 1, |x| is_kw(x, "THEN")).ok_or("IF needs THEN")?;
        let cond = p.expr(1, then)?;
        return Ok(if kw(0, "IF") {
            Statement::If(cond)
        } else {
            Statement::ElseIf(cond)
        });
    }
    if kw(0, "ELSE") && t.len() == 1 {
        return Ok(Statement::Else);
    }
    if (kw(0, "END") && kw(1, "IF")) || kw(0, "ENDIF") {
        return Ok(Statement::EndIf);
    }
    if kw(0, "END") && kw(1, "SUB") {
        return Ok(Statement::EndSub);
    }
    if kw(0, "NEXT") {
        return Ok(Statement::Next);
    }
    if kw(0, "FOR") && kw(1, "EACH") {
        let var = t
            .get(2)
            .and_then(name_of)
            .ok_or("FOR EACH needs a variable")?;
        p.expect(3, "IN")?;
        let items = split_commas(t, 4, t.len())
            .into_iter()
            .map(|(a, b)| p.expr(a, b))
            .collect::<Result<_, _>>()?;
        return Ok(Statement::ForEach { var, items });
    }
    if kw(0, "FOR") {
        let var = t.get(1).and_then(name_of).ok_or("FOR needs a variable")?;
        if !matches!(t.get(2).map(|x| &x.tok), Some(Tok::Sym('='))) {
            return Err("FOR needs '='".into());
        }
        let to = find_top(t, 3, |x| is_kw(x, "TO")).ok_or("FOR needs TO")?;
        let step = find_top(t, to + 1, |x| is_kw(x, "STEP"));
        let from = p.expr(3, to)?;
        let end = p.expr(to + 1, step.unwrap_or(t.len()))?;
        let step = step.map(|s| p.expr(s + 1, t.len())).transpose()?;
        return Ok(Statement::For {
            var,
            from,
            to: end,
            step,
        });
    }
    if kw(0, "SUB") {
        let name = t.get(1).and_then(name_of).ok_or("SUB needs a name")?;
        let params = if matches!(t.get(2).map(|x| &x.tok), Some(Tok::Sym('('))) {
            p.names(3, t.len() - 1)?
        } else {
            vec![]
        };
        return Ok(Statement::Sub(name, params));
    }
    if kw(0, "CALL") {
        let name = t.get(1).and_then(name_of).ok_or("CALL needs a name")?;
        let args = if matches!(t.get(2).map(|x| &x.tok), Some(Tok::Sym('('))) {
            split_commas(t, 3, t.len() - 1)
                .into_iter()
                .map(|(a, b)| p.expr(a, b))
                .collect::<Result<_, _>>()?
        } else {
            vec![]
        };
        return Ok(Statement::Call(name, args));
    }
    if kw(0, "EXIT") && kw(1, "SCRIPT") {
        return Ok(Statement::ExitScript);
    }
    if kw(0, "LET") || kw(0, "SET") {
        let name = t
            .get(1)
            .and_then(name_of)
            .ok_or("LET/SET needs a variable name")?;
        let eq = t
            .get(2)
            .filter(|x| x.tok == Tok::Sym('='))
            .ok_or("expected '='")?;
        let rest = text[eq.end..].trim();
        if kw(0, "LET") {
            let e = if rest.is_empty() {
                Expr::Call {
                    name: "Null".into(),
                    args: vec![],
                }
            } else {
                p.expr(3, t.len())?
            };
            return Ok(Statement::Let(name, e));
        }
        let value = match t.get(3).map(|x| &x.tok) {
            Some(Tok::Quoted(s, _)) if t.len() == 4 => s.clone(),
            _ => rest.to_string(),
        };
        return Ok(Statement::Set(name, value));
    }
    if kw(0, "TRACE") {
        return Ok(Statement::Trace(text[t[0].end..].trim().to_string()));
    }
    if kw(0, "DROP") && (kw(1, "TABLE") || kw(1, "TABLES")) {
        return Ok(Statement::DropTables(p.names(2, t.len())?));
    }
    if kw(0, "DROP") && (kw(1, "FIELD") || kw(1, "FIELDS")) {
        let from = find_top(t, 2, |x| is_kw(x, "FROM"));
        let fields = p.names(2, from.unwrap_or(t.len()))?;
        let tables = match from {
            Some(f) => p.names(f + 1, t.len())?,
            None => vec![],
        };
        return Ok(Statement::DropFields(fields, tables));
    }
    if kw(0, "RENAME") && (kw(1, "TABLE") || kw(1, "FIELD")) {
        let mut pairs = Vec::new();
        for (a, b) in split_commas(t, 2, t.len()) {
            let to = find_top(t, a, |x| is_kw(x, "TO"))
                .filter(|i| *i < b)
                .ok_or("RENAME needs TO")?;
            let from_name = p.names(a, to)?.pop().ok_or("RENAME needs a name")?;
            let to_name = p.names(to + 1, b)?.pop().ok_or("RENAME needs a new name")?;
            pairs.push((from_name, to_name));
        }
        return Ok(if kw(1, "TABLE") {
            Statement::RenameTables(pairs)
        } else {
            Statement::RenameFields(pairs)
        });
    }
    if kw(0, "STORE") {
        let into = find_top(t, 1, |x| is_kw(x, "INTO")).ok_or("STORE needs INTO")?;
        let from = find_top(t, 1, |x| is_kw(x, "FROM")).filter(|f| *f < into);
        let table = p
            .names(from.map_or(1, |f| f + 1), into)?
            .pop()
            .ok_or("STORE needs a table")?;
        let path = t
            .get(into + 1)
            .and_then(name_of)
            .ok_or("STORE needs a file")?;
        let format = match t.get(into + 2).map(|x| &x.tok) {
            Some(Tok::Sym('(')) => {
                let close = t.len() - 1;
                p.slice(into + 3, close).trim().to_ascii_lowercase()
            }
            _ => path
                .rsplit('.')
                .next()
                .unwrap_or("qvd")
                .to_ascii_lowercase(),
        };
        return Ok(Statement::Store {
            table,
            path,
            format,
        });
    }
    if (kw(0, "COMMENT") || kw(0, "TAG")) && find_top(t, 1, |x| is_kw(x, "WITH")).is_some() {
        let with = find_top(t, 1, |x| is_kw(x, "WITH")).unwrap_or(t.len());
        let start = if kw(1, "FIELD") || kw(1, "FIELDS") || kw(1, "TABLE") {
            2
        } else {
            1
        };
        let field = p.names(start, with)?.pop().ok_or("expected a field name")?;
        let value = t.get(with + 1).and_then(name_of).unwrap_or_default();
        return Ok(if kw(0, "COMMENT") {
            Statement::CommentField(field, value)
        } else {
            Statement::TagField(field, value)
        });
    }
    if kw(0, "QUALIFY") || kw(0, "UNQUALIFY") {
        let names = p.names(1, t.len())?;
        return Ok(if kw(0, "QUALIFY") {
            Statement::Qualify(names)
        } else {
            Statement::Unqualify(names)
        });
    }
    parse_load(&p).map(Statement::Load)
}

fn parse_load(p: &P<'_>) -> Result<Load, String> {
    let t = &p.toks;
    let kw = |i: usize, k: &str| t.get(i).is_some_and(|x| is_kw(x, k));
    let mut i = 0;
    let mut label = None;
    if t.len() > 1 && t[1].tok == Tok::Sym(':') {
        label = name_of(&t[0]);
        i = 2;
    }
    let table_arg = |i: &mut usize| -> Option<String> {
        if matches!(t.get(*i).map(|x| &x.tok), Some(Tok::Sym('('))) {
            let name = t.get(*i + 1).and_then(name_of);
            *i += 3;
            name
        } else {
            None
        }
    };
    let mut target = Target::Auto;
    loop {
        if kw(i, "CONCATENATE") {
            i += 1;
            target = Target::Concatenate(table_arg(&mut i));
        } else if kw(i, "NOCONCATENATE") {
            i += 1;
            target = Target::NoConcatenate;
        } else if kw(i, "MAPPING") {
            i += 1;
            target = Target::Mapping;
        } else if ["LEFT", "RIGHT", "INNER", "OUTER", "JOIN", "KEEP"]
            .iter()
            .any(|k| kw(i, k))
        {
            let kind = if kw(i, "LEFT") {
                JoinKind::Left
            } else if kw(i, "RIGHT") {
                JoinKind::Right
            } else if kw(i, "INNER") {
                JoinKind::Inner
            } else {
                JoinKind::Outer
            };
            if !kw(i, "JOIN") && !kw(i, "KEEP") {
                i += 1;
            }
            let keep = kw(i, "KEEP");
            if !kw(i, "JOIN") && !keep {
                return Err("expected JOIN or KEEP".into());
            }
            i += 1;
            let table = table_arg(&mut i);
            target = if keep {
                Target::Keep(kind, table)
            } else {
                Target::Join(kind, table)
            };
        } else {
            break;
        }
    }
    if kw(i, "SQL") || kw(i, "SELECT") {
        return Err("SQL SELECT needs a database connection, which qixd does not have".into());
    }
    if !kw(i, "LOAD") {
        let what = t.get(i).map(|x| &p.text[x.start..x.end]).unwrap_or("");
        return Err(format!("unknown statement '{what}'"));
    }
    i += 1;
    let distinct = kw(i, "DISTINCT");
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
    let mut fields = Vec::new();
    for (a, b) in split_commas(t, i, end_fields) {
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
    let mut j = end_fields;
    let mut source = Source::Preceding;
    let spec_at = |j: &mut usize| -> Result<FormatSpec, String> {
        if matches!(t.get(*j).map(|x| &x.tok), Some(Tok::Sym('('))) {
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
        } else {
            Ok(FormatSpec {
                quotes: true,
                ..FormatSpec::default()
            })
        }
    };
    if kw(j, "INLINE") {
        let data = match t.get(j + 1).map(|x| &x.tok) {
            Some(Tok::Bracket(d)) | Some(Tok::Quoted(d, _)) => d.clone(),
            _ => return Err("INLINE needs [data]".into()),
        };
        j += 2;
        let spec = spec_at(&mut j)?;
        source = Source::Inline { data, spec };
    } else if kw(j, "FROM") {
        let path_tok = t.get(j + 1).ok_or("FROM needs a file")?;
        let (path, mut k) = match &path_tok.tok {
            Tok::Bracket(s) | Tok::Quoted(s, _) => (s.clone(), j + 2),
            _ => {
                // An unquoted path runs to the format spec or the next clause.
                let end = (j + 1..t.len())
                    .find(|k| {
                        t[*k].tok == Tok::Sym('(')
                            || is_kw(&t[*k], "WHERE")
                            || is_kw(&t[*k], "WHILE")
                    })
                    .unwrap_or(t.len());
                if end == j + 1 {
                    return Err("FROM needs a file".into());
                }
                (p.slice(j + 1, end).to_string(), end)
            }
        };
        let spec = spec_at(&mut k)?;
        j = k;
        source = Source::File { path, spec };
    } else if kw(j, "RESIDENT") {
        let name = t
            .get(j + 1)
            .and_then(name_of)
            .ok_or("RESIDENT needs a table")?;
        j += 2;
        source = Source::Resident(name);
    } else if kw(j, "AUTOGENERATE") {
        let end = find_top(t, j + 1, |x| is_kw(x, "WHERE") || is_kw(x, "WHILE")).unwrap_or(t.len());
        source = Source::Autogenerate(p.expr(j + 1, end)?);
        j = end;
    }
    let mut where_ = None;
    let mut while_ = None;
    while j < t.len() {
        if kw(j, "WHERE") || kw(j, "WHILE") {
            let end =
                find_top(t, j + 1, |x| is_kw(x, "WHERE") || is_kw(x, "WHILE")).unwrap_or(t.len());
            let e = p.expr(j + 1, end)?;
            if kw(j, "WHERE") {
                where_ = Some(e);
            } else {
                while_ = Some(e);
            }
            j = end;
        } else {
            let x = &t[j];
            return Err(format!("unexpected '{}'", &p.text[x.start..x.end]));
        }
    }
    Ok(Load {
        label,
        target,
        distinct,
        fields,
        source,
        where_,
        while_,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(s: &str) -> Load {
        match parse_statement(s).unwrap() {
            Statement::Load(l) => l,
            other => panic!("not a load: {other:?}"),
        }
    }

    #[test]
    fn loads() {
        let l = load("T: LOAD *, a+1 AS b, [c d] INLINE [\nx,y\n1,2\n] (delimiter is ',')");
        assert_eq!(l.label.as_deref(), Some("T"));
        assert_eq!(l.fields.len(), 3);
        assert!(matches!(&l.fields[1], FieldItem::Expr { name, .. } if name == "b"));
        assert!(matches!(&l.fields[2], FieldItem::Expr { name, .. } if name == "c d"));
        assert!(
            matches!(&l.source, Source::Inline { data, spec } if data.contains("x,y") && spec.delimiter == Some(','))
        );
        let l = load("LEFT JOIN (T) LOAD DISTINCT k, v FROM [lib://data/x.csv] (txt, utf8, embedded labels, delimiter is ';', msq) WHERE v > 1");
        assert_eq!(l.target, Target::Join(JoinKind::Left, Some("T".into())));
        assert!(l.distinct);
        assert!(l.where_.is_some());
        assert!(
            matches!(&l.source, Source::File { path, spec } if path == "lib://data/x.csv" && spec.delimiter == Some(';') && spec.format.as_deref() == Some("txt"))
        );
        let l = load("LOAD RecNo() AS n AUTOGENERATE 10 WHILE IterNo() <= 2");
        assert!(matches!(l.source, Source::Autogenerate(_)) && l.while_.is_some());
        let l = load("MAPPING LOAD a, b RESIDENT T");
        assert_eq!(l.target, Target::Mapping);
        assert_eq!(l.source, Source::Resident("T".into()));
        let l = load("LOAD a * 2 AS b");
        assert_eq!(l.source, Source::Preceding);
        let l = load("CONCATENATE LOAD a FROM x.qvd (qvd)");
        assert_eq!(l.target, Target::Concatenate(None));
        assert!(matches!(&l.source, Source::File { path, .. } if path == "x.qvd"));
    }

    #[test]
    fn other_statements() {
        assert_eq!(
            parse_statement("SET a = 'x;y'").unwrap(),
            Statement::Set("a".into(), "x;y".into())
        );
        assert_eq!(
            parse_statement("SET DateFormat=M/D/YYYY").unwrap(),
            Statement::Set("DateFormat".into(), "M/D/YYYY".into())
        );
        assert!(
            matches!(parse_statement("LET n = 1 + 2").unwrap(), Statement::Let(n, _) if n == "n")
        );
        assert_eq!(
            parse_statement("DROP TABLES a, [b c]").unwrap(),
            Statement::DropTables(vec!["a".into(), "b c".into()])
        );
        assert_eq!(
            parse_statement("DROP FIELD x FROM T").unwrap(),
            Statement::DropFields(vec!["x".into()], vec!["T".into()])
        );
        assert_eq!(
            parse_statement("RENAME FIELD a TO b, c TO d").unwrap(),
            Statement::RenameFields(vec![("a".into(), "b".into()), ("c".into(), "d".into())])
        );
        assert_eq!(
            parse_statement("STORE T INTO [lib://data/t.qvd] (qvd)").unwrap(),
            Statement::Store {
                table: "T".into(),
                path: "lib://data/t.qvd".into(),
                format: "qvd".into()
            }
        );
        assert_eq!(
            parse_statement("Comment Field Dim1 With 'hello'").unwrap(),
            Statement::CommentField("Dim1".into(), "hello".into())
        );
        assert!(matches!(
            parse_statement("FOR i = 1 TO 3 STEP 2").unwrap(),
            Statement::For { step: Some(_), .. }
        ));
        assert!(
            matches!(parse_statement("FOR EACH f IN 'a', 'b'").unwrap(), Statement::ForEach { items, .. } if items.len() == 2)
        );
        assert!(matches!(
            parse_statement("IF a = 1 THEN").unwrap(),
            Statement::If(_)
        ));
        assert_eq!(parse_statement("END IF").unwrap(), Statement::EndIf);
        assert_eq!(
            parse_statement("SUB s(a, b)").unwrap(),
            Statement::Sub("s".into(), vec!["a".into(), "b".into()])
        );
        assert!(
            matches!(parse_statement("CALL s(1, 'x')").unwrap(), Statement::Call(n, a) if n == "s" && a.len() == 2)
        );
        assert!(parse_statement("SELECT * FROM t").is_err());
        assert!(parse_statement("LOAD a FROM x.csv (bogus)").is_err());
        assert!(parse_statement("GARBAGE here")
            .unwrap_err()
            .contains("unknown statement"));
        assert!(parse_statement("LOAD Sum(a AS b FROM x").is_err());
        for text in [
            "LOAD a FROM (txt)",
            "LOAD a FROM WHERE a > 1",
            "LOAD a FROM",
        ] {
            assert!(parse_statement(text).is_err(), "{text}");
        }
    }
}
