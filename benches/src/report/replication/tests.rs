use std::path::Path;

use super::*;
use crate::contender::IoMode;
use crate::record::{Cell, Sample, Status, WorkloadInfo};
use crate::report::choose::choices;
use crate::report::write_json;
use crate::workloads::{Family, Scale};

/// Five steady repetitions of `contender` (2 workers) on `workload`, about `ms` each.
fn reps(workload: &str, contender: &str, ms: f64) -> Vec<Sample> {
    let cell = Cell {
        workload: workload.into(),
        family: Family::CpuFlat,
        contender: contender.into(),
        io_mode: IoMode::Blocking,
        workers: Some(2),
        concurrency: Some(2),
        oversubscribed: false,
    };
    [1.0, 1.01, 0.99, 1.02, 1.0]
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut s = Sample::empty(&cell, Status::Ok, "");
            s.rep = i as u32 + 1;
            s.wall_ns = Some((ms * k * 1e6) as u64);
            s
        })
        .collect()
}

/// A full-scale run on host `vm` of `workloads`, where `fast` clearly beats `slow`.
fn run(workloads: &[&str], fast: &str, slow: &str) -> RunData {
    let mut data = RunData::default();
    data.meta.host = "vm".into();
    data.meta.cores = 2;
    data.meta.scale = Some(Scale::Full);
    for w in workloads {
        data.workloads.push(WorkloadInfo {
            name: (*w).into(),
            family: Family::CpuFlat,
            hypothesis: String::new(),
            params: String::new(),
        });
        data.samples.extend(reps(w, fast, 10.0));
        data.samples.extend(reps(w, slow, 15.0));
    }
    data
}

fn save(root: &Path, name: &str, data: &RunData) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("run folder");
    write_json(&dir, data).expect("results.json");
}

#[test]
fn a_winner_the_earlier_run_contradicts_becomes_a_tie_that_says_so() {
    let root = tempfile::tempdir().expect("tempdir");
    save(
        root.path(),
        "20260101-000000-vm-a",
        &run(&["empty"], "finite", "rayon"),
    );
    let now = run(&["empty"], "rayon", "finite");
    let earlier = earlier(root.path(), "20260102-000000-vm-b", &now);
    assert_eq!(
        earlier,
        vec![EarlierVerdict {
            workload: "empty".into(),
            run: "20260101-000000-vm-a".into(),
            winner: Some("finite".into()),
        }]
    );
    let alone = choices(&now.workloads, &cells(&now.samples), &[]).remove(0);
    assert_eq!(alone.winner().map(|w| w.contender.as_str()), Some("rayon"));
    let c = choices(&now.workloads, &cells(&now.samples), &earlier).remove(0);
    assert!(c.winner().is_none());
    assert_eq!(c.tied_names(), vec!["rayon", "finite"]);
    assert_eq!(
        c.tie_words(),
        "tie: rayon ~ finite (not replicated: finite won in 20260101-000000-vm-a)"
    );
}

#[test]
fn an_agreeing_or_tied_earlier_run_leaves_the_winner() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut tied = run(&["spin"], "finite", "rayon");
    tied.samples.extend(reps("spin", "rayon", 10.0));
    tied.samples
        .retain(|s| !(s.contender == "rayon" && s.wall_ns > Some(12_000_000)));
    save(
        root.path(),
        "20260101-000000-vm-a",
        &run(&["empty"], "rayon", "finite"),
    );
    save(root.path(), "20260101-000001-vm-a", &tied);
    let now = run(&["empty", "spin"], "rayon", "finite");
    let earlier = earlier(root.path(), "20260102-000000-vm-b", &now);
    assert_eq!(earlier.len(), 2, "{earlier:?}");
    assert!(earlier
        .iter()
        .any(|e| e.workload == "spin" && e.winner.is_none()));
    for c in choices(&now.workloads, &cells(&now.samples), &earlier) {
        assert_eq!(c.winner().map(|w| w.contender.as_str()), Some("rayon"));
        assert_eq!(c.disputed, None);
    }
}

#[test]
fn only_earlier_comparable_runs_count_and_the_newest_one_wins() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut other_scale = run(&["empty"], "finite", "rayon");
    other_scale.meta.scale = Some(Scale::Quick);
    let mut other_host = run(&["empty"], "finite", "rayon");
    other_host.meta.host = "laptop".into();
    save(
        root.path(),
        "20260101-000000-vm-a",
        &run(&["empty"], "sequential", "rayon"),
    );
    save(
        root.path(),
        "20260101-000001-vm-a",
        &run(&["empty"], "threadpool", "rayon"),
    );
    save(root.path(), "20260101-000002-vm-a", &other_scale);
    save(root.path(), "20260101-000003-laptop-a", &other_host);
    save(
        root.path(),
        "20260103-000000-vm-c",
        &run(&["empty"], "finite", "rayon"),
    );
    std::fs::create_dir_all(root.path().join("20260101-000004-vm-broken")).expect("dir");
    let now = run(&["empty", "never-before"], "rayon", "finite");
    let earlier = earlier(root.path(), "20260102-000000-vm-b", &now);
    assert_eq!(
        earlier,
        vec![EarlierVerdict {
            workload: "empty".into(),
            run: "20260101-000001-vm-a".into(),
            winner: Some("threadpool".into()),
        }],
        "the newest earlier run of the same host, cores and scale; no later run"
    );
    let c = choices(&now.workloads, &cells(&now.samples), &earlier).remove(0);
    assert_eq!(
        c.disputed, None,
        "threadpool was not measured now: nothing to contradict"
    );
}

#[test]
fn no_root_means_no_earlier_verdicts() {
    let now = run(&["empty"], "rayon", "finite");
    assert!(earlier(Path::new("/nonexistent/workpools"), "x", &now).is_empty());
}

#[test]
fn rerendering_a_run_recorded_without_verdicts_looks_them_up_beside_it() {
    let root = tempfile::tempdir().expect("tempdir");
    save(
        root.path(),
        "20260101-000000-vm-a",
        &run(&["empty"], "finite", "rayon"),
    );
    let later = root.path().join("20260102-000000-vm-b");
    save(
        root.path(),
        "20260102-000000-vm-b",
        &run(&["empty"], "rayon", "finite"),
    );
    assert!(crate::app::rerender(&later).expect("re-rendered"));
    let data = crate::report::read_json(&later).expect("results.json");
    assert_eq!(data.earlier.len(), 1, "recorded in results.json");
    let summary = std::fs::read_to_string(later.join("summary.md")).expect("summary");
    assert!(summary.contains("not replicated: finite won in 20260101-000000-vm-a"));
}
