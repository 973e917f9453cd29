//! [`EventQueue`] on `aws-sdk-sqs`.
//!
//! Its own client and timeouts: a long poll holds a request open for up to 20 s, longer
//! than the per-attempt limit the other services get ([`super::ATTEMPT_TIMEOUT`]). Not
//! paced: SQS's quotas are far above one long poll at a time, and CloudTrail's are what
//! pacing protects.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
};
use aws_types::sdk_config::TimeoutConfig;

use super::classify::{Service, from_sdk, malformed_response};
use crate::aws::queue::{EventQueue, QueueMessage};
use crate::aws::{AwsResult, CallObserver};

/// Longest long poll SQS allows.
pub const MAX_WAIT: Duration = Duration::from_secs(20);

/// The queue at `url`.
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
    observer: Option<Arc<dyn CallObserver>>,
}

impl SqsQueue {
    /// A client of `config` (credentials, region, endpoint) for the queue at `url`.
    pub fn new(config: &SdkConfig, url: &str, observer: Option<Arc<dyn CallObserver>>) -> Self {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(MAX_WAIT + Duration::from_secs(10))
            .operation_timeout(Duration::from_secs(90))
            .build();
        let conf = aws_sdk_sqs::config::Builder::from(config)
            .timeout_config(timeouts)
            .build();
        SqsQueue {
            client: aws_sdk_sqs::Client::from_conf(conf),
            url: url.to_owned(),
            observer,
        }
    }

    fn observe<T>(&self, operation: &'static str, result: &AwsResult<T>) {
        if let Some(observer) = &self.observer {
            let outcome = match result {
                Ok(_) => "ok",
                Err(e) => e.kind.label(),
            };
            observer.observe(Service::Sqs.name(), operation, outcome);
        }
    }
}

fn no_reason<E>(_: &E) -> Option<String> {
    None
}

#[async_trait]
impl EventQueue for SqsQueue {
    async fn queue_arn(&self) -> AwsResult<String> {
        const OP: &str = "GetQueueAttributes";
        let result = async {
            let out = self
                .client
                .get_queue_attributes()
                .queue_url(&self.url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await
                .map_err(|e| from_sdk(Service::Sqs, OP, e, no_reason))?;
            out.attributes()
                .and_then(|a| a.get(&QueueAttributeName::QueueArn))
                .cloned()
                .ok_or_else(|| malformed_response(OP, "Attributes.QueueArn"))
        }
        .await;
        self.observe(OP, &result);
        result
    }

    async fn receive(&self, wait: Duration, max: i32) -> AwsResult<Vec<QueueMessage>> {
        const OP: &str = "ReceiveMessage";
        let result = async {
            let out = self
                .client
                .receive_message()
                .queue_url(&self.url)
                .max_number_of_messages(max.clamp(1, 10))
                .wait_time_seconds(wait.min(MAX_WAIT).as_secs() as i32)
                .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
                .send()
                .await
                .map_err(|e| from_sdk(Service::Sqs, OP, e, no_reason))?;
            Ok(out
                .messages()
                .iter()
                .filter_map(|m| {
                    let sent_at = m
                        .attributes()
                        .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
                        .and_then(|ms| ms.parse::<u64>().ok())
                        .map(|ms| UNIX_EPOCH + Duration::from_millis(ms));
                    Some(QueueMessage {
                        message_id: m.message_id()?.to_owned(),
                        receipt_handle: m.receipt_handle()?.to_owned(),
                        body: m.body().unwrap_or_default().to_owned(),
                        sent_at,
                    })
                })
                .collect())
        }
        .await;
        self.observe(OP, &result);
        result
    }

    async fn delete(&self, messages: &[QueueMessage]) -> AwsResult<Vec<String>> {
        const OP: &str = "DeleteMessageBatch";
        if messages.is_empty() {
            return Ok(vec![]);
        }
        let result = async {
            // Entry ids must be unique within the batch and at most 80 characters of
            // [A-Za-z0-9_-]: the position in the batch is.
            let entries = messages
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(&m.receipt_handle)
                        .build()
                        .map_err(|e| malformed_response(OP, &e.to_string()))
                })
                .collect::<AwsResult<Vec<_>>>()?;
            let out = self
                .client
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| from_sdk(Service::Sqs, OP, e, no_reason))?;
            Ok(out
                .failed()
                .iter()
                .filter_map(|f| f.id().parse::<usize>().ok())
                .filter_map(|i| messages.get(i).map(|m| m.message_id.clone()))
                .collect())
        }
        .await;
        self.observe(OP, &result);
        result
    }
}
