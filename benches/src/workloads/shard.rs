//! A counter split over cache lines so that counting from every worker does not become
//! the bottleneck the workload would then measure.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

const SHARDS: usize = 16;

#[repr(align(128))]
#[derive(Debug, Default)]
struct Line(AtomicU64);

/// Sums `add`s from many threads; each thread adds to its own cache line.
#[derive(Debug, Default)]
pub struct ShardedCounter {
    lines: [Line; SHARDS],
}

fn shard_of_this_thread() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|s| *s)
}

impl ShardedCounter {
    /// A zeroed counter.
    pub const fn new() -> ShardedCounter {
        ShardedCounter {
            lines: [const { Line(AtomicU64::new(0)) }; SHARDS],
        }
    }

    /// Adds `n` (wrapping).
    pub fn add(&self, n: u64) {
        self.lines[shard_of_this_thread()]
            .0
            .fetch_add(n, Ordering::Relaxed);
    }

    /// The sum of every `add` that happened-before this call (wrapping).
    pub fn sum(&self) -> u64 {
        self.lines
            .iter()
            .fold(0, |acc, l| acc.wrapping_add(l.0.load(Ordering::Relaxed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_across_threads() {
        let c = ShardedCounter::new();
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| (0..1000).for_each(|_| c.add(1)));
            }
        });
        assert_eq!(c.sum(), 8000);
    }
}
