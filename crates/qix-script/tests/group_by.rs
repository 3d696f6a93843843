//! GROUP BY and ORDER BY in LOAD: aggregations per group (the engine's accumulators), groups in first-seen
//! order, ORDER BY on RESIDENT, and Qlik's rules (no `*`, no WHILE, loose fields must be grouped).

mod common;

use qix_script::LoadOutput;

fn run(script: &str) -> Result<LoadOutput, String> {
    common::reload_plain(script).map_err(|e| e.to_string())
}

const SALES: &str = "Sales:\nLOAD * INLINE [\nRegion, Product, Amount\nNorth, Apples, 10\nSouth, Pears, 7\nNorth, Pears, 5\nEast, Plums, 3\nSouth, Apples, 8\nNorth, Apples, 2\n];\n";

#[test]
fn group_by_aggregates_each_combination() {
    let script = format!(
        "{SALES}Totals:\nLOAD Region, Sum(Amount) AS Total, Count(Product) AS Lines, Count(DISTINCT Product) AS Products,\n  Concat(DISTINCT Product, '|') AS Names, Max(Amount) - Min(Amount) AS Spread, Median(Amount) AS Mid\nRESIDENT Sales GROUP BY Region;\nDROP TABLE Sales;"
    );
    let out = run(&script).unwrap();
    let m = &out.model;
    assert_eq!(
        common::texts(m, "Totals", "Region"),
        ["North", "South", "East"],
        "first seen first"
    );
    assert_eq!(common::texts(m, "Totals", "Total"), ["17", "15", "3"]);
    assert_eq!(common::texts(m, "Totals", "Lines"), ["3", "2", "1"]);
    assert_eq!(common::texts(m, "Totals", "Products"), ["2", "2", "1"]);
    assert_eq!(
        common::texts(m, "Totals", "Names"),
        ["Apples|Pears", "Apples|Pears", "Plums"]
    );
    assert_eq!(common::texts(m, "Totals", "Spread"), ["8", "1", "0"]);
    assert_eq!(common::texts(m, "Totals", "Mid"), ["5", "7.5", "3"]);
}

#[test]
fn several_keys_where_and_a_total_without_group_by() {
    let script = format!(
        "{SALES}ByPair:\nLOAD Region AS R, Product AS P, Sum(Amount) AS S RESIDENT Sales WHERE Amount > 2 GROUP BY Region, Product;\nAll:\nLOAD Sum(Amount) AS Grand, Count(Amount) AS N RESIDENT Sales;\nDROP TABLE Sales;"
    );
    let out = run(&script).unwrap();
    let m = &out.model;
    assert_eq!(
        common::texts(m, "ByPair", "R"),
        ["North", "South", "North", "East", "South"]
    );
    assert_eq!(common::texts(m, "ByPair", "S"), ["10", "7", "5", "3", "8"]);
    assert_eq!(common::texts(m, "All", "Grand"), ["35"]);
    assert_eq!(common::texts(m, "All", "N"), ["6"]);
}

#[test]
fn order_by_sorts_resident_records() {
    let script = format!(
        "{SALES}Sorted:\nNoConcatenate LOAD Region AS R2, Amount AS A2, RowNo() AS No RESIDENT Sales ORDER BY Region DESC, Amount;\nFirsts:\nLOAD Region AS R3, FirstSortedValue(Product, -Amount) AS Top RESIDENT Sales GROUP BY Region ORDER BY Region;\nDROP TABLE Sales;"
    );
    let out = run(&script).unwrap();
    let m = &out.model;
    assert_eq!(
        common::texts(m, "Sorted", "R2"),
        ["South", "South", "North", "North", "North", "East"]
    );
    assert_eq!(
        common::texts(m, "Sorted", "A2"),
        ["7", "8", "2", "5", "10", "3"]
    );
    assert_eq!(common::texts(m, "Firsts", "R3"), ["East", "North", "South"]);
    assert_eq!(
        common::texts(m, "Firsts", "Top"),
        ["Plums", "Apples", "Apples"]
    );
}

