//! Running the matrix: each cell in a child process of this same binary
//! (`pool-bench cell --spec <json>`), so that
//!
//! - CPU time (`getrusage(RUSAGE_SELF)`) and peak memory (`VmHWM`, process-wide and
//!   monotone) belong to that cell alone;
//! - a hung or crashed contender is killed after the timeout and recorded as `timeout` or
//!   `failed`, never dropped, and cannot disturb the next cell;
//! - the parent, which owns the loopback fixtures and the progress bar, stays idle (blocked
//!   on the child's pipe) while the child measures: nothing draws inside a timed region.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pool_testkit::kernels::SpinCalibration;
use serde::{Deserialize, Serialize};

use crate::contender::ContenderError;
use crate::contenders::{self, Sizing};
use crate::fixtures::FixtureSpec;
use crate::matrix::Plan;
use crate::measure::{peak_rss_kib, Clock};
use crate::record::{Cell, Sample, Status};
use crate::stats::{percentiles, relative_iqr};
use crate::workloads::{self, Env, Scale, WorkloadError};

/// What the parent hands a child: one cell and everything needed to run it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CellSpec {
    /// The cell.
    pub cell: Cell,
    /// Sizes.
    pub scale: Scale,
    /// Repetition bounds and warm-ups.
    pub min_reps: u32,
    /// See `min_reps`.
    pub max_reps: u32,
    /// Unrecorded warm-ups.
    pub warmup: u32,
    /// Time after which no repetition beyond `min_reps` starts, ms.
    pub budget_ms: u64,
    /// Cores of the machine.
    pub cores: usize,
    /// `spin_work` speed measured by the parent, ns per iteration.
    pub spin_ns_per_iter: f64,
    /// The fixtures.
    pub fixtures: FixtureSpec,
}

fn status_of(e: &WorkloadError) -> Status {
    match e {
        WorkloadError::Contender(ContenderError::Unsupported(_)) => Status::Unsupported,
        WorkloadError::WrongAnswer { .. } => Status::WrongAnswer,
        _ => Status::Failed,
    }
}

/// Runs one cell in this process and returns its samples (the child side).
pub fn run_cell(spec: &CellSpec) -> Vec<Sample> {
    let cell = &spec.cell;
    let Some(workload) = workloads::find(spec.scale, &cell.workload) else {
        return vec![Sample::empty(cell, Status::Failed, "unknown workload")];
    };
    let Some(entry) = contenders::find(&cell.contender) else {
        return vec![Sample::empty(cell, Status::Failed, "unknown contender")];
    };
    let workers = cell.workers.unwrap_or(spec.cores);
    let sizing = Sizing {
        workers,
        concurrency: cell.concurrency.unwrap_or(workers),
    };
    let contender = match (entry.build)(sizing) {
        Ok(c) => c,
        Err(e) => return vec![Sample::empty(cell, Status::Failed, format!("build: {e}"))],
    };
    let env = Env {
        cores: spec.cores,
        concurrency: cell.concurrency.unwrap_or(spec.cores),
        spin: SpinCalibration::from_nanos_per_iteration(spec.spin_ns_per_iter),
        fixtures: spec.fixtures.clone(),
    };
    for _ in 0..spec.warmup {
        if let Err(e) = workload.run(contender.as_ref(), &env, &mut Clock::new()) {
            return vec![Sample::empty(cell, status_of(&e), e.to_string())];
        }
    }
    let started = Instant::now();
    let mut samples: Vec<Sample> = Vec::new();
    let mut walls = Vec::new();
    for rep in 1..=spec.max_reps.max(1) {
        let done = rep > spec.min_reps
            && (relative_iqr(&walls) < 0.05
                || started.elapsed() > Duration::from_millis(spec.budget_ms));
        if done {
            break;
        }
        let mut clock = Clock::new();
        let result = workload.run(contender.as_ref(), &env, &mut clock);
        let out = match (result, clock.span()) {
            (Ok(out), Some(_)) => out,
            (Ok(_), None) => {
                samples.push(Sample::empty(
                    cell,
                    Status::Failed,
                    "workload did not time its region",
                ));
                break;
            }
            (Err(e), _) => {
                samples.push(Sample::empty(cell, status_of(&e), e.to_string()));
                break;
            }
        };
        let Some((wall, cpu)) = clock.span() else {
            break;
        };
        walls.push(wall.as_secs_f64());
        let mut s = Sample::empty(cell, Status::Ok, "");
        s.rep = rep;
        s.wall_ns = Some(wall.as_nanos() as u64);
        s.cpu_user_ns = Some(cpu.user.as_nanos() as u64);
        s.cpu_sys_ns = Some(cpu.sys.as_nanos() as u64);
        s.jobs = Some(out.jobs);
        s.throughput = Some(out.jobs as f64 / wall.as_secs_f64().max(1e-9));
        s.heap_bytes_per_job = out.heap_bytes_per_job;
        s.rss_bytes_per_job = out.rss_bytes_per_job;
        s.bound_ns = out.bound_ns;
        if let Some(p) = percentiles(&out.latencies_ns) {
            [s.p50_ns, s.p90_ns, s.p99_ns, s.p999_ns, s.max_ns] = p.map(Some);
        }
        s.witness = out.witness;
        out.extra.fill(&mut s);
        samples.push(s);
    }
    let peak = peak_rss_kib();
    for s in &mut samples {
        s.peak_rss_kib = peak;
    }
    samples
}

