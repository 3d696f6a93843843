//! The script-only functions over the script's state: AutoNumber counters, Lookup, MapSubString,
//! Evaluate and the table functions, with Qlik's help examples where it has them.

mod common;

use qix_script::LoadOutput;

fn run(script: &str) -> LoadOutput {
    common::reload_plain(script).unwrap_or_else(|e| panic!("{e}"))
}

/// A variable's text; "" when LET gave it NULL (which leaves it unset).
fn var<'o>(out: &'o LoadOutput, name: &str) -> &'o str {
    out.variables.get(name).map_or("", String::as_str)
}

#[test]
fn autonumber_counts_distinct_values_per_autoid() {
    let out = run(r#"
        RegionSales:
        LOAD *, AutoNumber(Region&Year&Month) as RYMkey,
            AutoNumber(Region, 'Regions') as RegionKey,
            AutoNumberHash128(Region, Year) as RYkey;
        LOAD * INLINE [
        Region, Year, Month, Sales
        North, 2014, May, 245
        North, 2014, May, 347
        North, 2014, June, 127
        South, 2014, June, 645
        South, 2013, May, 367
        South, 2013, May, 221
        ];
        LET again = AutoNumber('South2013May');
        LET fresh = AutoNumber('East2020May');
    "#);
    let m = &out.model;
    assert_eq!(
        common::texts(m, "RegionSales", "RYMkey"),
        ["1", "1", "2", "3", "4", "4"]
    );
    assert_eq!(
        common::texts(m, "RegionSales", "RegionKey"),
        ["1", "1", "1", "2", "2", "2"]
    );
    assert_eq!(
        common::texts(m, "RegionSales", "RYkey"),
        ["1", "1", "1", "2", "3", "3"]
    );
    assert_eq!(var(&out, "again"), "4");
    assert_eq!(var(&out, "fresh"), "5");
}

#[test]
fn lookup_finds_the_first_matching_row() {
    let out = run(r#"
        ProductList:
        Load * Inline [
        ProductID|Product|Category|Price
        1|AA|1|1
        2|BB|1|3
        3|CC|2|8
        4|DD|3|2
        ] (delimiter is '|');
        OrderData:
        Load *, Lookup('Category', 'ProductID', ProductID, 'ProductList') as CategoryID
        Inline [
        InvoiceID|CustomerID|ProductID|Units
        1|Astrida|1|8
        1|Astrida|2|6
        2|Betacab|3|10
        3|Divadip|3|5
        4|Divadip|4|10
        5|Divadip|9|1
        ] (delimiter is '|');
        LET last = Lookup('Units', 'CustomerID', 'Divadip');
        LET none = Lookup('Units', 'Nope', 'Divadip');
    "#);
    assert_eq!(
        common::texts(&out.model, "OrderData", "CategoryID"),
        ["1", "1", "2", "2", "3", "-"]
    );
    // Without a table name, the last table loaded.
    assert_eq!(var(&out, "last"), "5");
    assert_eq!(var(&out, "none"), "");
}

#[test]
fn map_substring_maps_parts_left_to_right() {
    let out = run(r#"
        map1:
        mapping LOAD * inline [
        x, y
        1, <one>
        aa, XYZ
        x, b
        ];
        map2:
        mapping LOAD * Inline [
        AttCode, Attribute
        R, Red
        Y, Yellow
        B, Blue
        C, Cotton
        P, Polyester
        S, Small
        M, Medium
        L, Large
        ];
        Productmodels:
        LOAD *, MapSubString('map2', AttCode) as Description Inline [
        Model, AttCode
        Twixie, R C S
        Boomer, B P L
        MultiStripe, R Y B C S/M/L
        ];
        LET a = MapSubString('map1', 'A123');
        LET b = MapSubString('map1', 'baaar');
        LET c = MapSubString('map1', 'xaa1');
    "#);
    assert_eq!(var(&out, "a"), "A<one>23");
    assert_eq!(var(&out, "b"), "bXYZar");
    assert_eq!(var(&out, "c"), "bXYZ<one>");
    assert_eq!(
        common::texts(&out.model, "Productmodels", "Description"),
        [
            "Red Cotton Small",
            "Blue Polyester Large",
            "Red Yellow Blue Cotton Small/Medium/Large"
        ]
    );
}

#[test]
fn evaluate_parses_and_evaluates_in_the_record() {
    let out = run(r#"
        LET forty = Evaluate('5*8');
        LET bad = Evaluate('5*');
        LET loop = Evaluate('Evaluate(''1+1'')');
        T:
        LOAD Expr, Evaluate(Expr) as Result INLINE [
        Expr
        1+2
        Upper('x')
        RecNo()*10
        Evaluate(Expr)
        ];
    "#);
    assert_eq!(var(&out, "forty"), "40");
    assert_eq!(var(&out, "bad"), "");
    assert_eq!(var(&out, "loop"), "2");
    // The expression that evaluates itself stops at the bound with NULL.
    assert_eq!(
        common::texts(&out.model, "T", "Result"),
        ["3", "X", "30", "-"]
    );
}

#[test]
fn table_functions_describe_the_tables_so_far() {
    let out = run(r#"
        tab1: LOAD * INLINE [
        A, B, C
        1, 2, 3
        ];
        map: MAPPING LOAD * INLINE [
        k, v
        1, x
        ];
        tab2: LOAD * INLINE [
        D
        4
        ];
        LET tables = NoOfTables();
        LET first = TableName(0);
        LET second = TableName(1);
        LET beyond = TableName(2);
        LET number = TableNumber('tab2');
        LET fields = NoOfFields('tab1');
        LET name = FieldName(2, 'tab1');
        LET num = FieldNumber('C', 'tab1');
        LET missing = FieldNumber('Z', 'tab1');
        LET notable = FieldNumber('A', 'nope');
    "#);
    for (name, want) in [
        ("tables", "2"),
        ("first", "tab1"),
        ("second", "tab2"),
        ("beyond", ""),
        ("number", "1"),
        ("fields", "3"),
        ("name", "B"),
        ("num", "3"),
        ("missing", "0"),
        ("notable", "0"),
    ] {
        assert_eq!(var(&out, name), want, "{name}");
    }
}
