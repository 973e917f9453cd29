//! The small set of AWS failure kinds that reconcilers act on.
//!
//! The SDK adapter maps every AWS error code onto one [`ErrorKind`]; reconcilers never
//! look at error codes themselves. Each kind implies a reaction: back off, wait for a
//! prerequisite (and the watch that announces it), stop until the spec changes, ...

use std::fmt;

/// A missing precondition AWS told us about. Each is a user-visible condition reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prerequisite {
    /// Organizations does not trust `cloudtrail.amazonaws.com`
    /// (`CloudTrailAccessNotEnabledException`, `SERVICE_ACCESS_NOT_ENABLED`).
    TrustedAccessDisabled,
    /// The caller is not the management account (nor a delegated admin where that suffices).
    NotManagementAccount,
    /// The organization is in consolidated-billing mode.
    NotAllFeatures,
    /// The caller's account is not in an organization.
    NotInOrganization,
    /// `AWSServiceRoleForCloudTrail` is missing in the management account.
    NoServiceLinkedRole,
    /// The S3 bucket does not exist.
    BucketMissing,
    /// The S3 bucket policy lacks the statements CloudTrail needs.
    BucketPolicy,
    /// The KMS key policy lacks the statements CloudTrail needs.
    KmsPolicy,
    /// CloudTrail lacks access to a dependency service (Organizations).
    DependencyAccess,
    /// CloudTrail Lake is closed to this account (new customers refused since 2026-05-31).
    LakeUnavailable,
}

impl Prerequisite {
    /// A stable CamelCase reason for conditions and events.
    pub fn reason(self) -> &'static str {
        match self {
            Prerequisite::TrustedAccessDisabled => "TrustedAccessDisabled",
            Prerequisite::NotManagementAccount => "NotManagementAccount",
            Prerequisite::NotAllFeatures => "OrganizationNotInAllFeaturesMode",
            Prerequisite::NotInOrganization => "OrganizationsNotInUse",
            Prerequisite::NoServiceLinkedRole => "NoServiceLinkedRole",
            Prerequisite::BucketMissing => "S3BucketDoesNotExist",
            Prerequisite::BucketPolicy => "InsufficientS3BucketPolicy",
            Prerequisite::KmsPolicy => "InsufficientEncryptionPolicy",
            Prerequisite::DependencyAccess => "InsufficientDependencyServiceAccess",
            Prerequisite::LakeUnavailable => "CloudTrailLakeUnavailable",
        }
    }
}

/// What kind of failure an AWS call ended in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Rate limited even after the SDK's own retries: back off.
    Throttled,
    /// 5xx, timeouts, connection errors: back off and retry.
    Transient,
    /// The addressed resource does not exist.
    NotFound,
    /// A resource of that name (or that registration) already exists.
    AlreadyExists,
    /// AWS refuses until something else is in place.
    PrerequisiteMissing(Prerequisite),
    /// IAM denies `action` (e.g. `cloudtrail:CreateTrail`).
    AccessDenied {
        /// The IAM action that was denied, as far as AWS tells.
        action: String,
    },
    /// AWS rejects the request itself; retrying the same input cannot succeed.
    InvalidInput,
    /// A concurrent change or a state transition in progress: retry later.
    Conflict,
}

impl ErrorKind {
    /// A bounded label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            ErrorKind::Throttled => "throttled",
            ErrorKind::Transient => "transient",
            ErrorKind::NotFound => "not_found",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::PrerequisiteMissing(_) => "prerequisite_missing",
            ErrorKind::AccessDenied { .. } => "access_denied",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Conflict => "conflict",
        }
    }
}

/// A classified AWS failure. `code` and `message` are AWS's own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    /// How the reconcilers should react.
    pub kind: ErrorKind,
    /// The AWS operation, e.g. `CreateTrail`.
    pub operation: &'static str,
    /// AWS's error code, e.g. `CloudTrailAccessNotEnabledException`.
    pub code: String,
    /// AWS's message.
    pub message: String,
}

impl AwsError {
    /// Build an error (used by the adapter and by unit tests of pure decisions).
    pub fn new(
        kind: ErrorKind,
        operation: &'static str,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        AwsError {
            kind,
            operation,
            code: code.into(),
            message: message.into(),
        }
    }

    /// Whether this is a `NotFound`.
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed: {}: {}",
            self.operation, self.code, self.message
        )
    }
}

impl std::error::Error for AwsError {}

/// Result of an AWS port call.
pub type AwsResult<T> = Result<T, AwsError>;
