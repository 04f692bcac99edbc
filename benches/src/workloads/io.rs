//! Plumbing shared by the I/O workloads (`io_flat`, `io_recursive`, `mixed`): submitting
//! blocking or async jobs with at most `c` in flight, counting failures inside jobs,
//! request jobs against the loopback server with their checks, and the model bounds.
//!
//! **Model bounds, checked against the c = 1 floor.** Each flat I/O repetition records
//! two lower bounds on its makespan, both with `c` the concurrency the contender really
//! gets (1 for `sequential`, `N` for one thread per task):
//!
//! - `bound_ns`, Little's law on the wait alone: `ceil(N / c) * D`, with `D` the sleep or
//!   the server's service time. It ignores connection setup, the server's and the
//!   client's CPU and timer slack, so it sits far below every contender on `tcp-rr`.
//! - `floor_bound_ns`, the same law on the *measured* floor:
//!   `max(ceil(N / c) * T1, N * compute / min(c, cores))`, with `T1` the fastest of
//!   [`FLOOR_OPS`] operations done alone, sequentially, on the cell's own thread before
//!   the timed region (once per cell), and `compute` the job's CPU part
//!   (`mixed`). It still assumes an operation never gets faster under concurrency and
//!   ignores CPU spent on connections when many are in flight, so it stays a lower bound;
//!   a contender at `c = 1` should sit near it, and the gap at higher `c` is what
//!   concurrency costs.
//!
//! `floor_ns` records `T1` itself.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use pool_testkit::fixtures::http_get;
use pool_testkit::kernels::spin_work;

use super::{check, Env, Extra, InFlight, Output, WorkloadError};
use pool_core::Job;

use crate::contender::{Contender, ContenderError, IoMode, TaskFuture, Work};
use crate::estimate::{cpu_lanes, io_lanes, job_cost, times, waves, CONNECTION};
use crate::external::ExternalJob;
use crate::fixtures::http_get_async;
use crate::measure::Clock;
use crate::record::Cell;

/// One I/O job, in the form its contender runs it.
pub(super) enum IoJob {
    /// A closure that blocks its thread.
    Blocking(Box<dyn FnOnce() + Send + 'static>),
    /// A future for an async contender.
    Async(TaskFuture),
}

/// Wraps a future as an [`IoJob::Async`].
pub(super) fn job_async(f: impl Future<Output = ()> + Send + 'static) -> IoJob {
    IoJob::Async(Box::pin(f))
}

/// The cap on in-flight futures `c` gets: `env.concurrency` for a bounded async
/// contender, none for an unbounded one (no worker bound: a task per job, all in flight,
/// like `tokio-unbounded`) or a blocking one (its threads are its bound). The one place
/// every I/O workload asks.
pub(super) fn limiter(c: &dyn Contender, env: &Env) -> Option<Arc<InFlight>> {
    (c.io_mode() == IoMode::Async && c.workers().is_some()).then(|| InFlight::new(env.concurrency))
}

/// Submits `n` jobs made by `make` (capping bounded async contenders at
/// `env.concurrency` in flight, see [`limiter`]) and waits for them.
pub(super) fn run_io_jobs(
    c: &dyn Contender,
    env: &Env,
    n: u64,
    make: impl Fn(u64, IoMode) -> IoJob,
) -> Result<(), WorkloadError> {
    let mode = c.io_mode();
    let limiter = limiter(c, env);
    for i in 0..n {
        let permit = limiter.as_ref().map(InFlight::acquire);
        match make(i, mode) {
            IoJob::Blocking(task) => {
                c.submit(
                    Job::new(move || {
                        task();
                        drop(permit);
                    }),
                    Work::Blocking,
                )?;
            }
            IoJob::Async(fut) => c.submit_async(Box::pin(async move {
                fut.await;
                drop(permit);
            }))?,
        }
    }
    c.wait()?;
    Ok(())
}

/// Counts I/O failures inside jobs and keeps the first message.
#[derive(Debug, Default)]
pub(super) struct IoErrors {
    count: AtomicU64,
    first: Mutex<Option<String>>,
}

impl IoErrors {
    pub(super) fn record(&self, e: impl std::fmt::Display) {
        if self.count.fetch_add(1, Ordering::Relaxed) == 0 {
            *self.first.lock().unwrap_or_else(PoisonError::into_inner) = Some(e.to_string());
        }
    }

