//! Deterministic CPU kernels with sequential references.
//!
//! Each kernel is pure and seeded, exposes the piece a parallel version splits on, and has
//! a sequential reference that gives the expected result:
//!
//! | Kernel | Split on | Reference |
//! |---|---|---|
//! | Fibonacci | [`fib_cutoff`] | [`fib_expected`], [`fib_forks`] |
//! | UTS unbalanced tree (Olivier et al., LCPC 2006) | [`Uts::children`] | [`count_nodes`] |
//! | N-queens | [`Board::children`], [`subproblems`] | [`nqueens`] |
//! | Spin work | (independent jobs) | [`SpinCalibration`] |
//! | Random trees for property tests | [`RandomTree::children`] | [`RandomTree::expected_sum`] |
//!
//! Randomness comes from splitmix64 ([`SplitMix64`], [`mix64`]), never from `rand`, so
//! shapes and counts are identical across platforms, profiles and dependency upgrades.

mod fib;
mod mix;
mod nqueens;
mod random_tree;
mod spin;
mod uts;

pub use fib::{fib, fib_cutoff, fib_expected, fib_forks, FibStep};
pub use mix::{mix64, probability_threshold, SplitMix64, GOLDEN_GAMMA};
pub use nqueens::{nqueens, subproblems, Board, MAX_N};
pub use random_tree::{random_tree, NodeId, RandomTree};
pub use spin::{spin_work, SpinCalibration};
pub use uts::{count_nodes, Uts, UtsChildren, UtsNode, UtsShape, UtsStats};
