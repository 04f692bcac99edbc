//! The ledger: who submitted what, what became of it, and the closing protocol that makes
//! sure nothing accepted is lost when shutdown races submitters.
//!
//! # Tickets and resolutions
//!
//! Every submission attempt first takes a **ticket**: its thread counts it in its own slot
//! ([`Submitters`]: a load and a store, no read-modify-write), so the sum of the slots is the
//! `submitted` metric. Every ticket is later **resolved** exactly once, by whoever decides its
//! fate:
//!
//! | Fate | Resolved by | Counted in |
//! |---|---|---|
//! | run by a worker (returned or panicked) | that worker, after the job | its [`Shard`] (single writer) |
//! | run on the caller (`CallerRuns`) | the submitter, after the job | `cold` ([`Counters`]) |
//! | handed back (`Full` / `Closed`) | the submitter | `cold` |
//! | discarded (immediate shutdown) | the worker or the draining thread | `cold` |
//!
//! A ticket is taken before its job is sent, and a resolution is published with `Release`
//! after its job was received (the channel's send/receive orders the two) or on the
//! submitting thread itself. So a reader that loads every resolution count (`Acquire`) and
//! *then* the tickets sees `resolved <= tickets`; if they are equal, every ticket it saw was
//! resolved: the tickets behind the counted resolutions are distinct, all visible to the
//! later loads, and as many as those loads returned. That is [`Ledger::is_idle`], and since a
//! `submit` that returned before the read took its ticket before it, `wait_idle` returning
//! means every job submitted before the call is finished.
//!
//! # Closing, step by step
//!
//! 1. A submitter stores its ticket, passes a [`barrier::light`] fence, then loads `closed`.
//!    `shutdown` stores `closed`, then passes a [`barrier::heavy`] fence before it reads any
//!    ticket. This is Dekker's pattern with an asymmetric fence pair (a compiler fence on the
//!    hot side, one `membarrier` system call on the closing side; see `pool_lifecycle::barrier`):
//!    for every attempt, either the submitter sees `closed` (and hands its job back as
//!    `Closed` without touching the channel), or `shutdown` sees its ticket (and waits for its
//!    resolution), or both.
//! 2. (Immediate only) `discarding` is raised, so a worker drops instead of runs whatever it
//!    takes from now on, and the shutting-down thread drains the channel itself.
//! 3. `shutdown` waits until the ledger is idle: every ticket it sees resolved. A submitter
//!    still between its ticket and its `send` (or blocked in a `Block` send on a full queue)
//!    holds an unresolved ticket, so shutdown waits for its job to be sent and then run or
//!    discarded: this closes the window between "pool closed" and "job sent into the
//!    channel". An attempt whose ticket shutdown did not see has seen `closed` (step 1) and
//!    resolves as `Closed` on its own thread, without waiting.
//! 4. The queue now holds no job and no job can enter it, so `shutdown` sends one stop
//!    message per worker, joins them, and returns the report: the very snapshot that showed
//!    the ledger settled (every ticket resolved), so it balances.
//!
//! **The door.** Before its ticket, a submitter loads `closed` once more; if set, it is
//! refused without a ticket and counted in `refused`, which adds to `submitted` and
//! `rejected` in one step. Without it, every attempt after a close would hold an
//! unresolved ticket for an instant, and a stream of them could keep step 3 from ever
//! reading a settled ledger (and a report read at the wrong instant would hold a ticket
//! without its hand-back). With it, only attempts that passed the door before the close
//! can be in flight: at most one per thread.
//!
//! Concurrent shutdowns each close and (immediate) drain, outside the holder
//! (`pool_lifecycle::ShutdownOnce`, since dropping a job runs user destructors); the drain
//! sends again any stop message it takes. Steps 3 and 4 run once, in the holder, and every
//! call returns their report.
//!
//! Hence `accepted == run + discarded` and every rejected job is back with its submitter.
//!
//! # Waking waiters
//!
//! A waiter (`wait_idle`, `shutdown`) registers in `waiters` under `lock`, issues a `SeqCst`
//! fence, then checks [`Ledger::is_idle`] under `lock` before sleeping on `idle`. A resolver
//! publishes its count, issues a `SeqCst` fence, then loads `waiters`; if it sees one, it
//! takes `lock` before notifying. The two fences are ordered one way or the other: either the
//! waiter's check sees the resolution, or the resolver sees the waiter and its notification
//! cannot fall between the waiter's check and its sleep (both happen under `lock`). This is
//! Dekker's pattern; no wake-up is lost.
//!
//! Workers do not pay the fence per job: they run the check only when they find the queue
//! empty, just before blocking (and when they exit). The job that makes the pool idle is the
//! last one of a queue that is then empty, so its worker always passes through that check.
//! Cold-path resolutions (hand-backs, discards, caller-run jobs) check every time.

