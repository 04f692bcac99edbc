//! Random explicit trees for property tests of recursive pools.
//!
//! Each tree's sum of node values and node count are recorded while it is generated, so a
//! parallel fold can be checked against them (and [`RandomTree::fold_sequential`]
//! recomputes them by an actual traversal). Shapes range from a chain (as deep as the node
//! count: stack depth tests) to very bushy, chosen by the seed.

use super::mix::SplitMix64;

/// Node ids are `0..len()`, the root is 0 and every parent id is smaller than its
/// children's ids, so an id doubles as a task id in exactly-once bitmaps.
pub type NodeId = usize;

/// A tree with a `u64` value per node (values are below 10^6, so sums never overflow).
///
/// ```
/// use pool_testkit::kernels::random_tree;
/// let tree = random_tree(7, 500);
/// assert!(tree.len() >= 1 && tree.len() <= 500);
/// assert_eq!(tree.fold_sequential(), (tree.expected_sum(), tree.len() as u64));
/// ```
#[derive(Debug, Clone)]
pub struct RandomTree {
    values: Vec<u64>,
    /// Children of node `i` are `child_ids[child_start[i]..child_start[i + 1]]`.
    child_start: Vec<usize>,
    child_ids: Vec<NodeId>,
    sum: u64,
    depth: usize,
}

/// Generate a tree of 1 to `max_nodes` nodes (1 if `max_nodes` is 0) from `seed`.
///
/// Node `i > 0` gets a parent drawn from the `window` ids just before it, where the
/// `window` (1 to `i`) is drawn once per tree: window 1 gives a chain, a wide window a
/// bushy, shallow tree.
#[must_use]
pub fn random_tree(seed: u64, max_nodes: usize) -> RandomTree {
    let mut rng = SplitMix64::new(seed);
    let len = rng.in_range(1, max_nodes.max(1) as u64) as usize;
    let window = match rng.below(3) {
        0 => 1,
        1 => rng.in_range(1, 8) as usize,
        _ => len,
    };
    let mut parent = vec![0; len];
    let mut depth = vec![0_usize; len];
    let mut values = Vec::with_capacity(len);
    let mut sum = 0;
    for i in 0..len {
        let value = rng.below(1_000_000);
        values.push(value);
        sum += value;
        if i > 0 {
            let span = window.min(i) as u64;
            parent[i] = i - 1 - rng.below(span) as usize;
            depth[i] = depth[parent[i]] + 1;
        }
    }
    // Counting sort of children by parent (ids stay increasing within a parent).
    let mut child_start = vec![0; len + 1];
    for &p in &parent[1..] {
        child_start[p + 1] += 1;
    }
    for i in 0..len {
        child_start[i + 1] += child_start[i];
    }
    let mut fill = child_start.clone();
    let mut child_ids = vec![0; len.saturating_sub(1)];
    for (child, &p) in parent.iter().enumerate().skip(1) {
        child_ids[fill[p]] = child;
        fill[p] += 1;
    }
    RandomTree {
        values,
        child_start,
        child_ids,
        sum,
        depth: depth.into_iter().max().unwrap_or(0),
    }
}

impl RandomTree {
    /// The root's id (always 0).
    #[must_use]
    pub fn root(&self) -> NodeId {
        0
    }

    /// Number of nodes (at least 1).
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always false: a tree has a root. Present for the `len`/`is_empty` convention.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Value of `node`.
    ///
    /// # Panics
    ///
    /// Panics if `node >= len()`.
    #[must_use]
    pub fn value(&self, node: NodeId) -> u64 {
        self.values[node]
    }

    /// Children of `node`, in increasing id order.
    ///
    /// # Panics
    ///
    /// Panics if `node >= len()`.
    #[must_use]
    pub fn children(&self, node: NodeId) -> &[NodeId] {
        &self.child_ids[self.child_start[node]..self.child_start[node + 1]]
    }

    /// Sum of all node values, recorded at generation.
    #[must_use]
    pub fn expected_sum(&self) -> u64 {
        self.sum
    }

    /// Depth of the deepest node (the root has depth 0).
    #[must_use]
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Sequential reference fold by depth-first traversal: `(sum of values, node count)`.
    #[must_use]
    pub fn fold_sequential(&self) -> (u64, u64) {
        let (mut sum, mut count) = (0, 0);
        let mut stack = vec![self.root()];
        while let Some(node) = stack.pop() {
            sum += self.value(node);
            count += 1;
            stack.extend_from_slice(self.children(node));
        }
        (sum, count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_has_exactly_one_parent() {
        for seed in 0..50 {
            let tree = random_tree(seed, 300);
            let mut seen = vec![0_u32; tree.len()];
            seen[0] += 1;
            for node in 0..tree.len() {
                for &c in tree.children(node) {
                    assert!(c > node);
                    seen[c] += 1;
                }
            }
            assert!(seen.iter().all(|&s| s == 1), "seed {seed}");
        }
    }

    #[test]
    fn value_panics_out_of_range() {
        let tree = random_tree(1, 1);
        assert!(std::panic::catch_unwind(|| tree.value(1)).is_err());
    }

    #[test]
    fn children_panics_out_of_range() {
        let tree = random_tree(1, 1);
        assert!(std::panic::catch_unwind(|| tree.children(1).len()).is_err());
    }

    #[test]
    fn shapes_include_chains_and_bushes() {
        let depths: Vec<_> = (0..40).map(|s| random_tree(s, 200)).collect();
        assert!(depths
            .iter()
            .any(|t| t.len() > 10 && t.depth() + 1 == t.len()));
        assert!(depths
            .iter()
            .any(|t| t.len() > 50 && t.depth() * 4 < t.len()));
    }
}
