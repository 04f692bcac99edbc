//! Figures rendered from a small made-up run.

use crate::contender::IoMode;
use crate::record::{Cell, Meta, RunData, Sample, Status, WorkloadInfo};
use crate::workloads::Family;

use super::build::figures;
use super::write_figures;

fn cell(contender: &str, workers: Option<usize>) -> Cell {
    Cell {
        workload: "spin".into(),
        family: Family::CpuFlat,
        contender: contender.into(),
        io_mode: IoMode::Blocking,
        workers,
        concurrency: workers,
        oversubscribed: workers.is_some_and(|w| w > 2),
    }
}

fn rep(contender: &str, workers: usize, rep: u32, throughput: f64) -> Sample {
    let mut s = Sample::empty(&cell(contender, Some(workers)), Status::Ok, "");
    s.rep = rep;
    s.throughput = Some(throughput);
    s.wall_ns = Some((1e9 * 1000.0 / throughput) as u64);
    s
}

/// finite at 1, 2 and 4 workers (three repetitions each); thread-per-task timed out.
fn run() -> RunData {
    let mut samples: Vec<Sample> = [1, 2, 4]
        .iter()
        .flat_map(|&w| (1..=3).map(move |r| rep("finite", w, r, 1e6 * w as f64 + r as f64)))
        .collect();
    samples.push(Sample::empty(
        &cell("thread-per-task", None),
        Status::Timeout,
        "killed after 60.0 s",
    ));
    RunData {
        meta: Meta {
            cores: 2,
            ..Meta::default()
        },
        workloads: vec![WorkloadInfo {
            name: "spin".into(),
            family: Family::CpuFlat,
            hypothesis: String::new(),
            params: String::new(),
        }],
        samples,
        ..RunData::default()
    }
}

#[test]
fn a_timed_out_cell_is_drawn_and_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = write_figures(dir.path(), &run()).expect("figures");
    assert_eq!(
        files,
        vec![("spin".to_owned(), "throughput-spin.svg".to_owned())]
    );
    let svg = std::fs::read_to_string(dir.path().join("throughput-spin.svg")).expect("svg");
    assert!(svg.contains("failed/timeout"), "legend entry");
    assert!(svg.contains("thread-per-task: timeout"), "label at the X");
    assert!(svg.contains("#D00000"), "the red X");
    assert!(svg.contains("2 cores"), "the cores line");
}

#[test]
fn ticks_carry_si_prefixes() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_figures(dir.path(), &run()).expect("figures");
    let svg = std::fs::read_to_string(dir.path().join("throughput-spin.svg")).expect("svg");
    // plotters writes each text on a line of its own.
    let texts: Vec<&str> = svg.lines().map(str::trim).collect();
    assert!(texts.contains(&"2M"), "SI tick labels");
    assert!(!texts.contains(&"2000000"));
}

#[test]
fn a_run_without_failures_has_no_failure_marker() {
    let mut data = run();
    data.samples.retain(|s| s.status == Status::Ok);
    let dir = tempfile::tempdir().expect("temp dir");
    write_figures(dir.path(), &data).expect("figures");
    let svg = std::fs::read_to_string(dir.path().join("throughput-spin.svg")).expect("svg");
    assert!(!svg.contains("failed/timeout"));
}

#[test]
fn one_configuration_is_a_line_only_across_a_sweep() {
    let mut data = run();
    data.samples.push(rep("sequential", 1, 1, 5e5));
    let (_, _, fig) = &figures(&data)[0];
    let seq = fig.series.iter().find(|s| s.contender == "sequential");
    assert!(seq.is_some_and(|s| s.flat && s.label == "sequential (1 thread)"));

    // A smoke run: every contender at one worker count, so no sweep to draw lines across.
    data.samples.retain(|s| s.workers == Some(1));
    let (_, _, fig) = &figures(&data)[0];
    assert_eq!(fig.series.len(), 2);
    assert!(fig.series.iter().all(|s| !s.flat && s.points.len() == 1));
}
