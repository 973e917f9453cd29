//! AWS error codes -> [`ErrorKind`]: the one place that knows AWS's error vocabulary.
//!
//! Every code in `aws-reference.md` is listed explicitly; the fallbacks at the end cover
//! codes AWS may add later. The reaction each kind implies drives the choice:
//! `PrerequisiteMissing` waits for something outside the spec to change, `InvalidInput`
//! stalls until the spec changes, `Conflict`/`Throttled`/`Transient` back off and retry.
//!
//! The SDK has already retried throttling and 5xx by the time we see an error (standard
//! retry mode); we classify what is left.

use aws_sdk_cloudtrail::config::http::HttpResponse;
use aws_sdk_cloudtrail::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::aws::error::{AwsError, ErrorKind, Prerequisite};

/// The AWS service a call went to; its IAM prefix names denied actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// AWS Organizations.
    Organizations,
    /// AWS CloudTrail.
    CloudTrail,
    /// AWS STS.
    Sts,
    /// Amazon SQS (the event queue).
    Sqs,
}

impl Service {
    /// The IAM action prefix and the label for metrics.
    pub fn name(self) -> &'static str {
        match self {
            Service::Organizations => "organizations",
            Service::CloudTrail => "cloudtrail",
            Service::Sts => "sts",
            Service::Sqs => "sqs",
        }
    }
}

/// What AWS said about a failed request, as far as classification needs it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Failure<'a> {
    /// Wire error code (`__type` shape name), e.g. `TrailNotFoundException`.
    pub code: &'a str,
    /// AWS's message.
    pub message: &'a str,
    /// Organizations' `ConstraintViolationException.Reason`.
    pub reason: Option<&'a str>,
    /// HTTP status of the response.
    pub status: Option<u16>,
}

