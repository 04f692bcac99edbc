//! Typed tasks and the registry that lets a worker run them by name.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ConfigError, DeadLetterReason};
use crate::wire::Outcome;

/// A unit of work that travels between processes: its fields are the input (serialised
/// with serde as JSON), [`Task::NAME`] says which code runs it, [`Task::work`] is that code.
///
/// The producer and the workers must agree on the name and on both types; a worker that
/// does not know the name dead-letters the task ([`DeadLetterReason::UnknownTask`]).
/// Because delivery is at-least-once, `work` may run more than once for one submission
/// (after a worker dies mid-task); its result is counted once.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// #[derive(Serialize, Deserialize)]
/// struct Square(u64);
/// impl pool_distributed::Task for Square {
///     const NAME: &'static str = "square";
///     type Output = u64;
///     fn work(self) -> u64 { self.0 * self.0 }
/// }
/// # use pool_distributed::Task;
/// assert_eq!(Square(7).work(), 49);
/// ```
pub trait Task: Serialize + DeserializeOwned + Send + 'static {
    /// The name the task is registered and published under.
    const NAME: &'static str;
    /// What `work` returns, sent back to the producer.
    type Output: Serialize + DeserializeOwned + Send + 'static;
    /// Runs the task on a worker. A panic is caught and reported as
    /// [`TaskError::Panicked`](crate::TaskError::Panicked).
    fn work(self) -> Self::Output;
}

/// Decodes, runs and encodes one task type.
type Runner = Arc<dyn Fn(&[u8]) -> Outcome + Send + Sync>;

/// The task types a worker can run, by name.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// #[derive(Serialize, Deserialize)]
/// struct Echo(String);
/// impl pool_distributed::Task for Echo {
///     const NAME: &'static str = "echo";
///     type Output = String;
///     fn work(self) -> String { self.0 }
/// }
/// let registry = pool_distributed::Registry::new().register::<Echo>()?;
/// assert!(registry.contains("echo"));
/// assert!(registry.register::<Echo>().is_err());
/// # Ok::<(), pool_distributed::ConfigError>(())
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    runners: HashMap<&'static str, Runner>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds task type `T` under `T::NAME`.
    ///
    /// # Errors
    /// [`ConfigError::DuplicateTask`] if the name is taken.
    pub fn register<T: Task>(mut self) -> Result<Registry, ConfigError> {
        if self.runners.contains_key(T::NAME) {
            return Err(ConfigError::DuplicateTask(T::NAME));
        }
        self.runners.insert(T::NAME, Arc::new(run_one::<T>));
        Ok(self)
    }

    /// Whether a task type is registered under `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.runners.contains_key(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.runners.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// Runs the task `name` on `payload`; never panics (see [`Outcome`]).
    pub(crate) fn run(&self, name: &str, payload: &[u8]) -> Outcome {
        match self.runners.get(name) {
            Some(runner) => runner(payload),
            None => Outcome::DeadLettered(DeadLetterReason::UnknownTask(name.to_owned())),
        }
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("names", &self.names())
            .finish()
    }
}

fn run_one<T: Task>(payload: &[u8]) -> Outcome {
    let task: T = match serde_json::from_slice(payload) {
        Ok(task) => task,
        Err(e) => {
            return Outcome::DeadLettered(DeadLetterReason::Undecodable {
                name: T::NAME.to_owned(),
                detail: e.to_string(),
            })
        }
    };
    // The task owns its data and nothing of ours is shared with it, so a panic cannot leave
    // our state half-updated: asserting unwind safety is sound.
    match catch_unwind(AssertUnwindSafe(|| task.work())) {
        Ok(output) => match serde_json::to_value(output) {
            Ok(value) => Outcome::Ok(value),
            Err(e) => Outcome::Unencodable(e.to_string()),
        },
        Err(payload) => Outcome::Panicked(panic_message(payload.as_ref())),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&'static str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic>".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize)]
    struct Half(u32);
    impl Task for Half {
        const NAME: &'static str = "half";
        type Output = u32;
        fn work(self) -> u32 {
            assert!(self.0 % 2 == 0, "odd input");
            self.0 / 2
        }
    }

    fn registry() -> Registry {
        Registry::new().register::<Half>().unwrap()
    }

    #[test]
    fn runs_a_registered_task() {
        assert_eq!(registry().run("half", b"8"), Outcome::Ok(4.into()));
    }

    #[test]
    fn panic_is_reported_with_its_message() {
        assert_eq!(
            registry().run("half", b"3"),
            Outcome::Panicked("odd input".into())
        );
    }

    #[test]
    fn unknown_name_is_dead_lettered() {
        assert_eq!(
            registry().run("double", b"3"),
            Outcome::DeadLettered(DeadLetterReason::UnknownTask("double".into()))
        );
    }

    #[test]
    fn undecodable_payload_is_dead_lettered() {
        let outcome = registry().run("half", b"{not json");
        assert!(matches!(
            outcome,
            Outcome::DeadLettered(DeadLetterReason::Undecodable { ref name, .. }) if name == "half"
        ));
    }

    #[test]
    fn duplicate_names_are_refused() {
        assert_eq!(
            registry().register::<Half>().unwrap_err(),
            ConfigError::DuplicateTask("half")
        );
    }
}
