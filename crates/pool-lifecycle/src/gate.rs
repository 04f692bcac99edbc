//! The submission gate: a closed bit and the number of attempts in flight, in one word.
//!
//! An attempt [`enter`](Gate::enter)s the gate before it decides anything and holds the
//! returned [`Pass`] until its fate is counted (accepted and made visible to the pool's
//! quiescence, or handed back). Shutdown [`close`](Gate::close)s the gate, then
//! [`wait_settled`](Gate::wait_settled): once that returns, every attempt that got in is
//! counted, and every later one is refused at the door. So a report read after it sees each
//! attempt counted once, as accepted or as rejected, never half-way.
//!
//! # Steps
//! 1. **Enter**: one `fetch_add` of an in-flight unit. If the word had `CLOSED`, the unit is
//!    given back at once and the attempt is refused (its caller counts it rejected in one
//!    step); otherwise the attempt holds the unit until its `Pass` is dropped.
//! 2. **Close**: `fetch_or(CLOSED)`. Idempotent: any number of closers, from any threads.
//! 3. **Wait settled**: spin (yielding) until the word holds no in-flight unit.
//!
//! # Why no attempt slips through
//! Enter and close are read-modify-writes of one word, so they are totally ordered. An
//! enter ordered before the close is in flight until its pass drops, and the closer's wait
//! reads its unit (the unit was added before the `CLOSED` bit in the word's modification
//! order). An enter ordered after the close reads `CLOSED` and is refused. Refused attempts
//! add a unit for an instant too, but they never wait on anything, so a wait only ever
//! waits for attempts that are already running.
//!
//! The leave is a `Release` and the wait's load an `Acquire`: whatever an attempt counted
//! before dropping its pass is visible to the closer once its wait returns.
//!
//! # Cost
//! Two read-modify-writes per attempt on one shared line. The pools whose submit path is
//! measured against a bare channel (pool-finite) use an asymmetric-fence ledger instead;
//! this gate is for pools that already pay a shared counter per submission.

use pool_core::sync::atomic::{AtomicUsize, Ordering};
use pool_core::sync::thread;

/// The `CLOSED` bit; in-flight attempts count in units of [`IN_FLIGHT`] above it.
const CLOSED: usize = 1;
const IN_FLIGHT: usize = 2;

/// A closed bit and a count of attempts in flight; see the module docs.
///
/// ```
/// use pool_lifecycle::Gate;
/// let gate = Gate::new();
/// let pass = gate.enter().expect("open");
/// gate.close();
/// assert!(gate.enter().is_none(), "closed: refused at the door");
/// drop(pass); // the attempt that got in is counted before the wait returns
/// gate.wait_settled();
/// assert!(gate.is_closed());
/// ```
#[derive(Debug, Default)]
pub struct Gate {
    word: AtomicUsize,
}

/// An attempt inside the gate; dropping it leaves.
#[derive(Debug)]
#[must_use = "dropping the pass at once lets shutdown proceed before the attempt is counted"]
pub struct Pass<'a> {
    gate: &'a Gate,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        // Release: what the attempt counted is visible to a closer whose wait reads this.
        self.gate.word.fetch_sub(IN_FLIGHT, Ordering::Release);
    }
}

