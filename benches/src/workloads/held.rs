//! Resources held while waiting: `N` I/O tasks all pending at once, and what each model
//! of concurrency holds for them (issue 13, item 2).
//!
//! Every task waits until one common deadline, `D` after the first submission, so with
//! `D` longer than the submission every task that can be pending is pending at the same
//! time; a pool bounded at `c` has `c` of them waiting and the rest queued, and once the
//! deadline has passed the queued ones finish at once. A sampler thread reads
//! `/proc/self/status`, `/proc/self/fd` and the net heap bytes every few milliseconds, and
//! the peaks less the baseline, divided by the most tasks pending at once (handed to the
//! contender and not finished: queued or waiting), give heap, resident and
//! mapped bytes and threads per pending task; the absolute peak of threads and open fds is
//! recorded beside them. As in `queue-memory`, the ranked figure is the larger of heap
//! and resident bytes: resident counts touched thread stacks, heap sees memory the
//! allocator kept from an earlier repetition and hands out again without growing.
//!
//! - `held-sleep`: each task is a timer wait (no fd).
//! - `held-conn`: each task connects to the loopback server, holds the connection until
//!   the deadline, then sends its request and checks the answer: one fd per pending task.
//!   The cell lowers its own fd soft limit ([`FdLimit`]) below `N`, so a model without a
//!   bound runs into `EMFILE`; those tasks are counted as `fd_errors` and not retried,
//!   and a bound below the limit gets none.
//!
//! The Go contenders run the same tasks from [`ExternalJob::HeldSleep`] and
//! [`ExternalJob::HeldConn`] (`benches/go/held.go`): `go-per-task` starts a goroutine
//! per task, `go-pool` has `c` goroutines take them from the post's unbuffered channel (so
//! at most `c` are pending: the producer holds the rest back instead of a queue). The Go
//! program lowers its own fd limit, samples its own process the same way and fills the
//! same fields; its heap is the Go runtime's heap objects plus goroutine stacks, which
//! come from that heap as a future's state comes from Rust's (a Rust thread's stack is
//! mapped outside the allocator and shows only as resident and mapped bytes), read right
//! after a collection the sampler forces when the pending count levels off at a new high,
//! since between collections it also counts garbage.
//!
//! **Hypothesis.** A pending task costs a thread in thread-per-task (tens of KiB resident,
//! one thread each), a queued closure in a pool or a future in an async runtime (hundreds
//! of bytes, no thread) or a goroutine (a few KiB of stack, no thread); and only a
//! bound keeps a model's fds under the limit.
//!
//! **Check.** Nothing is lost: `ok + fd_errors + refused = N`, with `refused` the tasks
//! the contender would not take (thread-per-task when the OS refuses a thread:
//! `ulimit -u`, `vm.max_map_count` or memory; never a goroutine); any other I/O error
//! fails the cell.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pool_core::Job;

use super::fd_limit::FdLimit;
use super::footprint::{await_threads_at_most, Sampler};
use super::io::{http_addr, is_pattern, IoErrors};
use super::{check, short, Env, Extra, Family, InFlight, Output, Scale, Workload, WorkloadError};
use crate::contender::{Contender, ContenderError, IoMode, Work};
use crate::estimate::{io_lanes, job_cost, times, waves, CONNECTION};
use crate::external::ExternalJob;
use crate::fixtures::{http_exchange, http_exchange_async};
use crate::measure::Clock;
use crate::record::Cell;

/// Tasks pending at once at `scale`: the 100,000 at full size.
pub fn pending(scale: Scale) -> u64 {
    scale.pick(500, 10_000, 100_000)
}

/// Connections `held-conn` asks for at `scale`: fewer than [`pending`], because after
/// the deadline a pool bounded at `c` still makes every request in waves of `c`, each
/// taking the server's service time (1 ms) and a connection: 100,000 of them at
/// `c = 16` would take about 8 s a repetition, past the cell timeout over six
/// repetitions. 10,000 still exceeds the fd limit more than twice over.
fn connections(scale: Scale) -> u64 {
    scale.pick(500, 5_000, 10_000)
}

