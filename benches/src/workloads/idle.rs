//! Idle CPU: one empty job every 10 ms; the figure is CPU time over wall time.
//!
//! **Hypothesis.** A pool whose idle workers park costs a few percent of a core; one whose
//! workers spin or poll before parking (rayon's and tokio's spin phases) burns more; one
//! thread per task pays a thread spawn per job.
//!
//! **Check.** Every job runs exactly once (a counter must equal the number submitted).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pool_core::Job;

use super::{check, Env, Family, Output, Scale, Workload, WorkloadError};
use crate::contender::{Contender, Work};
use crate::measure::Clock;
use crate::record::Cell;

/// Sparse work for `span`.
#[derive(Debug)]
pub struct Idle {
    span: Duration,
    every: Duration,
}

impl Idle {
    /// The idle workload at `scale`.
    pub fn new(scale: Scale) -> Idle {
        Idle {
            span: Duration::from_millis(scale.pick(200, 500, 1_000)),
            every: Duration::from_millis(10),
        }
    }
}

impl Workload for Idle {
    fn name(&self) -> &'static str {
        "idle"
    }
    fn family(&self) -> Family {
        Family::Idle
    }
    fn hypothesis(&self) -> &'static str {
        "sparse work: parked workers of the best pool burn < 1 % of a core"
    }
    fn params(&self, _env: &Env) -> String {
        format!(
            "one empty job every {} ms for {} ms",
            self.every.as_millis(),
            self.span.as_millis()
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        _env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let done = Arc::new(AtomicU64::new(0));
        let mut n = 0;
        clock.start();
        let t0 = Instant::now();
        while t0.elapsed() < self.span {
            let done = Arc::clone(&done);
            c.submit(
                Job::new(move || {
                    done.fetch_add(1, Ordering::Relaxed);
                }),
                Work::Cpu,
            )?;
            n += 1;
            std::thread::sleep(self.every);
        }
        c.wait()?;
        clock.stop();
        let witness = check("jobs", n, done.load(Ordering::Relaxed))?;
        Ok(Output {
            jobs: n,
            witness,
            ..Output::default()
        })
    }
    fn rep_estimate(&self, _env: &Env, _cell: &Cell) -> Duration {
        self.span + self.every
    }
}
