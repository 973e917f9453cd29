//! ReceiveMessage long polling: answer as soon as a message is available or the wait time
//! is over. The state lock is only held for each non-blocking attempt, never while waiting.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::messages;
use crate::error::ApiResult;
use crate::req::Req;
use crate::server::App;
use crate::state::{Caller, now};

pub async fn receive(app: &App, c: &Caller, body: &[u8]) -> ApiResult<Value> {
    let r = Req::parse(body, false)?;
    let wait = messages::wait_seconds(&app.state(), c, &r)?;
    let deadline = Instant::now() + Duration::from_secs(wait.max(0) as u64);
    loop {
        // Registered before looking at the queue, so a send between the look and the wait
        // still wakes us.
        let notified = app.sqs_notify.notified();
        let mut notified = std::pin::pin!(notified);
        notified.as_mut().enable();
        let (v, next_visible) = messages::receive_now(&mut app.state(), c, &r)?;
        if v.get("Messages").is_some() || Instant::now() >= deadline {
            return Ok(v);
        }
        // Also wake when an in-flight or delayed message becomes visible again.
        let wake = next_visible
            .map(|t| Instant::now() + Duration::from_secs_f64((t - now()).max(0.0) + 0.001))
            .map_or(deadline, |t| t.min(deadline));
        let _ = tokio::time::timeout_at(wake, notified).await;
    }
}
