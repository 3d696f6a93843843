//! Running the script's blocks: IF / ELSEIF / ELSE, FOR and FOR EACH loops, SUB definitions and CALLs
//! (with their parameters), and EXIT SCRIPT's flag. Each block body runs through the statement loop one
//! level deeper ([`Exec::nested`]), which bounds how deep blocks and calls go.

use super::blocks::Node;
use super::Exec;
use crate::ast::{ExitKind, Statement};
use crate::error::ScriptError;
use qix_expr::Expr;
use std::rc::Rc;

/// How the statement loop goes on: `exit` is set by EXIT SCRIPT and ends every block; `leave` by EXIT
/// DO, EXIT FOR and EXIT SUB, and ends every block up to the one it leaves.
pub(super) struct Flow {
    pub(super) exit: bool,
    pub(super) leave: Option<ExitKind>,
}

impl Flow {
    /// Whether the statements of a block stop here.
    pub(super) fn stops(&self) -> bool {
        self.exit || self.leave.is_some()
    }

    /// After a round of a `kind` block (DO, FOR, SUB): whether it ends now. An EXIT for this kind of
    /// block is used up here; one for a block around it ends this one too.
    pub(super) fn ends(&mut self, kind: ExitKind) -> bool {
        if self.leave == Some(kind) {
            self.leave = None;
            return true;
        }
        self.stops()
    }
}

/// What a FOR loop runs over.
enum LoopOver {
    /// `FOR var = from TO to STEP step`.
    Range {
        var: String,
        from: f64,
        to: f64,
        step: f64,
    },
    /// `FOR EACH var IN values`.
    Each { var: String, values: Vec<String> },
}