/// Runs `spec` in a child process of the current executable, killing it after `timeout`.
/// Always returns at least one sample: a crash or a timeout becomes a `failed` or
/// `timeout` record.
pub fn run_cell_in_child(spec: &CellSpec, timeout: Duration) -> Vec<Sample> {
    let cell = &spec.cell;
    let fail = |status, msg: String| vec![Sample::empty(cell, status, msg)];
    let json = match serde_json::to_string(spec) {
        Ok(j) => j,
        Err(e) => return fail(Status::Failed, format!("spec: {e}")),
    };
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => return fail(Status::Failed, format!("current_exe: {e}")),
    };
    let child = Command::new(exe)
        .args(["cell", "--spec", &json])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return fail(Status::Failed, format!("spawn: {e}")),
    };
    let (tx, rx) = mpsc::channel();
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let out_tx = tx.clone();
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        let _ = out_tx.send((true, s));
    });
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        let _ = tx.send((false, s));
    });
    let deadline = Instant::now() + timeout;
    let (mut stdout, mut stderr) = (None, None);
    while stdout.is_none() || stderr.is_none() {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((true, s)) => stdout = Some(s),
            Ok((false, s)) => stderr = Some(s),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return fail(
                    Status::Timeout,
                    format!("killed after {:.1} s", timeout.as_secs_f64()),
                );
            }
        }
    }
    let status = child.wait();
    let stdout = stdout.unwrap_or_default();
    match serde_json::from_str::<Vec<Sample>>(stdout.trim()) {
        Ok(samples) if !samples.is_empty() => samples,
        _ => {
            let tail: String = stderr
                .unwrap_or_default()
                .lines()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
                .join(" | ");
            let code = status.map_or("unknown".into(), |s| s.to_string());
            fail(Status::Failed, format!("child exited ({code}): {tail}"))
        }
    }
}

/// Builds the spec of `cell` under `plan`.
pub fn spec_for(
    cell: &Cell,
    plan: &Plan,
    cores: usize,
    spin_ns_per_iter: f64,
    fixtures: &FixtureSpec,
) -> CellSpec {
    CellSpec {
        cell: cell.clone(),
        scale: plan.scale,
        min_reps: plan.min_reps,
        max_reps: plan.max_reps,
        warmup: plan.warmup,
        budget_ms: plan.budget.as_millis() as u64,
        cores,
        spin_ns_per_iter,
        fixtures: fixtures.clone(),
    }
}
