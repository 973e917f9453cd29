//! The AWS port: what the reconcilers need from Organizations, CloudTrail and STS.
//!
//! Reconcilers depend on these traits and the domain types in [`types`] only; the single
//! adapter in [`sdk`] implements them on the real `aws-sdk-*` clients. Every CloudTrail
//! call names the region it must go to, and trails and stores are addressed by ARN, never
//! by bare name: a delegated administrator addressing an organization trail by name gets
//! `TrailNotFoundException`, because the management account owns it.

pub mod access;
pub mod dry_run;
pub mod error;
#[cfg(test)]
pub mod memory;
pub mod priority;
pub mod queue;
pub mod sdk;
pub mod types;

use std::collections::BTreeMap;

use async_trait::async_trait;

pub use error::{AwsError, AwsResult, ErrorKind, Prerequisite};
pub use types::*;

use crate::api::selectors::EventSelectors;

/// AWS Organizations (and STS caller identity).
#[async_trait]
pub trait Organizations: Send + Sync {
    /// `sts:GetCallerIdentity`: whose credentials are we running with.
    async fn caller_identity(&self) -> AwsResult<CallerIdentity>;
    /// `DescribeOrganization`.
    async fn describe_organization(&self) -> AwsResult<Organization>;
    /// `ListAWSServiceAccessForOrganization`: the service principals with trusted access.
    async fn list_aws_service_access(&self) -> AwsResult<Vec<String>>;
    /// `EnableAWSServiceAccess` (management account only; idempotent).
    async fn enable_aws_service_access(&self, service_principal: &str) -> AwsResult<()>;
    /// `DisableAWSServiceAccess` (management account only; destructive).
    async fn disable_aws_service_access(&self, service_principal: &str) -> AwsResult<()>;
    /// `ListDelegatedAdministrators(ServicePrincipal)`: registered account ids.
    async fn list_delegated_administrators(
        &self,
        service_principal: &str,
    ) -> AwsResult<Vec<String>>;
}

