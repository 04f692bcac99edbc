//! Latency, open loop: ~100 µs jobs arrive at a fixed rate, and each job's latency is
//! measured from its *intended* submit time to its end, so a stalled submitter or pool
//! shows up in the figures instead of hiding (no coordinated omission).
//!
//! **Hypothesis.** At half load every pool's p50 is near the service time and the tail
//! shows the wake-up cost; at 90 % load queueing dominates, and pools that wake workers
//! late or share one contended queue grow a longer tail. The rate is
//! `load * cores / 100 us`, the same for every contender, so a contender with less
//! capacity (sequential, or one worker) is overloaded on purpose and its latency grows
//! without bound.
//!
//! The submitter paces by sleeping, then yielding, so the CPU/wall figure of these cells
//! includes its own pacing.
//!
//! **Check.** Every job records its latency exactly once (a slot per job; a second write
//! or an empty slot is a wrong answer), and its spin result is checked.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pool_testkit::kernels::spin_work;

use super::{check, Env, Family, Output, Scale, ShardedCounter, Workload, WorkloadError};
use crate::contender::{Contender, Work};
use crate::estimate::{cpu_lanes, job_cost, times};
use crate::measure::Clock;
use crate::record::Cell;

/// Open-loop latency at `load` (a fraction of the machine's capacity).
#[derive(Debug)]
pub struct Latency {
    name: &'static str,
    load: f64,
    n: u64,
}

const SERVICE: Duration = Duration::from_micros(100);

/// The latency workloads at 50 % and 90 % load.
pub fn all(scale: Scale) -> Vec<Box<dyn Workload>> {
    let n = scale.pick(200, 4_000, 40_000);
    vec![
        Box::new(Latency {
            name: "latency-50",
            load: 0.5,
            n,
        }),
        Box::new(Latency {
            name: "latency-90",
            load: 0.9,
            n,
        }),
    ]
}

impl Latency {
    fn interval(&self, env: &Env) -> Duration {
        SERVICE.div_f64(self.load * env.cores as f64)
    }
}

/// Waits until `t`: sleeps while far away, then yields (so workers on a shared core still
/// run), never sleeping past `t` by more than the sleep slack.
fn pace_until(t: Instant) {
    loop {
        let now = Instant::now();
        if now >= t {
            return;
        }
        let gap = t - now;
        if gap > Duration::from_micros(300) {
            std::thread::sleep(gap - Duration::from_micros(200));
        } else {
            std::thread::yield_now();
        }
    }
}

impl Workload for Latency {
    fn name(&self) -> &'static str {
        self.name
    }
    fn family(&self) -> Family {
        Family::Latency
    }
    fn hypothesis(&self) -> &'static str {
        "open loop at a fixed rate: p50 near the service time at half load; at 90% the tail shows queueing and wake-up costs"
    }
    fn params(&self, env: &Env) -> String {
        format!(
            "{} jobs x 100us, one every {:.1}us (load {:.0}% of {} cores)",
            self.n,
            self.interval(env).as_secs_f64() * 1e6,
            self.load * 100.0,
            env.cores
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let iters = env.spin.iterations_for(SERVICE);
        let want = spin_work(iters);
        let slots: Arc<Vec<AtomicU64>> = Arc::new((0..self.n).map(|_| AtomicU64::new(0)).collect());
        let bad = Arc::new(ShardedCounter::new());
        let interval = self.interval(env);
        clock.start();
        let t0 = Instant::now() + Duration::from_millis(1);
        for i in 0..self.n {
            let intended = t0 + interval.mul_f64(i as f64);
            pace_until(intended);
            let (slots, bad) = (Arc::clone(&slots), Arc::clone(&bad));
            c.submit(
                pool_core::Job::new(move || {
                    let ok = spin_work(iters) == want;
                    let ns = (intended.elapsed().as_nanos() as u64).max(1);
                    let first = slots[i as usize].swap(ns, Ordering::Relaxed) == 0;
                    if !ok || !first {
                        bad.add(1);
                    }
                }),
                Work::Cpu,
            )?;
        }
        c.wait()?;
        clock.stop();
        let latencies: Vec<u64> = slots.iter().map(|s| s.load(Ordering::Relaxed)).collect();
        let recorded = latencies.iter().filter(|&&l| l > 0).count() as u64;
        check("bad jobs", 0, bad.sum())?;
        let witness = check("latencies recorded", self.n, recorded)?;
        Ok(Output {
            jobs: self.n,
            witness,
            latencies_ns: latencies,
            ..Output::default()
        })
    }
    /// The arrivals' span, or the work on the contender's lanes when it is overloaded.
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        let arrivals = times(self.n, self.interval(env));
        let work = times(self.n, SERVICE) / cpu_lanes(cell, env.cores);
        arrivals.max(work) + times(self.n, job_cost(cell))
    }
}
