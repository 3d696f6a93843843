//! What set analysis's identifiers name in a session: `$1` / `$_1` are steps in the history of the
//! view's selection state, a name is an alternate state (its current selections) or a bookmark (by id,
//! then by title: the selections it captured for the default state).

use super::select::field_symbols;
use super::View;
use qix_engine::{SelectionState, SetBase};
use qix_expr::SetIdent;

/// The identifiers of one view (a session's open doc in one selection state).
pub struct ViewSets<'v, 'a>(pub &'v View<'a>);

impl SetBase for ViewSets<'_, '_> {
    fn state_of(&self, ident: &SetIdent) -> Option<SelectionState> {
        let view = self.0;
        match ident {
            SetIdent::Back(n) => view.selections.back_state(*n as usize).cloned(),
            SetIdent::Forward(n) => view.selections.forward_state(*n as usize).cloned(),
            SetIdent::Named(name) => view
                .doc
                .state(name)
                .map(|s| s.current().clone())
                .or_else(|| bookmark_state(view, name)),
            SetIdent::Current | SetIdent::All => None,
        }
    }
}

/// The default-state selections a bookmark captured, looked up by id, then by title.
fn bookmark_state(view: &View<'_>, name: &str) -> Option<SelectionState> {
    let bookmarks = &view.doc.record().bookmarks;
    let bookmark = bookmarks.get(name).or_else(|| {
        bookmarks.values().find(|b| {
            b.properties
                .get("qMetaDef")
                .and_then(|m| m.get("title"))
                .and_then(|t| t.as_str())
                == Some(name)
        })
    })?;
    let model = view.model();
    let mut state = SelectionState::new();
    for (fid, symbols) in bookmark
        .fields
        .iter()
        .filter_map(|f| field_symbols(model, f))
    {
        state.replace(fid, symbols);
    }
    Some(state)
}
