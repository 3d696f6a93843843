//! Files in the script: `$(Include=...)` / `$(Must_Include=...)`, wildcards in FROM, `FOR EACH ... IN
//! FileList(...)` / `DirList(...)`, the file functions, and `ErrorMode` with the error variables.

mod common;

use qix_script::{check_syntax, reload, Limits, LoadEnv, LoadOutput, ScriptError};
use std::path::Path;

fn run_in(dir: &Path, script: &str) -> Result<LoadOutput, ScriptError> {
    let conn = |name: &str| (name == "data").then(|| dir.to_path_buf());
    let env = LoadEnv {
        connection: &conn,
        default_dir: dir.to_path_buf(),
        cancel: None,
        progress: None,
        limits: Limits::default(),
    };
    reload(script, &env)
}

fn var(out: &LoadOutput, name: &str) -> String {
    out.variables.get(name).cloned().unwrap_or_default()
}

#[test]
fn include_runs_the_files_script_and_must_include_needs_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("common.qvs"),
        "\u{feff}SET vFromInclude = 'yes';\nSUB AddOne(v)\n  LET total = total + v;\nEND SUB\nT: LOAD * INLINE [\nk\n1\n2\n];",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/two.qvs"), "LET two = 2;").unwrap();
    let out = run_in(
        dir.path(),
        "LET total = 0;\n$(Include=lib://data/common.qvs);\nCALL AddOne(5);\nSET vDir = sub;\n$(Must_Include=lib://data/$(vDir)/two.qvs);\n$(Include=lib://data/missing.qvs);\nLET after = 1;",
    )
    .unwrap();
    assert_eq!(var(&out, "vFromInclude"), "yes");
    assert_eq!(var(&out, "total"), "5");
    assert_eq!(var(&out, "two"), "2");
    assert_eq!(var(&out, "after"), "1", "a missing Include is passed over");
    assert_eq!(common::texts(&out.model, "T", "k"), ["1", "2"]);

    let e = run_in(
        dir.path(),
        "LET a = 1;\n$(Must_Include=lib://data/missing.qvs);",
    )
    .unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("missing.qvs"), "{e}");
    // A path that leaves the connection's folder is refused, whichever form.
    for form in ["Include", "Must_Include"] {
        let e = run_in(dir.path(), &format!("$({form}=lib://data/../x.qvs);")).unwrap_err();
        assert!(e.message.contains("not allowed"), "{e}");
    }
    // CheckScriptSyntax accepts the statement.
    assert!(check_syntax("$(Include=lib://data/common.qvs);\nLET a = 1;").is_empty());
}

#[test]
fn an_error_in_an_included_file_names_the_file_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.qvs"), "LET a = 1;\n\nDROP TABLE Nope;").unwrap();
    std::fs::write(dir.path().join("open.qvs"), "LET a = 1;\nIF a = 1 THEN\n").unwrap();
    let e = run_in(dir.path(), "LET x = 1;\n$(Include=lib://data/bad.qvs);").unwrap_err();
    assert_eq!(e.line, 3, "the line in the file: {e}");
    assert!(
        e.message.contains("bad.qvs") && e.message.contains("Nope"),
        "{e}"
    );
    let e = run_in(dir.path(), "LET x = 1;\n$(Include=lib://data/open.qvs);").unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    assert!(
        e.message.contains("open.qvs, line 2") && e.message.contains("END IF"),
        "{e}"
    );
}

#[test]
fn a_file_that_includes_itself_stops_at_the_include_depth() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("self.qvs"),
        "LET n = n + 1;\n$(Include=lib://data/self.qvs);",
    )
    .unwrap();
    let e = run_in(dir.path(), "LET n = 0;\n$(Include=lib://data/self.qvs);").unwrap_err();
    assert!(e.message.contains("nested more than"), "{e}");
    // An include inside a loop is parsed once and runs each round.
    std::fs::write(dir.path().join("inc.qvs"), "LET n = n + 1;").unwrap();
    let out = run_in(
        dir.path(),
        "LET n = 0;\nFOR i = 1 TO 50\n  $(Include=lib://data/inc.qvs);\nNEXT i",
    )
    .unwrap();
    assert_eq!(var(&out, "n"), "50");
}

const S2024: &str = "Region,Amount\nNorth,10\nSouth,20\n";
const S2023: &str = "Region,Amount\nEast,5\n";
const OTHER: &str = "Region,Amount\nWestern,1\n";

fn sales_files(dir: &Path) {
    std::fs::write(dir.join("sales_2024.csv"), S2024).unwrap();
    std::fs::write(dir.join("sales_2023.csv"), S2023).unwrap();
    std::fs::write(dir.join("other.csv"), OTHER).unwrap();
    std::fs::create_dir(dir.join("archive")).unwrap();
    std::fs::create_dir(dir.join("backup")).unwrap();
}

