//! Reading the dead-letter stream: the tasks workers could not run, with the reason.

use crate::error::NatsError;
use crate::producer::Producer;
use crate::wire;

/// A task a worker moved to the dead-letter stream instead of running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its sequence in the dead-letter stream.
    pub sequence: u64,
    /// The task's id, if the message carried one.
    pub task_id: Option<String>,
    /// The task's name, if the message carried one.
    pub task_name: Option<String>,
    /// Why the worker did not run it (the reason's text).
    pub reason: String,
    /// The task's payload as published.
    pub payload: Vec<u8>,
}

impl Producer {
    /// Every dead letter of this queue (all producers'), oldest first.
    ///
    /// # Errors
    /// The client's error when the dead-letter stream cannot be read.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, NatsError> {
        let shared = self.shared();
        self.runtime().block_on(async {
            let mut stream = shared.js.get_stream(shared.config.dead_stream()).await?;
            let state = stream.info().await?.state.clone();
            let mut letters = Vec::new();
            if state.messages == 0 {
                return Ok(letters);
            }
            for sequence in state.first_sequence..=state.last_sequence {
                // A sequence may have been deleted by hand: skip it.
                let Ok(message) = stream.get_raw_message(sequence).await else {
                    continue;
                };
                let header = |name: &str| message.headers.get(name).map(|v| v.as_str().to_owned());
                letters.push(DeadLetter {
                    sequence,
                    task_id: header(wire::TASK_ID),
                    task_name: header(wire::TASK_NAME),
                    reason: header(wire::DEAD_REASON).unwrap_or_default(),
                    payload: message.payload.to_vec(),
                });
            }
            Ok(letters)
        })
    }
}
