//! The statements that neither load nor steer: LET and SET, TRACE, EXIT (its flag), SLEEP, DROP TABLES / FIELDS,
//! RENAME TABLES / FIELDS, COMMENT and TAG, QUALIFY and UNQUALIFY (and STORE and CALL, which their own
//! modules run).

use super::control::Flow;
use super::Exec;
use crate::ast::{ExitKind, Statement};
use crate::error::ScriptError;
use qix_expr::Expr;
use std::collections::HashSet;

impl Exec<'_> {
    /// Runs the simple statement `st` (statement `i`).
    pub(super) fn simple(
        &mut self,
        i: usize,
        st: Statement,
        flow: &mut Flow,
    ) -> Result<(), ScriptError> {
        match st {
            Statement::Let(name, e) => self.let_var(name, &e),
            Statement::Set(name, value) => {
                self.locale.set(&name, &value);
                self.vars.insert(name, value);
            }
            Statement::Trace(t) => self.log.push(t),
            Statement::Exit(kind, when) => {
                if when.is_none_or(|c| self.eval_norow(&c).truthy()) {
                    match kind {
                        ExitKind::Script => flow.exit = true,
                        kind => flow.leave = Some(kind),
                    }
                }
            }
            Statement::Sleep(ms) => self.sleep(i, &ms)?,
            Statement::DropTables(names) => self.drop_tables(i, names)?,
            Statement::LoosenTables(names) => self.loosen_tables(i, names)?,
            Statement::DropFields(fields, from) => self.drop_fields(i, &fields, &from)?,
            Statement::RenameTables(pairs) => self.rename_tables(i, pairs)?,
            Statement::RenameFields(pairs) => self.rename_fields(pairs),
            Statement::Store {
                table,
                path,
                format,
            } => self.store(i, &table, &path, &format)?,
            Statement::CommentField(f, c) => {
                self.comments.insert(f, c);
            }
            Statement::TagField(f, t) => self.tags.entry(f).or_default().push(t),
            Statement::Qualify(names) => self.set_qualify(names),
            Statement::Unqualify(names) => self.set_unqualify(names),
            Statement::Call(name, args) => self.call_sub(i, &name, &args, flow)?,
            Statement::Load(_)
            | Statement::If(_)
            | Statement::ElseIf(_)
            | Statement::Else
            | Statement::EndIf
            | Statement::For { .. }
            | Statement::ForEach { .. }
            | Statement::Next
            | Statement::Sub(..)
            | Statement::EndSub
            | Statement::Do(_)
            | Statement::Loop(_)
            | Statement::Switch(_)
            | Statement::Case(_)
            | Statement::Default
            | Statement::EndSwitch => {
                return Err(self.err(i, "misplaced statement"));
            }
        }
        Ok(())
    }

    /// `SLEEP n`: waits `n` milliseconds (at most an hour, as in Qlik), reading the cancel flag
    /// every 50 ms.
    fn sleep(&mut self, i: usize, ms: &Expr) -> Result<(), ScriptError> {
        let n = self.eval_norow(ms).num().unwrap_or(f64::NAN);
        if !(0.0..=3_600_000.0).contains(&n) {
            return Err(self.err(i, "SLEEP takes milliseconds from 0 to 3600000"));
        }
        let end = std::time::Instant::now() + std::time::Duration::from_millis(n as u64);
        loop {
            if self.cancelled() {
                return Err(self.err(i, "reload cancelled"));
            }
            let now = std::time::Instant::now();
            if now >= end {
                return Ok(());
            }
            std::thread::sleep((end - now).min(std::time::Duration::from_millis(50)));
        }
    }

    /// `LET name = e`: the value's text, or no variable when it is NULL.
    fn let_var(&mut self, name: String, e: &Expr) {
        let v = self.eval_norow(e);
        match v.text() {
            Some(t) => {
                self.locale.set(&name, &t);
                self.vars.insert(name, t)
            }
            None => self.vars.remove(&name),
        };
    }

    fn drop_tables(&mut self, i: usize, names: Vec<String>) -> Result<(), ScriptError> {
        for n in names {
            let before = self.tables.len();
            self.tables.retain(|t| t.name != n);
            if before == self.tables.len() {
                return Err(self.err(i, &format!("table {n} not found")));
            }
        }
        Ok(())
    }

    /// `LOOSEN TABLES names`: marks the tables; the model couples them loosely.
    fn loosen_tables(&mut self, i: usize, names: Vec<String>) -> Result<(), ScriptError> {
        for n in names {
            match self.tables.iter_mut().find(|t| t.name == n) {
                Some(t) => t.loose = true,
                None => return Err(self.err(i, &format!("table {n} not found"))),
            }
        }
        Ok(())
    }

    /// `DROP FIELDS fields FROM from` (every table when `from` is empty); tables left without fields go.
    fn drop_fields(
        &mut self,
        i: usize,
        fields: &[String],
        from: &[String],
    ) -> Result<(), ScriptError> {
        let mut found = false;
        for t in self
            .tables
            .iter_mut()
            .filter(|t| from.is_empty() || from.contains(&t.name))
        {
            for f in fields {
                if let Some(c) = t.field(f) {
                    found = true;
                    t.remove_field(c);
                }
            }
        }
        if !found {
            return Err(self.err(i, &format!("field {} not found", fields.join(", "))));
        }
        self.tables.retain(|t| !t.fields.is_empty());
        Ok(())
    }

    fn rename_tables(&mut self, i: usize, pairs: Vec<(String, String)>) -> Result<(), ScriptError> {
        for (a, b) in pairs {
            match self.tables.iter_mut().find(|t| t.name == a) {
                Some(t) => t.name = b,
                None => return Err(self.err(i, &format!("table {a} not found"))),
            }
        }
        Ok(())
    }

    fn rename_fields(&mut self, pairs: Vec<(String, String)>) {
        for (a, b) in pairs {
            for t in &mut self.tables {
                for f in &mut t.fields {
                    if *f == a {
                        *f = b.clone();
                    }
                }
            }
        }
    }

    /// `QUALIFY names` (`*`: every field, forgetting earlier UNQUALIFYs).
    fn set_qualify(&mut self, names: Vec<String>) {
        if names.iter().any(|n| n == "*") {
            self.qualify = (true, HashSet::new());
            self.unqualify.clear();
        } else {
            for n in &names {
                self.unqualify.remove(n);
            }
            self.qualify.1.extend(names);
        }
    }

    /// `UNQUALIFY names` (`*`: no field is qualified any more).
    fn set_unqualify(&mut self, names: Vec<String>) {
        if names.iter().any(|n| n == "*") {
            self.qualify = (false, HashSet::new());
        } else {
            self.unqualify.extend(names);
        }
    }
}
