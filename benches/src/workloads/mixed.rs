//! Mixed CPU and I/O: each job computes ~50 µs, then makes one request to the loopback
//! server (1 ms service time).
//!
//! **Hypothesis.** With both, neither "workers = cores" (starves the I/O) nor "one thread
//! per task" (thrashes the CPU part) is right: thread pools want about
//! `cores * (1 + wait / compute)` workers; the async runtime overlaps the waits on few
//! threads and is bounded by the compute alone.
//!
//! **Bounds.** Little's law on the service time alone, and the same law on one job
//! measured alone with the compute on the cores as a second floor (see the `io` module).
//!
//! **Check.** Every job's spin result and response body are checked; the count of good
//! jobs must equal `N`.

use std::sync::OnceLock;
use std::time::Duration;

use super::io::Requests;
use super::{Env, Family, Output, Scale, Workload, WorkloadError};
use crate::contender::Contender;
use crate::measure::Clock;
use crate::record::Cell;

/// `n` jobs of compute then one request.
#[derive(Debug)]
pub struct Mixed(Requests);

impl Mixed {
    /// The mixed workload at `scale`.
    pub fn new(scale: Scale) -> Mixed {
        Mixed(Requests {
            n: scale.pick(64, 256, 1024),
            len: 64,
            compute: Duration::from_micros(50),
            floor: OnceLock::new(),
        })
    }
}

impl Workload for Mixed {
    fn name(&self) -> &'static str {
        "mixed"
    }
    fn family(&self) -> Family {
        Family::Mixed
    }
    fn hypothesis(&self) -> &'static str {
        "compute plus waits: overlapping the waits with concurrency beyond the cores gains >= 1.5x (thread pools want cores*(1+wait/compute) workers)"
    }
    fn params(&self, env: &Env) -> String {
        format!(
            "{} jobs x ({}us compute + GET of {} B with {}us service time); bounds: ceil(N/c)*D (Little, service time alone) and max(ceil(N/c)*T1, N*compute/min(c,cores)) (T1: one job measured alone)",
            self.0.n,
            self.0.compute.as_micros(),
            self.0.len,
            env.fixtures.service_us
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        self.0.run(c, env, clock, "good jobs")
    }
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        self.0.rep_estimate(env, cell)
    }
}
