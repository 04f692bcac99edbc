//! Shutdown racing shutdown, and reports read while refused submissions are in flight:
//! every `shutdown` returns, concurrent calls agree, and every report balances.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};

use pool_core::{Pool, PoolExt, ShutdownMode, ShutdownReport};
use rand::{Rng, SeedableRng};

use super::{config, scaled, Build};
use crate::{with_watchdog, DEADLOCK};

/// Submitters that keep submitting until told to stop, refused or not.
struct Submitters {
    stop: Arc<AtomicBool>,
    executed: Arc<AtomicU64>,
    threads: Vec<std::thread::JoinHandle<u64>>,
}

impl Submitters {
    /// Starts `n` submitters on `pool`; returns once each has submitted at least once.
    fn start(pool: &Arc<dyn Pool>, n: usize) -> Submitters {
        let stop = Arc::new(AtomicBool::new(false));
        let executed = Arc::new(AtomicU64::new(0));
        let started = Arc::new(Barrier::new(n + 1));
        let threads = (0..n)
            .map(|_| {
                let (pool, stop, executed, started) = (
                    pool.clone(),
                    stop.clone(),
                    executed.clone(),
                    started.clone(),
                );
                std::thread::spawn(move || {
                    let mut accepted = 0u64;
                    let mut first = true;
                    while !stop.load(Ordering::Relaxed) {
                        let executed = executed.clone();
                        if pool
                            .execute(move || {
                                executed.fetch_add(1, Ordering::Relaxed);
                            })
                            .is_ok()
                        {
                            accepted += 1;
                        }
                        if first {
                            first = false;
                            started.wait();
                        }
                    }
                    accepted
                })
            })
            .collect();
        started.wait();
        Submitters {
            stop,
            executed,
            threads,
        }
    }

    /// Stops the submitters; returns (jobs accepted, jobs that ran).
    fn finish(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let accepted = self
            .threads
            .into_iter()
            .map(|t| t.join().expect("a submitter does not panic"))
            .sum();
        (accepted, self.executed.load(Ordering::Relaxed))
    }
}

/// Checks one report against what the submitters saw: balanced, every accepted job in it,
/// and what ran is what it says completed.
fn check_report(report: &ShutdownReport, accepted: u64, executed: u64, what: &str) {
    assert!(report.is_balanced(), "{what}: unbalanced report {report:?}");
    assert_eq!(
        report.submitted - report.rejected,
        accepted,
        "{what}: every accepted job is in the report {report:?}"
    );
    assert_eq!(report.completed, executed, "{what}: {report:?}");
}

/// Two threads shut the same pool down at about the same moment, in every pairing of modes,
/// while submitters race them: both calls return (a hang fails the watchdog), with equal
/// reports, balanced, accounting for every accepted job.
pub fn concurrent_shutdowns_agree(build: Build, workers: usize) {
    with_watchdog("concurrent_shutdowns_agree", DEADLOCK, move || {
        let modes = [ShutdownMode::Graceful, ShutdownMode::Immediate];
        let mut rng = rand::rngs::SmallRng::seed_from_u64(workers as u64);
        for round in 0..scaled(200) {
            let pool = build(config(workers));
            let submitters = Submitters::start(&pool, 2);
            let both = Arc::new(Barrier::new(2));
            let shutters: Vec<_> = [round % 2, (round / 2) % 2]
                .into_iter()
                .map(|m| {
                    let (pool, both) = (pool.clone(), both.clone());
                    let spins = rng.random_range(0..2000u32);
                    std::thread::spawn(move || {
                        both.wait();
                        for _ in 0..spins {
                            std::hint::spin_loop();
                        }
                        pool.shutdown(modes[m])
                    })
                })
                .collect();
            let reports: Vec<ShutdownReport> = shutters
                .into_iter()
                .map(|s| {
                    s.join()
                        .expect("shutdown does not panic")
                        .expect("shutdown from outside")
                })
                .collect();
            let (accepted, executed) = submitters.finish();
            assert_eq!(reports[0], reports[1], "round {round}: both calls agree");
            check_report(&reports[0], accepted, executed, &format!("round {round}"));
        }
    });
}

/// A shutdown's report balances although submitters keep being refused while it is read:
/// each attempt is counted as submitted and rejected together, never one without the other.
pub fn report_balances_while_refusals_race(build: Build, workers: usize) {
    with_watchdog("report_balances_while_refusals_race", DEADLOCK, move || {
        for round in 0..scaled(100) {
            let pool = build(config(workers));
            let submitters = Submitters::start(&pool, 4);
            let mode = if round % 2 == 0 {
                ShutdownMode::Graceful
            } else {
                ShutdownMode::Immediate
            };
            let report = pool.shutdown(mode).expect("shutdown from outside");
            let (accepted, executed) = submitters.finish();
            check_report(
                &report,
                accepted,
                executed,
                &format!("round {round} {mode:?}"),
            );
        }
    });
}
