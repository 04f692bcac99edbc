//! The producer's reply listener: reads its results subject in stream order and routes
//! each reply to its task's waiter, surviving server restarts.
//!
//! It reads through an ephemeral pull consumer without acks, starting at the first reply
//! not yet routed. On any pull error (missed heartbeats after a restart, the consumer gone)
//! it drops that consumer and makes a new one from the next sequence, so no reply is
//! skipped and none is routed twice by the listener itself (replies the *worker* sent twice
//! are counted as duplicates by the router).

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::{self, pull};
use futures_util::StreamExt;

use crate::producer::Shared;
use crate::wire::Reply;

/// How often the server must show it is alive to an idle listener: a restart is noticed
/// within about two of these.
const HEARTBEAT: Duration = Duration::from_secs(1);

/// Runs until aborted.
pub(crate) async fn listen(shared: Arc<Shared>, subject: String) {
    let mut next = 1u64;
    loop {
        let Some(mut messages) = open(&shared, &subject, next).await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        while let Some(message) = messages.next().await {
            let Ok(message) = message else { break };
            let Ok(info) = message.info() else { continue };
            if info.stream_sequence < next {
                continue;
            }
            next = info.stream_sequence + 1;
            if let Ok(reply) = serde_json::from_slice::<Reply>(&message.payload) {
                shared.route(reply);
            }
        }
    }
}

async fn open(shared: &Shared, subject: &str, next: u64) -> Option<pull::Stream> {
    let stream = shared
        .js
        .get_stream(shared.config.results_stream())
        .await
        .ok()?;
    let consumer = stream
        .create_consumer(pull::Config {
            filter_subject: subject.to_owned(),
            deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                start_sequence: next,
            },
            ack_policy: consumer::AckPolicy::None,
            // An abandoned listener's consumer goes away by itself.
            inactive_threshold: Duration::from_secs(30),
            memory_storage: true,
            ..Default::default()
        })
        .await
        .ok()?;
    consumer
        .stream()
        .max_messages_per_batch(1_000)
        .heartbeat(HEARTBEAT)
        .expires(HEARTBEAT * 5)
        .messages()
        .await
        .ok()
}
