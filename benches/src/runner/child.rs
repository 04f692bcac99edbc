//! The cell's side: build the contender and warm it up once, answer [`Reply::Ready`], then
//! run one repetition per `rep` line on stdin and answer each with a [`Reply::Sample`].
//! It exits at `done`, at the end of stdin, or after the first repetition that does not
//! end `ok` (the contender may be left in any state).
//!
//! Before each answer it waits for its own threads to go quiet ([`settle`]): a pool's
//! workers may spin for a while after the last job before they sleep, and with cells
//! taking turns that spinning would land on the next cell's repetition.
//!
//! One-off use: `printf 'rep\nrep\ndone\n' | pool-bench cell --spec '<CellSpec JSON>'`.

use std::io::{BufRead, Write};
use std::time::Duration;

use pool_testkit::kernels::SpinCalibration;

use super::{CellSpec, Reply, DONE, REP};
use crate::contender::{Contender, ContenderError};
use crate::contenders::{self, Sizing};
use crate::machine::host_cpu_resolution_ns;
use crate::measure::{cpu_time, peak_rss_kib, Clock};
use crate::record::{Sample, Status};
use crate::stats::percentiles;
use crate::workloads::{self, Env, Workload, WorkloadError};

fn status_of(e: &WorkloadError) -> Status {
    match e {
        WorkloadError::Contender(ContenderError::Unsupported(_)) => Status::Unsupported,
        WorkloadError::WrongAnswer { .. } => Status::WrongAnswer,
        _ => Status::Failed,
    }
}

/// A built and warmed-up cell, ready for repetitions.
pub struct Prepared {
    spec: CellSpec,
    workload: Box<dyn Workload>,
    contender: Box<dyn Contender>,
    env: Env,
    resolution_ns: u64,
    reps: u32,
}

impl Prepared {
    /// Builds the contender of `spec` and runs its warm-ups.
    ///
    /// # Errors
    /// The record of a cell that cannot be measured: `failed` for an unknown name or a
    /// build error, or whatever status the first failing warm-up earned.
    pub fn new(spec: &CellSpec) -> Result<Prepared, Box<Sample>> {
        let cell = &spec.cell;
        let workload = workloads::find(spec.scale, &cell.workload)
            .ok_or_else(|| Box::new(Sample::empty(cell, Status::Failed, "unknown workload")))?;
        let entry = contenders::find(&cell.contender)
            .ok_or_else(|| Box::new(Sample::empty(cell, Status::Failed, "unknown contender")))?;
        let workers = cell.workers.unwrap_or(spec.cores);
        let sizing = Sizing {
            workers,
            concurrency: cell.concurrency.unwrap_or(workers),
        };
        let contender = (entry.build)(sizing)
            .map_err(|e| Box::new(Sample::empty(cell, Status::Failed, format!("build: {e}"))))?;
        let env = Env {
            cores: spec.cores,
            concurrency: cell.concurrency.unwrap_or(spec.cores),
            spin: SpinCalibration::from_nanos_per_iteration(spec.spin_ns_per_iter),
            fixtures: spec.fixtures.clone(),
        };
        for _ in 0..spec.warmup {
            workload
                .run(contender.as_ref(), &env, &mut Clock::new())
                .map_err(|e| Box::new(Sample::empty(cell, status_of(&e), e.to_string())))?;
        }
        Ok(Prepared {
            spec: spec.clone(),
            workload,
            contender,
            env,
            resolution_ns: host_cpu_resolution_ns(),
            reps: 0,
        })
    }

    /// Runs the next repetition and returns its sample.
    pub fn rep(&mut self) -> Sample {
        self.reps += 1;
        let cell = &self.spec.cell;
        let mut clock = Clock::new();
        let out = match self
            .workload
            .run(self.contender.as_ref(), &self.env, &mut clock)
        {
            Ok(out) => out,
            Err(e) => return Sample::empty(cell, status_of(&e), e.to_string()),
        };
        let Some((wall, cpu)) = clock.span() else {
            return Sample::empty(cell, Status::Failed, "workload did not time its region");
        };
        let mut s = Sample::empty(cell, Status::Ok, "");
        s.rep = self.reps;
        s.wall_ns = Some(wall.as_nanos() as u64);
        s.cpu_user_ns = Some(cpu.user.as_nanos() as u64);
        s.cpu_sys_ns = Some(cpu.sys.as_nanos() as u64);
        s.jobs = Some(out.jobs);
        s.throughput = Some(out.jobs as f64 / wall.as_secs_f64().max(1e-9));
        s.peak_rss_kib = peak_rss_kib();
        s.heap_bytes_per_job = out.heap_bytes_per_job;
        s.rss_bytes_per_job = out.rss_bytes_per_job;
        s.bound_ns = out.bound_ns;
        if let Some(p) = percentiles(&out.latencies_ns) {
            [s.p50_ns, s.p90_ns, s.p99_ns, s.p999_ns, s.max_ns] = p.map(Some);
        }
        s.witness = out.witness;
        out.extra.fill(&mut s);
        if let Some(host) = clock.host_span() {
            s.host_busy_ns = Some(host.busy_ns);
            s.steal_ns = Some(host.steal_ns);
            s.stat_resolution_ns = Some(self.resolution_ns);
        }
        s
    }
}

/// How often [`settle`] looks at this process's CPU time.
const SETTLE_WINDOW: Duration = Duration::from_millis(2);
/// CPU time per window under which the process counts as quiet (10 % of one core).
const SETTLE_QUIET: Duration = Duration::from_micros(200);
/// The longest [`settle`] waits: a pool that never sleeps is answered for anyway.
const SETTLE_MAX: Duration = Duration::from_millis(200);

