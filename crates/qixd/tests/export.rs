//! `GenericObject.ExportData` on the wire: the cube of the current selection as CSV (commas or tabs),
//! xlsx or Parquet, downloaded at the returned `qUrl` by the user who exported it, and nobody else.

mod common;

use common::{handle, Client, TestServer};
use serde_json::{json, Value};
use std::io::Read;
use std::net::SocketAddr;

const SCRIPT: &str =
    "T: LOAD * INLINE [\nRegion, Sales\nNorth, 10\nSouth, 7\nNorth, 5\nEast, 2.5\n];";

/// The body of `GET path` (and the status line), with `headers`.
async fn download(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header");
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    (head, out[split + 4..].to_vec())
}

/// A session app with the script loaded and a Region × Sum(Sales) cube; answers (doc, object).
async fn cube(c: &mut Client) -> (i64, i64) {
    let doc = c.session_app().await;
    c.ok(doc, "SetScript", json!([SCRIPT])).await;
    assert_eq!(c.ok(doc, "DoReload", json!([])).await["qReturn"], true);
    let obj = handle(
        &c.ok(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": {"qType": "table"}, "qHyperCubeDef": {
                "qDimensions": [{"qDef": {"qFieldDefs": ["Region"], "qFieldLabels": ["The region"]}}],
                "qMeasures": [{"qDef": {"qDef": "Sum(Sales)"}}],
                "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}]}}]),
        )
        .await,
    );
    (doc, obj)
}

fn url(result: &Value) -> String {
    result["qUrl"].as_str().expect("a qUrl").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_exports_follow_the_selection_and_serve_once_when_asked() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let (doc, obj) = cube(&mut c).await;
    let r = c
        .ok(
            obj,
            "ExportData",
            json!(["CSV_C", "/qHyperCubeDef", "sales.txt"]),
        )
        .await;
    assert!(url(&r).ends_with("/sales.csv"), "{r}");
    assert_eq!(r["qWarnings"], json!([]));
    let (head, body) = download(s.addr, &url(&r), &[]).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/csv"), "{head}");
    let text = String::from_utf8(body).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.remove(0), "The region,Sum(Sales)");
    lines.sort();
    assert_eq!(lines, ["East,2.5", "North,15", "South,7"]);
    // After a selection, only what it keeps; tabs with CSV_T; served once.
    let field = handle(&c.ok(doc, "GetField", json!(["Region"])).await);
    c.ok(field, "Select", json!(["North"])).await;
    let r = c
        .ok(
            obj,
            "ExportData",
            json!({"qFileType": "EXPORT_CSV_T", "qServeOnce": true}),
        )
        .await;
    let (_, body) = download(s.addr, &url(&r), &[]).await;
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "The region\tSum(Sales)\r\nNorth\t15\r\n"
    );
    let (head, _) = download(s.addr, &url(&r), &[]).await;
    assert!(head.starts_with("HTTP/1.1 404"), "served once: {head}");
    let bad = c.err(obj, "ExportData", json!(["PDF"])).await;
    assert_eq!(bad["code"], -32602);
    assert!(bad.to_string().contains("qFileType"), "{bad}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_and_parquet_exports_hold_numbers_as_numbers() {
    let s = TestServer::start().await;
    let mut c = s.connect("/app/").await;
    let (_, obj) = cube(&mut c).await;
    let r = c.ok(obj, "ExportData", json!(["OOXML"])).await;
    let (head, body) = download(s.addr, &url(&r), &[]).await;
    assert!(head.contains("spreadsheetml"), "{head}");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body)).expect("an xlsx is a zip");
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("a sheet")
        .read_to_string(&mut sheet)
        .unwrap();
    for number in ["<v>15</v>", "<v>7</v>", "<v>2.5</v>"] {
        assert!(sheet.contains(number), "{number} in {sheet}");
    }
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .expect("shared strings")
        .read_to_string(&mut strings)
        .unwrap();
    assert!(
        strings.contains("The region") && strings.contains("North"),
        "{strings}"
    );
    let r = c.ok(obj, "ExportData", json!(["PARQUET"])).await;
    let (_, body) = download(s.addr, &url(&r), &[]).await;
    assert!(body.starts_with(b"PAR1") && body.ends_with(b"PAR1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_user_who_exported_downloads() {
    let s = TestServer::start_with(|c| {
        c.mode = qixd::Mode::Server;
        c.trust_user_header = true;
    })
    .await;
    let alice = "UserDirectory=Corp; UserId=alice";
    let bob = "UserDirectory=Corp; UserId=bob";
    let mut a = s.connect_with("/app/", &[("X-Qlik-User", alice)]).await;
    let (_, obj) = cube(&mut a).await;
    let r = a.ok(obj, "ExportData", json!(["CSV_C"])).await;
    let (head, _) = download(s.addr, &url(&r), &[("X-Qlik-User", bob)]).await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    let (head, _) = download(s.addr, &url(&r), &[]).await;
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    let (head, body) = download(s.addr, &url(&r), &[("X-Qlik-User", alice)]).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(String::from_utf8(body)
        .unwrap()
        .starts_with("The region,Sum(Sales)"));
}
