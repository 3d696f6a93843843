//! LOADs that run on columns (field lists, expressions, WHERE, DISTINCT, preceding loads, RESIDENT,
//! CONCATENATE, JOIN on a lookup table, GROUP BY, expressions on the record's place) give the same
//! tables as the row-by-row path, which a `WHILE` forces; joins on columns (one or two key fields,
//! keys unique or repeated, every kind) equal a plain reference join.

mod common;

use proptest::prelude::*;
use qix_engine::{DataModel, Dual};
use qix_script::LoadOutput;

fn run(script: &str) -> LoadOutput {
    common::reload_plain(script).unwrap_or_else(|e| panic!("{e}\n{script}"))
}

/// Every field of `table` with its cells (text and number), in field order.
fn table(m: &DataModel, table: &str) -> Vec<(String, Vec<Option<Dual>>)> {
    let t = &m.tables[m.table_id(table).unwrap_or_else(|| panic!("no {table}"))];
    t.columns
        .iter()
        .map(|c| {
            let name = m.fields[c.field].name.clone();
            let cells = common::cells(m, table, &name);
            (name, cells)
        })
        .collect()
}

const ITEMS: &[&str] = &[
    "a",
    "b AS bb",
    "a * 2 AS a2",
    "b & '-' & a AS ba",
    "If(c > 1.8, 'big', 'small') AS size",
    "Upper(b) AS ub",
    "c + a AS s",
    "Len(b) AS lb",
    "'k' AS konst",
    "Date(40000 + a) AS d",
    "c",
    "*",
];

const CONDITIONS: &[&str] = &["a > 1", "b = 'x'", "c >= 2 or IsNull(a)", "Len(b) > 0", "a"];

/// The base table: INLINE values, empty ones made NULL.
fn base(rows: &[(u8, u8, u8)]) -> String {
    let a = ["1", "2", "3", ""];
    let b = ["x", "y", "z z", ""];
    let c = ["1.5", "2", "02", "10", ""];
    let mut s = String::from(
        "Base: LOAD If(Len(a) = 0, Null(), a) AS a, If(Len(b) = 0, Null(), b) AS b, \
         If(Len(c) = 0, Null(), c) AS c INLINE [\na, b, c\n",
    );
    for &(x, y, z) in rows {
        s.push_str(&format!(
            "{}, {}, {}\n",
            a[x as usize % 4],
            b[y as usize % 4],
            c[z as usize % 5]
        ));
    }
    s.push_str("];\n");
    s
}

/// `WHERE cond`, with `WHILE IterNo() = 1` (one round per record: nothing changes but the LOAD goes
/// record by record) when `rows`.
fn condition(cond: Option<&str>, rows: bool) -> String {
    let w = cond.map_or_else(String::new, |c| format!(" WHERE {c}"));
    if rows {
        format!("{w} WHILE IterNo() = 1")
    } else {
        w
    }
}

/// `WHERE cond`, with `RecNo() > 0` added when `rows`: a grouping LOAD whose condition depends on the
/// record's place groups record by record (WHILE does not mix with GROUP BY).
fn group_condition(cond: Option<&str>, rows: bool) -> String {
    match (cond, rows) {
        (None, false) => String::new(),
        (None, true) => " WHERE RecNo() > 0".into(),
        (Some(c), false) => format!(" WHERE {c}"),
        (Some(c), true) => format!(" WHERE ({c}) AND RecNo() > 0"),
    }
}

