//! The event queue port: the SQS queue EventBridge fills with "AWS API Call via
//! CloudTrail" events (see `crate::triggers`). Receiving and deleting is all the operator
//! does with it; creating it is the setup's job (`deploy/events/`).

use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::AwsResult;

/// One message as SQS delivered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueMessage {
    /// `MessageId`: what a batched delete names the entry by (unique per message).
    pub message_id: String,
    /// `ReceiptHandle`: what deleting this delivery needs.
    pub receipt_handle: String,
    /// The body: an EventBridge event as JSON.
    pub body: String,
    /// `SentTimestamp`: when EventBridge put it in the queue.
    pub sent_at: Option<SystemTime>,
}

/// An SQS queue, addressed by its URL.
#[async_trait]
pub trait EventQueue: Send + Sync {
    /// `GetQueueAttributes(QueueArn)`: the queue exists and we may read it.
    async fn queue_arn(&self) -> AwsResult<String>;
    /// `ReceiveMessage`: up to `max` (1-10) messages, waiting up to `wait` (≤ 20 s) for
    /// the first to arrive (long polling: one call per `wait` on an idle queue).
    async fn receive(&self, wait: Duration, max: i32) -> AwsResult<Vec<QueueMessage>>;
    /// `DeleteMessageBatch` of up to 10 messages; the ones SQS did not delete come back
    /// (they reappear after the visibility timeout, and are hints: harmless twice).
    async fn delete(&self, messages: &[QueueMessage]) -> AwsResult<Vec<String>>;
}
