//! A LOAD's WHERE decided while its text file is read, before any field of a record is interned
//! ([`RowFilter`]): the records it drops never reach a symbol table, so a LOAD that keeps half a file
//! peaks at about half the file's columns instead of all of them. And its `FIRST n`: the read stops
//! after `n` records (when nothing between the file and the count could drop records: no WHERE left to
//! the LOAD, no DISTINCT, no GROUP BY).
//!
//! Only a condition on the record's own fields can go there: no aggregation and no host function (the
//! script's state — mappings, `Peek`, `Exists`, file functions — and the record's place — `RecNo`,
//! `RowNo` — stay with the LOAD). Nor when the LOAD itself reads `RecNo()`: that counts the file's
//! records, which the filtered reader no longer numbers. The condition is evaluated once per distinct
//! combination of the texts it reads (up to [`MEMO_MAX`] of them), as the columnar path does per symbol.

use super::Exec;
use crate::ast::Load;
use crate::sources::text_columns::{RowFilter, Wanted};
use qix_expr::{Aggr, Expr, Locale, Scope, Value};
use std::collections::HashMap;

/// At most this many combinations of texts are remembered.
const MEMO_MAX: usize = 1 << 16;

impl Exec<'_> {
    /// The records of its text file LOAD `l` (which runs on columns) wants, as far as the reader can
    /// tell them.
    pub(super) fn wanted_records(&mut self, l: &Load) -> Wanted {
        let filter = self.file_filter(l);
        let where_done = l.where_.is_none() || filter.is_some();
        let limit = match &l.first {
            Some(n) if where_done && !l.distinct && !Self::groups(l) => self
                .eval_norow(n)
                .num()
                .filter(|n| *n >= 0.0 && n.is_finite())
                .map(|n| n as usize),
            _ => None,
        };
        Wanted { filter, limit }
    }

    /// The WHERE of LOAD `l` as a filter for the reader, when it can be decided on each record's own
    /// fields.
    fn file_filter(&self, l: &Load) -> Option<RowFilter> {
        let w = l.where_.as_ref()?;
        let numbers_records = l.exprs().any(|e| qix_expr::calls_function(e, "RecNo"));
        if qix_expr::needs_host(w) || numbers_records {
            return None;
        }
        let fields = qix_expr::field_names(w);
        let mut condition = Condition {
            expr: w.clone(),
            fields: fields.clone(),
            locale: self.locale.clone(),
            memo: HashMap::default(),
            key: String::new(),
        };
        Some(RowFilter {
            fields,
            keep: Box::new(move |texts| condition.holds(texts)),
        })
    }
}

/// A WHERE condition with what it decided so far.
struct Condition {
    expr: Expr,
    fields: Vec<String>,
    locale: Locale,
    memo: HashMap<String, bool, foldhash::fast::RandomState>,
    /// The memo key of the record at hand (kept to reuse its buffer).
    key: String,
}

impl Condition {
    /// Whether the record whose fields read `texts` (in the order of `fields`) is kept.
    fn holds(&mut self, texts: &[Option<&str>]) -> bool {
        self.key.clear();
        for t in texts {
            match t {
                Some(t) => {
                    self.key.push('\u{1}');
                    self.key.push_str(t);
                }
                None => self.key.push('\u{0}'),
            }
        }
        if let Some(&known) = self.memo.get(self.key.as_str()) {
            return known;
        }
        let mut scope = TextScope {
            fields: &self.fields,
            texts,
            locale: &self.locale,
        };
        let kept = qix_expr::eval(&self.expr, &mut scope).truthy();
        if self.memo.len() < MEMO_MAX {
            self.memo.insert(self.key.clone(), kept);
        }
        kept
    }
}

/// One record's fields as the reader has them: texts, read as numbers where they are (as the interner
/// reads them).
struct TextScope<'a> {
    fields: &'a [String],
    texts: &'a [Option<&'a str>],
    locale: &'a Locale,
}

impl Scope for TextScope<'_> {
    fn field(&mut self, name: &str) -> Value {
        let text = self
            .fields
            .iter()
            .position(|f| f == name)
            .and_then(|i| self.texts.get(i).copied().flatten());
        match text {
            None => Value::Null,
            Some(t) => match qix_engine::dual::parse_number(t) {
                Some(n) => Value::Dual(t.to_string(), n),
                None => Value::Text(t.to_string()),
            },
        }
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
    fn locale(&self) -> &Locale {
        self.locale
    }
}