/// Classify one service error.
pub fn classify(service: Service, operation: &str, f: Failure<'_>) -> ErrorKind {
    use ErrorKind::*;
    use Prerequisite::*;
    let code = f.code;
    // Throttling first: AWS sends these as 400 (CloudTrail) or 400/429 (Organizations).
    if is_throttling_code(code) || f.status == Some(429) {
        return Throttled;
    }
    // Anything the service itself calls a fault; retried by the SDK already.
    if f.status.is_some_and(|s| s >= 500) {
        return Transient;
    }
    match code {
        // The addressed thing does not exist.
        "TrailNotFoundException"
        | "EventDataStoreNotFoundException"
        | "AccountNotRegisteredException"
        | "AccountNotFoundException"
        | "ResourceNotFoundException"
        // SQS: the modern code, and the awsQuery-compatible one the SDK reports.
        | "QueueDoesNotExist"
        | "AWS.SimpleQueueService.NonExistentQueue"
        | "ChannelNotFoundException"
        | "ImportNotFoundException"
        | "QueryIdNotFoundException"
        | "ResourcePolicyNotFoundException"
        | "TargetNotFoundException"
        // GetInsightSelectors on a trail without Insights: there is nothing to read.
        | "InsightNotEnabledException" => NotFound,

        // Name clashes and duplicate registrations.
        "TrailAlreadyExistsException"
        | "EventDataStoreAlreadyExistsException"
        | "AccountRegisteredException"
        | "AccountAlreadyRegisteredException"
        | "ChannelAlreadyExistsException" => AlreadyExists,

        // Organizations refuses because trusted access / all-features is missing; any
        // other constraint (e.g. CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR,
        // MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED) is about the input.
        "ConstraintViolationException" => match constraint_reason(f) {
            Some("SERVICE_ACCESS_NOT_ENABLED") => PrerequisiteMissing(TrustedAccessDisabled),
            Some("ORGANIZATION_NOT_IN_ALL_FEATURES_MODE") => PrerequisiteMissing(NotAllFeatures),
            _ => InvalidInput,
        },

        "CloudTrailAccessNotEnabledException" => PrerequisiteMissing(TrustedAccessDisabled),
        // Two names for the same condition (trail APIs vs. delegated-admin APIs).
        "NotOrganizationMasterAccountException" | "NotOrganizationManagementAccountException" => {
            PrerequisiteMissing(NotManagementAccount)
        }
        "OrganizationNotInAllFeaturesModeException" => PrerequisiteMissing(NotAllFeatures),
        "OrganizationsNotInUseException" | "AWSOrganizationsNotInUseException" => {
            PrerequisiteMissing(NotInOrganization)
        }
        "NoManagementAccountSLRExistsException" => PrerequisiteMissing(NoServiceLinkedRole),
        "InsufficientDependencyServiceAccessPermissionException" => {
            PrerequisiteMissing(DependencyAccess)
        }
        "InsufficientS3BucketPolicyException" => PrerequisiteMissing(BucketPolicy),
        "S3BucketDoesNotExistException" => PrerequisiteMissing(BucketMissing),
        "InsufficientEncryptionPolicyException" => PrerequisiteMissing(KmsPolicy),
        // CloudTrail's generic refusal; on CreateEventDataStore it is how Lake turns away
        // accounts that never used it (closed to new customers since 2026-05-31).
        "OperationNotPermittedException" if is_lake_refusal(operation, f.message) => {
            PrerequisiteMissing(LakeUnavailable)
        }

        // IAM (or authentication) says no. Unknown keys and bad signatures land here too:
        // retrying with the same credentials cannot succeed.
        "AccessDeniedException"
        | "AccessDenied"
        | "AccessDeniedForDependencyException"
        | "InsufficientIAMAccessPermissionException"
        | "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "CloudTrailInvalidClientTokenIdException"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "MissingAuthenticationToken"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "AuthFailure" => AccessDenied {
            action: denied_action(service, operation, code, f.message),
        },

        // EnableFederation on a store that is already federated: its state, not the
        // request, is in the way (a new role needs DisableFederation first); the next
        // read decides. Anywhere else (DeleteEventDataStore) only an explicit
        // DisableFederation lifts it, as termination protection below.
        "EventDataStoreFederationEnabledException" if operation == "EnableFederation" => Conflict,

        // A concurrent change or a state transition in progress: retry later.
        "ConcurrentModificationException"
        | "ConflictException"
        | "InvalidEventDataStoreStatusException"
        | "InactiveEventDataStoreException"
        | "EventDataStoreHasOngoingImportException"
        | "AccountHasOngoingImportException"
        | "PolicyChangesInProgressException"
        | "FinalizingOrganizationException" => Conflict,

        // Service-side trouble that is not a 5xx on the wire, and a stale page token
        // (listing again from the start fixes it).
        "ServiceException"
        | "InternalFailure"
        | "InternalServerError"
        | "ServiceUnavailable"
        | "ServiceUnavailableException"
        | "RequestTimeout"
        | "RequestTimeoutException"
        | "KmsException"
        | "InvalidNextTokenException" => Transient,

        // The request itself is wrong, or asks for more than AWS allows: the same input
        // cannot succeed, so stall until the spec changes. This includes hard limits
        // (5 trails per region, 3 delegated admins) and termination protection, which
        // only an explicit UpdateEventDataStore lifts.
        "InvalidTrailNameException"
        | "InvalidParameterException"
        | "InvalidParameterCombinationException"
        | "InvalidHomeRegionException"
        | "InvalidInputException"
        | "ValidationException"
        | "SerializationException"
        | "CannotDelegateManagementAccountException"
        | "DelegatedAdminAccountLimitExceededException"
        | "MaximumNumberOfTrailsExceededException"
        | "EventDataStoreMaxLimitExceededException"
        | "EventDataStoreTerminationProtectedException"
        | "EventDataStoreFederationEnabledException"
        | "InvalidEventDataStoreCategoryException"
        | "InvalidInsightSelectorsException"
        | "InvalidEventSelectorsException"
        | "ResourcePolicyNotValidException"
        | "TagsLimitExceededException"
        | "TrailNotProvidedException"
        | "CloudTrailARNInvalidException"
        | "EventDataStoreARNInvalidException"
        | "ResourceARNNotValidException"
        | "ResourceTypeNotSupportedException"
        | "UnsupportedOperationException"
        | "OperationNotPermittedException"
        | "InsufficientSnsTopicPolicyException"
        | "KmsKeyNotFoundException"
        | "KmsKeyDisabledException"
        | "CloudWatchLogsDeliveryUnavailableException"
        | "ServiceQuotaExceededException"
        | "UnknownOperationException"
        | "UnsupportedAPIEndpointException" => InvalidInput,

        other => fallback(service, operation, other, f),
    }
}

