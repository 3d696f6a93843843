//! The HIERARCHY and HIERARCHYBELONGSTO prefixes, as Qlik's help describes them: an adjacent nodes
//! table (a record per node with its parent's ID) becomes an expanded nodes table (the node's name at
//! each level from the root in `NodeName1`, `NodeName2`, ..., with the parent's name, the path and the
//! depth when asked for), or an ancestors table (a record per node and each of its ancestors, the node
//! itself included). A node whose parent is not in the table is a root; a cycle of parents is an error,
//! not a hang.

use super::cells::cell_key;
use super::{Cell, Exec};
use crate::ast::Hierarchy;
use crate::error::ScriptError;
use crate::sources::{self, RawTable};
use qix_engine::Dual;
use std::collections::HashMap;

/// The nodes of an adjacent nodes table: for each record, the record of its parent (none for a root).
struct Tree {
    parent: Vec<Option<usize>>,
}

impl Tree {
    /// The parents of `data`'s records by the ID fields `id` and `parent` (field positions).
    fn new(data: &RawTable, id: usize, parent: usize) -> Tree {
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for (r, row) in data.rows.iter().enumerate() {
            if let Some(c) = row.get(id).filter(|c| c.is_some()) {
                by_id.entry(cell_key(c)).or_insert(r);
            }
        }
        let parent = data
            .rows
            .iter()
            .map(|row| {
                let p = row.get(parent).filter(|c| c.is_some())?;
                by_id.get(&cell_key(p)).copied()
            })
            .collect();
        Tree { parent }
    }

    /// Record `r` and its ancestors, from `r` up to the root; an error naming the node when the
    /// parents go round in a cycle.
    fn chain(&self, r: usize) -> Result<Vec<usize>, usize> {
        let mut out = vec![r];
        let mut at = r;
        while let Some(p) = self.parent.get(at).copied().flatten() {
            if out.len() > self.parent.len() {
                return Err(r);
            }
            out.push(p);
            at = p;
        }
        Ok(out)
    }
}

/// Row `r`'s cell of field `c` (NULL outside the table).
fn cell_at(data: &RawTable, r: usize, c: usize) -> Cell {
    data.rows
        .get(r)
        .and_then(|row| row.get(c))
        .cloned()
        .flatten()
}

