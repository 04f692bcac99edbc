//! Contenders that run outside this process (the Go program in `benches/go/`): a
//! workload's repetition described as data ([`ExternalJob`]), the spec such a cell's
//! process is started with ([`ExternalSpec`]), and building the program ([`GoProgram`]).
//!
//! The external process speaks the line protocol of [`crate::runner::child`]: it warms
//! up, prints `"ready"`, answers each `rep` line with one `{"sample": ...}` line and exits
//! at `done` or the end of its input. It checks its own witness against the expected
//! figure carried in the job (the job's `n`, `expected_sum` or `expected_pages`) and
//! answers `wrong-answer` when they differ, as an in-process cell does.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::record::Cell;

/// A repetition's work described as data, for contenders that run outside this process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ExternalJob {
    /// `n` timer waits of `wait_ns`; witness `waits=<n>`.
    Sleep {
        /// Waits.
        n: u64,
        /// Each wait, ns.
        wait_ns: u64,
    },
    /// `n` HTTP/1.1 GETs of `path` on `addr`, a fresh connection each; a good response
    /// is 200 with `len` bytes of the server's a..z pattern. `refusals_ok`: a 503 reply
    /// is counted as a refusal (reported), not a failure. Witness `good responses=<n>`.
    Get {
        /// Requests.
        n: u64,
        /// The loopback server.
        addr: SocketAddr,
        /// The path each request asks for.
        path: String,
        /// The expected body length.
        len: u64,
        /// Whether a 503 is a refusal rather than an error.
        refusals_ok: bool,
        /// Whether `addr` is the downstream service, which answers `/stats`: read (and
        /// so reset) before the repetition and after it, its 503 count must match the
        /// refusals counted and its longest queue is reported, as in-process.
        service_stats: bool,
    },
    /// Read `dir/f<i>.bin` for i in 0..count once each; witness `byte sum=<sum>`.
    Files {
        /// The folder of generated files.
        dir: PathBuf,
        /// How many files.
        count: u32,
        /// The sum of every byte of every file, read sequentially by the parent.
        expected_sum: u64,
    },
    /// Crawl the link graph from page `root` over `addr`, each page fetched once;
    /// witness `pages fetched=<expected_pages>`.
    Crawl {
        /// The loopback server.
        addr: SocketAddr,
        /// The first page.
        root: u32,
        /// Pages reachable from `root`.
        expected_pages: u64,
    },
    /// `held-sleep`: `n` tasks each waiting until one deadline `hold_ns` after the first
    /// submission, while the process samples what it holds; witness
    /// `ok=<n> fd_errors=0 refused=0`.
    HeldSleep {
        /// Tasks.
        n: u64,
        /// The deadline, ns after the first submission.
        hold_ns: u64,
    },
    /// `held-conn`: under an fd soft limit of `fd_limit`, set by the process for the
    /// repetition, `n` tasks each connect to `addr`, hold the connection until the
    /// deadline `hold_ns` after the first submission, then GET `path` and expect `len`
    /// bytes of the a..z pattern. A connect that fails with `EMFILE` or `ENFILE` is an fd
    /// error, counted and not retried; witness `ok=<ok> fd_errors=<e> refused=0` with
    /// `ok + e = n`.
    HeldConn {
        /// Tasks.
        n: u64,
        /// The deadline, ns after the first submission.
        hold_ns: u64,
        /// The loopback server.
        addr: SocketAddr,
        /// The path each request asks for.
        path: String,
        /// The expected body length.
        len: u64,
        /// The fd soft limit (`RLIMIT_NOFILE`) during the repetition.
        fd_limit: u64,
    },
}

/// What an external cell's process is started with (`--spec <json>`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExternalSpec {
    /// The cell, copied into every sample the process writes.
    pub cell: Cell,
    /// Goroutines of a bounded contender (`None`: one per task).
    pub c: Option<usize>,
    /// Unrecorded warm-ups, run once when the process starts.
    pub warmup: u32,
    /// The work of one repetition.
    pub job: ExternalJob,
}

/// How to install Go where it is missing, quoted in every `unsupported` Go cell.
pub const GO_INSTALL_HINT: &str = "apt-get install golang-go";

/// The Go program's sources, in this package.
pub fn go_source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("go")
}

/// The built Go cell program, or why there is none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoProgram {
    /// The program's path.
    Built(PathBuf),
    /// Why it could not be built (with the install hint where `go` is missing).
    Unavailable(String),
}

