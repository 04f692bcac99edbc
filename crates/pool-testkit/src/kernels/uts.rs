//! An unbalanced tree search (UTS) workload, after Olivier, Huan, Liu, Prins, Dinan,
//! Sadayappan and Tseng, "UTS: An Unbalanced Tree Search Benchmark", LCPC 2006.
//!
//! The tree is implicit: a [`UtsNode`] is a small `Copy` value (a 64-bit state and a depth)
//! and [`Uts::children`] derives its children deterministically, so a parallel traversal
//! needs no shared data, only the `Uts` parameters. The shape is impossible to predict
//! without expanding it, which is what makes it a load-balancing test.
//!
//! Differences from the original: the original hashes with SHA-1 and draws the number of
//! children with floating-point logarithms; here every random draw is the splitmix64 mixer
//! ([`mix64`]) compared against an integer threshold. The shapes follow the same
//! distributions but the node counts differ from the published ones (T1: 4,130,071 nodes;
//! T3: 4,112,897 nodes), and they are exact on every platform. Expanding a node costs a
//! few mixes (nanoseconds), far less than a SHA-1; to model heavier nodes, add
//! [`spin_work`](super::spin_work) per node.
//!
//! - Geometric (T1-like): every node above `max_depth` has `k` children with
//!   `P(k) = (1 - p)^k * p`, `p = 1 / (1 + branching)` (mean `branching`); nodes at
//!   `max_depth` are leaves.
//! - Binomial (T3-like): the root has `root_children` children; every other node has `m`
//!   children with probability `q`, else none. With `q * m` just below 1 each subtree is
//!   finite but its size has a very heavy tail, and the tree is deep and narrow.

use super::mix::{mix64, probability_threshold, GOLDEN_GAMMA};

/// Salt separating the "how many children" draws from the child-state derivation.
const DRAW_SALT: u64 = 0xD1B5_4A32_D192_ED03;
/// Upper bound on one geometric node's children (probability below 10^-90 at branching 4).
const MAX_GEOMETRIC_CHILDREN: u32 = 1_000;

/// One node of a [`Uts`] tree: everything needed to derive its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UtsNode {
    /// The node's 64-bit random state.
    pub state: u64,
    /// Distance from the root (the root has depth 0).
    pub depth: u32,
}

/// The distribution of children per node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UtsShape {
    /// T1-like: geometric number of children with mean `branching`, cut at `max_depth`.
    Geometric {
        /// Mean number of children (UTS `-b`).
        branching: f64,
        /// Nodes at this depth have no children (UTS `-d`).
        max_depth: u32,
    },
    /// T3-like: `m` children with probability `q` (UTS `-q`, `-m`), except the root,
    /// which has `root_children` (UTS `-b`).
    Binomial {
        /// Number of children of the root.
        root_children: u32,
        /// Probability that a non-root node has children.
        q: f64,
        /// Number of children of a non-leaf, non-root node.
        m: u32,
    },
}

/// A UTS tree: a shape and a root seed (UTS `-r`).
///
/// ```
/// use pool_testkit::kernels::Uts;
/// let uts = Uts::t1_small();
/// let root = uts.root();
/// let first: Vec<_> = uts.children(root).collect();
/// assert_eq!(first.len() as u32, uts.num_children(root));
/// assert!(first.iter().all(|c| c.depth == 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uts {
    shape: UtsShape,
    seed: u64,
    /// Integer form of the per-draw probability: geometric "one more child", binomial `q`.
    threshold: u64,
}

impl Uts {
    /// A tree of `shape` grown from `seed`.
    ///
    /// ```
    /// use pool_testkit::kernels::{count_nodes, Uts, UtsShape};
    /// let uts = Uts::new(UtsShape::Geometric { branching: 2.0, max_depth: 4 }, 1);
    /// assert!(count_nodes(&uts).nodes >= 1);
    /// ```
    #[must_use]
    pub fn new(shape: UtsShape, seed: u64) -> Self {
        let threshold = match shape {
            // P(one more child) = 1 - p = branching / (1 + branching).
            UtsShape::Geometric { branching, .. } => {
                probability_threshold(branching.max(0.0) / (1.0 + branching.max(0.0)))
            }
            UtsShape::Binomial { q, .. } => probability_threshold(q),
        };
        Self {
            shape,
            seed,
            threshold,
        }
    }

    /// Small T1-like tree for tests: geometric, branching 4, depth 7, seed 0: 15,496 nodes
    /// (the top 8 levels of [`Uts::t1_bench`]).
    #[must_use]
    pub fn t1_small() -> Self {
        Self::new(
            UtsShape::Geometric {
                branching: 4.0,
                max_depth: 7,
            },
            0,
        )
    }

