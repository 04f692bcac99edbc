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

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::io::{
    cached_floor, fixture_dir, flat_output, job_async, run_io_jobs, IoErrors, IoJob, Model,
    Requests,
};
use super::{check, short, Env, Family, Output, Scale, Workload, WorkloadError};
use crate::contender::{Contender, IoMode};
use crate::estimate::{io_lanes, job_cost, times, waves, SLEEP_SLACK};
use crate::external::ExternalJob;
use crate::measure::Clock;
use crate::record::Cell;

/// The three I/O-flat workloads at `scale`.
pub fn all(scale: Scale) -> Vec<Box<dyn Workload>> {
    vec![
        Box::new(Sleep {
            n: scale.pick(64, 256, 1024),
            d: Duration::from_millis(scale.pick(1, 2, 2)),
            floor: OnceLock::new(),
        }),
        Box::new(TcpRr(Requests {
            n: scale.pick(64, 256, 1024),
            len: 256,
            compute: Duration::ZERO,
            floor: OnceLock::new(),
        })),
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
    /// One blocking sleep of `d` measured alone (the c = 1 floor), once per cell.
    floor: OnceLock<Result<Duration, String>>,
}

impl Workload for Sleep {
    fn name(&self) -> &'static str {
        "sleep"
    }
    fn family(&self) -> Family {
        Family::IoFlat
    }
    fn hypothesis(&self) -> &'static str {
        "makespan follows Little's law ceil(N/c)*D: concurrency beyond the cores cuts it by >= 2x; async gets there on few threads"
    }
    fn params(&self, _env: &Env) -> String {
        format!(
            "{} waits x {}; bounds: ceil(N/c)*D (Little, the wait alone) and ceil(N/c)*T1 (T1: one blocking sleep measured alone)",
            self.n,
            short(self.d)
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let done = Arc::new(AtomicU64::new(0));
        let d = self.d;
        let floor = cached_floor(&self.floor, || {
            std::thread::sleep(d);
            Ok(())
        })?;
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
        let model = Model {
            wait: d,
            floor,
            compute: Duration::ZERO,
        };
        Ok(flat_output(c, env, self.n, &model, witness))
    }
    fn rep_estimate(&self, _env: &Env, cell: &Cell) -> Duration {
        waves(self.n, io_lanes(cell, self.n), self.d + SLEEP_SLACK) + times(self.n, job_cost(cell))
    }
    fn external(&self, _env: &Env) -> Option<Result<ExternalJob, WorkloadError>> {
        Some(Ok(ExternalJob::Sleep {
            n: self.n,
            wait_ns: self.d.as_nanos() as u64,
        }))
    }
}

/// `n` request/response exchanges with the loopback server (`/bytes/<body>`).
#[derive(Debug)]
pub struct TcpRr(Requests);

impl Workload for TcpRr {
    fn name(&self) -> &'static str {
        "tcp-rr"
    }
    fn family(&self) -> Family {
        Family::IoFlat
    }
    fn hypothesis(&self) -> &'static str {
        "request/response to a server with a fixed service time: Little's law again, so concurrency beyond the cores cuts the makespan by >= 2x"
    }
    fn params(&self, env: &Env) -> String {
        format!(
            "{} GETs of {} B, service time {}us, one connection each; bounds: ceil(N/c)*D (Little, service time alone) and ceil(N/c)*T1 (T1: one GET measured alone)",
            self.0.n, self.0.len, env.fixtures.service_us
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        self.0.run(c, env, clock, "good responses")
    }
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        self.0.rep_estimate(env, cell)
    }
    fn external(&self, env: &Env) -> Option<Result<ExternalJob, WorkloadError>> {
        Some(self.0.external(env))
    }
}

/// Reading one 16 KiB file from the page cache, open to close (errs long).
const FILE_READ: Duration = Duration::from_micros(30);

/// Reads each generated file once and sums its bytes.
#[derive(Debug)]
pub struct Files {
    expected: OnceLock<Result<u64, String>>,
}

fn byte_sum(bytes: &[u8]) -> u64 {
    bytes.iter().map(|&b| u64::from(b)).sum()
}

impl Files {
    /// The files' folder, their count, and the sum of their bytes read sequentially
    /// (once per process).
    fn expected_sum(&self, env: &Env) -> Result<(PathBuf, u32, u64), WorkloadError> {
        let dir = fixture_dir(env.fixtures.files_dir.as_deref(), "files")?;
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
        Ok((dir, count, expected))
    }
}

impl Workload for Files {
    fn name(&self) -> &'static str {
        "files"
    }
    fn family(&self) -> Family {
        Family::IoFlat
    }
    fn hypothesis(&self) -> &'static str {
        "page-cache-hot file reads are short syscalls: concurrency beyond the cores gains < 1.25x"
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
        let (dir, count, expected) = self.expected_sum(env)?;
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
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        let count = u64::from(env.fixtures.files.0);
        let lanes = io_lanes(cell, count).min(env.cores as u64).max(1) as u32;
        times(count, FILE_READ) / lanes + times(count, job_cost(cell))
    }
    fn external(&self, env: &Env) -> Option<Result<ExternalJob, WorkloadError>> {
        Some(
            self.expected_sum(env)
                .map(|(dir, count, expected_sum)| ExternalJob::Files {
                    dir,
                    count,
                    expected_sum,
                }),
        )
    }
}
