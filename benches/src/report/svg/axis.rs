//! Axes: linear or logarithmic by the data's span, padded ranges, tick positions and
//! SI-prefixed tick labels.

/// Values spanning more than this ratio get a log axis.
const LOG_SPAN: f64 = 100.0;

/// Whether `values` (the positive ones) span more than 100x, so a log axis shows them all.
pub fn wants_log(values: &[f64]) -> bool {
    let pos = values.iter().copied().filter(|v| v.is_finite() && *v > 0.0);
    let (lo, hi) = pos.fold((f64::MAX, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    hi > 0.0 && hi / lo > LOG_SPAN
}

/// `v` with at most three significant digits and an SI prefix: `1.5k`, `10M`, `2.5 us`.
///
/// Without a unit only the multiplying prefixes are used (`0.25`, not `250m`).
pub fn si(v: f64, unit: &str) -> String {
    const PREFIXES: [(f64, &str); 8] = [
        (1e12, "T"),
        (1e9, "G"),
        (1e6, "M"),
        (1e3, "k"),
        (1.0, ""),
        (1e-3, "m"),
        (1e-6, "u"),
        (1e-9, "n"),
    ];
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    // Round to three significant digits first, so 999.9 reads 1k rather than 1000.
    let mag = 10f64.powf(v.abs().log10().floor() - 2.0);
    let v = (v / mag).round() * mag;
    let a = v.abs() * (1.0 + 1e-9);
    let (scale, prefix) = PREFIXES
        .iter()
        .copied()
        .filter(|(s, _)| unit.is_empty() && *s >= 1.0 || !unit.is_empty())
        .find(|(s, _)| a >= *s)
        .unwrap_or(if unit.is_empty() {
            (1.0, "")
        } else {
            (1e-9, "n")
        });
    let x = v / scale;
    let digits = (2 - x.abs().log10().floor() as i32).clamp(0, 9) as usize;
    let mut s = format!("{x:.digits$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    match (unit.is_empty(), prefix.is_empty()) {
        (true, _) => format!("{s}{prefix}"),
        (false, _) => format!("{s} {prefix}{unit}"),
    }
}

/// One axis: its scale, its padded range and its ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Logarithmic (base 10).
    pub log: bool,
    /// Lowest value shown.
    pub lo: f64,
    /// Highest value shown.
    pub hi: f64,
    /// Labelled tick positions, in data units.
    pub ticks: Vec<f64>,
    /// Unlabelled light grid positions (log axes: 2..9 within each decade).
    pub minor: Vec<f64>,
}

impl Axis {
    /// An axis over `values`, log when they span > 100x, padded by `pad` of the range on
    /// each side and `head` more at the top (room for markers drawn there). A linear axis
    /// over non-negative values starts at zero when `from_zero`, so that heights compare
    /// as ratios.
    pub fn fit(values: &[f64], pad: f64, head: f64, from_zero: bool) -> Option<Axis> {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let log = wants_log(&finite);
        let used: Vec<f64> = if log {
            finite
                .iter()
                .filter(|v| **v > 0.0)
                .map(|v| v.log10())
                .collect()
        } else {
            finite
        };
        let lo = used.iter().copied().reduce(f64::min)?;
        let hi = used.iter().copied().reduce(f64::max)?;
        let width = if hi > lo {
            hi - lo
        } else if log {
            1.0
        } else if hi != 0.0 {
            hi.abs()
        } else {
            1.0
        };
        let (mut lo, hi) = (lo - pad * width, hi + (pad + head) * width);
        if !log && from_zero && used.iter().all(|v| *v >= 0.0) {
            lo = 0.0;
        }
        Some(if log {
            Axis::log(10f64.powf(lo), 10f64.powf(hi))
        } else {
            Axis::linear(lo, hi)
        })
    }

    /// A linear axis from `lo` to `hi` with about six round ticks (steps of 1, 2 or 5).
    pub fn linear(lo: f64, hi: f64) -> Axis {
        // An empty or reversed range would make the step zero and the tick count unbounded.
        let hi = if hi > lo { hi } else { lo + 1.0 };
        let raw = (hi - lo) / 6.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        Axis {
            log: false,
            lo,
            hi,
            ticks: (first..=last).map(|k| k as f64 * step).collect(),
            minor: Vec::new(),
        }
    }

    /// A log axis from `lo` to `hi` (both > 0): ticks at the powers of ten, with 2 and 5
    /// (then every digit) added while fewer than three ticks would show.
    pub fn log(lo: f64, hi: f64) -> Axis {
        let lo = lo.max(f64::MIN_POSITIVE);
        let hi = if hi > lo { hi } else { lo * 10.0 };
        let (d0, d1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
        let within = |mults: &[f64]| -> Vec<f64> {
            (d0..=d1)
                .flat_map(|d| mults.iter().map(move |m| m * 10f64.powi(d)))
                .filter(|v| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9))
                .collect()
        };
        let mut ticks = within(&[1.0]);
        if ticks.len() < 3 {
            ticks = within(&[1.0, 2.0, 5.0]);
        }
        if ticks.len() < 3 {
            ticks = within(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        }
        let minor = within(&[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        Axis {
            log: true,
            lo,
            hi,
            ticks,
            minor,
        }
    }

    /// Replaces the ticks by `at` (the measured parameter values, e.g. worker counts),
    /// when they are few enough to label.
    pub fn ticks_at(mut self, at: &[f64]) -> Axis {
        let mut v: Vec<f64> = at
            .iter()
            .copied()
            .filter(|x| x.is_finite() && *x >= self.lo && *x <= self.hi)
            .collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        if (1..=12).contains(&v.len()) {
            self.ticks = v;
        }
        self
    }

    /// Where `v` falls between `lo` (0.0) and `hi` (1.0).
    pub fn fraction(&self, v: f64) -> f64 {
        if self.log {
            let v = v.max(f64::MIN_POSITIVE);
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_only_beyond_a_hundredfold_span() {
        assert!(!wants_log(&[1.0, 2.0, 8.0]));
        assert!(!wants_log(&[1.0, 100.0]));
        assert!(wants_log(&[1.0, 100.5]));
        assert!(wants_log(&[0.005, 3.2]));
        assert!(
            wants_log(&[0.0, 5.0, 1e6]),
            "zero is ignored, 5..1e6 is log"
        );
        assert!(!wants_log(&[0.0, 5.0, 50.0]));
        assert!(!wants_log(&[]));
        assert!(!wants_log(&[-1.0, 1000.0]));
    }

    #[test]
    fn fit_picks_the_scale_from_the_data() {
        let cpu = Axis::fit(&[1e6, 2.5e7], 0.04, 0.1, true).expect("values");
        assert!(!cpu.log);
        assert_eq!(cpu.lo, 0.0);
        let io = Axis::fit(&[0.005, 3.2], 0.04, 0.1, false).expect("values");
        assert!(io.log);
        assert!(io.lo < 0.005 && io.hi > 3.2);
        assert!(Axis::fit(&[], 0.0, 0.0, false).is_none());
    }

    #[test]
    fn si_prefixes() {
        assert_eq!(si(1500.0, ""), "1.5k");
        assert_eq!(si(2.5e-6, "s"), "2.5 us");
        assert_eq!(si(1e7, ""), "10M");
        assert_eq!(si(0.002, "s"), "2 ms");
        assert_eq!(si(1.0, "s"), "1 s");
        assert_eq!(si(1024.0, ""), "1.02k");
        assert_eq!(si(8.0, ""), "8");
        assert_eq!(si(0.25, ""), "0.25");
        assert_eq!(si(0.0, ""), "0");
        assert_eq!(si(100e-6, "s"), "100 us");
        assert_eq!(si(999.9, ""), "1k");
    }

    #[test]
    fn degenerate_ranges_still_give_a_few_ticks() {
        let a = Axis::linear(3.0, 3.0);
        assert!((2..=12).contains(&a.ticks.len()), "{:?}", a.ticks);
        assert!(!Axis::log(0.0, 0.0).ticks.is_empty());
        let one = Axis::fit(&[0.005], 0.04, 0.1, true).expect("value");
        assert!(one.hi > 0.005 && one.hi < 0.01, "{one:?}");
    }

    #[test]
    fn linear_ticks_are_round() {
        let a = Axis::linear(0.0, 28e6);
        assert_eq!(a.ticks, vec![0.0, 5e6, 10e6, 15e6, 20e6, 25e6]);
    }

    #[test]
    fn log_ticks_are_decades_or_one_two_five() {
        assert_eq!(Axis::log(0.8, 1200.0).ticks, vec![1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(Axis::log(0.9, 30.0).ticks, vec![1.0, 2.0, 5.0, 10.0, 20.0]);
        let a = Axis::log(1.0, 1000.0);
        assert!((a.fraction(10.0) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn parameter_ticks_replace_round_ones() {
        let a = Axis::linear(0.7, 8.3).ticks_at(&[1.0, 2.0, 4.0, 8.0, 8.0]);
        assert_eq!(a.ticks, vec![1.0, 2.0, 4.0, 8.0]);
    }
}