#[test]
fn grouping_rules_are_errors_naming_the_problem() {
    for (load, want) in [
        (
            "LOAD Region, Product, Sum(Amount) AS S RESIDENT Sales GROUP BY Region;",
            "Product",
        ),
        ("LOAD * RESIDENT Sales GROUP BY Region;", "LOAD *"),
        (
            "LOAD Region, Sum(Amount) AS S RESIDENT Sales GROUP BY Nope;",
            "Nope",
        ),
        (
            "LOAD Region, Sum(Amount) AS S RESIDENT Sales WHILE IterNo() < 2 GROUP BY Region;",
            "WHILE",
        ),
        ("LOAD Region RESIDENT Sales ORDER BY;", "needs a field"),
    ] {
        let e = run(&format!("{SALES}X: {load}")).unwrap_err();
        assert!(e.contains(want), "{load}: {e}");
    }
}

#[test]
fn crosstable_turns_columns_into_rows() {
    let script = "Budget:\nCrossTable(Month, Amount, 2) LOAD * INLINE [\nRegion, Year, Jan, Feb, Mar\nNorth, 2024, 10, 20, 30\nSouth, 2024, 1, , 3\n];\nTotals: LOAD Month AS M, Sum(Amount) AS Total RESIDENT Budget GROUP BY Month;";
    let out = run(script).unwrap();
    let m = &out.model;
    assert_eq!(
        common::texts(m, "Budget", "Region"),
        ["North", "North", "North", "South", "South", "South"]
    );
    assert_eq!(
        common::texts(m, "Budget", "Month"),
        ["Jan", "Feb", "Mar", "Jan", "Feb", "Mar"]
    );
    assert_eq!(
        common::texts(m, "Budget", "Amount"),
        ["10", "20", "30", "1", "", "3"]
    );
    assert_eq!(common::texts(m, "Totals", "Total"), ["11", "20", "33"]);
    // One qualifier by default, and the prefix after a target prefix.
    let script = "A: LOAD * INLINE [\nK, X, Y\n1, 5, 6\n];\nB: NoConcatenate CrossTable(Attr, Val) LOAD K AS K2, X, Y RESIDENT A;";
    let out = run(script).unwrap();
    assert_eq!(common::texts(&out.model, "B", "Attr"), ["X", "Y"]);
    assert_eq!(common::texts(&out.model, "B", "Val"), ["5", "6"]);
    let e = run("T: CrossTable(a) LOAD * INLINE [\nx, y\n1, 2\n];").unwrap_err();
    assert!(e.contains("CROSSTABLE"), "{e}");
}

#[test]
fn intervalmatch_links_values_to_their_intervals() {
    let script = "Events:\nLOAD * INLINE [\nTime, Event\n1, a\n4, b\n5, c\n9, d\n];\nShifts:\nLOAD * INLINE [\nStart, End, Shift\n0, 4, early\n5, 8, late\n];\nLink:\nIntervalMatch(Time) LOAD Start, End RESIDENT Shifts;";
    let out = run(script).unwrap();
    let m = &out.model;
    assert_eq!(
        common::texts(m, "Link", "Time"),
        ["1", "4", "5"],
        "9 is in no shift"
    );
    // Start and End link Link and Shifts: a synthetic key, as in Qlik.
    assert_eq!(common::texts(m, "$Syn 1 Table", "Start"), ["0", "5"]);
    // With a key: only the values that come with the interval's key.
    let script = "Events:\nLOAD * INLINE [\nTime, Machine\n1, m1\n2, m2\n6, m1\n];\nShifts:\nLOAD * INLINE [\nLow, High, Machine\n0, 5, m1\n0, 9, m2\n];\nQUALIFY *;\nLink:\nIntervalMatch(Time, Machine) LOAD Low, High, Machine RESIDENT Shifts;";
    let out = run(script).unwrap();
    let m = &out.model;
    assert_eq!(common::texts(m, "Link", "Link.Time"), ["1", "2"]);
    assert_eq!(common::texts(m, "Link", "Link.Machine"), ["m1", "m2"]);
}