    /// T1-like tree for benches: geometric, branching 4, depth 10 (T1's shape parameters),
    /// seed 0: 996,097 nodes.
    #[must_use]
    pub fn t1_bench() -> Self {
        Self::new(
            UtsShape::Geometric {
                branching: 4.0,
                max_depth: 10,
            },
            0,
        )
    }

    /// Small T3-like tree for tests: binomial, 200 root children, q = 0.124875, m = 8
    /// (T3's q and m), seed 7: 32,073 nodes, depth 184.
    #[must_use]
    pub fn t3_small() -> Self {
        Self::new(
            UtsShape::Binomial {
                root_children: 200,
                q: 0.124_875,
                m: 8,
            },
            7,
        )
    }

    /// T3-like tree for benches: binomial, 1,000 root children (T3 has 2,000), q = 0.124875,
    /// m = 8, seed 13: 958,169 nodes, depth 1,213.
    #[must_use]
    pub fn t3_bench() -> Self {
        Self::new(
            UtsShape::Binomial {
                root_children: 1_000,
                q: 0.124_875,
                m: 8,
            },
            13,
        )
    }

    /// The shape parameters.
    #[must_use]
    pub fn shape(&self) -> UtsShape {
        self.shape
    }

    /// The root node.
    #[must_use]
    pub fn root(&self) -> UtsNode {
        UtsNode {
            state: mix64(self.seed),
            depth: 0,
        }
    }

    /// How many children `node` has (deterministic in `node`).
    #[must_use]
    pub fn num_children(&self, node: UtsNode) -> u32 {
        match self.shape {
            UtsShape::Geometric { max_depth, .. } => {
                if node.depth >= max_depth {
                    return 0;
                }
                // Count successes of independent draws until the first failure.
                let mut k = 0;
                while k < MAX_GEOMETRIC_CHILDREN && self.draw(node, k) < self.threshold {
                    k += 1;
                }
                k
            }
            UtsShape::Binomial {
                root_children, m, ..
            } => {
                if node.depth == 0 {
                    root_children
                } else if self.draw(node, 0) < self.threshold {
                    m
                } else {
                    0
                }
            }
        }
    }

    /// Child number `index` of `node` (valid for `index < num_children(node)`).
    #[must_use]
    pub fn child(&self, node: UtsNode, index: u32) -> UtsNode {
        UtsNode {
            state: mix64(
                node.state ^ mix64(u64::from(index).wrapping_add(1).wrapping_mul(GOLDEN_GAMMA)),
            ),
            depth: node.depth + 1,
        }
    }

    /// The children of `node`, in order.
    #[must_use]
    pub fn children(&self, node: UtsNode) -> UtsChildren {
        UtsChildren {
            uts: *self,
            parent: node,
            next: 0,
            count: self.num_children(node),
        }
    }

    fn draw(&self, node: UtsNode, k: u32) -> u64 {
        mix64(node.state ^ DRAW_SALT ^ u64::from(k).wrapping_mul(GOLDEN_GAMMA))
    }
}

/// Iterator over a node's children (see [`Uts::children`]).
#[derive(Debug, Clone)]
pub struct UtsChildren {
    uts: Uts,
    parent: UtsNode,
    next: u32,
    count: u32,
}

impl Iterator for UtsChildren {
    type Item = UtsNode;

    fn next(&mut self) -> Option<UtsNode> {
        (self.next < self.count).then(|| {
            let child = self.uts.child(self.parent, self.next);
            self.next += 1;
            child
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.count - self.next) as usize;
        (left, Some(left))
    }
}

impl ExactSizeIterator for UtsChildren {}

/// Totals of a whole UTS tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UtsStats {
    /// Number of nodes, root included.
    pub nodes: u64,
    /// Number of nodes without children.
    pub leaves: u64,
    /// Largest node depth.
    pub max_depth: u32,
}

/// Sequential reference traversal (explicit stack: the binomial trees are thousands deep).
///
/// ```
/// use pool_testkit::kernels::{count_nodes, Uts};
/// let stats = count_nodes(&Uts::t1_small());
/// assert_eq!(stats.nodes, 15_496);
/// ```
#[must_use]
pub fn count_nodes(uts: &Uts) -> UtsStats {
    let mut stats = UtsStats::default();
    let mut stack = vec![uts.root()];
    while let Some(node) = stack.pop() {
        stats.nodes += 1;
        stats.max_depth = stats.max_depth.max(node.depth);
        let before = stack.len();
        stack.extend(uts.children(node));
        if stack.len() == before {
            stats.leaves += 1;
        }
    }
    stats
}
