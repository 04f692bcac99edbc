//! Stock task types: what the bundled worker binary runs, and what the tests, the example
//! and the benchmark submit.

use std::time::{Duration, Instant};

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

/// Busy-waits on the clock, then returns its tag: a stand-in for CPU-bound work.
///
/// ```
/// use pool_distributed::{demo::Spin, Task};
/// assert_eq!(Spin { tag: 2, micros: 10 }.work(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spin {
    /// Returned as the output.
    pub tag: u64,
    /// How long to spin, in microseconds.
    pub micros: u64,
}

impl Task for Spin {
    const NAME: &'static str = "demo.spin";
    type Output = u64;
    fn work(self) -> u64 {
        let until = Instant::now() + Duration::from_micros(self.micros);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
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

/// A registry of every stock task.
///
/// ```
/// assert_eq!(pool_distributed::demo::registry().names().len(), 4);
/// ```
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    for add in [
        Registry::register::<Square>,
        Registry::register::<Sleep>,
        Registry::register::<Spin>,
        Registry::register::<Fail>,
    ] {
        // The stock names are distinct, so registering cannot fail.
        registry = match add(registry.clone()) {
            Ok(r) => r,
            Err(_) => registry,
        };
    }
    registry
}
