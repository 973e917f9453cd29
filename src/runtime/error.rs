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

impl Error {
    /// A finalizer patch refused because our cached copy of the object was older than the
    /// stored one (the JSON patch's `test` failed: 422, or 409): the watch delivers the
    /// newer copy at once and the reconcile runs again. A race on a first apply, not a
    /// failure: neither counted nor logged as one.
    pub fn is_stale_cache(&self) -> bool {
        use kube::runtime::finalizer::Error as F;
        let Error::Finalizer(inner) = self else {
            return false;
        };
        match inner.as_ref() {
            F::AddFinalizer(kube::Error::Api(s)) | F::RemoveFinalizer(kube::Error::Api(s)) => {
                s.code == 422 || s.code == 409
            }
            _ => false,
        }
    }
}

/// Result of reconciler steps.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;
    use kube::runtime::finalizer::Error as F;

    fn api(code: u16) -> kube::Error {
        kube::Error::Api(Box::new(
            Status::failure("refused", "Invalid").with_code(code),
        ))
    }

    #[test]
    fn only_a_refused_finalizer_patch_is_a_stale_cache() {
        let add = |code| Error::Finalizer(Box::new(F::AddFinalizer(api(code))));
        assert!(add(422).is_stale_cache());
        assert!(add(409).is_stale_cache());
        assert!(!add(403).is_stale_cache(), "RBAC is real trouble");
        assert!(!Error::Kube(api(422)).is_stale_cache());
        let remove = Error::Finalizer(Box::new(F::RemoveFinalizer(api(422))));
        assert!(remove.is_stale_cache());
    }
}
