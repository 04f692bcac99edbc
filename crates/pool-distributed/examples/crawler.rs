//! pool-recursive's loopback crawler, spread over 3 worker processes.
//!
//! The example starts a `nats-server` (JetStream, 127.0.0.1, temporary store), a small HTTP
//! server serving a generated link graph, and 3 worker processes (this same program, run
//! as `crawler worker <url>`). The coordinator, here, keeps the set of pages seen and
//! submits a `Fetch` task per new page, one breadth-first wave at a time; a worker fetches
//! the page over loopback HTTP and returns its links. At the end every reachable page was
//! fetched exactly once (the HTTP server counts hits per page: with no worker dying, at-least-once
//! delivery fetches each once).
//!
//! Run: `cargo run -p pool-distributed --release --example crawler`
//! (needs `apt-get install -y nats-server`).

use std::error::Error;
use std::net::SocketAddr;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use pool_distributed::{NatsServer, Producer, QueueConfig, Registry, Task, Worker};
use pool_testkit::fixtures::{
    http_get, page_path, parse_links, HttpServer, LinkGraph, PageId, ServerConfig,
};
use serde::{Deserialize, Serialize};

const PREFIX: &str = "crawl";
const WORKERS: usize = 3;
const SLOTS: usize = 8;

/// Fetch one page; the output is its links, or why it could not be had.
#[derive(Serialize, Deserialize)]
struct Fetch {
    addr: SocketAddr,
    page: PageId,
}

/// Why a page could not be fetched.
#[derive(Debug, Serialize, Deserialize, thiserror::Error)]
#[error("page {page}: {detail}")]
struct FetchFailed {
    page: PageId,
    detail: String,
}

impl Task for Fetch {
    const NAME: &'static str = "crawler.fetch";
    type Output = Result<Vec<PageId>, FetchFailed>;
    fn work(self) -> Self::Output {
        let failed = |detail: String| FetchFailed {
            page: self.page,
            detail,
        };
        let response =
            http_get(self.addr, &page_path(self.page)).map_err(|e| failed(e.to_string()))?;
        if response.status != 200 {
            return Err(failed(format!("status {}", response.status)));
        }
        let body = response.text().map_err(|e| failed(e.to_string()))?;
        parse_links(body).map_err(|e| failed(e.to_string()))
    }
}

fn queue() -> QueueConfig {
    QueueConfig::new(PREFIX).max_ack_pending(64)
}

/// Worker processes, killed when the coordinator ends.
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, mode, url] = args.as_slice() {
        if mode == "worker" {
            let registry = Registry::new().register::<Fetch>()?;
            Worker::new(queue(), registry).concurrency(SLOTS).run(url)?;
            return Ok(());
        }
    }

    let nats = NatsServer::start()?;
    let graph = LinkGraph::generate(99, 2_000, 3);
    let reachable = graph.reachable_from(0).len();
    let http = HttpServer::start(
        graph,
        ServerConfig {
            service_time: Duration::from_millis(1),
            ..ServerConfig::default()
        },
    )?;
    println!(
        "serving {} pages on {}",
        http.graph().len(),
        http.base_url()
    );

    let producer = Producer::connect(&nats.url(), queue())?;
    let exe = std::env::current_exe()?;
    let mut workers = Workers(Vec::new());
    for _ in 0..WORKERS {
        workers
            .0
            .push(Command::new(&exe).args(["worker", &nats.url()]).spawn()?);
    }

    let started = Instant::now();
    let mut seen = vec![false; http.graph().len()];
    seen[0] = true;
    let mut wave = vec![0];
    let mut fetched = 0usize;
    while !wave.is_empty() {
        let tasks = wave.iter().map(|&page| Fetch {
            addr: http.addr(),
            page,
        });
        let mut next = Vec::new();
        for handle in producer.submit_all(tasks) {
            let links = handle?.join()??;
            fetched += 1;
            for link in links {
                if let Some(flag) = seen.get_mut(link as usize) {
                    if !*flag {
                        *flag = true;
                        next.push(link);
                    }
                }
            }
        }
        wave = next;
    }
    let elapsed = started.elapsed();
    let stats = producer.stats();
    println!(
        "crawled {fetched} pages in {elapsed:?} with {WORKERS} worker processes of {SLOTS} slots; {stats:?}"
    );
    let hits = http.page_hit_counts();
    assert_eq!(fetched, reachable, "every reachable page fetched");
    assert_eq!(
        hits.iter().filter(|&&h| h == 1).count(),
        reachable,
        "every reachable page was hit exactly once"
    );
    assert!(hits.iter().all(|&h| h <= 1), "a page was fetched twice");
    println!("ok: all {reachable} reachable pages visited exactly once");
    drop(workers);
    Ok(())
}
