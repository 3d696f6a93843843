//! Parses one statement's text (after `$(...)` expansion) into a [`Statement`]. Expressions inside are
//! parsed by `qix-expr`; this module only finds the statement's parts. The tokens and the helpers over
//! them are in `tokens`, LOAD (with its format spec, [`parse_spec`]) in `load`; control statements
//! (IF, FOR, SUB, CALL, ...) and the other statements are here.

mod load;
mod prefixes;
mod tokens;

pub use load::parse_spec;

use crate::ast::*;
use load::parse_load;
use qix_expr::Expr;
use tokens::{find_top, is_kw, name_of, split_commas, tokenize, Tok, P};

/// Parses one statement.
pub fn parse_statement(text: &str) -> Result<Statement, String> {
    let toks = tokenize(text)?;
    let p = P { text, toks };
    if p.toks.is_empty() {
        return Err("empty statement".into());
    }
    if let Some(st) = control_statement(&p)? {
        return Ok(st);
    }
    if let Some(st) = other_statement(&p)? {
        return Ok(st);
    }
    parse_load(&p).map(Statement::Load)
}

/// IF / ELSEIF / ELSE / END IF, FOR / FOR EACH / NEXT, SUB / END SUB, CALL, EXIT, DO / LOOP, SWITCH /
/// CASE / DEFAULT / END SWITCH and SLEEP; `None` for any other statement.
fn control_statement(p: &P<'_>) -> Result<Option<Statement>, String> {
    let t = &p.toks;
    if p.sym(1, ':') {
        // `Do: LOAD ...`: a label, not a keyword.
        return Ok(None);
    }
    let st = if p.kw(0, "IF") || p.kw(0, "ELSEIF") {
        let then = find_top(t, 1, |x| is_kw(x, "THEN")).ok_or("IF needs THEN")?;
        let cond = p.expr(1, then)?;
        if p.kw(0, "IF") {
            Statement::If(cond)
        } else {
            Statement::ElseIf(cond)
        }
    } else if p.kw(0, "ELSE") && t.len() == 1 {
        Statement::Else
    } else if (p.kw(0, "END") && p.kw(1, "IF")) || p.kw(0, "ENDIF") {
        Statement::EndIf
    } else if p.kw(0, "END") && p.kw(1, "SUB") {
        Statement::EndSub
    } else if p.kw(0, "NEXT") {
        Statement::Next
    } else if p.kw(0, "FOR") && p.kw(1, "EACH") {
        for_each(p)?
    } else if p.kw(0, "FOR") {
        for_range(p)?
    } else if p.kw(0, "SUB") {
        let name = t.get(1).and_then(name_of).ok_or("SUB needs a name")?;
        let params = if p.sym(2, '(') {
            p.names(3, t.len() - 1)?
        } else {
            vec![]
        };
        Statement::Sub(name, params)
    } else if p.kw(0, "CALL") {
        let name = t.get(1).and_then(name_of).ok_or("CALL needs a name")?;
        let args = if p.sym(2, '(') {
            exprs(p, 3, t.len() - 1)?
        } else {
            vec![]
        };
        Statement::Call(name, args)
    } else if p.kw(0, "EXIT") {
        exit(p)?
    } else {
        return loop_or_switch(p);
    };
    Ok(Some(st))
}

/// `EXIT SCRIPT|DO|FOR|SUB [WHEN cond]`.
fn exit(p: &P<'_>) -> Result<Statement, String> {
    let kind = if p.kw(1, "SCRIPT") {
        ExitKind::Script
    } else if p.kw(1, "DO") {
        ExitKind::Do
    } else if p.kw(1, "FOR") {
        ExitKind::For
    } else if p.kw(1, "SUB") {
        ExitKind::Sub
    } else {
        return Err("EXIT needs SCRIPT, DO, FOR or SUB".into());
    };
    let when = match p.toks.len() {
        2 => None,
        _ if p.kw(2, "WHEN") || p.kw(2, "UNLESS") => {
            let cond = p.expr(3, p.toks.len())?;
            Some(if p.kw(2, "UNLESS") {
                Expr::Not(Box::new(cond))
            } else {
                cond
            })
        }
        _ => return Err(format!("unexpected '{}' after EXIT", p.token_text(2))),
    };
    Ok(Statement::Exit(kind, when))
}

