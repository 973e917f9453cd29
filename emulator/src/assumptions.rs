//! Every choice the emulator makes where AWS documents nothing. Nothing else in the crate
//! may invent behaviour: other modules read these constants/functions. The list is served at
//! `GET /_emulator/assumptions` and mirrored in docs/emulator.md.

/// (id, statement) for the hook endpoint and docs.
pub const ASSUMPTIONS: &[(&str, &str)] = &[
    (
        "signatures",
        "SigV4 signatures are not verified; only the access key and the credential-scope region are read.",
    ),
    (
        "repeat-enable-disable",
        "Repeating EnableAWSServiceAccess or DisableAWSServiceAccess is a no-op success (moto does the same).",
    ),
    (
        "delegated-admins-survive-disable",
        "Disabling trusted access for cloudtrail.amazonaws.com keeps delegated-admin registrations.",
    ),
    (
        "org-scope-check-order",
        "Org-scope checks run in this order: organization in use, caller is management or CloudTrail delegated admin, all-features mode, trusted access, management-account service-linked role, then S3/KMS policies, name clash, quota.",
    ),
    (
        "member-write-error",
        "A member account (not the delegated admin) that updates, deletes, starts/stops, tags or puts selectors or an event configuration on an organization trail by ARN gets NotOrganizationMasterAccountException.",
    ),
    (
        "delegated-admin-convert-error",
        "A delegated admin changing IsOrganizationTrail / OrganizationEnabled gets NotOrganizationMasterAccountException.",
    ),
    (
        "trail-name-uniqueness",
        "Trail names are unique per owning account among trails visible in a region (a multi-region trail occupies its name in every region).",
    ),
    (
        "quota-counting",
        "The trail quota counts, per owning account and region, trails whose home region is that region plus multi-region trails from other regions; org trails count only for the management account.",
    ),
    (
        "list-trails-all-regions",
        "ListTrails lists the caller's trails (and the organization trails it sees) from every region, each with its HomeRegion: AWS documents it as listing the trails in the current account, without the current-Region scope it gives DescribeTrails.",
    ),
    (
        "describe-trails-unknown-names",
        "DescribeTrails silently omits names/ARNs that match no visible trail.",
    ),
    (
        "kms-normalisation",
        "A KmsKeyId given as key id becomes arn:aws:kms:<region>:<owner>:key/<id>, an alias name becomes arn:aws:kms:<region>:<owner>:<alias>; ARNs are kept as given.",
    ),
    (
        "kms-immutable-error",
        "Changing or removing an event data store's KmsKeyId once set fails with InvalidParameterException.",
    ),
    (
        "eds-create-status",
        "CreateEventDataStore answers Status CREATED; the stored status is then ENABLED (StartIngestion true) or STOPPED_INGESTION (false).",
    ),
    (
        "ingestion-immediate",
        "Start/StopEventDataStoreIngestion take effect immediately (no STARTING_/STOPPING_INGESTION phase is observable).",
    ),
    (
        "ingestion-status-errors",
        "Starting an ENABLED store or stopping a STOPPED_INGESTION store fails with InvalidEventDataStoreStatusException, as does either on a PENDING_DELETION store.",
    ),
    (
        "eds-home-region-only",
        "Event data stores are visible only in their home region.",
    ),
    (
        "delegated-admin-sees-org-stores",
        "The CloudTrail delegated admin lists and manages (by ARN) the organization event data stores owned by the management account; other members do not see them.",
    ),
    (
        "add-tags-home-region",
        "AddTags/RemoveTags on a trail outside its home region fail with InvalidHomeRegionException.",
    ),
    (
        "lake-closed-error",
        "With lake_open_to_new_customers=false, CreateEventDataStore from an account that never had a store fails with OperationNotPermittedException.",
    ),
    (
        "call-kind",
        "Call kind is read for Get*/List*/Describe* and STS GetCallerIdentity/AssumeRole/AssumeRoleWithWebIdentity, write otherwise.",
    ),
    (
        "assumed-role-permissions",
        "Sessions from STS AssumeRole and AssumeRoleWithWebIdentity have no denied actions, whatever key or token obtained them.",
    ),
    (
        "org-trail-member-by-name",
        "A member or delegated admin naming an organization trail by bare name gets TrailNotFoundException (the name resolves only in the owner's account).",
    ),
    (
        "tag-value-optional",
        "A tag without Value is stored with an empty value and returned without the Value member.",
    ),
    (
        "events-need-logging-trail",
        "An AWS API Call via CloudTrail event is published only if, before the call, a trail with IsLogging=true records the recipient account in the event's Region (trail homed there or multi-region; an organization trail covers every account of the organization); Organizations events also need IncludeGlobalServiceEvents. Judging the state before the call means the StopLogging or DeleteTrail of the last logging trail is itself delivered.",
    ),
    (
        "events-successful-calls-only",
        "Only successful calls publish events; AWS also delivers failed calls with errorCode/errorMessage, which the emulator does not.",
    ),
    (
        "events-read-only-rules",
        "Read-only calls (Get*/List*/Describe*) publish an event only to a bus with a rule in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS and match only such rules; mutating calls match every enabled rule.",
    ),
    (
        "events-recipients",
        "A call naming a trail or event data store by an ARN of another organization account (e.g. a delegated administrator on the management account's organization trail) publishes one event to the caller's bus and one to the owner's bus, each with its own envelope id and recipientAccountId, sharing eventID and requestID.",
    ),
    (
        "events-delivery-timing",
        "Events are delivered asynchronously right after the call is handled, in publication order, with no added latency unless an event fault adds it.",
    ),
    (
        "event-bus-one-hop",
        "An event that reached a bus through an event-bus target is matched by that bus's rules, but their event-bus targets do not forward it again; it keeps its id, account and region.",
    ),
    (
        "event-bus-target-role",
        "PutTargets entries naming an event bus in another Region or account without RoleArn fail in FailedEntries with ValidationException; the role itself is never evaluated.",
    ),
    (
        "put-targets-entry-errors",
        "Malformed SQS queue ARNs, buses other than default and target types other than SQS or event bus fail per entry (FailedEntries, ValidationException); a missing rule fails the call with ResourceNotFoundException; InputPath, InputTransformer and SqsParameters are refused with ValidationException.",
    ),
    (
        "eventbridge-sqs-sender",
        "Messages EventBridge delivers to a queue have SenderId events.amazonaws.com.",
    ),
    (
        "sqs-parameter-errors",
        "Malformed or out-of-range SQS parameters answer __type com.amazonaws.sqs#InvalidParameterValueException with x-amzn-query-error InvalidParameterValue;Sender; a missing one MissingRequiredParameterException with MissingParameter;Sender.",
    ),
    (
        "sqs-queue-url",
        "A QueueUrl is resolved by the account and name in its path and the caller's signing Region; the URL host is ignored, and callers from other accounts are not checked against the queue policy.",
    ),
    (
        "sqs-receipt-handles",
        "Any receipt handle a queue issued for a message deletes it, not only the latest; deleting an already-deleted message succeeds; ChangeMessageVisibility on a deleted message answers InvalidParameterValue, on a visible one MessageNotInflight.",
    ),
    (
        "sqs-order-and-reuse",
        "Standard queues return messages in send order, and a deleted queue's name can be reused at once (no QueueDeletedRecently wait).",
    ),
    (
        "sqs-message-size",
        "MaximumMessageSize defaults to 262144 and accepts 1024 to 1048576; message attributes are refused with UnsupportedOperation.",
    ),
    (
        "event-configuration-defaults",
        "GetEventConfiguration on a store never configured answers MaxEventSize Standard (the user guide's default) and no ContextKeySelectors; on a trail, TrailARN and no AggregationConfigurations. Empty lists are omitted from responses, not sent as [].",
    ),
    (
        "event-configuration-replaces",
        "PutEventConfiguration replaces the whole configuration of its resource: on a store an omitted MaxEventSize becomes Standard and omitted ContextKeySelectors none; on a trail omitted AggregationConfigurations turn aggregation off.",
    ),
    (
        "event-configuration-wrong-kind",
        "PutEventConfiguration with MaxEventSize or ContextKeySelectors for a trail, AggregationConfigurations for a store, or both or neither of TrailName and EventDataStore (also on GetEventConfiguration) fails with InvalidParameterCombinationException.",
    ),
    (
        "context-keys-need-large",
        "ContextKeySelectors without MaxEventSize Large fail with InvalidParameterCombinationException.",
    ),
    (
        "context-key-rules",
        "Two ContextKeySelectors of one Type, or a RequestContext key that is neither one of the IAM global condition keys the user guide lists for enriched events (compared case-insensitively) nor aws:PrincipalTag/<key>, fail with InvalidParameterException; TagContext keys are checked only against the model.",
    ),
    (
        "event-context-slr",
        "The first TagContext selector creates AWSServiceRoleForCloudTrailEventContext in the store owner's account; if it is missing and the caller is denied iam:CreateServiceLinkedRole the put fails with InsufficientIAMAccessPermissionException.",
    ),
    (
        "aggregation-needs-data-events",
        "AggregationConfigurations on a trail whose selectors log no data events fail with InvalidParameterCombinationException; a repeated template fails with InvalidParameterException.",
    ),
    (
        "event-configuration-category",
        "Put/GetEventConfiguration on a store whose selectors select none of Management, Data and NetworkActivity (an Insights, Config or integration store) fail with InvalidEventDataStoreCategoryException.",
    ),
    (
        "insights-repeats",
        "A repeated InsightType or EventCategories value fails with InvalidInsightSelectorsException; an empty EventCategories list means Management.",
    ),
    (
        "insights-store-parameters",
        "PutInsightSelectors with an empty list and EventDataStore alone turns the store's Insights off; enabling needs InsightsDestination (InvalidParameterCombinationException otherwise); a destination store of another account fails with InvalidParameterException.",
    ),
    (
        "insights-org-store",
        "The delegated administrator changing Insights on an organization event data store gets NotOrganizationMasterAccountException (the user guide allows it to the management account only).",
    ),
    (
        "federation-immediate",
        "EnableFederation and DisableFederation take effect at once: responses and GetEventDataStore show ENABLED or DISABLED, never ENABLING/DISABLING, so ConcurrentModificationException only comes from an injected error fault.",
    ),
    (
        "federation-repeat",
        "EnableFederation on a federated store fails with EventDataStoreFederationEnabledException (the user guide: only one account enables it); DisableFederation on a store that is not federated succeeds.",
    ),
    (
        "federation-role",
        "FederationRoleArn must be arn:aws:iam::<caller's account>:role/<name> (the role must exist in your account), else InvalidParameterException; the role's existence is not checked, and FederationRoleArn disappears from GetEventDataStore when federation is disabled.",
    ),
    (
        "federation-permissions",
        "A caller denied iam:PassRole, iam:GetRole, glue:CreateDatabase, glue:CreateTable or lakeformation:RegisterResource (enable), or glue:DeleteTable or lakeformation:DeregisterResource (disable), gets AccessDeniedException naming the action.",
    ),
    (
        "federated-delete-order",
        "DeleteEventDataStore checks termination protection before federation.",
    ),
    (
        "resource-policy-owner",
        "Only the account owning an event data store puts or deletes its resource-based policy; the delegated administrator may read an organization store's policy but gets OperationNotPermittedException on put or delete.",
    ),
    (
        "resource-policy-validation",
        "ResourcePolicyNotValidException for invalid JSON, no Statement, an Effect other than Allow or Deny, a Principal other than \"*\", {\"AWS\": \"*\" / account ids / IAM or STS ARNs} or {\"Service\": \"<name>.amazonaws.com\"}, a Version other than 2012-10-17 or 2008-10-17, or an Action outside the user guide's list for event data stores (wildcards allowed); Resource and Condition are not checked.",
    ),
    (
        "delegated-admin-resource-policy",
        "For an organization store while CloudTrail delegated administrators exist, Put/GetResourcePolicy return DelegatedAdminResourcePolicy: one Allow statement for arn:aws:iam::<admin>:root on the store ARN with the actions of DELEGATED_ADMIN_POLICY_ACTIONS; GetResourcePolicy then succeeds without a ResourcePolicy.",
    ),
    (
        "resource-policy-other-types",
        "Dashboard and channel ARNs get ResourceNotFoundException (the emulator has none); other CloudTrail resource types get ResourceTypeNotSupportedException.",
    ),
    (
        "web-identity-no-trust-policy",
        "AssumeRoleWithWebIdentity evaluates no role trust policy: any role ARN in an organization account is assumable with any token a configured OIDC provider verifies, and the configured providers count as registered in every organization account; a role in another account gets AccessDenied (403).",
    ),
    (
        "web-identity-check-order",
        "AssumeRoleWithWebIdentity checks, in order: the parameters (ValidationError), the token's JWT form, alg RS256 or ES256, iss naming a configured provider (a trailing slash ignored), a JWKS key with the token's kid (any key when the token has none), the signature (all InvalidIdentityToken), exp (ExpiredTokenException), nbf and iat, aud, sub (InvalidIdentityToken), then the role's account. exp, aud and sub are required. A jwks_file that cannot be read or parsed gives IDPCommunicationError.",
    ),
    (
        "web-identity-clock-skew",
        "A web identity token is expired once exp <= now (no leeway); nbf or iat more than 60 seconds in the future is InvalidIdentityToken.",
    ),
    (
        "web-identity-ignored-params",
        "AssumeRoleWithWebIdentity accepts and ignores Policy, PolicyArns and ProviderId; DurationSeconds may be 900-43200 for any role (no per-role maximum), default 3600.",
    ),
];

