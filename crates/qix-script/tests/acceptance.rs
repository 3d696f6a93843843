//! The acceptance scripts of the load-script issue, run against real files.

use qix_engine::{DataModel, Dual};
use qix_script::{check_syntax, reload, LoadEnv, LoadOutput};
use std::path::{Path, PathBuf};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn run_in(dir: &Path, script: &str) -> Result<LoadOutput, qix_script::ScriptError> {
    let d = dir.to_path_buf();
    let conn = move |name: &str| (name == "data").then(|| d.clone());
    let env = LoadEnv {
        connection: &conn,
        default_dir: dir.to_path_buf(),
        cancel: None,
        progress: None,
        limits: Default::default(),
    };
    reload(script, &env)
}

fn run(script: &str) -> LoadOutput {
    run_in(&testdata(), script).unwrap_or_else(|e| panic!("{e}"))
}

fn rows(m: &DataModel, table: &str) -> usize {
    m.tables[m
        .table_id(table)
        .unwrap_or_else(|| panic!("no table {table}"))]
    .rows
}

fn fields(m: &DataModel, table: &str) -> Vec<String> {
    m.report()
        .tables
        .into_iter()
        .find(|t| t.name == table)
        .unwrap()
        .fields
}

/// Values of a field in a table, in row order (None for NULL).
fn column(m: &DataModel, table: &str, field: &str) -> Vec<Option<Dual>> {
    let t = &m.tables[m.table_id(table).unwrap()];
    let f = m.field_id(field).unwrap();
    let col = t.column(f).unwrap();
    (0..t.rows)
        .map(|r| {
            let s = col.get(r);
            (s != qix_engine::packed::NULL).then(|| m.fields[f].symbols.get(s).clone())
        })
        .collect()
}

const CTRL_00: &str = r#"
Characters:
Load Chr(RecNo()+Ord('A')-1) as Alpha, RecNo() as Num autogenerate 26;

ASCII:
Load
 if(RecNo()>=65 and RecNo()<=90,RecNo()-64) as Num,
 Chr(RecNo()) as AsciiAlpha,
 RecNo() as AsciiNum
autogenerate 255
 Where (RecNo()>=32 and RecNo()<=126) or RecNo()>=160 ;

Transactions:
Load
 TransLineID,
 TransID,
 mod(TransID,26)+1 as Num,
 Pick(Ceil(3*Rand()),'A','B','C') as Dim1,
 Pick(Ceil(6*Rand()),'a','b','c','d','e','f') as Dim2,
 Pick(Ceil(3*Rand()),'X','Y','Z') as Dim3,
 Round(1000*Rand()*Rand()*Rand()) as Expression1,
 Round(  10*Rand()*Rand()*Rand()) as Expression2,
 Round(Rand()*Rand(),0.00001) as Expression3;
Load
 Rand() as TransLineID,
 IterNo() as TransID
Autogenerate 1000
 While Rand()<=0.5 or IterNo()=1;

 Comment Field Dim1 With "This is a field comment";
"#;

#[test]
fn the_ctrl_0_0_script() {
    let out = run(CTRL_00);
    let m = &out.model;
    assert_eq!(rows(m, "Characters"), 26);
    assert_eq!(fields(m, "Characters"), ["Alpha", "Num"]);
    assert_eq!(
        column(m, "Characters", "Alpha")[25].as_ref().unwrap().text,
        "Z"
    );
    assert_eq!(rows(m, "ASCII"), 95 + 96);
    assert_eq!(fields(m, "ASCII"), ["Num", "AsciiAlpha", "AsciiNum"]);
    let nums = column(m, "ASCII", "Num");
    assert_eq!(
        nums.iter().filter(|v| v.is_some()).count(),
        26,
        "Num only for A..Z"
    );
    let t = rows(m, "Transactions");
    assert!(t >= 1000, "{t}");
    assert_eq!(
        fields(m, "Transactions"),
        [
            "TransLineID",
            "TransID",
            "Num",
            "Dim1",
            "Dim2",
            "Dim3",
            "Expression1",
            "Expression2",
            "Expression3"
        ]
    );
    let dims: std::collections::BTreeSet<String> = column(m, "Transactions", "Dim1")
        .into_iter()
        .map(|v| v.unwrap().text)
        .collect();
    assert_eq!(dims.into_iter().collect::<Vec<_>>(), ["A", "B", "C"]);
    assert_eq!(
        out.field_comments.get("Dim1").map(String::as_str),
        Some("This is a field comment")
    );
    let num = m.field_id("Num").unwrap();
    assert!(m.fields[num].is_key() && m.fields[num].tables.len() == 3);
}

