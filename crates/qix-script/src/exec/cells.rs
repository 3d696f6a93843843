//! Cells as expression values and back, and as text keys for comparing cells (mappings, EXISTS,
//! DISTINCT, joins).

use super::Cell;
use qix_engine::Dual;
use qix_expr::Value;

/// A cell as an expression value: a dual when it has a number, else its text; NULL is `Null`.
#[inline]
pub(super) fn to_value(c: &Cell) -> Value {
    match c {
        None => Value::Null,
        Some(d) => match d.num {
            Some(n) => Value::Dual(d.text.clone(), n),
            None => Value::Text(d.text.clone()),
        },
    }
}

/// An expression value as a cell (`Null` is NULL).
#[inline]
pub(super) fn to_cell(v: Value) -> Cell {
    match v {
        Value::Null => None,
        Value::Num(n) => Some(Dual::number(n)),
        Value::Text(s) => Some(Dual::text(s)),
        Value::Dual(s, n) => Some(Dual::with_text(s, n)),
    }
}

/// A text that two cells share exactly when they are the same value (NULL, a number by its bits, or a
/// text).
pub(super) fn cell_key(c: &Cell) -> String {
    match c {
        None => "\u{0}null".into(),
        Some(d) => match d.num {
            Some(n) => format!("\u{1}{}", n.to_bits()),
            None => d.text.clone(),
        },
    }
}

/// A text that two sequences of cells share exactly when they hold the same values in order (the
/// cells' [`cell_key`]s joined): the key of a group, or of a row for DISTINCT.
pub(super) fn cells_key<'c>(cells: impl IntoIterator<Item = &'c Cell>) -> String {
    cells
        .into_iter()
        .map(cell_key)
        .collect::<Vec<_>>()
        .join("\u{1e}")
}