impl Gate {
    /// An open gate with nothing in flight.
    ///
    /// ```
    /// assert!(!pool_lifecycle::Gate::new().is_closed());
    /// ```
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Enters the gate; `None` when it is closed (the attempt must be refused).
    ///
    /// ```
    /// let gate = pool_lifecycle::Gate::new();
    /// assert!(gate.enter().is_some());
    /// ```
    #[inline]
    pub fn enter(&self) -> Option<Pass<'_>> {
        // Acquire pairs with nothing a closer publishes; the RMW's place in the word's
        // modification order is what the protocol needs (module docs).
        let before = self.word.fetch_add(IN_FLIGHT, Ordering::Acquire);
        let pass = Pass { gate: self };
        if before & CLOSED != 0 {
            return None;
        }
        Some(pass)
    }

    /// Whether the gate has been closed.
    ///
    /// ```
    /// let gate = pool_lifecycle::Gate::new();
    /// gate.close();
    /// assert!(gate.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.word.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Closes the gate; returns whether this call closed it (false if it was closed).
    ///
    /// ```
    /// let gate = pool_lifecycle::Gate::new();
    /// assert!(gate.close());
    /// assert!(!gate.close());
    /// ```
    pub fn close(&self) -> bool {
        self.word.fetch_or(CLOSED, Ordering::AcqRel) & CLOSED == 0
    }

    /// Waits until no attempt is in flight. After [`Gate::close`], that means every attempt
    /// that got in has been counted and dropped its pass.
    ///
    /// Attempts hold a pass only while they count and queue their job; one that may wait
    /// for room in a bounded queue must be woken by the closer (after `close`, before this
    /// call), or this waits as long as it does.
    ///
    /// ```
    /// let gate = pool_lifecycle::Gate::new();
    /// gate.close();
    /// gate.wait_settled();
    /// ```
    pub fn wait_settled(&self) {
        while self.word.load(Ordering::Acquire) >= IN_FLIGHT {
            thread::yield_now();
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use pool_core::sync::Arc;

    /// Two shutdowns close the gate while two submitters race them. Every attempt ends
    /// accepted or rejected, and each closer, once its wait returns, reads the final
    /// number of accepted attempts: nothing is accepted after a close settled.
    #[test]
    fn loom_two_closers_and_two_submitters_agree_on_the_count() {
        loom::model(|| {
            let gate = Arc::new(Gate::new());
            let accepted = Arc::new(AtomicUsize::new(0));
            let rejected = Arc::new(AtomicUsize::new(0));
            let submitters: Vec<_> = (0..2)
                .map(|_| {
                    let (gate, accepted, rejected) =
                        (gate.clone(), accepted.clone(), rejected.clone());
                    thread::spawn(move || match gate.enter() {
                        Some(_pass) => {
                            accepted.fetch_add(1, Ordering::Relaxed);
                        }
                        None => {
                            rejected.fetch_add(1, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            let closer = {
                let (gate, accepted) = (gate.clone(), accepted.clone());
                thread::spawn(move || {
                    gate.close();
                    gate.wait_settled();
                    accepted.load(Ordering::Relaxed)
                })
            };
            gate.close();
            gate.wait_settled();
            let seen_here = accepted.load(Ordering::Relaxed);
            let seen_there = closer.join().unwrap();
            for s in submitters {
                s.join().unwrap();
            }
            let accepted = accepted.load(Ordering::Relaxed);
            assert_eq!(seen_here, accepted);
            assert_eq!(seen_there, accepted);
            assert_eq!(accepted + rejected.load(Ordering::Relaxed), 2);
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn wait_settled_waits_for_an_attempt_inside() {
        let gate = Arc::new(Gate::new());
        let counted = Arc::new(AtomicBool::new(false));
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let submitter = {
            let (gate, counted) = (gate.clone(), counted.clone());
            std::thread::spawn(move || {
                let pass = gate.enter().expect("open");
                entered_tx.send(()).expect("main waits");
                std::thread::sleep(Duration::from_millis(20));
                counted.store(true, std::sync::atomic::Ordering::Relaxed);
                drop(pass);
            })
        };
        entered_rx.recv().expect("submitter entered");
        gate.close();
        gate.wait_settled();
        assert!(counted.load(std::sync::atomic::Ordering::Relaxed));
        submitter.join().expect("submitter");
    }

    #[test]
    fn a_refused_attempt_leaves_nothing_in_flight() {
        let gate = Gate::new();
        gate.close();
        for _ in 0..3 {
            assert!(gate.enter().is_none());
        }
        gate.wait_settled();
        assert!(gate.is_closed());
    }
}