#[test]
fn the_qlik_core_tutorial_movies() {
    let out =
        run("LOAD * FROM [lib://data/movies.csv] (txt, utf8, embedded labels, delimiter is ',');");
    let m = &out.model;
    assert_eq!(m.tables[0].name, "movies");
    assert_eq!(rows(m, "movies"), 50);
    assert_eq!(
        fields(m, "movies")[..3],
        ["Movie", "Year", "Adjusted Costs"]
    );
    let movie = column(m, "movies", "Movie");
    assert_eq!(movie[1].as_ref().unwrap().text, "Armageddon");
    assert_eq!(
        movie[0].as_ref().unwrap().num,
        Some(2012.0),
        "the film 2012 reads as a number"
    );
    assert_eq!(
        column(m, "movies", "Nominal Costs")[0]
            .as_ref()
            .unwrap()
            .text,
        "$200,000,000.00"
    );
}

#[test]
fn the_recorded_real_engine_model() {
    let script = std::fs::read_to_string(testdata().join("script-inline.qvs")).unwrap();
    let m = run(&script).model;
    let r = m.report();
    // As the real engine's field list: numbers 5 values, key of both tables; abcs 3/5; xyz 3/5.
    let f = |n: &str| r.fields.iter().find(|f| f.name == n).unwrap().clone();
    assert_eq!((f("numbers").cardinality, f("numbers").is_key), (5, true));
    assert_eq!(f("numbers").tables, ["TableA", "TableB"]);
    assert_eq!((f("abcs").cardinality, f("abcs").is_key), (3, false));
    assert_eq!(
        (f("xyz").cardinality, f("xyz").tables.clone()),
        (3, vec!["TableB".to_string()])
    );
    assert_eq!(fields(&m, "TableA"), ["abcs", "numbers"]);
    assert_eq!((rows(&m, "TableA"), rows(&m, "TableB")), (5, 5));
}

