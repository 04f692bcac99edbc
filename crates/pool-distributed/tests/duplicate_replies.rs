//! Results are idempotent by task id: a second reply for a completed task (what a task run
//! twice after a redelivery sends) is dropped and counted, never delivered twice.

mod common;

use common::with_server;
use pool_distributed::{demo, Producer, QueueConfig, Worker};

#[test]
fn second_reply_for_a_task_is_dropped_and_counted() {
    with_server(
        "second_reply_for_a_task_is_dropped_and_counted",
        move |url, _| {
            let queue = QueueConfig::new("dup");
            let worker = Worker::new(queue.clone(), demo::registry())
                .spawn(&url)
                .unwrap();
            let producer = Producer::connect(&url, queue).unwrap();
            let first = producer.submit(demo::Square { x: 4 }).unwrap();
            let id = first.id().to_owned();
            assert_eq!(first.join(), Ok(16));

            // A second run's reply, as a worker would publish it (its own message id, so the
            // stream's duplicate window does not catch it: the producer must).
            let subject = format!("dup.results.{}", producer.id());
            let body =
                format!(r#"{{"id":"{id}","outcome":{{"Ok":99}},"delivered":2,"worker":"again"}}"#);
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let client = async_nats::connect(&url).await.unwrap();
                let js = async_nats::jetstream::new(client);
                js.publish(subject, body.into_bytes().into())
                    .await
                    .unwrap()
                    .await
                    .unwrap();
            });

            // A later task's reply comes after the duplicate in the stream: once it is routed,
            // the duplicate has been seen.
            assert_eq!(
                producer.submit(demo::Square { x: 5 }).unwrap().join(),
                Ok(25)
            );
            let stats = producer.stats();
            assert_eq!((stats.completed, stats.duplicates), (2, 1), "{stats:?}");
            worker.stop();
        },
    );
}
