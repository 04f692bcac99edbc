//! Mixed CPU and I/O: each job computes ~50 µs, then makes one request to the loopback
//! server (1 ms service time).
//!
//! **Hypothesis.** With both, neither "workers = cores" (starves the I/O) nor "one thread
//! per task" (thrashes the CPU part) is right: thread pools want about
//! `cores * (1 + wait / compute)` workers; the async runtime overlaps the waits on few
//! threads and is bounded by the compute alone.
//!
//! **Check.** Every job's spin result and response body are checked; the count of good
//! jobs must equal `N`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pool_testkit::fixtures::http_get;
use pool_testkit::kernels::spin_work;

use super::io_flat::{
    effective_concurrency, is_pattern, job_async, littles_bound, run_io_jobs, IoErrors, IoJob,
};
use super::{check, Env, Family, Output, Scale, Workload, WorkloadError};
use crate::contender::{Contender, IoMode};
use crate::fixtures::http_get_async;
use crate::measure::Clock;

/// `n` jobs of compute then one request.
#[derive(Debug)]
pub struct Mixed {
    n: u64,
    compute: Duration,
}

impl Mixed {
    /// The mixed workload at `scale`.
    pub fn new(scale: Scale) -> Mixed {
        Mixed {
            n: scale.pick(64, 256, 2048),
            compute: Duration::from_micros(50),
        }
    }
}

const BODY: usize = 64;

impl Workload for Mixed {
    fn name(&self) -> &'static str {
        "mixed"
    }
    fn family(&self) -> Family {
        Family::Mixed
    }
    fn hypothesis(&self) -> &'static str {
        "compute plus waits: thread pools want cores*(1+wait/compute) workers; async overlaps the waits on few threads"
    }
    fn params(&self, env: &Env) -> String {
        format!(
            "{} jobs x (50us compute + GET with {}us service time)",
            self.n, env.fixtures.service_us
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let addr = env
            .fixtures
            .http
            .ok_or_else(|| WorkloadError::Setup("no http server".into()))?;
        let iters = env.spin.iterations_for(self.compute);
        let want = spin_work(iters);
        let good = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(IoErrors::default());
        let path = format!("/bytes/{BODY}");
        clock.start();
        run_io_jobs(c, env, self.n, |_, mode| {
            let (good, errors, path) = (Arc::clone(&good), Arc::clone(&errors), path.clone());
            match mode {
                IoMode::Blocking => IoJob::Blocking(Box::new(move || {
                    let spun = spin_work(iters);
                    match http_get(addr, &path) {
                        Ok(r) if spun == want && is_pattern(&r.body, BODY) => {
                            good.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(_) => errors.record("bad spin result or body"),
                        Err(e) => errors.record(e),
                    }
                })),
                IoMode::Async => job_async(async move {
                    let spun = spin_work(iters);
                    match http_get_async(addr, &path).await {
                        Ok(b) if spun == want && is_pattern(&b, BODY) => {
                            good.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(_) => errors.record("bad spin result or body"),
                        Err(e) => errors.record(e),
                    }
                }),
            }
        })?;
        clock.stop();
        errors.check()?;
        let witness = check("good jobs", self.n, good.load(Ordering::Relaxed))?;
        let service = Duration::from_micros(env.fixtures.service_us);
        let bound = littles_bound(self.n, effective_concurrency(c, env, self.n), service);
        Ok(Output {
            jobs: self.n,
            witness,
            bound_ns: Some(bound),
            ..Output::default()
        })
    }
}
