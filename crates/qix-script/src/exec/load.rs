//! A LOAD from its source to its target: the chain of preceding loads stacked on it, the source read at
//! the bottom, each LOAD's transform on the way up, and the target the top one names (a MAPPING, a
//! CONCATENATE / JOIN / KEEP to a table the script has, or a table of its own).

use super::blocks::Node;
use super::cells::cell_key;
use super::columnar::columnar;
use super::input::Input;
use super::join::{append, join, keep};
use super::tables::{Body, Data, Table};
use super::{Cell, Exec};
use crate::ast::{Load, Source, Statement, Target};
use crate::error::ScriptError;
use crate::sources::RawTable;
use std::collections::HashMap;

impl Exec<'_> {
    /// LOAD `l` (statement `i`, `nodes[*k]`) and the LOADs it reads from: stacked preceding loads take
    /// the following LOADs until one has a source, moving `*k` to the last of them. The top LOAD comes
    /// first.
    pub(super) fn load_chain(
        &mut self,
        nodes: &[Node],
        k: &mut usize,
        l: Load,
        i: usize,
    ) -> Result<Vec<(Load, usize)>, ScriptError> {
        let mut chain = vec![(l, i)];
        while chain
            .last()
            .is_some_and(|(l, _)| l.source == Source::Preceding)
        {
            *k += 1;
            let Some(Node::Simple(j)) = nodes.get(*k) else {
                return Err(self.err(
                    chain[0].1,
                    "a LOAD without a source must be followed by the LOAD it reads from",
                ));
            };
            match self.statement(*j)? {
                Statement::Load(next) => chain.push((next, *j)),
                _ => return Err(self.err(*j, "a preceding LOAD must be followed by a LOAD")),
            }
        }
        Ok(chain)
    }

    /// Runs a LOAD chain (the top LOAD first): reads the bottom source, applies each LOAD from the
    /// bottom up (on columns where it can, see `columnar`), and puts the records where the top LOAD
    /// says.
    pub(super) fn load(&mut self, mut chain: Vec<(Load, usize)>) -> Result<(), ScriptError> {
        let (mut bottom, bi) = chain
            .pop()
            .ok_or_else(|| ScriptError::at(0, 0, "", "empty LOAD chain"))?;
        let (top, ti) = chain
            .first()
            .cloned()
            .unwrap_or_else(|| (bottom.clone(), bi));
        let sourced = self.source(&bottom, bi)?;
        if sourced.filtered {
            // The reader kept only the records the WHERE accepts.
            bottom.where_ = None;
        }
        let (input, default_name) = (sourced.input, sourced.name);
        let name = top.label.clone().unwrap_or(default_name);
        self.replace_before_load(&top, &name);
        let existing = self.target_table(&top.target, ti)?;
        let rowno_base = match (&top.target, existing) {
            (Target::Concatenate(_), Some(e)) => self.tables[e].len(),
            _ => 0,
        };
        let base = |chain: &Vec<(Load, usize)>| if chain.is_empty() { rowno_base } else { 0 };
        let mut data = self.stage(&bottom, bi, input, base(&chain), &name)?;
        while let Some((l, li)) = chain.pop() {
            data = self.stage(&l, li, Input::of(data), base(&chain), &name)?;
        }
        if let Some(n) = &top.first {
            data = self.first(n, ti, data)?;
        }
        if let Some(ct) = &top.crosstable {
            data = Data::rows(self.crosstable(ct, ti, data.into_raw())?);
        }
        if let Some(names) = &top.intervalmatch {
            data = Data::rows(self.intervalmatch(names, ti, data.into_raw())?);
        }
        if let Some(h) = &top.hierarchy {
            data = Data::rows(self.hierarchy(h, ti, data.into_raw())?);
        }
        if let Some(p) = self.env.progress {
            p(&name, data.len());
        }
        if top.generic {
            return self.generic(ti, &name, data.into_raw());
        }
        // Qualified names.
        if !matches!(top.target, Target::Mapping) {
            self.qualify_fields(&name, &mut data.fields);
        }
        self.put(&top.target, existing, ti, name, data)
    }

    /// One LOAD of a chain applied to its input: on columns when the LOAD and its input allow it, else
    /// record by record.
    fn stage(
        &mut self,
        l: &Load,
        i: usize,
        input: Input,
        rowno_base: usize,
        name: &str,
    ) -> Result<Data, ScriptError> {
        match input {
            Input::Cols(fields, cols, n) if columnar(l) => {
                self.transform_columns(l, i, (fields, cols, n), rowno_base, name)
            }
            input => Ok(Data::rows(self.transform(
                l,
                i,
                input.into_rows(),
                rowno_base,
                name,
            )?)),
        }
    }

    /// The table a CONCATENATE, JOIN or KEEP of statement `ti` adds to (the one it names, else the last
    /// one); none for other targets.
    fn target_table(&self, target: &Target, ti: usize) -> Result<Option<usize>, ScriptError> {
        match target {
            Target::Concatenate(t) | Target::Join(_, t) | Target::Keep(_, t) => match t {
                Some(t) => Ok(Some(
                    self.tables
                        .iter()
                        .position(|x| x.name == *t)
                        .ok_or_else(|| self.err(ti, &format!("table {t} not found")))?,
                )),
                None if self.tables.is_empty() => {
                    Err(self.err(ti, "no table to concatenate or join to"))
                }
                None => Ok(Some(self.tables.len() - 1)),
            },
            _ => Ok(None),
        }
    }

    /// Puts the records a LOAD chain made (table `name`) where its `target` says: a mapping, table
    /// `existing` (concatenated, joined or kept), or a table of its own.
    fn put(
        &mut self,
        target: &Target,
        existing: Option<usize>,
        ti: usize,
        name: String,
        data: Data,
    ) -> Result<(), ScriptError> {
        let rows = data.len();
        let how = match data.body {
            Body::Cols(..) => " (columns)",
            Body::Rows(_) => "",
        };
        match (target, existing) {
            (Target::Mapping, _) => return self.add_mapping(ti, name, data.into_raw()),
            (Target::Concatenate(_), Some(e)) => append(&mut self.tables[e], data),
            (Target::Join(kind, _), Some(e)) => {
                let budget = self.budget();
                let mut check = |rows: usize, bytes: usize| budget.check(rows as u64, bytes as u64);
                let made = join(&mut self.tables[e], data, *kind, &mut check)
                    .map_err(|m| self.err(ti, &m))?;
                self.rows_made = self.rows_made.saturating_add(made as u64);
            }
            (Target::Keep(kind, _), Some(e)) => {
                let mut new = keep(&mut self.tables[e], data, *kind);
                new.name = name.clone();
                self.add_table(new);
            }
            (Target::NoConcatenate, _) => self.add_table(Table::new(name.clone(), data)),
            _ => match self.table_with_fields(&data.fields) {
                Some(e) => append(&mut self.tables[e], data),
                None => self.add_table(Table::new(name.clone(), data)),
            },
        }
        self.log.push(format!("{name} << {rows} rows{how}"));
        Ok(())
    }

    /// `MAPPING LOAD`: the first field's values mapped to the second's (the first row wins).
    fn add_mapping(&mut self, ti: usize, name: String, data: RawTable) -> Result<(), ScriptError> {
        let rows = data.rows.len();
        if data.fields.len() < 2 {
            return Err(self.err(ti, "a MAPPING LOAD needs two fields"));
        }
        let map: HashMap<String, (String, Cell)> = data
            .rows
            .into_iter()
            .rev()
            .filter_map(|r| {
                let key = r.first()?;
                let text = key.as_ref().map(|d| d.text.clone()).unwrap_or_default();
                Some((cell_key(key), (text, r.get(1)?.clone())))
            })
            .collect();
        self.mappings.insert(name.clone(), map);
        self.log.push(format!("{name}: mapping, {rows} rows"));
        Ok(())
    }
}
