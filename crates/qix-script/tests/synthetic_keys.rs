//! Synthetic keys: tables sharing more than one field are linked through `$Syn N`, and selections
//! propagate through it as through the fields it replaces.

mod common;

use qix_engine::{compute, infer, Dual, HyperCubeDef, SelectionState};
use qix_script::LoadOutput;

fn run(script: &str) -> LoadOutput {
    common::reload_plain(script).unwrap_or_else(|e| panic!("{e}"))
}

const SCRIPT: &str = "T1: LOAD * INLINE [\nA, B, X\n1, a, 10\n2, b, 20\n1, b, 30\n];\nT2: LOAD * INLINE [\nA, B, Y\n1, a, 100\n2, b, 200\n3, c, 300\n];\nT3: LOAD * INLINE [\nY, Z\n100, u\n300, v\n];";

#[test]
fn shared_fields_become_one_synthetic_key() {
    let m = run(SCRIPT).model;
    let names: Vec<&str> = m.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["T1", "T2", "T3", "$Syn 1 Table"]);
    let syn = &m.tables[m.table_id("$Syn 1 Table").unwrap()];
    assert_eq!(syn.rows, 4, "the combinations (1,a) (2,b) (1,b) (3,c)");
    let fields_of = |t: &str| -> Vec<String> {
        let t = &m.tables[m.table_id(t).unwrap()];
        t.columns
            .iter()
            .map(|c| m.fields[c.field].name.clone())
            .collect()
    };
    assert_eq!(fields_of("T1"), ["X", "$Syn 1"]);
    assert_eq!(fields_of("$Syn 1 Table"), ["$Syn 1", "A", "B"]);
}

#[test]
fn selections_travel_through_the_synthetic_key() {
    let m = run(SCRIPT).model;
    let mut st = SelectionState::new();
    let a = m.field_id("A").unwrap();
    st.set(
        a,
        vec![m.fields[a].symbols.find(&Dual::number(1.0)).unwrap()],
    );
    let inf = infer(&m, &st);
    let def = HyperCubeDef::of(&[], &["Sum(X)", "Sum(Y)", "Only(Z)"]);
    let cube = compute(&m, &st, &inf, &def).unwrap();
    let t: Vec<String> = cube
        .totals
        .iter()
        .map(|v| v.text().unwrap_or_default())
        .collect();
    assert_eq!(
        t,
        ["40", "100", "u"],
        "A=1 is (1,a) and (1,b); only (1,a) has a Y"
    );
}
