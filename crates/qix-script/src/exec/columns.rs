//! Operations on whole columns (a field's distinct values and its bit-packed row indexes), used by the
//! statements that reshape tables without going record by record: concatenation, a column of NULLs,
//! the rows a filter or a join keeps.

use crate::sources::{SymbolColumn, NULL_INDEX};
use qix_engine::packed::PackedColumn;
use qix_engine::symbols::SymbolTable;

/// A column of `n` NULLs.
pub(super) fn nulls(n: usize) -> SymbolColumn {
    SymbolColumn {
        values: SymbolTable::default(),
        index: PackedColumn::pack_iter(std::iter::repeat(NULL_INDEX), n, 0),
    }
}

/// For each symbol of `from`, its symbol in `into` (added there when new).
pub(super) fn remap(from: &SymbolTable, into: &mut SymbolTable) -> Vec<u32> {
    into.reserve(from.len());
    from.iter().map(|v| into.intern(v)).collect()
}

/// `a`'s rows, then `b`'s: one symbol table for both (b's values added to a's).
pub(super) fn concat(a: SymbolColumn, b: &SymbolColumn) -> SymbolColumn {
    let SymbolColumn { mut values, index } = a;
    let map = remap(&b.values, &mut values);
    let len = index.len() + b.len();
    let rows = index.iter().chain(
        b.index
            .iter()
            .map(|s| map.get(s as usize).copied().unwrap_or(NULL_INDEX)),
    );
    let index = PackedColumn::pack_iter(rows, len, values.len());
    values.finish_building();
    SymbolColumn { values, index }
}

/// The column of the rows `pick` gives, in that order (`None` = a NULL row), keeping only the values
/// those rows use (so a stored column never has a value no row holds). Packed as the rows come, with
/// the bits of the source column's values.
pub(super) fn gather(
    col: &SymbolColumn,
    pick: impl Iterator<Item = Option<usize>>,
    len: usize,
) -> SymbolColumn {
    let mut renumber = vec![NULL_INDEX; col.values.len()];
    let mut values = SymbolTable::default();
    let rows = pick.map(|p| {
        let s = p.map_or(NULL_INDEX, |r| col.index.get(r));
        match renumber.get_mut(s as usize) {
            Some(n) if *n == NULL_INDEX => {
                // Copied as stored: a number without a text of its own is not formatted.
                let num = col.values.num(s);
                let text = col.values.stored_text(s);
                *n = values.push_distinct((!num.is_nan()).then_some(num), text);
                *n
            }
            Some(n) => *n,
            None => NULL_INDEX,
        }
    });
    let index = PackedColumn::pack_iter(rows, len, col.values.len());
    values.finish_building();
    SymbolColumn { values, index }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qix_engine::Dual;

    fn column(cells: &[Option<&str>]) -> SymbolColumn {
        SymbolColumn::from_cells(
            cells.iter().map(|c| c.map(|t| Dual::text(t.to_string()))),
            cells.len(),
        )
    }

    fn texts(c: &SymbolColumn) -> Vec<Option<String>> {
        (0..c.len()).map(|r| c.cell(r).map(|d| d.text)).collect()
    }

    #[test]
    fn concat_keeps_both_tables_rows_with_one_symbol_per_value() {
        let a = column(&[Some("x"), None, Some("y")]);
        let b = column(&[Some("y"), Some("z")]);
        let c = concat(a, &b);
        assert_eq!(
            texts(&c),
            [Some("x"), None, Some("y"), Some("y"), Some("z")]
                .map(|t| t.map(String::from))
                .to_vec()
        );
        assert_eq!(c.values.len(), 3);
    }

    #[test]
    fn gather_drops_values_no_kept_row_holds() {
        let a = column(&[Some("x"), Some("y"), Some("z"), Some("y")]);
        let g = gather(&a, [Some(3), None, Some(1)].into_iter(), 3);
        assert_eq!(
            texts(&g),
            vec![Some("y".to_string()), None, Some("y".to_string())]
        );
        assert_eq!(g.values.len(), 1);
        assert_eq!(texts(&nulls(2)), vec![None, None]);
    }
}
