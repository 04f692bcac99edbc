//! Starting a pool's worker threads, all or none.

use std::io;
use std::thread::{Builder, JoinHandle};

use crate::config::check_thread_settings;
use crate::{check_thread_count, BuildError, BuildErrorKind, ValidConfig};

/// Spawns `config.workers` threads named `"{prefix}-{index}"`, each running the body that
/// `make_body(index)` returns.
///
/// If the operating system refuses a thread, `stop` is called (it must make the threads
/// already started return, e.g. by closing the queue), those threads are joined, and the
/// spawn error is returned: no thread is left running.
///
/// The name and stack size are checked again before any thread starts (a [`ValidConfig`]
/// can be built by hand), so a NUL in the name is an error here, not a panic in `std`.
///
/// # Errors
/// - [`BuildErrorKind::ThreadName`], [`BuildErrorKind::StackSize`],
///   [`BuildErrorKind::TooManyWorkers`]: as in [`PoolConfig::validate`](crate::PoolConfig::validate);
///   no thread was started.
/// - [`BuildErrorKind::Spawn`] with the index of the worker that failed to start.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// let ran = Arc::new(AtomicUsize::new(0));
/// let config = pool_core::PoolConfig::new().workers(3).validate().unwrap();
/// let r = ran.clone();
/// let handles = pool_core::spawn_workers(&config, move |_| {
///     let r = r.clone();
///     move || { r.fetch_add(1, Ordering::SeqCst); }
/// }, || {}).unwrap();
/// for h in handles { h.join().unwrap(); }
/// assert_eq!(ran.load(Ordering::SeqCst), 3);
/// ```
pub fn spawn_workers<M, B>(
    config: &ValidConfig,
    mut make_body: M,
    stop: impl FnOnce(),
) -> Result<Vec<JoinHandle<()>>, BuildError>
where
    M: FnMut(usize) -> B,
    B: FnOnce() + Send + 'static,
{
    check_thread_count(config.workers.get())?;
    check_thread_settings(&config.thread_name, config.stack_size)?;
    spawn_all(
        config.workers.get(),
        |index| {
            let mut builder = Builder::new().name(format!("{}-{index}", config.thread_name));
            if let Some(bytes) = config.stack_size {
                builder = builder.stack_size(bytes);
            }
            builder.spawn(make_body(index))
        },
        stop,
    )
}

fn spawn_all(
    count: usize,
    mut spawn_one: impl FnMut(usize) -> io::Result<JoinHandle<()>>,
    stop: impl FnOnce(),
) -> Result<Vec<JoinHandle<()>>, BuildError> {
    let mut handles = Vec::with_capacity(count);
    for index in 0..count {
        match spawn_one(index) {
            Ok(handle) => handles.push(handle),
            Err(source) => {
                stop();
                for handle in handles {
                    // A worker that panicked has nothing left to clean up; the spawn error is
                    // what the caller needs to see.
                    let _ = handle.join();
                }
                return Err(BuildError::new(BuildErrorKind::Spawn { index, source }));
            }
        }
    }
    Ok(handles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PoolConfig;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn spawn_failure_midway_stops_and_joins_started_threads() {
        let stop = Arc::new(AtomicBool::new(false));
        let exited = Arc::new(AtomicUsize::new(0));
        let result = spawn_all(
            4,
            |index| {
                if index == 2 {
                    return Err(io::Error::other("refused"));
                }
                let (stop, exited) = (stop.clone(), exited.clone());
                Ok(std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        std::thread::yield_now();
                    }
                    exited.fetch_add(1, Ordering::SeqCst);
                }))
            },
            || stop.store(true, Ordering::SeqCst),
        );
        let err = result.unwrap_err();
        assert!(matches!(err.kind(), BuildErrorKind::Spawn { index: 2, .. }));
        assert!(std::error::Error::source(err.kind()).is_some());
        // Both started threads were stopped and joined before the error came back.
        assert_eq!(exited.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn hand_built_config_with_a_nul_name_is_an_error_not_a_panic() {
        let mut config = PoolConfig::new().workers(2).validate().unwrap();
        config.thread_name = "bad\0name".to_owned();
        let err = spawn_workers(&config, |_| || {}, || {}).unwrap_err();
        assert!(matches!(err.kind(), BuildErrorKind::ThreadName(_)));
    }

    #[test]
    fn hand_built_config_with_a_tiny_stack_is_an_error() {
        let mut config = PoolConfig::new().workers(1).validate().unwrap();
        config.stack_size = Some(0);
        let err = spawn_workers(&config, |_| || {}, || {}).unwrap_err();
        assert!(matches!(err.kind(), BuildErrorKind::StackSize(0)));
    }

    #[test]
    fn absurd_stack_size_is_an_error_not_a_panic() {
        let config = PoolConfig::new()
            .workers(2)
            .stack_size(Some(usize::MAX / 2))
            .validate()
            .unwrap();
        let err = spawn_workers(&config, |_| || {}, || {}).unwrap_err();
        assert!(matches!(err.kind(), BuildErrorKind::Spawn { index: 0, .. }));
    }
}
