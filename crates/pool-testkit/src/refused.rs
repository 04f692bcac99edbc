//! Settings every builder must refuse with a [`BuildError`], never a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pool_core::{BuildError, BuildErrorKind, PoolConfig};

/// One refused setting: what it is, the settings, and the error kind it must produce.
#[derive(Debug, Clone)]
pub struct Refused {
    /// A name for the failure message.
    pub what: &'static str,
    /// Valid settings but for the one refused value.
    pub config: PoolConfig,
    /// Whether a kind is the expected one.
    pub expected: fn(&BuildErrorKind) -> bool,
}

/// Every value `std::thread::Builder`, the OS or tokio would refuse (or panic or abort on),
/// each on otherwise valid one-worker settings.
///
/// ```
/// assert!(pool_testkit::refused::settings().iter().any(|r| r.what == "nul in thread name"));
/// ```
pub fn settings() -> Vec<Refused> {
    let base = || PoolConfig::new().workers(1).thread_name("refused");
    vec![
        Refused {
            what: "nul in thread name",
            config: base().thread_name("bad\0name"),
            expected: |k| matches!(k, BuildErrorKind::ThreadName(_)),
        },
        Refused {
            what: "trailing nul in thread name",
            config: base().thread_name("pool\0"),
            expected: |k| matches!(k, BuildErrorKind::ThreadName(_)),
        },
        Refused {
            what: "zero stack size",
            config: base().stack_size(0),
            expected: |k| matches!(k, BuildErrorKind::StackSize(0)),
        },
        Refused {
            what: "stack size just under the minimum",
            config: base().stack_size(PoolConfig::MIN_STACK_SIZE - 1),
            expected: |k| matches!(k, BuildErrorKind::StackSize(_)),
        },
        Refused {
            what: "stack size of usize::MAX",
            config: base().stack_size(usize::MAX),
            expected: |k| matches!(k, BuildErrorKind::Spawn { index: 0, .. }),
        },
        Refused {
            what: "stack size larger than the address space",
            config: base().stack_size(usize::MAX / 2),
            expected: |k| matches!(k, BuildErrorKind::Spawn { index: 0, .. }),
        },
        Refused {
            what: "zero workers",
            config: base().workers(0),
            expected: |k| matches!(k, BuildErrorKind::ZeroWorkers),
        },
        Refused {
            what: "usize::MAX workers",
            config: base().workers(usize::MAX),
            expected: |k| matches!(k, BuildErrorKind::TooManyWorkers(usize::MAX)),
        },
        Refused {
            what: "one worker over the maximum",
            config: base().workers(PoolConfig::MAX_WORKERS + 1),
            expected: |k| matches!(k, BuildErrorKind::TooManyWorkers(_)),
        },
        Refused {
            what: "zero queue bound",
            config: base().queue_bound(0),
            expected: |k| matches!(k, BuildErrorKind::ZeroQueueBound),
        },
    ]
}

/// Builds every one of [`settings`] with `build` and checks that each is the expected
/// [`BuildError`].
///
/// # Panics
/// Naming the setting, when `build` panics, succeeds, or returns another error kind.
///
/// ```
/// // A stand-in for a pool's builder: validate, then start the threads.
/// pool_testkit::refused::check_all(|config| {
///     let valid = config.validate()?;
///     pool_core::spawn_workers(&valid, |_| || {}, || {})
/// });
/// ```
pub fn check_all<P>(build: impl Fn(PoolConfig) -> Result<P, BuildError>) {
    for refused in settings() {
        let what = refused.what;
        let result = catch_unwind(AssertUnwindSafe(|| build(refused.config.clone())));
        match result {
            Err(_) => panic!("{what}: build panicked instead of returning a BuildError"),
            Ok(Ok(_)) => panic!("{what}: build succeeded"),
            Ok(Err(err)) => assert!(
                (refused.expected)(err.kind()),
                "{what}: unexpected error {err:?}"
            ),
        }
    }
}
