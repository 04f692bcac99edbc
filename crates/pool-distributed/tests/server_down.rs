//! No server at the URL: connecting says so, clearly and quickly, for producers and
//! workers alike; bad settings are errors before anything is contacted.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use pool_distributed::{demo, ConfigError, ConnectError, Producer, QueueConfig, Worker};

/// A port nothing listens on (bound, then released).
fn dead_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("nats://127.0.0.1:{port}")
}

#[test]
fn producer_reports_an_unreachable_server() {
    let url = dead_url();
    let started = Instant::now();
    let err = Producer::connect(&url, QueueConfig::new("down")).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    match &err {
        ConnectError::Unreachable { url: u, .. } => assert_eq!(u, &url),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&url) && text.contains("nats-server"),
        "{text}"
    );
}

#[test]
fn worker_reports_an_unreachable_server() {
    let err = Worker::new(QueueConfig::new("down"), demo::registry())
        .spawn(&dead_url())
        .unwrap_err();
    assert!(matches!(err, ConnectError::Unreachable { .. }), "{err:?}");
}

#[test]
fn bad_settings_fail_before_connecting() {
    let url = dead_url();
    let err = Producer::connect(&url, QueueConfig::new("q").max_ack_pending(0)).unwrap_err();
    assert!(matches!(
        err,
        ConnectError::Config(ConfigError::ZeroMaxAckPending)
    ));
    let err = Worker::new(QueueConfig::new("q"), demo::registry())
        .concurrency(0)
        .spawn(&url)
        .unwrap_err();
    assert!(matches!(
        err,
        ConnectError::Config(ConfigError::ZeroConcurrency)
    ));
}
