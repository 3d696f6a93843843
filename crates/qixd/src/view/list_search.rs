//! A list object's rows under a search in progress (`SearchListObjectFor`): only the values the search
//! text matches (Qlik's search syntax: text, wildcards, numeric comparisons), as a filter pane shows them
//! while the user types; `AcceptListObjectSearch` selects them.

use qix_engine::search::Search;
use qix_engine::{Dual, ListRow, State};

/// Whether row `r` matches `search`.
fn matches(search: &Search, r: &ListRow) -> bool {
    search.matches(&Dual {
        text: r.text.clone(),
        num: r.num,
    })
}

/// The rows `text` matches, in their order.
pub fn filter(rows: &[ListRow], text: &str) -> Vec<ListRow> {
    let search = Search::parse(text);
    rows.iter()
        .filter(|r| matches(&search, r))
        .cloned()
        .collect()
}

/// The values accepting the search selects: the matching possible ones (all matches when none is
/// possible).
pub fn accepted(rows: &[ListRow], text: &str) -> Vec<u32> {
    let found = filter(rows, text);
    let possible = |r: &&ListRow| !matches!(r.state, State::Excluded | State::Alternative);
    let picks: Vec<u32> = found.iter().filter(possible).map(|r| r.symbol).collect();
    match picks.is_empty() {
        true => found.iter().map(|r| r.symbol).collect(),
        false => picks,
    }
}