/// Codes nobody listed above: judge by shape and status. An unknown code that is not
/// plainly about the input backs off and retries rather than stalling forever.
fn fallback(service: Service, operation: &str, code: &str, f: Failure<'_>) -> ErrorKind {
    if code.ends_with("NotFoundException") {
        ErrorKind::NotFound
    } else if code.contains("AlreadyExists") {
        ErrorKind::AlreadyExists
    } else if code.starts_with("Invalid") || code.ends_with("LimitExceededException") {
        ErrorKind::InvalidInput
    } else if f.status == Some(403) {
        ErrorKind::AccessDenied {
            action: denied_action(service, operation, code, f.message),
        }
    } else {
        ErrorKind::Transient
    }
}

/// The codes the SDK's retry classifier treats as throttling, plus Organizations'.
fn is_throttling_code(code: &str) -> bool {
    matches!(
        code,
        "ThrottlingException"
            | "Throttling"
            | "ThrottledException"
            | "RequestThrottledException"
            | "RequestThrottled"
            | "AWS.SimpleQueueService.RequestThrottled"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "SlowDown"
            | "PriorRequestNotComplete"
    )
}

/// Organizations puts the constraint in `Reason`; older responses only in the message.
fn constraint_reason<'a>(f: Failure<'a>) -> Option<&'a str> {
    const KNOWN: [&str; 2] = [
        "SERVICE_ACCESS_NOT_ENABLED",
        "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE",
    ];
    f.reason
        .or_else(|| KNOWN.into_iter().find(|r| f.message.contains(r)))
}

fn is_lake_refusal(operation: &str, message: &str) -> bool {
    // Federation refusals speak of "Lake query federation" without Lake being closed.
    operation == "CreateEventDataStore"
        || (!operation.ends_with("Federation") && message.to_ascii_lowercase().contains("lake"))
}

/// Whether `err` says the addressed trail or event data store does not exist: `GetTrail`
/// and `GetEventDataStore` answer "none" instead of failing.
pub fn is_absent(err: &AwsError) -> bool {
    matches!(
        err.code.as_str(),
        "TrailNotFoundException" | "EventDataStoreNotFoundException"
    )
}

/// Whether `err` is `GetInsightSelectors`' way of saying Insights is off on the trail or
/// store.
pub fn is_insights_off(err: &AwsError) -> bool {
    err.code == "InsightNotEnabledException"
}

/// Whether `err` is `GetResourcePolicy`'s way of saying the resource has no policy (the
/// resource itself exists; a missing one is `ResourceNotFoundException`).
pub fn is_no_resource_policy(err: &AwsError) -> bool {
    err.code == "ResourcePolicyNotFoundException"
}

/// The IAM action AWS denied: named in the message when AWS says
/// `... is not authorized to perform: <action> ...`, or an `iam:` action mentioned by the
/// CloudTrail/Organizations dependency errors; otherwise the operation itself.
pub fn denied_action(service: Service, operation: &str, code: &str, message: &str) -> String {
    if let Some(action) = action_after(message, "perform: ") {
        return action;
    }
    if let Some(pos) = message.find("iam:") {
        let action: String = message[pos..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
            .collect();
        if action.len() > "iam:".len() {
            return action;
        }
    }
    match code {
        // Both are about creating CloudTrail's / the service's linked role.
        "InsufficientIAMAccessPermissionException" | "AccessDeniedForDependencyException" => {
            "iam:CreateServiceLinkedRole".to_owned()
        }
        _ => format!("{}:{operation}", service.name()),
    }
}

fn action_after(message: &str, marker: &str) -> Option<String> {
    let rest = &message[message.find(marker)? + marker.len()..];
    let action: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '*' | '-'))
        .collect();
    action.contains(':').then_some(action)
}

