//! Asymmetric fences: a nearly free [`light`] fence for a hot path, paired with an expensive
//! [`heavy`] fence for a rare one, which together order memory like two `SeqCst` fences.
//!
//! # Why
//! Dekker's pattern (thread A stores `x` then loads `y`; thread B stores `y` then loads `x`;
//! at least one must see the other's store) needs a full fence between each side's store and
//! load. When A runs once per job (a submitter taking its ticket and checking for a close) and
//! B once per pool lifetime (the closer), A's fence is a cost paid on every job: on x86 an
//! `mfence` or a locked instruction, which also drains the store buffer the channel's own
//! writes sit in.
//!
//! # How
//! On Linux, `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` returns only after every running
//! thread of the process has executed a full memory barrier (a thread that is not running
//! passed one when it was switched out). So A needs only a compiler fence, which keeps its
//! store and load in program order, and B pays one system call: if A's load ran before B's
//! barrier reached A's CPU, A's store was flushed by that barrier and B's later load sees it;
//! if A's load ran after, B's store was already visible to it. Folly's
//! `asymmetricHeavyBarrier` and liburcu's `urcu-memb` flavour rest on the same system call.
//!
//! The process registers for the expedited command once, in [`init`], which every structure
//! using the pair calls when it is built (before any [`light`] can rely on it). Where the
//! system call is missing or refused (other systems, old kernels, seccomp filters), and under
//! loom or miri, both sides are `SeqCst` fences: still correct, only not cheap. The choice is
//! made once and never changes, so the two sides always pair correctly.
//!
//! ```
//! use pool_lifecycle::barrier;
//! use std::sync::atomic::{AtomicBool, Ordering};
//! barrier::init();
//! let (x, y) = (AtomicBool::new(false), AtomicBool::new(false));
//! // Hot side: store, light fence, load.
//! x.store(true, Ordering::Relaxed);
//! barrier::light();
//! let saw_y = y.load(Ordering::Relaxed);
//! // Rare side: store, heavy fence, load. At least one side sees the other's store.
//! y.store(true, Ordering::Relaxed);
//! barrier::heavy();
//! assert!(saw_y || x.load(Ordering::Relaxed));
//! ```

use pool_core::sync::atomic::{fence, Ordering};

/// Chooses the implementation for the process (once; later calls return the first answer)
/// and returns whether the light side is a compiler fence only.
///
/// ```
/// let asymmetric = pool_lifecycle::barrier::init();
/// assert_eq!(asymmetric, pool_lifecycle::barrier::init());
/// ```
pub fn init() -> bool {
    imp::init()
}

/// The hot side: a compiler fence where the process is registered for expedited
/// `membarrier`, a `SeqCst` fence otherwise.
///
/// ```
/// pool_lifecycle::barrier::light();
/// ```
#[inline]
pub fn light() {
    if imp::is_asymmetric() {
        std::sync::atomic::compiler_fence(Ordering::SeqCst);
    } else {
        fence(Ordering::SeqCst);
    }
}

/// The rare side: one `membarrier` system call where the process is registered, a `SeqCst`
/// fence otherwise.
///
/// # Panics
/// If the kernel refuses the expedited barrier after accepting the registration, which its
/// documentation rules out; continuing would void the light side's ordering.
///
/// ```
/// pool_lifecycle::barrier::heavy();
/// ```
pub fn heavy() {
    if imp::is_asymmetric() {
        imp::membarrier_all_threads();
    } else {
        fence(Ordering::SeqCst);
    }
}

#[cfg(all(target_os = "linux", not(loom), not(miri)))]
mod imp {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::OnceLock;

    /// `MEMBARRIER_CMD_PRIVATE_EXPEDITED` (linux/membarrier.h).
    const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
    /// `MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED` (linux/membarrier.h).
    const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