pub const EVENTBRIDGE_SQS_SENDER_ID: &str = "events.amazonaws.com";
pub const REPEATED_ENABLE_DISABLE_IS_NOOP: bool = true;
pub const DELEGATED_ADMINS_SURVIVE_DISABLE: bool = true;
pub const LIST_TRAILS_ALL_REGIONS: bool = true;
pub const MEMBER_WRITE_ON_ORG_TRAIL_ERROR: &str = "NotOrganizationMasterAccountException";
pub const DELEGATED_ADMIN_CONVERT_ERROR: &str = "NotOrganizationMasterAccountException";
pub const KMS_IMMUTABLE_ERROR: &str = "InvalidParameterException";
pub const EDS_CREATE_RESPONSE_STATUS: &str = "CREATED";
pub const EDS_STATUS_WITHOUT_INGESTION: &str = "STOPPED_INGESTION";
pub const TAGS_OUTSIDE_HOME_REGION_ERROR: &str = "InvalidHomeRegionException";
pub const LAKE_CLOSED_ERROR: &str = "OperationNotPermittedException";
pub const EVENT_CONFIGURATION_SIZE_WHEN_OMITTED: &str = "Standard";
pub const CONTEXT_KEYS_WITHOUT_LARGE_ERROR: &str = "InvalidParameterCombinationException";
pub const AGGREGATION_WITHOUT_DATA_EVENTS_ERROR: &str = "InvalidParameterCombinationException";
pub const INSIGHTS_DESTINATION_OTHER_ACCOUNT_ERROR: &str = "InvalidParameterException";
pub const FEDERATION_ROLE_INVALID_ERROR: &str = "InvalidParameterException";
pub const RESOURCE_POLICY_NOT_OWNER_ERROR: &str = "OperationNotPermittedException";
/// How far in the future a web identity token's nbf/iat may be (web-identity-clock-skew).
pub const WEB_IDENTITY_CLOCK_SKEW_SECS: f64 = 60.0;
/// What the generated DelegatedAdminResourcePolicy allows: the user guide's delegated
/// administrator capabilities on organization event data stores.
pub const DELEGATED_ADMIN_POLICY_ACTIONS: &[&str] = &[
    "cloudtrail:GetEventDataStore",
    "cloudtrail:UpdateEventDataStore",
    "cloudtrail:DeleteEventDataStore",
    "cloudtrail:RestoreEventDataStore",
    "cloudtrail:StartEventDataStoreIngestion",
    "cloudtrail:StopEventDataStoreIngestion",
    "cloudtrail:EnableFederation",
    "cloudtrail:DisableFederation",
    "cloudtrail:GetEventConfiguration",
    "cloudtrail:PutEventConfiguration",
    "cloudtrail:GetInsightSelectors",
    "cloudtrail:StartQuery",
    "cloudtrail:DescribeQuery",
    "cloudtrail:GetQueryResults",
    "cloudtrail:ListQueries",
    "cloudtrail:CancelQuery",
    "cloudtrail:GenerateQuery",
    "cloudtrail:GenerateQueryResultsSummary",
    "cloudtrail:AddTags",
    "cloudtrail:RemoveTags",
    "cloudtrail:ListTags",
];

/// Whether an operation counts as a read or a write in the call log.
pub fn call_kind(operation: &str) -> &'static str {
    let read = ["Get", "List", "Describe"]
        .iter()
        .any(|p| operation.starts_with(p))
        || operation == "AssumeRole"
        || operation == "AssumeRoleWithWebIdentity";
    if read { "read" } else { "write" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(call_kind("DescribeTrails"), "read");
        assert_eq!(call_kind("GetCallerIdentity"), "read");
        assert_eq!(call_kind("AssumeRole"), "read");
        assert_eq!(call_kind("AssumeRoleWithWebIdentity"), "read");
        assert_eq!(call_kind("CreateTrail"), "write");
        assert_eq!(call_kind("EnableAWSServiceAccess"), "write");
    }

    #[test]
    fn every_assumption_is_documented() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/emulator.md"))
                .expect("docs/emulator.md");
        for (id, text) in ASSUMPTIONS {
            assert!(
                doc.contains(&format!("- **{id}**: {text}")),
                "docs/emulator.md lacks assumption {id}"
            );
        }
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = ASSUMPTIONS.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
