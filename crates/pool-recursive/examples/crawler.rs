//! A crawler over a link graph served by a small HTTP server on 127.0.0.1, which this
//! example starts itself. Every page is fetched over real loopback I/O by a task, which
//! submits a task for each link it has not seen yet. At the end every reachable page was
//! visited exactly once (the server counts the hits per page).
//!
//! Run: `cargo run -p pool-recursive --release --example crawler`

use std::error::Error;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pool_core::CollectAll;
use pool_recursive::{RecursivePool, Scope};
use pool_testkit::fixtures::{
    http_get, page_path, parse_links, HttpServer, LinkGraph, PageId, ServerConfig,
};

/// What every crawl task shares.
struct Crawl {
    addr: SocketAddr,
    /// `seen[p]` is set by the one task that claims page `p` (the claim is the swap).
    seen: Vec<AtomicBool>,
    fetched: AtomicU64,
}

/// Fetches `page`, then submits a task for every linked page nobody has claimed yet.
fn fetch(s: &Scope<'_, String>, crawl: Arc<Crawl>, page: PageId) -> Result<(), String> {
    if s.is_cancelled() {
        return Ok(());
    }
    let response =
        http_get(crawl.addr, &page_path(page)).map_err(|e| format!("page {page}: {e}"))?;
    if response.status != 200 {
        return Err(format!("page {page}: status {}", response.status));
    }
    crawl.fetched.fetch_add(1, Ordering::Relaxed);
    let body = response.text().map_err(|e| format!("page {page}: {e}"))?;
    for link in parse_links(body).map_err(|e| format!("page {page}: {e}"))? {
        let claimed = crawl
            .seen
            .get(link as usize)
            .is_some_and(|flag| !flag.swap(true, Ordering::AcqRel));
        if claimed {
            let crawl = crawl.clone();
            s.spawn(move |s| fetch(s, crawl, link));
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let graph = LinkGraph::generate(99, 2_000, 3);
    let reachable = graph.reachable_from(0).len();
    let server = HttpServer::start(
        graph,
        ServerConfig {
            service_time: Duration::from_millis(1),
            ..ServerConfig::default()
        },
    )?;
    println!(
        "serving {} pages on {}",
        server.graph().len(),
        server.base_url()
    );

    let pool = RecursivePool::builder()
        .workers(16)
        .thread_name("crawl")
        .build()?;
    let crawl = Arc::new(Crawl {
        addr: server.addr(),
        seen: (0..server.graph().len())
            .map(|_| AtomicBool::new(false))
            .collect(),
        fetched: AtomicU64::new(0),
    });
    crawl.seen[0].store(true, Ordering::Relaxed);

    let started = Instant::now();
    let c = crawl.clone();
    pool.run_with(CollectAll, move |s| fetch(s, c, 0))
        .map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();

    let fetched = crawl.fetched.load(Ordering::Relaxed);
    let hits = server.page_hit_counts();
    println!(
        "crawled {fetched} pages in {elapsed:?} with 16 workers ({} requests served)",
        server.total_requests()
    );
    assert_eq!(fetched as usize, reachable, "every reachable page fetched");
    assert!(
        hits.iter().all(|&h| h <= 1),
        "a page was fetched more than once"
    );
    assert_eq!(
        hits.iter().filter(|&&h| h == 1).count(),
        reachable,
        "every reachable page was hit exactly once"
    );
    println!("ok: all {reachable} reachable pages visited exactly once");
    Ok(())
}