impl Exec<'_> {
    /// `data` turned by the hierarchy prefix `h` (statement `i`).
    pub(super) fn hierarchy(
        &mut self,
        h: &Hierarchy,
        i: usize,
        data: RawTable,
    ) -> Result<RawTable, ScriptError> {
        let (node_id, parent_id, node_name) = match h {
            Hierarchy::Nodes {
                node_id,
                parent_id,
                node_name,
                ..
            }
            | Hierarchy::BelongsTo {
                node_id,
                parent_id,
                node_name,
                ..
            } => (node_id, parent_id, node_name),
        };
        let field = |f: &str| {
            data.fields.iter().position(|x| x == f).ok_or_else(|| {
                self.err(
                    i,
                    &format!("field {f} (named in the hierarchy prefix) not found"),
                )
            })
        };
        let cols = (field(node_id)?, field(parent_id)?, field(node_name)?);
        let tree = Tree::new(&data, cols.0, cols.1);
        let mut chains = Vec::with_capacity(data.rows.len());
        for r in 0..data.rows.len() {
            let chain = tree.chain(r).map_err(|r| {
                let id = data.rows[r].get(cols.0).cloned().flatten();
                let id = id.map_or_else(|| "-".to_string(), |d| d.text);
                self.err(
                    i,
                    &format!("the hierarchy has a cycle: node {id} is its own ancestor"),
                )
            })?;
            chains.push(chain);
        }
        match h {
            Hierarchy::Nodes { .. } => self.expanded_nodes(h, i, data, cols.2, &chains),
            Hierarchy::BelongsTo { .. } => self.ancestors(h, i, data, cols, &chains),
        }
    }

    /// The expanded nodes table: every field of `data`, then the parent's name, the levels
    /// `NodeName1..n` (the root's name first, NULL below the node), the path and the depth.
    fn expanded_nodes(
        &mut self,
        h: &Hierarchy,
        i: usize,
        data: RawTable,
        name: usize,
        chains: &[Vec<usize>],
    ) -> Result<RawTable, ScriptError> {
        let Hierarchy::Nodes {
            node_name,
            parent_name,
            path_source,
            path_name,
            path_delimiter,
            depth,
            ..
        } = h
        else {
            return Err(self.err(i, "expected HIERARCHY"));
        };
        let source = match path_source {
            Some(f) => data.fields.iter().position(|x| x == f).ok_or_else(|| {
                self.err(
                    i,
                    &format!("field {f} (the hierarchy's path source) not found"),
                )
            })?,
            None => name,
        };
        let levels = chains.iter().map(Vec::len).max().unwrap_or(0);
        let mut fields = data.fields.clone();
        fields.extend(parent_name.iter().cloned());
        fields.extend((1..=levels).map(|l| format!("{node_name}{l}")));
        fields.extend(path_name.iter().cloned());
        fields.extend(depth.iter().cloned());
        let delimiter = path_delimiter.as_deref().unwrap_or("/");
        let cell = |r: usize, c: usize| cell_at(&data, r, c);
        let budget = self.budget();
        let mut bytes = 0u64;
        let mut rows = Vec::with_capacity(data.rows.len());
        for (r, chain) in chains.iter().enumerate() {
            let mut out = data.rows[r].clone();
            out.resize(data.fields.len(), None);
            if parent_name.is_some() {
                out.push(chain.get(1).and_then(|p| cell(*p, name)));
            }
            let from_root = chain.iter().rev();
            out.extend(from_root.clone().map(|n| cell(*n, name)));
            out.extend((chain.len()..levels).map(|_| None));
            if path_name.is_some() {
                let parts: Vec<String> = from_root
                    .map(|n| cell(*n, source).map_or_else(String::new, |d| d.text))
                    .collect();
                out.push(Some(Dual::text(parts.join(delimiter))));
            }
            if depth.is_some() {
                out.push(Some(Dual::number(chain.len() as f64)));
            }
            bytes = bytes.saturating_add(sources::row_bytes(&out) as u64);
            budget.check(0, bytes).map_err(|m| self.err(i, &m))?;
            rows.push(out);
        }
        Ok(RawTable { fields, rows })
    }

    /// The ancestors table: for every node and each of its ancestors (itself first, at depth
    /// difference 0), the node's fields but its parent's ID, then the ancestor's ID and name and the
    /// depth difference.
    fn ancestors(
        &mut self,
        h: &Hierarchy,
        i: usize,
        data: RawTable,
        (id, parent, name): (usize, usize, usize),
        chains: &[Vec<usize>],
    ) -> Result<RawTable, ScriptError> {
        let Hierarchy::BelongsTo {
            ancestor_id,
            ancestor_name,
            depth_diff,
            ..
        } = h
        else {
            return Err(self.err(i, "expected HIERARCHYBELONGSTO"));
        };
        let kept: Vec<usize> = (0..data.fields.len()).filter(|c| *c != parent).collect();
        let mut fields: Vec<String> = kept.iter().map(|c| data.fields[*c].clone()).collect();
        fields.push(ancestor_id.clone());
        fields.push(ancestor_name.clone());
        fields.extend(depth_diff.iter().cloned());
        let cell = |r: usize, c: usize| cell_at(&data, r, c);
        let budget = self.budget();
        let mut bytes = 0u64;
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for (r, chain) in chains.iter().enumerate() {
            for (diff, a) in chain.iter().enumerate() {
                let mut out: Vec<Cell> = kept.iter().map(|c| cell(r, *c)).collect();
                out.push(cell(*a, id));
                out.push(cell(*a, name));
                if depth_diff.is_some() {
                    out.push(Some(Dual::number(diff as f64)));
                }
                bytes = bytes.saturating_add(sources::row_bytes(&out) as u64);
                budget
                    .check(rows.len() as u64 + 1, bytes)
                    .map_err(|m| self.err(i, &m))?;
                rows.push(out);
            }
        }
        self.rows_made = self.rows_made.saturating_add(rows.len() as u64);
        Ok(RawTable { fields, rows })
    }
}