/// The fd soft limit `held-conn` sets at `scale`: below [`pending`], above every bound
/// in [`concurrency`] plus the process's own fds.
pub fn fd_limit(scale: Scale) -> u64 {
    scale.pick(256, 4096, 4096)
}

/// The bounds `c` the bounded contenders run at: a few, all below [`fd_limit`].
pub fn concurrency(scale: Scale) -> Vec<usize> {
    scale.pick(vec![4], vec![16, 1024], vec![16, 1024])
}

/// Both workloads at `scale`.
pub fn all(scale: Scale) -> Vec<Box<dyn Workload>> {
    let hold = Duration::from_millis(scale.pick(300, 1_000, 2_000));
    vec![
        Box::new(Held {
            kind: Kind::Sleep,
            n: pending(scale),
            hold,
        }),
        Box::new(Held {
            kind: Kind::Conn {
                fd_limit: fd_limit(scale),
            },
            n: connections(scale),
            hold,
        }),
    ]
}

/// What each task holds while it waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A timer.
    Sleep,
    /// A connection to the loopback server, under this fd soft limit.
    Conn { fd_limit: u64 },
}

/// `n` tasks each waiting until `hold` after the first submission.
#[derive(Debug)]
pub struct Held {
    kind: Kind,
    n: u64,
    hold: Duration,
}

/// The response body length `held-conn` asks for.
const BODY: usize = 64;

/// How long the threads of one thread per task get to end after a repetition.
const THREADS_GONE: Duration = Duration::from_secs(10);

/// Tasks pending right now (handed to the contender and not finished: queued or
/// waiting) and the most at once. A bounded async contender holds at most `c`: the
/// submitter waits for a free slot before it creates the next task.
#[derive(Debug, Default)]
struct Waiting {
    now: AtomicU64,
    peak: AtomicU64,
}

