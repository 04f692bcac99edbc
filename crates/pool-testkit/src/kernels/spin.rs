//! Fixed-size CPU work the optimizer cannot delete, and its calibration against the clock.
//!
//! [`spin_work`] runs a data-dependent chain of multiplies through [`std::hint::black_box`],
//! so its cost is proportional to `iterations` and it is never folded away. Its speed
//! depends on the build profile and the machine, so derive iteration counts at runtime
//! with [`SpinCalibration::measure`] (about 20 ms) instead of hard-coding them.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Do `iterations` rounds of dependent integer work; returns a value that depends on all of
/// them (so the caller can fold it into a checksum).
///
/// ```
/// use pool_testkit::kernels::spin_work;
/// assert_eq!(spin_work(1000), spin_work(1000));
/// assert_ne!(spin_work(1000), spin_work(1001));
/// ```
#[must_use]
pub fn spin_work(iterations: u64) -> u64 {
    let mut x = black_box(0x2545_F491_4F6C_DD1D_u64);
    for i in 0..iterations {
        x = black_box(x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17) ^ i);
    }
    x
}

/// Measured speed of [`spin_work`] on this machine and build.
///
/// ```
/// use std::time::Duration;
/// use pool_testkit::kernels::{spin_work, SpinCalibration};
/// let cal = SpinCalibration::measure();
/// let per_100us = cal.iterations_for(Duration::from_micros(100));
/// assert!(per_100us >= 1);
/// let _ = spin_work(per_100us); // about 100 µs of CPU work
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpinCalibration {
    nanos_per_iteration: f64,
}

impl SpinCalibration {
    /// Iterations per timed sample once warmed up (grows until a sample takes >= 2 ms).
    const MIN_SAMPLE: Duration = Duration::from_millis(2);
    /// Timed samples; the median is kept.
    const SAMPLES: usize = 5;

    /// Time [`spin_work`] and keep the median of a few samples of at least 2 ms each
    /// (about 20 ms in total; bounded: the sample size stops doubling at 2^40 iterations).
    #[must_use]
    pub fn measure() -> Self {
        let mut iterations = 1_u64 << 10;
        while iterations < 1 << 40 && Self::time(iterations) < Self::MIN_SAMPLE {
            iterations *= 2;
        }
        let mut samples: Vec<f64> = (0..Self::SAMPLES)
            .map(|_| Self::time(iterations).as_nanos() as f64 / iterations as f64)
            .collect();
        samples.sort_by(f64::total_cmp);
        Self {
            nanos_per_iteration: samples[Self::SAMPLES / 2],
        }
    }

    /// A calibration from a known speed (for reproducing a recorded run).
    #[must_use]
    pub fn from_nanos_per_iteration(nanos_per_iteration: f64) -> Self {
        Self {
            nanos_per_iteration,
        }
    }

    /// Measured nanoseconds per iteration.
    #[must_use]
    pub fn nanos_per_iteration(&self) -> f64 {
        self.nanos_per_iteration
    }

    /// Iterations of [`spin_work`] that take about `target` (at least 1).
    #[must_use]
    pub fn iterations_for(&self, target: Duration) -> u64 {
        let iterations = target.as_nanos() as f64 / self.nanos_per_iteration.max(1e-3);
        (iterations.round() as u64).max(1)
    }

    fn time(iterations: u64) -> Duration {
        let start = Instant::now();
        black_box(spin_work(iterations));
        start.elapsed()
    }
}
