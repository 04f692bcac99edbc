//! What travels on the wire: header names, the result envelope, and its decoding.
//!
//! A task message is the task's JSON as payload with headers `Nats-Msg-Id` (the task id,
//! so JetStream drops a republished copy inside its duplicate window), [`TASK_ID`],
//! [`TASK_NAME`] and [`REPLY_TO`] (the subject of the producer's results). A result is a
//! [`Reply`] as JSON, published to that subject with `Nats-Msg-Id` = `r.<task id>`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{DeadLetterReason, TaskError};

/// Header: the task's id, unique per producer and submission.
pub const TASK_ID: &str = "Workpools-Task-Id";
/// Header: the task's registered name.
pub const TASK_NAME: &str = "Workpools-Task";
/// Header: where the worker publishes the result.
pub const REPLY_TO: &str = "Workpools-Reply-To";
/// Header on a dead letter: why it is there.
pub const DEAD_REASON: &str = "Workpools-Dead-Reason";

/// What running a task came to on the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// The output, as JSON.
    Ok(serde_json::Value),
    /// The panic message.
    Panicked(String),
    /// The output did not serialise.
    Unencodable(String),
    /// Not run; moved to the dead-letter stream.
    DeadLettered(DeadLetterReason),
}

/// The result message a worker sends back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The task id from the task's header.
    pub id: String,
    /// What happened.
    pub outcome: Outcome,
    /// Which delivery of the task this was (1 the first time; more after a redelivery).
    pub delivered: u64,
    /// The worker's name.
    pub worker: String,
}

impl Reply {
    /// The typed result, as a handle returns it.
    pub fn into_result<T: DeserializeOwned>(self) -> Result<T, TaskError> {
        match self.outcome {
            Outcome::Ok(value) => {
                serde_json::from_value(value).map_err(|e| TaskError::BadResult(e.to_string()))
            }
            Outcome::Panicked(message) => Err(TaskError::Panicked {
                message,
                worker: self.worker,
            }),
            Outcome::Unencodable(detail) => Err(TaskError::BadResult(detail)),
            Outcome::DeadLettered(reason) => Err(TaskError::DeadLettered(reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(outcome: Outcome) -> Reply {
        Reply {
            id: "p.1".into(),
            outcome,
            delivered: 1,
            worker: "w".into(),
        }
    }

    #[test]
    fn ok_decodes_as_the_output_type() {
        assert_eq!(reply(Outcome::Ok(5.into())).into_result::<u8>(), Ok(5));
    }

    #[test]
    fn wrong_output_type_is_a_bad_result() {
        let r = reply(Outcome::Ok("five".into())).into_result::<u8>();
        assert!(matches!(r, Err(TaskError::BadResult(_))));
    }

    #[test]
    fn panics_name_the_worker() {
        let r = reply(Outcome::Panicked("boom".into())).into_result::<u8>();
        assert_eq!(
            r,
            Err(TaskError::Panicked {
                message: "boom".into(),
                worker: "w".into()
            })
        );
    }

    #[test]
    fn envelope_round_trips() {
        let r = reply(Outcome::DeadLettered(DeadLetterReason::UnknownTask(
            "x".into(),
        )));
        let bytes = serde_json::to_vec(&r).unwrap();
        assert_eq!(serde_json::from_slice::<Reply>(&bytes).unwrap(), r);
    }
}
