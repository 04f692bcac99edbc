//! A latency histogram small enough to keep per repetition in `results.json`, so that the
//! report can merge repetitions instead of taking the median of each percentile.
//!
//! Buckets are logarithmic, [`PER_DOUBLING`] to each doubling of the value (each about
//! 1.1 % wide: two significant digits), and a percentile reads as its bucket's upper edge,
//! so it errs high by at most that, never low. Serialised, only the non-empty buckets are
//! kept, as runs of neighbouring buckets: `first:c1,c2,c3` (the first bucket's index, then
//! the counts of it and the following buckets, short gaps as `0`), runs separated by
//! spaces. 40,000 latencies spread evenly over five decades take about 3 KiB; a real
//! repetition, dense near the service time with a sparse tail, under 2 KiB.

use std::collections::BTreeMap;

/// Buckets per doubling of the value.
pub const PER_DOUBLING: u32 = 64;

/// A gap of at most this many empty buckets stays inside a run (as zeros), which is
/// shorter than starting a new run.
const MAX_GAP: u32 = 2;

/// A histogram of nanosecond values; see the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: BTreeMap<u32, u64>,
    total: u64,
}

/// Why an encoded histogram could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad latency histogram run {0:?} (want index:count,count,...)")]
pub struct HistogramError(String);

/// The bucket of `ns` (values below 1 share the bucket of 1).
fn bucket(ns: u64) -> u32 {
    ((ns.max(1) as f64).log2() * f64::from(PER_DOUBLING)).floor() as u32
}

/// The upper edge of bucket `k`, ns.
fn upper(k: u32) -> u64 {
    (f64::from(k + 1) / f64::from(PER_DOUBLING)).exp2().ceil() as u64
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> LatencyHistogram {
        LatencyHistogram::default()
    }

    /// Records one value, ns.
    pub fn record(&mut self, ns: u64) {
        self.add(bucket(ns), 1);
    }

    fn add(&mut self, k: u32, count: u64) {
        if count > 0 {
            *self.counts.entry(k).or_insert(0) += count;
            self.total += count;
        }
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (&k, &c) in &other.counts {
            self.add(k, c);
        }
    }

    /// Number of values recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The value at quantile `q` (0..=1): the upper edge of the bucket holding the
    /// `ceil(q * len)`-th smallest value, ns; 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (&k, &c) in &self.counts {
            seen += c;
            if seen >= rank {
                return upper(k);
            }
        }
        0
    }

    /// The upper edge of the largest value's bucket, ns; 0 when empty.
    pub fn max(&self) -> u64 {
        self.counts.keys().next_back().map_or(0, |&k| upper(k))
    }

    /// `[p50, p99, max]`, or `None` when empty.
    pub fn p50_p99_max(&self) -> Option<[u64; 3]> {
        (!self.is_empty()).then(|| [self.quantile(0.5), self.quantile(0.99), self.max()])
    }

    /// The non-empty buckets as runs (see the module docs).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let mut prev: Option<u32> = None;
        for (&k, &c) in &self.counts {
            match prev {
                Some(p) if k - p <= MAX_GAP + 1 => {
                    (p + 1..k).for_each(|_| out.push_str(",0"));
                    out.push_str(&format!(",{c}"));
                }
                Some(_) => out.push_str(&format!(" {k}:{c}")),
                None => out.push_str(&format!("{k}:{c}")),
            }
            prev = Some(k);
        }
        out
    }

    /// Reads back what [`LatencyHistogram::encode`] wrote.
    ///
    /// # Errors
    /// [`HistogramError`] for a run that is not `index:count,count,...` in integers.
    pub fn decode(text: &str) -> Result<LatencyHistogram, HistogramError> {
        let mut out = LatencyHistogram::new();
        for run in text.split_whitespace() {
            let bad = || HistogramError(run.to_owned());
            let (first, counts) = run.split_once(':').ok_or_else(bad)?;
            let first: u32 = first.parse().map_err(|_| bad())?;
            for (i, c) in counts.split(',').enumerate() {
                let c: u64 = c.parse().map_err(|_| bad())?;
                let k = u32::try_from(i)
                    .ok()
                    .and_then(|i| first.checked_add(i))
                    .ok_or_else(bad)?;
                out.add(k, c);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` values log-uniform over 100 us .. 10 s: the widest spread an overloaded cell
    /// shows.
    fn spread(n: u64) -> LatencyHistogram {
        let mut h = LatencyHistogram::new();
        for i in 0..n {
            let x = i as f64 / n as f64;
            h.record((1e5 * 10f64.powf(5.0 * x)) as u64);
        }
        h
    }

    #[test]
    fn encoding_round_trips_and_percentiles_err_high_by_at_most_one_bucket() {
        let h = spread(40_000);
        let back = LatencyHistogram::decode(&h.encode()).expect("decodes");
        assert_eq!(back, h);
        assert_eq!(back.len(), 40_000);
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = 1e5 * 10f64.powf(5.0 * q);
            let got = h.quantile(q) as f64;
            assert!(
                got >= exact * 0.999 && got <= exact * 1.012,
                "q={q}: {got} vs {exact}"
            );
        }
        assert!(h.max() >= 9_999_000_000 && h.max() <= 10_120_000_000);
    }

    #[test]
    fn merging_adds_counts() {
        let (mut a, mut b) = (LatencyHistogram::new(), LatencyHistogram::new());
        (0..90).for_each(|_| a.record(100_000));
        (0..10).for_each(|_| b.record(5_000_000));
        a.merge(&b);
        assert_eq!(a.len(), 100);
        assert!((100_000..101_200).contains(&a.quantile(0.5)));
        assert!(a.quantile(0.95) >= 5_000_000);
        assert_eq!(a.p50_p99_max().map(|p| p[2]), Some(a.max()));
    }

    #[test]
    fn sparse_buckets_start_new_runs_and_short_gaps_stay_inside() {
        let mut h = LatencyHistogram::new();
        for ns in [1_000, 1_000, 1_025, 1_000_000] {
            h.record(ns);
        }
        let text = h.encode();
        assert_eq!(text.split(' ').count(), 2, "{text}");
        assert_eq!(LatencyHistogram::decode(&text).expect("decodes"), h);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(LatencyHistogram::decode("12:3 x").is_err());
        assert!(LatencyHistogram::decode("12:3,a").is_err());
        assert!(LatencyHistogram::decode("12-3").is_err());
        assert!(LatencyHistogram::decode("").expect("empty").is_empty());
        assert_eq!(LatencyHistogram::new().p50_p99_max(), None);
    }

    /// The size budget of `results.json`: a full sweep (5 loads x ~9 contenders x 5
    /// repetitions) of the widest histograms stays under 1 MB.
    #[test]
    fn a_full_sweep_of_histograms_stays_small() {
        let one = spread(40_000).encode().len();
        assert!(one * 5 * 9 * 5 < 1_000_000, "{one} bytes per repetition");
    }
}
