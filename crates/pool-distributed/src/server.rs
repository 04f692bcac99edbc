//! A throwaway `nats-server` with JetStream, for tests, examples and benchmarks.
//!
//! [`NatsServer::start`] finds the binary, picks a free port on 127.0.0.1, keeps the
//! JetStream store in a fresh temporary folder and waits until the server answers; dropping
//! the value kills the server and removes the folder. Nothing here touches any other host.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::ServerError;

/// The command that installs the server on Debian, quoted in [`ServerError::NotInstalled`].
pub const INSTALL_HINT: &str = "apt-get install -y nats-server";

/// How long a starting server may take to accept a client before [`ServerError::NotReady`].
const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// A `nats-server -js` child process on 127.0.0.1, killed on drop.
///
/// ```no_run
/// use pool_distributed::NatsServer;
/// let server = NatsServer::start()?;
/// println!("JetStream at {}", server.url());
/// # Ok::<(), pool_distributed::ServerError>(())
/// ```
#[derive(Debug)]
pub struct NatsServer {
    binary: PathBuf,
    port: u16,
    /// The JetStream store and the server's log; it outlives restarts.
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl NatsServer {
    /// Starts a server with JetStream on a free port of 127.0.0.1 and waits until it
    /// accepts clients.
    ///
    /// # Errors
    /// [`ServerError::NotInstalled`] when no `nats-server` binary is found (its message
    /// carries the install command); [`ServerError::Io`] when the temporary folder, the port
    /// or the process cannot be had; [`ServerError::Exited`] or [`ServerError::NotReady`]
    /// when the process dies or stays silent while starting.
    pub fn start() -> Result<NatsServer, ServerError> {
        let binary = find_binary()?;
        let dir = tempfile::Builder::new()
            .prefix("pool-distributed-nats")
            .tempdir()
            .map_err(ServerError::Io)?;
        let port = free_port()?;
        let mut server = NatsServer {
            binary,
            port,
            dir,
            child: None,
        };
        server.spawn()?;
        Ok(server)
    }

    /// The client URL, `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The port the server listens on; it stays the same across [`NatsServer::restart`].
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server at once (SIGKILL, no chance to flush), keeping its store.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // An already exited child makes both calls fail harmlessly.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server if it runs, then starts it again on the same port with the same
    /// store, and waits until it accepts clients.
    ///
    /// # Errors
    /// As [`NatsServer::start`], except `NotInstalled`.
    pub fn restart(&mut self) -> Result<(), ServerError> {
        self.kill();
        self.spawn()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("nats-server.log")
    }

    fn spawn(&mut self) -> Result<(), ServerError> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .map_err(ServerError::Io)?;
        let log_err = log.try_clone().map_err(ServerError::Io)?;
        let child = Command::new(&self.binary)
            .arg("-js")
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .arg("-sd")
            .arg(self.dir.path().join("store"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(ServerError::Io)?;
        self.child = Some(child);
        self.wait_ready()
    }

    fn wait_ready(&mut self) -> Result<(), ServerError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(ServerError::Exited {
                        status: status.to_string(),
                        log: log_tail(&self.log_path()),
                    });
                }
            }
            // The server greets every client with an INFO line once it serves; with `-js`
            // JetStream is up before the listener opens.
            if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let mut line = String::new();
                if BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("INFO") {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(ServerError::NotReady {
                    waited: READY_TIMEOUT,
                    log: log_tail(&self.log_path()),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `nats-server` to run: `$NATS_SERVER` if set, else the first on `PATH`, else the
/// Debian package's `/usr/sbin/nats-server` (root's `PATH` may lack `sbin`).
///
/// # Errors
/// [`ServerError::NotInstalled`] when none exists.
///
/// ```
/// match pool_distributed::server::find_binary() {
///     Ok(path) => assert!(path.exists()),
///     Err(e) => assert!(e.to_string().contains("apt-get install")),
/// }
/// ```
pub fn find_binary() -> Result<PathBuf, ServerError> {
    if let Some(path) = std::env::var_os("NATS_SERVER") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(ServerError::NotInstalled {
                install: INSTALL_HINT,
            })
        };
    }
    let path_dirs = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path_dirs)
        .chain(["/usr/sbin", "/usr/local/sbin", "/usr/local/bin"].map(PathBuf::from))
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| candidate.is_file())
        .ok_or(ServerError::NotInstalled {
            install: INSTALL_HINT,
        })
}

/// A port of 127.0.0.1 that was free a moment ago (the OS picks it).
fn free_port() -> Result<u16, ServerError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(ServerError::Io)?;
    Ok(listener.local_addr().map_err(ServerError::Io)?.port())
}

/// The last lines of the server's log, for an error message.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_port_is_nonzero() {
        assert_ne!(free_port().unwrap(), 0);
    }

    #[test]
    fn missing_binary_names_the_install_command() {
        let err = ServerError::NotInstalled {
            install: INSTALL_HINT,
        };
        assert!(err.to_string().contains("apt-get install -y nats-server"));
    }
}
