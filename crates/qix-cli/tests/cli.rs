//! The `qix` binary against a real qixd on an ephemeral port: every command, human and JSON output
//! (insta snapshots), selections kept between runs by `--ttl`, and the exit codes scripts rely on.

use qix::types::GenericObjectProperties;
use qix::{Location, Session};
use serde_json::json;
use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with these arguments (blocking, off the runtime).
async fn qix(engine: &str, args: &[&str]) -> Run {
    let mut all = vec!["--engine".to_string(), engine.to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_qix"))
            .args(&all)
            .env_remove("QIX_APP")
            .env_remove("QIX_ENGINE")
            .output()
            .expect("the qix binary runs")
    })
    .await
    .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and expects success; answers stdout with the app id and timestamps blanked.
async fn ok(engine: &str, app: &str, args: &[&str]) -> String {
    let r = qix(engine, args).await;
    assert_eq!(r.code, 0, "qix {args:?} failed: {}{}", r.stdout, r.stderr);
    redact(&r.stdout, app)
}

fn redact(text: &str, app: &str) -> String {
    let mut out = if app.is_empty() {
        text.to_string()
    } else {
        // Same width as the id, so aligned tables stay aligned.
        text.replace(app, &format!("{:<36}", "[app]"))
    };
    // ISO-8601 timestamps: 2026-11-26T04:00:25.123Z → [time]
    while let Some(i) = out.find("T").and_then(|_| find_timestamp(&out)) {
        let end = out[i..]
            .find(|c: char| c.is_whitespace() || c == '"')
            .map_or(out.len(), |e| i + e);
        out.replace_range(i..end, "[time]");
    }
    out
}

fn find_timestamp(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(19)).find(|&i| {
        b[i..i + 4].iter().all(u8::is_ascii_digit)
            && b[i + 4] == b'-'
            && b[i + 7] == b'-'
            && b[i + 10] == b'T'
            && b[i + 13] == b':'
    })
}