/// DO / LOOP, SWITCH / CASE / DEFAULT / END SWITCH and SLEEP; `None` for any other statement.
fn loop_or_switch(p: &P<'_>) -> Result<Option<Statement>, String> {
    let t = &p.toks;
    let st = if p.kw(0, "DO") {
        Statement::Do(loop_cond(p, "DO")?)
    } else if p.kw(0, "LOOP") {
        Statement::Loop(loop_cond(p, "LOOP")?)
    } else if p.kw(0, "SWITCH") {
        Statement::Switch(p.expr(1, t.len())?)
    } else if p.kw(0, "CASE") {
        Statement::Case(exprs(p, 1, t.len())?)
    } else if p.kw(0, "DEFAULT") && t.len() == 1 {
        Statement::Default
    } else if p.kw(0, "END") && p.kw(1, "SWITCH") {
        Statement::EndSwitch
    } else if p.kw(0, "SLEEP") {
        Statement::Sleep(p.expr(1, t.len())?)
    } else {
        return Ok(None);
    };
    if let Statement::Case(values) = &st {
        if values.is_empty() {
            return Err("CASE needs a value".into());
        }
    }
    Ok(Some(st))
}

/// The `WHILE cond` or `UNTIL cond` after DO or LOOP (token 1 on), if any.
fn loop_cond(p: &P<'_>, what: &str) -> Result<Option<LoopCond>, String> {
    if p.toks.len() == 1 {
        return Ok(None);
    }
    let until = p.kw(1, "UNTIL");
    if !until && !p.kw(1, "WHILE") {
        return Err(format!(
            "expected WHILE or UNTIL after {what}, found '{}'",
            p.token_text(1)
        ));
    }
    let cond = p.expr(2, p.toks.len())?;
    Ok(Some(LoopCond { until, cond }))
}

/// The expressions in tokens `[from, to)`, separated by commas.
fn exprs(p: &P<'_>, from: usize, to: usize) -> Result<Vec<Expr>, String> {
    split_commas(&p.toks, from, to)
        .into_iter()
        .map(|(a, b)| p.expr(a, b))
        .collect()
}

/// `FOR EACH var IN items`.
fn for_each(p: &P<'_>) -> Result<Statement, String> {
    let t = &p.toks;
    let var = t
        .get(2)
        .and_then(name_of)
        .ok_or("FOR EACH needs a variable")?;
    p.expect(3, "IN")?;
    let items = exprs(p, 4, t.len())?;
    Ok(Statement::ForEach { var, items })
}

/// `FOR var = from TO to [STEP step]`.
fn for_range(p: &P<'_>) -> Result<Statement, String> {
    let t = &p.toks;
    let var = t.get(1).and_then(name_of).ok_or("FOR needs a variable")?;
    if !p.sym(2, '=') {
        return Err("FOR needs '='".into());
    }
    let to = find_top(t, 3, |x| is_kw(x, "TO")).ok_or("FOR needs TO")?;
    let step = find_top(t, to + 1, |x| is_kw(x, "STEP"));
    let from = p.expr(3, to)?;
    let end = p.expr(to + 1, step.unwrap_or(t.len()))?;
    let step = step.map(|s| p.expr(s + 1, t.len())).transpose()?;
    Ok(Statement::For {
        var,
        from,
        to: end,
        step,
    })
}

