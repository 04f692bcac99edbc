//! What the integration tests share: a server or a loud skip, worker processes killed on
//! drop, and the watchdog limit.

#![allow(dead_code)] // Each test file uses its own part of this module.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pool_distributed::{NatsServer, ServerError};

/// How long one test may take before the watchdog fails it.
pub const LIMIT: Duration = Duration::from_secs(120);

/// A fresh server, or `None` after printing SKIPPED with the install command.
///
/// # Panics
/// When the binary exists but the server does not start.
pub fn server_or_skip(test: &str) -> Option<NatsServer> {
    match NatsServer::start() {
        Ok(server) => Some(server),
        Err(e @ ServerError::NotInstalled { .. }) => {
            println!("SKIPPED {test}: {e}");
            eprintln!("SKIPPED {test}: {e}");
            None
        }
        Err(e) => panic!("nats-server did not start: {e}"),
    }
}

/// Runs `check` with a fresh server's URL and a set of worker processes under the
/// watchdog; server and processes are killed when it ends, fails or hangs. Without the
/// server binary, prints SKIPPED with the install command instead.
///
/// # Panics
/// When the check panics or outlives [`LIMIT`], or the server does not start.
pub fn with_server<F>(test: &str, check: F)
where
    F: FnOnce(String, WorkerProcs) + Send + 'static,
{
    let Some(server) = server_or_skip(test) else {
        return;
    };
    let url = server.url();
    let workers = WorkerProcs::default();
    let theirs = workers.clone();
    pool_testkit::with_watchdog(test, LIMIT, move || check(url, theirs));
    drop(workers);
    drop(server);
}

/// Worker processes (the crate's `pool-distributed-worker` binary), SIGKILLed on drop so
/// a failing test leaves none behind.
#[derive(Clone, Default)]
pub struct WorkerProcs(Arc<Mutex<Vec<Child>>>);

impl WorkerProcs {
    /// Starts one worker process; returns its index.
    pub fn start(&self, url: &str, prefix: &str, args: &[&str]) -> usize {
        let child = Command::new(env!("CARGO_BIN_EXE_pool-distributed-worker"))
            .arg(url)
            .arg(prefix)
            .args(args)
            .stdin(Stdio::null())
            .spawn()
            .expect("starting pool-distributed-worker");
        let mut children = self.0.lock().unwrap_or_else(|p| p.into_inner());
        children.push(child);
        children.len() - 1
    }

    /// SIGKILLs worker `index` and reaps it.
    pub fn kill(&self, index: usize) {
        let mut children = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let child = &mut children[index];
        child.kill().expect("SIGKILL to a worker");
        child.wait().expect("reaping a worker");
    }

    /// Whether worker `index` is still running.
    pub fn alive(&self, index: usize) -> bool {
        let mut children = self.0.lock().unwrap_or_else(|p| p.into_inner());
        matches!(children[index].try_wait(), Ok(None))
    }
}

impl Drop for WorkerProcs {
    fn drop(&mut self) {
        if Arc::strong_count(&self.0) == 1 {
            for child in self.0.lock().unwrap_or_else(|p| p.into_inner()).iter_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// A server shared with a check thread (to restart it there), killed when the test's own
/// thread drops this, even if the check thread is stuck.
pub struct SharedServer(pub Arc<Mutex<NatsServer>>);

impl Drop for SharedServer {
    fn drop(&mut self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).kill();
    }
}
