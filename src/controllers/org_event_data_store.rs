//! OrgEventDataStore: create, convert back, correct drift, ingestion, protected deletion.

use std::sync::Arc;

use kube::ResourceExt;
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;

use super::conditions::{Extra, Health};
use super::tags;
use super::{Reconciled, claim, event, not_visible, reconversion_blocked};
use crate::api::{
    DeletionPolicy, OrgEventDataStore, OrgEventDataStoreSpec, OrgEventDataStoreStatus,
};
use crate::aws::{
    AwsResult, CloudTrail, ErrorKind, EventDataStore, EventDataStoreSettings, EventDataStoreStatus,
    arn_region_and_account,
};
use crate::runtime::context::Context;
use crate::runtime::error::Result;

impl Reconciled for OrgEventDataStore {
    const KIND: &'static str = "OrgEventDataStore";
    const CLEANUP: bool = true;
    const FOLLOWS_TRUSTED_ACCESS: bool = true;

    type Status = OrgEventDataStoreStatus;

    fn status(&self) -> Option<&OrgEventDataStoreStatus> {
        self.status.as_ref()
    }

    async fn converge(
        &self,
        ctx: &Context,
        status: &mut OrgEventDataStoreStatus,
    ) -> AwsResult<Health> {
        converge(self, ctx, status).await
    }

    fn extras(status: &OrgEventDataStoreStatus, health: &Health) -> Vec<Extra> {
        let mut extras = vec![];
        if let Some(org) = status.organization_enabled {
            let reason = match (org, health) {
                (true, _) => "OrganizationEnabled",
                (false, Health::Waiting { .. }) => "TrustedAccessDisabled",
                (false, _) => "AccountLevel",
            };
            extras.push(Extra {
                type_: "OrganizationScope",
                status: org,
                reason,
                message: String::new(),
            });
        }
        if let Some(s) = &status.status {
            let ingesting = matches!(s.as_str(), "CREATED" | "ENABLED" | "STARTING_INGESTION");
            extras.push(Extra {
                type_: "Ingestion",
                status: ingesting,
                reason: if ingesting {
                    "Ingesting"
                } else {
                    "NotIngesting"
                },
                message: String::new(),
            });
        }
        extras
    }

    async fn cleanup(eds: Arc<Self>, ctx: Arc<Context>) -> Result<Action> {
        let region = eds.spec.home_region.as_str();
        if eds.spec.deletion_policy == DeletionPolicy::Delete
            && let Some(arn) = eds.status.as_ref().and_then(|s| s.arn.clone())
        {
            let ct = &ctx.aws.primary.cloudtrail;
            let result: AwsResult<()> = async {
                if let Some(store) = ct.get_event_data_store(region, &arn).await? {
                    if store.status == EventDataStoreStatus::PendingDeletion {
                        return Ok(());
                    }
                    // Termination protection exists to stop accidents; a declared
                    // `Delete` policy is not one.
                    if store.termination_protection_enabled {
                        ct.set_termination_protection(region, &arn, false).await?;
                    }
                    ct.delete_event_data_store(region, &arn).await?;
                }
                Ok(())
            }
            .await;
            match result {
                Ok(()) => {
                    event(
                        &ctx,
                        &*eds,
                        EventType::Normal,
                        "Deleted",
                        &format!("event data store {arn} deleted (restorable for 7 days)"),
                    )
                    .await
                }
                Err(e) if e.kind == ErrorKind::NotFound => {}
                Err(e) => return Err(crate::runtime::error::Error::Aws(e)),
            }
        }
        Ok(Action::await_change())
    }
}

fn settings(spec: &OrgEventDataStoreSpec, owner: &str) -> EventDataStoreSettings {
    EventDataStoreSettings {
        name: spec.name.clone(),
        advanced_event_selectors: spec.advanced_event_selectors.clone().unwrap_or_default(),
        multi_region_enabled: spec.multi_region_enabled,
        organization_enabled: spec.organization_enabled,
        retention_period: spec.retention_period,
        termination_protection_enabled: spec.termination_protection_enabled,
        kms_key_id: spec.kms_key_id.clone(),
        billing_mode: spec.billing_mode,
        start_ingestion: spec.ingestion,
        tags: tags::desired(&spec.tags, owner),
    }
}

