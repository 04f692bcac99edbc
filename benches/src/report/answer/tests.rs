//! The answer section on synthetic runs: full data carries the numbers, missing cells are
//! named, and a statistical tie is called a tie.

use super::*;
use crate::contender::IoMode;
use crate::record::{Cell, Sample, WorkloadInfo};
use crate::report::aggregate::cells;
use crate::workloads::Scale;

/// Five repetitions of one cell, each with makespan `wall_ms[i]`, then `f` applied.
fn reps(
    workload: &str,
    family: Family,
    contender: &str,
    c: Option<usize>,
    wall_ms: &[f64],
    f: impl Fn(&mut Sample),
) -> Vec<Sample> {
    let cell = Cell {
        workload: workload.into(),
        family,
        contender: contender.into(),
        io_mode: if contender == "tokio-unbounded" {
            IoMode::Async
        } else {
            IoMode::Blocking
        },
        workers: c,
        concurrency: c,
        oversubscribed: false,
    };
    wall_ms
        .iter()
        .enumerate()
        .map(|(i, ms)| {
            let mut s = Sample::empty(&cell, Status::Ok, "");
            s.rep = i as u32 + 1;
            s.wall_ns = Some((ms * 1e6) as u64);
            s.throughput = Some(2048.0 / (ms / 1e3));
            f(&mut s);
            s
        })
        .collect()
}

const STEADY: [f64; 5] = [1.0, 1.0, 1.0, 1.0, 1.0];

/// `ms` times a little noise, so intervals are real and neighbours overlap.
fn around(ms: f64) -> Vec<f64> {
    [0.99, 1.0, 1.01, 0.995, 1.005]
        .iter()
        .map(|k| k * ms)
        .collect()
}

fn sleep(contender: &str, c: Option<usize>, ms: f64) -> Vec<Sample> {
    let bound = c.map_or(1_000_000, |c| 2048_u64.div_ceil(c as u64) * 1_000_000);
    reps("sleep", Family::IoFlat, contender, c, &around(ms), |s| {
        s.bound_ns = Some(bound);
    })
}

/// A `held-*` cell: `bytes` per pending task (with a little noise around it), a thread
/// each for thread-per-task, and `errors` fd errors where the workload counts them.
fn held(
    workload: &str,
    contender: &str,
    c: Option<usize>,
    bytes: f64,
    errors: Option<u64>,
) -> Vec<Sample> {
    let threads = if contender == "thread-per-task" {
        1.0
    } else {
        0.0
    };
    reps(
        workload,
        Family::Held,
        contender,
        c,
        &STEADY.map(|x| x * 2000.0),
        |s| {
            s.held_bytes_per_job = Some(bytes * (1.0 + (f64::from(s.rep) - 3.0) / 1000.0));
            s.threads_per_job = Some(threads);
            s.fd_errors = errors;
        },
    )
}

fn refuse(contender: &str, c: Option<usize>, refused: u64, queue: u64) -> Vec<Sample> {
    reps(
        "downstream-refuse",
        Family::Downstream,
        contender,
        c,
        &around(10.0),
        |s| {
            s.jobs = Some(64 - refused);
            s.refusals = Some(refused);
            s.downstream_queue_max = Some(queue);
            [s.p50_ns, s.p90_ns, s.p99_ns, s.p999_ns, s.max_ns] = [Some(2_000_000); 5];
        },
    )
}

fn info(name: &str, family: Family) -> WorkloadInfo {
    WorkloadInfo {
        name: name.into(),
        family,
        hypothesis: String::new(),
        params: String::new(),
    }
}

/// Rust pools on `sleep` saturating at c = 64 (c = 256 ties with it), the Rust unbounded
/// models (thread-per-task twice as slow, tokio-unbounded tied) and, with `go`, the Go
/// pair (go-per-task faster than go-pool).
fn sleep_samples(go: bool) -> Vec<Sample> {
    let mut s = [
        sleep("finite", Some(2), 1024.0),
        sleep("finite", Some(16), 130.0),
        sleep("finite", Some(64), 20.0),
        sleep("finite", Some(256), 19.9),
        sleep("thread-per-task", None, 40.0),
        sleep("tokio-unbounded", None, 20.05),
    ]
    .concat();
    if go {
        s.extend(
            [
                sleep("go-pool", Some(64), 22.0),
                sleep("go-per-task", None, 11.0),
            ]
            .concat(),
        );
    }
    s
}

fn run(workloads: Vec<WorkloadInfo>, samples: Vec<Sample>) -> String {
    let mut data = RunData {
        workloads,
        samples,
        ..RunData::default()
    };
    data.meta.scale = Some(Scale::Full);
    answer(&data, &cells(&data.samples))
}

