//! Splits a script into raw statements, each with the line and column where it starts.
//!
//! Statements end at `;` outside quotes (`'...'`, `"..."`), brackets (`[...]`, which also hold INLINE data)
//! and comments (`//` to the end of the line, `/* */`, `REM ...;`). Control statements end at the end of
//! their line instead: `IF ... THEN`, `ELSEIF ... THEN`, `ELSE`, `END IF`, `FOR ...`, `NEXT`, `SUB ...`,
//! `END SUB`, `EXIT ...`, `DO ...`, `LOOP ...`, `SWITCH ...`, `CASE ...`, `DEFAULT`, `END SWITCH`.

use crate::error::ScriptError;

/// One statement's text and where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct RawStatement {
    /// The text, without the terminating `;`.
    pub text: String,
    /// Line of its first character.
    pub line: usize,
    /// Column of its first character.
    pub col: usize,
}

struct Cursor<'a> {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    col: usize,
    _src: &'a str,
}

impl Cursor<'_> {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.pos + k).copied()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }
    fn starts_word(&self, word: &str) -> bool {
        let w: Vec<char> = word.chars().collect();
        for (i, c) in w.iter().enumerate() {
            match self.peek(i) {
                Some(x) if x.eq_ignore_ascii_case(c) => {}
                _ => return false,
            }
        }
        !self
            .peek(w.len())
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    }
    /// Whether the word of `len` characters here is a label (`Do:`) rather than a keyword.
    fn labels(&self, len: usize) -> bool {
        let mut k = len;
        while self.peek(k).is_some_and(|c| c == ' ' || c == '\t') {
            k += 1;
        }
        self.peek(k) == Some(':')
    }
    /// Skips whitespace and comments between statements.
    fn skip_trivia(&mut self) -> Result<(), ScriptError> {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if c.is_whitespace() || c == ';' => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    let (line, col) = (self.line, self.col);
                    self.bump();
                    self.bump();
                    loop {
                        match (self.peek(0), self.peek(1)) {
                            (Some('*'), Some('/')) => {
                                self.bump();
                                self.bump();
                                break;
                            }
                            (Some(_), _) => {
                                self.bump();
                            }
                            (None, _) => {
                                return Err(ScriptError::at(
                                    line,
                                    col,
                                    "",
                                    "unterminated /* comment",
                                ))
                            }
                        }
                    }
                }
                _ if self.starts_word("REM") => {
                    while self.peek(0).is_some_and(|c| c != ';') {
                        self.bump();
                    }
                }
                _ => return Ok(()),
            }
        }
    }
}

/// Which kind of ending a statement has.
fn control_kind(c: &Cursor) -> Option<&'static str> {
    for (word, kind) in [
        ("IF", "then"),
        ("ELSEIF", "then"),
        ("ELSE", "word"),
        ("END", "line"),
        ("ENDIF", "line"),
        ("FOR", "line"),
        ("NEXT", "line"),
        ("SUB", "line"),
        ("EXIT", "line"),
        ("DO", "line"),
        ("LOOP", "line"),
        ("SWITCH", "line"),
        ("CASE", "line"),
        ("DEFAULT", "line"),
    ] {
        if c.starts_word(word) && !c.labels(word.len()) {
            return Some(kind);
        }
    }
    None
}