use std::time::Instant;

use crossbeam_utils::CachePadded;
use pool_core::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
use pool_core::sync::{lock, wait, Condvar, Mutex};
use pool_core::{Counters, Metrics, Outcome};
use pool_lifecycle::barrier;

use crate::submitters::Submitters;
#[cfg(all(test, loom))]
use pool_core::sync::Arc;

/// One worker's counts. Written only by its worker (plain `Release` stores of a local count,
/// no read-modify-write), read by anyone taking a snapshot.
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct Shard {
    started: AtomicU64,
    completed: AtomicU64,
    panicked: AtomicU64,
}

/// The worker-local side of a [`Shard`]: the counts themselves, published after each change.
pub(crate) struct ShardWriter {
    started: u64,
    completed: u64,
    panicked: u64,
}

impl ShardWriter {
    /// A writer for a fresh shard.
    pub(crate) fn new() -> ShardWriter {
        ShardWriter {
            started: 0,
            completed: 0,
            panicked: 0,
        }
    }

    /// Records that the worker took a job and is about to run it.
    pub(crate) fn start(&mut self, shard: &Shard) {
        self.started += 1;
        shard.started.store(self.started, Ordering::Relaxed);
    }

    /// Records the outcome of the job started last. `Release`: the job's effects are
    /// published to whoever reads this count with `Acquire` (a waiter, see module docs).
    pub(crate) fn finish(&mut self, shard: &Shard, outcome: Outcome) {
        match outcome {
            Outcome::Completed => {
                self.completed += 1;
                shard.completed.store(self.completed, Ordering::Release);
            }
            Outcome::Panicked => {
                self.panicked += 1;
                shard.panicked.store(self.panicked, Ordering::Release);
            }
        }
    }
}

/// A submission attempt after [`Ledger::close`]: it must be handed back as `Closed`.
#[derive(Debug)]
pub(crate) struct IsClosed;

/// The pool's accounting and its closing and waiting protocol; see the module docs.
pub(crate) struct Ledger {
    /// Attempts refused at the door (they saw `closed` before taking a ticket): each is
    /// counted as submitted and rejected by this one increment, so a snapshot read while
    /// they race never holds one half of it. Written only after a close.
    refused: CachePadded<AtomicU64>,
    /// Tickets issued, one slot per submitting thread.
    submitters: Submitters,
    /// Set once by the first shutdown: tickets taken after it are handed back.
    closed: CachePadded<AtomicBool>,
    /// Raised by an immediate shutdown: workers drop the jobs they take. Read by workers
    /// after every dequeue, written once.
    discarding: CachePadded<AtomicBool>,
    /// Threads registered in a wait for idleness. Read by resolvers, written by waiters.
    waiters: CachePadded<AtomicUsize>,
    /// One per worker, indexed by worker number.
    shards: Box<[Shard]>,
    /// Cold-path resolutions: hand-backs, discards, and jobs run on the caller.
    cold: Counters,
    lock: Mutex<()>,
    idle: Condvar,
}

impl Ledger {
    /// A ledger for `workers` workers, open, with nothing submitted.
    pub(crate) fn new(workers: usize) -> Ledger {
        // Before any submitter can rely on the light side of the fence pair.
        barrier::init();
        Ledger {
            refused: CachePadded::default(),
            submitters: Submitters::new(workers),
            closed: CachePadded::default(),
            discarding: CachePadded::default(),
            waiters: CachePadded::default(),
            shards: (0..workers).map(|_| Shard::default()).collect(),
            cold: Counters::new(workers),
            lock: Mutex::new(()),
            idle: Condvar::new(),
        }
    }

