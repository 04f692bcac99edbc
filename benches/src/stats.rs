//! Medians, spreads, percentiles and ratios.

use hdrhistogram::Histogram;

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
    fn iqr_is_zero_for_equal_values() {
        assert_eq!(relative_iqr(&[5.0, 5.0, 5.0]), 0.0);
        assert!(relative_iqr(&[5.0]).is_infinite());
    }
}
