//! The parent's handle on one cell's process: start it, ask for repetitions one at a time
//! with a timeout each, and end it. Every way a conversation can go wrong becomes a
//! `timeout` or `failed` [`Sample`], never a lost cell.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::{CellSpec, Reply, DONE, REP};
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
        // stderr goes to an unnamed file, read only when the cell fails: no pipe to drain.
        let stderr = tempfile::tempfile()
            .and_then(|f| Ok((f.try_clone()?, f)))
            .map_err(|e| fail(cell, Status::Failed, format!("stderr file: {e}")))?;
        let mut child = Command::new(exe)
            .args(["cell", "--spec", &json])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr.0)
            .spawn()
            .map_err(|e| fail(cell, Status::Failed, format!("spawn: {e}")))?;
        let (tx, replies) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            // One reader per child so the parent can wait with a timeout; it ends with the
            // child's stdout.
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
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
        let code = self
            .child
            .wait()
            .map_or("unknown".into(), |s| s.to_string());
        let mut text = String::new();
        if self.stderr.rewind().is_ok() {
            let _ = self.stderr.read_to_string(&mut text);
        }
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
