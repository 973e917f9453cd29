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
        "A member account (not the delegated admin) that updates, deletes, starts/stops, tags or puts selectors on an organization trail by ARN gets NotOrganizationMasterAccountException.",
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
        "Call kind is read for Get*/List*/Describe* and STS GetCallerIdentity/AssumeRole, write otherwise.",
    ),
    (
        "assumed-role-permissions",
        "Sessions from STS AssumeRole have no denied actions, whatever key assumed them.",
    ),
    (
        "org-trail-member-by-name",
        "A member or delegated admin naming an organization trail by bare name gets TrailNotFoundException (the name resolves only in the owner's account).",
    ),
    (
        "tag-value-optional",
        "A tag without Value is stored with an empty value and returned without the Value member.",
    ),
];

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

/// Whether an operation counts as a read or a write in the call log.
pub fn call_kind(operation: &str) -> &'static str {
    let read = ["Get", "List", "Describe"]
        .iter()
        .any(|p| operation.starts_with(p))
        || operation == "AssumeRole";
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
