//! The parent's handle on one cell's process: start it, ask for repetitions one at a time
//! with a timeout each, and end it. Every way a conversation can go wrong becomes a
//! `timeout` or `failed` [`Sample`], never a lost cell.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::{CellSpec, Launch, Reply, DONE, REP};
use crate::measure::cpu_time;
use crate::record::{Cell, Sample, Status};

/// A live cell process (killed when dropped, if still running).
pub struct CellProcess {
    cell: Cell,
    child: Child,
    stdin: Option<ChildStdin>,
    replies: Receiver<String>,
    stderr: File,
    reps: u32,
}

/// How a failed exchange with the child is recorded.
fn fail(cell: &Cell, status: Status, msg: String) -> Box<Sample> {
    Box::new(Sample::empty(cell, status, msg))
}

impl CellProcess {
    /// Starts `spec`'s process and waits up to `timeout` for it to build the contender and
    /// warm up.
    ///
    /// # Errors
    /// The cell's only record when it cannot be measured: the child's own answer (e.g.
    /// `unsupported` from a warm-up), `timeout`, or `failed` with the reason.
    pub fn start(spec: &CellSpec, timeout: Duration) -> Result<CellProcess, Box<Sample>> {
        let cell = &spec.cell;
        let json = serde_json::to_string(spec)
            .map_err(|e| fail(cell, Status::Failed, format!("spec: {e}")))?;
        let exe = std::env::current_exe()
            .map_err(|e| fail(cell, Status::Failed, format!("current_exe: {e}")))?;
        let mut command = Command::new(exe);
        command.args(["cell", "--spec", &json]);
        CellProcess::spawn(command, cell, timeout)
    }

    /// Starts the process `launch` describes (see [`CellProcess::start`]).
    ///
    /// # Errors
    /// As [`CellProcess::start`]; a [`Launch::Refused`] cell's own record.
    pub fn launch(launch: &Launch, timeout: Duration) -> Result<CellProcess, Box<Sample>> {
        match launch {
            Launch::Harness(spec) => CellProcess::start(spec, timeout),
            Launch::External { program, spec } => {
                let json = serde_json::to_string(spec)
                    .map_err(|e| fail(&spec.cell, Status::Failed, format!("spec: {e}")))?;
                let mut command = Command::new(program);
                command.args(["--spec", &json]);
                CellProcess::spawn(command, &spec.cell, timeout)
            }
            Launch::Refused(s) => Err(s.clone()),
        }
    }

