//! A counting semaphore that caps how many futures an async contender has in flight.

use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// Caps in-flight operations at `limit`: `acquire` blocks the submitting thread while
/// `limit` permits are out; a [`Permit`] gives its slot back when dropped.
#[derive(Debug)]
pub struct InFlight {
    free: Mutex<usize>,
    cv: Condvar,
}

/// One slot of an [`InFlight`]; returned on drop.
#[derive(Debug)]
pub struct Permit(Arc<InFlight>);

impl InFlight {
    /// A limiter with `limit` slots (at least one).
    pub fn new(limit: usize) -> Arc<InFlight> {
        Arc::new(InFlight {
            free: Mutex::new(limit.max(1)),
            cv: Condvar::new(),
        })
    }

    /// Waits for a free slot and takes it.
    pub fn acquire(self: &Arc<Self>) -> Permit {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self.cv.wait(free).unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        Permit(Arc::clone(self))
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.cv.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn never_more_than_limit_in_flight() {
        let lim = InFlight::new(3);
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..12)
            .map(|_| {
                let permit = lim.acquire();
                let (now, peak) = (Arc::clone(&now), Arc::clone(&peak));
                std::thread::spawn(move || {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    now.fetch_sub(1, Ordering::SeqCst);
                    drop(permit);
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().expect("thread"));
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }
}
