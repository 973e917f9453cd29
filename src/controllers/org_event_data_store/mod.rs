//! OrgEventDataStore: create, restore, convert back, correct drift, keep ingesting — the
//! shared lifecycle of `org_scoped`, with what only stores have in `lifecycle` and `plan`;
//! protected deletion here.

pub mod lifecycle;
pub mod plan;
#[cfg(test)]
mod tests;

use kube::ResourceExt;

use super::events::{Note, Report};
use super::org_scoped::{self, Declared};
use super::outcome::{KindCondition, Outcome};
use super::{Reconciled, tags};
use crate::api::{DeletionPolicy, ManagementPolicy, OrgEventDataStore, OrgEventDataStoreStatus};
use crate::aws::access::Aws;
use crate::aws::{AwsResult, ErrorKind, EventDataStoreStatus};
use crate::runtime::context::Context;
use crate::runtime::trust::TrustGate;
use crate::triggers::Hint;
use lifecycle::Stores;

impl Reconciled for OrgEventDataStore {
    const KIND: &'static str = "OrgEventDataStore";
    const CLEANUP: bool = true;
    const FOLLOWS_TRUSTED_ACCESS: bool = true;

    type Status = OrgEventDataStoreStatus;

    fn status(&self) -> Option<&OrgEventDataStoreStatus> {
        self.status.as_ref()
    }

    fn management_policy(&self) -> ManagementPolicy {
        self.spec.management_policy
    }

    /// Store calls name the store by ARN or id; ours is known by the ARN we recorded.
    fn affected_by(&self, hint: &Hint) -> bool {
        let arn = self.status.as_ref().and_then(|s| s.arn.as_deref());
        matches!((hint, arn), (Hint::EventDataStore { id }, Some(arn))
            if arn.rsplit('/').next() == Some(id.as_str()))
    }

    async fn reconcile(
        &self,
        _: &Context,
        aws: &Aws,
        trust: &TrustGate,
        status: &mut OrgEventDataStoreStatus,
        report: &impl Report<OrgEventDataStoreStatus>,
    ) -> AwsResult<Outcome> {
        reconcile(self, status, aws, trust, report).await
    }

    fn kind_conditions(status: &OrgEventDataStoreStatus, outcome: &Outcome) -> Vec<KindCondition> {
        let scope = status.organization_enabled.map(|org| KindCondition {
            type_: "OrganizationScope",
            status: org,
            reason: match (org, outcome) {
                (true, _) => "OrganizationEnabled",
                (false, Outcome::Waiting { .. }) => "TrustedAccessDisabled",
                (false, _) => "AccountLevel",
            },
            message: String::new(),
        });
        let ingestion = status.status.as_deref().map(|s| {
            let ingesting = matches!(s, "CREATED" | "ENABLED" | "STARTING_INGESTION");
            KindCondition {
                type_: "Ingestion",
                status: ingesting,
                reason: if ingesting {
                    "Ingesting"
                } else {
                    "NotIngesting"
                },
                message: String::new(),
            }
        });
        scope.into_iter().chain(ingestion).collect()
    }

    async fn cleanup(&self, ctx: &Context) -> AwsResult<Option<Note>> {
        cleanup(self, &ctx.aws).await
    }
}

/// Observe, plan and act for one event data store.
pub async fn reconcile(
    store: &OrgEventDataStore,
    status: &mut OrgEventDataStoreStatus,
    aws: &Aws,
    trust: &TrustGate,
    report: &impl Report<OrgEventDataStoreStatus>,
) -> AwsResult<Outcome> {
    let spec = &store.spec;
    let owner = tags::owner_value(OrgEventDataStore::KIND, &store.name_any());
    let declared = Declared::<Stores> {
        spec,
        region: &spec.home_region,
        name: &spec.name,
        arn: status.arn.clone(),
        settings: plan::settings(spec, &owner),
        owner,
        organization: spec.organization_enabled,
        adopt_existing: spec.adopt_existing,
        existed: status.arn.is_some(),
        was_ready: super::engine::converged(store),
    };
    org_scoped::reconcile(&declared, status, aws, trust, report).await
}

/// Deletion policy `Delete`: delete the store we recorded. Termination protection exists
/// to stop accidents; a declared `Delete` policy is not one.
pub async fn cleanup(store: &OrgEventDataStore, aws: &Aws) -> AwsResult<Option<Note>> {
    let arn = match (&store.spec.deletion_policy, &store.status) {
        (DeletionPolicy::Delete, Some(OrgEventDataStoreStatus { arn: Some(arn), .. })) => arn,
        _ => return Ok(None),
    };
    let region = store.spec.home_region.as_str();
    let ct = &aws.primary.cloudtrail;
    // `false`: nothing to delete (gone, or pending deletion already).
    let deleted: AwsResult<bool> = async {
        let Some(found) = ct.get_event_data_store(region, arn).await? else {
            return Ok(false);
        };
        if found.status == EventDataStoreStatus::PendingDeletion {
            return Ok(false);
        }
        if found.termination_protection_enabled {
            ct.set_termination_protection(region, arn, false).await?;
        }
        ct.delete_event_data_store(region, arn).await?;
        Ok(true)
    }
    .await;
    match deleted {
        Ok(true) => Ok(Some(Note::normal(
            "Deleted",
            format!("event data store {arn} deleted (restorable for 7 days)"),
        ))),
        Ok(false) => Ok(None),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
