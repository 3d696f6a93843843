//! Splits expression text into tokens, skipping white space and comments.

use crate::ast::{is_name_continue, is_name_start};
use crate::ParseError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Num(f64),
    Str(String),
    /// A bare name: a field, a function name or a keyword.
    Name(String),
    /// A `[bracketed]` or `"double quoted"` name: always a field.
    Quoted(String),
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Amp,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// A set expression `{...}`: the text between the outer braces (the parser reads it with
    /// [`crate::set`]); the text starts one byte after the token.
    Set(String),
    End,
    /// The text cannot be read from here on; parsing stops with this error when it gets here.
    Error(ParseError),
}

/// A token and the byte offset where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.text.get(self.pos..)?.chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn err(position: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            position,
            message: message.into(),
        }
    }

    /// Skips white space and comments.
    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match (self.peek(), self.peek2()) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                (Some('/'), Some('*')) => {
                    let start = self.pos;
                    self.pos += 2;
                    loop {
                        match self.bump() {
                            None => return Err(Self::err(start, "unterminated comment")),
                            Some('*') if self.peek() == Some('/') => {
                                self.pos += 1;
                                break;
                            }
                            Some(_) => {}
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Reads a quoted run after its opening character, `close` doubled standing for itself.
    fn quoted(&mut self, start: usize, close: char, what: &str) -> Result<String, ParseError> {
        let rest = self.text.get(self.pos..).unwrap_or("");
        match unquote(rest, close) {
            Some((text, used)) => {
                self.pos += used;
                Ok(text)
            }
            None => Err(Self::err(start, format!("unterminated {what}"))),
        }
    }

    /// The text up to the `}` that closes the `{` at `start` (already read), braces nesting and quoted
    /// runs (`'...'`, `"..."`, `[...]`, `` `...` ``) skipped whole.
    fn braced(&mut self, start: usize) -> Result<String, ParseError> {
        let from = self.pos;
        let mut depth = 1usize;
        loop {
            match self.bump() {
                None => return Err(Self::err(start, "missing '}' to close the set expression")),
                Some('{') => depth += 1,
                Some('}') => {
                    depth -= 1;
                    if depth == 0 {
                        let inner = self.text.get(from..self.pos - 1).unwrap_or("");
                        return Ok(inner.to_string());
                    }
                }
                Some(q @ ('\'' | '"' | '`' | '[')) => {
                    let close = if q == '[' { ']' } else { q };
                    self.quoted(self.pos - 1, close, "quoted text in the set expression")?;
                }
                Some(_) => {}
            }
        }
    }

    fn digits(&mut self) -> &str {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    fn number(&mut self, start: usize) -> Result<f64, ParseError> {
        let int = self.digits().to_string();
        let mut frac = String::new();
        if self.peek() == Some('.') && matches!(self.peek2(), Some(c) if c.is_ascii_digit()) {
            self.pos += 1;
            frac = self.digits().to_string();
        }
        let mut exp = String::new();
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.pos += 1;
            let mut sign = "";
            if let Some(s @ ('+' | '-')) = self.peek() {
                self.pos += 1;
                sign = if s == '-' { "-" } else { "" };
            }
            let d = self.digits().to_string();
            if d.is_empty() {
                self.pos = save;
            } else {
                exp = format!("e{sign}{d}");
            }
        }
        if matches!(self.peek(), Some(c) if is_name_continue(c)) {
            while matches!(self.peek(), Some(c) if is_name_continue(c)) {
                self.bump();
            }
            let word: String = self
                .text
                .get(start..self.pos)
                .unwrap_or("")
                .chars()
                .take(30)
                .collect();
            return Err(Self::err(start, format!("invalid number '{word}'")));
        }
        let int = if int.is_empty() { "0" } else { int.as_str() };
        let frac = if frac.is_empty() { "0" } else { frac.as_str() };
        match format!("{int}.{frac}{exp}").parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => Err(Self::err(start, "number out of range")),
        }
    }

    fn next_token(&mut self) -> Result<Token, ParseError> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::End,
                start,
            });
        };
        let tok = match c {
            '0'..='9' => Tok::Num(self.number(start)?),
            '.' if matches!(self.peek2(), Some(d) if d.is_ascii_digit()) => {
                Tok::Num(self.number(start)?)
            }
            '\'' => {
                self.bump();
                Tok::Str(self.quoted(start, '\'', "string")?)
            }
            '[' => {
                self.bump();
                let name = self.quoted(start, ']', "field name")?;
                if name.is_empty() {
                    return Err(Self::err(start, "empty field name"));
                }
                Tok::Quoted(name)
            }
            '"' => {
                self.bump();
                let name = self.quoted(start, '"', "field name")?;
                if name.is_empty() {
                    return Err(Self::err(start, "empty field name"));
                }
                Tok::Quoted(name)
            }
            c if is_name_start(c) => {
                while matches!(self.peek(), Some(c) if is_name_continue(c)) {
                    self.bump();
                }
                Tok::Name(self.text.get(start..self.pos).unwrap_or("").to_string())
            }
            _ => {
                self.bump();
                let two = |l: &mut Self, next: char| {
                    if l.peek() == Some(next) {
                        l.bump();
                        true
                    } else {
                        false
                    }
                };
                match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    ',' => Tok::Comma,
                    '+' => Tok::Plus,
                    '-' => Tok::Minus,
                    '*' => Tok::Star,
                    '/' => Tok::Slash,
                    '^' => Tok::Caret,
                    '&' => Tok::Amp,
                    '=' => Tok::Eq,
                    '<' => {
                        if two(self, '>') {
                            Tok::Ne
                        } else if two(self, '=') {
                            Tok::Le
                        } else {
                            Tok::Lt
                        }
                    }
                    '>' => {
                        if two(self, '=') {
                            Tok::Ge
                        } else {
                            Tok::Gt
                        }
                    }
                    '{' => Tok::Set(self.braced(start)?),
                    other => {
                        return Err(Self::err(start, format!("unexpected character '{other}'")))
                    }
                }
            }
        };
        Ok(Token { tok, start })
    }
}

/// The quoted run at the start of `rest` (just after its opening character) up to `close`, a doubled
/// `close` standing for itself: its text and the bytes it takes, the closing character included. `None`
/// when `close` never comes.
pub(crate) fn unquote(rest: &str, close: char) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != close {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some(&(_, next)) if next == close => {
                chars.next();
                out.push(close);
            }
            _ => return Some((out, i + c.len_utf8())),
        }
    }
    None
}

/// All tokens of `text`, ending with [`Tok::End`] or, when the text cannot be read to its end, with a
/// [`Tok::Error`] at the place where reading failed.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut lx = Lexer { text, pos: 0 };
    let mut out = Vec::new();
    loop {
        match lx.next_token() {
            Ok(t) => {
                let end = t.tok == Tok::End;
                out.push(t);
                if end {
                    return out;
                }
            }
            Err(e) => {
                let at = e.position;
                out.push(Token {
                    tok: Tok::Error(e),
                    start: at,
                });
                return out;
            }
        }
    }
}
