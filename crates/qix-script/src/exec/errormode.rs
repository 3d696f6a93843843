//! `ErrorMode` and the error variables, as Qlik sets them: with `SET ErrorMode = 0` a statement that
//! fails is passed over and the script goes on (`ScriptError` gets the error's code, `ScriptErrorCount`
//! counts the errors, `ScriptErrorList` lists them, one a line); with 1 (the default) or 2 the reload
//! fails. A cancelled reload always ends. `ScriptError` is reset to 0 after a statement that succeeds.
//!
//! Qlik's `ScriptError` is a dual (code and text); the script's variables are texts, so it holds the
//! code (`IF ScriptError = 8 THEN` works as in Qlik's help).

use super::Exec;
use crate::error::ScriptError;

/// How a simple statement failed.
pub(super) enum StatementError {
    /// It could not be parsed (code 2, syntax error).
    Syntax(ScriptError),
    /// It failed while running.
    Run(ScriptError),
}

/// Qlik's code for a failure: 2 syntax error, 8 file not found, 10 table not found, 11 field not
/// found, 12 file has wrong format, 1 any other.
fn error_code(e: &StatementError) -> u32 {
    let e = match e {
        StatementError::Syntax(_) => return 2,
        StatementError::Run(e) => e,
    };
    let m = e.message.to_ascii_lowercase();
    if m.contains("cannot open") || m.contains("no file matches") || m.contains("cannot include") {
        8
    } else if m.contains("table ") && m.contains("not found") {
        10
    } else if m.contains("field ") && m.contains("not found") {
        11
    } else if m.contains("format") {
        12
    } else {
        1
    }
}

impl Exec<'_> {
    /// After a simple statement: success resets `ScriptError`; a failure fails the reload unless
    /// `ErrorMode` is 0, which records it in the error variables and goes on.
    pub(super) fn after_statement(
        &mut self,
        result: Result<(), StatementError>,
    ) -> Result<(), ScriptError> {
        let failure = match result {
            Ok(()) => {
                if self.vars.get("ScriptError").is_some_and(|v| v != "0") {
                    self.vars.insert("ScriptError".into(), "0".into());
                }
                return Ok(());
            }
            Err(f) => f,
        };
        let code = error_code(&failure);
        let (StatementError::Syntax(e) | StatementError::Run(e)) = failure;
        let continues = self
            .vars
            .get("ErrorMode")
            .and_then(|v| qix_expr::parse_number(v))
            == Some(0.0);
        if !continues || self.cancelled() {
            return Err(e);
        }
        let count = self
            .vars
            .get("ScriptErrorCount")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        let mut list = self
            .vars
            .get("ScriptErrorList")
            .cloned()
            .unwrap_or_default();
        if !list.is_empty() {
            list.push('\n');
        }
        list.push_str(&e.to_string());
        self.vars.insert("ScriptError".into(), code.to_string());
        self.vars
            .insert("ScriptErrorCount".into(), count.to_string());
        self.vars.insert("ScriptErrorList".into(), list);
        self.log.push(format!("error ignored (ErrorMode 0): {e}"));
        Ok(())
    }
}
