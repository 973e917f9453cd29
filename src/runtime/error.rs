//! The one error type of the reconcilers, with a bounded category for metrics and events.

use crate::aws::AwsError;

/// Why a reconcile failed in a way that the controller retries with backoff.
/// (Failures a human must fix become status conditions instead, and are not errors.)
#[derive(thiserror::Error, Debug)]
pub enum Error {
    /// The Kubernetes API failed (status write, event, finalizer patch).
    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    /// An AWS call failed in a retryable way (throttled, 5xx, conflict, ...).
    #[error("AWS: {0}")]
    Aws(#[from] AwsError),
    /// Adding or removing the finalizer failed.
    #[error("finalizer: {0}")]
    Finalizer(#[source] Box<kube::runtime::finalizer::Error<Error>>),
}

impl Error {
    /// A bounded label: metric label and event reason material.
    pub fn category(&self) -> &'static str {
        match self {
            Error::Kube(_) => "kubernetes",
            Error::Aws(e) => e.kind.label(),
            Error::Finalizer(inner) => match inner.as_ref() {
                kube::runtime::finalizer::Error::ApplyFailed(e)
                | kube::runtime::finalizer::Error::CleanupFailed(e) => e.category(),
                _ => "finalizer",
            },
        }
    }
}

/// Result of reconciler steps.
pub type Result<T, E = Error> = std::result::Result<T, E>;
