//! The error bar of one cell: a 95 % interval for the median of its repetitions.
//!
//! Kept to one function so the report's shared statistics can replace it.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::stats::Summary;

/// Bootstrap resamples: enough for stable 2.5 / 97.5 percentiles at these sample sizes.
const RESAMPLES: usize = 2000;
/// Fixed, so a report rendered twice from the same data draws the same bars.
const SEED: u64 = 0x5eed_f16e;

/// The 95 % percentile-bootstrap interval `(lo, hi)` of the median of `values` (n >= 3),
/// or their min..max when there are fewer; `None` when there are none.
pub fn median_interval(values: &[f64]) -> Option<(f64, f64)> {
    let whole = Summary::of(values)?;
    if values.len() < 3 {
        return Some((whole.min, whole.max));
    }
    let mut rng = SmallRng::seed_from_u64(SEED);
    let mut resample = vec![0.0; values.len()];
    let mut medians: Vec<f64> = (0..RESAMPLES)
        .filter_map(|_| {
            for r in resample.iter_mut() {
                *r = values[rng.random_range(0..values.len())];
            }
            Summary::of(&resample).map(|s| s.median)
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    let at = |q: f64| medians[((medians.len() - 1) as f64 * q).round() as usize];
    Some((at(0.025), at(0.975)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_values_give_their_range() {
        assert_eq!(median_interval(&[3.0, 1.0]), Some((1.0, 3.0)));
        assert_eq!(median_interval(&[2.0]), Some((2.0, 2.0)));
        assert_eq!(median_interval(&[]), None);
    }

    #[test]
    fn bootstrap_brackets_the_median_and_is_reproducible() {
        let v = [10.0, 11.0, 9.5, 10.2, 30.0, 10.1, 9.9];
        let (lo, hi) = median_interval(&v).expect("values");
        assert!(lo <= 10.1 && 10.1 <= hi, "{lo}..{hi}");
        assert!(
            lo >= 9.5 && hi < 30.0,
            "the outlier is not the median's interval"
        );
        assert_eq!(median_interval(&v), Some((lo, hi)));
    }
}