    /// Starts `command` as the process of `cell` (it must speak the protocol of
    /// [`super::child`]) and waits up to `timeout` for its `ready`.
    fn spawn(
        mut command: Command,
        cell: &Cell,
        timeout: Duration,
    ) -> Result<CellProcess, Box<Sample>> {
        // stderr goes to an unnamed file, read only when the cell fails: no pipe to drain.
        let stderr = tempfile::tempfile()
            .and_then(|f| Ok((f.try_clone()?, f)))
            .map_err(|e| fail(cell, Status::Failed, format!("stderr file: {e}")))?;
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr.0)
            .spawn()
            .map_err(|e| fail(cell, Status::Failed, format!("spawn: {e}")))?;
        let (tx, replies) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            // One reader per child so the parent can wait with a timeout; it ends with the
            // child's stdout.
            // Bytes, not `lines()`: a line that is not UTF-8 must not end the reader while
            // the child still runs (the parent would then wait on a live child).
            std::thread::spawn(move || {
                let mut out = BufReader::new(out);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match out.read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let line = String::from_utf8_lossy(&buf).trim_end().to_owned();
                            if tx.send(line).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
        let mut process = CellProcess {
            cell: cell.clone(),
            stdin: child.stdin.take(),
            child,
            replies,
            stderr: stderr.1,
            reps: 0,
        };
        match process.receive(timeout, "start-up and warm-up") {
            Ok(Reply::Ready) => Ok(process),
            Ok(Reply::Sample(s)) | Err(s) => Err(s),
        }
    }

    /// Runs one repetition, waiting up to `timeout` for it. A sample that is not `ok`
    /// ends the process (the child exits; a timed-out one is killed).
    pub fn rep(&mut self, timeout: Duration) -> Sample {
        self.reps += 1;
        let what = format!("repetition {}", self.reps);
        let parent_before = cpu_time();
        let sent = self
            .stdin
            .as_mut()
            .map(|i| writeln!(i, "{REP}").and_then(|()| i.flush()));
        if !matches!(sent, Some(Ok(()))) {
            return *self.crashed(&what);
        }
        let reply = self.receive(timeout, &what);
        let parent_after = cpu_time();
        match reply {
            Ok(Reply::Sample(mut s)) => {
                let parent = (parent_after.user + parent_after.sys)
                    .saturating_sub(parent_before.user + parent_before.sys);
                s.fixture_cpu_ns = Some(parent.as_nanos() as u64);
                *s
            }
            Ok(Reply::Ready) => *fail(
                &self.cell,
                Status::Failed,
                format!("{what}: the cell answered `ready` twice"),
            ),
            Err(s) => *s,
        }
    }

    /// Asks the process to exit and reaps it (killing it if it does not exit promptly).
    pub fn finish(mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = writeln!(stdin, "{DONE}");
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The next reply, or the record of a timeout (the child is killed) or of a child that
    /// exited without answering.
    fn receive(&mut self, timeout: Duration, what: &str) -> Result<Reply, Box<Sample>> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            // Checked before reading: a child that floods stdout with other lines would
            // otherwise never let the timeout branch run.
            if left.is_zero() {
                self.kill();
                return Err(fail(
                    &self.cell,
                    Status::Timeout,
                    format!("killed at the timeout, during {what}"),
                ));
            }
            match self.replies.recv_timeout(left) {
                Ok(line) => {
                    // Anything else a contender prints to stdout is not ours: skip it.
                    if let Ok(reply) = serde_json::from_str(&line) {
                        return Ok(reply);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.kill();
                    return Err(fail(
                        &self.cell,
                        Status::Timeout,
                        format!("killed at the timeout, during {what}"),
                    ));
                }
                Err(RecvTimeoutError::Disconnected) => return Err(self.crashed(what)),
            }
        }
    }

    /// The record of a child that is gone: its exit status and the tail of its stderr.
    fn crashed(&mut self, what: &str) -> Box<Sample> {
        self.stdin = None;
        // Its stdout closed, but it may still run: give it a moment, then kill it, so a
        // run never waits on a child that will not exit.
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut status = self.child.try_wait();
        while matches!(status, Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
            status = self.child.try_wait();
        }
        if matches!(status, Ok(None)) {
            let _ = self.child.kill();
            status = self.child.wait().map(Some);
        }
        let code = match status {
            Ok(Some(s)) => s.to_string(),
            _ => "unknown".into(),
        };
        // The last few KiB only, decoded leniently: stderr may be large or not UTF-8.
        let mut bytes = Vec::new();
        let len = self.stderr.seek(SeekFrom::End(0)).unwrap_or(0);
        if self
            .stderr
            .seek(SeekFrom::Start(len.saturating_sub(4096)))
            .is_ok()
        {
            let _ = self.stderr.read_to_end(&mut bytes);
        }
        let text = String::from_utf8_lossy(&bytes);
        let tail: Vec<&str> = text.lines().rev().take(3).collect();
        fail(
            &self.cell,
            Status::Failed,
            format!("{what}: child exited ({code}): {}", tail.join(" | ")),
        )
    }

    fn kill(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for CellProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::IoMode;
    use crate::workloads::Family;

    fn cell() -> Cell {
        Cell {
            workload: "w".into(),
            family: Family::CpuFlat,
            contender: "c".into(),
            io_mode: IoMode::Blocking,
            workers: Some(1),
            concurrency: Some(1),
            oversubscribed: false,
        }
    }

    /// A stand-in cell process: a shell script.
    fn fake(script: &str, timeout: Duration) -> Result<CellProcess, Box<Sample>> {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        CellProcess::spawn(command, &cell(), timeout)
    }

    const SAMPLE: &str = r#"{"sample":{"workload":"w","family":"cpu-flat","contender":"c","io_mode":"blocking","workers":1,"concurrency":1,"oversubscribed":false,"status":"ok","rep":1,"wall_ns":5,"cpu_user_ns":1,"cpu_sys_ns":0,"jobs":1,"throughput":1.0,"peak_rss_kib":9,"heap_bytes_per_job":null,"rss_bytes_per_job":null,"bound_ns":null,"p50_ns":null,"p90_ns":null,"p99_ns":null,"p999_ns":null,"max_ns":null,"witness":"","error":""}}"#;

    #[test]
    fn a_repetition_comes_back_with_the_fixtures_cpu_time() {
        let script =
            format!("echo not json; echo '\"ready\"'; while read l; do echo '{SAMPLE}'; done");
        let mut p = fake(&script, Duration::from_secs(10)).expect("ready");
        for _ in 0..2 {
            let s = p.rep(Duration::from_secs(10));
            assert_eq!((s.status, s.wall_ns), (Status::Ok, Some(5)), "{s:?}");
            assert!(s.fixture_cpu_ns.is_some());
        }
        p.finish();
    }

    #[test]
    fn a_child_that_dies_is_failed_with_its_exit_status_and_stderr() {
        let script = "echo '\"ready\"'; read l; echo first >&2; echo 'last words' >&2; exit 3";
        let mut p = fake(script, Duration::from_secs(10)).expect("ready");
        let s = p.rep(Duration::from_secs(10));
        assert_eq!(s.status, Status::Failed);
        assert!(s.error.contains("repetition 1"), "{}", s.error);
        assert!(s.error.contains("exit status: 3"), "{}", s.error);
        assert!(s.error.contains("last words | first"), "{}", s.error);
    }

    #[test]
    fn a_child_that_prints_invalid_utf8_and_hangs_is_still_timed_out() {
        let script = "echo '\"ready\"'; read l; printf '\\377\\n'; exec sleep 30";
        let mut p = fake(script, Duration::from_secs(10)).expect("ready");
        let t = Instant::now();
        let s = p.rep(Duration::from_millis(300));
        assert_eq!(s.status, Status::Timeout, "{s:?}");
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    }

    #[test]
    fn a_child_flooding_stdout_is_timed_out() {
        let script = "echo '\"ready\"'; read l; exec yes noise";
        let mut p = fake(script, Duration::from_secs(10)).expect("ready");
        let t = Instant::now();
        let s = p.rep(Duration::from_millis(300));
        assert_eq!(s.status, Status::Timeout, "{s:?}");
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    }

    #[test]
    fn a_repetition_over_the_timeout_is_killed_and_recorded() {
        let script = "echo '\"ready\"'; read l; exec sleep 30";
        let mut p = fake(script, Duration::from_secs(10)).expect("ready");
        let t = Instant::now();
        let s = p.rep(Duration::from_millis(100));
        assert_eq!(s.status, Status::Timeout);
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "killed, not waited for"
        );
        assert!(matches!(p.child.try_wait(), Ok(Some(_))), "reaped");
    }

    #[test]
    fn a_start_up_over_the_timeout_or_without_ready_is_recorded() {
        let slow = fake("exec sleep 30", Duration::from_millis(100));
        assert!(matches!(slow, Err(s) if s.status == Status::Timeout));
        let silent = fake("exit 0", Duration::from_secs(10));
        assert!(matches!(silent, Err(s) if s.status == Status::Failed));
    }
}
