//! Lost wake-ups in the handle's hand-off: many completer/joiner pairs on few cores, each
//! result checked, under a watchdog that fails the test instead of hanging on a joiner that
//! was never woken.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use pool_core::{Completer, JoinHandle};

/// Pairs of threads (more threads than cores), and hand-offs per pair.
const PAIRS: usize = 8;
const ROUNDS: u64 = if cfg!(miri) { 50 } else { 20_000 };

/// Completes each received completer with its index after a delay that varies, so that the
/// joiner sometimes finds the result in, sometimes spins, sometimes parks.
fn completer_thread(rx: mpsc::Receiver<(u64, Completer<u64>)>) {
    for (i, c) in rx {
        for _ in 0..(i % 7) * 50 {
            std::hint::spin_loop();
        }
        if i % 97 == 0 {
            thread::yield_now();
        }
        c.complete(Ok(i));
    }
}

fn joiner_thread() -> u64 {
    let (tx, rx) = mpsc::channel();
    let completer = thread::spawn(move || completer_thread(rx));
    let mut sum = 0;
    for i in 0..ROUNDS {
        let (c, h) = JoinHandle::pair();
        tx.send((i, c)).expect("completer alive");
        // Every third join goes through the timed path, with a deadline it may miss, and
        // then waits again: the unregister path.
        let value = if i % 3 == 0 {
            match h.join_timeout(Duration::from_micros(1)) {
                Ok(result) => result,
                Err(h) => h.join(),
            }
        } else {
            h.join()
        };
        let value = value.expect("completed, not cancelled");
        assert_eq!(value, i, "each handle gets its own result");
        sum += value;
    }
    drop(tx);
    completer.join().expect("no panic");
    sum
}

#[test]
fn no_lost_wakeup_with_more_threads_than_cores() {
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..PAIRS {
        let done_tx = done_tx.clone();
        thread::spawn(move || done_tx.send(joiner_thread()).expect("test alive"));
    }
    drop(done_tx);
    let expected = ROUNDS * (ROUNDS - 1) / 2;
    for _ in 0..PAIRS {
        let sum = done_rx
            .recv_timeout(Duration::from_secs(120))
            .expect("watchdog: a joiner was never woken (lost wake-up) or a pair deadlocked");
        assert_eq!(sum, expected);
    }
}