/// Turn an SDK error into an [`AwsError`]. `reason` extracts Organizations'
/// `ConstraintViolationException.Reason` from the typed error where it exists.
pub fn from_sdk<E>(
    service: Service,
    operation: &'static str,
    err: SdkError<E, HttpResponse>,
    reason: impl FnOnce(&E) -> Option<String>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(ctx) => {
            let e = ctx.err();
            let status = ctx.raw().status().as_u16();
            let code = e.code().unwrap_or("Unknown").to_owned();
            let message = e.message().unwrap_or_default().to_owned();
            let reason = reason(e);
            let kind = classify(
                service,
                operation,
                Failure {
                    code: &code,
                    message: &message,
                    reason: reason.as_deref(),
                    status: Some(status),
                },
            );
            AwsError::new(kind, operation, code, message)
        }
        SdkError::TimeoutError(_) => AwsError::new(
            ErrorKind::Transient,
            operation,
            "TimeoutError",
            DisplayErrorContext(&err).to_string(),
        ),
        SdkError::DispatchFailure(d) => {
            if let Some((status, code, message)) = assume_role_refusal(&err) {
                let failure = Failure {
                    code: &code,
                    message: &message,
                    reason: None,
                    status,
                };
                let kind = classify(Service::Sts, "AssumeRole", failure);
                return AwsError::new(kind, operation, code, message);
            }
            // A bad endpoint URL is a configuration error; everything else on the wire
            // (connection refused, reset, I/O timeout) may go away.
            let kind = if d.is_user() {
                ErrorKind::InvalidInput
            } else {
                ErrorKind::Transient
            };
            AwsError::new(
                kind,
                operation,
                "DispatchFailure",
                DisplayErrorContext(&err).to_string(),
            )
        }
        SdkError::ResponseError(_) => AwsError::new(
            ErrorKind::Transient,
            operation,
            "ResponseError",
            DisplayErrorContext(&err).to_string(),
        ),
        // The request could not be built (missing required member, no region, no
        // credentials provider): the same input fails the same way.
        _ => AwsError::new(
            ErrorKind::InvalidInput,
            operation,
            "ConstructionFailure",
            DisplayErrorContext(&err).to_string(),
        ),
    }
}

/// STS refusing the `AssumeRole` behind an assume-role `SdkConfig`. The SDK reports it as
/// a dispatch failure of the call that needed credentials; what matters is STS's own
/// answer (a role that does not trust us stays refused, unlike a dropped connection).
fn assume_role_refusal<E>(err: &SdkError<E, HttpResponse>) -> Option<(Option<u16>, String, String)>
where
    E: std::error::Error + 'static,
{
    type AssumeRoleSdkError = aws_sdk_sts::error::SdkError<
        aws_sdk_sts::operation::assume_role::AssumeRoleError,
        HttpResponse,
    >;
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        if let Some(SdkError::ServiceError(ctx)) = e.downcast_ref::<AssumeRoleSdkError>() {
            return Some((
                Some(ctx.raw().status().as_u16()),
                ctx.err().code().unwrap_or("Unknown").to_owned(),
                ctx.err().message().unwrap_or_default().to_owned(),
            ));
        }
        source = e.source();
    }
    None
}

