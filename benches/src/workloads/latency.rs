//! Latency, open loop, as a curve: ~100 µs jobs arrive at a fixed rate of 10, 30, 50, 70
//! and 90 % of the machine's capacity (one workload per load, `latency-10` ..
//! `latency-90`), and each job's latency is measured from its *intended* submit time to
//! its end, so a late submitter or a stalled pool shows up in the figures instead of
//! hiding (no coordinated omission).
//!
//! **Hypothesis.** At low load every pool's p50 is near the service time and the tail
//! shows the wake-up cost; as the load rises queueing dominates, and pools that wake
//! workers late or share one contended queue reach their p99 knee at a lower load. The
//! rate is `load * cores / 100 us`, the same for every contender, so a contender with less
//! capacity (sequential, or one worker) is overloaded at the higher loads on purpose and
//! its latency grows without bound.
//!
//! **The load generator stays off the workers' cores.** It sleeps to each deadline (with
//! the thread's timer slack lowered to 1 µs, so the kernel does not add its default
//! 50 µs), waking early by its recent wake-up overshoot (an average, capped at [`SPIN`])
//! and spinning only for that remainder; whenever it wakes it submits every arrival
//! already due, so a late wake-up sends a small batch instead of falling behind. Its own
//! lateness (actual submit time minus intended) is recorded per repetition, and the
//! latencies include it, as they should.
//!
//! **Cost.** Each load gets a share of the jobs proportional to the load, so every load's
//! arrivals span the same time and the whole sweep costs what the former `latency-50`
//! and `latency-90` pair did ([`SWEEP_SHARE`]).
//!
//! **Output.** Besides the percentiles, each repetition keeps its histogram
//! ([`LatencyHistogram`]) so the report merges repetitions, and the generator's lateness.
//!
//! **Check.** Every job records its latency exactly once (a slot per job; a second write
//! or an empty slot is a wrong answer), and its spin result is checked.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pool_testkit::kernels::spin_work;

use super::histogram::LatencyHistogram;
use super::{check, Env, Extra, Family, Output, Scale, ShardedCounter, Workload, WorkloadError};
use crate::contender::{Contender, Work};
use crate::estimate::{cpu_lanes, job_cost, times};
use crate::measure::Clock;
use crate::record::Cell;

/// Open-loop latency at `load` percent of the machine's capacity.
#[derive(Debug)]
pub struct Latency {
    name: &'static str,
    load: u32,
    n: u64,
}

/// Each job's service time.
const SERVICE: Duration = Duration::from_micros(100);

/// The longest the generator spins before a deadline (it sleeps until then).
pub const SPIN: Duration = Duration::from_micros(20);

/// The loads of the sweep, percent of capacity, with their workload names.
pub const LOADS: [(&str, u32); 5] = [
    ("latency-10", 10),
    ("latency-30", 30),
    ("latency-50", 50),
    ("latency-70", 70),
    ("latency-90", 90),
];

/// Jobs at load `l` % are `base * SWEEP_SHARE * l / 100`: every load's arrivals then span
/// `base * SWEEP_SHARE * SERVICE / cores`, and the five together the
/// `base * (1/0.5 + 1/0.9) * SERVICE / cores` that `base` jobs at 50 % and at 90 % took
/// before the sweep.
pub const SWEEP_SHARE: f64 = (1.0 / 0.5 + 1.0 / 0.9) / LOADS.len() as f64;

/// The latency workloads, one per load of the sweep.
pub fn all(scale: Scale) -> Vec<Box<dyn Workload>> {
    let base = scale.pick(200, 4_000, 40_000) as f64;
    LOADS
        .iter()
        .map(|&(name, load)| {
            let n = (base * SWEEP_SHARE * f64::from(load) / 100.0).round() as u64;
            Box::new(Latency {
                name,
                load,
                n: n.max(1),
            }) as Box<dyn Workload>
        })
        .collect()
}

impl Latency {
    fn interval(&self, env: &Env) -> Duration {
        SERVICE.div_f64(f64::from(self.load) / 100.0 * env.cores as f64)
    }
}

/// Paces the submitter: sleeps to each deadline, minus the wake-up overshoot it has
/// seen lately, and spins for the rest.
#[derive(Debug, Default)]
struct Pacer {
    /// The recent overshoot of a sleep, at most [`SPIN`].
    overshoot: Duration,
}

