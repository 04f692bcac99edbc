//! What the harness measures besides wall time: CPU time (`getrusage(RUSAGE_SELF)`),
//! memory (`/proc/self/status`), and heap bytes (a counting global allocator).
//!
//! Every figure is process-wide, which is why the runner gives each
//! (contender, workload, workers) cell its own child process: the CPU time and peak memory
//! of a cell then belong to that cell alone (the loopback servers live in the parent).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use crate::machine::{host_cpu, HostCpu};

/// User and system CPU time consumed by this process so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// User time.
    pub user: Duration,
    /// System time.
    pub sys: Duration,
}

fn timeval(tv: libc::timeval) -> Duration {
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u32::try_from(tv.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(u64::from(micros))
}

/// This process's CPU time (all threads), from `getrusage(RUSAGE_SELF)`.
pub fn cpu_time() -> CpuTime {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct of integers.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage` that outlives the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    if rc != 0 {
        return CpuTime::default();
    }
    CpuTime {
        user: timeval(usage.ru_utime),
        sys: timeval(usage.ru_stime),
    }
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Peak resident memory of this process in KiB (`VmHWM`), if the platform reports it.
pub fn peak_rss_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

/// Current resident memory of this process in KiB (`VmRSS`).
pub fn rss_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

/// Wall and CPU time of the region between `start` and `stop`, set by a workload around
/// what it measures.
///
/// It also reads the host-wide CPU counters ([`crate::machine::host_cpu`]) just outside
/// the region, so the machine's other activity during it can be told apart.
#[derive(Debug, Default)]
pub struct Clock {
    begin: Option<(Instant, CpuTime)>,
    span: Option<(Duration, CpuTime)>,
    host_begin: Option<HostCpu>,
    host_span: Option<HostCpu>,
}

impl Clock {
    /// An unstarted clock.
    pub fn new() -> Clock {
        Clock::default()
    }

    /// Starts the measured region.
    pub fn start(&mut self) {
        self.host_begin = host_cpu();
        self.begin = Some((Instant::now(), cpu_time()));
    }

    /// Ends the measured region (a no-op if it never started).
    pub fn stop(&mut self) {
        let (wall, cpu) = (Instant::now(), cpu_time());
        if let Some((w0, c0)) = self.begin {
            let cpu = CpuTime {
                user: cpu.user.saturating_sub(c0.user),
                sys: cpu.sys.saturating_sub(c0.sys),
            };
            self.span = Some((wall - w0, cpu));
        }
        self.host_span = host_cpu()
            .zip(self.host_begin)
            .map(|(end, begin)| end.since(begin));
    }

    /// The host's busy and steal time during the region, once stopped.
    pub fn host_span(&self) -> Option<HostCpu> {
        self.host_span
    }

    /// The measured wall time and CPU time, once stopped.
    pub fn span(&self) -> Option<(Duration, CpuTime)> {
        self.span
    }
}

static COUNTING: AtomicBool = AtomicBool::new(false);
static INSTALLED: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicI64 = AtomicI64::new(0);

/// A global allocator that forwards to [`System`] and, while counting is on, tracks the
/// net heap bytes allocated. Install it in a binary with `#[global_allocator]`.
///
/// Counting is off by default, so its only cost elsewhere is one relaxed load per
/// allocation; bytes allocated before counting started and freed during it make the net
/// figure slightly low, never high.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

impl CountingAlloc {
    fn note(delta: i64) {
        if !INSTALLED.load(Ordering::Relaxed) {
            INSTALLED.store(true, Ordering::Relaxed);
        }
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(delta, Ordering::Relaxed);
        }
    }
}

fn signed(bytes: usize) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds exactly as it does for `System`; counting touches only atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract for `layout`, which we pass through.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            CountingAlloc::note(signed(layout.size()));
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CountingAlloc::note(-signed(layout.size()));
        // SAFETY: the caller guarantees `ptr` came from this allocator (hence `System`)
        // with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            CountingAlloc::note(signed(layout.size()));
        }
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `realloc`'s contract; we pass its arguments through.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            CountingAlloc::note(signed(new_size) - signed(layout.size()));
        }
        new
    }
}

/// Counts net heap bytes while alive; `bytes` reads the growth since it was created.
#[derive(Debug)]
pub struct HeapCounter {
    start: i64,
}

impl HeapCounter {
    /// Starts counting, or `None` when [`CountingAlloc`] is not the global allocator.
    pub fn start() -> Option<HeapCounter> {
        drop(Vec::<u8>::with_capacity(1));
        if !INSTALLED.load(Ordering::Relaxed) {
            return None;
        }
        COUNTING.store(true, Ordering::SeqCst);
        Some(HeapCounter {
            start: LIVE.load(Ordering::SeqCst),
        })
    }

    /// Net heap growth since `start`, in bytes.
    pub fn bytes(&self) -> i64 {
        LIVE.load(Ordering::SeqCst) - self.start
    }
}

impl Drop for HeapCounter {
    fn drop(&mut self) {
        COUNTING.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        let before = cpu_time();
        let t = Instant::now();
        let mut x = 0_u64;
        while t.elapsed() < Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let after = cpu_time();
        assert!(after.user + after.sys > before.user + before.sys);
    }

    #[test]
    fn clock_measures_between_start_and_stop() {
        let mut c = Clock::new();
        assert!(c.span().is_none());
        c.start();
        std::thread::sleep(Duration::from_millis(5));
        c.stop();
        let (wall, _) = c.span().expect("stopped");
        assert!(wall >= Duration::from_millis(5));
    }

    #[test]
    fn memory_figures_are_reported_on_linux() {
        assert!(peak_rss_kib().expect("VmHWM") >= rss_kib().expect("VmRSS") / 2);
    }
}
