//! A parallel walk of a generated directory tree: one task per directory, each submitting
//! a task per subdirectory. Files and bytes are counted and checked against a sequential
//! walk of the same tree (and against the totals recorded when it was generated).
//!
//! Run: `cargo run -p pool-recursive --release --example dir_walk`

use std::error::Error;
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use pool_core::CollectAll;
use pool_recursive::{RecursivePool, Scope};
use pool_testkit::fixtures::{walk, DirTotals, DirTree, DirTreeSpec};

/// Running totals shared by every task of the walk.
#[derive(Default)]
struct Totals {
    files: AtomicU64,
    dirs: AtomicU64,
    bytes: AtomicU64,
}

/// Reads one directory: counts its files, submits one task per subdirectory. Symbolic links
/// are neither followed nor counted, as in the sequential reference.
fn visit(s: &Scope<'_, String>, dir: PathBuf, totals: Arc<Totals>) -> Result<(), String> {
    totals.dirs.fetch_add(1, Ordering::Relaxed);
    let entries = fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (mut files, mut bytes) = (0, 0);
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let meta = fs::symlink_metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            let totals = totals.clone();
            s.spawn(move |s| visit(s, path, totals));
        } else if meta.is_file() {
            files += 1;
            bytes += meta.len();
        }
    }
    totals.files.fetch_add(files, Ordering::Relaxed);
    totals.bytes.fetch_add(bytes, Ordering::Relaxed);
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let spec = DirTreeSpec {
        seed: 2026,
        depth: 5,
        max_fan_out: 5,
        max_files_per_dir: 12,
        max_file_size: 8192,
    };
    let tree = DirTree::generate(spec)?;
    let pool = RecursivePool::builder()
        .workers(4)
        .thread_name("walk")
        .build()?;

    let started = Instant::now();
    let totals = Arc::new(Totals::default());
    let (root, t) = (tree.path().to_path_buf(), totals.clone());
    pool.run_with(CollectAll, move |s| visit(s, root, t))
        .map_err(|e| e.to_string())?;
    let parallel_time = started.elapsed();
    let parallel = DirTotals {
        files: totals.files.load(Ordering::Relaxed),
        dirs: totals.dirs.load(Ordering::Relaxed),
        bytes: totals.bytes.load(Ordering::Relaxed),
    };

    let started = Instant::now();
    let sequential = walk(tree.path())?;
    let sequential_time = started.elapsed();

    println!(
        "parallel walk (4 workers): {} dirs, {} files, {} bytes in {parallel_time:?}",
        parallel.dirs, parallel.files, parallel.bytes
    );
    println!(
        "sequential walk:           {} dirs, {} files, {} bytes in {sequential_time:?}",
        sequential.dirs, sequential.files, sequential.bytes
    );
    assert_eq!(
        parallel, sequential,
        "the parallel walk disagrees with the sequential one"
    );
    assert_eq!(
        parallel,
        tree.expected(),
        "the walk disagrees with the generated totals"
    );
    println!(
        "ok: both walks agree with the {} generated directories",
        tree.expected().dirs
    );
    Ok(())
}