    static CHOICE: OnceLock<bool> = OnceLock::new();
    /// `CHOICE`'s answer, readable with one relaxed load on the hot side. It is set only
    /// after the registration succeeded and never cleared, and a light fence that reads it
    /// as set pairs with heavy fences that run after the `init` of the structure using
    /// them, which read it as set too.
    static ASYMMETRIC: AtomicBool = AtomicBool::new(false);

    fn membarrier(cmd: libc::c_long) -> libc::c_long {
        // SAFETY: membarrier takes two integers (command, flags) and a CPU id that these
        // commands ignore; it reads and writes no memory of ours.
        unsafe {
            libc::syscall(
                libc::SYS_membarrier,
                cmd,
                0 as libc::c_long,
                0 as libc::c_long,
            )
        }
    }

    pub(super) fn init() -> bool {
        *CHOICE.get_or_init(|| {
            let registered = membarrier(REGISTER_PRIVATE_EXPEDITED) == 0;
            ASYMMETRIC.store(registered, Ordering::Relaxed);
            registered
        })
    }

    #[inline]
    pub(super) fn is_asymmetric() -> bool {
        ASYMMETRIC.load(Ordering::Relaxed)
    }

    pub(super) fn membarrier_all_threads() {
        let rc = membarrier(PRIVATE_EXPEDITED);
        assert_eq!(rc, 0, "membarrier refused after registration");
    }
}

#[cfg(not(all(target_os = "linux", not(loom), not(miri))))]
mod imp {
    pub(super) fn init() -> bool {
        false
    }

    #[inline]
    pub(super) fn is_asymmetric() -> bool {
        false
    }

    pub(super) fn membarrier_all_threads() {
        unreachable!("never asymmetric without membarrier")
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicU64};
    use std::sync::Arc;

    #[test]
    fn init_chooses_once() {
        let first = init();
        assert_eq!(first, init());
        assert_eq!(first, imp::is_asymmetric());
    }

    /// Dekker's pattern, many rounds on real threads: in no round may both sides miss the
    /// other's store. A broken pairing (a compiler fence without the heavy side's system
    /// call) shows up as a round where both loads saw `false`. The two threads meet at each
    /// round by spinning, so that their stores and loads overlap in time as often as possible.
    #[test]
    fn heavy_and_light_order_like_two_full_fences() {
        init();
        const ROUNDS: u64 = if cfg!(miri) { 20 } else { 5_000 };
        let x = Arc::new(AtomicBool::new(false));
        let y = Arc::new(AtomicBool::new(false));
        // Round r starts when `go` reaches r; each side reports its load in `seen_*` and bumps
        // `ended`; the heavy side resets the flags before starting the next round.
        let go = Arc::new(AtomicU64::new(0));
        let ended = Arc::new(AtomicU64::new(0));
        let light_side = {
            let (x, y, go, ended) = (x.clone(), y.clone(), go.clone(), ended.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::with_capacity(ROUNDS as usize);
                for r in 1..=ROUNDS {
                    while go.load(Ordering::Acquire) < r {
                        std::hint::spin_loop();
                    }
                    x.store(true, Ordering::Relaxed);
                    light();
                    seen.push(y.load(Ordering::Relaxed));
                    ended.fetch_add(1, Ordering::Release);
                }
                seen
            })
        };
        let mut heavy_seen = Vec::with_capacity(ROUNDS as usize);
        for r in 1..=ROUNDS {
            x.store(false, Ordering::Relaxed);
            y.store(false, Ordering::Relaxed);
            go.store(r, Ordering::Release);
            y.store(true, Ordering::Relaxed);
            heavy();
            heavy_seen.push(x.load(Ordering::Relaxed));
            while ended.load(Ordering::Acquire) < r {
                std::hint::spin_loop();
            }
        }
        let light_seen = light_side.join().unwrap();
        let both_missed = light_seen
            .iter()
            .zip(&heavy_seen)
            .filter(|(l, h)| !**l && !**h)
            .count();
        assert_eq!(both_missed, 0, "rounds where neither side saw the other");
    }
}