/// The script of one case, on columns or (`rows`) record by record.
fn script(
    rows_in: &[(u8, u8, u8)],
    items: &[usize],
    cond: Option<usize>,
    distinct: bool,
    rows: bool,
) -> String {
    let mut fields: Vec<&str> = Vec::new();
    for &i in items {
        let item = ITEMS[i % ITEMS.len()];
        let name = item.rsplit(' ').next().unwrap_or(item);
        let clash = fields.iter().any(|f| {
            let n = f.rsplit(' ').next().unwrap_or(f);
            n == name || n == "*" || name == "*" || (*f == "*" && ["a", "b", "c"].contains(&name))
        });
        if !clash {
            fields.push(item);
        }
    }
    let cond = condition(cond.map(|c| CONDITIONS[c % CONDITIONS.len()]), rows);
    let distinct = if distinct { "DISTINCT " } else { "" };
    format!(
        "{}Out: NoConcatenate LOAD {distinct}{} RESIDENT Base{cond};\n\
         Out2: NoConcatenate LOAD *, ba & '!' AS bang;\nLOAD b & a AS ba, c * 3 AS c3 RESIDENT Base{cond};\n\
         Concatenate (Out2) LOAD a AS ba, c AS c3 RESIDENT Base{cond};\nDROP TABLE Base;\n",
        base(rows_in),
        fields.join(", "),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn loads_on_columns_equal_loads_row_by_row(
        rows in prop::collection::vec((0u8..4, 0u8..4, 0u8..5), 1..40),
        items in prop::collection::vec(0usize..ITEMS.len(), 1..6),
        cond in prop::option::of(0usize..CONDITIONS.len()),
        distinct in any::<bool>(),
    ) {
        let on_columns = run(&script(&rows, &items, cond, distinct, false));
        let by_rows = run(&script(&rows, &items, cond, distinct, true));
        prop_assert!(on_columns.log.iter().any(|l| l.starts_with("Out <<") && l.ends_with("(columns)")));
        prop_assert!(by_rows.log.iter().any(|l| l.starts_with("Out <<") && !l.ends_with("(columns)")));
        for t in ["Out", "Out2"] {
            prop_assert_eq!(table(&on_columns.model, t), table(&by_rows.model, t));
        }
    }
}

/// A table as texts (`-` for NULL), row by row.
type Rows = Vec<Vec<String>>;

/// Reference natural join of `t` (fields `tf`) and `d` (fields `df`) on their common fields: `t`'s
/// rows in order, each with its matches (NULL matches NULL, as the script does), then for RIGHT and
/// OUTER `d`'s unmatched rows.
fn reference_join(tf: &[&str], t: &Rows, df: &[&str], d: &Rows, kind: &str) -> (Vec<String>, Rows) {
    let common: Vec<(usize, usize)> = tf
        .iter()
        .enumerate()
        .filter_map(|(i, f)| df.iter().position(|g| g == f).map(|j| (i, j)))
        .collect();
    let extra: Vec<usize> = (0..df.len())
        .filter(|j| !common.iter().any(|c| c.1 == *j))
        .collect();
    let mut fields: Vec<String> = tf.iter().map(|s| s.to_string()).collect();
    fields.extend(extra.iter().map(|&j| df[j].to_string()));
    let mut out = Vec::new();
    let mut used = vec![false; d.len()];
    for r in t {
        let mut any = false;
        for (k, s) in d.iter().enumerate() {
            if common.iter().all(|&(i, j)| r[i] == s[j]) {
                any = true;
                used[k] = true;
                let mut row = r.clone();
                row.extend(extra.iter().map(|&j| s[j].clone()));
                out.push(row);
            }
        }
        if !any && (kind == "LEFT" || kind == "OUTER") {
            let mut row = r.clone();
            row.extend(extra.iter().map(|_| "-".to_string()));
            out.push(row);
        }
    }
    if kind == "RIGHT" || kind == "OUTER" {
        for (k, s) in d.iter().enumerate().filter(|(k, _)| !used[*k]) {
            let _ = k;
            let mut row = vec!["-".to_string(); tf.len()];
            for &(i, j) in &common {
                row[i] = s[j].clone();
            }
            row.extend(extra.iter().map(|&j| s[j].clone()));
            out.push(row);
        }
    }
    (fields, out)
}

/// An INLINE load of `rows` (`-` is NULL).
fn inline(name: &str, fields: &[&str], rows: &Rows) -> String {
    let nulled: Vec<String> = fields
        .iter()
        .map(|f| format!("If({f} = '-', Null(), {f}) AS {f}"))
        .collect();
    let mut s = format!(
        "{name}: LOAD {} INLINE [\n{}\n",
        nulled.join(", "),
        fields.join(", ")
    );
    for r in rows {
        s.push_str(&r.join(", "));
        s.push('\n');
    }
    s.push_str("];\n");
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn joins_on_columns_equal_the_reference_join(
        t in prop::collection::vec((0u8..5, 0u8..3, 0u8..4), 1..30),
        keys in prop::collection::vec((0u8..5, 0u8..3), 0..10),
        kind in 0usize..4,
        two_keys in any::<bool>(),
        unique in any::<bool>(),
    ) {
        // A lookup table (each key once), or any table (keys repeat: the join multiplies rows).
        let keys: Vec<(u8, u8)> = if unique {
            keys.into_iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect()
        } else {
            keys
        };
        let kind = ["LEFT", "INNER", "RIGHT", "OUTER"][kind];
        let show = |k: u8| if k == 4 { "-".to_string() } else { format!("k{k}") };
        let t_rows: Rows = t.iter().map(|&(k, g, v)| vec![show(k), format!("g{g}"), v.to_string()]).collect();
        // Unique keys in the lookup table (one key field, or two).
        let (df, d_rows): (Vec<&str>, Rows) = if two_keys {
            (vec!["K", "G", "Name"], keys.iter().map(|&(k, g)| vec![show(k), format!("g{g}"), format!("n{k}{g}")]).collect())
        } else {
            let mut seen = std::collections::BTreeSet::new();
            let rows = keys.iter().filter(|(k, _)| !unique || seen.insert(*k));
            (vec!["K", "Name"], rows.map(|&(k, g)| vec![show(k), format!("n{k}{g}")]).collect())
        };
        let tf = ["K", "G", "V"];
        let script = format!(
            "{}{}{kind} JOIN (T) LOAD * RESIDENT D;\nDROP TABLE D;\n",
            inline("T", &tf, &t_rows),
            inline("D", &df, &d_rows),
        );
        let out = run(&script);
        let (fields, want) = reference_join(&tf, &t_rows, &df, &d_rows, kind);
        let got_fields: Vec<String> = table(&out.model, "T").into_iter().map(|(f, _)| f).collect();
        prop_assert_eq!(&got_fields, &fields);
        let cols: Vec<Vec<String>> = fields.iter().map(|f| common::texts(&out.model, "T", f)).collect();
        let got: Rows = (0..cols[0].len()).map(|r| cols.iter().map(|c| c[r].clone()).collect()).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn a_join_that_multiplies_rows_still_works() {
    let out = run("T: LOAD * INLINE [\nK, V\n1, a\n2, b\n];\n\
         JOIN (T) LOAD * INLINE [\nK, W\n1, x\n1, y\n3, z\n];\n");
    assert_eq!(common::texts(&out.model, "T", "K"), ["1", "1", "2", "3"]);
    assert_eq!(common::texts(&out.model, "T", "W"), ["x", "y", "-", "z"]);
}

#[test]
fn resident_and_field_lists_share_columns_and_keep_values_exact() {
    let out = run("T: LOAD * INLINE [\nid, p\n1, 01\n2, 1.50\n3, x\n];\n\
         U: NoConcatenate LOAD id AS key, p, p * 2 AS p2 RESIDENT T WHERE id > 1;\n");
    assert!(
        out.log.iter().any(|l| l == "U << 2 rows (columns)"),
        "{:?}",
        out.log
    );
    assert_eq!(common::texts(&out.model, "U", "key"), ["2", "3"]);
    // A value keeps the text it was read with.
    assert_eq!(common::texts(&out.model, "U", "p"), ["1.50", "x"]);
    assert_eq!(common::texts(&out.model, "U", "p2"), ["3", "-"]);
    assert_eq!(common::texts(&out.model, "T", "p"), ["01", "1.50", "x"]);
}

const AGGREGATIONS: &[&str] = &[
    "Sum(c) AS sc",
    "Count(b) AS nb",
    "Count(DISTINCT b) AS db",
    "Min(c) AS minc",
    "Max(a) AS maxa",
    "Avg(c) AS avgc",
    "Concat(DISTINCT b, '|') AS cb",
    "Only(a) AS oa",
    "FirstSortedValue(b, c) AS fb",
    "Sum(a * c) + 1 AS sac",
    "Count(*) AS n",
    "MaxString(b) AS mb",
    "NullCount(a) AS na",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn group_by_on_columns_equals_group_by_row_by_row(
        rows in prop::collection::vec((0u8..4, 0u8..4, 0u8..5), 0..40),
        aggs in prop::collection::btree_set(0usize..AGGREGATIONS.len(), 1..5),
        by in 0usize..4,
        cond in prop::option::of(0usize..CONDITIONS.len()),
        distinct in any::<bool>(),
    ) {
        let (keys, group) = [("", ""), ("a, ", " GROUP BY a"), ("b, ", " GROUP BY b"), ("a, b, ", " GROUP BY a, b")][by];
        let list: Vec<&str> = aggs.iter().map(|&k| AGGREGATIONS[k]).collect();
        let script = |rows_path: bool| {
            let cond = group_condition(cond.map(|c| CONDITIONS[c % CONDITIONS.len()]), rows_path);
            let distinct = if distinct { "DISTINCT " } else { "" };
            format!(
                "{}G: LOAD {distinct}{keys}{} RESIDENT Base{cond}{group};\nDROP TABLE Base;\n",
                base(&rows),
                list.join(", ")
            )
        };
        let on_columns = run(&script(false));
        let by_rows = run(&script(true));
        prop_assert!(on_columns.log.iter().any(|l| l.starts_with("G <<") && l.ends_with("(columns)")));
        prop_assert_eq!(table(&on_columns.model, "G"), table(&by_rows.model, "G"));
    }
}

const PLACED: &[&str] = &[
    "RowNo() AS rn",
    "RecNo() AS rc",
    "Previous(a) AS pa",
    "Previous(Previous(b)) AS ppb",
    "c - Previous(c) AS dc",
    "AutoNumber(b) AS ab",
    "Peek('a', -1, 'Base') AS pk",
    "RowNo() + a AS ra",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn place_dependent_expressions_on_columns_equal_the_row_path(
        rows in prop::collection::vec((0u8..4, 0u8..4, 0u8..5), 1..40),
        items in prop::collection::btree_set(0usize..PLACED.len(), 1..4),
        cond in prop::option::of(0usize..CONDITIONS.len()),
        concatenate in any::<bool>(),
    ) {
        let list: Vec<&str> = items.iter().map(|&k| PLACED[k]).collect();
        let script = |rows_path: bool| {
            let cond = condition(cond.map(|c| CONDITIONS[c % CONDITIONS.len()]), rows_path);
            let again = if concatenate {
                format!("Concatenate (P) LOAD a, {} RESIDENT Base{cond};\n", list.join(", "))
            } else {
                String::new()
            };
            format!(
                "{}P: NoConcatenate LOAD a, {} RESIDENT Base{cond};\n{again}DROP TABLE Base;\n",
                base(&rows),
                list.join(", ")
            )
        };
        let on_columns = run(&script(false));
        let by_rows = run(&script(true));
        prop_assert!(on_columns.log.iter().any(|l| l.starts_with("P <<") && l.ends_with("(columns)")));
        prop_assert!(by_rows.log.iter().all(|l| !l.ends_with("(columns)") || !l.starts_with("P <<")));
        prop_assert_eq!(table(&on_columns.model, "P"), table(&by_rows.model, "P"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn keep_reduces_both_tables_as_a_semi_join_does(
        t in prop::collection::vec((0u8..5, 0u8..3), 0..25),
        d in prop::collection::vec((0u8..5, 0u8..3), 0..25),
        kind in 0usize..3,
    ) {
        let kind = ["LEFT", "INNER", "RIGHT"][kind];
        let show = |k: u8| if k == 4 { "-".to_string() } else { format!("k{k}") };
        let t_rows: Rows = t.iter().map(|&(k, v)| vec![show(k), format!("t{v}")]).collect();
        let d_rows: Rows = d.iter().map(|&(k, v)| vec![show(k), format!("d{v}")]).collect();
        let script = format!(
            "{}D: {kind} KEEP (T) LOAD * INLINE [\nK, W\n{}\n];\n",
            inline("T", &["K", "V"], &t_rows),
            d_rows.iter().map(|r| r.join(", ")).collect::<Vec<_>>().join("\n"),
        );
        let out = run(&script);
        let has = |rows: &Rows, k: &str| rows.iter().any(|r| r[0] == k);
        // INLINE reads `-` as the text "-" in D (no NULL there), which matches nothing in T's NULLs.
        let t_keys: Rows = t_rows.clone();
        let want_t: Vec<String> = t_rows
            .iter()
            .filter(|r| kind == "LEFT" || (r[0] != "-" && has(&d_rows, &r[0])))
            .map(|r| r[1].clone())
            .collect();
        let want_d: Vec<String> = d_rows
            .iter()
            .filter(|r| kind == "RIGHT" || (r[0] != "-" && has(&t_keys, &r[0])))
            .map(|r| r[1].clone())
            .collect();
        prop_assert_eq!(common::texts(&out.model, "T", "V"), want_t);
        let got_d = if want_d.is_empty() && out.model.table_id("D").is_none() {
            Vec::new()
        } else {
            common::texts(&out.model, "D", "W")
        };
        prop_assert_eq!(got_d, want_d);
    }
}

#[test]
fn exists_sees_the_records_the_load_made_before() {
    let out = run(
        "T: LOAD * INLINE [\nK, V\n1, a\n2, b\n1, c\n3, d\n2, e\n] WHERE NOT Exists(K);\n\
         U: LOAD * INLINE [\nK, W\n3, x\n4, y\n] WHERE Exists(K);\n\
         S: LOAD Name, Name AS Seen INLINE [\nName\nx\ny\nx\n] WHERE NOT Exists(Seen, Name);\n",
    );
    assert_eq!(
        common::texts(&out.model, "T", "V"),
        ["a", "b", "d"],
        "first of each key"
    );
    assert_eq!(
        common::texts(&out.model, "U", "W"),
        ["x"],
        "3 was loaded by T, 4 by nothing"
    );
    assert_eq!(common::texts(&out.model, "S", "Name"), ["x", "y"]);
    assert!(out.log.iter().any(|l| l == "T << 3 rows"), "{:?}", out.log);
}

/// A CSV file of `rows` in the temp folder (a name of its own per call); empty values stay empty texts.
fn csv_file(rows: &[(u8, u8, u8)]) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("qix-where-{}-{n}.csv", std::process::id());
    let (a, b, c) = (
        ["1", "2", "3", ""],
        ["x", "y", "z z", ""],
        ["1.5", "2", "02", "10", ""],
    );
    let mut text = String::from("a,b,c\n");
    for &(x, y, z) in rows {
        text.push_str(&format!(
            "{},{},{}\n",
            a[x as usize % 4],
            b[y as usize % 4],
            c[z as usize % 5]
        ));
    }
    std::fs::write(std::env::temp_dir().join(&name), text).unwrap();
    name
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A WHERE on a text file's own fields is decided as the file is read (the records it drops are
    /// never interned): the same table as the row path, which reads the file whole.
    #[test]
    fn a_where_decided_while_the_file_is_read_equals_the_row_path(
        rows in prop::collection::vec((0u8..4, 0u8..4, 0u8..5), 1..40),
        items in prop::collection::vec(0usize..ITEMS.len() - 1, 1..5),
        cond in 0usize..CONDITIONS.len(),
    ) {
        let file = csv_file(&rows);
        let mut fields: Vec<&str> = Vec::new();
        for &i in &items {
            let item = ITEMS[i];
            let name = item.rsplit(' ').next().unwrap_or(item);
            if !fields.iter().any(|f| f.rsplit(' ').next() == Some(name)) {
                fields.push(item);
            }
        }
        let load = |extra: &str| format!(
            "Out: LOAD {} FROM [{file}] (txt, utf8, embedded labels, delimiter is ',') WHERE {}{extra};\n\
             Out2: LOAD RecNo() AS r, a AS a5 FROM [{file}] (txt, utf8, embedded labels, delimiter is ',') WHERE {};",
            fields.join(", "), CONDITIONS[cond], CONDITIONS[cond]
        );
        let streamed = run(&load(""));
        let by_rows = run(&load(" WHILE IterNo() = 1"));
        let _ = std::fs::remove_file(std::env::temp_dir().join(&file));
        prop_assert!(streamed.log.iter().any(|l| l.starts_with("Out <<") && l.ends_with("(columns)")));
        for t in ["Out", "Out2"] {
            prop_assert_eq!(table(&streamed.model, t), table(&by_rows.model, t));
        }
    }
}

#[test]
fn record_numbers_count_the_records_of_the_file_under_a_where() {
    let file = csv_file(&[(0, 0, 0), (1, 1, 1), (2, 2, 2), (1, 0, 3)]);
    let out = run(&format!(
        "T: LOAD RecNo() AS r, RowNo() AS n, a FROM [{file}] (txt, embedded labels, delimiter is ',') WHERE a = 2;\n\
         U: LOAD a AS ua, b AS ub FROM [{file}] (txt, embedded labels, delimiter is ',') WHERE a = 2 AND b = 'x';"
    ));
    let _ = std::fs::remove_file(std::env::temp_dir().join(&file));
    assert_eq!(common::texts(&out.model, "T", "r"), ["2", "4"]);
    assert_eq!(common::texts(&out.model, "T", "n"), ["1", "2"]);
    assert_eq!(common::texts(&out.model, "U", "ub"), ["x"]);
    // Only the kept records' values are in the fields: `b` of the dropped records (y, z z) is not.
    let ub = out.model.field_id("ub").unwrap();
    assert_eq!(out.model.fields[ub].symbols.len(), 1);
}

#[test]
fn a_where_on_a_file_counts_only_the_kept_records_against_the_limits() {
    // 20,000 records, of which the WHERE keeps 1 in 10: within a 5,000-row limit, as only what is kept
    // is ever read into the table (the whole file is twice the limit).
    let name = format!("qix-where-limit-{}.csv", std::process::id());
    let mut text = String::from("id,k\n");
    for i in 0..20_000 {
        text.push_str(&format!("{i},{}\n", i % 10));
    }
    std::fs::write(std::env::temp_dir().join(&name), text).unwrap();
    let limits = qix_script::Limits {
        max_rows: 5_000,
        ..Default::default()
    };
    let script = |cond: &str| {
        format!("T: LOAD id FROM [{name}] (txt, embedded labels, delimiter is ',') WHERE {cond};")
    };
    let kept = common::with_env(limits, |env| qix_script::reload(&script("k = 3"), env));
    let all = common::with_env(limits, |env| qix_script::reload(&script("k >= 0"), env));
    let _ = std::fs::remove_file(std::env::temp_dir().join(&name));
    let kept = kept.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(common::texts(&kept.model, "T", "id").len(), 2_000);
    let e = all.unwrap_err();
    assert!(e.message.contains("rows"), "{e}");
}

#[test]
fn first_stops_reading_the_file_once_it_has_its_records() {
    // Three good records, then one that is not UTF-8: reading it fails, FIRST 2 never gets there.
    let name = format!("qix-first-{}.csv", std::process::id());
    let mut bytes = b"a,b\n1,x\n2,y\n3,z\n".to_vec();
    bytes.extend_from_slice(b"4,\xE9\n");
    std::fs::write(std::env::temp_dir().join(&name), &bytes).unwrap();
    let spec = "(txt, utf8, embedded labels, delimiter is ',')";
    let first = common::reload_plain(&format!(
        "T: FIRST 2 LOAD a, b FROM [{name}] {spec};\n\
         U: FIRST 2 LOAD a AS ua, b AS ub FROM [{name}] {spec} WHERE a >= 2;"
    ));
    let whole = common::reload_plain(&format!("T: LOAD a, b FROM [{name}] {spec};"));
    let _ = std::fs::remove_file(std::env::temp_dir().join(&name));
    let out = first.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(common::texts(&out.model, "T", "b"), ["x", "y"]);
    assert_eq!(common::texts(&out.model, "U", "ub"), ["y", "z"]);
    assert!(whole.unwrap_err().message.contains("UTF-8"));
}
