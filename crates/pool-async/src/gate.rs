//! Closing the pool against concurrent submitters, so that a shutdown never misses a task.
//!
//! One word holds `CLOSED` (bit 0) and the number of submitters inside the gate (the rest).
//!
//! 1. A submitter enters with `fetch_add(ONE)`. If the word it replaced had `CLOSED`, it
//!    leaves again and hands its task back as `Closed`. Otherwise it holds a [`Pass`]: it
//!    adds the task to the pool's pending count, then drops the pass (`fetch_sub(ONE)`).
//! 2. Shutdown sets `CLOSED` with `fetch_or`, then waits until no submitter is inside, then
//!    waits for the pending count to reach zero.
//!
//! Every step is a read-modify-write of the same word, so they are totally ordered: a
//! submitter's `fetch_add` either comes before the `fetch_or` (shutdown then sees it inside
//! and waits until its task is counted as pending) or after it (the submitter sees `CLOSED`
//! and never counts its task). So once shutdown has seen the gate empty, the pending count
//! includes every task that will ever be admitted. `loom_gate` in this module checks it.

use pool_core::sync::atomic::{AtomicUsize, Ordering};

const CLOSED: usize = 1;
const ONE: usize = 2;

/// The open/closed switch plus the count of submitters inside.
#[derive(Default)]
pub(crate) struct Gate {
    state: AtomicUsize,
}

/// Proof that the gate was open when its holder entered; leaving drops it.
pub(crate) struct Pass<'g>(&'g Gate);

impl Gate {
    /// Enters if the gate is open.
    pub(crate) fn enter(&self) -> Option<Pass<'_>> {
        // AcqRel: totally ordered with `close` on this word (see the module docs); the
        // orderings only order the pending-count update that follows.
        let previous = self.state.fetch_add(ONE, Ordering::AcqRel);
        if previous & CLOSED != 0 {
            self.state.fetch_sub(ONE, Ordering::Release);
            None
        } else {
            Some(Pass(self))
        }
    }

    /// Closes the gate; returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        self.state.fetch_or(CLOSED, Ordering::AcqRel) & CLOSED == 0
    }

    /// Whether the gate is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Spins until no submitter is inside. Call after [`Gate::close`]; a submitter holds a
    /// pass only for two counter updates, so the wait is short.
    pub(crate) fn wait_empty(&self) {
        // Acquire pairs with the pass's Release: its pending-count update is visible.
        while self.state.load(Ordering::Acquire) >= ONE {
            pool_core::sync::thread::yield_now();
        }
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        self.0.state.fetch_sub(ONE, Ordering::Release);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn closed_gate_turns_submitters_away() {
        let gate = Gate::default();
        assert!(gate.enter().is_some());
        assert!(gate.close());
        assert!(!gate.close(), "second close reports it was already closed");
        assert!(gate.enter().is_none());
        gate.wait_empty();
    }
}

#[cfg(all(test, loom))]
mod loom_gate {
    use super::*;
    use pool_core::sync::atomic::AtomicUsize;
    use pool_core::sync::Arc;

    /// Two submitters race a shutdown: after shutdown has seen the gate empty, the pending
    /// count it reads is final, and admitted + rejected == 2.
    #[test]
    fn shutdown_never_misses_an_admitted_task() {
        loom::model(|| {
            let gate = Arc::new(Gate::default());
            let pending = Arc::new(AtomicUsize::new(0));
            let submitters: Vec<_> = (0..2)
                .map(|_| {
                    let (gate, pending) = (gate.clone(), pending.clone());
                    loom::thread::spawn(move || match gate.enter() {
                        Some(pass) => {
                            pending.fetch_add(1, Ordering::Relaxed);
                            drop(pass);
                            1
                        }
                        None => 0,
                    })
                })
                .collect();
            gate.close();
            gate.wait_empty();
            let seen = pending.load(Ordering::Relaxed);
            let admitted: usize = submitters.into_iter().map(|t| t.join().unwrap()).sum();
            assert_eq!(seen, admitted, "a task was admitted after shutdown looked");
        });
    }
}
