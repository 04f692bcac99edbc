//! Medians, spreads, percentiles, ratios and their bootstrap confidence intervals.

use hdrhistogram::Histogram;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Bootstrap resamples per interval: enough for stable 2.5 / 97.5 percentiles.
const RESAMPLES: usize = 2_000;

/// Fewer repetitions than this give no interval: a resample of one or two values says
/// nothing about the spread.
pub const MIN_REPS_FOR_CI: usize = 3;

/// A repetition above this many times its cell's median is flagged as an outlier.
pub const OUTLIER_FACTOR: f64 = 3.0;

/// A 95 % confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Lower bound (2.5th percentile of the bootstrap distribution).
    pub lo: f64,
    /// Upper bound (97.5th percentile).
    pub hi: f64,
}

impl Interval {
    /// Whether `x` lies inside the interval (bounds included).
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }
}

/// A seed derived from `label` (FNV-1a), so every interval is reproducible on re-rendering
/// and different cells do not share one resampling sequence.
pub fn seed_of(label: &str) -> u64 {
    label.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn resampled_median(values: &[f64], rng: &mut SmallRng, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    buf.extend((0..values.len()).map(|_| values[rng.random_range(0..values.len())]));
    buf.sort_by(f64::total_cmp);
    median_sorted(buf)
}

fn percentile_interval(mut draws: Vec<f64>) -> Interval {
    draws.sort_by(f64::total_cmp);
    let at = |p: f64| draws[((draws.len() - 1) as f64 * p).round() as usize];
    Interval {
        lo: at(0.025),
        hi: at(0.975),
    }
}

/// 95 % percentile-bootstrap interval of the median of `values`; `None` with fewer than
/// [`MIN_REPS_FOR_CI`] values.
pub fn median_ci(values: &[f64], seed: u64) -> Option<Interval> {
    if values.len() < MIN_REPS_FOR_CI {
        return None;
    }
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut buf = Vec::with_capacity(values.len());
    let draws = (0..RESAMPLES)
        .map(|_| resampled_median(values, &mut rng, &mut buf))
        .collect();
    Some(percentile_interval(draws))
}

/// 95 % percentile-bootstrap interval of `median(num) / median(den)`, each sample
/// resampled independently; `None` when either has fewer than [`MIN_REPS_FOR_CI`] values
/// or a resampled denominator is not positive.
pub fn ratio_ci(num: &[f64], den: &[f64], seed: u64) -> Option<Interval> {
    if num.len() < MIN_REPS_FOR_CI || den.len() < MIN_REPS_FOR_CI {
        return None;
    }
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut buf = Vec::with_capacity(num.len().max(den.len()));
    let mut draws = Vec::with_capacity(RESAMPLES);
    for _ in 0..RESAMPLES {
        let n = resampled_median(num, &mut rng, &mut buf);
        let d = resampled_median(den, &mut rng, &mut buf);
        if d <= 0.0 {
            return None;
        }
        draws.push(n / d);
    }
    Some(percentile_interval(draws))
}

/// How many of `values` exceed [`OUTLIER_FACTOR`] times their median.
pub fn outliers(values: &[f64]) -> usize {
    match Summary::of(values) {
        Some(s) if s.median > 0.0 => values
            .iter()
            .filter(|&&v| v > OUTLIER_FACTOR * s.median)
            .count(),
        _ => 0,
    }
}

/// Median and spread of a cell's repetitions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// The median.
    pub median: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// Summarises `values`; `None` when empty.
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        Some(Summary {
            n: v.len(),
            median: median_sorted(&v),
            min: v[0],
            max: v[v.len() - 1],
        })
    }

    /// `(max - min) / median`, the relative spread (0 for one value).
    pub fn spread(&self) -> f64 {
        if self.median > 0.0 {
            (self.max - self.min) / self.median
        } else {
            0.0
        }
    }
}

