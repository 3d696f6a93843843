//! Script errors: where, which statement, what.

/// A script error with its position, as the reload log and `CheckScriptSyntax` report it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {col}: {message}{}", if statement.is_empty() { String::new() } else { format!(" (in: {})", short(statement)) })]
pub struct ScriptError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// The statement's text (may be empty).
    pub statement: String,
    /// What went wrong.
    pub message: String,
}

fn short(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 80 {
        format!("{}...", one.chars().take(80).collect::<String>())
    } else {
        one
    }
}

impl ScriptError {
    /// An error at a position.
    pub fn at(line: usize, col: usize, statement: &str, message: &str) -> ScriptError {
        ScriptError {
            line,
            col,
            statement: statement.to_string(),
            message: message.to_string(),
        }
    }
}