/// Splits `script` into statements.
pub fn split(script: &str) -> Result<Vec<RawStatement>, ScriptError> {
    let mut c = Cursor {
        chars: script.chars().collect(),
        pos: 0,
        line: 1,
        col: 1,
        _src: script,
    };
    let mut out = Vec::new();
    loop {
        c.skip_trivia()?;
        if c.peek(0).is_none() {
            return Ok(out);
        }
        let (line, col) = (c.line, c.col);
        let kind = control_kind(&c);
        let mut text = String::new();
        if kind == Some("word") {
            // ELSE alone.
            for _ in 0..4 {
                if let Some(ch) = c.bump() {
                    text.push(ch);
                }
            }
            out.push(RawStatement { text, line, col });
            continue;
        }
        while let Some(ch) = c.peek(0) {
            match ch {
                ';' => {
                    c.bump();
                    break;
                }
                '\n' if kind.is_some() => break,
                '\'' | '"' | '[' => {
                    let close = if ch == '[' { ']' } else { ch };
                    let (l, co) = (c.line, c.col);
                    text.push(ch);
                    c.bump();
                    loop {
                        match c.bump() {
                            Some(x) if x == close => {
                                text.push(x);
                                if c.peek(0) == Some(close) {
                                    text.push(close);
                                    c.bump();
                                    continue;
                                }
                                break;
                            }
                            Some(x) => text.push(x),
                            None => {
                                return Err(ScriptError::at(
                                    l,
                                    co,
                                    "",
                                    &format!("unterminated {ch}: missing {close}"),
                                ))
                            }
                        }
                    }
                }
                '/' if c.peek(1) == Some('/') && !text.ends_with(':') => {
                    while c.peek(0).is_some_and(|x| x != '\n') {
                        c.bump();
                    }
                }
                '/' if c.peek(1) == Some('*') => {
                    c.bump();
                    c.bump();
                    while !(c.peek(0) == Some('*') && c.peek(1) == Some('/')) {
                        if c.bump().is_none() {
                            return Err(ScriptError::at(line, col, "", "unterminated /* comment"));
                        }
                    }
                    c.bump();
                    c.bump();
                    text.push(' ');
                }
                _ => {
                    text.push(ch);
                    c.bump();
                    if kind == Some("then") && text.len() >= 4 {
                        let t = text.trim_end();
                        let cut = t.len().saturating_sub(4);
                        if t.len() >= 5
                            && t.get(cut..).is_some_and(|w| w.eq_ignore_ascii_case("then"))
                            && t.get(..cut)
                                .is_some_and(|h| h.ends_with(char::is_whitespace))
                            && !c.peek(0).is_some_and(|x| x.is_alphanumeric())
                        {
                            break;
                        }
                    }
                }
            }
        }
        let text = text.trim().to_string();
        if !text.is_empty() {
            out.push(RawStatement { text, line, col });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        split(s).unwrap().into_iter().map(|r| r.text).collect()
    }

    #[test]
    fn splits_statements_comments_and_blocks() {
        let s = "///$tab Main\nSET a='x;y'; // note\nT: LOAD * INLINE [\nx;y\n1;2\n];\n/* c; */ REM skip me;\nLOAD [a;b] FROM [lib://data/x.csv];";
        assert_eq!(
            texts(s),
            vec![
                "SET a='x;y'",
                "T: LOAD * INLINE [\nx;y\n1;2\n]",
                "LOAD [a;b] FROM [lib://data/x.csv]"
            ]
        );
        let r = split("\n\n  LOAD 1 AUTOGENERATE 1;").unwrap();
        assert_eq!((r[0].line, r[0].col), (3, 3));
    }

    #[test]
    fn control_statements_end_at_the_line() {
        let s = "IF a = 1 THEN\n LET b = 2;\nELSEIF a = 2 THEN\nELSE\n TRACE x;\nEND IF\nFOR i = 1 TO 3\nNEXT i\nSUB foo(x)\nEND SUB\nCALL foo(1);";
        assert_eq!(
            texts(s),
            vec![
                "IF a = 1 THEN",
                "LET b = 2",
                "ELSEIF a = 2 THEN",
                "ELSE",
                "TRACE x",
                "END IF",
                "FOR i = 1 TO 3",
                "NEXT i",
                "SUB foo(x)",
                "END SUB",
                "CALL foo(1)"
            ]
        );
        assert_eq!(
            texts("IF 1=1 THEN TRACE y; END IF"),
            vec!["IF 1=1 THEN", "TRACE y", "END IF"]
        );
    }

    #[test]
    fn multibyte_text_before_then_is_no_problem() {
        // The THEN check looked at the last four bytes, inside a multibyte character.
        assert_eq!(
            texts("IF éRecNo()\nTRACE x;"),
            vec!["IF éRecNo()", "TRACE x"]
        );
        assert_eq!(
            texts("IF a = 'é' THEN\nEND IF"),
            vec!["IF a = 'é' THEN", "END IF"]
        );
        assert!(split("iF<\u{dd43d}{").is_ok());
    }

    #[test]
    fn unterminated_things_are_errors_with_positions() {
        let e = split("LOAD 'abc FROM x;").unwrap_err();
        assert_eq!((e.line, e.col), (1, 6));
        assert!(split("LOAD * INLINE [ a\n1").is_err());
        assert!(split("/* never closed").is_err());
    }
}