fn median_sorted(v: &[f64]) -> f64 {
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Interquartile range over median of `values`, the stopping rule for repetitions.
pub fn relative_iqr(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return f64::INFINITY;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    let med = median_sorted(&v);
    if med > 0.0 {
        (q(0.75) - q(0.25)) / med
    } else {
        0.0
    }
}

/// p50, p90, p99, p99.9 and max of `latencies_ns` (3 significant digits).
pub fn percentiles(latencies_ns: &[u64]) -> Option<[u64; 5]> {
    let mut h = Histogram::<u64>::new(3).ok()?;
    for &l in latencies_ns {
        h.record(l.max(1)).ok()?;
    }
    if h.is_empty() {
        return None;
    }
    Some([
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.9),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.999),
        h.max(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_spread() {
        let s = Summary::of(&[3.0, 1.0, 2.0, 10.0]).expect("non-empty");
        assert_eq!(s.median, 2.5);
        assert_eq!(s.spread(), 9.0 / 2.5);
        assert!(Summary::of(&[]).is_none());
    }

    #[test]
    fn percentiles_of_uniform_values() {
        let v: Vec<u64> = (1..=1000).map(|i| i * 1000).collect();
        let p = percentiles(&v).expect("values");
        assert!((p[0] as f64 - 500_000.0).abs() / 500_000.0 < 0.01);
        assert!(p[4] >= 1_000_000 && p[4] < 1_002_000);
        assert!(percentiles(&[]).is_none());
    }

    #[test]
    fn identical_values_give_a_zero_width_interval() {
        let ci = median_ci(&[7.0; 6], 1).expect("enough values");
        assert_eq!((ci.lo, ci.hi), (7.0, 7.0));
        let r = ratio_ci(&[7.0; 5], &[7.0; 5], 1).expect("enough values");
        assert_eq!((r.lo, r.hi), (1.0, 1.0));
    }

    #[test]
    fn too_few_values_give_no_interval() {
        assert!(median_ci(&[1.0, 2.0], 1).is_none());
        assert!(ratio_ci(&[1.0, 2.0, 3.0], &[1.0, 2.0], 1).is_none());
    }

    #[test]
    fn the_median_interval_brackets_the_median_and_is_reproducible() {
        let v = [10.0, 11.0, 9.5, 10.5, 12.0, 9.0, 10.2];
        let ci = median_ci(&v, 42).expect("enough values");
        assert!(ci.contains(10.2) && ci.lo >= 9.0 && ci.hi <= 12.0, "{ci:?}");
        assert_eq!(median_ci(&v, 42), Some(ci), "same seed, same interval");
    }

    #[test]
    fn well_separated_samples_give_a_ratio_interval_excluding_one() {
        let slow = [20.0, 21.0, 19.5, 20.5, 22.0];
        let fast = [10.0, 10.5, 9.8, 10.2, 11.0];
        let r = ratio_ci(&slow, &fast, 3).expect("enough values");
        assert!(r.lo > 1.5 && r.hi < 2.5, "{r:?}");
        assert!(!r.contains(1.0));
    }

    #[test]
    fn overlapping_noisy_samples_give_a_ratio_interval_containing_one() {
        let a = [10.0, 14.0, 9.0, 12.0, 8.0, 13.0];
        let b = [11.0, 8.5, 13.5, 9.5, 12.5, 10.0];
        let r = ratio_ci(&a, &b, 5).expect("enough values");
        assert!(r.contains(1.0), "{r:?}");
    }

    #[test]
    fn outliers_are_repetitions_above_three_medians() {
        assert_eq!(outliers(&[1.0, 1.1, 0.9, 3.5, 10.0]), 2);
        assert_eq!(outliers(&[1.0, 2.9, 1.0]), 0);
        assert_eq!(outliers(&[]), 0);
    }

    #[test]
    fn seeds_differ_by_label() {
        assert_ne!(seed_of("empty/finite/2"), seed_of("empty/finite/4"));
        assert_eq!(seed_of("x"), seed_of("x"));
    }

    #[test]
    fn iqr_is_zero_for_equal_values() {
        assert_eq!(relative_iqr(&[5.0, 5.0, 5.0]), 0.0);
        assert!(relative_iqr(&[5.0]).is_infinite());
    }
}
