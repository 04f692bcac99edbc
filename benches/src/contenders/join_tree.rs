//! Spawn trees on join-only pools (heartbeat, chili): a task's children are collected
//! while it runs, then run in parallel by halving the list with `join`.
//!
//! Children of a spawn tree are independent and start only after their parent's body
//! returned, so running them after the body, forked in halves, is the same tree; it is how
//! a user of a pool without `spawn` writes it.

use std::cell::RefCell;
use std::sync::Mutex;

use crate::contender::{Contender, ContenderError, Forker, Spawner, TreeTask};

/// Collects the children a task spawns.
#[derive(Default)]
struct Children(RefCell<Vec<TreeTask>>);

impl Spawner for Children {
    fn spawn(&self, task: TreeTask) {
        self.0.borrow_mut().push(task);
    }
}

/// `Contender::spawn_tree` for a join-only contender: the whole tree inside one
/// `fork_join` call.
///
/// # Errors
/// As `c.fork_join`: [`ContenderError::Panicked`] when a task panicked.
pub fn spawn_tree_with_join(c: &dyn Contender, root: TreeTask) -> Result<(), ContenderError> {
    // `fork_join` takes a `Fn`; the root is taken out once.
    let root = Mutex::new(Some(root));
    c.fork_join(&|f: &dyn Forker| {
        let task = root.lock().map(|mut r| r.take()).unwrap_or(None);
        if let Some(task) = task {
            run_tree(f, task);
        }
        0
    })
    .map(drop)
}

/// Runs `task`, then its children and all their descendants, forking with `forker`.
pub fn run_tree(forker: &dyn Forker, task: TreeTask) {
    let children = Children::default();
    task(&children);
    run_all(forker, children.0.into_inner());
}

/// Runs every tree in `tasks`, halving the list at each `join`.
fn run_all(forker: &dyn Forker, mut tasks: Vec<TreeTask>) {
    if tasks.len() <= 1 {
        if let Some(task) = tasks.pop() {
            run_tree(forker, task);
        }
        return;
    }
    let right = tasks.split_off(tasks.len() / 2);
    let (mut left, mut right) = (Some(tasks), Some(right));
    forker.join(
        &mut || run_all(forker, left.take().unwrap_or_default()),
        &mut || run_all(forker, right.take().unwrap_or_default()),
    );
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    use super::*;

    struct Inline;
    impl Forker for Inline {
        fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
            a();
            b();
        }
    }

    fn node(depth: u32, seen: Arc<AtomicU64>) -> TreeTask {
        Box::new(move |s: &dyn Spawner| {
            seen.fetch_add(1, Ordering::Relaxed);
            if depth > 0 {
                for _ in 0..3 {
                    s.spawn(node(depth - 1, seen.clone()));
                }
            }
        })
    }

    #[test]
    fn every_node_of_a_ternary_tree_runs_once() {
        let seen = Arc::new(AtomicU64::new(0));
        run_tree(&Inline, node(4, seen.clone()));
        assert_eq!(seen.load(Ordering::Relaxed), 1 + 3 + 9 + 27 + 81);
    }
}