/// Fields `UpdateEventDataStore` must correct (pure). Selectors are compared only when
/// declared: AWS fills in its default when none are sent.
pub fn drift(spec: &OrgEventDataStoreSpec, observed: &EventDataStore) -> Vec<&'static str> {
    let mut out = vec![];
    if spec.multi_region_enabled != observed.multi_region_enabled {
        out.push("MultiRegionEnabled");
    }
    if spec.retention_period != observed.retention_period {
        out.push("RetentionPeriod");
    }
    if spec.termination_protection_enabled != observed.termination_protection_enabled {
        out.push("TerminationProtectionEnabled");
    }
    if spec.billing_mode != observed.billing_mode {
        out.push("BillingMode");
    }
    if let Some(selectors) = &spec.advanced_event_selectors
        && *selectors != observed.advanced_event_selectors
    {
        out.push("AdvancedEventSelectors");
    }
    if spec.kms_key_id.is_some() && observed.kms_key_id.is_none() {
        out.push("KmsKeyId");
    }
    out
}

/// Find the store: by the ARN we recorded, else by name (store ARNs carry a random id).
async fn find(
    ct: &dyn CloudTrail,
    region: &str,
    known_arn: Option<&str>,
    name: &str,
) -> AwsResult<Option<EventDataStore>> {
    if let Some(arn) = known_arn
        && let Some(store) = ct.get_event_data_store(region, arn).await?
    {
        return Ok(Some(store));
    }
    for summary in ct.list_event_data_stores(region).await? {
        if summary.name == name {
            return ct.get_event_data_store(region, &summary.arn).await;
        }
    }
    Ok(None)
}

async fn converge(
    e: &OrgEventDataStore,
    ctx: &Context,
    status: &mut OrgEventDataStoreStatus,
) -> AwsResult<Health> {
    let spec = &e.spec;
    let region = spec.home_region.as_str();
    let owner = tags::owner_value("OrgEventDataStore", &e.name_any());
    let desired = settings(spec, &owner);

    // As for trails: after trusted access is disabled, a delegated administrator no longer
    // sees the management account's store; look with management credentials too.
    let mut ct = ctx.aws.primary.cloudtrail.as_ref();
    let mut found = find(ct, region, status.arn.as_deref(), &spec.name).await?;
    if found.is_none() && ctx.aws.management.is_some() {
        ct = ctx.aws.management().cloudtrail.as_ref();
        found = find(ct, region, status.arn.as_deref(), &spec.name).await?;
    }

    // A store deleted by hand sits in PENDING_DELETION for 7 days, where AWS refuses even
    // ListTags. Ours (the ARN we recorded) is restored; someone else's is left alone.
    if let Some(store) = found.as_mut()
        && store.status == EventDataStoreStatus::PendingDeletion
    {
        if status.arn.as_deref() != Some(store.arn.as_str()) {
            return Ok(Health::Stalled {
                reason: "NameClash",
                message: format!(
                    "event data store {} of that name is pending deletion and was not created by this object",
                    store.arn
                ),
                spec_change_needed: false,
            });
        }
        let arn = store.arn.clone();
        ct.restore_event_data_store(region, &arn).await?;
        event(
            ctx,
            e,
            EventType::Warning,
            "Restored",
            &format!("event data store {arn} was deleted outside the operator; restored it"),
        )
        .await;
        if let Some(restored) = ct.get_event_data_store(region, &arn).await? {
            *store = restored;
        }
    }

    let (mut store, observed_tags) = match found {
        Some(store) => {
            let observed_tags = ct.list_tags(region, &store.arn).await?;
            let adopt = spec.adopt_existing;
            let what = "event data store";
            if let Some(clash) =
                claim(ctx, e, what, &store.arn, &observed_tags, &owner, adopt).await
            {
                return Ok(clash);
            }
            (store, observed_tags)
        }
        None => {
            if status.arn.is_some() {
                event(
                    ctx,
                    e,
                    EventType::Warning,
                    "Recreated",
                    &format!(
                        "event data store {} was deleted outside the operator; recreating it",
                        spec.name
                    ),
                )
                .await;
            }
            let created = match ct.create_event_data_store(region, &desired).await {
                Ok(created) => created,
                Err(err) if err.kind == ErrorKind::AlreadyExists => {
                    return Ok(not_visible("event data store", &spec.name, &err));
                }
                Err(err) => return Err(err),
            };
            event(
                ctx,
                e,
                EventType::Normal,
                "Created",
                &format!("event data store {} created", created.arn),
            )
            .await;
            (created, desired.tags.clone())
        }
    };
    let arn = store.arn.clone();
    status.arn = Some(arn.clone());
    if let Some((home, owner_account)) = arn_region_and_account(&arn) {
        status.home_region = Some(home.to_string());
        status.owner_account_id = Some(owner_account.to_string());
    }

    if spec.organization_enabled != store.organization_enabled {
        if spec.organization_enabled
            && let Some(why) = reconversion_blocked(ctx).await?
        {
            status.organization_enabled = Some(false);
            status.status = Some(status_str(&store.status));
            return Ok(Health::Waiting {
                reason: "TrustedAccessDisabled",
                message: format!(
                    "event data store {arn} is account-level while {why}; it is converted back when trusted access is enabled"
                ),
            });
        }
        store = ctx
            .aws
            .management()
            .cloudtrail
            .set_event_data_store_organization_enabled(region, &arn, spec.organization_enabled)
            .await
            .inspect_err(|err| ctx.forget_trust_if_refused(err))?;
        if spec.organization_enabled {
            ctx.metrics.reconverted("OrgEventDataStore");
            event(
                ctx,
                e,
                EventType::Normal,
                "Reconverted",
                &format!("event data store {arn} is organization-enabled again"),
            )
            .await;
        }
    }
    status.organization_enabled = Some(store.organization_enabled);

    let drifted = drift(spec, &store);
    if !drifted.is_empty() {
        let mut update = desired.clone();
        update.organization_enabled = store.organization_enabled;
        store = ct.update_event_data_store(region, &arn, &update).await?;
        event(
            ctx,
            e,
            EventType::Normal,
            "Updated",
            &format!("corrected {}", drifted.join(", ")),
        )
        .await;
    }
    let (add, remove) = tags::changes(&desired.tags, &observed_tags);
    if !add.is_empty() {
        ct.add_tags(region, &arn, &add).await?;
    }
    if !remove.is_empty() {
        ct.remove_tags(region, &arn, &remove).await?;
    }
    let ingesting = store.status.ingesting();
    if spec.ingestion && !ingesting {
        ct.start_event_data_store_ingestion(region, &arn).await?;
        store.status = EventDataStoreStatus::Enabled;
    } else if !spec.ingestion && ingesting {
        ct.stop_event_data_store_ingestion(region, &arn).await?;
        store.status = EventDataStoreStatus::StoppedIngestion;
    }
    status.status = Some(status_str(&store.status));
    Ok(Health::Ready {
        reason: "Ready",
        message: format!("event data store {arn} matches the spec"),
    })
}

