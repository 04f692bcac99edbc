//! CPU recursive: the sum of a balanced binary tree of boxed nodes, a `join` at every node.
//!
//! **Hypothesis.** The finest grain there is: one add and two pointer loads per node, a
//! fork at every node (chili's and Spice's benchmark, sizes 1K to 16M nodes as in chili's
//! README). On a small tree (1023 nodes, a few microseconds) any pool that pays for its
//! forks, or wakes a thread, loses to sequential by far; a heartbeat scheduler should stay
//! within ~2x of it. On a large tree the per-fork cost decides whether two workers beat
//! one thread at all.
//!
//! **Check.** The sum against the closed form of the values the builder stored.

use std::sync::OnceLock;
use std::time::Duration;

use super::{check, Env, Family, Output, Scale, Workload, WorkloadError};
use crate::contender::{Contender, Forker};
use crate::estimate::{cpu_lanes, fork_cost, times};
use crate::measure::Clock;
use crate::record::Cell;

/// Sequential time per node (two loads, an add, the call; errs long).
const NODE: Duration = Duration::from_nanos(3);

/// The two tree sizes: always 1023 nodes, and 2^levels - 1 nodes by scale.
pub fn all(scale: Scale) -> Vec<Box<dyn Workload>> {
    vec![
        Box::new(TreeSum::new("tree-sum-small", 10)),
        Box::new(TreeSum::new("tree-sum-large", scale.pick(14, 20, 24))),
    ]
}

/// A node: its value and its two subtrees.
#[derive(Debug)]
pub struct Node {
    value: u64,
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
}

impl Node {
    fn leaf() -> Box<Node> {
        Box::new(Node {
            value: 0,
            left: None,
            right: None,
        })
    }

    /// A balanced tree of `levels` levels (at least 1) whose nodes hold `1..=2^levels - 1`
    /// in level order, allocated level by level.
    ///
    /// The allocation order matters on this machine: a tree built by the natural recursive
    /// builder is allocated in post-order, so a right-first walk (chili runs `b` first)
    /// descends through adjacent nodes and a left-first one (sequential, rayon) jumps; on
    /// one core the right-first walk of 2^24 - 1 nodes ran in 21-24 ms and the left-first
    /// one in 115-133 ms. Level by level, a node's children sit side by side and both
    /// walks see the same locality.
    pub fn balanced(levels: u32) -> Box<Node> {
        let mut next = 1;
        let rows: Vec<Vec<Box<Node>>> = (0..levels.max(1))
            .map(|level| {
                (0..1u64 << level)
                    .map(|_| {
                        let mut node = Node::leaf();
                        node.value = next;
                        next += 1;
                        node
                    })
                    .collect()
            })
            .collect();
        let mut below: Vec<Box<Node>> = Vec::new();
        for mut row in rows.into_iter().rev() {
            let mut children = below.into_iter();
            for node in row.iter_mut() {
                node.left = children.next();
                node.right = children.next();
            }
            below = row;
        }
        below.pop().unwrap_or_else(Node::leaf)
    }

    /// The sum of the subtree, with a `join` at every node.
    pub fn sum(&self, f: &dyn Forker) -> u64 {
        let (mut left, mut right) = (0, 0);
        f.join(
            &mut || left = self.left.as_deref().map_or(0, |n| n.sum(f)),
            &mut || right = self.right.as_deref().map_or(0, |n| n.sum(f)),
        );
        self.value + left + right
    }
}

/// The tree-sum workload.
pub struct TreeSum {
    name: &'static str,
    levels: u32,
    /// Built on first use, outside any timed region.
    tree: OnceLock<Box<Node>>,
}

impl std::fmt::Debug for TreeSum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeSum")
            .field("name", &self.name)
            .field("levels", &self.levels)
            .finish_non_exhaustive()
    }
}

impl TreeSum {
    fn new(name: &'static str, levels: u32) -> TreeSum {
        TreeSum {
            name,
            levels,
            tree: OnceLock::new(),
        }
    }

    fn nodes(&self) -> u64 {
        (1u64 << self.levels) - 1
    }
}

impl Workload for TreeSum {
    fn name(&self) -> &'static str {
        self.name
    }
    fn family(&self) -> Family {
        Family::CpuRecursive
    }
    fn hypothesis(&self) -> &'static str {
        "a fork at every node of a boxed binary tree: only a pool with near-free forks beats sequential"
    }
    fn params(&self, _env: &Env) -> String {
        format!(
            "balanced binary tree, {} nodes, a join at each",
            self.nodes()
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        _env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let root = self.tree.get_or_init(|| Node::balanced(self.levels));
        clock.start();
        let got = c.fork_join(&|f: &dyn Forker| root.sum(f))?;
        clock.stop();
        let n = self.nodes();
        let witness = check("sum", n * (n + 1) / 2, got)?;
        Ok(Output {
            jobs: n,
            witness,
            ..Output::default()
        })
    }
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        times(self.nodes(), NODE) / cpu_lanes(cell, env.cores)
            + times(self.nodes(), fork_cost(cell))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Inline;
    impl Forker for Inline {
        fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
            a();
            b();
        }
    }

    fn depth(node: &Node) -> u32 {
        1 + node
            .left
            .as_deref()
            .map_or(0, depth)
            .max(node.right.as_deref().map_or(0, depth))
    }

    #[test]
    fn tree_holds_one_to_n_in_level_order_and_sums_to_the_closed_form() {
        let root = Node::balanced(5);
        assert_eq!(depth(&root), 5);
        assert_eq!(root.sum(&Inline), 31 * 32 / 2);
        let children = (root.left.as_deref(), root.right.as_deref());
        assert_eq!(children.0.map(|n| n.value), Some(2));
        assert_eq!(children.1.map(|n| n.value), Some(3));
        assert_eq!(Node::balanced(1).sum(&Inline), 1);
        assert_eq!(Node::balanced(0).sum(&Inline), 1, "at least one level");
    }
}
