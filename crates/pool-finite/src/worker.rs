//! One worker: take a message from the shared channel, run it, repeat; exit on a stop
//! message or when every sender is gone and the channel is drained.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crossbeam_channel::{Receiver, TryRecvError};
use pool_core::{Job, PoolId};
use std::sync::Arc;

use crate::ledger::{Ledger, ShardWriter};

/// What travels through the channel: a job, or `None`, which tells one worker to stop.
/// (`Option<Job>` is as small as `Job`: a box is never null.)
pub(crate) type Msg = Option<Job>;

/// The state one worker thread owns.
pub(crate) struct Worker {
    pub(crate) rx: Receiver<Msg>,
    pub(crate) ledger: Arc<Ledger>,
    pub(crate) id: PoolId,
    pub(crate) index: usize,
}

impl Worker {
    /// The worker's loop. Runs jobs until it receives a stop message, or until the pool
    /// handle was dropped (every sender gone) and the channel is empty.
    pub(crate) fn run(self) {
        let _mark = self.id.enter();
        let shard = self.ledger.shard(self.index);
        let mut counts = ShardWriter::new();
        loop {
            let msg = match self.rx.try_recv() {
                Ok(msg) => msg,
                Err(TryRecvError::Empty) => {
                    // About to block: the job this worker just finished may have made the
                    // pool idle, so this is where waiters are woken (see ledger docs).
                    self.ledger.wake_waiters();
                    match self.rx.recv() {
                        Ok(msg) => msg,
                        Err(_) => break,
                    }
                }
                Err(TryRecvError::Disconnected) => break,
            };
            let Some(job) = msg else { break };
            if self.ledger.is_discarding() {
                drop_quietly(job);
                self.ledger.discarded(1);
                continue;
            }
            counts.start(shard);
            let outcome = job.run();
            counts.finish(shard, outcome);
        }
        self.ledger.wake_waiters();
    }
}

/// Drops a job unrun. Its closure's captures run their destructors here, which is how a
/// discarded job's handle learns it was cancelled; a destructor that panics must not take
/// the thread down, so the panic is caught, and its payload dropped the same careful way.
pub(crate) fn drop_quietly(job: Job) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(job))) {
        if let Err(inner) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            // A payload whose destructor panics once will likely panic again: leak it.
            std::mem::forget(inner);
        }
    }
}
