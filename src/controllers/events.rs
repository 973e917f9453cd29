//! Kubernetes events: what a reconcile tells people, and where act reports while it runs.

use std::future::Future;

use kube::runtime::events::{Event, EventType};

use super::outcome::Outcome;
use crate::runtime::context::Context;

/// The event reason of a conversion back to organization scope (also counted as a metric).
pub const RECONVERTED: &str = "Reconverted";

/// One event to publish about the object being reconciled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Normal or Warning.
    pub type_: EventType,
    /// CamelCase reason.
    pub reason: &'static str,
    /// Human message.
    pub message: String,
    /// What was done, when the reason alone does not say it (default: the reason).
    /// Kubernetes folds repeated events of the same reason *and action* into one series
    /// that keeps the first message: corrections of different settings need their own.
    pub action: Option<String>,
}

impl Note {
    /// A Normal event.
    pub fn normal(reason: &'static str, message: impl Into<String>) -> Self {
        Note {
            type_: EventType::Normal,
            reason,
            message: message.into(),
            action: None,
        }
    }

    /// A Warning event: something changed outside the operator, or went wrong.
    pub fn warning(reason: &'static str, message: impl Into<String>) -> Self {
        Note {
            type_: EventType::Warning,
            reason,
            message: message.into(),
            action: None,
        }
    }

    /// The same event, saying what was done (at most 128 characters, the API's limit).
    pub fn acting(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into().chars().take(128).collect());
        self
    }
}

/// Where act reports while it runs: events as they happen, and the status to show before
/// a destructive step (so that the damage is announced before it is done). The engine
/// publishes to Kubernetes; unit tests record.
pub trait Report<S>: Sync {
    /// Publish `note` now.
    fn note(&self, note: Note) -> impl Future<Output = ()> + Send;
    /// Write `status` with `outcome` now, before the next step.
    fn checkpoint(&self, status: &S, outcome: &Outcome) -> impl Future<Output = ()> + Send;
    /// This reconcile corrected `fields` (none: everything else was as declared); the
    /// fields corrected at every look lately ([`crate::runtime::contests`]).
    fn corrected(&self, fields: &[&'static str]) -> Vec<&'static str>;
}

/// Publish an event; a failure to publish is logged, never fails the reconcile.
pub async fn publish(
    ctx: &Context,
    reference: &k8s_openapi::api::core::v1::ObjectReference,
    note: &Note,
) {
    let event = Event {
        type_: note.type_,
        reason: note.reason.to_string(),
        note: Some(note.message.chars().take(1000).collect()),
        action: note
            .action
            .clone()
            .unwrap_or_else(|| note.reason.to_string()),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, reference).await {
        tracing::warn!(%e, reason = note.reason, "publishing event failed");
    }
}

#[cfg(test)]
pub mod recorded {
    //! A [`Report`] that remembers, for unit tests of act.

    use std::sync::Mutex;

    use super::*;

    /// Everything act reported, in order.
    pub struct Recorded<S> {
        /// Events.
        pub notes: Mutex<Vec<Note>>,
        /// Status written before a step.
        pub checkpoints: Mutex<Vec<(S, Outcome)>>,
        /// Corrections, for one object; share it between reconciles to see contests.
        pub contests: std::sync::Arc<crate::runtime::contests::Contests>,
    }

    impl<S> Default for Recorded<S> {
        fn default() -> Self {
            Recorded {
                notes: Mutex::new(vec![]),
                checkpoints: Mutex::new(vec![]),
                contests: Default::default(),
            }
        }
    }

    impl<S> Recorded<S> {
        /// The reasons of the events, in order.
        pub fn reasons(&self) -> Vec<&'static str> {
            self.notes
                .lock()
                .unwrap()
                .iter()
                .map(|n| n.reason)
                .collect()
        }
    }

    impl<S: Clone + Send + Sync> Report<S> for Recorded<S> {
        async fn note(&self, note: Note) {
            self.notes.lock().unwrap().push(note);
        }
        async fn checkpoint(&self, status: &S, outcome: &Outcome) {
            self.checkpoints
                .lock()
                .unwrap()
                .push((status.clone(), outcome.clone()));
        }
        fn corrected(&self, fields: &[&'static str]) -> Vec<&'static str> {
            self.contests.corrected("object", fields)
        }
    }
}
