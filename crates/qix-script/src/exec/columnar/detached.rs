//! Output columns made away from the script's thread: a kept column (shared, or its kept records
//! gathered) and an expression that reads only the record's fields. They need nothing of the running
//! script but the columns and the number settings, so a LOAD's columns are made on both cores at once;
//! the script's state (mappings, `Peek`, variables) stays on its own thread with the other columns.

use super::{column_value, intern, Item, Planned, Source};
use crate::exec::columns::gather;
use crate::sources::{Interner, SymbolColumn};
use qix_expr::{Aggr, Locale, Scope, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The column `item` makes for the records `kept` (all without); `None` when the reload was cancelled
/// meanwhile. An [`Item::Eval`] here is detachable ([`Planned::detachable`]).
pub(super) fn column(
    item: Item<'_>,
    src: &Source<'_>,
    kept: &Option<Vec<u32>>,
    locale: &Locale,
    cancel: Option<&AtomicBool>,
) -> Option<Arc<SymbolColumn>> {
    match item {
        Item::Move(c) => Some(match kept {
            None => src.cols[c].clone(),
            Some(k) => Arc::new(gather(
                &src.cols[c],
                k.iter().map(|&r| Some(r as usize)),
                k.len(),
            )),
        }),
        Item::Eval(p) => evaluate(p, src, kept, locale, cancel).map(Arc::new),
    }
}

/// Expression `p` on every record `kept` keeps, remembered per combination of the values it reads.
fn evaluate(
    mut p: Planned<'_>,
    src: &Source<'_>,
    kept: &Option<Vec<u32>>,
    locale: &Locale,
    cancel: Option<&AtomicBool>,
) -> Option<SymbolColumn> {
    let len = kept.as_ref().map_or(src.n, Vec::len);
    let mut out = Interner::with_rows_hint(len);
    for k in 0..len {
        if k & 0xFFFF == 0 && cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return None;
        }
        let r = kept.as_ref().map_or(k, |v| v[k] as usize);
        let (combo, known) = p.remembered(src.cols, r);
        let s = match known {
            Some(s) => s,
            None => {
                let mut scope = FieldScope {
                    src,
                    row: r,
                    locale,
                };
                let s = intern(&mut out, qix_expr::eval(p.expr, &mut scope));
                p.remember_symbol(combo, s);
                s
            }
        };
        out.push_symbol(s);
    }
    Some(out.finish())
}

/// One record's fields, read from the columns.
struct FieldScope<'s, 'c> {
    src: &'s Source<'c>,
    row: usize,
    locale: &'s Locale,
}

impl Scope for FieldScope<'_, '_> {
    fn field(&mut self, name: &str) -> Value {
        column_value(self.src.fields, self.src.cols, self.row, name)
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
    fn locale(&self) -> &Locale {
        self.locale
    }
}
