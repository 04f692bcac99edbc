//! A closure queued through the `Pool` trait holds less than 200 bytes (its boxed closure
//! included), counted by a counting allocator, not timed.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use common::{guarded, pool};
use pool_core::{Pool, PoolExt};

/// Bytes allocated and not yet freed, by every thread of the process.
struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: every call is forwarded to `System` with the caller's arguments, which
// upholds `GlobalAlloc`'s contract; the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: the caller's `layout` is valid for `alloc` (GlobalAlloc's contract).
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with this `layout` (it came from `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const QUEUED: i64 = 20_000;

#[test]
fn a_queued_closure_holds_under_200_bytes() {
    guarded("a_queued_closure_holds_under_200_bytes", || {
        // One run permit, held by a closure that waits: every later closure stays queued.
        let pool = pool(1, 1);
        let latch = Arc::new(pool_testkit::Latch::new(1));
        let held = latch.clone();
        pool.execute(move || held.wait()).unwrap();
        pool_testkit::eventually("the blocker runs", || pool.metrics().running == 1);
        let before = LIVE.load(Ordering::SeqCst);
        for i in 0..QUEUED {
            // A typical small job: it captures one word.
            pool.execute(move || {
                std::hint::black_box(i);
            })
            .unwrap();
        }
        let per_task = (LIVE.load(Ordering::SeqCst) - before) / QUEUED;
        assert_eq!(pool.metrics().queued, QUEUED as u64);
        latch.count_down();
        pool.wait_idle().unwrap();
        assert_eq!(pool.metrics().completed, QUEUED as u64 + 1);
        assert!(per_task < 200, "{per_task} bytes per queued closure");
    });
}
