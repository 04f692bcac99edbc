//! Kernel results match known values, and the UTS presets have the exact documented sizes.

use std::time::Duration;

use pool_testkit::kernels::{
    count_nodes, fib, fib_cutoff, fib_expected, fib_forks, nqueens, random_tree, spin_work,
    subproblems, Board, FibStep, SpinCalibration, Uts, UtsShape, UtsStats,
};

#[test]
fn fib_known_values() {
    let known = [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55];
    for (n, &v) in known.iter().enumerate() {
        assert_eq!(fib(n as u32), v);
        assert_eq!(fib_expected(n as u32), v);
    }
    assert_eq!(fib(25), 75_025);
    assert_eq!(fib_expected(93), 12_200_160_415_121_876_738);
}

#[test]
fn fib_cutoff_recursion_matches_reference() {
    fn split(n: u32, cutoff: u32, forks: &mut u64) -> u64 {
        match fib_cutoff(n, cutoff) {
            FibStep::Leaf(v) => v,
            FibStep::Split(a, b) => {
                *forks += 1;
                split(a, cutoff, forks) + split(b, cutoff, forks)
            }
        }
    }
    for cutoff in [0, 2, 5, 10, 30] {
        let mut forks = 0;
        assert_eq!(split(22, cutoff, &mut forks), fib_expected(22));
        assert_eq!(forks, fib_forks(22, cutoff));
    }
}

#[test]
fn nqueens_known_counts() {
    let known = [
        (0, 1),
        (1, 1),
        (2, 0),
        (3, 0),
        (4, 2),
        (5, 10),
        (6, 4),
        (8, 92),
    ];
    for (n, count) in known {
        assert_eq!(nqueens(n), count, "n = {n}");
    }
    assert_eq!(nqueens(10), 724);
    assert_eq!(nqueens(11), 2_680);
    assert_eq!(nqueens(12), 14_200);
}

#[test]
fn nqueens_subproblems_sum_to_total() {
    for rows in 0..=4 {
        let parts = subproblems(9, rows);
        assert!(parts.iter().all(|b| b.row() == rows));
        assert_eq!(parts.iter().map(Board::count).sum::<u64>(), 352);
    }
    // Asking for more rows than the board has yields the complete boards.
    let complete = subproblems(6, 10);
    assert_eq!(complete.len(), 4);
    assert!(complete.iter().all(Board::is_complete));
}

#[test]
fn empty_panics_above_32() {
    assert!(std::panic::catch_unwind(|| Board::empty(33)).is_err());
}

#[test]
fn nqueens_panics_above_32() {
    assert!(std::panic::catch_unwind(|| nqueens(33)).is_err());
}

#[test]
fn subproblems_panics_above_32() {
    assert!(std::panic::catch_unwind(|| subproblems(33, 1)).is_err());
}

#[test]
fn nqueens_32_board_splits() {
    // The full-width mask path: 32 first-row placements, none attacking.
    assert_eq!(subproblems(32, 1).len(), 32);
}

#[test]
fn uts_t1_small_exact() {
    let stats = count_nodes(&Uts::t1_small());
    assert_eq!(stats.nodes, 15_496);
    assert_eq!(stats.max_depth, 7);
}

#[test]
fn uts_t1_bench_exact() {
    assert_eq!(count_nodes(&Uts::t1_bench()).nodes, 996_097);
}

#[test]
fn uts_t3_small_exact() {
    let stats = count_nodes(&Uts::t3_small());
    assert_eq!(stats.nodes, 32_073);
    assert_eq!(stats.max_depth, 184);
}

#[test]
fn uts_t3_bench_exact() {
    let stats = count_nodes(&Uts::t3_bench());
    assert_eq!(stats.nodes, 958_169);
    assert_eq!(stats.max_depth, 1_213);
}

#[test]
fn uts_t1_small_is_top_of_t1_bench() {
    let (small, bench) = (Uts::t1_small(), Uts::t1_bench());
    assert_eq!(small.root(), bench.root());
    let n = small.root();
    assert_eq!(small.num_children(n), bench.num_children(n));
}

#[test]
fn uts_binomial_nodes_have_zero_or_m_children() {
    let uts = Uts::t3_small();
    let mut stack = vec![uts.root()];
    let mut seen = UtsStats::default();
    while let Some(node) = stack.pop() {
        let k = uts.num_children(node);
        if node.depth == 0 {
            assert_eq!(k, 200);
        } else {
            assert!(k == 0 || k == 8);
        }
        seen.nodes += 1;
        stack.extend(uts.children(node));
    }
    assert_eq!(seen.nodes, 32_073);
}

#[test]
fn uts_geometric_mean_branching_is_close() {
    // Interior nodes (depth < max) of a deep geometric tree average about `branching`
    // children: check the generator's distribution, not just one count.
    let uts = Uts::new(
        UtsShape::Geometric {
            branching: 4.0,
            max_depth: 8,
        },
        3,
    );
    let (mut interior, mut children) = (0_u64, 0_u64);
    let mut stack = vec![uts.root()];
    while let Some(node) = stack.pop() {
        if node.depth < 8 {
            interior += 1;
            children += u64::from(uts.num_children(node));
        }
        stack.extend(uts.children(node));
    }
    let mean = children as f64 / interior as f64;
    assert!(interior > 1_000, "tree too small to judge: {interior}");
    assert!((3.8..4.2).contains(&mean), "mean branching {mean}");
}

#[test]
fn random_tree_fold_matches_generation() {
    for seed in 0..200 {
        let tree = random_tree(seed, 2_000);
        assert_eq!(
            tree.fold_sequential(),
            (tree.expected_sum(), tree.len() as u64)
        );
    }
    assert_eq!(random_tree(5, 0).len(), 1);
}

#[test]
fn spin_work_is_deterministic_and_calibrates() {
    assert_eq!(spin_work(10_000), spin_work(10_000));
    let cal = SpinCalibration::measure();
    assert!(cal.nanos_per_iteration() > 0.0);
    let one_ms = cal.iterations_for(Duration::from_millis(1));
    let ten_ms = cal.iterations_for(Duration::from_millis(10));
    assert!(one_ms >= 1 && ten_ms >= 9 * one_ms);
    assert_eq!(cal.iterations_for(Duration::ZERO), 1);
    let fixed = SpinCalibration::from_nanos_per_iteration(2.0);
    assert_eq!(fixed.iterations_for(Duration::from_micros(100)), 50_000);
}
