//! How urgent the AWS calls of the running reconcile are.
//!
//! CloudTrail allows few calls per second per account and region, so the adapter paces its
//! calls (`sdk::rate_limit`). When calls queue, a reconcile that answers a change (a spec
//! edit, trusted access coming back, a retry) must not wait behind the routine re-reads of
//! every converged object. The engine knows which kind of reconcile it runs; the adapter
//! knows where a call queues. The priority travels between them with the reconcile's
//! future (a task-local value, like a tracing span), so the port's signatures stay about
//! AWS.

use std::future::Future;

/// The priority of the calls made by the current reconcile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    /// Answering a change: goes before every routine call waiting for the same quota.
    Urgent,
    /// A periodic re-read of an object that was converged: takes what urgent calls leave.
    Routine,
}

impl Priority {
    /// Label for metrics.
    pub fn label(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::Routine => "routine",
        }
    }
}

tokio::task_local! {
    static PRIORITY: Priority;
}

/// Run `fut` with its AWS calls at `priority`.
pub async fn with_priority<F: Future>(priority: Priority, fut: F) -> F::Output {
    PRIORITY.scope(priority, fut).await
}

/// The priority of the calls made here: urgent unless the caller said otherwise (a call
/// made outside any reconcile, e.g. at start-up or in a cleanup, is never routine).
pub fn current() -> Priority {
    PRIORITY.try_with(|p| *p).unwrap_or(Priority::Urgent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn priority_follows_the_future_it_was_given_to() {
        assert_eq!(current(), Priority::Urgent);
        let seen = with_priority(Priority::Routine, async {
            tokio::task::yield_now().await;
            current()
        })
        .await;
        assert_eq!(seen, Priority::Routine);
        assert_eq!(current(), Priority::Urgent);
    }
}