/// A failure of ours, shaped like AWS's (e.g. a response missing a required member).
pub fn malformed_response(operation: &'static str, what: &str) -> AwsError {
    AwsError::new(
        ErrorKind::Transient,
        operation,
        "MalformedResponse",
        format!("{operation} response lacks {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorKind::*;
    use Prerequisite::*;

    fn ct(operation: &str, code: &str) -> ErrorKind {
        classify(
            Service::CloudTrail,
            operation,
            Failure {
                code,
                message: "",
                reason: None,
                status: Some(400),
            },
        )
    }

    fn org(operation: &str, code: &str, reason: Option<&str>) -> ErrorKind {
        classify(
            Service::Organizations,
            operation,
            Failure {
                code,
                message: "",
                reason,
                status: Some(400),
            },
        )
    }

    #[test]
    fn not_found_codes() {
        for code in [
            "TrailNotFoundException",
            "EventDataStoreNotFoundException",
            "AccountNotRegisteredException",
            "AccountNotFoundException",
        ] {
            assert_eq!(ct("GetTrail", code), NotFound, "{code}");
        }
    }

    #[test]
    fn already_exists_codes() {
        for code in [
            "TrailAlreadyExistsException",
            "AccountAlreadyRegisteredException",
            "AccountRegisteredException",
            "EventDataStoreAlreadyExistsException",
        ] {
            assert_eq!(ct("CreateTrail", code), AlreadyExists, "{code}");
        }
    }

    #[test]
    fn prerequisite_codes() {
        let table = [
            ("CloudTrailAccessNotEnabledException", TrustedAccessDisabled),
            (
                "NotOrganizationMasterAccountException",
                NotManagementAccount,
            ),
            (
                "NotOrganizationManagementAccountException",
                NotManagementAccount,
            ),
            ("OrganizationNotInAllFeaturesModeException", NotAllFeatures),
            ("OrganizationsNotInUseException", NotInOrganization),
            ("AWSOrganizationsNotInUseException", NotInOrganization),
            ("NoManagementAccountSLRExistsException", NoServiceLinkedRole),
            (
                "InsufficientDependencyServiceAccessPermissionException",
                DependencyAccess,
            ),
            ("InsufficientS3BucketPolicyException", BucketPolicy),
            ("S3BucketDoesNotExistException", BucketMissing),
            ("InsufficientEncryptionPolicyException", KmsPolicy),
        ];
        for (code, prerequisite) in table {
            assert_eq!(
                ct("CreateTrail", code),
                PrerequisiteMissing(prerequisite),
                "{code}"
            );
        }
    }

    #[test]
    fn constraint_violation_reasons() {
        let op = "RegisterDelegatedAdministrator";
        let cv = "ConstraintViolationException";
        assert_eq!(
            org(op, cv, Some("SERVICE_ACCESS_NOT_ENABLED")),
            PrerequisiteMissing(TrustedAccessDisabled)
        );
        assert_eq!(
            org(op, cv, Some("ORGANIZATION_NOT_IN_ALL_FEATURES_MODE")),
            PrerequisiteMissing(NotAllFeatures)
        );
        assert_eq!(
            org(
                op,
                cv,
                Some("MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED")
            ),
            InvalidInput
        );
        assert_eq!(org(op, cv, None), InvalidInput);
        // Reason only in the message.
        let kind = classify(
            Service::Organizations,
            op,
            Failure {
                code: cv,
                message: "SERVICE_ACCESS_NOT_ENABLED: enable trusted access first",
                reason: None,
                status: Some(400),
            },
        );
        assert_eq!(kind, PrerequisiteMissing(TrustedAccessDisabled));
    }

    #[test]
    fn lake_refusal_only_where_lake_is_involved() {
        assert_eq!(
            ct("CreateEventDataStore", "OperationNotPermittedException"),
            PrerequisiteMissing(LakeUnavailable)
        );
        assert_eq!(
            ct("UpdateTrail", "OperationNotPermittedException"),
            InvalidInput
        );
        let federation = classify(
            Service::CloudTrail,
            "EnableFederation",
            Failure {
                code: "OperationNotPermittedException",
                message: "Lake query federation is not permitted for this event data store",
                reason: None,
                status: Some(400),
            },
        );
        assert_eq!(federation, InvalidInput);
    }

    #[test]
    fn invalid_input_codes() {
        for code in [
            "InvalidTrailNameException",
            "InvalidParameterException",
            "InvalidParameterCombinationException",
            "InvalidHomeRegionException",
            "CannotDelegateManagementAccountException",
            "DelegatedAdminAccountLimitExceededException",
            "MaximumNumberOfTrailsExceededException",
            "EventDataStoreTerminationProtectedException",
            "ValidationException",
            "InvalidKmsKeyIdException",
            "InvalidEventSelectorsException",
            "InvalidInsightSelectorsException",
            "InvalidTagParameterException",
            "TagsLimitExceededException",
        ] {
            assert_eq!(ct("UpdateTrail", code), InvalidInput, "{code}");
        }
    }

    #[test]
    fn conflict_codes() {
        for code in [
            "ConcurrentModificationException",
            "ConflictException",
            "InvalidEventDataStoreStatusException",
        ] {
            assert_eq!(ct("StartEventDataStoreIngestion", code), Conflict, "{code}");
        }
    }

    #[test]
    fn settings_codes() {
        // Input only a spec change fixes.
        for (op, code) in [
            ("PutResourcePolicy", "ResourcePolicyNotValidException"),
            ("PutResourcePolicy", "ResourceARNNotValidException"),
            ("PutResourcePolicy", "ResourceTypeNotSupportedException"),
            ("PutEventConfiguration", "InvalidParameterException"),
            (
                "PutEventConfiguration",
                "InvalidParameterCombinationException",
            ),
            (
                "PutEventConfiguration",
                "InvalidEventDataStoreCategoryException",
            ),
            ("PutEventConfiguration", "ValidationException"),
            ("PutInsightSelectors", "InvalidInsightSelectorsException"),
            ("EnableFederation", "InvalidParameterException"),
            ("EnableFederation", "EventDataStoreARNInvalidException"),
            // Deleting a federated store: only DisableFederation lifts it.
            (
                "DeleteEventDataStore",
                "EventDataStoreFederationEnabledException",
            ),
        ] {
            assert_eq!(ct(op, code), InvalidInput, "{op} {code}");
        }
        // State in the way: retry once it has changed.
        for (op, code) in [
            (
                "EnableFederation",
                "EventDataStoreFederationEnabledException",
            ),
            ("EnableFederation", "ConcurrentModificationException"),
            ("DisableFederation", "ConcurrentModificationException"),
            ("EnableFederation", "InactiveEventDataStoreException"),
            ("PutEventConfiguration", "ConflictException"),
            ("PutEventConfiguration", "InactiveEventDataStoreException"),
            (
                "PutEventConfiguration",
                "InvalidEventDataStoreStatusException",
            ),
            ("PutResourcePolicy", "ConflictException"),
            ("DeleteResourcePolicy", "ConflictException"),
        ] {
            assert_eq!(ct(op, code), Conflict, "{op} {code}");
        }
        for (op, code) in [
            ("GetResourcePolicy", "ResourcePolicyNotFoundException"),
            ("DeleteResourcePolicy", "ResourcePolicyNotFoundException"),
            ("GetResourcePolicy", "ResourceNotFoundException"),
            ("GetInsightSelectors", "InsightNotEnabledException"),
            ("GetEventConfiguration", "EventDataStoreNotFoundException"),
        ] {
            assert_eq!(ct(op, code), NotFound, "{op} {code}");
        }
        for (op, code, prerequisite) in [
            (
                "EnableFederation",
                "CloudTrailAccessNotEnabledException",
                TrustedAccessDisabled,
            ),
            (
                "EnableFederation",
                "NotOrganizationMasterAccountException",
                NotManagementAccount,
            ),
            (
                "PutEventConfiguration",
                "NoManagementAccountSLRExistsException",
                NoServiceLinkedRole,
            ),
            (
                "PutInsightSelectors",
                "InsufficientS3BucketPolicyException",
                BucketPolicy,
            ),
        ] {
            assert_eq!(
                ct(op, code),
                PrerequisiteMissing(prerequisite),
                "{op} {code}"
            );
        }
        // Creating the event-context service-linked role for TagContext keys.
        assert_eq!(
            ct(
                "PutEventConfiguration",
                "InsufficientIAMAccessPermissionException"
            ),
            AccessDenied {
                action: "iam:CreateServiceLinkedRole".into()
            }
        );
        // Glue / Lake Formation denials name the action AWS names.
        let kind = classify(
            Service::CloudTrail,
            "EnableFederation",
            Failure {
                code: "AccessDeniedException",
                message: "User: arn:aws:iam::111111111111:role/op is not authorized to \
                          perform: glue:CreateDatabase on resource: catalog",
                reason: None,
                status: Some(400),
            },
        );
        assert_eq!(
            kind,
            AccessDenied {
                action: "glue:CreateDatabase".into()
            }
        );
    }

    #[test]
    fn absence_helpers_match_only_their_code() {
        let e = |code: &str| AwsError::new(NotFound, "GetResourcePolicy", code, "");
        assert!(is_no_resource_policy(&e("ResourcePolicyNotFoundException")));
        assert!(!is_no_resource_policy(&e("ResourceNotFoundException")));
        assert!(is_insights_off(&e("InsightNotEnabledException")));
        assert!(!is_absent(&e("ResourcePolicyNotFoundException")));
    }

    #[test]
    fn throttling_and_faults() {
        assert_eq!(ct("ListTrails", "ThrottlingException"), Throttled);
        assert_eq!(
            org(
                "ListAWSServiceAccessForOrganization",
                "TooManyRequestsException",
                None
            ),
            Throttled
        );
        assert_eq!(
            org("DescribeOrganization", "ServiceException", None),
            Transient
        );
        let fault = Failure {
            code: "InternalFailure",
            status: Some(503),
            ..Failure::default()
        };
        assert_eq!(classify(Service::CloudTrail, "GetTrail", fault), Transient);
        // A 5xx with a code we would otherwise call input trouble is still a fault.
        let fault = Failure {
            code: "InvalidParameterException",
            status: Some(500),
            ..Failure::default()
        };
        assert_eq!(classify(Service::CloudTrail, "GetTrail", fault), Transient);
    }

    #[test]
    fn access_denied_names_the_action() {
        let kind = classify(
            Service::CloudTrail,
            "CreateTrail",
            Failure {
                code: "AccessDeniedException",
                message: "User: arn:aws:iam::111111111111:user/x is not authorized to perform: \
                          cloudtrail:CreateTrail because no identity-based policy allows it",
                reason: None,
                status: Some(400),
            },
        );
        assert_eq!(
            kind,
            AccessDenied {
                action: "cloudtrail:CreateTrail".into()
            }
        );
        assert_eq!(
            classify(
                Service::Organizations,
                "EnableAWSServiceAccess",
                Failure {
                    code: "AccessDeniedException",
                    message: "You don't have permissions to access this resource.",
                    ..Failure::default()
                }
            ),
            AccessDenied {
                action: "organizations:EnableAWSServiceAccess".into()
            }
        );
        assert_eq!(
            ct(
                "RegisterOrganizationDelegatedAdmin",
                "InsufficientIAMAccessPermissionException"
            ),
            AccessDenied {
                action: "iam:CreateServiceLinkedRole".into()
            }
        );
        let kind = classify(
            Service::CloudTrail,
            "RegisterOrganizationDelegatedAdmin",
            Failure {
                code: "InsufficientIAMAccessPermissionException",
                message: "The caller lacks iam:GetRole.",
                ..Failure::default()
            },
        );
        assert_eq!(
            kind,
            AccessDenied {
                action: "iam:GetRole".into()
            }
        );
        assert_eq!(
            ct("ListTrails", "UnrecognizedClientException"),
            AccessDenied {
                action: "cloudtrail:ListTrails".into()
            }
        );
    }

    #[test]
    fn unknown_codes_fall_back_by_shape() {
        assert_eq!(ct("GetTrail", "WidgetNotFoundException"), NotFound);
        assert_eq!(ct("GetTrail", "InvalidWidgetException"), InvalidInput);
        assert_eq!(ct("GetTrail", "SomethingOdd"), Transient);
        let forbidden = Failure {
            code: "Forbidden",
            status: Some(403),
            ..Failure::default()
        };
        assert_eq!(
            classify(Service::CloudTrail, "GetTrail", forbidden),
            AccessDenied {
                action: "cloudtrail:GetTrail".into()
            }
        );
    }
}