    pub(super) fn check(&self) -> Result<(), WorkloadError> {
        match self.count.load(Ordering::Relaxed) {
            0 => Ok(()),
            n => {
                let first = self
                    .first
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                Err(ContenderError::Failed(format!(
                    "{n} I/O error(s), first: {}",
                    first.unwrap_or_default()
                ))
                .into())
            }
        }
    }
}

/// Whether `body` is the server's `/bytes/<len>` answer: `len` bytes of repeating `a..z`.
pub(super) fn is_pattern(body: &[u8], len: usize) -> bool {
    body.len() == len
        && body
            .iter()
            .enumerate()
            .all(|(i, &b)| b == b'a' + (i % 26) as u8)
}

/// The loopback HTTP server's address.
///
/// # Errors
/// [`WorkloadError::Setup`] when the run started no server.
pub(super) fn http_addr(env: &Env) -> Result<SocketAddr, WorkloadError> {
    env.fixtures
        .http
        .ok_or_else(|| WorkloadError::Setup("no http server".into()))
}

/// A generated fixture's folder.
///
/// # Errors
/// [`WorkloadError::Setup`] when the run generated none.
pub(super) fn fixture_dir(dir: Option<&Path>, what: &str) -> Result<PathBuf, WorkloadError> {
    dir.map(Path::to_path_buf)
        .ok_or_else(|| WorkloadError::Setup(format!("no {what}")))
}

/// `n` jobs that each spin for `compute`, then GET `/bytes/<len>` from the loopback
/// server (one connection each) and check the body: `tcp-rr` without compute, `mixed`
/// with it.
#[derive(Debug)]
pub(super) struct Requests {
    /// Jobs.
    pub(super) n: u64,
    /// Response body length.
    pub(super) len: usize,
    /// Compute before each request.
    pub(super) compute: Duration,
    /// One job's time done alone (the c = 1 floor), measured once per cell.
    pub(super) floor: OnceLock<Result<Duration, String>>,
}

impl Requests {
    /// Runs the jobs on `c` between `clock`'s start and stop; the witness counts good
    /// jobs as `what`.
    ///
    /// # Errors
    /// No server, a contender error, an I/O error inside a job, or a wrong answer.
    pub(super) fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
        what: &str,
    ) -> Result<Output, WorkloadError> {
        let addr = http_addr(env)?;
        let iters = env.spin.iterations_for(self.compute);
        let want = spin_work(iters);
        let responses = Arc::new(Responses::new(self.len));
        let path = responses.path();
        let floor = cached_floor(&self.floor, || {
            let spun = spin_work(iters);
            let body = http_get(addr, &path).map_err(|e| e.to_string())?.body;
            if spun == want && is_pattern(&body, self.len) {
                Ok(())
            } else {
                Err(format!("floor: bad response ({} bytes)", body.len()))
            }
        })?;
        clock.start();
        run_io_jobs(c, env, self.n, |_, mode| {
            let (responses, path) = (Arc::clone(&responses), path.clone());
            match mode {
                IoMode::Blocking => IoJob::Blocking(Box::new(move || {
                    let spun = spin_work(iters);
                    responses.record(http_get(addr, &path).map(|r| r.body), spun == want);
                })),
                IoMode::Async => job_async(async move {
                    let spun = spin_work(iters);
                    responses.record(http_get_async(addr, &path).await, spun == want);
                }),
            }
        })?;
        clock.stop();
        let witness = responses.witness(what, self.n)?;
        let service = Duration::from_micros(env.fixtures.service_us);
        let model = Model {
            wait: service,
            floor,
            compute: self.compute,
        };
        Ok(flat_output(c, env, self.n, &model, witness))
    }

    /// The jobs as data for an external contender: plain GETs (no compute).
    ///
    /// # Errors
    /// No server.
    pub(super) fn external(&self, env: &Env) -> Result<ExternalJob, WorkloadError> {
        Ok(ExternalJob::Get {
            n: self.n,
            addr: http_addr(env)?,
            path: Responses::new(self.len).path(),
            len: self.len as u64,
            refusals_ok: false,
            service_stats: false,
        })
    }

