//! The error bar of one cell: the report's 95 % interval for the median of its
//! repetitions ([`crate::stats::median_ci`]), or their range when there are too few for one.

use crate::stats::{median_ci, Summary};

/// Fixed, so a report rendered twice from the same data draws the same bars.
const SEED: u64 = 0x5eed_f16e;

/// The 95 % percentile-bootstrap interval `(lo, hi)` of the median of `values` (n >= 3),
/// or their min..max when there are fewer; `None` when there are none.
pub fn median_interval(values: &[f64]) -> Option<(f64, f64)> {
    let whole = Summary::of(values)?;
    Some(match median_ci(values, SEED) {
        Some(ci) => (ci.lo, ci.hi),
        None => (whole.min, whole.max),
    })
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