fn status_str(s: &EventDataStoreStatus) -> String {
    match s {
        EventDataStoreStatus::Created => "CREATED".into(),
        EventDataStoreStatus::Enabled => "ENABLED".into(),
        EventDataStoreStatus::PendingDeletion => "PENDING_DELETION".into(),
        EventDataStoreStatus::StartingIngestion => "STARTING_INGESTION".into(),
        EventDataStoreStatus::StoppingIngestion => "STOPPING_INGESTION".into(),
        EventDataStoreStatus::StoppedIngestion => "STOPPED_INGESTION".into(),
        EventDataStoreStatus::Other(s) => s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::org_event_data_store::BillingMode;

    fn spec() -> OrgEventDataStoreSpec {
        serde_json::from_value(serde_json::json!({"name": "lake", "homeRegion": "us-east-1"}))
            .unwrap()
    }

    fn observed(spec: &OrgEventDataStoreSpec) -> EventDataStore {
        EventDataStore {
            arn: "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/x".into(),
            name: spec.name.clone(),
            status: EventDataStoreStatus::Enabled,
            advanced_event_selectors: vec![],
            multi_region_enabled: true,
            organization_enabled: true,
            retention_period: 366,
            termination_protection_enabled: true,
            kms_key_id: None,
            billing_mode: BillingMode::ExtendableRetentionPricing,
        }
    }

    #[test]
    fn defaults_match_a_default_store() {
        let spec = spec();
        assert_eq!(drift(&spec, &observed(&spec)), Vec::<&str>::new());
        let s = settings(&spec, "OrgEventDataStore/lake");
        assert!(s.organization_enabled && s.termination_protection_enabled && s.start_ingestion);
    }

    #[test]
    fn drift_names_each_field_and_ignores_undeclared_selectors() {
        let spec = spec();
        let mut o = observed(&spec);
        o.retention_period = 90;
        o.termination_protection_enabled = false;
        o.advanced_event_selectors = vec![Default::default()];
        assert_eq!(
            drift(&spec, &o),
            ["RetentionPeriod", "TerminationProtectionEnabled"]
        );
    }
}
