//! The Go contenders end to end: with `go` on PATH the post's pool and one goroutine per
//! task answer the I/O workloads with the in-process witnesses; without it every Go cell
//! is recorded `unsupported` with the install command, never dropped.

use std::path::Path;
use std::process::Command;

fn samples(out: &Path, path_env: Option<&str>, workloads: &str) -> Vec<serde_json::Value> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pool-bench"));
    command.args([
        "run",
        "--smoke",
        "--workload",
        workloads,
        "--contender",
        "go-pool,go-per-task,thread-per-task",
        "--concurrency",
        "1,4",
        "--out",
    ]);
    command.arg(out);
    if let Some(p) = path_env {
        command.env("PATH", p);
    }
    let r = command.output().expect("run pool-bench");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let dir = std::fs::read_dir(out)
        .expect("out")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("a run folder");
    let text = std::fs::read_to_string(dir.join("results.json")).expect("results.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("parses");
    json["samples"].as_array().expect("samples").clone()
}

fn go_found() -> bool {
    Command::new("go").arg("version").output().is_ok()
}

#[test]
fn without_go_every_go_cell_is_unsupported_with_the_install_hint() {
    let out = tempfile::tempdir().expect("tempdir");
    let all = samples(out.path(), Some(""), "sleep");
    let go: Vec<_> = all
        .iter()
        .filter(|s| {
            s["contender"]
                .as_str()
                .is_some_and(|c| c.starts_with("go-"))
        })
        .collect();
    // go-pool at c = 1 and 4, go-per-task once.
    assert_eq!(go.len(), 3, "{go:?}");
    for s in go {
        assert_eq!(s["status"], "unsupported", "{s}");
        let why = s["error"].as_str().expect("error");
        assert!(why.contains("apt-get install golang-go"), "{why}");
    }
    assert!(all
        .iter()
        .any(|s| s["contender"] == "thread-per-task" && s["status"] == "ok"));
}

#[test]
fn with_go_both_go_contenders_give_the_in_process_witnesses() {
    if !go_found() {
        eprintln!("SKIPPED: go not found (apt-get install golang-go)");
        return;
    }
    let out = tempfile::tempdir().expect("tempdir");
    let all = samples(out.path(), None, "sleep,tcp-rr");
    for workload in ["sleep", "tcp-rr"] {
        let mine: Vec<_> = all.iter().filter(|s| s["workload"] == workload).collect();
        let reference = mine
            .iter()
            .find(|s| s["contender"] == "thread-per-task")
            .expect("thread-per-task");
        assert_eq!(reference["status"], "ok", "{reference}");
        let go: Vec<_> = mine
            .iter()
            .filter(|s| s["contender"] != "thread-per-task")
            .collect();
        assert_eq!(go.len(), 3, "{go:?}");
        for s in go {
            assert_eq!(s["status"], "ok", "{s}");
            assert_eq!(s["witness"], reference["witness"], "{s}");
            assert!(s["wall_ns"].as_u64().is_some_and(|w| w > 0), "{s}");
            assert!(s["peak_rss_kib"].as_u64().is_some(), "{s}");
        }
    }
}
