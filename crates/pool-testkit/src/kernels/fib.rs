//! Fibonacci: the classic fork-join microbenchmark.
//!
//! `fib(n) = fib(n - 1) + fib(n - 2)` spawns two subproblems per call, so a parallel version
//! measures per-fork overhead (no cutoff: fib(32) is about 3.5 million forks) or speedup
//! (cutoff 15-20: the leaves run [`fib`] sequentially). Results are `u64`, exact for
//! `n <= 93`.

/// Naive, exponential-time sequential Fibonacci: the leaf work below a cutoff.
///
/// `fib(0) = 0`, `fib(1) = 1`. It makes `2 * fib(n + 1) - 1` calls; fib(32) takes a few
/// milliseconds in a release build.
///
/// ```
/// use pool_testkit::kernels::fib;
/// assert_eq!(fib(20), 6765);
/// ```
#[must_use]
pub fn fib(n: u32) -> u64 {
    if n < 2 {
        u64::from(n)
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

/// Linear-time Fibonacci: the expected value to check a parallel result against.
///
/// ```
/// use pool_testkit::kernels::{fib, fib_expected};
/// assert_eq!(fib_expected(25), fib(25));
/// assert_eq!(fib_expected(90), 2_880_067_194_370_816_120);
/// ```
#[must_use]
pub fn fib_expected(n: u32) -> u64 {
    let (mut a, mut b) = (0_u64, 1_u64);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

/// What a parallel fib task does with `n` under a cutoff: split or solve sequentially.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FibStep {
    /// Below the cutoff (or a base case): the value, computed with [`fib`].
    Leaf(u64),
    /// Fork `fib(n - 1)` and `fib(n - 2)` and add their results.
    Split(u32, u32),
}

/// Decide one step of a cutoff fib: [`FibStep::Leaf`] if `n < max(cutoff, 2)`, else
/// [`FibStep::Split`].
///
/// A cutoff of 0 or 1 forks at every level down to the base cases.
///
/// ```
/// use pool_testkit::kernels::{fib_cutoff, fib_expected, FibStep};
///
/// fn par_fib(n: u32, cutoff: u32) -> u64 {
///     match fib_cutoff(n, cutoff) {
///         FibStep::Leaf(v) => v,
///         // A pool would run these two on different workers.
///         FibStep::Split(a, b) => par_fib(a, cutoff) + par_fib(b, cutoff),
///     }
/// }
/// assert_eq!(par_fib(24, 10), fib_expected(24));
/// ```
#[must_use]
pub fn fib_cutoff(n: u32, cutoff: u32) -> FibStep {
    if n < cutoff.max(2) {
        FibStep::Leaf(fib(n))
    } else {
        FibStep::Split(n - 1, n - 2)
    }
}

/// How many [`FibStep::Split`]s (forks) a cutoff fib of `n` performs.
///
/// With cutoff 0 this is `fib(n + 1) - 1`: fib(32) forks 3,524,577 times.
///
/// ```
/// use pool_testkit::kernels::fib_forks;
/// assert_eq!(fib_forks(32, 0), 3_524_577);
/// assert_eq!(fib_forks(10, 11), 0);
/// ```
#[must_use]
pub fn fib_forks(n: u32, cutoff: u32) -> u64 {
    // forks(n) = 0 below the cutoff, else 1 + forks(n-1) + forks(n-2); computed bottom-up.
    let threshold = cutoff.max(2);
    if n < threshold {
        return 0;
    }
    let (mut prev, mut cur) = (0_u64, 0_u64); // forks(k - 1), forks(k) for k = threshold - 1
    for _ in threshold..=n {
        (prev, cur) = (cur, 1 + cur + prev);
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forks_by_recursion(n: u32, cutoff: u32) -> u64 {
        match fib_cutoff(n, cutoff) {
            FibStep::Leaf(_) => 0,
            FibStep::Split(a, b) => {
                1 + forks_by_recursion(a, cutoff) + forks_by_recursion(b, cutoff)
            }
        }
    }

    #[test]
    fn fib_forks_matches_recursion() {
        for cutoff in 0..8 {
            for n in 0..20 {
                assert_eq!(
                    fib_forks(n, cutoff),
                    forks_by_recursion(n, cutoff),
                    "n={n} cutoff={cutoff}"
                );
            }
        }
    }
}