fn full() -> String {
    let mut samples = sleep_samples(true);
    samples.extend(
        [
            held("held-sleep", "thread-per-task", None, 20_000.0, None),
            held("held-sleep", "tokio-unbounded", None, 400.0, None),
            held("held-sleep", "finite", Some(16), 120.0, None),
            held("held-conn", "thread-per-task", None, 21_000.0, Some(5904)),
            held("held-conn", "finite", Some(16), 130.0, Some(0)),
            refuse("finite", Some(8), 0, 0),
            refuse("finite", Some(16), 0, 0),
            refuse("finite", Some(32), 5, 0),
            refuse("tokio-unbounded", None, 40, 0),
            refuse("go-pool", Some(16), 0, 0),
            refuse("go-per-task", None, 30, 0),
        ]
        .concat(),
    );
    run(
        vec![
            info("sleep", Family::IoFlat),
            info("held-sleep", Family::Held),
            info("held-conn", Family::Held),
            info("downstream-refuse", Family::Downstream),
        ],
        samples,
    )
}

#[test]
fn full_data_names_the_post_and_carries_the_numbers() {
    let s = full();
    assert!(s.starts_with(HEADING), "{s}");
    assert!(
        s.contains("*An Exploration of the Worker Pool Pattern in Go*"),
        "{s}"
    );
    assert!(s.lines().count() < 25, "{} lines:\n{s}", s.lines().count());
    for want in [
        // Throughput against concurrency, Little's law and the saturation point.
        "Rust: best pool finite 19.90 ms",
        "at c=256, 102.9 k/s; Little's law ceil(N/c)*D: 8.00 ms",
        "ms; saturates at c = 64;",
        "thread-per-task / pool 2.01x [",
        "]: the pool is faster",
        "Go: best pool go-pool 22.00 ms",
        "at c=64, 93.1 k/s; Little's law ceil(N/c)*D: 32.00 ms; measured at c = 64 only (no saturation point)",
        "go-per-task / pool 0.50x [",
        "]: the unbounded model is faster",
        // Memory per in-flight task, and the fd limit.
        "an OS thread (thread-per-task, unbounded) 20000 B [",
        "1.00 threads",
        "a tokio task (tokio-unbounded, unbounded) 400 B [399 B, 401 B], 0.00 threads",
        "a pooled job (finite, c=16) 120 B [",
        "a goroutine not measured",
        "at the fd limit of 4096: 0 fd errors in cells bounded below it, 5904 unbounded",
        // The downstream of capacity K.
        "Rust: pools cost the service nothing up to c = 16 (p99 2.00 ms there); from c = 32 they cost it a 503 or a queue; unbounded tokio-unbounded: 40 503s",
        "Go: pools cost the service nothing up to c = 16",
        "unbounded go-per-task: 30 503s",
        // The bottom line, derived from the above.
        "Throughput (saturation: the smallest c within the noise of the best pool's makespan): `sleep` (Rust) saturates at c = 64, `sleep` (Go) measured at c = 64 only (no saturation point); against unbounded tasks the best pool beats thread-per-task on `sleep`",
        "beats thread-per-task on `sleep` (up to 2.01x",
        "ties with tokio-unbounded on `sleep`",
        "loses to go-per-task on `sleep`",
        "so against cheap tasks a pool bought no I/O throughput (none of 2 comparisons)",
        "Memory: a pending task on `held-sleep` holds 20000 B as an OS thread, 400 B as a tokio task, 120 B as a pooled job, a goroutine not measured (thread / tokio task 50.0x [",
        "only a bound kept `held-conn` under the fd limit of 4096 (5904 fd errors without one, 0 with)",
        "A bound protects a downstream of capacity K = 16: pools bounded at c <= 16 cost it nothing, unbounded tasks (Rust and Go) cost it up to 40 503s and a queue of 0.",
    ] {
        assert!(s.contains(want), "missing {want:?} in\n{s}");
    }
}

#[test]
fn an_unbounded_model_tied_with_the_pool_is_called_a_tie_even_with_the_lower_median() {
    let mut samples = sleep_samples(false);
    samples.retain(|s| s.contender != "tokio-unbounded");
    samples.extend(sleep("tokio-unbounded", None, 19.8));
    let s = run(vec![info("sleep", Family::IoFlat)], samples);
    assert!(s.contains("tokio-unbounded / pool 0.99x ["), "{s}");
    assert!(
        s.contains("tokio-unbounded / pool 0.99x [") && s.contains("]: a tie"),
        "{s}"
    );
    assert!(!s.contains("the unbounded model is faster"), "{s}");
    assert!(s.contains("ties with tokio-unbounded on `sleep`"), "{s}");
    assert!(!s.contains("loses to"), "{s}");
    assert!(
        s.contains("against cheap tasks a pool bought no I/O throughput (none of 1 comparisons)"),
        "{s}"
    );
}

#[test]
fn a_pool_still_gaining_at_its_largest_c_has_not_saturated() {
    let mut samples = sleep_samples(false);
    samples.retain(|s| s.concurrency.is_none_or(|c| c <= 16));
    let s = run(vec![info("sleep", Family::IoFlat)], samples);
    assert!(
        s.contains("at c=16, 15.8 k/s; Little's law ceil(N/c)*D: 128.00 ms; not saturated by c = 16 (still gaining there);"),
        "{s}"
    );
    assert!(
        s.contains("makespan): `sleep` not saturated by c = 16 (still gaining there);"),
        "{s}"
    );
}

