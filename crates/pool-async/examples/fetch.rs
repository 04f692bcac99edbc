//! Fetch N resources over HTTP/1.1 with at most L connections open at once.
//!
//! The example starts its own tiny HTTP server on 127.0.0.1 (tokio::net, on its own
//! runtime thread) that answers `GET /item/<n>` after a fixed service time, and counts how
//! many connections it holds at once. The client side is an `AsyncPool` with
//! `concurrency(L)`: each task opens a `tokio::net::TcpStream`, sends one request, reads
//! the response, and checks the body.
//!
//! ```text
//! cargo run -p pool-async --example fetch --release -- [N] [L] [service_ms]
//! ```
//! The server's high-water mark of open connections is at most L, and the makespan is
//! close to the Little's-law bound ceil(N / L) x service time.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pool_async::AsyncPool;
use pool_core::{Pool, ShutdownMode};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The body the server sends for item `n`; the client checks it.
fn body_for(n: u64) -> String {
    format!(
        "item {n}: {}\n",
        n.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40
    )
}

/// Connections open now and the most ever open at once, as seen by the server.
#[derive(Default)]
struct Gauge {
    open: AtomicUsize,
    peak: AtomicUsize,
    served: AtomicUsize,
}

async fn serve_one(stream: TcpStream, service: Duration, gauge: Arc<Gauge>) -> std::io::Result<()> {
    let open = gauge.open.fetch_add(1, Ordering::SeqCst) + 1;
    gauge.peak.fetch_max(open, Ordering::SeqCst);
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let request = lines.next_line().await?.unwrap_or_default();
    // Skip the headers up to the blank line.
    while let Some(line) = lines.next_line().await? {
        if line.is_empty() {
            break;
        }
    }
    tokio::time::sleep(service).await;
    let item = request
        .strip_prefix("GET /item/")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<u64>().ok());
    let response = match item {
        Some(n) => {
            let body = body_for(n);
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
        }
        None => {
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
        }
    };
    write.write_all(response.as_bytes()).await?;
    write.shutdown().await?;
    gauge.served.fetch_add(1, Ordering::SeqCst);
    gauge.open.fetch_sub(1, Ordering::SeqCst);
    Ok(())
}

/// Starts the server on its own runtime thread; returns its address.
fn start_server(service: Duration, gauge: Arc<Gauge>) -> std::io::Result<SocketAddr> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("fetch-server")
        .enable_all()
        .build()?;
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    std::thread::Builder::new()
        .name("fetch-server-main".into())
        .spawn(move || {
            rt.block_on(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let gauge = gauge.clone();
                    tokio::spawn(async move {
                        if let Err(e) = serve_one(stream, service, gauge).await {
                            eprintln!("server: {e}");
                        }
                    });
                }
            });
        })?;
    Ok(addr)
}

/// One GET over a fresh connection; returns the body.
async fn fetch(addr: SocketAddr, n: u64) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET /item/{n} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    match response.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.1 200") => Ok(body.to_owned()),
        _ => Err(std::io::Error::other(format!(
            "bad response for item {n}: {response:?}"
        ))),
    }
}

fn arg(index: usize, default: u64) -> u64 {
    std::env::args()
        .nth(index)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = arg(1, 400);
    let limit = arg(2, 16).max(1) as usize;
    let service = Duration::from_millis(arg(3, 10));
    let gauge = Arc::new(Gauge::default());
    let addr = start_server(service, gauge.clone())?;

    let pool = AsyncPool::builder()
        .concurrency(limit)
        .worker_threads(2)
        .queue_bound(Some(2 * limit))
        .build()?;
    let start = Instant::now();
    let bodies = pool.handle().block_on(async {
        let mut handles = Vec::new();
        for i in 0..n {
            // Backpressure: waits while 2L requests are already queued.
            handles.push(
                pool.submit(fetch(addr, i))
                    .await
                    .map_err(|_| "pool closed")?,
            );
        }
        let mut bodies = Vec::with_capacity(handles.len());
        for h in handles {
            bodies.push(h.await??);
        }
        Ok::<_, Box<dyn std::error::Error>>(bodies)
    })?;
    let took = start.elapsed();

    for (i, body) in bodies.iter().enumerate() {
        assert_eq!(*body, body_for(i as u64), "item {i}");
    }
    let peak = gauge.peak.load(Ordering::SeqCst);
    assert!(
        peak <= limit,
        "the server saw {peak} connections at once, above L = {limit}"
    );
    let bound = service * (n as u32).div_ceil(limit as u32);
    let report = pool.shutdown(ShutdownMode::Graceful)?;
    println!("fetched {n} resources with L = {limit} connections in {took:.1?}");
    println!(
        "server: {} requests, peak {peak} open connections (L = {limit})",
        gauge.served.load(Ordering::SeqCst)
    );
    println!(
        "Little's-law bound ceil(N/L) x {service:?} = {bound:.1?}; makespan / bound = {:.3}",
        took.as_secs_f64() / bound.as_secs_f64()
    );
    println!("pool: {report:?}");
    Ok(())
}
