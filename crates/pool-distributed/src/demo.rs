//! Stock task types: what the bundled worker binary runs, and what the tests, the example
//! and the benchmark submit.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::task::{Registry, Task};

/// Squares a number: the cheapest task, for per-task overhead.
///
/// ```
/// use pool_distributed::{demo::Square, Task};
/// assert_eq!(Square { x: 3 }.work(), 9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Square {
    /// The number.
    pub x: u64,
}

impl Task for Square {
    const NAME: &'static str = "demo.square";
    type Output = u64;
    fn work(self) -> u64 {
        self.x.wrapping_mul(self.x)
    }
}

/// Sleeps, then returns its tag: a stand-in for a task waiting on I/O.
///
/// ```
/// use pool_distributed::{demo::Sleep, Task};
/// assert_eq!(Sleep { tag: 4, micros: 10 }.work(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sleep {
    /// Returned as the output.
    pub tag: u64,
    /// How long to sleep, in microseconds.
    pub micros: u64,
}

impl Task for Sleep {
    const NAME: &'static str = "demo.sleep";
    type Output = u64;
    fn work(self) -> u64 {
        std::thread::sleep(Duration::from_micros(self.micros));
        self.tag
    }
}

/// Fixed CPU work: `iterations` rounds of dependent multiplies, then returns its tag. Its
/// cost does not shrink when the thread is descheduled (a spin on the clock would), so
/// oversubscribed workers cannot make it look cheaper than it is.
///
/// ```
/// use pool_distributed::{demo::Spin, Task};
/// assert_eq!(Spin { tag: 2, iterations: 1_000 }.work(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spin {
    /// Returned as the output.
    pub tag: u64,
    /// Rounds of work (calibrate against the clock on the machine that runs them).
    pub iterations: u64,
}

impl Task for Spin {
    const NAME: &'static str = "demo.spin";
    type Output = u64;
    fn work(self) -> u64 {
        let mut x = std::hint::black_box(self.tag | 1);
        for i in 0..self.iterations {
            x = std::hint::black_box(x.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i);
        }
        std::hint::black_box(x);
        self.tag
    }
}

/// Panics with its message: to see a panic reported and the worker live on.
///
/// ```should_panic
/// use pool_distributed::{demo::Fail, Task};
/// Fail { message: "boom".into() }.work();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fail {
    /// The panic message.
    pub message: String,
}

impl Task for Fail {
    const NAME: &'static str = "demo.fail";
    type Output = ();
    fn work(self) {
        panic!("{}", self.message)
    }
}

/// Aborts the whole worker process (no unwinding, no reply, no ack): the poison task of
/// the fault tests, which JetStream redelivers until `max_deliver`.
///
/// ```no_run
/// use pool_distributed::{demo::Crash, Task};
/// Crash.work(); // the process ends here
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crash;

impl Task for Crash {
    const NAME: &'static str = "demo.crash";
    type Output = ();
    fn work(self) {
        std::process::abort()
    }
}

/// A registry of every stock task.
///
/// ```
/// assert_eq!(pool_distributed::demo::registry().names().len(), 5);
/// ```
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    for add in [
        Registry::register::<Square>,
        Registry::register::<Sleep>,
        Registry::register::<Spin>,
        Registry::register::<Fail>,
        Registry::register::<Crash>,
    ] {
        // The stock names are distinct, so registering cannot fail.
        registry = match add(registry.clone()) {
            Ok(r) => r,
            Err(_) => registry,
        };
    }
    registry
}