const SCRIPT: &str = "Sales:
LOAD * INLINE [
Region, Product, Amount
North, Apples, 10
North, Pears, 5
South, Apples, 7
East, Plums, 3
];
Regions:
LOAD * INLINE [
Region, Manager
North, Ann
South, Bob
East, Cy
];
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_against_a_real_engine() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = qixd::Config::defaults();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.apps_dir = dir.path().join("apps");
    c.data_dir = dir.path().join("data");
    let server = qixd::start(c).await.unwrap();
    let e = format!("ws://{}", server.addr());
    let e = e.as_str();

    // A title that cannot be an id (it has a space) gets a GUID; "Sales" alone would be its own id.
    let app = ok(e, "", &["apps", "create", "Sales app"])
        .await
        .trim()
        .to_string();
    assert_eq!(app.len(), 36, "an app id: {app}");
    let a = app.as_str();
    let script = write(dir.path(), "sales.qvs", SCRIPT);
    insta::assert_snapshot!(
        "script_set",
        ok(e, a, &["--app", a, "script", "set", &script]).await
    );
    assert_eq!(ok(e, a, &["--app", a, "script", "get"]).await, SCRIPT);
    insta::assert_snapshot!(
        "script_check",
        ok(e, a, &["--app", a, "script", "check"]).await
    );
    insta::assert_snapshot!("reload", ok(e, a, &["--app", a, "reload"]).await);
    insta::assert_snapshot!("tables", ok(e, a, &["--app", a, "tables"]).await);
    insta::assert_snapshot!("fields", ok(e, a, &["--app", a, "fields"]).await);
    insta::assert_snapshot!("values", ok(e, a, &["--app", a, "values", "Region"]).await);
    insta::assert_snapshot!("eval", ok(e, a, &["--app", a, "eval", "Sum(Amount)"]).await);
    insta::assert_snapshot!(
        "eval_by",
        ok(e, a, &["--app", a, "eval", "Sum(Amount)", "--by", "Region"]).await
    );
    insta::assert_snapshot!(
        "eval_by_json",
        ok(
            e,
            a,
            &[
                "--app",
                a,
                "--json",
                "eval",
                "Sum(Amount)",
                "--by",
                "Manager",
                "--by",
                "Product"
            ]
        )
        .await
    );

    // A selection made by one run is seen by the next while the session lives (--ttl).
    insta::assert_snapshot!(
        "select",
        ok(
            e,
            a,
            &["--app", a, "--ttl", "30", "select", "Region", "North", "East"]
        )
        .await
    );
    assert_eq!(
        ok(e, a, &["--app", a, "--ttl", "30", "eval", "Sum(Amount)"]).await,
        "18\n"
    );
    insta::assert_snapshot!(
        "values_after_select",
        ok(e, a, &["--app", a, "--ttl", "30", "values", "Manager"]).await
    );
    ok(e, a, &["--app", a, "--ttl", "30", "select", "Region"]).await;
    assert_eq!(ok(e, a, &["--app", a, "eval", "Sum(Amount)"]).await, "25\n");
    // Another identity is another session: no selection there.
    ok(
        e,
        a,
        &[
            "--app",
            a,
            "--identity",
            "other",
            "--ttl",
            "30",
            "select",
            "Product",
            "Pears",
        ],
    )
    .await;
    assert_eq!(ok(e, a, &["--app", a, "eval", "Sum(Amount)"]).await, "25\n");
    assert_eq!(
        ok(
            e,
            a,
            &["--app", a, "--identity", "other", "eval", "Sum(Amount)"]
        )
        .await,
        "5\n"
    );

    // Master items and variables from JSON files.
    let m = write(
        dir.path(),
        "m.json",
        &json!([{"qInfo": {"qId": "total", "qType": "measure"}, "qMeasure": {"qLabel": "Total", "qDef": "Sum(Amount)"}}]).to_string(),
    );
    insta::assert_snapshot!(
        "measure_set",
        ok(e, a, &["--app", a, "measure", "set", &m]).await
    );
    insta::assert_snapshot!(
        "measure_set_again",
        ok(e, a, &["--app", a, "measure", "set", &m]).await
    );
    insta::assert_snapshot!("measure_ls", ok(e, a, &["--app", a, "measure", "ls"]).await);
    let d = write(
        dir.path(),
        "d.json",
        &json!({"qInfo": {"qId": "reg", "qType": "dimension"}, "qDim": {"qFieldDefs": ["Region"], "qFieldLabels": ["Sales region"]}}).to_string(),
    );
    ok(e, a, &["--app", a, "dimension", "set", &d]).await;
    insta::assert_snapshot!(
        "dimension_ls",
        ok(e, a, &["--app", a, "dimension", "ls"]).await
    );
    let v = write(
        dir.path(),
        "v.json",
        &json!({"qInfo": {"qId": "vTarget", "qType": "variable"}, "qName": "vTarget", "qDefinition": "100"}).to_string(),
    );
    insta::assert_snapshot!(
        "variable_set",
        ok(e, a, &["--app", a, "variable", "set", &v]).await
    );
    insta::assert_snapshot!(
        "variable_ls",
        ok(e, a, &["--app", a, "variable", "ls"]).await
    );

    // Objects: one made with the SDK, read back by the CLI.
    let loc = Location::from_uri(e).unwrap();
    let sdk = loc
        .app(a, Some(Session::with_app_and_token(a, "sdk")))
        .await
        .unwrap();
    let props: GenericObjectProperties = serde_json::from_value(json!({
        "qInfo": {"qId": "chart1", "qType": "barchart"},
        "qHyperCubeDef": {
            "qDimensions": [{"qLibraryId": "reg"}],
            "qMeasures": [{"qLibraryId": "total"}],
            "qInterColumnSortOrder": [1, 0]
        }
    }))
    .unwrap();
    sdk.create_object(&props).await.unwrap();
    sdk.do_save(None).await.unwrap();
    insta::assert_snapshot!("object_ls", ok(e, a, &["--app", a, "object", "ls"]).await);
    insta::assert_snapshot!(
        "object_data",
        ok(e, a, &["--app", a, "object", "data", "chart1"]).await
    );
    let props = ok(e, a, &["--app", a, "object", "properties", "chart1"]).await;
    let props: serde_json::Value = serde_json::from_str(&props).unwrap();
    assert_eq!(props["qInfo"]["qType"], "barchart");
    let layout = ok(e, a, &["--app", a, "object", "layout", "chart1"]).await;
    let layout: serde_json::Value = serde_json::from_str(&layout).unwrap();
    assert_eq!(layout["qHyperCube"]["qSize"]["qcy"], 3);
    assert_eq!(ok(e, a, &["--app", a, "save"]).await, "saved\n");
    insta::assert_snapshot!("apps_ls", ok(e, a, &["apps", "ls"]).await);

    // Failures: one line on stderr and an exit code per kind.
    let r = qix(e, &["--app", "no-such-app", "tables"]).await;
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
    assert_eq!(
        r.stderr,
        "qix: engine error 1003: App not found (Could not find app)\n"
    );
    let r = qix(e, &["tables"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = qix("ws://127.0.0.1:1", &["apps", "ls"]).await;
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.starts_with("qix: cannot connect"), "{}", r.stderr);
    let r = qix(e, &["--app", a, "script", "set", "/no/such/file.qvs"]).await;
    assert_eq!(r.code, 4);
    assert!(
        r.stderr.contains("cannot read /no/such/file.qvs"),
        "{}",
        r.stderr
    );
    let bad = write(
        dir.path(),
        "bad.qvs",
        "LOAD * INLINE [a\n1];\nLOAD 1 AS x AUTOGENERATE;\n",
    );
    let r = qix(e, &["--app", a, "script", "check", &bad]).await;
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    insta::assert_snapshot!("script_check_errors", format!("{}{}", r.stdout, r.stderr));
    assert_eq!(
        ok(e, a, &["--app", a, "script", "get"]).await,
        SCRIPT,
        "a check leaves the script alone"
    );
    let missing = write(
        dir.path(),
        "missing.qvs",
        "LOAD * FROM [lib://data/none.csv] (txt);\n",
    );
    ok(e, a, &["--app", a, "script", "set", &missing]).await;
    let r = qix(e, &["--app", a, "reload"]).await;
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("qix: the reload failed"), "{}", r.stderr);
    assert_eq!(
        ok(e, a, &["--app", a, "eval", "Sum(Amount)"]).await,
        "25\n",
        "the data is kept"
    );
    let r = qix(e, &["apps", "rm", a]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(ok(e, "", &["--json", "apps", "ls"]).await, "[]\n");
}
