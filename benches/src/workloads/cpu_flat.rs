//! CPU flat: `jobs` independent jobs of fixed compute, submitted from one outside thread.
//!
//! **Hypothesis.** For empty and ~1 µs jobs the cost is the pool's per-job overhead
//! (queue, wake-up, allocation): bounded pools beat one thread per task by one to two
//! orders of magnitude, and a second worker does not help (queue contention costs more than
//! the core gives). From ~100 µs up, the overhead vanishes and throughput scales with
//! workers up to the core count, then stays flat: workers beyond the cores
//! (oversubscription) buy nothing for CPU work.
//!
//! **Check.** Every job adds its `spin_work` result to a sharded counter; the sum must be
//! `jobs * spin_work(iterations)` (wrapping), so a lost or doubled job is a wrong answer.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use pool_core::Job;
use pool_testkit::kernels::spin_work;

use super::{check, short, Env, Family, Output, Scale, ShardedCounter, Workload, WorkloadError};
use crate::contender::{Contender, Work};
use crate::estimate::{cpu_lanes, job_cost, times};
use crate::measure::Clock;
use crate::record::Cell;

/// The jobs' checksum. A `static`, so that an empty job captures nothing: its closure is
/// zero-sized and `Job::new` allocates nothing, as in a pool's own empty-job bench; an
/// `Arc` per job would instead put a shared count, bumped by the submitter and dropped by
/// a worker, on the path being measured.
static SUM: ShardedCounter = ShardedCounter::new();

/// Held by the run that uses [`SUM`].
static SUM_OWNER: Mutex<()> = Mutex::new(());

/// `jobs` jobs of about `work` of compute each (zero: an empty job that only counts).
#[derive(Debug)]
pub struct SpinJobs {
    name: &'static str,
    work: Duration,
    jobs: u64,
}

/// The four CPU-flat workloads at `scale`.
pub fn all(scale: Scale) -> Vec<Box<dyn Workload>> {
    let mk = |name, work, jobs| -> Box<dyn Workload> { Box::new(SpinJobs { name, work, jobs }) };
    vec![
        mk("empty", Duration::ZERO, scale.pick(2_000, 20_000, 100_000)),
        mk(
            "spin-1us",
            Duration::from_micros(1),
            scale.pick(2_000, 20_000, 100_000),
        ),
        mk(
            "spin-100us",
            Duration::from_micros(100),
            scale.pick(100, 2_000, 5_000),
        ),
        mk(
            "spin-10ms",
            Duration::from_millis(10),
            scale.pick(4, 20, 100),
        ),
    ]
}

impl Workload for SpinJobs {
    fn name(&self) -> &'static str {
        self.name
    }

    fn family(&self) -> Family {
        Family::CpuFlat
    }

    fn hypothesis(&self) -> &'static str {
        if self.work < Duration::from_micros(50) {
            "per-job overhead dominates: bounded pools beat thread-per-task by >= 10x, and the best pool gains < 1.2x from 1 worker to the cores"
        } else {
            "compute dominates: the best pool runs >= 0.8 x cores faster at workers = cores than at 1 worker, and oversubscription gains < 5 %"
        }
    }

    fn params(&self, env: &Env) -> String {
        if self.work.is_zero() {
            return format!(
                "{} empty jobs (each adds 1 to a sharded counter)",
                self.jobs
            );
        }
        format!(
            "{} jobs x {} ({} spin iterations)",
            self.jobs,
            short(self.work),
            iterations(self.work, env)
        )
    }

    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let iters = iterations(self.work, env);
        let per_job = if iters == 0 { 1 } else { spin_work(iters) };
        // One run at a time per process owns `SUM` (tests run workloads concurrently).
        let _owner = SUM_OWNER.lock().unwrap_or_else(PoisonError::into_inner);
        let before = SUM.sum();
        clock.start();
        if iters == 0 {
            for _ in 0..self.jobs {
                c.submit(Job::new(|| SUM.add(1)), Work::Cpu)?;
            }
        } else {
            for _ in 0..self.jobs {
                c.submit(Job::new(move || SUM.add(spin_work(iters))), Work::Cpu)?;
            }
        }
        c.wait()?;
        clock.stop();
        let expected = per_job.wrapping_mul(self.jobs);
        let witness = check("checksum", expected, SUM.sum().wrapping_sub(before))?;
        Ok(Output {
            jobs: self.jobs,
            witness,
            ..Output::default()
        })
    }

    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        times(
            self.jobs,
            self.work / cpu_lanes(cell, env.cores) + job_cost(cell),
        )
    }
}

fn iterations(work: Duration, env: &Env) -> u64 {
    if work.is_zero() {
        0
    } else {
        env.spin.iterations_for(work)
    }
}
