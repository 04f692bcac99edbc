//! A worker thread the OS refuses (an absurd stack size) makes `build` return
//! `BuildErrorKind::Spawn`, with no thread left running. Alone in its file (its own process)
//! so that the thread count it checks is not disturbed by other tests.

use pool_core::BuildErrorKind;
use pool_finite::FinitePool;

/// The number of threads in this process, from `/proc` (Linux).
fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn absurd_stack_size_is_a_spawn_error_and_leaves_no_thread() {
    // The only test in this binary, so the process's thread count is ours to compare.
    let before = thread_count();
    let err = FinitePool::builder()
        .workers(4)
        .stack_size(usize::MAX / 2)
        .build()
        .unwrap_err();
    assert!(
        matches!(err.kind(), BuildErrorKind::Spawn { index: 0, .. }),
        "{err}"
    );
    assert!(
        std::error::Error::source(err.kind()).is_some(),
        "the OS error is the source"
    );
    if let (Some(before), Some(after)) = (before, thread_count()) {
        assert!(
            after <= before,
            "no worker left running: {before} -> {after}"
        );
    }
}
