//! The README's function table against the function registry: every function the registry knows is
//! listed with its group and where it can be used, and nothing else is, so the table cannot drift.

use qix_expr::{function_reference, FunctionInfo};
use std::collections::BTreeSet;

const START: &str = "<!-- function-table:start -->";
const END: &str = "<!-- function-table:end -->";

/// (group title, availability label, function name) of each function.
type Row = (String, String, String);

fn from_registry() -> BTreeSet<Row> {
    function_reference()
        .iter()
        .map(|f: &FunctionInfo| {
            (
                f.group.title().to_string(),
                f.availability.label().to_string(),
                f.name.to_string(),
            )
        })
        .collect()
}

/// The table as the README should have it: one line per group and availability, the functions in
/// the registry's order.
fn expected_table() -> String {
    let mut out = String::from("| Group | Where | Functions |\n|---|---|---|\n");
    let reference = function_reference();
    let keys: BTreeSet<_> = reference
        .iter()
        .map(|f| (f.group, f.availability))
        .collect();
    for (group, availability) in keys {
        let names: Vec<&str> = reference
            .iter()
            .filter(|f| f.group == group && f.availability == availability)
            .map(|f| f.name)
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            group.title(),
            availability.label(),
            names.join(", ")
        ));
    }
    out
}

fn from_readme() -> BTreeSet<Row> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let start = readme
        .find(START)
        .expect("README has the function table start marker");
    let end = readme
        .find(END)
        .expect("README has the function table end marker");
    let table = readme.get(start + START.len()..end).unwrap_or("");
    let mut rows = BTreeSet::new();
    for line in table.lines().map(str::trim).filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let [group, label, names] = cells.as_slice() else {
            panic!("a table row has three cells: {line}");
        };
        if *group == "Group" || group.starts_with("---") {
            continue;
        }
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let row = (
                group.to_string(),
                label.to_string(),
                name.trim_matches('`').to_string(),
            );
            assert!(rows.insert(row), "{name} is listed twice");
        }
    }
    rows
}

#[test]
fn the_readme_function_table_matches_the_registry() {
    let registry = from_registry();
    let readme = from_readme();
    let missing: Vec<&Row> = registry.difference(&readme).collect();
    let extra: Vec<&Row> = readme.difference(&registry).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README function table out of date.\nmissing or different: {missing:?}\nnot in the registry: \
         {extra:?}\nthe table should read:\n{}",
        expected_table()
    );
}

#[test]
fn every_group_has_functions_and_names_are_unique() {
    let reference = function_reference();
    let mut names = BTreeSet::new();
    for f in &reference {
        assert!(
            names.insert(f.name.to_ascii_lowercase()),
            "{} is registered twice",
            f.name
        );
    }
    assert!(reference.iter().any(|f| f.name == "Sum"));
    assert!(reference.iter().any(|f| f.name == "MonthStart"));
}
