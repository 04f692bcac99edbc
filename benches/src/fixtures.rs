//! The loopback servers and generated files the I/O workloads use, started by the harness.
//!
//! The parent process owns the fixtures (so their threads' CPU time never lands in a
//! cell's figures) and hands each child cell a [`FixtureSpec`]: the server's 127.0.0.1
//! address and the paths and parameters of the generated data, from which the cell derives
//! its expected results. The servers and the blocking client come from
//! `pool_testkit::fixtures`; the async client here speaks the same HTTP/1.1 subset over
//! `tokio::net`, for async contenders.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pool_testkit::fixtures::{DirTree, DirTreeSpec, HttpServer, LinkGraph, Overload, ServerConfig};
use pool_testkit::kernels::SplitMix64;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::workloads::Scale;

/// Everything a cell needs to reach the fixtures and check its results.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FixtureSpec {
    /// The loopback HTTP server (`/page/<id>`, `/bytes/<n>`), if started.
    pub http: Option<SocketAddr>,
    /// Its service time per request, in microseconds.
    pub service_us: u64,
    /// Seed, pages and extra links of the served link graph.
    pub graph: (u64, u32, u32),
    /// The folder of flat generated files (`files` workload).
    pub files_dir: Option<PathBuf>,
    /// How many files it holds, and the bytes in each.
    pub files: (u32, u32),
    /// The root of the generated directory tree (`dirwalk` workload).
    pub tree_root: Option<PathBuf>,
    /// The tree's expected `(dirs, files, bytes)`.
    pub tree_expected: (u64, u64, u64),
    /// The downstream service that queues beyond its capacity (`downstream-queue`).
    #[serde(default)]
    pub downstream_queue: Option<SocketAddr>,
    /// The downstream service that answers 503 beyond it (`downstream-refuse`).
    #[serde(default)]
    pub downstream_refuse: Option<SocketAddr>,
    /// Their capacity `K`: requests in service at once.
    #[serde(default)]
    pub downstream_capacity: usize,
}

/// The downstream services' capacity `K` (their handler threads).
pub const DOWNSTREAM_CAPACITY: usize = 16;

/// Starts a downstream service of capacity `capacity` in `overload` mode, with the
/// run's service time; its queue holds a whole repetition (every request at once).
///
/// # Errors
/// The fixture's error.
pub fn start_downstream(
    capacity: usize,
    service: Duration,
    overload: Overload,
) -> Result<HttpServer, pool_testkit::fixtures::FixtureError> {
    let config = ServerConfig {
        service_time: service,
        handler_threads: capacity,
        backlog: 4096,
        overload,
        ..ServerConfig::default()
    };
    HttpServer::start(LinkGraph::generate(1, 1, 0), config)
}

/// The running fixtures; dropping it stops the server and removes the files.
#[derive(Debug)]
pub struct Fixtures {
    server: HttpServer,
    /// The downstream services, queue and refuse mode; held to keep them running.
    _downstream: [HttpServer; 2],
    files: tempfile::TempDir,
    tree: DirTree,
    spec: FixtureSpec,
}

/// Fills `dir` with `count` files of `size` seeded bytes (`f<i>.bin`).
///
/// # Errors
/// The I/O error of the first failed write.
pub fn write_files(dir: &Path, count: u32, size: u32) -> std::io::Result<()> {
    let mut rng = SplitMix64::new(7);
    for i in 0..count {
        let bytes: Vec<u8> = (0..size).map(|_| rng.next_u64() as u8).collect();
        std::fs::write(dir.join(format!("f{i}.bin")), bytes)?;
    }
    Ok(())
}

impl Fixtures {
    /// Starts the HTTP server with enough handler threads for `max_concurrency` clients
    /// and room for `pending` connections waiting at once (accepted or in the kernel's
    /// queue, see [`ServerConfig::backlog`]), and generates the files for `scale`.
    ///
    /// # Errors
    /// A description of the fixture that failed to start.
    pub fn start(scale: Scale, max_concurrency: usize, pending: usize) -> Result<Fixtures, String> {
        let service = Duration::from_millis(1);
        let graph = (11, scale.pick(64, 512, 1024), 3);
        let config = ServerConfig {
            service_time: service,
            handler_threads: max_concurrency + 16,
            backlog: (4 * max_concurrency + 64).max(pending),
            ..ServerConfig::default()
        };
        let server = HttpServer::start(LinkGraph::generate(graph.0, graph.1, graph.2), config)
            .map_err(|e| format!("http server: {e}"))?;
        let queue = start_downstream(DOWNSTREAM_CAPACITY, service, Overload::Queue)
            .map_err(|e| format!("downstream server: {e}"))?;
        let refuse = start_downstream(DOWNSTREAM_CAPACITY, service, Overload::Refuse)
            .map_err(|e| format!("downstream server: {e}"))?;
        let files_dir = tempfile::Builder::new()
            .prefix("pool-bench-files")
            .tempdir()
            .map_err(|e| format!("files dir: {e}"))?;
        let files = (scale.pick(64, 512, 4096), 16 * 1024);
        write_files(files_dir.path(), files.0, files.1).map_err(|e| format!("files: {e}"))?;
        let tree_spec = DirTreeSpec {
            seed: 5,
            depth: scale.pick(2, 4, 5),
            max_fan_out: scale.pick(3, 5, 6),
            max_files_per_dir: scale.pick(4, 8, 16),
            max_file_size: 4096,
        };
        let tree = DirTree::generate(tree_spec).map_err(|e| format!("dir tree: {e}"))?;
        let want = tree.expected();
        let spec = FixtureSpec {
            http: Some(server.addr()),
            service_us: service.as_micros() as u64,
            graph,
            files_dir: Some(files_dir.path().to_path_buf()),
            files,
            tree_root: Some(tree.path().to_path_buf()),
            tree_expected: (want.dirs, want.files, want.bytes),
            downstream_queue: Some(queue.addr()),
            downstream_refuse: Some(refuse.addr()),
            downstream_capacity: DOWNSTREAM_CAPACITY,
        };
        Ok(Fixtures {
            server,
            _downstream: [queue, refuse],
            files: files_dir,
            tree,
            spec,
        })
    }

