//! Every workload gives the right answer on a sequential and a parallel contender, each
//! check can fail (a contender that loses tasks is caught), and missing capabilities are
//! reported as `Unsupported`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use pool_testkit::kernels::SpinCalibration;

use super::{all, find, Env, Scale, WorkloadError};
use crate::contender::{Contender, ContenderError, Task, TreeTask, Work};
use crate::contenders::{RayonPool, Sequential, TokioRuntime};
use crate::fixtures::Fixtures;
use crate::measure::Clock;

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| Fixtures::start(Scale::Smoke, 8, 0).expect("fixtures"))
}

fn env() -> Env {
    Env {
        cores: 2,
        concurrency: 4,
        spin: SpinCalibration::from_nanos_per_iteration(1.0),
        fixtures: fixtures().spec().clone(),
    }
}

fn run_all(c: &dyn Contender) {
    let env = env();
    // `held-conn` lowers the process's fd limit, which would starve the tests running
    // beside it: its tests run it in a child process (`held::tests`).
    for w in all(Scale::Smoke)
        .into_iter()
        .filter(|w| w.name() != "held-conn")
    {
        let mut clock = Clock::new();
        match w.run(c, &env, &mut clock) {
            Ok(out) => {
                assert!(!out.witness.is_empty(), "{}", w.name());
                assert!(
                    clock.span().is_some(),
                    "{} did not time its region",
                    w.name()
                );
            }
            Err(WorkloadError::Contender(ContenderError::Unsupported(_))) => {}
            Err(e) => panic!("{} on {}: {e}", w.name(), c.name()),
        }
    }
}

#[test]
fn every_workload_is_right_on_sequential() {
    run_all(&Sequential::new());
}

#[test]
fn every_workload_is_right_on_rayon_with_more_workers_than_cores() {
    run_all(&RayonPool::new(4).expect("rayon"));
}

#[test]
fn every_workload_is_right_on_tokio() {
    run_all(&TokioRuntime::new(2).expect("tokio"));
}

/// Runs inline but silently drops every tenth flat task: the checks must notice.
struct Lossy {
    inner: Sequential,
    seen: AtomicU64,
}

impl Contender for Lossy {
    fn name(&self) -> &'static str {
        "lossy"
    }
    fn workers(&self) -> Option<usize> {
        Some(1)
    }
    fn submit(&self, task: Task, work: Work) -> Result<(), ContenderError> {
        if self.seen.fetch_add(1, Ordering::Relaxed) % 10 == 9 {
            return Ok(());
        }
        self.inner.submit(task, work)
    }
    fn wait(&self) -> Result<(), ContenderError> {
        self.inner.wait()
    }
    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        self.inner.spawn_tree(root)
    }
}

#[test]
fn a_contender_that_loses_tasks_gives_a_wrong_answer() {
    let env = env();
    let lossy = Lossy {
        inner: Sequential::new(),
        seen: AtomicU64::new(0),
    };
    for name in ["empty", "spin-1us", "sleep", "files", "idle"] {
        let w = find(Scale::Smoke, name).expect("workload");
        let r = w.run(&lossy, &env, &mut Clock::new());
        assert!(
            matches!(r, Err(WorkloadError::WrongAnswer { .. })),
            "{name}: {r:?}"
        );
    }
}

#[test]
fn missing_capabilities_are_unsupported() {
    let env = env();
    let tokio = TokioRuntime::new(1).expect("tokio");
    let r = find(Scale::Smoke, "fib-join")
        .expect("fib-join")
        .run(&tokio, &env, &mut Clock::new());
    assert!(matches!(
        r,
        Err(WorkloadError::Contender(ContenderError::Unsupported(_)))
    ));
    let r = find(Scale::Smoke, "queue-memory")
        .expect("queue-memory")
        .run(&Sequential::new(), &env, &mut Clock::new());
    assert!(matches!(
        r,
        Err(WorkloadError::Contender(ContenderError::Unsupported(_)))
    ));
}

#[test]
fn check_errors_with_wrong_answer() {
    assert_eq!(super::check("x", 1, 1), Ok("x=1".into()));
    assert!(matches!(
        super::check("x", 1, 2),
        Err(WorkloadError::WrongAnswer { .. })
    ));
}

#[test]
fn names_are_unique() {
    let ws = all(Scale::Quick);
    for (i, w) in ws.iter().enumerate() {
        assert!(ws[i + 1..].iter().all(|o| o.name() != w.name()));
    }
}