    /// Waves of compute, service time and a connection, or the compute and connections
    /// on the CPU lanes, whichever is longer.
    pub(super) fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        let service = Duration::from_micros(env.fixtures.service_us);
        let cpu = self.compute + CONNECTION;
        waves(self.n, io_lanes(cell, self.n), service + cpu)
            .max(times(self.n, cpu) / cpu_lanes(cell, env.cores))
            + times(self.n, job_cost(cell))
    }
}

/// Good `/bytes/<len>` responses and failed requests, counted from inside jobs.
#[derive(Debug)]
struct Responses {
    len: usize,
    good: AtomicU64,
    errors: IoErrors,
}

impl Responses {
    /// Counts answers to `/bytes/<len>`.
    fn new(len: usize) -> Responses {
        Responses {
            len,
            good: AtomicU64::new(0),
            errors: IoErrors::default(),
        }
    }

    /// The path every request asks for.
    fn path(&self) -> String {
        format!("/bytes/{}", self.len)
    }

    /// Counts one request's outcome: good when it got the expected body and `also` holds
    /// (the job's other check).
    fn record<B: AsRef<[u8]>, E: std::fmt::Display>(&self, got: Result<B, E>, also: bool) {
        match got {
            Ok(b) if also && is_pattern(b.as_ref(), self.len) => {
                self.good.fetch_add(1, Ordering::Relaxed);
            }
            Ok(b) => self.errors.record(format!(
                "bad response ({} bytes, other check {})",
                b.as_ref().len(),
                if also { "passed" } else { "failed" }
            )),
            Err(e) => self.errors.record(e),
        }
    }

    /// The witness once every job has ended: no I/O error and `n` good responses.
    ///
    /// # Errors
    /// The first I/O error, or a wrong answer when responses are missing.
    fn witness(&self, what: &str, n: u64) -> Result<String, WorkloadError> {
        self.errors.check()?;
        check(what, n, self.good.load(Ordering::Relaxed))
    }
}

/// The concurrency a contender actually gets: `c`, one for `sequential`, `N` for one
/// thread per task.
pub(super) fn effective_concurrency(c: &dyn Contender, env: &Env, n: u64) -> u64 {
    if !c.queues() {
        1
    } else if c.workers().is_none() {
        n
    } else {
        env.concurrency as u64
    }
}

/// Little's-law lower bound on the makespan of `n` waits of `d` with `conc` in flight.
pub(super) fn littles_bound(n: u64, conc: u64, d: Duration) -> u64 {
    n.div_ceil(conc.max(1)) * d.as_nanos() as u64
}

/// Operations timed one at a time for the c = 1 floor: enough for a stable median.
pub(super) const FLOOR_OPS: usize = 16;

/// The median time of `op` done alone [`FLOOR_OPS`] times on this thread.
///
/// # Errors
/// The first error of `op`.
pub(super) fn measure_floor(
    mut op: impl FnMut() -> Result<(), String>,
) -> Result<Duration, String> {
    let mut fastest = Duration::MAX;
    for _ in 0..FLOOR_OPS {
        let t = Instant::now();
        op()?;
        fastest = fastest.min(t.elapsed());
    }
    Ok(fastest)
}

/// The floor in `cache`, measured with `op` on first use (once per cell process).
///
/// # Errors
/// [`WorkloadError::Setup`] when an operation failed.
pub(super) fn cached_floor(
    cache: &OnceLock<Result<Duration, String>>,
    op: impl FnMut() -> Result<(), String>,
) -> Result<Duration, WorkloadError> {
    cache
        .get_or_init(|| measure_floor(op))
        .clone()
        .map_err(WorkloadError::Setup)
}

/// What the bounds of a flat I/O workload are built from (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(super) struct Model {
    /// The wait alone (`D`).
    pub(super) wait: Duration,
    /// One operation measured alone (`T1`).
    pub(super) floor: Duration,
    /// The CPU part of each job.
    pub(super) compute: Duration,
}

