//! The downstream workloads against services started here with a small capacity: a pool
//! bounded at `c <= K` is never refused and never makes the service queue; unbounded tasks
//! are refused (refuse mode) or queue in the service (queue mode). The service time is
//! long enough (300 ms) that every unbounded request arrives while the first `K` are in
//! service: a behaviour check, not a timing target.

use std::time::Duration;

use pool_testkit::fixtures::{HttpServer, Overload};
use pool_testkit::kernels::SpinCalibration;

use super::*;
use crate::contenders::{RayonPool, TokioRuntime, TokioUnbounded};
use crate::fixtures::{start_downstream, FixtureSpec};

fn service(k: usize, ms: u64, mode: Overload) -> HttpServer {
    start_downstream(k, Duration::from_millis(ms), mode).expect("service starts")
}

fn env(server: &HttpServer, k: usize, c: usize, ms: u64) -> Env {
    Env {
        cores: 2,
        concurrency: c,
        spin: SpinCalibration::from_nanos_per_iteration(1.0),
        fixtures: FixtureSpec {
            service_us: ms * 1000,
            downstream_queue: Some(server.addr()),
            downstream_refuse: Some(server.addr()),
            downstream_capacity: k,
            ..FixtureSpec::default()
        },
    }
}

fn run(mode: Overload, n: u64, c: &dyn Contender, env: &Env) -> Output {
    Downstream { mode, n }
        .run(c, env, &mut Clock::new())
        .expect("a checked repetition")
}

#[test]
fn pools_bounded_at_the_capacity_are_never_refused_and_never_queue() {
    let refuse = service(4, 1, Overload::Refuse);
    let queue = service(4, 1, Overload::Queue);
    let pools: [Box<dyn Contender>; 2] = [
        Box::new(RayonPool::new(4).expect("rayon")),
        Box::new(TokioRuntime::new(2).expect("tokio")),
    ];
    for pool in &pools {
        let out = run(Overload::Refuse, 64, pool.as_ref(), &env(&refuse, 4, 4, 1));
        assert_eq!(out.witness, "good+refused=64", "{}", pool.name());
        assert_eq!(out.extra.refusals, Some(0), "{}", pool.name());
        assert_eq!(out.latencies_ns.len(), 64);
        let out = run(Overload::Queue, 64, pool.as_ref(), &env(&queue, 4, 4, 1));
        assert_eq!(out.witness, "good responses=64");
        assert_eq!(out.extra.downstream_queue_max, Some(0), "{}", pool.name());
    }
}

#[test]
fn unbounded_tasks_are_refused_or_queue_in_the_service() {
    let unbounded = TokioUnbounded::new(2).expect("tokio-unbounded");
    let refuse = service(2, 300, Overload::Refuse);
    let out = run(Overload::Refuse, 8, &unbounded, &env(&refuse, 2, 2, 300));
    assert_eq!(out.witness, "good+refused=8");
    let refused = out.extra.refusals.expect("counted");
    assert!(refused > 0, "all 8 arrive while 2 are in service");
    assert_eq!(out.jobs + refused, 8);
    let queue = service(2, 300, Overload::Queue);
    let out = run(Overload::Queue, 8, &unbounded, &env(&queue, 2, 2, 300));
    assert_eq!(out.witness, "good responses=8");
    assert!(
        out.extra.downstream_queue_max.is_some_and(|q| q > 0),
        "{out:?}"
    );
}

#[test]
fn a_missing_service_is_a_setup_error() {
    let env = Env {
        cores: 2,
        concurrency: 2,
        spin: SpinCalibration::from_nanos_per_iteration(1.0),
        fixtures: FixtureSpec::default(),
    };
    let err = Downstream {
        mode: Overload::Queue,
        n: 1,
    }
    .run(
        &TokioUnbounded::new(1).expect("rt"),
        &env,
        &mut Clock::new(),
    )
    .expect_err("no service");
    assert!(matches!(err, WorkloadError::Setup(_)), "{err}");
}