impl Exec<'_> {
    /// `SUB name(params)`: remembers the SUB for its CALLs.
    pub(super) fn define_sub(&mut self, i: usize, body: &[Node]) -> Result<(), ScriptError> {
        match self.statement(i)? {
            Statement::Sub(name, params) => {
                self.subs
                    .insert(name.to_ascii_lowercase(), (params, Rc::new(body.to_vec())));
                Ok(())
            }
            _ => Err(self.err(i, "expected SUB")),
        }
    }

    /// values, which are restored afterwards.
    pub(super) fn call_sub(
        &mut self,
        i: usize,
        name: &str,
        args: &[Expr],
        flow: &mut Flow,
    ) -> Result<(), ScriptError> {
        let (body, saved) = self.enter_sub(i, name, args)?;
        self.calls += 1;
        let result = self.nested(i, &body, flow);
        self.calls -= 1;
        // EXIT SUB ends here; EXIT DO / FOR cannot leave a SUB.
        flow.leave = None;
        for (p, old) in saved {
            match old {
                Some(v) => self.vars.insert(p, v),
                None => self.vars.remove(&p),
            };
        }
        result
    }

    /// Finds the SUB a CALL names, checks the call depth and sets its parameters; answers its body and
    /// the parameters' previous values.
    #[allow(clippy::type_complexity)]
    fn enter_sub(
        &mut self,
        i: usize,
        name: &str,
        args: &[Expr],
    ) -> Result<(Rc<Vec<Node>>, Vec<(String, Option<String>)>), ScriptError> {
        let max_calls = self.env.limits.max_call_depth;
        if self.calls >= max_calls {
            return Err(self.err(
                i,
                &format!(
                    "CALL {name}: SUB calls nested more than {max_calls} deep (does a SUB call itself without end?)"
                ),
            ));
        }
        let (params, body) = self
            .subs
            .get(&name.to_ascii_lowercase())
            .cloned()
            .ok_or_else(|| self.err(i, &format!("SUB {name} is not defined")))?;
        let values: Vec<String> = args
            .iter()
            .map(|e| self.eval_norow(e).text().unwrap_or_default())
            .collect();
        let saved: Vec<(String, Option<String>)> = params
            .iter()
            .map(|p| (p.clone(), self.vars.get(p).cloned()))
            .collect();
        for (p, v) in params.iter().zip(values) {
            self.vars.insert(p.clone(), v);
        }
        Ok((body, saved))
    }

    /// Whether the condition of IF or ELSEIF statement `i` holds.
    fn condition(&mut self, i: usize) -> Result<bool, ScriptError> {
        match self.statement(i)? {
            Statement::If(e) | Statement::ElseIf(e) => Ok(self.eval_norow(&e).truthy()),
            _ => Err(self.err(i, "expected IF or ELSEIF")),
        }
    }

    /// Runs the first branch of an IF whose condition holds (or its ELSE).
    pub(super) fn if_node(
        &mut self,
        branches: &[(Option<usize>, Vec<Node>)],
        flow: &mut Flow,
    ) -> Result<(), ScriptError> {
        // An ELSE body is opened by the IF.
        let opening = branches.first().and_then(|b| b.0).unwrap_or(0);
        for (cond, body) in branches {
            let take = match cond {
                None => true,
                Some(ci) => self.condition(*ci)?,
            };
            if take {
                return self.nested(cond.unwrap_or(opening), body, flow);
            }
        }
        Ok(())
    }

    /// What FOR or FOR EACH statement `i` loops over.
    fn loop_over(&mut self, i: usize) -> Result<LoopOver, ScriptError> {
        match self.statement(i)? {
            Statement::For {
                var,
                from,
                to,
                step,
            } => {
                let mut bound = |e: &Expr, what: &str| {
                    self.eval_norow(e)
                        .num()
                        .ok_or_else(|| format!("{what} is not a number"))
                };
                match (
                    bound(&from, "FOR start"),
                    bound(&to, "FOR end"),
                    step.map_or(Ok(1.0), |s| bound(&s, "STEP")),
                ) {
                    (Ok(_), Ok(_), Ok(0.0)) => Err(self.err(i, "STEP 0 would never end")),
                    (Ok(from), Ok(to), Ok(step)) => Ok(LoopOver::Range {
                        var,
                        from,
                        to,
                        step,
                    }),
                    (Err(m), _, _) | (_, Err(m), _) | (_, _, Err(m)) => Err(self.err(i, &m)),
                }
            }
            Statement::ForEach { var, items } => {
                let mut values = Vec::new();
                for e in &items {
                    match e {
                        // `FileList(pattern)` / `DirList(pattern)`: every file or folder it matches.
                        Expr::Call { name, args, .. }
                            if matches!(name.as_str(), "FileList" | "DirList") =>
                        {
                            let pattern = args
                                .first()
                                .and_then(|a| self.eval_norow(a).text())
                                .unwrap_or_default();
                            let found = self
                                .list_files(&pattern, name == "DirList")
                                .map_err(|m| self.err(i, &m))?;
                            values.extend(found);
                        }
                        e => values.push(self.eval_norow(e).text().unwrap_or_default()),
                    }
                }
                Ok(LoopOver::Each { var, values })
            }
            _ => Err(self.err(i, "expected FOR")),
        }
    }

    /// Runs a FOR or FOR EACH loop (statement `i`). The cancel flag is read before every round.
    pub(super) fn for_node(
        &mut self,
        i: usize,
        body: &[Node],
        flow: &mut Flow,
    ) -> Result<(), ScriptError> {
        match self.loop_over(i)? {
            LoopOver::Range {
                var,
                from,
                to,
                step,
            } => {
                let mut v = from;
                while (step > 0.0 && v <= to) || (step < 0.0 && v >= to) {
                    self.next_round(i, &var, qix_expr::format_number(v))?;
                    self.nested(i, body, flow)?;
                    if flow.ends(ExitKind::For) {
                        break;
                    }
                    let next = v + step;
                    if next == v {
                        return Err(self.err(
                            i,
                            "FOR would never end: STEP is too small to change the loop variable",
                        ));
                    }
                    v = next;
                }
            }
            LoopOver::Each { var, values } => {
                for v in values {
                    self.next_round(i, &var, v)?;
                    self.nested(i, body, flow)?;
                    if flow.ends(ExitKind::For) {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Starts a round of loop `i`: the cancel flag, then the loop variable.
    pub(super) fn next_round(
        &mut self,
        i: usize,
        var: &str,
        value: String,
    ) -> Result<(), ScriptError> {
        if self.cancelled() {
            return Err(self.err(i, "reload cancelled"));
        }
        self.vars.insert(var.to_string(), value);
        Ok(())
    }
}
