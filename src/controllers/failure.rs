//! What a failed AWS call means for the user (pure): a condition to show, or an error to
//! retry with backoff.

use super::outcome::Outcome;
use crate::aws::{AwsError, ErrorKind, Prerequisite};
use crate::runtime::error::{Error, Result};

/// The outcome a human must see for `err`, or `Err` for failures we retry with backoff.
pub fn outcome_of(err: AwsError) -> Result<Outcome> {
    let message = format!("{}: {}", err.code, err.message);
    match err.kind {
        ErrorKind::PrerequisiteMissing(Prerequisite::TrustedAccessDisabled) => {
            Ok(Outcome::Waiting {
                reason: Prerequisite::TrustedAccessDisabled.reason(),
                message: format!(
                    "waiting for trusted access for cloudtrail.amazonaws.com ({message})"
                ),
            })
        }
        ErrorKind::PrerequisiteMissing(p) => Ok(Outcome::Stalled {
            reason: p.reason(),
            message,
            spec_change_needed: false,
        }),
        ErrorKind::AccessDenied { ref action } => Ok(Outcome::Stalled {
            reason: "AccessDenied",
            message: format!("missing permission {action}: {message}"),
            spec_change_needed: false,
        }),
        ErrorKind::InvalidInput => Ok(Outcome::Stalled {
            reason: "InvalidInput",
            message,
            spec_change_needed: true,
        }),
        _ => Err(Error::Aws(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: ErrorKind) -> AwsError {
        AwsError::new(kind, "CreateTrail", "SomeCode", "AWS says no")
    }

    #[test]
    fn trusted_access_off_is_waiting_not_an_error() {
        let h = outcome_of(err(ErrorKind::PrerequisiteMissing(
            Prerequisite::TrustedAccessDisabled,
        )));
        assert!(matches!(
            h,
            Ok(Outcome::Waiting {
                reason: "TrustedAccessDisabled",
                ..
            })
        ));
    }

    #[test]
    fn human_fixes_stall_and_name_their_cause() {
        match outcome_of(err(ErrorKind::PrerequisiteMissing(
            Prerequisite::BucketPolicy,
        ))) {
            Ok(Outcome::Stalled {
                reason,
                spec_change_needed,
                ..
            }) => {
                assert_eq!(reason, "InsufficientS3BucketPolicy");
                assert!(
                    !spec_change_needed,
                    "a bucket policy fix happens in AWS: keep looking"
                );
            }
            other => panic!("{other:?}"),
        }
        match outcome_of(err(ErrorKind::AccessDenied {
            action: "cloudtrail:CreateTrail".into(),
        })) {
            Ok(Outcome::Stalled {
                reason, message, ..
            }) => {
                assert_eq!(reason, "AccessDenied");
                assert!(message.contains("cloudtrail:CreateTrail"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            outcome_of(err(ErrorKind::InvalidInput)),
            Ok(Outcome::Stalled {
                reason: "InvalidInput",
                spec_change_needed: true,
                ..
            })
        ));
    }

    #[test]
    fn retryable_failures_go_to_backoff() {
        for kind in [
            ErrorKind::Throttled,
            ErrorKind::Transient,
            ErrorKind::Conflict,
        ] {
            let e = outcome_of(err(kind)).expect_err("retryable");
            assert!(matches!(e, Error::Aws(_)));
        }
    }
}
