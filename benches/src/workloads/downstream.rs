//! Downstream capacity: `N` GETs to a loopback service that serves at most `K` requests
//! at once (`K` handler threads, 1 ms service time each). Beyond `K` it queues them
//! (`downstream-queue`) or answers 503 at once (`downstream-refuse`). Bounded contenders
//! run the concurrency sweep, which always holds `K/2`, `K` and `2K`
//! ([`DOWNSTREAM_SWEEP`]); unbounded ones (a thread or a tokio task per request) send all
//! `N` at once. Its own family, because what it measures is the service's side:
//! refusals, the service's queue, and the latency each request sees.
//!
//! **Hypothesis.** Cheap tasks do not make the service faster: its capacity is `K`, so
//! unbounded tasks finish no sooner than a pool bounded at `c = K`; they only move the
//! waiting from the client's pool into the service, whose queue grows to `N - K` (queue
//! mode), or they get refused (refuse mode). A pool with `c <= K` never makes the service
//! queue or refuse.
//!
//! **Latency.** Every request of the batch is due when the repetition starts (the submit
//! intent of a closed batch), so a request's latency is its response time minus the
//! start: the time its caller waited, wherever it waited (in the pool's queue or in the
//! service's). Only served (200) requests count; a 503 is fast and would hide the wait.
//!
//! **Check.** Every 200 carries the `a..z` body; queue mode: all `N` are served; refuse
//! mode: served + refused = `N`, and the service counted the same refusals.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pool_testkit::fixtures::{http_get, Overload, OverloadStats};

use super::io::{
    effective_concurrency, is_pattern, job_async, littles_bound, run_io_jobs, IoErrors, IoJob,
};
use super::{check, Env, Extra, Family, Output, Scale, Workload, WorkloadError};
use crate::contender::{Contender, IoMode};
use crate::estimate::{io_lanes, job_cost, times, waves, CONNECTION};
use crate::external::ExternalJob;
use crate::fixtures::{http_request_async, DOWNSTREAM_CAPACITY};
use crate::measure::Clock;
use crate::record::Cell;

/// Concurrency levels every run measures the downstream workloads at, whatever its sweep:
/// below, at and above the capacity `K`.
pub const DOWNSTREAM_SWEEP: [usize; 3] = [
    DOWNSTREAM_CAPACITY / 2,
    DOWNSTREAM_CAPACITY,
    2 * DOWNSTREAM_CAPACITY,
];

/// Response body length.
const LEN: usize = 64;

/// The two downstream workloads at `scale`.
pub fn all(scale: Scale) -> Vec<Box<dyn Workload>> {
    [Overload::Queue, Overload::Refuse]
        .into_iter()
        .map(|mode| -> Box<dyn Workload> {
            Box::new(Downstream {
                mode,
                n: scale.pick(64, 512, 1000),
            })
        })
        .collect()
}

/// `n` requests to the capacity-`K` service in `mode`.
#[derive(Debug)]
pub struct Downstream {
    mode: Overload,
    n: u64,
}

/// The outcomes of one repetition's requests, counted from inside the jobs.
#[derive(Debug)]
struct Tally {
    good: AtomicU64,
    refused: AtomicU64,
    errors: IoErrors,
    /// Per request, its latency in ns once served (0: not served).
    latencies: Vec<AtomicU64>,
}