/// AWS CloudTrail. `region` is where the call goes (a trail's home region).
#[async_trait]
pub trait CloudTrail: Send + Sync {
    /// `GetTrail` by ARN; `None` when it does not exist.
    async fn get_trail(&self, region: &str, trail_arn: &str) -> AwsResult<Option<Trail>>;
    /// `ListTrails` in `region` (all pages).
    async fn list_trails(&self, region: &str) -> AwsResult<Vec<TrailSummary>>;
    /// `CreateTrail`.
    async fn create_trail(&self, region: &str, settings: &TrailSettings) -> AwsResult<Trail>;
    /// `UpdateTrail` sending only `fields` of `settings` (AWS names, as drift detection
    /// reports them; see [`TRAIL_UPDATE_FIELDS`]): what was not found changed is not
    /// touched. A field an unset value stands for (`S3KeyPrefix` and the like) is cleared.
    async fn update_trail(
        &self,
        region: &str,
        trail_arn: &str,
        settings: &TrailSettings,
        fields: &[&'static str],
    ) -> AwsResult<Trail>;
    /// `UpdateTrail` with only `IsOrganizationTrail` (the scope conversion).
    async fn set_organization_trail(
        &self,
        region: &str,
        trail_arn: &str,
        is_organization_trail: bool,
    ) -> AwsResult<Trail>;
    /// `DeleteTrail`.
    async fn delete_trail(&self, region: &str, trail_arn: &str) -> AwsResult<()>;
    /// `GetTrailStatus`.
    async fn get_trail_status(&self, region: &str, trail_arn: &str) -> AwsResult<TrailStatus>;
    /// `StartLogging`.
    async fn start_logging(&self, region: &str, trail_arn: &str) -> AwsResult<()>;
    /// `StopLogging`.
    async fn stop_logging(&self, region: &str, trail_arn: &str) -> AwsResult<()>;
    /// `GetEventSelectors`.
    async fn get_event_selectors(&self, region: &str, trail_arn: &str)
    -> AwsResult<EventSelectors>;
    /// `PutEventSelectors` (basic or advanced, never both).
    async fn put_event_selectors(
        &self,
        region: &str,
        trail_arn: &str,
        selectors: &EventSelectors,
    ) -> AwsResult<()>;
    /// `GetInsightSelectors` of a trail or store, canonical; empty when Insights is off
    /// (AWS answers `InsightNotEnabledException`).
    async fn get_insight_selectors(&self, region: &str, target: Target<'_>) -> AwsResult<Insights>;
    /// `PutInsightSelectors`; an empty list turns Insights off. A store's needs
    /// `insights.destination`.
    async fn put_insight_selectors(
        &self,
        region: &str,
        target: Target<'_>,
        insights: &Insights,
    ) -> AwsResult<()>;
    /// `GetEventConfiguration` of a trail or store, canonical.
    async fn get_event_configuration(
        &self,
        region: &str,
        target: Target<'_>,
    ) -> AwsResult<EventConfiguration>;
    /// `PutEventConfiguration` (replaces the whole configuration): `MaxEventSize` and
    /// `ContextKeySelectors` for a store, `AggregationConfigurations` for a trail.
    async fn put_event_configuration(
        &self,
        region: &str,
        target: Target<'_>,
        configuration: &EventConfiguration,
    ) -> AwsResult<()>;
    /// `EnableFederation` of a store with `role_arn`.
    async fn enable_federation(&self, region: &str, arn: &str, role_arn: &str) -> AwsResult<()>;
    /// `DisableFederation` of a store.
    async fn disable_federation(&self, region: &str, arn: &str) -> AwsResult<()>;
    /// `GetResourcePolicy`; `None` when it has none (`ResourcePolicyNotFoundException`).
    async fn get_resource_policy(&self, region: &str, arn: &str) -> AwsResult<Option<String>>;
    /// `PutResourcePolicy`.
    async fn put_resource_policy(&self, region: &str, arn: &str, policy: &str) -> AwsResult<()>;
    /// `DeleteResourcePolicy`.
    async fn delete_resource_policy(&self, region: &str, arn: &str) -> AwsResult<()>;
    /// `ListTags` for one trail or event data store ARN.
    async fn list_tags(
        &self,
        region: &str,
        resource_arn: &str,
    ) -> AwsResult<BTreeMap<String, String>>;
    /// `AddTags` (adds or overwrites).
    async fn add_tags(
        &self,
        region: &str,
        resource_arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> AwsResult<()>;
    /// `RemoveTags` by key.
    async fn remove_tags(&self, region: &str, resource_arn: &str, keys: &[String])
    -> AwsResult<()>;

    /// `ListEventDataStores` in `region` (all pages).
    async fn list_event_data_stores(&self, region: &str) -> AwsResult<Vec<EventDataStoreSummary>>;
    /// `GetEventDataStore` by ARN; `None` when it does not exist.
    async fn get_event_data_store(
        &self,
        region: &str,
        arn: &str,
    ) -> AwsResult<Option<EventDataStore>>;
    /// `CreateEventDataStore`.
    async fn create_event_data_store(
        &self,
        region: &str,
        settings: &EventDataStoreSettings,
    ) -> AwsResult<EventDataStore>;
    /// `UpdateEventDataStore` sending only `fields` of `settings` (AWS names, as drift
    /// detection reports them); `OrganizationEnabled` only through its own call.
    /// `KmsKeyId` is sent only when set (AWS never allows removing it), selectors only
    /// when declared.
    async fn update_event_data_store(
        &self,
        region: &str,
        arn: &str,
        settings: &EventDataStoreSettings,
        fields: &[&'static str],
    ) -> AwsResult<EventDataStore>;
    /// `UpdateEventDataStore` with only `OrganizationEnabled` (the scope conversion).
    async fn set_event_data_store_organization_enabled(
        &self,
        region: &str,
        arn: &str,
        organization_enabled: bool,
    ) -> AwsResult<EventDataStore>;
    /// `UpdateEventDataStore` with only `TerminationProtectionEnabled`.
    async fn set_termination_protection(
        &self,
        region: &str,
        arn: &str,
        enabled: bool,
    ) -> AwsResult<EventDataStore>;
    /// `DeleteEventDataStore` (moves it to `PENDING_DELETION`).
    async fn delete_event_data_store(&self, region: &str, arn: &str) -> AwsResult<()>;
    /// `RestoreEventDataStore`.
    async fn restore_event_data_store(&self, region: &str, arn: &str) -> AwsResult<()>;
    /// `StartEventDataStoreIngestion`.
    async fn start_event_data_store_ingestion(&self, region: &str, arn: &str) -> AwsResult<()>;
    /// `StopEventDataStoreIngestion`.
    async fn stop_event_data_store_ingestion(&self, region: &str, arn: &str) -> AwsResult<()>;

    /// `RegisterOrganizationDelegatedAdmin` (also creates CloudTrail's service-linked role).
    async fn register_organization_delegated_admin(&self, member_account_id: &str)
    -> AwsResult<()>;
    /// `DeregisterOrganizationDelegatedAdmin`.
    async fn deregister_organization_delegated_admin(
        &self,
        delegated_admin_account_id: &str,
    ) -> AwsResult<()>;
}

/// Told about every AWS call the adapter makes (for the `aws_calls` metric).
/// `outcome` is `ok` or an [`ErrorKind::label`].
pub trait CallObserver: Send + Sync {
    /// One finished call (after the SDK's own retries).
    fn observe(&self, service: &'static str, operation: &'static str, outcome: &'static str);
    /// A call waited `waited` for the adapter's pacing (`sdk::rate_limit`) before going.
    fn paced(
        &self,
        _service: &'static str,
        _operation: &'static str,
        _priority: priority::Priority,
        _waited: std::time::Duration,
    ) {
    }
}

/// The ARN CloudTrail gives a trail: owned by `account_id`, in its home `region`.
/// Organization trails are owned by the management account, whoever created them.
pub fn trail_arn(region: &str, account_id: &str, name: &str) -> String {
    format!("arn:aws:cloudtrail:{region}:{account_id}:trail/{name}")
}

/// The region and account of a CloudTrail ARN (`arn:<partition>:cloudtrail:<region>:<account>:...`).
pub fn arn_region_and_account(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(_), Some(region), Some(account), Some(_)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (!region.is_empty() && !account.is_empty()).then_some((region, account))
}

#[cfg(test)]
mod tests {
    #[test]
    fn trail_updates_send_the_pairs_aws_requires_together() {
        assert_eq!(trail_update_fields(&["KmsKeyId"]), ["KmsKeyId"]);
        assert_eq!(
            trail_update_fields(&["CloudWatchLogsRoleArn", "S3BucketName"]),
            [
                "CloudWatchLogsLogGroupArn",
                "CloudWatchLogsRoleArn",
                "S3BucketName"
            ]
        );
        assert_eq!(
            trail_update_fields(&["IsMultiRegionTrail"]),
            ["IncludeGlobalServiceEvents", "IsMultiRegionTrail"]
        );
        assert!(
            TRAIL_UPDATE_FIELDS
                .iter()
                .all(|f| trail_update_fields(&[f]).contains(f))
        );
    }

    use super::*;

    #[test]
    fn arn_region_and_account_reads_event_data_store_arns() {
        assert_eq!(
            arn_region_and_account(
                "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/EXAMPLE-f852-4e8f-8bd1"
            ),
            Some(("us-east-1", "111111111111"))
        );
        assert_eq!(arn_region_and_account("not-an-arn"), None);
    }

    #[test]
    fn trail_arn_carries_owner_and_home_region() {
        assert_eq!(
            trail_arn("eu-west-1", "111111111111", "org-trail"),
            "arn:aws:cloudtrail:eu-west-1:111111111111:trail/org-trail"
        );
    }
}
