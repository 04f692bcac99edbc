//! The server's overload modes over real loopback I/O: in refuse mode a request beyond
//! the K busy handlers gets 503 at once and is counted, a client with at most K requests
//! in flight is never refused; in queue mode the longest queue is reported; `/stats`
//! returns and resets the counters. Setups are deterministic: the test waits until the
//! server has admitted the requests it needs before it sends the next one.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use pool_testkit::fixtures::{
    http_get, HttpServer, LinkGraph, Overload, OverloadStats, ServerConfig,
};

/// Run `f` on a thread and fail (instead of hanging) if it takes longer than `limit`.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).expect("watchdog: took too long")
}

fn start(handlers: usize, service_ms: u64, overload: Overload) -> HttpServer {
    let config = ServerConfig {
        service_time: Duration::from_millis(service_ms),
        handler_threads: handlers,
        overload,
        ..ServerConfig::default()
    };
    HttpServer::start(LinkGraph::generate(3, 4, 1), config).expect("server starts")
}

/// Waits (at most 10 s) until `server` holds `n` admitted requests.
fn until_in_system(server: &HttpServer, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.in_system() < n {
        assert!(
            Instant::now() < deadline,
            "only {} admitted",
            server.in_system()
        );
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn refuse_mode_answers_503_beyond_the_busy_handlers_and_counts_it() {
    let server = start(2, 300, Overload::Refuse);
    let addr = server.addr();
    let busy: Vec<_> = (0..2)
        .map(|_| thread::spawn(move || http_get(addr, "/bytes/10").expect("get").status))
        .collect();
    until_in_system(&server, 2);
    let t = Instant::now();
    let refused = within(Duration::from_secs(10), move || http_get(addr, "/bytes/10"));
    assert_eq!(refused.expect("a reply").status, 503);
    assert!(t.elapsed() < Duration::from_millis(300), "no service time");
    for b in busy {
        assert_eq!(b.join().expect("client"), 200);
    }
    assert_eq!(server.overload_stats().refused, 1);
    assert_eq!(server.bytes_requests(), 2, "a refusal is not served");
    let stats = OverloadStats::fetch(addr).expect("stats");
    assert_eq!(
        stats,
        OverloadStats {
            refused: 1,
            queue_max: 0
        }
    );
    assert_eq!(
        OverloadStats::fetch(addr).expect("stats"),
        OverloadStats::default()
    );
}

#[test]
fn refuse_mode_never_refuses_a_client_within_the_capacity() {
    let server = start(2, 1, Overload::Refuse);
    let addr = server.addr();
    within(Duration::from_secs(30), move || {
        let clients: Vec<_> = (0..2)
            .map(|_| {
                thread::spawn(move || {
                    (0..100)
                        .map(|_| http_get(addr, "/bytes/5").expect("get").status)
                        .filter(|&s| s == 200)
                        .count()
                })
            })
            .collect();
        for c in clients {
            assert_eq!(c.join().expect("client"), 100);
        }
    });
    assert_eq!(
        OverloadStats::fetch(addr).expect("stats"),
        OverloadStats::default()
    );
}

#[test]
fn queue_mode_serves_everyone_and_reports_the_longest_queue() {
    let server = start(1, 200, Overload::Queue);
    let addr = server.addr();
    let clients: Vec<_> = (0..3)
        .map(|_| thread::spawn(move || http_get(addr, "/bytes/7").expect("get").status))
        .collect();
    until_in_system(&server, 3);
    assert_eq!(
        server.overload_stats().queue_max,
        2,
        "one in service, two waiting"
    );
    for c in clients {
        assert_eq!(
            within(Duration::from_secs(10), move || c.join().expect("client")),
            200
        );
    }
    let stats = OverloadStats::fetch(addr).expect("stats");
    assert_eq!(
        stats,
        OverloadStats {
            refused: 0,
            queue_max: 2
        }
    );
    assert_eq!(server.total_requests(), 3, "/stats is not counted");
}
