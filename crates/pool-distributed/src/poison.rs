//! Tasks that exhausted their deliveries: what kills every worker it lands on never gets a
//! reply from a worker, so the producer that submitted it reports it.
//!
//! JetStream publishes an advisory when it gives up redelivering a message (after
//! `max_deliver` deliveries). Every producer of the queue listens; the one whose results
//! subject the task names copies the task to the dead-letter stream, removes it from the
//! tasks stream, and replies to itself with [`DeadLetterReason::MaxDeliveries`], which its
//! reply listener routes like any other reply. Advisories are not stored: one that comes
//! while no producer listens is lost, and that task's handle never completes.

use std::sync::Arc;

use futures_util::StreamExt;
use serde::Deserialize;

use crate::error::DeadLetterReason;
use crate::producer::Shared;
use crate::queue::QueueConfig;
use crate::wire::{self, Outcome, Reply};

/// The fields of the advisory we read.
#[derive(Deserialize)]
struct Advisory {
    stream_seq: u64,
    deliveries: u64,
}

/// The advisory's subject for this queue.
pub(crate) fn subject(config: &QueueConfig) -> String {
    format!(
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{}.{}",
        config.tasks_stream(),
        QueueConfig::CONSUMER
    )
}

/// Handles advisories until aborted.
pub(crate) async fn watch(shared: Arc<Shared>, mut advisories: async_nats::Subscriber) {
    while let Some(message) = advisories.next().await {
        if let Ok(advisory) = serde_json::from_slice::<Advisory>(&message.payload) {
            // A failure leaves the task where it is: it is then reported by nobody, as for
            // a lost advisory.
            let _ = give_up(&shared, advisory).await;
        }
    }
}

async fn give_up(shared: &Shared, advisory: Advisory) -> Result<(), crate::NatsError> {
    let config = &shared.config;
    let tasks = shared.js.get_stream(config.tasks_stream()).await?;
    let task = tasks.get_raw_message(advisory.stream_seq).await?;
    let header = |name: &str| task.headers.get(name).map(|v| v.as_str().to_owned());
    let own = config.result_subject(&shared.id);
    let (Some(id), Some(name)) = (header(wire::TASK_ID), header(wire::TASK_NAME)) else {
        return Ok(());
    };
    if header(wire::REPLY_TO).as_deref() != Some(own.as_str()) {
        return Ok(());
    }
    let reason = DeadLetterReason::MaxDeliveries(advisory.deliveries);
    let mut headers = task.headers.clone();
    headers.insert(wire::DEAD_REASON, reason.to_string().as_str());
    let dead = async_nats::jetstream::message::PublishMessage::build()
        .payload(task.payload.clone())
        .headers(headers)
        .message_id(format!("d.{id}"));
    shared
        .js
        .send_publish(config.dead_subject(&name), dead)
        .await?
        .await?;
    tasks.delete_message(advisory.stream_seq).await?;
    let reply = Reply {
        id: id.clone(),
        outcome: Outcome::DeadLettered(reason),
        delivered: advisory.deliveries,
        worker: "-".to_owned(),
    };
    let reply = async_nats::jetstream::message::PublishMessage::build()
        .payload(serde_json::to_vec(&reply)?.into())
        .message_id(format!("r.{id}"));
    shared.js.send_publish(own, reply).await?.await?;
    Ok(())
}
