//! Running DO ... LOOP (with a WHILE or UNTIL condition at either end, bounded by
//! [`crate::Limits::max_loop_rounds`]) and SWITCH / CASE / DEFAULT blocks. Their bodies run one level
//! deeper through [`Exec::nested`], like IF and FOR bodies.

use super::blocks::Node;
use super::control::Flow;
use super::Exec;
use crate::ast::{ExitKind, LoopCond, Statement};
use crate::error::ScriptError;
use qix_expr::{Expr, Value};

impl Exec<'_> {
    /// Runs `DO` (statement `i`) ... `LOOP` (statement `end`): rounds while the DO's condition lets
    /// them start and the LOOP's lets them go on, until an EXIT DO, at most
    /// [`crate::Limits::max_loop_rounds`] of them.
    pub(super) fn do_node(
        &mut self,
        i: usize,
        body: &[Node],
        end: usize,
        flow: &mut Flow,
    ) -> Result<(), ScriptError> {
        let head = match self.statement(i)? {
            Statement::Do(c) => c,
            _ => return Err(self.err(i, "expected DO")),
        };
        let tail = match self.statement(end)? {
            Statement::Loop(c) => c,
            _ => return Err(self.err(end, "expected LOOP")),
        };
        let max = self.env.limits.max_loop_rounds;
        let mut rounds = 0u64;
        while self.goes_on(head.as_ref()) {
            if self.cancelled() {
                return Err(self.err(i, "reload cancelled"));
            }
            if rounds >= max {
                return Err(self.err(
                    i,
                    &format!(
                        "DO loop ran {max} rounds without ending (the limit of rounds per loop)"
                    ),
                ));
            }
            rounds += 1;
            self.nested(i, body, flow)?;
            if flow.ends(ExitKind::Do) || !self.goes_on(tail.as_ref()) {
                break;
            }
        }
        Ok(())
    }

    /// Whether a loop goes on past a `WHILE` / `UNTIL` condition (always without one).
    fn goes_on(&mut self, cond: Option<&LoopCond>) -> bool {
        cond.is_none_or(|c| self.eval_norow(&c.cond).truthy() != c.until)
    }

    /// Runs the first CASE of SWITCH statement `i` one of whose values equals the SWITCH's value (or
    /// the DEFAULT when none does).
    pub(super) fn switch_node(
        &mut self,
        i: usize,
        branches: &[(Option<usize>, Vec<Node>)],
        flow: &mut Flow,
    ) -> Result<(), ScriptError> {
        let value = match self.statement(i)? {
            Statement::Switch(e) => self.eval_norow(&e),
            _ => return Err(self.err(i, "expected SWITCH")),
        };
        for (case, body) in branches {
            let take = match case {
                None => true,
                Some(c) => match self.statement(*c)? {
                    Statement::Case(values) => self.any_equal(&value, &values),
                    _ => return Err(self.err(*c, "expected CASE")),
                },
            };
            if take {
                return self.nested(case.unwrap_or(i), body, flow);
            }
        }
        Ok(())
    }

    /// Whether one of `values` equals `value`: as numbers when both are numbers, else as texts (case
    /// sensitive, as Qlik compares in `=`).
    fn any_equal(&mut self, value: &Value, values: &[Expr]) -> bool {
        values.iter().any(|e| {
            let v = self.eval_norow(e);
            match (value.num(), v.num()) {
                (Some(a), Some(b)) => a == b,
                _ => value.text().is_some() && value.text() == v.text(),
            }
        })
    }
}