impl Model {
    /// `max(ceil(n / conc) * T1, n * compute / min(conc, cores))`, ns.
    pub(super) fn floor_bound(&self, n: u64, conc: u64, cores: usize) -> u64 {
        let lanes = conc.min(cores as u64).max(1);
        let cpu = (n as u128 * self.compute.as_nanos() / u128::from(lanes)) as u64;
        littles_bound(n, conc, self.floor).max(cpu)
    }
}

/// The output of `n` flat jobs on `c`, with both bounds of `model`.
pub(super) fn flat_output(
    c: &dyn Contender,
    env: &Env,
    n: u64,
    model: &Model,
    witness: String,
) -> Output {
    let conc = effective_concurrency(c, env, n);
    Output {
        jobs: n,
        witness,
        bound_ns: Some(littles_bound(n, conc, model.wait)),
        extra: Extra {
            floor_ns: Some(model.floor.as_nanos() as u64),
            floor_bound_ns: Some(model.floor_bound(n, conc, env.cores)),
            ..Extra::default()
        },
        ..Output::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_waves_of_waits() {
        assert_eq!(littles_bound(10, 4, Duration::from_nanos(5)), 15);
        assert_eq!(littles_bound(10, 0, Duration::from_nanos(5)), 50);
    }

    #[test]
    fn the_floor_bound_takes_waves_of_the_floor_or_the_compute_on_the_cores() {
        let m = Model {
            wait: Duration::from_nanos(5),
            floor: Duration::from_nanos(8),
            compute: Duration::from_nanos(3),
        };
        // Few in flight: waves of the measured floor.
        assert_eq!(m.floor_bound(10, 2, 2), 40);
        // Many in flight: the compute on two cores dominates (1000 * 3 / 2).
        assert_eq!(m.floor_bound(1000, 1000, 2), 1500);
    }

    #[test]
    fn the_floor_is_the_fastest_run_and_errors_pass_through() {
        let mut k = 0;
        let d = measure_floor(|| {
            k += 1;
            std::thread::sleep(Duration::from_micros(if k == 3 { 10 } else { 20_000 }));
            Ok(())
        })
        .expect("floor");
        assert_eq!(k, FLOOR_OPS);
        assert!(d < Duration::from_millis(10), "{d:?}");
        assert_eq!(measure_floor(|| Err("down".into())), Err("down".into()));
    }

    /// The most futures `c` had in flight at once over 8 jobs of 100 ms, capped at 1.
    fn peak_in_flight(c: &dyn Contender) -> u64 {
        let env = Env {
            cores: 2,
            concurrency: 1,
            spin: pool_testkit::kernels::SpinCalibration::from_nanos_per_iteration(1.0),
            fixtures: crate::fixtures::FixtureSpec::default(),
        };
        let now = Arc::new(AtomicU64::new(0));
        let peak = Arc::new(AtomicU64::new(0));
        run_io_jobs(c, &env, 8, |_, _| {
            let (now, peak) = (Arc::clone(&now), Arc::clone(&peak));
            job_async(async move {
                peak.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                now.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .expect("jobs run");
        peak.load(Ordering::SeqCst)
    }

    #[test]
    fn a_bounded_async_contender_is_capped_at_c_and_an_unbounded_one_is_not() {
        use crate::contenders::{TokioRuntime, TokioUnbounded};
        assert_eq!(peak_in_flight(&TokioRuntime::new(2).expect("tokio")), 1);
        let unbounded = TokioUnbounded::new(2).expect("tokio-unbounded");
        assert_eq!(peak_in_flight(&unbounded), 8, "all jobs at once");
    }

    #[test]
    fn responses_count_only_good_bodies_and_report_the_first_error() {
        let r = Responses::new(30);
        assert_eq!(r.path(), "/bytes/30");
        let good: Vec<u8> = (0..30).map(|i| b'a' + (i % 26) as u8).collect();
        r.record(Ok::<_, String>(good.clone()), true);
        assert_eq!(r.witness("good", 1).expect("one good"), "good=1");
        r.record(Ok::<_, String>(good), false);
        r.record(Err::<Vec<u8>, _>("refused"), true);
        let err = r.witness("good", 1).expect_err("errors");
        assert!(err.to_string().contains("2 I/O error(s)"), "{err}");
    }
}
