//! The `pool-bench` binary end to end: bad arguments fail clearly, a run writes every
//! output file (and nothing outside its folder) and they parse, `report` re-renders them,
//! `index` rebuilds the index, the rounds' orders replay from the seed, and a cell that
//! overruns its timeout is recorded as `timeout` instead of being dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pool-bench"))
        .args(args)
        .output()
        .expect("run pool-bench")
}

fn run_dir(out: &Path) -> PathBuf {
    std::fs::read_dir(out)
        .expect("out dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("a run folder")
}

#[test]
fn bad_arguments_exit_nonzero_with_a_clear_message() {
    for (args, needle) in [
        (
            &["run", "--smoke", "--workload", "nope"][..],
            "unknown workload `nope`",
        ),
        (
            &["run", "--smoke", "--contender", "nope"][..],
            "unknown contender `nope`",
        ),
        (
            &["run", "--smoke", "--workers", "0"][..],
            "--workers values must be at least 1",
        ),
        (
            &["run", "--smoke", "--baseline", "nope"][..],
            "unknown baseline",
        ),
        (
            &["run", "--smoke", "--timeout", "0"][..],
            "--timeout must be a positive",
        ),
        (&["run", "--smoke", "--quick"][..], "cannot be used with"),
        (&["report", "/nonexistent/run"][..], "results.json"),
    ] {
        let out = bench(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn a_smoke_subset_writes_every_file_and_report_rerenders_it() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8 path");
    let r = bench(&[
        "run",
        "--smoke",
        "--workload",
        "empty,sleep,latency-50",
        "--contender",
        "rayon,tokio,sequential",
        "--out",
        o,
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let dir = run_dir(out.path());
    assert_eq!(
        String::from_utf8_lossy(&r.stdout).trim_end(),
        dir.to_str().expect("utf-8"),
        "stdout is the run folder alone"
    );
    let err = String::from_utf8_lossy(&r.stderr);
    let counts = err
        .lines()
        .find(|l| l.contains(" cells in "))
        .expect("counts");
    assert!(
        counts.starts_with("9 cells in ") && counts.ends_with(" s: 9 ok"),
        "{err}"
    );
    for f in [
        "README.md",
        "summary.md",
        "raw.csv",
        "results.json",
        "figures/throughput-empty.svg",
        "figures/io-sleep.svg",
        "figures/latency-latency-50.svg",
    ] {
        assert!(dir.join(f).is_file(), "missing {f}");
    }
    let written: Vec<_> = std::fs::read_dir(out.path())
        .expect("out")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(
        written,
        std::slice::from_ref(&dir),
        "a run writes only its own folder"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).expect("json"))
            .expect("parses");
    let samples = json["samples"].as_array().expect("samples");
    let rows = csv::Reader::from_path(dir.join("raw.csv"))
        .expect("csv")
        .records()
        .count();
    assert_eq!(rows, samples.len());
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    assert!(summary.contains("## Which pool for which workload"));
    assert!(
        summary.contains("rayon") && summary.contains("tokio") && summary.contains("sequential")
    );
    std::fs::remove_file(dir.join("summary.md")).expect("rm");
    let r = bench(&["report", dir.to_str().expect("utf-8")]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.md")).expect("re-rendered"),
        summary
    );
}

#[test]
fn a_cell_over_its_timeout_is_recorded_as_timeout() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8 path");
    let r = bench(&[
        "run",
        "--smoke",
        "--workload",
        "idle",
        "--contender",
        "sequential",
        "--timeout",
        "0.05",
        "--out",
        o,
    ]);
    assert!(
        r.status.success(),
        "a timeout is recorded, not a wrong answer"
    );
    let dir = run_dir(out.path());
    let csv = std::fs::read_to_string(dir.join("raw.csv")).expect("csv");
    assert!(
        csv.lines()
            .skip(1)
            .any(|l| l.contains("idle") && l.contains("timeout")),
        "{csv}"
    );
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    assert!(summary.contains("timeout"));
}

#[test]
fn list_names_every_contender() {
    let out = bench(&["list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "rayon",
        "tokio",
        "threadpool",
        "thread-per-task",
        "tokio-unbounded",
        "sequential",
        "floor",
        "crawl",
        "latency-90",
        "downstream-queue",
        "downstream-refuse",
    ] {
        assert!(text.contains(name), "{name}");
    }
}

#[test]
fn a_wrong_answer_fails_the_run_and_is_shown_in_the_summary() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8 path");
    let r = bench(&[
        "run",
        "--smoke",
        "--workload",
        "empty",
        "--contender",
        "sequential",
        "--out",
        o,
    ]);
    assert!(r.status.success());
    let dir = run_dir(out.path());
    let path = dir.join("results.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("json")).expect("parses");
    json["samples"][0]["status"] = "wrong-answer".into();
    json["samples"][0]["error"] = "wrong answer: expected 1, got 2".into();
    std::fs::write(&path, json.to_string()).expect("write");
    let r = bench(&["report", dir.to_str().expect("utf-8")]);
    assert!(!r.status.success(), "a wrong answer must fail");
    assert!(String::from_utf8_lossy(&r.stderr).contains("WRONG ANSWER"));
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    assert!(summary.contains("WRONG ANSWER"));
}

#[test]
fn a_dry_run_prints_the_cells_and_an_estimate_and_writes_nothing() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8 path");
    let r = bench(&[
        "run",
        "--full",
        "--dry-run",
        "--workload",
        "empty,idle",
        "--contender",
        "rayon,sequential",
        "--out",
        o,
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = String::from_utf8_lossy(&r.stdout);
    // rayon at workers 1, 2, 4, 8 and sequential once for `empty`; one each for `idle`.
    assert!(text.contains("Total: 7 cells, estimated"), "{text}");
    assert!(text.contains("workers [1, 2, 4, 8]"), "{text}");
    assert!(text
        .lines()
        .any(|l| l.starts_with("empty") && l.contains(" 5 ")));
    assert_eq!(std::fs::read_dir(out.path()).expect("out").count(), 0);
}

#[test]
fn index_rebuilds_the_list_of_runs() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8 path");
    let r = bench(&[
        "run",
        "--smoke",
        "--workload",
        "empty",
        "--contender",
        "sequential",
        "--out",
        o,
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let name = run_dir(out.path())
        .file_name()
        .and_then(|n| n.to_str().map(str::to_owned))
        .expect("name");
    let r = bench(&["index", o]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let index = std::fs::read_to_string(out.path().join("README.md")).expect("index");
    assert!(
        index.contains(&format!("[{name}]({name}/summary.md)")),
        "{index}"
    );
    assert!(!bench(&["index", "/nonexistent/root"]).status.success());
}

#[test]
fn without_out_a_run_goes_under_target_which_git_ignores() {
    let cwd = tempfile::tempdir().expect("tempdir");
    let r = Command::new(env!("CARGO_BIN_EXE_pool-bench"))
        .args([
            "run",
            "--smoke",
            "--workload",
            "empty",
            "--contender",
            "sequential",
        ])
        .current_dir(cwd.path())
        .output()
        .expect("run pool-bench");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let top: Vec<_> = std::fs::read_dir(cwd.path())
        .expect("cwd")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(top, ["target"]);
    let dir = run_dir(&cwd.path().join("target/pool-bench"));
    assert!(dir.join("summary.md").is_file());
    let printed = String::from_utf8_lossy(&r.stdout);
    assert!(
        printed.trim_end().starts_with("target/pool-bench/"),
        "{printed}"
    );
}

fn rounds_of(seed: &str) -> serde_json::Value {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8 path");
    let r = bench(&[
        "run",
        "--smoke",
        "--workload",
        "empty,sleep",
        "--contender",
        "rayon,tokio,threadpool,sequential",
        "--seed",
        seed,
        "--out",
        o,
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = std::fs::read_to_string(run_dir(out.path()).join("results.json")).expect("json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("parses");
    assert_eq!(json["meta"]["seed"], seed.parse::<u64>().expect("seed"));
    let conditions = json["conditions"].as_array().expect("conditions");
    assert_eq!(conditions.len(), 2, "one per workload");
    assert!(conditions.iter().all(|c| c["load1_before"].is_number()));
    json["rounds"].clone()
}

#[test]
fn every_cell_runs_once_per_round_in_an_order_the_seed_replays() {
    let rounds = rounds_of("42");
    let workloads = rounds.as_array().expect("rounds");
    assert_eq!(workloads.len(), 2);
    for w in workloads {
        let name = w["workload"].as_str().expect("name");
        for order in w["orders"].as_array().expect("orders") {
            let mut labels: Vec<&str> = order
                .as_array()
                .expect("order")
                .iter()
                .map(|l| l.as_str().expect("label"))
                .collect();
            assert_eq!(labels.len(), 4, "{order}");
            labels.sort_unstable();
            labels.dedup();
            assert_eq!(labels.len(), 4, "each cell once: {order}");
            assert!(labels.iter().all(|l| l.starts_with(&format!("{name}/"))));
        }
    }
    assert_eq!(rounds_of("42"), rounds, "the same seed, the same orders");
}

#[test]
fn an_unsupported_contender_is_recorded_at_every_worker_count() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8 path");
    let r = bench(&[
        "run",
        "--smoke",
        "--workload",
        "fib-join-nocut",
        "--contender",
        "tokio",
        "--workers",
        "1,2,3",
        "--out",
        o,
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = std::fs::read_to_string(run_dir(out.path()).join("results.json")).expect("json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("parses");
    let samples = json["samples"].as_array().expect("samples");
    let workers: Vec<u64> = samples
        .iter()
        .inspect(|s| assert_eq!(s["status"], "unsupported", "{s}"))
        .map(|s| s["workers"].as_u64().expect("workers"))
        .collect();
    assert_eq!(workers, [1, 2, 3]);
    assert!(String::from_utf8_lossy(&r.stderr).contains(" s: 0 ok, 3 unsupported"));
}

#[test]
fn the_harness_floor_is_planned_for_cpu_flat_workloads_only() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8 path");
    let r = bench(&[
        "run",
        "--full",
        "--dry-run",
        "--workload",
        "empty,idle,files,latency-50",
        "--contender",
        "floor",
        "--out",
        o,
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = String::from_utf8_lossy(&r.stdout);
    // Once, at one worker, for `empty`; no cell for idle, I/O or latency.
    assert!(text.contains("Total: 1 cells, estimated"), "{text}");
}

#[test]
fn a_smoke_run_of_the_downstream_workloads_ends_ok_with_refusals_and_queue_recorded() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8 path");
    let r = bench(&[
        "run",
        "--smoke",
        "--workload",
        "downstream-queue,downstream-refuse",
        "--contender",
        "finite,tokio-unbounded",
        "--out",
        o,
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let dir = run_dir(out.path());
    let text = std::fs::read_to_string(dir.join("results.json")).expect("json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("parses");
    let samples = json["samples"].as_array().expect("samples");
    assert!(!samples.is_empty());
    for s in samples {
        assert_eq!(s["status"], "ok", "{s}");
        assert!(
            s["refusals"].is_u64() && s["downstream_queue_max"].is_u64(),
            "{s}"
        );
        assert!(s["p99_ns"].is_u64(), "{s}");
    }
    // A pool bounded at c <= K never meets a refusal, whatever the timing.
    let k = 16;
    assert!(samples
        .iter()
        .filter(|s| s["contender"] == "finite" && s["concurrency"].as_u64() <= Some(k))
        .all(|s| s["refusals"] == 0 && s["downstream_queue_max"] == 0));
    let page = std::fs::read_to_string(dir.join("family-downstream.md")).expect("page");
    assert!(
        page.contains("503s") && page.contains("Service queue max"),
        "{page}"
    );
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    assert!(
        summary.contains("the smallest bound that cost the service"),
        "{summary}"
    );
}