    /// The shard of worker `index`.
    pub(crate) fn shard(&self, index: usize) -> &Shard {
        &self.shards[index]
    }

    /// Takes a ticket for one submission attempt, counted in the calling thread's slot.
    ///
    /// # Errors
    /// [`IsClosed`] when the pool was closed first; the attempt is still counted, and the
    /// caller must resolve it with [`Ledger::handed_back`].
    #[inline]
    pub(crate) fn ticket(&self) -> Result<(), IsClosed> {
        self.submitters.take();
        self.check_open()
    }

    /// [`Ledger::ticket`] with an explicit slot (the loom models, whose threads share one
    /// OS thread and so one set of thread-locals).
    #[cfg(loom)]
    pub(crate) fn ticket_in(&self, slot: usize) -> Result<(), IsClosed> {
        self.submitters.take_in(slot);
        self.check_open()
    }

    /// The hot side of the closing Dekker pair (module docs, step 1): the ticket was stored,
    /// now fence and look for a close. `Relaxed` loads suffice around the fence pair.
    #[inline]
    fn check_open(&self) -> Result<(), IsClosed> {
        barrier::light();
        if self.closed.load(Ordering::Relaxed) {
            Err(IsClosed)
        } else {
            Ok(())
        }
    }

    /// A ticket slot of this ledger for an explicit owner (see [`Ledger::ticket_in`]).
    #[cfg(loom)]
    pub(crate) fn slot(&self) -> usize {
        self.submitters.claim().expect("a model claims few slots")
    }

    /// Closes the pool; returns whether this call closed it. Every ticket read after this
    /// returns is ordered by the heavy fence against the submitters' light ones.
    pub(crate) fn close(&self) -> bool {
        let first = !self.closed.swap(true, Ordering::Relaxed);
        barrier::heavy();
        first
    }

    /// Whether the pool is closed.
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Counts an attempt refused at the door: it saw `closed` before taking a ticket.
    /// Without this door, attempts after a close would each hold an unresolved ticket for
    /// an instant, and a stream of them could keep shutdown from ever reading a settled
    /// ledger; now only attempts that passed the door before the close (one per thread at
    /// most) can still be in flight.
    #[cold]
    pub(crate) fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// Raises the discard flag for an immediate shutdown.
    pub(crate) fn start_discarding(&self) {
        self.discarding.store(true, Ordering::Relaxed);
    }

    /// Whether workers should drop the jobs they take.
    #[inline]
    pub(crate) fn is_discarding(&self) -> bool {
        self.discarding.load(Ordering::Relaxed)
    }

    /// Resolves `n` tickets whose jobs were handed back to their submitters.
    pub(crate) fn handed_back(&self, n: u64) {
        fence(Ordering::Release);
        self.cold.rejected(n);
        self.wake_waiters();
    }

    /// Resolves `n` tickets whose jobs were dropped unrun.
    pub(crate) fn discarded(&self, n: u64) {
        if n > 0 {
            fence(Ordering::Release);
            self.cold.cancelled(n);
            self.wake_waiters();
        }
    }

    /// Marks a job run on the submitting thread (`CallerRuns`) as started.
    pub(crate) fn caller_started(&self) {
        self.cold.started();
    }

    /// Resolves the ticket of a job run on the submitting thread.
    pub(crate) fn caller_finished(&self, outcome: Outcome) {
        // Release (through the fence): the job's effects reach a waiter that sees the count.
        fence(Ordering::Release);
        self.cold.finished(outcome);
        self.wake_waiters();
    }

    /// Wakes registered waiters if any; see "Waking waiters" in the module docs. Called by
    /// every resolver after publishing its count (workers: when their queue is empty).
    pub(crate) fn wake_waiters(&self) {
        fence(Ordering::SeqCst);
        if self.waiters.load(Ordering::Relaxed) > 0 {
            drop(lock(&self.lock));
            self.idle.notify_all();
        }
    }