impl Pacer {
    /// Waits until `t`, never returning before it.
    fn until(&mut self, t: Instant) {
        loop {
            let now = Instant::now();
            if now >= t {
                return;
            }
            let gap = t - now;
            if gap > self.overshoot {
                let asked = gap - self.overshoot;
                std::thread::sleep(asked);
                let over = now.elapsed().saturating_sub(asked);
                // A moving average over about eight sleeps: one slow wake-up does not
                // turn the next few waits into spins.
                self.overshoot = ((self.overshoot * 7 + over) / 8).min(SPIN);
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

/// Lowers the calling thread's timer slack (how late the kernel may end its sleeps) to
/// 1 µs while alive, restoring it on drop.
struct TightTimer {
    before: Option<libc::c_ulong>,
}

impl TightTimer {
    fn new() -> TightTimer {
        // SAFETY: PR_GET_TIMERSLACK takes no pointer arguments and only reads this
        // thread's setting.
        let before = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK) };
        // SAFETY: PR_SET_TIMERSLACK takes a plain integer and changes only this thread.
        let set = unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1_000 as libc::c_ulong) };
        TightTimer {
            before: (before > 0 && set == 0).then_some(before as libc::c_ulong),
        }
    }
}

impl Drop for TightTimer {
    fn drop(&mut self) {
        if let Some(ns) = self.before {
            // SAFETY: as in `new`: a plain integer for this thread's own setting.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, ns) };
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
        if self.load <= 50 {
            "open loop at a fixed rate: at this load the best pool's p99 stays below 1 ms (100 us jobs plus wake-ups)"
        } else {
            "open loop at a fixed rate: at this load queueing pushes the best pool's p99 above 1 ms"
        }
    }
    fn params(&self, env: &Env) -> String {
        format!(
            "{} jobs x 100us, one every {:.1}us (load {}% of {} cores); generator sleeps, spins <= {}us, submits all arrivals due",
            self.n,
            self.interval(env).as_secs_f64() * 1e6,
            self.load,
            env.cores,
            SPIN.as_micros()
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
        let interval_ns = self.interval(env).as_nanos() as f64;
        let mut lateness = LatencyHistogram::new();
        let timer = TightTimer::new();
        let mut pacer = Pacer::default();
        clock.start();
        let t0 = Instant::now() + Duration::from_millis(1);
        let intended = |i: u64| t0 + Duration::from_nanos((interval_ns * i as f64) as u64);
        let mut i = 0;
        while i < self.n {
            pacer.until(intended(i));
            let now = Instant::now();
            while i < self.n && intended(i) <= now {
                let (at, idx) = (intended(i), i as usize);
                lateness.record(at.elapsed().as_nanos() as u64);
                let (slots, bad) = (Arc::clone(&slots), Arc::clone(&bad));
                c.submit(
                    pool_core::Job::new(move || {
                        let ok = spin_work(iters) == want;
                        let ns = (at.elapsed().as_nanos() as u64).max(1);
                        let first = slots[idx].swap(ns, Ordering::Relaxed) == 0;
                        if !ok || !first {
                            bad.add(1);
                        }
                    }),
                    Work::Cpu,
                )?;
                i += 1;
            }
        }
        drop(timer);
        c.wait()?;
        clock.stop();
        let latencies: Vec<u64> = slots.iter().map(|s| s.load(Ordering::Relaxed)).collect();
        let recorded = latencies.iter().filter(|&&l| l > 0).count() as u64;
        check("bad jobs", 0, bad.sum())?;
        let witness = check("latencies recorded", self.n, recorded)?;
        let mut hist = LatencyHistogram::new();
        latencies.iter().for_each(|&l| hist.record(l));
        Ok(Output {
            jobs: self.n,
            witness,
            latencies_ns: latencies,
            extra: Extra {
                latency_hist: hist.encode(),
                lateness_ns: lateness.p50_p99_max(),
                ..Extra::default()
            },
            ..Output::default()
        })
    }
    /// The arrivals' span, or the work on the contender's lanes when it is overloaded,
    /// plus the per-job cost; the generator's pacing sleeps and adds nothing.
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        let arrivals = times(self.n, self.interval(env));
        let work = times(self.n, SERVICE) / cpu_lanes(cell, env.cores);
        arrivals.max(work) + times(self.n, job_cost(cell))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_costs_what_the_old_pair_did() {
        let n = |name: &str| {
            all(Scale::Full)
                .iter()
                .position(|w| w.name() == name)
                .map(|i| LOADS[i].1)
        };
        assert_eq!(n("latency-10"), Some(10));
        assert_eq!(n("latency-90"), Some(90));
        // Arrival spans in units of SERVICE / cores: old pair 40,000 * (2 + 1/0.9).
        let base = 40_000.0;
        let sweep: f64 = LOADS
            .iter()
            .map(|&(_, l)| {
                let jobs = (base * SWEEP_SHARE * f64::from(l) / 100.0).round();
                jobs / (f64::from(l) / 100.0)
            })
            .sum();
        let old = base * (1.0 / 0.5 + 1.0 / 0.9);
        assert!((sweep / old - 1.0).abs() < 0.01, "{sweep} vs {old}");
    }

    #[test]
    fn pacing_is_never_early_and_spins_at_most_spin() {
        let _t = TightTimer::new();
        let mut pacer = Pacer::default();
        for _ in 0..50 {
            let t = Instant::now() + Duration::from_micros(150);
            pacer.until(t);
            assert!(Instant::now() >= t);
            assert!(pacer.overshoot <= SPIN);
        }
    }
}
