//! `--return-memory`: the binary restarts itself, in the same process, with glibc's per-thread caches
//! off, and then serves as usual; without the flag it runs as started.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

mod common;

use std::process::{Child, Command, Stdio};

/// Starts the binary on a free port with `extra` flags, waiting until it accepts a session.
async fn start(dir: &std::path::Path, extra: &[&str]) -> (Child, u16) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        l.local_addr().expect("its address").port()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_qixd"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--apps-dir"])
        .arg(dir.join("apps"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(extra)
        .env_remove("GLIBC_TUNABLES")
        .env_remove("QIXD_RESTARTED_RETURNING_MEMORY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("qixd starts");
    for _ in 0..200 {
        let url = format!("ws://127.0.0.1:{port}/app/");
        if let Ok(mut c) = common::Client::connect(&url, &[]).await {
            let answer = c.call(-1, "EngineVersion", serde_json::json!({})).await;
            assert!(answer.get("result").is_some(), "it serves: {answer}");
            return (child, port);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("qixd did not start");
}

/// The process's environment as the kernel shows it.
fn environment(child: &Child) -> String {
    let raw = std::fs::read(format!("/proc/{}/environ", child.id())).expect("its environment");
    String::from_utf8_lossy(&raw).replace('\0', "\n")
}

#[tokio::test]
async fn the_flag_restarts_the_same_process_with_the_caches_off_and_it_serves() {
    let dir = tempfile::tempdir().expect("a folder");
    let (mut with, _) = start(dir.path(), &["--return-memory"]).await;
    let env = environment(&with);
    assert!(
        env.contains("GLIBC_TUNABLES=glibc.malloc.tcache_count=0"),
        "restarted with the tunables, same pid: {env}"
    );
    with.kill().expect("stopped");
    let _ = with.wait();

    let other = tempfile::tempdir().expect("a folder");
    let (mut without, _) = start(other.path(), &[]).await;
    assert!(
        !environment(&without).contains("GLIBC_TUNABLES"),
        "no restart without the flag"
    );
    without.kill().expect("stopped");
    let _ = without.wait();
}
