//! `$(Include=path)` and `$(Must_Include=path)` statements: the file's text runs as script where the
//! statement stands. `Include` passes over a file that is not there, `Must_Include` fails; either
//! fails for a path that leaves its connection's folder. The path may use variables (`$(vDir)`).
//! Included files nest at most [`crate::Limits::max_include_depth`] deep; a file's statements are
//! parsed once per reload (while its text stays the same), so an include in a loop costs no memory per
//! round. An error in an included statement names its line in that file and the file.

use super::blocks::{build, Node};
use super::control::Flow;
use super::Exec;
use crate::error::ScriptError;
use crate::split::split;
use std::rc::Rc;

/// The included files' statements: the range of the script's statements each file's fill, with the
/// file, and each file's last text and block structure.
#[derive(Default)]
pub(super) struct Includes {
    /// `(first statement, end, path)` of each file's statements.
    pub(super) ranges: Vec<(usize, usize, String)>,
    /// By path: the text last read and its blocks.
    parsed: std::collections::HashMap<String, (String, Rc<Vec<Node>>)>,
    /// Files being included now.
    pub(super) open: usize,
}

/// Whether statement text `text` is an include: `Some((must, path))`.
pub(super) fn include_directive(text: &str) -> Option<(bool, &str)> {
    let inner = text.trim().strip_prefix("$(")?.strip_suffix(')')?;
    let (word, path) = inner.split_once('=')?;
    let word = word.trim();
    let must = if word.eq_ignore_ascii_case("Must_Include") {
        true
    } else if word.eq_ignore_ascii_case("Include") {
        false
    } else {
        return None;
    };
    Some((must, path.trim()))
}

impl Exec<'_> {
    /// Runs include statement `i` (`must`: `Must_Include`) of file `path` (as written).
    pub(super) fn include(
        &mut self,
        i: usize,
        must: bool,
        path: &str,
        flow: &mut Flow,
    ) -> Result<(), ScriptError> {
        let max = self.env.limits.max_include_depth;
        if self.includes.open >= max {
            return Err(self.err(
                i,
                &format!(
                    "included files nested more than {max} deep (does a file include itself?)"
                ),
            ));
        }
        let path = self.expand(path).map_err(|m| self.err(i, &m))?;
        let full = self.resolve_path(i, &path)?;
        let text = match std::fs::read(&full) {
            Ok(bytes) => String::from_utf8_lossy(&bytes)
                .trim_start_matches('\u{feff}')
                .to_string(),
            Err(e) if must => return Err(self.err(i, &format!("cannot include {path}: {e}"))),
            Err(_) => {
                self.log.push(format!("{path}: not found, not included"));
                return Ok(());
            }
        };
        let nodes = self.included_nodes(i, &path, text)?;
        self.includes.open += 1;
        let result = self.nested(i, &nodes, flow);
        self.includes.open -= 1;
        result
    }

    /// The blocks of file `path` with text `text`: parsed before (same text), or split and built
    /// now, their statements added to the script's.
    fn included_nodes(
        &mut self,
        i: usize,
        path: &str,
        text: String,
    ) -> Result<Rc<Vec<Node>>, ScriptError> {
        if let Some((old, nodes)) = self.includes.parsed.get(path) {
            if *old == text {
                return Ok(nodes.clone());
            }
        }
        let at = &self.stmts[i];
        let (line, col, statement) = (at.line, at.col, at.text.clone());
        let in_file = |e: ScriptError| {
            ScriptError::at(
                line,
                col,
                &statement,
                &format!("{path}, line {}: {}", e.line, e.message),
            )
        };
        let stmts = split(&text).map_err(in_file)?;
        let start = self.stmts.len();
        self.stmts.extend(stmts);
        let mut k = start;
        let nodes = match build(&self.stmts, &mut k, &[], 0, self.env.limits.max_nesting) {
            Ok((nodes, _)) => nodes,
            Err(e) => {
                self.stmts.truncate(start);
                return Err(in_file(e));
            }
        };
        let end = self.stmts.len();
        self.includes.ranges.push((start, end, path.to_string()));
        let nodes = Rc::new(nodes);
        self.includes
            .parsed
            .insert(path.to_string(), (text, nodes.clone()));
        Ok(nodes)
    }

    /// The included file statement `i` comes from, if any.
    pub(super) fn included_from(&self, i: usize) -> Option<&str> {
        self.includes
            .ranges
            .iter()
            .find(|(a, b, _)| (*a..*b).contains(&i))
            .map(|(_, _, p)| p.as_str())
    }
}