impl GoProgram {
    /// Builds the Go program in `source` into `out/go-cell` with `go` (looked up on
    /// `PATH`), `go build -trimpath`, standard library only, no cgo.
    pub fn build(go: &str, source: &Path, out: &Path) -> GoProgram {
        let program = out.join("go-cell");
        let mut command = Command::new(go);
        command
            .current_dir(source)
            .args(["build", "-trimpath", "-o"])
            .arg(&program)
            .arg(".")
            .env("CGO_ENABLED", "0");
        // `go` needs a build cache; without HOME it has no default one.
        if std::env::var_os("GOCACHE").is_none() && std::env::var_os("HOME").is_none() {
            command.env("GOCACHE", out.join("cache"));
        }
        if let Err(e) = std::fs::create_dir_all(out) {
            return GoProgram::Unavailable(format!("{}: {e}", out.display()));
        }
        match command.output() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => GoProgram::Unavailable(format!(
                "`{go}` not found on PATH (install Go: {GO_INSTALL_HINT})"
            )),
            Err(e) => GoProgram::Unavailable(format!("`{go} build`: {e} ({GO_INSTALL_HINT})")),
            Ok(o) if !o.status.success() => {
                let err = String::from_utf8_lossy(&o.stderr);
                let tail: Vec<&str> = err.lines().rev().take(3).collect();
                GoProgram::Unavailable(format!(
                    "`{go} build` failed ({}): {} ({GO_INSTALL_HINT})",
                    o.status,
                    tail.join(" | ")
                ))
            }
            Ok(_) => GoProgram::Built(program),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::FixtureSpec;
    use crate::workloads::{self, Env, Scale};
    use pool_testkit::fixtures::LinkGraph;
    use pool_testkit::kernels::SpinCalibration;

    #[test]
    fn a_job_serialises_with_its_kind_tag() {
        let job = ExternalJob::Sleep { n: 3, wait_ns: 5 };
        let json = serde_json::to_string(&job).expect("json");
        assert_eq!(json, r#"{"kind":"sleep","n":3,"wait_ns":5}"#);
        let back: ExternalJob = serde_json::from_str(&json).expect("back");
        assert_eq!(back, job);
    }

    /// The Go program's `Job` reads these exact names (`TestHeldJobParsesTheRustJSON` in
    /// `benches/go/main_test.go` parses the same text).
    #[test]
    fn a_held_job_serialises_with_the_names_the_go_program_reads() {
        let job = ExternalJob::HeldConn {
            n: 500,
            hold_ns: 300_000_000,
            addr: "127.0.0.1:9".parse().expect("addr"),
            path: "/bytes/64".into(),
            len: 64,
            fd_limit: 256,
        };
        let json = serde_json::to_string(&job).expect("json");
        assert_eq!(
            json,
            r#"{"kind":"held-conn","n":500,"hold_ns":300000000,"addr":"127.0.0.1:9","path":"/bytes/64","len":64,"fd_limit":256}"#
        );
        assert_eq!(serde_json::from_str::<ExternalJob>(&json).ok(), Some(job));
        let sleep = ExternalJob::HeldSleep { n: 2, hold_ns: 7 };
        assert_eq!(
            serde_json::to_string(&sleep).expect("json"),
            r#"{"kind":"held-sleep","n":2,"hold_ns":7}"#
        );
    }

    fn env(fixtures: FixtureSpec) -> Env {
        Env {
            cores: 2,
            concurrency: 2,
            spin: SpinCalibration::from_nanos_per_iteration(1.0),
            fixtures,
        }
    }

    fn external(name: &str, fixtures: FixtureSpec) -> Option<Result<ExternalJob, String>> {
        let w = workloads::find(Scale::Smoke, name).expect("workload");
        w.external(&env(fixtures))
            .map(|r| r.map_err(|e| e.to_string()))
    }

    #[test]
    fn the_descriptions_carry_the_in_process_parameters() {
        let addr: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        let files = tempfile::tempdir().expect("tempdir");
        crate::fixtures::write_files(files.path(), 3, 10).expect("files");
        let expected_sum: u64 = (0..3)
            .flat_map(|i| std::fs::read(files.path().join(format!("f{i}.bin"))).expect("read"))
            .map(u64::from)
            .sum();
        let fixtures = FixtureSpec {
            http: Some(addr),
            graph: (11, 64, 3),
            files_dir: Some(files.path().to_path_buf()),
            files: (3, 10),
            ..FixtureSpec::default()
        };
        let sleep = ExternalJob::Sleep {
            n: 64,
            wait_ns: 1_000_000,
        };
        assert_eq!(external("sleep", fixtures.clone()), Some(Ok(sleep)));
        let get = ExternalJob::Get {
            n: 64,
            addr,
            path: "/bytes/256".into(),
            len: 256,
            refusals_ok: false,
            service_stats: false,
        };
        assert_eq!(external("tcp-rr", fixtures.clone()), Some(Ok(get)));
        let dir = files.path().to_path_buf();
        let read = ExternalJob::Files {
            dir,
            count: 3,
            expected_sum,
        };
        assert_eq!(external("files", fixtures.clone()), Some(Ok(read)));
        let pages = LinkGraph::generate(11, 64, 3).reachable_from(0).len() as u64;
        let crawl = ExternalJob::Crawl {
            addr,
            root: 0,
            expected_pages: pages,
        };
        assert_eq!(external("crawl", fixtures.clone()), Some(Ok(crawl)));
        let pending = workloads::held_pending(Scale::Smoke);
        let held_sleep = ExternalJob::HeldSleep {
            n: pending,
            hold_ns: 300_000_000,
        };
        assert_eq!(
            external("held-sleep", fixtures.clone()),
            Some(Ok(held_sleep))
        );
        let held_conn = ExternalJob::HeldConn {
            n: 500,
            hold_ns: 300_000_000,
            addr,
            path: "/bytes/64".into(),
            len: 64,
            fd_limit: workloads::held_fd_limit(Scale::Smoke),
        };
        assert_eq!(external("held-conn", fixtures.clone()), Some(Ok(held_conn)));
        // Without fixtures: a setup error, not a missing description.
        for name in ["tcp-rr", "held-conn"] {
            assert!(
                matches!(external(name, FixtureSpec::default()), Some(Err(_))),
                "{name}"
            );
        }
        assert!(matches!(
            external("held-sleep", FixtureSpec::default()),
            Some(Ok(_))
        ));
        // Workloads without a description.
        for name in ["empty", "fib-join", "dirwalk", "mixed", "latency-50"] {
            assert_eq!(external(name, fixtures.clone()), None, "{name}");
        }
    }

    #[test]
    fn without_go_the_program_is_unavailable_with_the_install_hint() {
        let out = tempfile::tempdir().expect("tempdir");
        let got = GoProgram::build("no-such-go-binary", &go_source_dir(), out.path());
        let GoProgram::Unavailable(why) = got else {
            panic!("{got:?}")
        };
        assert!(why.contains("not found on PATH"), "{why}");
        assert!(why.contains(GO_INSTALL_HINT), "{why}");
    }
}