    /// What to hand to a cell.
    pub fn spec(&self) -> &FixtureSpec {
        &self.spec
    }

    /// Requests the server has answered so far (a witness that cells used it).
    pub fn total_requests(&self) -> u64 {
        self.server.total_requests()
    }

    /// Where the flat files and the tree live.
    pub fn paths(&self) -> (&Path, &Path) {
        (self.files.path(), self.tree.path())
    }
}

/// An async HTTP/1.1 GET to the loopback fixture server; returns the body of a 200.
///
/// # Errors
/// An I/O error, a non-loopback address, or a malformed or non-200 response.
pub async fn http_get_async(addr: SocketAddr, path: &str) -> std::io::Result<Vec<u8>> {
    require_ok(http_request_async(addr, path).await?)
}

/// An async HTTP/1.1 GET to the loopback fixture server; returns the status and body.
///
/// # Errors
/// An I/O error, a non-loopback address, or a malformed response.
pub async fn http_request_async(addr: SocketAddr, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "refusing a non-loopback address",
        ));
    }
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.write_all(request(addr, path).as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    parse_response(raw)
}

/// Sends `GET path` over an open connection to `addr` and returns the body of a 200
/// (for a client that connects first and asks later, holding the connection meanwhile).
///
/// # Errors
/// An I/O error, or a malformed or non-200 response.
pub async fn http_exchange_async(
    mut stream: tokio::net::TcpStream,
    addr: SocketAddr,
    path: &str,
) -> std::io::Result<Vec<u8>> {
    stream.write_all(request(addr, path).as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    require_ok(parse_response(raw)?)
}

/// [`http_exchange_async`] on a blocking connection.
///
/// # Errors
/// An I/O error, or a malformed or non-200 response.
pub fn http_exchange(
    mut stream: std::net::TcpStream,
    addr: SocketAddr,
    path: &str,
) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Write};
    stream.write_all(request(addr, path).as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    require_ok(parse_response(raw)?)
}

/// The request line and headers of a one-shot GET.
fn request(addr: SocketAddr, path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
}

/// The status and body of a raw response.
fn parse_response(mut raw: Vec<u8>) -> std::io::Result<(u16, Vec<u8>)> {
    use std::io::{Error, ErrorKind};
    let bad = |what: &str| Error::new(ErrorKind::InvalidData, what.to_owned());
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no header end"))?;
    let status = raw
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| raw.strip_prefix(b"HTTP/1.0 "))
        .and_then(|rest| std::str::from_utf8(rest.get(..3)?).ok())
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| bad("no HTTP/1.x status line"))?;
    Ok((status, raw.split_off(end + 4)))
}

/// The body of a 200, else an `InvalidData` error naming the status.
fn require_ok((status, body): (u16, Vec<u8>)) -> std::io::Result<Vec<u8>> {
    if status == 200 {
        Ok(body)
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("status is {status}, not 200"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn http_get_async_errors_on_a_non_loopback_address() {
        let addr: SocketAddr = "192.0.2.1:80".parse().expect("addr");
        let err = block_on(http_get_async(addr, "/")).expect_err("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn fixtures_serve_pages_bytes_files_and_a_tree() {
        let f = Fixtures::start(Scale::Smoke, 4, 0).expect("fixtures");
        let spec = f.spec().clone();
        let addr = spec.http.expect("server");
        let body = block_on(http_get_async(addr, "/bytes/30")).expect("bytes");
        assert_eq!(body.len(), 30);
        let err = block_on(http_get_async(addr, "/nope")).expect_err("404 is an error");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(f.total_requests() >= 2);
        let (files, tree) = f.paths();
        assert_eq!(
            std::fs::read_dir(files).expect("files").count() as u32,
            spec.files.0
        );
        let totals = pool_testkit::fixtures::walk(tree).expect("walk");
        assert_eq!(
            (totals.dirs, totals.files, totals.bytes),
            spec.tree_expected
        );
    }
}