    /// Resolution counts, read in the order later stages first: (started, completed,
    /// panicked, cancelled, rejected). Every load is an acquire (through the fence for the
    /// cold counters), so the loads of [`Ledger::tickets`] that follow come after them.
    fn resolutions(&self) -> (u64, u64, u64, u64, u64) {
        let (mut completed, mut panicked) = (0, 0);
        for shard in self.shards.iter() {
            completed += shard.completed.load(Ordering::Acquire);
            panicked += shard.panicked.load(Ordering::Acquire);
        }
        let cold = self.cold.snapshot();
        fence(Ordering::Acquire);
        let mut started = 0;
        for shard in self.shards.iter() {
            started += shard.started.load(Ordering::Relaxed);
        }
        (
            started + cold.running + cold.completed + cold.panicked,
            completed + cold.completed,
            panicked + cold.panicked,
            cold.cancelled,
            cold.rejected,
        )
    }

    /// Submission attempts so far.
    fn tickets(&self) -> u64 {
        self.submitters.total()
    }

    /// The snapshot that proves every ticket taken so far resolved, if one is (see the
    /// module docs for why reading the resolutions first makes a balanced snapshot mean
    /// idle). Being one read, it is also a balanced report.
    fn settled(&self) -> Option<Metrics> {
        let m = self.metrics();
        m.is_balanced().then_some(m)
    }

    /// Blocks until every ticket is resolved, or until `deadline`; returns whether it was.
    pub(crate) fn wait_idle(&self, deadline: Option<Instant>) -> bool {
        self.wait(deadline).is_some()
    }

    /// Blocks until every ticket is resolved, and returns the snapshot that showed it: after
    /// a close, the pool's final accounting of every accepted job.
    pub(crate) fn wait_settled(&self) -> Metrics {
        loop {
            if let Some(m) = self.wait(None) {
                return m;
            }
        }
    }

