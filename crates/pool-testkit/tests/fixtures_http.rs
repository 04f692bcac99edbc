//! The loopback HTTP server and client over real 127.0.0.1 I/O: every page of a graph is
//! served exactly once to a crawler, concurrent clients work, the server stops on drop.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use pool_testkit::fixtures::{
    http_get, page_path, parse_links, FixtureError, HttpServer, LinkGraph, ServerConfig,
};

/// Run `f` on a thread and fail (instead of hanging) if it takes longer than `limit`.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).expect("watchdog: took too long")
}

fn start(pages: u32, config: ServerConfig) -> HttpServer {
    HttpServer::start(LinkGraph::generate(11, pages, 3), config).expect("server starts")
}

#[test]
fn sequential_crawl_fetches_every_page_exactly_once() {
    let server = start(300, ServerConfig::default());
    let mut seen = vec![false; server.graph().len()];
    let mut todo = vec![0];
    seen[0] = true;
    while let Some(page) = todo.pop() {
        let response = http_get(server.addr(), &page_path(page)).unwrap();
        assert_eq!(response.status, 200);
        let links = parse_links(response.text().unwrap()).unwrap();
        assert_eq!(links, server.graph().links(page).unwrap());
        for next in links {
            if !std::mem::replace(&mut seen[next as usize], true) {
                todo.push(next);
            }
        }
    }
    let crawled: Vec<u32> = (0..300).filter(|&p| seen[p as usize]).collect();
    assert_eq!(crawled, server.graph().reachable_from(0));
    assert_eq!(server.page_hit_counts(), vec![1; 300]);
    assert_eq!(server.total_requests(), 300);
}

#[test]
fn eight_concurrent_clients() {
    let server = start(
        400,
        ServerConfig {
            service_time: Duration::from_millis(1),
            handler_threads: 4,
            ..ServerConfig::default()
        },
    );
    let addr = server.addr();
    within(Duration::from_secs(30), move || {
        let clients: Vec<_> = (0..8_u32)
            .map(|c| {
                thread::spawn(move || {
                    for page in (c..400).step_by(8) {
                        let response = http_get(addr, &page_path(page)).unwrap();
                        assert_eq!(response.status, 200);
                    }
                    let blob = http_get(addr, &format!("/bytes/{}", 10_000 + c)).unwrap();
                    assert_eq!(blob.body.len(), 10_000 + c as usize);
                })
            })
            .collect();
        for client in clients {
            client.join().unwrap();
        }
    });
    assert_eq!(server.page_hit_counts(), vec![1; 400]);
    assert_eq!(server.bytes_requests(), 8);
}

#[test]
fn bytes_body_is_the_pattern() {
    let server = start(1, ServerConfig::default());
    let response = http_get(server.addr(), "/bytes/30").unwrap();
    assert_eq!(response.text().unwrap(), "abcdefghijklmnopqrstuvwxyzabcd");
    assert_eq!(http_get(server.addr(), "/bytes/0").unwrap().body.len(), 0);
}

#[test]
fn unknown_paths_are_404_and_counted() {
    let server = start(5, ServerConfig::default());
    for path in [
        "/page/5",
        "/page/x",
        "/nothing",
        "/bytes/-1",
        "/bytes/999999999999",
    ] {
        assert_eq!(http_get(server.addr(), path).unwrap().status, 404, "{path}");
    }
    assert_eq!(server.not_found(), 5);
    assert_eq!(server.page_hit_counts(), vec![0; 5]);
    assert_eq!(server.page_hits(5), 0);
}

#[test]
fn service_time_is_applied() {
    let server = start(
        2,
        ServerConfig {
            service_time: Duration::from_millis(30),
            ..ServerConfig::default()
        },
    );
    let t = Instant::now();
    http_get(server.addr(), "/page/1").unwrap();
    assert!(t.elapsed() >= Duration::from_millis(30));
}

#[test]
fn handler_threads_bound_concurrency() {
    // 2 handlers, 4 concurrent 50 ms requests: at least two rounds, so >= 100 ms.
    let server = start(
        4,
        ServerConfig {
            service_time: Duration::from_millis(50),
            handler_threads: 2,
            ..ServerConfig::default()
        },
    );
    let addr = server.addr();
    let t = Instant::now();
    within(Duration::from_secs(20), move || {
        let clients: Vec<_> = (0..4)
            .map(|p| thread::spawn(move || http_get(addr, &page_path(p)).unwrap().status))
            .collect();
        for client in clients {
            assert_eq!(client.join().unwrap(), 200);
        }
    });
    assert!(
        t.elapsed() >= Duration::from_millis(100),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn server_stops_on_drop() {
    let server = start(3, ServerConfig::default());
    let addr = server.addr();
    http_get(addr, "/page/0").unwrap();
    within(Duration::from_secs(10), move || drop(server));
    assert!(matches!(
        http_get(addr, "/page/0"),
        Err(FixtureError::Io { .. })
    ));
}

#[test]
fn drop_with_a_request_in_service_is_bounded() {
    let server = start(
        2,
        ServerConfig {
            service_time: Duration::from_millis(200),
            ..ServerConfig::default()
        },
    );
    let addr = server.addr();
    let client = thread::spawn(move || http_get(addr, "/page/0"));
    thread::sleep(Duration::from_millis(50)); // let the request reach a handler
    let t = Instant::now();
    within(Duration::from_secs(10), move || drop(server));
    assert!(t.elapsed() < Duration::from_secs(5));
    // The in-flight request is finished, not cut off.
    assert_eq!(client.join().unwrap().unwrap().status, 200);
}

#[test]
fn start_errors_when_a_thread_cannot_spawn() {
    let result = HttpServer::start(
        LinkGraph::generate(1, 2, 1),
        ServerConfig {
            handler_stack_size: 1 << 50,
            ..ServerConfig::default()
        },
    );
    assert!(matches!(result, Err(FixtureError::Io { .. })));
}

#[test]
fn http_get_errors_not_loopback() {
    let elsewhere = SocketAddr::from(([192, 0, 2, 1], 80)); // TEST-NET-1, never contacted
    assert!(matches!(
        http_get(elsewhere, "/"),
        Err(FixtureError::NotLoopback(addr)) if addr == elsewhere
    ));
}

#[test]
fn http_get_errors_io_when_nothing_listens() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    assert!(matches!(http_get(addr, "/"), Err(FixtureError::Io { .. })));
}

#[test]
fn http_get_errors_on_malformed_response() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = [0_u8; 512];
        let _ = stream.read(&mut head).unwrap();
        stream
            .write_all(b"HTTP/1.1 200 OK\r\n\r\nno length")
            .unwrap();
    });
    let result = within(Duration::from_secs(10), move || http_get(addr, "/"));
    assert!(matches!(result, Err(FixtureError::MalformedResponse(_))));
    server.join().unwrap();
}

#[test]
fn parse_links_errors_on_malformed_line() {
    assert!(matches!(
        parse_links("/page/1\n/page/two\n"),
        Err(FixtureError::MalformedLink { line }) if line == "/page/two"
    ));
    assert_eq!(parse_links("\n/page/1\n\n").unwrap(), vec![1]);
}
