//! Circular references: which tables to loosen so that no loop is left.
//!
//! Tables and key fields form a graph (a table is linked to each key field it holds). Associative
//! inference needs that graph to be a forest: two paths between tables would make "the rows that agree
//! with a selection" ambiguous. Qlik does not refuse a model with a loop; it loosely couples a table of
//! the loop (its fields stop passing selections to each other) and warns. Which one: "typically the
//! longest table in the loop", since that is usually the transaction table; on a tie, the first loaded
//! (the engine API's own example loosens the first of three equal tables). Tables the script loosened
//! itself (`Loosen Table`) carry no links from the start, so a loop they already cut is no loop.
//!
//! This module only decides; the model keeps the result (`Table::coupling`) and inference and cube
//! planning read it.

use crate::model::{FieldId, TableId};
use std::collections::VecDeque;

/// What the loop search knows of a table: its key fields, its rows, whether it is loose already.
pub(crate) struct LinkTable<'a> {
    /// The key fields of the table (fields in more than one table).
    pub(crate) keys: &'a [FieldId],
    /// Row count: the longest table of a loop is loosened.
    pub(crate) rows: usize,
    /// Already loosely coupled: no links.
    pub(crate) loose: bool,
}

/// The tables to loosen, in the order the loops were found, so that the tight tables form no loop.
pub(crate) fn tables_to_loosen(tables: &[LinkTable<'_>], fields: usize) -> Vec<TableId> {
    let mut loose: Vec<bool> = tables.iter().map(|t| t.loose).collect();
    let mut cut = Vec::new();
    while let Some(cycle) = first_loop(tables, &loose, fields) {
        // The longest table of the loop; the first loaded of equally long ones.
        let Some(&victim) = cycle
            .iter()
            .min_by_key(|t| (std::cmp::Reverse(tables[**t].rows), **t))
        else {
            break;
        };
        loose[victim] = true;
        cut.push(victim);
    }
    cut
}

/// The tables of the first loop found among the tight tables' links, in load order of links.
fn first_loop(tables: &[LinkTable<'_>], loose: &[bool], fields: usize) -> Option<Vec<TableId>> {
    let n = tables.len();
    let mut forest = Forest::new(n + fields);
    for (t, table) in tables.iter().enumerate() {
        if loose[t] {
            continue;
        }
        for &k in table.keys {
            let (a, b) = (t, n + k);
            if forest.connected(a, b) {
                let path = forest.path(b, a);
                return Some(path.into_iter().filter(|x| *x < n).collect());
            }
            forest.link(a, b);
        }
    }
    None
}

/// A growing forest over table and field nodes: union-find for "already connected?", adjacency lists
/// for the path that a closing link would make a loop of.
struct Forest {
    parent: Vec<usize>,
    adjacent: Vec<Vec<usize>>,
}

impl Forest {
    fn new(nodes: usize) -> Forest {
        Forest {
            parent: (0..nodes).collect(),
            adjacent: vec![Vec::new(); nodes],
        }
    }

    fn root(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn connected(&mut self, a: usize, b: usize) -> bool {
        self.root(a) == self.root(b)
    }

    fn link(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        self.parent[ra] = rb;
        self.adjacent[a].push(b);
        self.adjacent[b].push(a);
    }

    /// The nodes on the forest's one path from `from` to `to` (both connected), both included.
    fn path(&self, from: usize, to: usize) -> Vec<usize> {
        let mut prev = vec![usize::MAX; self.parent.len()];
        prev[from] = from;
        let mut queue = VecDeque::from([from]);
        while let Some(x) = queue.pop_front() {
            if x == to {
                break;
            }
            for &y in &self.adjacent[x] {
                if prev[y] == usize::MAX {
                    prev[y] = x;
                    queue.push_back(y);
                }
            }
        }
        let mut path = vec![to];
        let mut cur = to;
        while cur != from && prev[cur] != usize::MAX {
            cur = prev[cur];
            path.push(cur);
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(keys: &[FieldId], rows: usize) -> LinkTable<'_> {
        LinkTable {
            keys,
            rows,
            loose: false,
        }
    }

    #[test]
    fn a_triangle_loosens_its_longest_table() {
        // A(x, y), B(y, z), C(z, x): one loop through all three.
        let (a, b, c) = ([0, 1], [1, 2], [2, 0]);
        let tables = [table(&a, 10), table(&b, 30), table(&c, 20)];
        assert_eq!(tables_to_loosen(&tables, 3), vec![1]);
        // Equal lengths: the first loaded.
        let tables = [table(&a, 5), table(&b, 5), table(&c, 5)];
        assert_eq!(tables_to_loosen(&tables, 3), vec![0]);
    }

    #[test]
    fn a_star_and_a_chain_have_no_loop() {
        let (a, b, c) = ([0], [0], [0]);
        assert!(tables_to_loosen(&[table(&a, 1), table(&b, 1), table(&c, 1)], 1).is_empty());
        let (a, b, c) = ([0], [0, 1], [1]);
        assert!(tables_to_loosen(&[table(&a, 1), table(&b, 1), table(&c, 1)], 2).is_empty());
    }

    #[test]
    fn a_table_loosened_already_cuts_its_loop() {
        let (a, b, c) = ([0, 1], [1, 2], [2, 0]);
        let mut tables = [table(&a, 1), table(&b, 9), table(&c, 1)];
        tables[2].loose = true;
        assert!(tables_to_loosen(&tables, 3).is_empty());
    }

    #[test]
    fn two_loops_loosen_one_table_each() {
        // Loop 1: A(x,y) B(y,z) C(z,x); loop 2: C(z,x) and D(x,w) E(w,z) — C shared; after C is
        // loosened, A-B and D-E still form a loop through x and z? A(x,y)-B(y,z)-E(w,z)-D(x,w)-A.
        let (a, b, c, d, e) = ([0, 1], [1, 2], [2, 0], [0, 3], [3, 2]);
        let tables = [
            table(&a, 1),
            table(&b, 2),
            table(&c, 9),
            table(&d, 3),
            table(&e, 4),
        ];
        let cut = tables_to_loosen(&tables, 4);
        assert_eq!(cut.len(), 2, "{cut:?}");
        assert_eq!(cut[0], 2);
        // Nothing left: the remaining tight tables are a forest.
        let mut rest: Vec<LinkTable<'_>> = tables
            .iter()
            .map(|t| LinkTable {
                keys: t.keys,
                rows: t.rows,
                loose: false,
            })
            .collect();
        for t in &cut {
            rest[*t].loose = true;
        }
        assert!(tables_to_loosen(&rest, 4).is_empty());
    }
}