#[test]
fn a_run_without_go_cells_says_so_once_and_compares_rust_only() {
    let s = run(vec![info("sleep", Family::IoFlat)], sleep_samples(false));
    assert!(
        s.contains(
            "for Rust only (Go not measured in this run: no `go-pool` or `go-per-task` cells)"
        ),
        "{s}"
    );
    assert!(!s.contains("Go: best pool"), "{s}");
    assert!(!s.contains("(Rust)"), "one language, no labels: {s}");
    assert!(s.contains("Rust: best pool finite"), "{s}");
}

#[test]
fn unsupported_go_cells_give_the_reason_and_the_install_hint() {
    let mut samples = sleep_samples(false);
    for name in ["go-pool", "go-per-task"] {
        let cell = Cell {
            workload: "sleep".into(),
            family: Family::IoFlat,
            contender: name.into(),
            io_mode: IoMode::Blocking,
            workers: None,
            concurrency: None,
            oversubscribed: false,
        };
        samples.push(Sample::empty(
            &cell,
            Status::Unsupported,
            "`go` not found on PATH (install Go: apt-get install golang-go)",
        ));
    }
    let s = run(vec![info("sleep", Family::IoFlat)], samples);
    assert!(
        s.contains("for Rust only (Go cells not measured in this run: unsupported: `go` not found on PATH (install Go: apt-get install golang-go))"),
        "{s}"
    );
    assert!(!s.contains("Go: best pool"), "{s}");
}

#[test]
fn a_run_without_held_or_downstream_cells_names_the_missing_workloads() {
    let s = run(vec![info("sleep", Family::IoFlat)], sleep_samples(false));
    for want in [
        "- **Memory per in-flight task**: not measured in this run: no `held-sleep` or `held-conn` cells.",
        "- **A downstream of capacity K = 16**: not measured in this run: no `downstream-queue` or `downstream-refuse` cells.",
        "Memory per pending task: not measured in this run: no `held-sleep` or `held-conn` cells.",
        "A downstream of capacity K = 16: not measured in this run: no `downstream-queue` or `downstream-refuse` cells.",
    ] {
        assert!(s.contains(want), "missing {want:?} in\n{s}");
    }
}

#[test]
fn an_empty_run_renders_every_claim_as_not_measured() {
    let s = answer(&RunData::default(), &[]);
    assert!(s.starts_with(HEADING));
    assert!(
        s.contains("- **Throughput against concurrency**: not measured in this run: no `sleep` or `tcp-rr` or `files` or `crawl` cells."),
        "{s}"
    );
    assert_eq!(s.matches("not measured in this run").count(), 7, "{s}");
}

#[test]
fn a_missing_unbounded_model_or_a_failed_one_is_named() {
    let mut samples = sleep_samples(false);
    samples.retain(|s| s.contender != "tokio-unbounded");
    for s in samples
        .iter_mut()
        .filter(|s| s.contender == "thread-per-task")
    {
        s.status = Status::Timeout;
    }
    let s = run(vec![info("sleep", Family::IoFlat)], samples);
    assert!(s.contains("tokio-unbounded not measured"), "{s}");
    assert!(s.contains("thread-per-task timeout"), "{s}");
    assert!(
        s.contains("no unbounded model was measured against it"),
        "{s}"
    );
}

#[test]
fn the_summary_opens_with_the_answer_then_the_findings() {
    let data = RunData {
        workloads: vec![info("sleep", Family::IoFlat)],
        samples: sleep_samples(false),
        ..RunData::default()
    };
    let s = crate::report::markdown::summary(&data);
    let headings: Vec<&str> = s.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(headings[..2], [HEADING, "## Findings"]);
    assert!(
        s.contains("[Does a worker pool help with file or network I/O?](#does-a-worker-pool-help-when-tasks-are-heavy-in-file-or-network-io) · [Findings](#findings)"),
        "{s}"
    );
}

/// Cells that had no 503 and did not read the service's queue (the Go cells of run
/// 161c0b2) cost it something not known: never "nothing".
#[test]
fn cells_that_did_not_read_the_service_queue_are_not_called_harmless() {
    let unread = |contender: &str, c: Option<usize>| {
        let mut v = refuse(contender, c, 0, 0);
        for s in &mut v {
            s.workload = "downstream-queue".into();
            s.downstream_queue_max = None;
        }
        v
    };
    let mut samples = sleep_samples(true);
    samples.extend([unread("go-pool", Some(16)), unread("go-per-task", None)].concat());
    let s = run(
        vec![
            info("sleep", Family::IoFlat),
            info("downstream-queue", Family::Downstream),
        ],
        samples,
    );
    assert!(
        s.contains("Go: what the pools cost the service is not known (no 503s, and its queue was not read)"),
        "{s}"
    );
    assert!(
        s.contains("unbounded go-per-task: 0 503s, service queue max not measured"),
        "{s}"
    );
    assert!(!s.contains("Go: pools cost the service nothing"), "{s}");
}
