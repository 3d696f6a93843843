//! Field and selection functions in chart expressions — `GetSelectedCount`, `GetPossibleCount`,
//! `GetExcludedCount`, `GetAlternativeCount`, `GetNotSelectedCount`, `GetFieldSelections`,
//! `GetCurrentSelections`, `FieldValue`, `FieldIndex`, `FieldValueCount` — answered from the data model
//! and the selection state the expression is computed in.
//!
//! A field's states are computed once per field per [`FieldFns`] (a chart's rows share them).

use crate::inference::{field_states_in, Inference, State};
use crate::model::{DataModel, FieldId};
use crate::selection::SelectionState;
use crate::symbols::SymbolTable;
use qix_expr::Value;
use std::cell::RefCell;
use std::collections::HashMap;

/// What field functions read: the model, the selections and their inference.
pub struct FieldFns<'a> {
    model: &'a DataModel,
    state: &'a SelectionState,
    inference: &'a Inference,
    /// How other states are inferred (a selected field's alternatives): the host's cache.
    infer: &'a dyn Fn(&SelectionState) -> std::sync::Arc<Inference>,
    states: RefCell<HashMap<FieldId, Vec<State>>>,
}

impl<'a> FieldFns<'a> {
    /// Field functions over `model` with `state` (whose inference is `inference`); other states are
    /// inferred with `infer`.
    pub fn new(
        model: &'a DataModel,
        state: &'a SelectionState,
        inference: &'a Inference,
        infer: &'a dyn Fn(&SelectionState) -> std::sync::Arc<Inference>,
    ) -> FieldFns<'a> {
        FieldFns {
            model,
            state,
            inference,
            infer,
            states: RefCell::new(HashMap::new()),
        }
    }

    /// The function `name` with its evaluated arguments; `None` when it is not one of these.
    pub fn call(&self, name: &str, args: &[Value]) -> Option<Value> {
        let field = || {
            args.first()
                .and_then(Value::text)
                .and_then(|n| self.model.field_id(&n))
        };
        let flag = |i: usize| args.get(i).is_some_and(Value::truthy);
        Some(match name {
            "GetSelectedCount" => self.count(field(), |s| match flag(1) {
                true => s.is_selected(),
                false => matches!(s, State::Selected | State::Locked),
            }),
            "GetPossibleCount" => self.count(field(), |s| {
                matches!(s, State::Selected | State::Locked | State::Optional)
            }),
            "GetExcludedCount" => self.count(field(), |s| {
                matches!(
                    s,
                    State::Excluded
                        | State::Alternative
                        | State::SelectedExcluded
                        | State::LockedExcluded
                )
            }),
            "GetAlternativeCount" => self.count(field(), |s| s == State::Alternative),
            "GetNotSelectedCount" => self.count(field(), |s| match flag(1) {
                true => !s.is_selected(),
                false => matches!(s, State::Optional | State::Alternative),
            }),
            "GetFieldSelections" => self.field_selections(field(), args),
            "GetCurrentSelections" => self.current_selections(args),
            "FieldValueCount" => match field() {
                Some(f) => Value::Num(self.symbols(f).len() as f64),
                None => Value::Null,
            },
            "FieldValue" => self.field_value(field(), args.get(1)),
            "FieldIndex" => self.field_index(field(), args.get(1)),
            _ => return None,
        })
    }

    fn symbols(&self, f: FieldId) -> &SymbolTable {
        &self.model.fields[f].symbols
    }

    /// How many values of `field` are in a state `keep` accepts (NULL for a field the model lacks).
    fn count(&self, field: Option<FieldId>, keep: impl Fn(State) -> bool) -> Value {
        let Some(f) = field else {
            return Value::Null;
        };
        let mut states = self.states.borrow_mut();
        let states = states.entry(f).or_insert_with(|| {
            field_states_in(self.model, self.state, f, self.inference, self.infer)
        });
        Value::Num(states.iter().filter(|s| keep(**s)).count() as f64)
    }

    /// The selected values' texts, in load order: joined by the separator (`, `) when at most
    /// `max_values` (6) are selected, else `n of total`. NULL when nothing is selected.
    fn field_selections(&self, field: Option<FieldId>, args: &[Value]) -> Value {
        let Some(f) = field else {
            return Value::Null;
        };
        let sep = args
            .get(1)
            .and_then(Value::text)
            .unwrap_or_else(|| ", ".into());
        let max = args
            .get(2)
            .and_then(Value::num)
            .map_or(6, |n| n.max(0.0) as usize);
        match self.state.selected(f) {
            Some(sel) => Value::Text(self.listed(f, sel, &sep, max)),
            None => Value::Null,
        }
    }

    fn listed(&self, f: FieldId, sel: &[u32], sep: &str, max: usize) -> String {
        let symbols = self.symbols(f);
        if sel.len() > max {
            return format!("{} of {}", sel.len(), symbols.len());
        }
        let texts: Vec<String> = sel.iter().map(|s| symbols.text(*s).into_owned()).collect();
        texts.join(sep)
    }

    /// Every field with a selection as `Field: values`, joined by the record separator (CR LF).
    fn current_selections(&self, args: &[Value]) -> Value {
        let text = |i: usize, default: &str| {
            args.get(i)
                .and_then(Value::text)
                .unwrap_or_else(|| default.into())
        };
        let (record_sep, tag_sep, value_sep) = (text(0, "\r\n"), text(1, ": "), text(2, ", "));
        let max = args
            .get(3)
            .and_then(Value::num)
            .map_or(6, |n| n.max(0.0) as usize);
        let parts: Vec<String> = self
            .state
            .selected_fields()
            .map(|(f, sel)| {
                let name = &self.model.fields[f].name;
                format!("{name}{tag_sep}{}", self.listed(f, sel, &value_sep, max))
            })
            .collect();
        if parts.is_empty() {
            return Value::Null;
        }
        Value::Text(parts.join(&record_sep))
    }

    /// `FieldValue(field, n)`: the `n`th value of the field in load order (1-based).
    fn field_value(&self, field: Option<FieldId>, n: Option<&Value>) -> Value {
        let (Some(f), Some(n)) = (field, n.and_then(Value::num)) else {
            return Value::Null;
        };
        let symbols = self.symbols(f);
        let i = n.trunc();
        if i < 1.0 || i > symbols.len() as f64 {
            return Value::Null;
        }
        let d = symbols.get(i as u32 - 1);
        match d.num {
            Some(x) => Value::Dual(d.text, x),
            None => Value::Text(d.text),
        }
    }

    /// `FieldIndex(field, value)`: the value's place in load order (1-based), 0 when absent.
    fn field_index(&self, field: Option<FieldId>, v: Option<&Value>) -> Value {
        let (Some(f), Some(v)) = (field, v) else {
            return Value::Null;
        };
        let symbols = self.symbols(f);
        let found = match v.own_num() {
            Some(n) => symbols.find(&crate::dual::Dual::number(n)),
            None => v.text().and_then(|t| symbols.find_text(&t)),
        };
        Value::Num(found.map_or(0.0, |s| (s + 1) as f64))
    }
}