/// Waits until this process's CPU time grows by less than 10 % of a core over a 2 ms
/// window, or for at most 200 ms (`SETTLE_QUIET`, `SETTLE_WINDOW`, `SETTLE_MAX`).
pub fn settle() {
    let process_cpu = || {
        let t = cpu_time();
        t.user + t.sys
    };
    settle_with(process_cpu, std::thread::sleep, SETTLE_MAX);
}

/// [`settle`] with its CPU clock, sleep and limit given (in windows of [`SETTLE_WINDOW`],
/// sleep overshoot aside); returns the windows waited.
fn settle_with(
    mut cpu: impl FnMut() -> Duration,
    mut sleep: impl FnMut(Duration),
    max: Duration,
) -> u32 {
    let most = (max.as_micros() / SETTLE_WINDOW.as_micros()).max(1) as u32;
    let mut last = cpu();
    for windows in 1..=most {
        sleep(SETTLE_WINDOW);
        let now = cpu();
        if now.saturating_sub(last) < SETTLE_QUIET {
            return windows;
        }
        last = now;
    }
    most
}

fn send(out: &mut impl Write, reply: &Reply) -> std::io::Result<()> {
    let json = serde_json::to_string(reply).map_err(std::io::Error::other)?;
    writeln!(out, "{json}")?;
    out.flush()
}

/// Serves `spec` over `input` and `output` until `done`, the end of `input`, or a
/// repetition that does not end `ok`.
///
/// # Errors
/// An I/O error writing to `output` (the parent is gone).
pub fn serve(spec: &CellSpec, input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    let mut prepared = match Prepared::new(spec) {
        Ok(p) => p,
        Err(s) => return send(&mut output, &Reply::Sample(s)),
    };
    settle();
    send(&mut output, &Reply::Ready)?;
    for line in input.lines() {
        match line?.trim() {
            REP => {
                let s = prepared.rep();
                let ok = s.status == Status::Ok;
                if ok {
                    settle();
                }
                send(&mut output, &Reply::Sample(Box::new(s)))?;
                if !ok {
                    break;
                }
            }
            DONE => break,
            other => {
                let s = Sample::empty(
                    &spec.cell,
                    Status::Failed,
                    format!("unknown request `{other}`"),
                );
                return send(&mut output, &Reply::Sample(Box::new(s)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::IoMode;
    use crate::record::Cell;
    use crate::workloads::{Family, Scale};

    fn spec(workload: &str, family: Family, contender: &str) -> CellSpec {
        CellSpec {
            cell: Cell {
                workload: workload.into(),
                family,
                contender: contender.into(),
                io_mode: IoMode::Blocking,
                workers: Some(1),
                concurrency: Some(1),
                oversubscribed: false,
            },
            scale: Scale::Smoke,
            warmup: 1,
            cores: 2,
            spin_ns_per_iter: 1.0,
            fixtures: Default::default(),
        }
    }

    fn replies(spec: &CellSpec, input: &str) -> Vec<Reply> {
        let mut out = Vec::new();
        serve(spec, input.as_bytes(), &mut out).expect("serve");
        String::from_utf8(out)
            .expect("utf-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON reply"))
            .collect()
    }

    #[test]
    fn one_sample_per_rep_line_numbered_from_one_then_done() {
        let r = replies(
            &spec("empty", Family::CpuFlat, "sequential"),
            "rep\nrep\ndone\nrep\n",
        );
        assert_eq!(r.len(), 3, "ready, two samples, nothing after done");
        assert_eq!(r[0], Reply::Ready);
        for (i, reply) in r[1..].iter().enumerate() {
            let Reply::Sample(s) = reply else {
                panic!("{reply:?}")
            };
            assert_eq!((s.status, s.rep), (Status::Ok, i as u32 + 1), "{s:?}");
            assert!(s.wall_ns.is_some() && s.peak_rss_kib.is_some());
            assert!(s.host_busy_ns.is_some() && s.steal_ns.is_some());
        }
    }

    #[test]
    fn settling_waits_until_the_cpu_time_stops_growing_or_the_limit() {
        let ms = Duration::from_millis;
        // 1 ms of CPU per 2 ms window for three windows, then 50 us: quiet in window 4.
        let mut readings = [0, 1000, 2000, 3000, 3050]
            .map(Duration::from_micros)
            .into_iter();
        let cpu = || readings.next().unwrap_or(Duration::MAX);
        assert_eq!(settle_with(cpu, |_| (), ms(200)), 4);
        // Always busy: gives up after the limit's worth of windows.
        let mut t = Duration::ZERO;
        let busy = || {
            t += ms(2);
            t
        };
        assert_eq!(settle_with(busy, |_| (), ms(20)), 10);
    }

    #[test]
    fn an_unknown_contender_answers_failed_instead_of_ready() {
        let r = replies(&spec("empty", Family::CpuFlat, "nope"), "rep\n");
        assert!(
            matches!(&r[..], [Reply::Sample(s)] if s.status == Status::Failed),
            "{r:?}"
        );
    }

    #[test]
    fn an_unknown_request_ends_the_conversation_with_failed() {
        let r = replies(&spec("empty", Family::CpuFlat, "sequential"), "go\nrep\n");
        assert_eq!(r.len(), 2, "{r:?}");
        assert!(matches!(&r[1], Reply::Sample(s) if s.error.contains("unknown request")));
    }
}
