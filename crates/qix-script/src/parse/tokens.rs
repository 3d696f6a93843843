//! The tokens of a statement (words, quoted and bracketed names, symbols, with their byte offsets) and
//! the helpers the statement parsers share to find keywords, names, commas and expressions in them.

use qix_expr::Expr;

/// A token and where it is in the statement text (byte offsets).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// The tokens of a statement's text; an error for a quote or bracket that is not closed.
pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, String> {
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

/// Whether the token is keyword `kw` (any case).
pub(super) fn is_kw(t: &Token, kw: &str) -> bool {
    matches!(&t.tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
}

/// A name: a word, a bracketed name or a quoted name.
pub(super) fn name_of(t: &Token) -> Option<String> {
    match &t.tok {
        Tok::Word(w) => Some(w.clone()),
        Tok::Bracket(s) | Tok::Quoted(s, _) => Some(s.clone()),
        Tok::Sym(_) => None,
    }
}

/// Index of the first token at parenthesis depth 0 from `from` that satisfies `pred`.
pub(super) fn find_top(
    toks: &[Token],
    from: usize,
    pred: impl Fn(&Token) -> bool,
) -> Option<usize> {
    find_top_at(toks, from, |i| pred(&toks[i]))
}

/// [`find_top`] with a predicate on the token's position (to look at the tokens after it too).
pub(super) fn find_top_at(
    toks: &[Token],
    from: usize,
    pred: impl Fn(usize) -> bool,
) -> Option<usize> {
    let mut depth = 0i32;
    for (i, t) in toks.iter().enumerate().skip(from) {
        match t.tok {
            Tok::Sym('(') => depth += 1,
            Tok::Sym(')') => depth -= 1,
            _ if depth == 0 && pred(i) => return Some(i),
            _ => {}
        }
    }
    None
}

/// Splits tokens `[from, to)` at depth-0 commas into ranges.
pub(super) fn split_commas(toks: &[Token], from: usize, to: usize) -> Vec<(usize, usize)> {
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

/// A statement being parsed: its text and tokens.
pub(super) struct P<'a> {
    pub(super) text: &'a str,
    pub(super) toks: Vec<Token>,
}

impl P<'_> {
    /// The text of tokens `[from, to)`.
    pub(super) fn slice(&self, from: usize, to: usize) -> &str {
        if from >= to || from >= self.toks.len() {
            return "";
        }
        let s = self.toks[from].start;
        let e = self.toks[to - 1].end;
        &self.text[s..e]
    }

    /// The expression tokens `[from, to)` spell.
    pub(super) fn expr(&self, from: usize, to: usize) -> Result<Expr, String> {
        let src = self.slice(from, to);
        if src.trim().is_empty() {
            return Err("an expression is missing".into());
        }
        qix_expr::parse(src).map_err(|e| format!("{} in '{}'", e.message, src.trim()))
    }

    pub(super) fn expect(&self, i: usize, kw: &str) -> Result<(), String> {
        match self.toks.get(i) {
            Some(t) if is_kw(t, kw) => Ok(()),
            Some(t) => Err(format!(
                "expected {kw}, found '{}'",
                &self.text[t.start..t.end]
            )),
            None => Err(format!("expected {kw} at the end of the statement")),
        }
    }

    /// The names in tokens `[from, to)`, separated by commas.
    pub(super) fn names(&self, from: usize, to: usize) -> Result<Vec<String>, String> {
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

    /// Whether token `i` is keyword `kw` (any case).
    pub(super) fn kw(&self, i: usize, kw: &str) -> bool {
        self.toks.get(i).is_some_and(|x| is_kw(x, kw))
    }

    /// Whether token `i` is symbol `c`.
    pub(super) fn sym(&self, i: usize, c: char) -> bool {
        matches!(self.toks.get(i).map(|x| &x.tok), Some(Tok::Sym(s)) if *s == c)
    }

    /// The text of token `i`.
    pub(super) fn token_text(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |x| &self.text[x.start..x.end])
    }
}
