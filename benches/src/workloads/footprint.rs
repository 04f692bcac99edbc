//! What the process holds, read from `/proc/self`: resident and mapped memory and threads
//! (`/proc/self/status`), and open file descriptors (`/proc/self/fd`). Used by the
//! workloads that divide a growth by the jobs that caused it (`queue-memory`, `held-*`).

use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::measure::HeapCounter;

/// The process's resident and mapped memory and its thread count, from
/// `/proc/self/status`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Footprint {
    pub(super) rss_kib: Option<u64>,
    pub(super) vm_kib: Option<u64>,
    pub(super) threads: Option<u64>,
}

impl Footprint {
    pub(super) fn now() -> Footprint {
        std::fs::read_to_string("/proc/self/status")
            .map(|s| Footprint::parse(&s))
            .unwrap_or_default()
    }

    pub(super) fn parse(status: &str) -> Footprint {
        let field = |name: &str| {
            let line = status.lines().find(|l| l.starts_with(name))?;
            line[name.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        };
        Footprint {
            rss_kib: field("VmRSS:"),
            vm_kib: field("VmSize:"),
            threads: field("Threads:"),
        }
    }

    /// The larger of each field of `self` and `other`.
    pub(super) fn max(self, other: Footprint) -> Footprint {
        let m = |a: Option<u64>, b: Option<u64>| a.max(b);
        Footprint {
            rss_kib: m(self.rss_kib, other.rss_kib),
            vm_kib: m(self.vm_kib, other.vm_kib),
            threads: m(self.threads, other.threads),
        }
    }
}

/// `/proc/self/status` kept open, so that it can still be read when the process has no
/// file descriptor left to open it with (at the fd limit).
#[derive(Debug)]
pub(super) struct StatusReader(std::fs::File);

impl StatusReader {
    pub(super) fn open() -> std::io::Result<StatusReader> {
        std::fs::File::open("/proc/self/status").map(StatusReader)
    }

    pub(super) fn read(&mut self) -> Footprint {
        let mut s = String::new();
        match self
            .0
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.0.read_to_string(&mut s))
        {
            Ok(_) => Footprint::parse(&s),
            Err(_) => Footprint::default(),
        }
    }
}

/// Open file descriptors of the process: the entries of `/proc/self/fd` less the one
/// the listing itself holds. At the fd limit the listing cannot be opened (`EMFILE`),
/// which itself says every descriptor up to the soft limit is taken: `at_limit` is
/// returned then.
pub(super) fn open_fds(at_limit: Option<u64>) -> Option<u64> {
    match std::fs::read_dir("/proc/self/fd") {
        Ok(d) => Some((d.count() as u64).saturating_sub(1)),
        Err(e) if e.raw_os_error() == Some(libc::EMFILE) => at_limit,
        Err(_) => None,
    }
}

/// Waits until the process has at most `n` threads, or `timeout`: one thread per
/// task's threads end after their jobs, and must be gone before the next repetition
/// reads its baseline, or their exit would count against it.
pub(super) fn await_threads_at_most(n: u64, timeout: Duration) {
    let end = Instant::now() + timeout;
    while Footprint::now().threads.is_some_and(|t| t > n) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// How often a [`Sampler`] reads the footprint.
const SAMPLE_EVERY: Duration = Duration::from_millis(2);

/// The footprint and open fds at a [`Sampler`]'s start and the highest seen until it
/// stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Peaks {
    pub(super) base: Footprint,
    pub(super) base_fds: Option<u64>,
    pub(super) peak: Footprint,
    pub(super) peak_fds: Option<u64>,
    /// The most net heap bytes allocated since the start (`None` without the counting
    /// allocator, as in unit tests): unlike the resident figure it sees memory the
    /// allocator reuses from an earlier repetition.
    pub(super) peak_heap: Option<u64>,
}

/// A thread that samples the footprint and the open fds every [`SAMPLE_EVERY`] until
/// [`Sampler::finish`]: the peak of a burst of held resources, which a reading taken
/// before or after it would miss.
#[derive(Debug)]
pub(super) struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Peaks>,
}

impl Sampler {
    /// Starts sampling; returns once the baseline is read (the sampler's own thread
    /// included, so it does not count as growth). `at_limit` is the fd count to record
    /// when `/proc/self/fd` cannot be opened (see [`open_fds`]).
    ///
    /// # Errors
    /// Opening `/proc/self/status` or starting the thread failed.
    pub(super) fn start(at_limit: Option<u64>) -> std::io::Result<Sampler> {
        let mut status = StatusReader::open()?;
        let stop = Arc::new(AtomicBool::new(false));
        let (based, baseline) = mpsc::channel();
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("footprint-sampler".into())
            .spawn(move || {
                let base = status.read();
                let base_fds = open_fds(at_limit);
                let heap = HeapCounter::start();
                let _ = based.send(());
                let heap_now = || heap.as_ref().map(|h| h.bytes().max(0) as u64);
                let mut p = Peaks {
                    base,
                    base_fds,
                    peak: base,
                    peak_fds: base_fds,
                    peak_heap: heap_now(),
                };
                loop {
                    let last = stopped.load(Ordering::Acquire);
                    p.peak = p.peak.max(status.read());
                    p.peak_fds = p.peak_fds.max(open_fds(at_limit));
                    p.peak_heap = p.peak_heap.max(heap_now());
                    if last {
                        return p;
                    }
                    std::thread::sleep(SAMPLE_EVERY);
                }
            })?;
        // A sampler that died before its baseline shows up in `finish`.
        let _ = baseline.recv();
        Ok(Sampler { stop, thread })
    }

    /// Takes a last sample and returns the peaks (the defaults if the thread panicked).
    pub(super) fn finish(self) -> Peaks {
        self.stop.store(true, Ordering::Release);
        self.thread.join().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprint_reads_the_status_fields() {
        let f = Footprint::parse("Name:\tx\nVmSize:\t  2048 kB\nVmRSS:\t   512 kB\nThreads:\t3\n");
        assert_eq!(
            (f.rss_kib, f.vm_kib, f.threads),
            (Some(512), Some(2048), Some(3))
        );
        let live = Footprint::now();
        assert!(live.threads.is_some_and(|t| t >= 1), "{live:?}");
    }

    #[test]
    fn the_kept_status_file_reads_again_and_fds_are_counted() {
        let mut r = StatusReader::open().expect("status");
        assert!(r.read().threads.is_some());
        assert!(r.read().rss_kib.is_some(), "a second read starts over");
        assert!(open_fds(None).is_some_and(|n| n >= 1));
    }

    #[test]
    fn the_sampler_sees_a_burst_between_its_start_and_finish() {
        let sampler = Sampler::start(None).expect("sampler");
        let (go, wait) = mpsc::channel::<()>();
        let held = std::thread::spawn(move || {
            let _ = wait.recv();
        });
        std::thread::sleep(SAMPLE_EVERY * 10);
        drop(go);
        held.join().expect("thread");
        let p = sampler.finish();
        assert!(
            p.peak.threads > p.base.threads.map(|t| t.saturating_sub(1)),
            "{p:?}"
        );
        assert!(
            p.peak_fds.is_some() && p.peak.rss_kib >= p.base.rss_kib,
            "{p:?}"
        );
    }
}
