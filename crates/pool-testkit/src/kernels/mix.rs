//! A tiny, portable, seedable generator: splitmix64 (Steele, Lea and Flood, OOPSLA 2014).
//!
//! Every kernel and fixture derives its randomness from here rather than from `rand`, so the
//! generated trees, graphs and directories (and the exact counts the tests assert) do not
//! change with a `rand` upgrade, the platform, or the build profile.

/// The splitmix64 increment (2^64 / golden ratio, odd).
pub const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The splitmix64 finalizer: a bijective 64-bit mixer with full avalanche.
///
/// ```
/// use pool_testkit::kernels::mix64;
/// assert_eq!(mix64(1), mix64(1));
/// assert_ne!(mix64(1), mix64(2));
/// ```
#[must_use]
pub const fn mix64(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A splitmix64 stream: `next_u64` returns `mix64(seed + k * GOLDEN_GAMMA)` for k = 1, 2, ...
///
/// ```
/// use pool_testkit::kernels::SplitMix64;
/// let mut a = SplitMix64::new(7);
/// let mut b = SplitMix64::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A stream starting from `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// A value in `0..bound` (multiply-shift; the bias is below 2^-32 for the bounds used
    /// here). Returns 0 when `bound` is 0.
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// A value in `low..=high` (returns `low` if `high < low`).
    pub fn in_range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high.saturating_sub(low).saturating_add(1))
    }
}

/// The integer threshold `t` such that `mix64(x) < t` has probability `p` (clamped to 0..=1).
///
/// Comparing integers keeps the tree shapes identical on every platform, where `f64::ln`
/// and friends may round differently.
#[must_use]
pub fn probability_threshold(p: f64) -> u64 {
    if p >= 1.0 {
        u64::MAX
    } else if p > 0.0 {
        // 2^64 * p fits below u64::MAX for p < 1; the cast truncates toward zero.
        (p * 18_446_744_073_709_551_616.0) as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs of splitmix64 seeded with 0 (the reference C implementation).
        let mut g = SplitMix64::new(0);
        assert_eq!(g.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn below_stays_in_bounds() {
        let mut g = SplitMix64::new(3);
        assert_eq!(g.below(0), 0);
        for bound in 1..200 {
            assert!(g.below(bound) < bound);
        }
        assert_eq!(g.in_range(5, 5), 5);
    }

    #[test]
    fn thresholds() {
        assert_eq!(probability_threshold(0.0), 0);
        assert_eq!(probability_threshold(1.0), u64::MAX);
        assert_eq!(probability_threshold(0.5), 1 << 63);
    }
}