#[test]
fn wildcards_load_each_matching_file_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    sales_files(dir.path());
    let out = run_in(
        dir.path(),
        "Sales: LOAD Region, Amount, FileBaseName() AS Src, FileName() AS F, FileExtension() AS X, FileDir() AS D, FileSize() AS Size\nFROM [lib://data/sales_*.csv] (txt, embedded labels, delimiter is ',');",
    )
    .unwrap();
    let m = &out.model;
    assert_eq!(
        common::texts(m, "Sales", "Region"),
        ["East", "North", "South"]
    );
    assert_eq!(
        common::texts(m, "Sales", "Src"),
        ["sales_2023", "sales_2024", "sales_2024"]
    );
    assert_eq!(common::texts(m, "Sales", "F")[0], "sales_2023.csv");
    assert_eq!(common::texts(m, "Sales", "X")[0], "csv");
    assert_eq!(common::texts(m, "Sales", "D")[0], "lib://data");
    let (a, b) = (S2023.len().to_string(), S2024.len().to_string());
    assert_eq!(common::texts(m, "Sales", "Size"), [a, b.clone(), b]);
    let e = run_in(dir.path(), "LOAD * FROM [lib://data/nothing_*.csv];").unwrap_err();
    assert!(e.message.contains("no file matches"), "{e}");
    let e = run_in(dir.path(), "LOAD * FROM [lib://data/*/x.csv];").unwrap_err();
    assert!(e.message.contains("last part"), "{e}");
}

#[test]
fn filelist_and_dirlist_loop_over_files_and_folders() {
    let dir = tempfile::tempdir().unwrap();
    sales_files(dir.path());
    let out = run_in(
        dir.path(),
        "SET files = ;\nFOR EACH f IN FileList('lib://data/*.csv')\n  SET files = $(files)|$(f);\n  T: LOAD '$(f)' AS Path, FileSize('$(f)') AS Size, Year(FileTime('$(f)')) > 2000 AS Recent AUTOGENERATE 1;\nNEXT f\n\
         SET dirs = ;\nFOR EACH d IN DirList('lib://data/*')\n  SET dirs = $(dirs)|$(d);\nNEXT d\nLET outside = FileName();",
    )
    .unwrap();
    assert_eq!(
        var(&out, "files"),
        "|lib://data/other.csv|lib://data/sales_2023.csv|lib://data/sales_2024.csv"
    );
    assert_eq!(var(&out, "dirs"), "|lib://data/archive|lib://data/backup");
    let sizes: Vec<String> = [OTHER, S2023, S2024]
        .iter()
        .map(|s| s.len().to_string())
        .collect();
    assert_eq!(common::texts(&out.model, "T", "Size"), sizes);
    assert_eq!(common::texts(&out.model, "T", "Recent"), ["-1", "-1", "-1"]);
    assert_eq!(var(&out, "outside"), "", "no file outside a LOAD");
    let e = run_in(
        dir.path(),
        "FOR EACH f IN FileList('lib://data/../*')\nNEXT f",
    )
    .unwrap_err();
    assert!(e.message.contains("not allowed"), "{e}");
}

#[test]
fn errormode_0_goes_on_and_counts_the_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        "T: LOAD 1 AS a AUTOGENERATE 1;\nSET ErrorMode = 0;\nLOAD * FROM [lib://data/nope.csv];\nLET e1 = ScriptError;\nIF ScriptError = 0 THEN\n  LET reset = 'yes';\nEND IF\nDROP TABLE Nope;\nLET e2 = ScriptError;\nLOAD a b c;\nLET e3 = ScriptError;\nSET ErrorMode = 1;",
    )
    .unwrap();
    assert_eq!(var(&out, "e1"), "8", "file not found");
    assert_eq!(
        var(&out, "reset"),
        "yes",
        "reset after a statement that worked"
    );
    assert_eq!(var(&out, "e2"), "10", "table not found");
    assert_eq!(var(&out, "e3"), "2", "syntax error");
    assert_eq!(var(&out, "ScriptErrorCount"), "3");
    let list = var(&out, "ScriptErrorList");
    assert_eq!(list.lines().count(), 3, "{list}");
    assert!(
        list.lines().next().unwrap_or("").contains("nope.csv"),
        "{list}"
    );
    assert_eq!(common::texts(&out.model, "T", "a"), ["1"]);
    // ErrorMode 1 (the default) and 2 fail the reload.
    for mode in ["", "SET ErrorMode = 2;\n", "SET ErrorMode = 1;\n"] {
        let e = run_in(dir.path(), &format!("{mode}LET a = 1;\nDROP TABLE Nope;")).unwrap_err();
        assert!(e.message.contains("Nope"), "{mode}: {e}");
    }
}