impl Waiting {
    fn enter(&self) {
        let n = self.now.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(n, Ordering::Relaxed);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How the tasks ended, counted from inside them.
#[derive(Debug, Default)]
struct Tally {
    ok: AtomicU64,
    fd_errors: AtomicU64,
    errors: IoErrors,
    pending: Waiting,
}

impl Tally {
    /// Counts a connect that failed: out of fds (`EMFILE`, or `ENFILE` system-wide) is
    /// the outcome measured, anything else is a failure of the cell.
    fn connect_failed(&self, e: &std::io::Error) {
        if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) {
            self.fd_errors.fetch_add(1, Ordering::Relaxed);
        } else {
            self.errors.record(format!("connect: {e}"));
        }
    }

    fn answered(&self, got: std::io::Result<Vec<u8>>) {
        match got {
            Ok(b) if is_pattern(&b, BODY) => {
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Ok(b) => self
                .errors
                .record(format!("bad response ({} bytes)", b.len())),
            Err(e) => self.errors.record(e),
        }
    }
}

/// What one task needs: where to connect (for `held-conn`), until when to wait, and
/// where to count.
#[derive(Clone, Debug)]
struct Task {
    server: Option<SocketAddr>,
    deadline: Instant,
    tally: Arc<Tally>,
}

impl Task {
    fn path() -> String {
        format!("/bytes/{BODY}")
    }

    fn blocking(self) {
        let Some(addr) = self.server else {
            self.wait_blocking();
            self.tally.ok.fetch_add(1, Ordering::Relaxed);
            return;
        };
        match std::net::TcpStream::connect(addr) {
            Ok(stream) => {
                self.wait_blocking();
                self.tally
                    .answered(http_exchange(stream, addr, &Task::path()));
            }
            Err(e) => self.tally.connect_failed(&e),
        }
    }

    fn wait_blocking(&self) {
        std::thread::sleep(self.deadline.saturating_duration_since(Instant::now()));
    }

    async fn run_async(self) {
        let Some(addr) = self.server else {
            self.wait_async().await;
            self.tally.ok.fetch_add(1, Ordering::Relaxed);
            return;
        };
        match tokio::net::TcpStream::connect(addr).await {
            Ok(stream) => {
                self.wait_async().await;
                self.tally
                    .answered(http_exchange_async(stream, addr, &Task::path()).await);
            }
            Err(e) => self.tally.connect_failed(&e),
        }
    }

    async fn wait_async(&self) {
        tokio::time::sleep_until(self.deadline.into()).await;
    }
}

/// Submits `n` copies of `task` and waits for them; a bounded async contender keeps at
/// most `env.concurrency` in flight. A task the contender refuses is counted, not
/// retried; returns the count and the first reason.
///
/// # Errors
/// A contender error other than a refusal ([`ContenderError::Failed`]).
fn submit_all(
    c: &dyn Contender,
    env: &Env,
    n: u64,
    task: &Task,
) -> Result<(u64, Option<String>), WorkloadError> {
    let mode = c.io_mode();
    let limiter =
        (mode == IoMode::Async && c.workers().is_some()).then(|| InFlight::new(env.concurrency));
    let mut refused = 0;
    let mut first = None;
    for _ in 0..n {
        let permit = limiter.as_ref().map(InFlight::acquire);
        let t = task.clone();
        task.tally.pending.enter();
        let submitted = match mode {
            IoMode::Blocking => c.submit(
                Job::new(move || {
                    let tally = Arc::clone(&t.tally);
                    t.blocking();
                    tally.pending.leave();
                    drop(permit);
                }),
                Work::Blocking,
            ),
            IoMode::Async => c.submit_async(Box::pin(async move {
                let tally = Arc::clone(&t.tally);
                t.run_async().await;
                tally.pending.leave();
                drop(permit);
            })),
        };
        match submitted {
            Ok(()) => {}
            Err(ContenderError::Failed(why)) => {
                task.tally.pending.leave();
                refused += 1;
                first.get_or_insert(why);
            }
            Err(e) => return Err(e.into()),
        }
    }
    c.wait()?;
    Ok((refused, first))
}

impl Workload for Held {
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Sleep => "held-sleep",
            Kind::Conn { .. } => "held-conn",
        }
    }
    fn family(&self) -> Family {
        Family::Held
    }
    fn hypothesis(&self) -> &'static str {
        "a pending task holds >= 10x more memory as a thread (thread-per-task) than in the best pool"
    }
    fn params(&self, _env: &Env) -> String {
        let what = match self.kind {
            Kind::Sleep => "timer waits".to_owned(),
            Kind::Conn { fd_limit } => format!(
                "loopback connections held open, then GET /bytes/{BODY}; fd soft limit {fd_limit} (RLIMIT_NOFILE, set in the cell)"
            ),
        };
        format!(
            "{} {what}, all until one deadline {} after the first submission",
            self.n,
            short(self.hold)
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let setup = |e: std::io::Error| WorkloadError::Setup(e.to_string());
        let (limit, server) = match self.kind {
            Kind::Sleep => (None, None),
            Kind::Conn { fd_limit } => (
                Some(FdLimit::lower_to(fd_limit).map_err(setup)?),
                Some(http_addr(env)?),
            ),
        };
        let sampler = Sampler::start(limit.as_ref().map(FdLimit::soft)).map_err(setup)?;
        let tally = Arc::new(Tally::default());
        clock.start();
        let task = Task {
            server,
            deadline: Instant::now() + self.hold,
            tally: Arc::clone(&tally),
        };
        let refused = submit_all(c, env, self.n, &task);
        clock.stop();
        let peaks = sampler.finish();
        drop(limit);
        if let Some(threads) = peaks.base.threads.filter(|_| c.workers().is_none()) {
            await_threads_at_most(threads, THREADS_GONE);
        }
        let (refused, why) = refused?;
        tally.errors.check()?;
        let ok = tally.ok.load(Ordering::Relaxed);
        let fd_errors = tally.fd_errors.load(Ordering::Relaxed);
        check("ok+fd_errors+refused", self.n, ok + fd_errors + refused)?;
        let mut witness = format!("ok={ok} fd_errors={fd_errors} refused={refused}");
        if let Some(why) = why {
            witness.push_str(&format!(" (first: {why})"));
        }
        let pending = tally.pending.peak.load(Ordering::Relaxed);
        let per = pending.max(1) as f64;
        let growth = |f: fn(&super::footprint::Footprint) -> Option<u64>| {
            f(&peaks.base)
                .zip(f(&peaks.peak))
                .map(|(a, b)| b.saturating_sub(a) as f64 / per)
        };
        let rss = growth(|f| f.rss_kib).map(|k| k * 1024.0);
        let heap = peaks.peak_heap.map(|b| b as f64 / per);
        Ok(Output {
            jobs: self.n,
            witness,
            heap_bytes_per_job: heap,
            rss_bytes_per_job: rss,
            extra: Extra {
                mapped_bytes_per_job: growth(|f| f.vm_kib).map(|k| k * 1024.0),
                threads_per_job: growth(|f| f.threads),
                held_bytes_per_job: match (heap, rss) {
                    (Some(h), Some(r)) => Some(h.max(r)),
                    (h, r) => h.or(r),
                },
                fd_errors: server.map(|_| fd_errors),
                refused: Some(refused),
                peak_fds: peaks.peak_fds,
                peak_threads: peaks.peak.threads,
                peak_pending: Some(pending),
                ..Extra::default()
            },
            ..Output::default()
        })
    }
    /// The same tasks for the Go contenders, which sample their own process as
    /// [`Sampler`] does and lower their own fd limit for `held-conn`.
    fn external(&self, env: &Env) -> Option<Result<ExternalJob, WorkloadError>> {
        let (n, hold_ns) = (self.n, self.hold.as_nanos() as u64);
        Some(match self.kind {
            Kind::Sleep => Ok(ExternalJob::HeldSleep { n, hold_ns }),
            Kind::Conn { fd_limit } => http_addr(env).map(|addr| ExternalJob::HeldConn {
                n,
                hold_ns,
                addr,
                path: Task::path(),
                len: BODY as u64,
                fd_limit,
            }),
        })
    }
    /// The hold, then every task's submission and run, twice over for the threads of
    /// one thread per task to end; for `held-conn` also the requests after the deadline,
    /// in waves of the bound.
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        let run = self.hold + times(self.n, job_cost(cell)) * 2;
        match self.kind {
            Kind::Sleep => run,
            Kind::Conn { .. } => {
                let service = Duration::from_micros(env.fixtures.service_us);
                run + waves(self.n, io_lanes(cell, self.n), service + CONNECTION)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contenders::{Async, Sizing, ThreadPerTask, ThreadpoolCrate};
    use crate::fixtures::Fixtures;
    use pool_testkit::kernels::SpinCalibration;

    /// Set in the child process that runs a test under a lowered fd limit, which would
    /// break the other tests of a shared process.
    const CHILD: &str = "POOL_BENCH_HELD_CHILD";

    /// Runs test `name` of this module alone in a child process; `true` in the child.
    fn in_child(name: &str) -> bool {
        if std::env::var_os(CHILD).is_some() {
            return true;
        }
        let exe = std::env::current_exe().expect("test binary");
        let out = std::process::Command::new(exe)
            .args([
                &format!("workloads::held::tests::{name}"),
                "--exact",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .output()
            .expect("child test");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && text.contains("1 passed"),
            "child: {text}"
        );
        false
    }

    fn env(fixtures: &Fixtures, concurrency: usize) -> Env {
        Env {
            cores: 2,
            concurrency,
            spin: SpinCalibration::from_nanos_per_iteration(1.0),
            fixtures: fixtures.spec().clone(),
        }
    }

    fn conn(n: u64, fd_limit: u64) -> Held {
        Held {
            kind: Kind::Conn { fd_limit },
            n,
            hold: Duration::from_millis(300),
        }
    }

    #[test]
    fn at_a_tiny_fd_limit_unbounded_tasks_count_fd_errors_and_lose_nothing() {
        if !in_child("at_a_tiny_fd_limit_unbounded_tasks_count_fd_errors_and_lose_nothing") {
            return;
        }
        let fixtures = Fixtures::start(Scale::Smoke, 4, 64).expect("fixtures");
        let w = conn(200, 64);
        let out = w
            .run(&ThreadPerTask::new(), &env(&fixtures, 4), &mut Clock::new())
            .expect("run");
        let fd_errors = out.extra.fd_errors.expect("fd errors counted");
        assert!(fd_errors > 100, "at most 64 fds for 200 tasks: {out:?}");
        assert!(
            out.witness.starts_with(&format!("ok={} ", 200 - fd_errors)),
            "{out:?}"
        );
        assert_eq!(out.extra.refused, Some(0));
        assert!(out.extra.peak_fds.is_some_and(|f| f <= 64), "{out:?}");
        assert!(out.extra.peak_pending.is_some_and(|w| w >= 200 - fd_errors));
        // An async runtime without a bound runs into the same limit.
        let unbounded = Async::new(Sizing {
            workers: 2,
            concurrency: 200,
        })
        .expect("async");
        let out = w
            .run(&unbounded, &env(&fixtures, 200), &mut Clock::new())
            .expect("run");
        assert!(out.extra.fd_errors.is_some_and(|e| e > 100), "{out:?}");
    }

    #[test]
    fn a_pool_bounded_below_the_fd_limit_gets_no_fd_errors() {
        if !in_child("a_pool_bounded_below_the_fd_limit_gets_no_fd_errors") {
            return;
        }
        let fixtures = Fixtures::start(Scale::Smoke, 4, 64).expect("fixtures");
        let pool = ThreadpoolCrate::new(8).expect("pool");
        let out = conn(100, 64)
            .run(&pool, &env(&fixtures, 8), &mut Clock::new())
            .expect("run");
        assert_eq!(out.witness, "ok=100 fd_errors=0 refused=0");
        assert_eq!(out.extra.peak_pending, Some(100), "all queued at once");
    }

    #[test]
    fn held_sleep_counts_threads_per_task_for_thread_per_task() {
        let fixtures = Fixtures::start(Scale::Smoke, 4, 0).expect("fixtures");
        let w = Held {
            kind: Kind::Sleep,
            n: 200,
            hold: Duration::from_millis(300),
        };
        let out = w
            .run(&ThreadPerTask::new(), &env(&fixtures, 4), &mut Clock::new())
            .expect("run");
        assert_eq!(out.witness, "ok=200 fd_errors=0 refused=0");
        assert_eq!(out.extra.fd_errors, None);
        assert!(out.extra.peak_pending.is_some_and(|w| w > 150), "{out:?}");
        // Other tests share the process, so only a lower bound: most tasks' threads.
        assert!(
            out.extra.threads_per_job.is_some_and(|t| t > 0.5),
            "{out:?}"
        );
    }

    /// A contender whose every third submission is refused, as thread-per-task's is when
    /// the OS refuses a thread.
    struct Refusing(ThreadpoolCrate, AtomicU64);

    impl Contender for Refusing {
        fn name(&self) -> &'static str {
            "refusing"
        }
        fn workers(&self) -> Option<usize> {
            self.0.workers()
        }
        fn submit(&self, task: pool_core::Job, work: Work) -> Result<(), ContenderError> {
            if self.1.fetch_add(1, Ordering::Relaxed) % 3 == 2 {
                return Err(ContenderError::Failed("thread spawn failed".into()));
            }
            self.0.submit(task, work)
        }
        fn wait(&self) -> Result<(), ContenderError> {
            self.0.wait()
        }
        fn spawn_tree(&self, root: crate::contender::TreeTask) -> Result<(), ContenderError> {
            self.0.spawn_tree(root)
        }
    }

    #[test]
    fn refused_tasks_are_counted_and_not_lost() {
        let fixtures = Fixtures::start(Scale::Smoke, 4, 0).expect("fixtures");
        let c = Refusing(ThreadpoolCrate::new(4).expect("pool"), AtomicU64::new(0));
        let w = Held {
            kind: Kind::Sleep,
            n: 30,
            hold: Duration::from_millis(10),
        };
        let out = w
            .run(&c, &env(&fixtures, 4), &mut Clock::new())
            .expect("run");
        assert_eq!(
            out.witness,
            "ok=20 fd_errors=0 refused=10 (first: thread spawn failed)"
        );
    }
}
