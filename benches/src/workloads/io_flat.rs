//! I/O flat: independent waits. Thread pools block a worker per wait; async contenders
//! await, with at most `c` futures in flight.
//!
//! **Hypothesis.** For I/O the bound on workers is a bound on concurrency: the makespan
//! follows Little's law, `ceil(N / c) * D`, for thread pools and async alike, until
//! per-operation overhead shows. Thread pools need `c` threads for `c` waits in flight;
//! the async runtime reaches the same makespan on two threads with far less memory, and
//! one thread per task reaches `D` at the price of `N` threads.
//!
//! **Check.** `sleep` counts completions; `tcp-rr` checks every response body (length and
//! the server's `a..z` pattern); `files` checks the sum of every byte of every file
//! against a sequential read.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use pool_testkit::fixtures::http_get;

use super::{check, short, Env, Family, InFlight, Output, Scale, Workload, WorkloadError};
use crate::contender::{Contender, ContenderError, IoMode, Task, TaskFuture, Work};
use crate::fixtures::http_get_async;
use crate::measure::Clock;

/// One I/O job, in the form its contender runs it.
pub(super) enum IoJob {
    /// A closure that blocks its thread.
    Blocking(Task),
    /// A future for an async contender.
    Async(TaskFuture),
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

/// Submits `n` jobs made by `make` (capping async contenders at `env.concurrency` in
/// flight) and waits for them.
pub(super) fn run_io_jobs(
    c: &dyn Contender,
    env: &Env,
    n: u64,
    make: impl Fn(u64, IoMode) -> IoJob,
) -> Result<(), WorkloadError> {
    let mode = c.io_mode();
    let limiter = (mode == IoMode::Async).then(|| InFlight::new(env.concurrency));
    for i in 0..n {
        let permit = limiter.as_ref().map(InFlight::acquire);
        match make(i, mode) {
            IoJob::Blocking(task) => {
                c.submit(
                    Box::new(move || {
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

/// Wraps a future as an [`IoJob::Async`].
pub(super) fn job_async(f: impl Future<Output = ()> + Send + 'static) -> IoJob {
    IoJob::Async(Box::pin(f))
}

/// The three I/O-flat workloads at `scale`.
pub fn all(scale: Scale) -> Vec<Box<dyn Workload>> {
    vec![
        Box::new(Sleep {
            n: scale.pick(64, 256, 2048),
            d: Duration::from_millis(scale.pick(1, 2, 5)),
        }),
        Box::new(TcpRr {
            n: scale.pick(64, 256, 2048),
            body: 256,
        }),
        Box::new(Files {
            expected: OnceLock::new(),
        }),
    ]
}

/// `n` timer waits of `d`.
#[derive(Debug)]
pub struct Sleep {
    n: u64,
    d: Duration,
}

impl Workload for Sleep {
    fn name(&self) -> &'static str {
        "sleep"
    }
    fn family(&self) -> Family {
        Family::IoFlat
    }
    fn hypothesis(&self) -> &'static str {
        "makespan follows Little's law ceil(N/c)*D for every bounded contender; async gets there on few threads"
    }
    fn params(&self, _env: &Env) -> String {
        format!("{} waits x {}", self.n, short(self.d))
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let done = Arc::new(AtomicU64::new(0));
        let d = self.d;
        clock.start();
        run_io_jobs(c, env, self.n, |_, mode| {
            let done = Arc::clone(&done);
            match mode {
                IoMode::Blocking => IoJob::Blocking(Box::new(move || {
                    std::thread::sleep(d);
                    done.fetch_add(1, Ordering::Relaxed);
                })),
                IoMode::Async => job_async(async move {
                    tokio::time::sleep(d).await;
                    done.fetch_add(1, Ordering::Relaxed);
                }),
            }
        })?;
        clock.stop();
        let witness = check("waits", self.n, done.load(Ordering::Relaxed))?;
        let bound = littles_bound(self.n, effective_concurrency(c, env, self.n), d);
        Ok(Output {
            jobs: self.n,
            witness,
            bound_ns: Some(bound),
            ..Output::default()
        })
    }
}

/// `n` request/response exchanges with the loopback server (`/bytes/<body>`).
#[derive(Debug)]
pub struct TcpRr {
    n: u64,
    body: usize,
}

/// Whether `body` is the server's `/bytes/<len>` answer: `len` bytes of repeating `a..z`.
pub(super) fn is_pattern(body: &[u8], len: usize) -> bool {
    body.len() == len
        && body
            .iter()
            .enumerate()
            .all(|(i, &b)| b == b'a' + (i % 26) as u8)
}

impl Workload for TcpRr {
    fn name(&self) -> &'static str {
        "tcp-rr"
    }
    fn family(&self) -> Family {
        Family::IoFlat
    }
    fn hypothesis(&self) -> &'static str {
        "request/response to a server with a fixed service time: Little's law again, plus connection cost"
    }
    fn params(&self, env: &Env) -> String {
        format!(
            "{} GETs of {} B, service time {}us, one connection each",
            self.n, self.body, env.fixtures.service_us
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
        let good = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(IoErrors::default());
        let len = self.body;
        let path = format!("/bytes/{len}");
        clock.start();
        run_io_jobs(c, env, self.n, |_, mode| {
            let (good, errors, path) = (Arc::clone(&good), Arc::clone(&errors), path.clone());
            match mode {
                IoMode::Blocking => {
                    IoJob::Blocking(Box::new(move || match http_get(addr, &path) {
                        Ok(r) if is_pattern(&r.body, len) => {
                            good.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) => errors.record(format!("bad body of {} bytes", r.body.len())),
                        Err(e) => errors.record(e),
                    }))
                }
                IoMode::Async => job_async(async move {
                    match http_get_async(addr, &path).await {
                        Ok(b) if is_pattern(&b, len) => {
                            good.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(b) => errors.record(format!("bad body of {} bytes", b.len())),
                        Err(e) => errors.record(e),
                    }
                }),
            }
        })?;
        clock.stop();
        errors.check()?;
        let witness = check("good responses", self.n, good.load(Ordering::Relaxed))?;
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

/// Reads each generated file once and sums its bytes.
#[derive(Debug)]
pub struct Files {
    expected: OnceLock<Result<u64, String>>,
}

fn byte_sum(bytes: &[u8]) -> u64 {
    bytes.iter().map(|&b| u64::from(b)).sum()
}

impl Workload for Files {
    fn name(&self) -> &'static str {
        "files"
    }
    fn family(&self) -> Family {
        Family::IoFlat
    }
    fn hypothesis(&self) -> &'static str {
        "page-cache-hot file reads are short syscalls: little to gain beyond the cores, per-job overhead decides"
    }
    fn params(&self, env: &Env) -> String {
        let (count, size) = env.fixtures.files;
        format!(
            "{count} files x {} KiB, each read once (async: tokio spawn_blocking)",
            size / 1024
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let dir = env
            .fixtures
            .files_dir
            .clone()
            .ok_or_else(|| WorkloadError::Setup("no files".into()))?;
        let count = env.fixtures.files.0;
        let expected = self
            .expected
            .get_or_init(|| {
                (0..count).try_fold(0_u64, |acc, i| {
                    std::fs::read(dir.join(format!("f{i}.bin")))
                        .map(|b| acc + byte_sum(&b))
                        .map_err(|e| e.to_string())
                })
            })
            .clone()
            .map_err(WorkloadError::Setup)?;
        let sum = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(IoErrors::default());
        clock.start();
        run_io_jobs(c, env, u64::from(count), |i, _| {
            let (sum, errors) = (Arc::clone(&sum), Arc::clone(&errors));
            let path = dir.join(format!("f{i}.bin"));
            IoJob::Blocking(Box::new(move || match std::fs::read(&path) {
                Ok(b) => {
                    sum.fetch_add(byte_sum(&b), Ordering::Relaxed);
                }
                Err(e) => errors.record(e),
            }))
        })?;
        clock.stop();
        errors.check()?;
        let witness = check("byte sum", expected, sum.load(Ordering::Relaxed))?;
        Ok(Output {
            jobs: u64::from(count),
            witness,
            ..Output::default()
        })
    }
}
