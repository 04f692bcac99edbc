//! `run_batch`: the classic finite shape, results in submission order.

use std::time::Duration;

use pool_testkit::with_watchdog;

#[test]
fn results_come_back_in_submission_order() {
    with_watchdog("order", Duration::from_secs(20), || {
        // Later jobs finish first: the order is the submission order, not completion order.
        let jobs = (0..64u64).map(|i| {
            move || {
                std::thread::sleep(Duration::from_micros((64 - i) * 20));
                i * 3
            }
        });
        let results = pool_finite::run_batch(4, jobs).expect("valid pool");
        let values: Vec<u64> = results.into_iter().map(|r| r.expect("no panic")).collect();
        assert_eq!(values, (0..64).map(|i| i * 3).collect::<Vec<_>>());
    });
}

#[test]
fn a_panicking_job_yields_err_at_its_place() {
    with_watchdog("panic", Duration::from_secs(20), || {
        let results = pool_finite::run_batch(
            2,
            (0..10u32).map(|i| {
                move || {
                    assert!(i != 4, "job four fails");
                    i
                }
            }),
        )
        .expect("valid pool");
        for (i, r) in results.into_iter().enumerate() {
            match r {
                Ok(v) => assert_eq!(v as usize, i),
                Err(e) => {
                    assert_eq!(i, 4);
                    assert!(e.is_panic());
                }
            }
        }
    });
}

#[test]
fn a_long_batch_streams_through_a_bounded_queue() {
    with_watchdog("stream", Duration::from_secs(20), || {
        let results = pool_finite::run_batch(3, (0..20_000u64).map(|i| move || i)).expect("valid");
        let sum: u64 = results.into_iter().map(|r| r.expect("no panic")).sum();
        assert_eq!(sum, 20_000 * 19_999 / 2);
    });
}
