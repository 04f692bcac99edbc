//! The Go contenders end to end: with `go` on PATH the post's pool and one goroutine per
//! task answer the I/O workloads with the in-process witnesses, and the held workloads
//! with what a goroutine holds; without it every Go cell is recorded `unsupported` with
//! the install command, never dropped.

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

/// The samples of a smoke run of `workloads` with `go` on PATH, or `None` (saying
/// SKIPPED) where there is no `go`.
fn with_go(workloads: &str) -> Option<Vec<serde_json::Value>> {
    if Command::new("go").arg("version").output().is_err() {
        eprintln!("SKIPPED: go not found (apt-get install golang-go)");
        return None;
    }
    let out = tempfile::tempdir().expect("tempdir");
    Some(samples(out.path(), None, workloads))
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
    let Some(all) = with_go("sleep,tcp-rr") else {
        return;
    };
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

#[test]
fn with_go_the_held_cells_report_what_a_goroutine_holds() {
    let Some(all) = with_go("held-sleep,held-conn") else {
        return;
    };
    let cell = |workload: &str, contender: &str| -> &serde_json::Value {
        let s = all
            .iter()
            .find(|s| s["workload"] == workload && s["contender"] == contender)
            .unwrap_or_else(|| panic!("{workload}/{contender}"));
        assert_eq!(s["status"], "ok", "{s}");
        s
    };
    let f = |s: &serde_json::Value, k: &str| s[k].as_f64().unwrap_or_else(|| panic!("{k}: {s}"));
    // Smoke: 500 tasks, go-pool at c = 4, held-conn under an fd limit of 256.
    let threads = cell("held-sleep", "thread-per-task");
    let per_task = cell("held-sleep", "go-per-task");
    let pool = cell("held-sleep", "go-pool");
    for s in [per_task, pool] {
        assert_eq!(s["witness"], threads["witness"], "{s}");
        assert!(s["fd_errors"].is_null(), "{s}");
        assert!(
            f(s, "held_bytes_per_job") >= f(s, "heap_bytes_per_job"),
            "{s}"
        );
        assert!(
            f(s, "peak_threads") >= 1.0 && f(s, "peak_fds") >= 3.0,
            "{s}"
        );
    }
    assert_eq!(per_task["peak_pending"], 500, "{per_task}");
    assert_eq!(pool["peak_pending"], 4, "{pool}");
    // A pending goroutine is no thread; a pending thread is one.
    assert!(f(per_task, "threads_per_job") < 0.05, "{per_task}");
    assert!(f(threads, "threads_per_job") > 0.5, "{threads}");
    let per_task = cell("held-conn", "go-per-task");
    let fd_errors = per_task["fd_errors"].as_u64().expect("fd errors");
    assert!(fd_errors > 0, "500 connections, 256 fds: {per_task}");
    assert_eq!(
        per_task["witness"],
        format!("ok={} fd_errors={fd_errors} refused=0", 500 - fd_errors)
    );
    assert!(f(per_task, "peak_fds") <= 256.0, "{per_task}");
    let pool = cell("held-conn", "go-pool");
    assert_eq!(pool["witness"], "ok=500 fd_errors=0 refused=0", "{pool}");
    assert_eq!(pool["fd_errors"], 0, "{pool}");
}

#[test]
fn with_go_the_downstream_cells_read_the_service_and_count_good_responses_as_jobs() {
    let Some(all) = with_go("downstream-queue,downstream-refuse") else {
        return;
    };
    let count = |s: &serde_json::Value, k: &str| s[k].as_u64().unwrap_or(0);
    for workload in ["downstream-queue", "downstream-refuse"] {
        let mine: Vec<_> = all.iter().filter(|s| s["workload"] == workload).collect();
        let reference = mine
            .iter()
            .find(|s| s["contender"] == "thread-per-task" && s["status"] == "ok")
            .expect("thread-per-task");
        let n = count(reference, "jobs") + count(reference, "refusals");
        let go: Vec<_> = mine
            .iter()
            .filter(|s| {
                s["contender"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("go-"))
            })
            .collect();
        assert!(!go.is_empty(), "{workload}: no Go cell");
        for s in go {
            assert_eq!(s["status"], "ok", "{s}");
            assert!(s["downstream_queue_max"].as_u64().is_some(), "{s}");
            assert_eq!(count(s, "jobs") + count(s, "refusals"), n, "{s}");
        }
    }
}