#[test]
fn qvd_files_written_by_qlik_load_exactly() {
    let q_model = run("A: LOAD * FROM [lib://data/qvd/AAPL.qvd] (qvd);").model;
    let c_model =
        run("A: LOAD * FROM [lib://data/qvd/AAPL.csv] (txt, embedded labels, delimiter is ',');")
            .model;
    assert_eq!(rows(&q_model, "A"), 2746);
    assert_eq!(fields(&q_model, "A"), fields(&c_model, "A"));
    for f in fields(&q_model, "A") {
        let (q, c) = (column(&q_model, "A", &f), column(&c_model, "A", &f));
        for (i, (a, b)) in q.iter().zip(&c).enumerate() {
            let (a, b) = (a.as_ref().unwrap(), b.as_ref().unwrap());
            match (a.num, b.num) {
                (Some(x), Some(y)) => assert!(
                    (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                    "{f} row {i}: {x} vs {y}"
                ),
                _ => assert_eq!(a.text, b.text, "{f} row {i}"),
            }
        }
    }
    let m = run("LOAD * FROM [lib://data/qvd/test_qvd.qvd] (qvd);").model;
    assert_eq!(m.tables[0].rows, 12);
    assert!(fields(&m, "test_qvd").contains(&"TEST.Month".to_string()));
    let m = run("LOAD * FROM [lib://data/qvd/test_qvd_null.qvd] (qvd);").model;
    let t = &m.tables[0];
    assert_eq!(t.rows, 12);
    let all_null = t
        .columns
        .iter()
        .any(|c| (0..t.rows).all(|r| c.data.get(r) == qix_engine::packed::NULL));
    assert!(all_null, "one field is all NULL");
}

#[test]
fn a_mixed_script_with_joins_mapping_resident_and_store() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sales.csv"),
        "OrderID;Product;Qty\n1;p1;3\n2;p2;1\n3;p1;2\n4;p9;5\n",
    )
    .unwrap();
    std::fs::copy(
        testdata().join("qvd/test_qvd.qvd"),
        dir.path().join("t.qvd"),
    )
    .unwrap();
    let script = r#"
        ///$tab Main
        SET ThousandSep=',';
        LET vMin = 2;
        Names:
        MAPPING LOAD * INLINE [
        code, name
        p1, Apple
        p2, Pear
        ];
        Sales:
        LOAD OrderID, Product, Qty, ApplyMap('Names', Product, 'Unknown') AS ProductName
        FROM [lib://data/sales.csv] (txt, utf8, embedded labels, delimiter is ';');
        LEFT JOIN (Sales) LOAD * INLINE [
        Product, Price
        p1, 10
        p2, 4
        ];
        Big:
        NOCONCATENATE LOAD OrderID AS BigOrder, Qty * Price AS Amount RESIDENT Sales WHERE Qty >= $(vMin);
        STORE Sales INTO [lib://data/out/sales.qvd] (qvd);
        STORE Sales INTO [lib://data/out/sales.csv] (txt);
        Again:
        NOCONCATENATE LOAD * FROM [lib://data/out/sales.qvd] (qvd);
        Months: LOAD * FROM [lib://data/t.qvd] (qvd);
        DROP TABLE Again;
        IF NoOfRows('Sales') = 4 THEN
          TRACE four rows;
        ELSE
          TRACE wrong;
        END IF
        FOR i = 1 TO 3
          Loop: LOAD $(i) AS LoopValue AUTOGENERATE 1;
        NEXT i
        SUB addRow(v)
          Loop: LOAD $(v) AS LoopValue AUTOGENERATE 1;
        END SUB
        CALL addRow(10);
        RENAME FIELD LoopValue TO LV;
        Dates: LOAD Date(MakeDate(2024, 2, 29)) AS D, Year(MakeDate(2024,2,29)) AS Y AUTOGENERATE 1;
    "#;
    let out = run_in(dir.path(), script).unwrap_or_else(|e| panic!("{e}"));
    let m = &out.model;
    assert_eq!(
        fields(m, "Sales"),
        ["OrderID", "Product", "Qty", "ProductName", "Price"]
    );
    let names: Vec<String> = column(m, "Sales", "ProductName")
        .into_iter()
        .map(|v| v.unwrap().text)
        .collect();
    assert_eq!(names, ["Apple", "Pear", "Apple", "Unknown"]);
    assert_eq!(
        column(m, "Sales", "Price")[3],
        None,
        "left join keeps the unmatched row"
    );
    let amounts: Vec<Option<f64>> = column(m, "Big", "Amount")
        .into_iter()
        .map(|v| v.and_then(|d| d.num))
        .collect();
    assert_eq!(
        amounts,
        [Some(30.0), Some(20.0), None],
        "WHERE Qty >= 2; p9 has no price, so NULL"
    );
    assert!(m.table_id("Again").is_none());
    assert_eq!(rows(m, "Months"), 12);
    assert!(out.log.iter().any(|l| l == "four rows"));
    let lv: Vec<f64> = column(m, "Loop", "LV")
        .into_iter()
        .map(|v| v.unwrap().num.unwrap())
        .collect();
    assert_eq!(
        lv,
        [1.0, 2.0, 3.0, 10.0],
        "loads with the same fields concatenate"
    );
    assert_eq!(
        column(m, "Dates", "D")[0].as_ref().unwrap().text,
        "2/29/2024",
        "no SET DateFormat: the en-US default a new app's script sets (Locale::default)"
    );
    assert!(dir.path().join("out/sales.csv").exists());
    let csv = std::fs::read_to_string(dir.path().join("out/sales.csv")).unwrap();
    assert!(
        csv.starts_with("OrderID,Product,Qty,ProductName,Price\n1,p1,3,Apple,10\n"),
        "{csv}"
    );
}

#[test]
fn errors_name_the_statement_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let e = run_in(
        dir.path(),
        "LOAD 1 AS a AUTOGENERATE 1;\n\nLOAD * FROM [lib://data/missing.csv];",
    )
    .unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.contains("missing.csv"), "{e}");
    let e = run_in(dir.path(), "LOAD * FROM [lib://data/../../etc/passwd];").unwrap_err();
    assert!(e.message.contains("inside"), "{e}");
    let e = run_in(
        dir.path(),
        "T: LOAD a, b INLINE [\na,b\n1,2\n];\nU: LOAD a, b INLINE [\na,b\n1,2\n] WHERE a > ;",
    )
    .unwrap_err();
    assert_eq!(e.line, 5);
    // Two tables sharing two fields are linked through a synthetic key, as in Qlik.
    let out = run_in(
        dir.path(),
        "A: LOAD * INLINE [\nk1,k2\n1,2\n];\nB: LOAD * INLINE [\nk1,k2,x\n1,2,3\n];",
    )
    .unwrap();
    assert!(out.model.table_id("$Syn 1 Table").is_some());
    let errs = check_syntax("LOAD a FROM x.csv;\nLOAD Sum( FROM y;\nIF 1 THEN\nGARBAGE;");
    let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
    assert!(
        lines.contains(&2) && lines.contains(&3) && lines.contains(&4),
        "{errs:?}"
    );
    assert!(
        check_syntax(CTRL_00).is_empty(),
        "{:?}",
        check_syntax(CTRL_00)
    );
}

#[test]
fn parquet_written_by_duckdb_loads_with_its_types() {
    for file in ["types.parquet", "types_gzip.parquet"] {
        let out = run(&format!(
            "T: LOAD * FROM [lib://data/parquet/{file}] (parquet);"
        ));
        let m = &out.model;
        assert_eq!(
            fields(m, "T"),
            ["id", "big", "dbl", "txt", "day", "ts", "dec", "flag", "flt"]
        );
        assert_eq!(rows(m, "T"), 4);
        let num = |f: &str| -> Vec<Option<f64>> {
            column(m, "T", f)
                .into_iter()
                .map(|v| v.and_then(|d| d.num))
                .collect()
        };
        let text = |f: &str| -> Vec<Option<String>> {
            column(m, "T", f)
                .into_iter()
                .map(|v| v.map(|d| d.text))
                .collect()
        };
        assert_eq!(num("big"), [Some(10.0), None, Some(30.0), Some(-40.0)]);
        assert_eq!(num("dbl"), [Some(1.5), Some(-0.25), None, Some(1e10)]);
        assert_eq!(
            text("txt"),
            [
                Some("apple".into()),
                Some("pear".into()),
                None,
                Some("ü / \"q\", x".into())
            ]
        );
        assert_eq!(
            text("day"),
            [
                Some("2024-02-29".into()),
                Some("1999-12-31".into()),
                None,
                Some("1970-01-01".into())
            ]
        );
        assert_eq!(
            num("day")[0],
            Some(45351.0),
            "a date is a dual with its serial number"
        );
        assert_eq!(text("ts")[0].as_deref(), Some("2024-02-29 13:45:00"));
        assert_eq!(num("dec"), [Some(12.34), Some(-1.5), None, Some(123456.78)]);
        assert_eq!(num("flag"), [Some(-1.0), Some(0.0), None, Some(-1.0)]);
        assert_eq!(num("flt"), [Some(2.5), None, Some(0.5), Some(-1.0)]);
    }
    // An unsupported codec is a clear error, not a crash.
    let err = run_in(
        &testdata(),
        "T: LOAD * FROM [lib://data/parquet/types_zstd.parquet] (parquet);",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("types_zstd.parquet"), "{err}");
}

#[test]
fn store_into_parquet_reads_back_and_mixes_with_other_sources() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        testdata().join("qvd/test_qvd.qvd"),
        dir.path().join("t.qvd"),
    )
    .unwrap();
    std::fs::copy(
        testdata().join("parquet/types.parquet"),
        dir.path().join("types.parquet"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.csv"),
        "id,colour\n1,red\n2,green\n4,blue\n",
    )
    .unwrap();
    let script = r#"
        Colours: MAPPING LOAD * FROM [lib://data/p.csv] (txt, utf8, embedded labels, delimiter is ',');
        Items:
        LOAD id, txt AS Name, dbl, ApplyMap('Colours', id, 'none') AS Colour
        FROM [lib://data/types.parquet] (parquet);
        LEFT JOIN (Items) LOAD * INLINE [
        id, Weight
        1, 0.5
        3, 2
        ];
        STORE Items INTO [lib://data/out/items.parquet] (parquet);
        QUALIFY *;
        Back: NOCONCATENATE LOAD * FROM [lib://data/out/items.parquet] (parquet);
        UNQUALIFY *;
        Heavy: NOCONCATENATE LOAD Back.Name AS HeavyName RESIDENT Back WHERE Back.Weight > 1;
    "#;
    let out = run_in(dir.path(), script).unwrap_or_else(|e| panic!("{e}"));
    let m = &out.model;
    assert_eq!(
        column(m, "Items", "Colour"),
        column(m, "Back", "Back.Colour")
    );
    assert_eq!(
        column(m, "Items", "Weight"),
        column(m, "Back", "Back.Weight")
    );
    assert_eq!(column(m, "Items", "Name"), column(m, "Back", "Back.Name"));
    let colours: Vec<String> = column(m, "Back", "Back.Colour")
        .into_iter()
        .map(|v| v.unwrap().text)
        .collect();
    assert_eq!(colours, ["red", "green", "none", "blue"]);
    // A QVD written by Qlik, stored as Parquet and loaded again, keeps every value's text.
    let qvd = run_in(dir.path(), "Months: LOAD * FROM [lib://data/t.qvd] (qvd); STORE Months INTO [lib://data/out/m.parquet] (parquet);")
        .unwrap_or_else(|e| panic!("{e}"));
    let back = run_in(
        dir.path(),
        "Months: LOAD * FROM [lib://data/out/m.parquet] (parquet);",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fields(&qvd.model, "Months"), fields(&back.model, "Months"));
    for f in fields(&qvd.model, "Months") {
        let texts = |m: &DataModel| -> Vec<Option<String>> {
            column(m, "Months", &f)
                .into_iter()
                .map(|v| v.map(|d| d.text))
                .collect()
        };
        assert_eq!(
            texts(&qvd.model),
            texts(&back.model),
            "field {f} survives a Parquet round trip"
        );
    }
    assert_eq!(column(m, "Heavy", "HeavyName"), [None], "row 3 has no name");
    assert!(out
        .log
        .iter()
        .any(|l| l.starts_with("Stored Items (4 rows)")));
}

#[test]
fn previous_reads_the_last_record_the_where_clause_kept() {
    let out = run("T: LOAD n, Previous(n) AS prev, n - Previous(n) AS diff, Previous(Previous(n)) AS two INLINE [\nn\n1\n3\n6\n10\n] WHERE n <> 6;");
    let m = &out.model;
    let nums = |f: &str| -> Vec<Option<f64>> {
        column(m, "T", f)
            .into_iter()
            .map(|v| v.and_then(|d| d.num))
            .collect()
    };
    assert_eq!(nums("n"), [Some(1.0), Some(3.0), Some(10.0)]);
    assert_eq!(
        nums("prev"),
        [None, Some(1.0), Some(3.0)],
        "6 was discarded, so 10 follows 3"
    );
    assert_eq!(nums("diff"), [None, Some(2.0), Some(7.0)]);
    assert_eq!(
        nums("two"),
        [None, None, Some(1.0)],
        "nested, two records back"
    );
}

#[test]
fn optimized_loads_give_the_same_tables_as_row_by_row_loads() {
    for file in [
        "qvd/AAPL.qvd",
        "qvd/test_qvd_null.qvd",
        "parquet/types.parquet",
    ] {
        let fast = run(&format!("T: LOAD * FROM [lib://data/{file}];"));
        // WHILE repeats records: that LOAD goes record by record.
        let slow = run(&format!(
            "T: LOAD * FROM [lib://data/{file}] WHILE IterNo() = 1;"
        ));
        assert!(
            fast.log.iter().any(|l| l.ends_with("(columns)")),
            "{file}: {:?}",
            fast.log
        );
        assert!(!slow.log.iter().any(|l| l.ends_with("(columns)")));
        assert_eq!(fields(&fast.model, "T"), fields(&slow.model, "T"));
        for f in fields(&fast.model, "T") {
            assert_eq!(
                column(&fast.model, "T", &f),
                column(&slow.model, "T", &f),
                "{file}: {f}"
            );
        }
    }
    // Later statements see the rows of an optimized table: RESIDENT, auto-concatenation, functions.
    let out = run("A: LOAD * FROM [lib://data/qvd/test_qvd.qvd];\n\
         A2: LOAD * FROM [lib://data/qvd/test_qvd.qvd];\n\
         LET n = NoOfRows('A');\n\
         B: NOCONCATENATE LOAD *, $(n) AS N RESIDENT A;\n\
         DROP TABLE A;");
    assert_eq!(
        rows(&out.model, "B"),
        24,
        "the second load concatenated onto A"
    );
    assert_eq!(
        column(&out.model, "B", "N")[0].as_ref().and_then(|d| d.num),
        Some(24.0)
    );
}