/// LET / SET, TRACE, DROP, LOOSEN, RENAME, STORE, COMMENT / TAG and QUALIFY / UNQUALIFY; `None` for any other
/// statement.
fn other_statement(p: &P<'_>) -> Result<Option<Statement>, String> {
    let t = &p.toks;
    let st = if p.kw(0, "LET") || p.kw(0, "SET") {
        let_set(p)?
    } else if p.kw(0, "TRACE") {
        Statement::Trace(p.text[t[0].end..].trim().to_string())
    } else if p.kw(0, "DROP") && (p.kw(1, "TABLE") || p.kw(1, "TABLES")) {
        Statement::DropTables(p.names(2, t.len())?)
    } else if p.kw(0, "LOOSEN") && (p.kw(1, "TABLE") || p.kw(1, "TABLES")) {
        Statement::LoosenTables(p.names(2, t.len())?)
    } else if p.kw(0, "DROP") && (p.kw(1, "FIELD") || p.kw(1, "FIELDS")) {
        let from = find_top(t, 2, |x| is_kw(x, "FROM"));
        let fields = p.names(2, from.unwrap_or(t.len()))?;
        let tables = match from {
            Some(f) => p.names(f + 1, t.len())?,
            None => vec![],
        };
        Statement::DropFields(fields, tables)
    } else if p.kw(0, "RENAME") && (p.kw(1, "TABLE") || p.kw(1, "FIELD")) {
        rename(p)?
    } else if p.kw(0, "STORE") {
        store(p)?
    } else if (p.kw(0, "COMMENT") || p.kw(0, "TAG"))
        && find_top(t, 1, |x| is_kw(x, "WITH")).is_some()
    {
        comment_or_tag(p)?
    } else if p.kw(0, "QUALIFY") || p.kw(0, "UNQUALIFY") {
        let names = p.names(1, t.len())?;
        if p.kw(0, "QUALIFY") {
            Statement::Qualify(names)
        } else {
            Statement::Unqualify(names)
        }
    } else {
        return Ok(None);
    };
    Ok(Some(st))
}

/// `LET name = expr` (nothing after `=` is NULL) or `SET name = text` (a single quoted text unquoted).
fn let_set(p: &P<'_>) -> Result<Statement, String> {
    let t = &p.toks;
    let name = t
        .get(1)
        .and_then(name_of)
        .ok_or("LET/SET needs a variable name")?;
    let eq = t
        .get(2)
        .filter(|x| x.tok == Tok::Sym('='))
        .ok_or("expected '='")?;
    let rest = p.text[eq.end..].trim();
    if p.kw(0, "LET") {
        let e = if rest.is_empty() {
            Expr::Call {
                name: "Null".into(),
                args: vec![],
                total: false,
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
    Ok(Statement::Set(name, value))
}

/// `RENAME TABLE|FIELD a TO b, c TO d`.
fn rename(p: &P<'_>) -> Result<Statement, String> {
    let t = &p.toks;
    let mut pairs = Vec::new();
    for (a, b) in split_commas(t, 2, t.len()) {
        let to = find_top(t, a, |x| is_kw(x, "TO"))
            .filter(|i| *i < b)
            .ok_or("RENAME needs TO")?;
        let from_name = p.names(a, to)?.pop().ok_or("RENAME needs a name")?;
        let to_name = p.names(to + 1, b)?.pop().ok_or("RENAME needs a new name")?;
        pairs.push((from_name, to_name));
    }
    Ok(if p.kw(1, "TABLE") {
        Statement::RenameTables(pairs)
    } else {
        Statement::RenameFields(pairs)
    })
}

/// `STORE [fields FROM] table INTO path [(format)]`; without a format, the path's extension.
fn store(p: &P<'_>) -> Result<Statement, String> {
    let t = &p.toks;
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
    let format = if p.sym(into + 2, '(') {
        let close = t.len() - 1;
        p.slice(into + 3, close).trim().to_ascii_lowercase()
    } else {
        path.rsplit('.')
            .next()
            .unwrap_or("qvd")
            .to_ascii_lowercase()
    };
    Ok(Statement::Store {
        table,
        path,
        format,
    })
}

/// `COMMENT [FIELD|FIELDS|TABLE] name WITH text` or `TAG ... WITH tag`.
fn comment_or_tag(p: &P<'_>) -> Result<Statement, String> {
    let t = &p.toks;
    let with = find_top(t, 1, |x| is_kw(x, "WITH")).unwrap_or(t.len());
    let start = if p.kw(1, "FIELD") || p.kw(1, "FIELDS") || p.kw(1, "TABLE") {
        2
    } else {
        1
    };
    let field = p.names(start, with)?.pop().ok_or("expected a field name")?;
    let value = t.get(with + 1).and_then(name_of).unwrap_or_default();
    Ok(if p.kw(0, "COMMENT") {
        Statement::CommentField(field, value)
    } else {
        Statement::TagField(field, value)
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