impl Tally {
    fn new(n: u64) -> Tally {
        Tally {
            good: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            errors: IoErrors::default(),
            latencies: (0..n).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Counts request `i`'s reply, `waited` after the batch started.
    fn record<E: std::fmt::Display>(
        &self,
        i: u64,
        got: Result<(u16, Vec<u8>), E>,
        waited: Duration,
        mode: Overload,
    ) {
        match got {
            Ok((200, body)) if is_pattern(&body, LEN) => {
                self.good.fetch_add(1, Ordering::Relaxed);
                if let Some(slot) = self.latencies.get(i as usize) {
                    slot.store((waited.as_nanos() as u64).max(1), Ordering::Relaxed);
                }
            }
            Ok((503, _)) if mode == Overload::Refuse => {
                self.refused.fetch_add(1, Ordering::Relaxed);
            }
            Ok((status, body)) => self
                .errors
                .record(format!("status {status} with {} bytes", body.len())),
            Err(e) => self.errors.record(e),
        }
    }

    fn served_latencies(&self) -> Vec<u64> {
        self.latencies
            .iter()
            .map(|l| l.load(Ordering::Relaxed))
            .filter(|&ns| ns > 0)
            .collect()
    }
}

impl Downstream {
    fn addr(&self, env: &Env) -> Result<SocketAddr, WorkloadError> {
        match self.mode {
            Overload::Queue => env.fixtures.downstream_queue,
            Overload::Refuse => env.fixtures.downstream_refuse,
        }
        .ok_or_else(|| WorkloadError::Setup("no downstream server".into()))
    }

    /// The service's capacity `K` (the constant when the spec predates it).
    fn capacity(env: &Env) -> usize {
        match env.fixtures.downstream_capacity {
            0 => DOWNSTREAM_CAPACITY,
            k => k,
        }
    }
}

fn setup(e: impl std::fmt::Display) -> WorkloadError {
    WorkloadError::Setup(format!("downstream /stats: {e}"))
}

impl Workload for Downstream {
    fn name(&self) -> &'static str {
        match self.mode {
            Overload::Queue => "downstream-queue",
            Overload::Refuse => "downstream-refuse",
        }
    }
    fn family(&self) -> Family {
        Family::Downstream
    }
    fn hypothesis(&self) -> &'static str {
        match self.mode {
            Overload::Queue => "a service that serves K at once sets the pace: unbounded tasks finish no sooner than a pool at c = K and only move the waiting into the service, whose queue stays empty for c <= K and holds >= K requests under unbounded tasks",
            Overload::Refuse => "a service that refuses beyond K: a pool bounded at c <= K never gets a 503, unbounded tasks get refusals",
        }
    }
    fn params(&self, env: &Env) -> String {
        let what = match self.mode {
            Overload::Queue => "queues beyond K",
            Overload::Refuse => "answers 503 at once beyond K",
        };
        format!(
            "{} GETs of {LEN} B, one connection each, to a service of capacity K = {} ({what}), service time {}us; latency: response time minus the batch start, served requests only; bound (queue mode): ceil(N/min(c,K))*D",
            self.n,
            Downstream::capacity(env),
            env.fixtures.service_us
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let addr = self.addr(env)?;
        let mode = self.mode;
        OverloadStats::fetch(addr).map_err(setup)?; // resets the service's counters
        let tally = Arc::new(Tally::new(self.n));
        let path = format!("/bytes/{LEN}");
        clock.start();
        let start = Instant::now();
        run_io_jobs(c, env, self.n, |i, io| {
            let (tally, path) = (Arc::clone(&tally), path.clone());
            match io {
                IoMode::Blocking => IoJob::Blocking(Box::new(move || {
                    let got = http_get(addr, &path).map(|r| (r.status, r.body));
                    tally.record(i, got, start.elapsed(), mode);
                })),
                IoMode::Async => job_async(async move {
                    let got = http_request_async(addr, &path).await;
                    tally.record(i, got, start.elapsed(), mode);
                }),
            }
        })?;
        clock.stop();
        let service = OverloadStats::fetch(addr).map_err(setup)?;
        tally.errors.check()?;
        let good = tally.good.load(Ordering::Relaxed);
        let refused = tally.refused.load(Ordering::Relaxed);
        let witness = match mode {
            Overload::Queue => check("good responses", self.n, good)?,
            Overload::Refuse => {
                check("503s the service counted", service.refused, refused)?;
                check("good+refused", self.n, good + refused)?
            }
        };
        let k = Downstream::capacity(env) as u64;
        let conc = effective_concurrency(c, env, self.n).min(k);
        let service_time = Duration::from_micros(env.fixtures.service_us);
        Ok(Output {
            jobs: good,
            witness,
            latencies_ns: tally.served_latencies(),
            bound_ns: (mode == Overload::Queue).then(|| littles_bound(self.n, conc, service_time)),
            extra: Extra {
                refusals: Some(refused),
                downstream_queue_max: Some(service.queue_max),
                ..Extra::default()
            },
            ..Output::default()
        })
    }
    /// The same GETs for the Go contenders; a 503 is a refusal in refuse mode. The Go
    /// program reads the service's `/stats` as the in-process cell does (its 503s and
    /// longest queue), but records no per-request latency.
    fn external(&self, env: &Env) -> Option<Result<ExternalJob, WorkloadError>> {
        Some(self.addr(env).map(|addr| ExternalJob::Get {
            n: self.n,
            addr,
            path: format!("/bytes/{LEN}"),
            len: LEN as u64,
            refusals_ok: self.mode == Overload::Refuse,
            service_stats: true,
        }))
    }
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        let k = Downstream::capacity(env) as u64;
        let service = Duration::from_micros(env.fixtures.service_us);
        waves(self.n, io_lanes(cell, self.n).min(k), service + CONNECTION)
            + times(self.n, job_cost(cell))
    }
}

#[cfg(test)]
mod tests;