    /// Blocks until [`Ledger::settled`] gives a snapshot, or until `deadline`.
    fn wait(&self, deadline: Option<Instant>) -> Option<Metrics> {
        if let Some(m) = self.settled() {
            return Some(m);
        }
        let mut guard = lock(&self.lock);
        self.waiters.fetch_add(1, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        let idle = loop {
            if let Some(m) = self.settled() {
                break Some(m);
            }
            match deadline {
                None => guard = wait(&self.idle, guard),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break None;
                    }
                    guard = match self.idle.wait_timeout(guard, deadline - now) {
                        Ok((g, _)) => g,
                        Err(poisoned) => poisoned.into_inner().0,
                    };
                }
            }
        };
        self.waiters.fetch_sub(1, Ordering::Relaxed);
        drop(guard);
        idle
    }

    /// A snapshot of every count, later stages read first so that nothing is counted twice
    /// and `queued`/`running` never underflow.
    pub(crate) fn metrics(&self) -> Metrics {
        let (started, completed, panicked, cancelled, rejected) = self.resolutions();
        let refused = self.refused.load(Ordering::Relaxed);
        let rejected = rejected + refused;
        let started = started.max(completed + panicked);
        let submitted = (self.tickets() + refused).max(started + rejected + cancelled);
        Metrics {
            submitted,
            rejected,
            queued: submitted - started - rejected - cancelled,
            running: started - completed - panicked,
            completed,
            panicked,
            cancelled,
            workers: self.shards.len() as u64,
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    /// A submitter races a closer: the attempt is either accepted and then resolved by a
    /// "worker", or handed back; the closer's wait returns only once everything accepted
    /// before the close is resolved, and the counts balance.
    #[test]
    fn loom_close_waits_for_a_racing_submitter() {
        loom::model(|| {
            let ledger = Arc::new(Ledger::new(1));
            let ran = Arc::new(AtomicBool::new(false));
            let submitter = {
                let (ledger, ran) = (ledger.clone(), ran.clone());
                loom::thread::spawn(move || match ledger.ticket_in(ledger.slot()) {
                    Ok(()) => {
                        // The job "runs" on the worker: its effect, then the shard count.
                        ran.store(true, Ordering::Relaxed);
                        let mut w = ShardWriter::new();
                        w.start(ledger.shard(0));
                        w.finish(ledger.shard(0), Outcome::Completed);
                        ledger.wake_waiters();
                        true
                    }
                    Err(IsClosed) => {
                        ledger.handed_back(1);
                        false
                    }
                })
            };
            ledger.close();
            assert!(ledger.wait_idle(None));
            let m = ledger.metrics();
            let accepted = submitter.join().unwrap();
            // Whatever was accepted had finished, and its effect is visible, once the wait
            // returned.
            assert_eq!(m.completed, u64::from(accepted));
            assert_eq!(ran.load(Ordering::Relaxed), accepted);
            let m = ledger.metrics();
            assert!(m.is_balanced(), "{m:?}");
        });
    }

    /// Two shutdowns race a submitter that passes the door or is refused at it: each
    /// closer's settled snapshot balances, and both count the same accepted job (none, or
    /// the one they both waited for).
    #[test]
    fn loom_two_closers_read_balanced_settled_snapshots() {
        loom::model(|| {
            let ledger = Arc::new(Ledger::new(1));
            let submitter = {
                let ledger = ledger.clone();
                loom::thread::spawn(move || {
                    if ledger.is_closed() {
                        ledger.refused();
                        return;
                    }
                    match ledger.ticket_in(ledger.slot()) {
                        Ok(()) => {
                            let mut w = ShardWriter::new();
                            w.start(ledger.shard(0));
                            w.finish(ledger.shard(0), Outcome::Completed);
                            ledger.wake_waiters();
                        }
                        Err(IsClosed) => ledger.handed_back(1),
                    }
                })
            };
            let closer = {
                let ledger = ledger.clone();
                loom::thread::spawn(move || {
                    ledger.close();
                    ledger.wait_settled()
                })
            };
            ledger.close();
            let here = ledger.wait_settled();
            let there = closer.join().unwrap();
            submitter.join().unwrap();
            assert!(here.is_balanced(), "{here:?}");
            assert!(there.is_balanced(), "{there:?}");
            assert_eq!(here.completed, there.completed);
        });
    }

    /// Two resolvers and one waiter: the waiter never sleeps through the last resolution.
    #[test]
    fn loom_waiter_sees_the_last_resolution() {
        loom::model(|| {
            let ledger = Arc::new(Ledger::new(2));
            let slot = ledger.slot();
            ledger.ticket_in(slot).unwrap();
            ledger.ticket_in(slot).unwrap();
            let resolvers: Vec<_> = (0..2)
                .map(|i| {
                    let ledger = ledger.clone();
                    loom::thread::spawn(move || {
                        if i == 0 {
                            let mut w = ShardWriter::new();
                            w.start(ledger.shard(0));
                            w.finish(ledger.shard(0), Outcome::Panicked);
                            ledger.wake_waiters();
                        } else {
                            ledger.discarded(1);
                        }
                    })
                })
                .collect();
            assert!(ledger.wait_idle(None));
            let m = ledger.metrics();
            assert_eq!((m.panicked, m.cancelled), (1, 1));
            for r in resolvers {
                r.join().unwrap();
            }
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tickets_after_close_are_refused_but_counted() {
        let ledger = Ledger::new(1);
        assert!(ledger.ticket().is_ok());
        assert!(ledger.close());
        assert!(
            !ledger.close(),
            "closing twice reports the first close only"
        );
        assert!(ledger.ticket().is_err());
        ledger.handed_back(1);
        let m = ledger.metrics();
        assert_eq!((m.submitted, m.rejected, m.queued), (2, 1, 1));
    }

    #[test]
    fn wait_idle_times_out_while_a_ticket_is_open() {
        let ledger = Ledger::new(1);
        ledger.ticket().unwrap();
        let deadline = Instant::now() + Duration::from_millis(20);
        assert!(!ledger.wait_idle(Some(deadline)));
        ledger.caller_started();
        ledger.caller_finished(Outcome::Completed);
        assert!(ledger.wait_idle(Some(Instant::now())));
        assert!(ledger.metrics().is_balanced());
    }
}
