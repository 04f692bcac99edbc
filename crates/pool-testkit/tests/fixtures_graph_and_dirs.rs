//! `LinkGraph` generation and reachability; `DirTree` totals equal a real walk.

use std::time::Duration;

use pool_testkit::fixtures::{walk, DirTree, DirTreeSpec, FixtureError, LinkGraph};

#[test]
fn link_graph_is_deterministic_and_in_range() {
    let a = LinkGraph::generate(5, 500, 4);
    assert_eq!(a, LinkGraph::generate(5, 500, 4));
    assert_ne!(a, LinkGraph::generate(6, 500, 4));
    assert!(a.edge_count() >= 499);
    for page in 0..500 {
        let links = a.links(page).unwrap();
        assert!(links.iter().all(|&t| t < 500));
        let mut sorted = links.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), links.len(), "duplicate link on page {page}");
    }
    assert!(a.links(500).is_none());
    assert_eq!(LinkGraph::generate(1, 0, 3).len(), 1);
}

#[test]
fn every_page_is_reachable_from_the_root() {
    for seed in 0..20 {
        let graph = LinkGraph::generate(seed, 200, 2);
        assert_eq!(graph.reachable_from(0), (0..200).collect::<Vec<u32>>());
    }
}

#[test]
fn reachable_from_is_closed_under_links() {
    let graph = LinkGraph::generate(9, 300, 1);
    let from = graph.reachable_from(150);
    assert!(from.contains(&150));
    for &page in &from {
        for target in graph.links(page).unwrap() {
            assert!(from.binary_search(target).is_ok());
        }
    }
    // With extra links there are cycles: some page reaches an earlier page.
    assert!((1..300).any(|p| graph.links(p).unwrap().iter().any(|&t| t < p)));
}

#[test]
fn dir_tree_walk_totals_equal_generated_totals() {
    for seed in 0..5 {
        let spec = DirTreeSpec {
            seed,
            depth: 3,
            max_fan_out: 3,
            max_files_per_dir: 5,
            max_file_size: 2048,
        };
        let tree = DirTree::generate(spec).unwrap();
        let expected = tree.expected();
        assert!(expected.dirs >= 4 && expected.files > 0, "{expected:?}");
        assert_eq!(walk(tree.path()).unwrap(), expected);
        assert_eq!(tree.spec(), spec);
        // Same seed, same totals.
        assert_eq!(DirTree::generate(spec).unwrap().expected(), expected);
    }
}

#[test]
fn dir_tree_depth_zero_is_the_root_only() {
    let tree = DirTree::generate(DirTreeSpec {
        depth: 0,
        ..DirTreeSpec::default()
    })
    .unwrap();
    let totals = walk(tree.path()).unwrap();
    assert_eq!(totals.dirs, 1);
    assert_eq!(totals, tree.expected());
}

#[test]
fn dir_tree_is_removed_on_drop() {
    let tree = DirTree::generate(DirTreeSpec::default()).unwrap();
    let path = tree.path().to_path_buf();
    assert!(path.is_dir());
    drop(tree);
    assert!(!path.exists());
}

#[test]
fn generate_in_errors_on_missing_parent() {
    let parent = tempfile::tempdir().unwrap();
    let missing = parent.path().join("missing");
    assert!(matches!(
        DirTree::generate_in(&missing, DirTreeSpec::default()),
        Err(FixtureError::Io { .. })
    ));
    let inside = DirTree::generate_in(parent.path(), DirTreeSpec::default()).unwrap();
    assert!(inside.path().starts_with(parent.path()));
}

#[test]
fn walk_errors_on_missing_directory() {
    let parent = tempfile::tempdir().unwrap();
    assert!(matches!(
        walk(&parent.path().join("missing")),
        Err(FixtureError::Io { op: "read dir", .. })
    ));
}

#[test]
fn default_tree_generates_quickly() {
    let t = std::time::Instant::now();
    let tree = DirTree::generate(DirTreeSpec::default()).unwrap();
    assert_eq!(walk(tree.path()).unwrap(), tree.expected());
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[cfg(unix)]
#[test]
fn walk_does_not_follow_or_count_symlinks() {
    let tree = DirTree::generate(DirTreeSpec::default()).unwrap();
    // A link back to the root would loop forever if followed.
    std::os::unix::fs::symlink(tree.path(), tree.path().join("loop")).unwrap();
    assert_eq!(walk(tree.path()).unwrap(), tree.expected());
}
