//! Circular references as Qlik handles them: the reload succeeds, a table of the loop is loosely
//! coupled (the longest; `LOOSEN TABLE` chooses one itself) with a warning in the log, and selections
//! do not pass through a loosely coupled table.

mod common;

use qix_engine::{
    compute, field_states, infer, Coupling, DataModel, Dual, HyperCubeDef, SelectionState, State,
};
use qix_script::LoadOutput;

fn run(script: &str) -> LoadOutput {
    common::reload_plain(script).unwrap_or_else(|e| panic!("{e}"))
}

/// The engine API reference's example: citizens live in cities, go to schools, schools are in cities.
/// CitizenCity is the longest table.
const LOOP: &str =
    "CitizenCity: LOAD * INLINE [\nCitizen, City\nAnn, Lund\nBo, Lund\nCy, Malmo\nDi, Malmo\n];\n\
    CitizenSchool: LOAD * INLINE [\nCitizen, School\nAnn, North\nBo, South\nCy, South\n];\n\
    SchoolCity: LOAD * INLINE [\nSchool, City\nNorth, Lund\nSouth, Malmo\n];";

fn coupling(m: &DataModel) -> Vec<(&str, Coupling)> {
    m.tables
        .iter()
        .map(|t| (t.name.as_str(), t.coupling))
        .collect()
}

fn select(m: &DataModel, field: &str, values: &[&str]) -> SelectionState {
    let f = m.field_id(field).unwrap();
    let syms = values
        .iter()
        .map(|v| m.fields[f].symbols.find(&Dual::interpret(v)).unwrap())
        .collect();
    let mut st = SelectionState::new();
    st.set(f, syms);
    st
}

/// The values of `field` in state `wanted` under `st`, sorted.
fn values_in(m: &DataModel, st: &SelectionState, field: &str, wanted: State) -> Vec<String> {
    let f = m.field_id(field).unwrap();
    let mut v: Vec<String> = field_states(m, st, f)
        .into_iter()
        .enumerate()
        .filter(|(_, s)| *s == wanted)
        .map(|(i, _)| m.fields[f].symbols.get(i as u32).text.clone())
        .collect();
    v.sort();
    v
}

#[test]
fn a_loop_loosens_its_longest_table_and_warns() {
    let out = run(LOOP);
    assert_eq!(
        coupling(&out.model),
        [
            ("CitizenCity", Coupling::CutLoop),
            ("CitizenSchool", Coupling::Tight),
            ("SchoolCity", Coupling::Tight)
        ]
    );
    let warning = out.log.iter().find(|l| l.contains("Circular reference"));
    assert!(
        warning.is_some_and(|w| w.contains("CitizenCity")),
        "{:?}",
        out.log
    );
}

#[test]
fn selections_do_not_pass_through_the_loose_table() {
    let m = run(LOOP).model;
    // Ann goes to North, which is in Lund: the path through the tight tables. Through the loose
    // CitizenCity, Ann lives in Lund too, but Di (in no school) must not be reached through City.
    let st = select(&m, "Citizen", &["Cy"]);
    assert_eq!(values_in(&m, &st, "School", State::Optional), ["South"]);
    assert_eq!(values_in(&m, &st, "City", State::Optional), ["Malmo"]);
    // Selecting a city reaches citizens only through schools: Di lives in Malmo but goes to none.
    let st = select(&m, "City", &["Malmo"]);
    assert_eq!(values_in(&m, &st, "School", State::Optional), ["South"]);
    assert_eq!(values_in(&m, &st, "Citizen", State::Optional), ["Bo", "Cy"]);
    assert_eq!(
        values_in(&m, &st, "Citizen", State::Excluded),
        ["Ann", "Di"]
    );
}

#[test]
fn loosen_table_chooses_the_table_and_keeps_quiet() {
    let out = run(&format!("{LOOP}\nLOOSEN TABLE SchoolCity;"));
    assert_eq!(
        coupling(&out.model),
        [
            ("CitizenCity", Coupling::Tight),
            ("CitizenSchool", Coupling::Tight),
            ("SchoolCity", Coupling::Loosened)
        ]
    );
    assert!(!out.log.iter().any(|l| l.contains("Circular reference")));
    // Now City is reached from Citizen through CitizenCity.
    let st = select(&out.model, "Citizen", &["Di"]);
    assert_eq!(
        values_in(&out.model, &st, "City", State::Optional),
        ["Malmo"]
    );
    assert_eq!(
        values_in(&out.model, &st, "School", State::Optional),
        [] as [&str; 0]
    );
    let e = common::reload_plain("LOOSEN TABLE Nope;").unwrap_err();
    assert!(e.message.contains("Nope"), "{e}");
}

#[test]
fn fields_of_a_loose_table_do_not_restrict_each_other() {
    // No loop: Orders is loosened by the script; selecting its Amount leaves Customer alone.
    let out = run(
        "Orders: LOAD * INLINE [\nOrderId, Customer, Amount\n1, A, 10\n2, B, 20\n3, A, 30\n];\n\
         Customers: LOAD * INLINE [\nCustomer, Region\nA, North\nB, South\n];\n\
         LOOSEN TABLES Orders;",
    );
    let m = &out.model;
    let st = select(m, "Amount", &["20"]);
    assert_eq!(values_in(m, &st, "Customer", State::Optional), ["A", "B"]);
    assert_eq!(
        values_in(m, &st, "Region", State::Optional),
        ["North", "South"]
    );
    assert_eq!(
        values_in(m, &st, "OrderId", State::Optional),
        ["1", "2", "3"]
    );
    // A selection on the other side limits the key, and so the loose table's rows a chart reads.
    let st = select(m, "Region", &["North"]);
    assert_eq!(values_in(m, &st, "Customer", State::Optional), ["A"]);
    let inf = infer(m, &st);
    let cube = compute(m, &st, &inf, &HyperCubeDef::of(&[], &["Sum(Amount)"])).unwrap();
    assert_eq!(cube.totals[0].text().as_deref(), Some("40"));
}

#[test]
fn charts_over_a_loop_follow_the_tight_tables() {
    let m = run(&format!(
        "{LOOP}\nFees: LOAD * INLINE [\nSchool, Fee\nNorth, 100\nSouth, 250\n];"
    ))
    .model;
    // City × Sum(Fee): School → City through SchoolCity (CitizenCity is loose).
    let st = SelectionState::new();
    let inf = infer(&m, &st);
    let cube = compute(&m, &st, &inf, &HyperCubeDef::of(&["City"], &["Sum(Fee)"])).unwrap();
    let rows: Vec<(String, String)> = cube
        .rows
        .iter()
        .map(|r| {
            (
                r.dims[0].text.to_string(),
                r.measures[0].text().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Lund".to_string(), "100".to_string()),
            ("Malmo".to_string(), "250".to_string())
        ]
    );
}

#[test]
fn a_synthetic_key_that_closes_a_loop_is_cut_too() {
    // T1 and T2 share A and B (a synthetic key); T3 links X of T1 to Y of T2: a loop through $Syn 1.
    let out = run("T1: LOAD * INLINE [\nA, B, X\n1, a, 10\n2, b, 20\n];\n\
         T2: LOAD * INLINE [\nA, B, Y\n1, a, 100\n2, b, 200\n3, c, 300\n];\n\
         T3: LOAD * INLINE [\nX, Y\n10, 200\n20, 100\n];");
    let loose: Vec<&str> = out
        .model
        .tables
        .iter()
        .filter(|t| t.coupling.is_loose())
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(loose, ["T2"], "the longest table of the loop");
    assert!(out.log.iter().any(|l| l.contains("Circular reference")));
}
