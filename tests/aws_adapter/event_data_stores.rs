//! Event data stores: round trip, ingestion, termination protection, pending deletion and
//! restore, and their errors.

use std::collections::BTreeMap;

use orgtrail_operator::api::selectors::{AdvancedEventSelector, AdvancedFieldSelector};
use orgtrail_operator::aws::Prerequisite::*;
use orgtrail_operator::aws::{
    BillingMode, CloudTrail, ErrorKind, EventDataStoreSettings, EventDataStoreStatus,
};
use serde_json::json;

use crate::harness::*;
use crate::support::MANAGEMENT_ACCOUNT;

fn store(name: &str, organization: bool) -> EventDataStoreSettings {
    EventDataStoreSettings {
        name: name.into(),
        multi_region_enabled: true,
        organization_enabled: organization,
        retention_period: 90,
        termination_protection_enabled: true,
        start_ingestion: true,
        ..EventDataStoreSettings::default()
    }
}

#[tokio::test]
async fn round_trip_with_protection_deletion_and_restore() {
    let env = Env::start();
    let aws = env.management().await;
    let mut settings = store("lake", false);
    settings.tags = BTreeMap::from([("team".into(), "security".into())]);
    settings.advanced_event_selectors = vec![AdvancedEventSelector {
        name: Some("management".into()),
        field_selectors: vec![AdvancedFieldSelector {
            field: "eventCategory".into(),
            equals: vec!["Management".into()],
            ..Default::default()
        }],
    }];
    let created = aws
        .create_event_data_store(REGION, &settings)
        .await
        .unwrap();
    let arn = created.arn.clone();
    assert!(arn.contains(MANAGEMENT_ACCOUNT), "{arn}");
    assert_eq!(created.name, "lake");
    assert_eq!(created.retention_period, 90);
    assert!(created.termination_protection_enabled);
    assert_eq!(
        created.billing_mode,
        BillingMode::ExtendableRetentionPricing
    );

    let got = aws
        .get_event_data_store(REGION, &arn)
        .await
        .unwrap()
        .unwrap();
    assert!(got.status.ingesting(), "{:?}", got.status);
    assert_eq!(
        got.advanced_event_selectors,
        settings.advanced_event_selectors
    );
    assert_eq!(aws.list_tags(REGION, &arn).await.unwrap(), settings.tags);
    aws.add_tags(
        REGION,
        &arn,
        &BTreeMap::from([("env".into(), "prod".into())]),
    )
    .await
    .unwrap();
    aws.remove_tags(REGION, &arn, &["team".into()])
        .await
        .unwrap();
    assert_eq!(
        aws.list_tags(REGION, &arn).await.unwrap(),
        BTreeMap::from([("env".to_owned(), "prod".to_owned())])
    );

    // Only the fields named are sent: termination protection stays as it is.
    let mut changed = settings.clone();
    changed.retention_period = 365;
    changed.termination_protection_enabled = !settings.termination_protection_enabled;
    let updated = aws
        .update_event_data_store(REGION, &arn, &changed, &["RetentionPeriod"])
        .await
        .unwrap();
    assert_eq!(updated.retention_period, 365);
    assert_eq!(
        updated.termination_protection_enabled, settings.termination_protection_enabled,
        "a field not sent changed"
    );

    // Ingestion: stopping twice is a state conflict.
    aws.stop_event_data_store_ingestion(REGION, &arn)
        .await
        .unwrap();
    let got = aws
        .get_event_data_store(REGION, &arn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.status, EventDataStoreStatus::StoppedIngestion);
    assert_error(
        aws.stop_event_data_store_ingestion(REGION, &arn).await,
        ErrorKind::Conflict,
        "InvalidEventDataStoreStatusException",
    );
    aws.start_event_data_store_ingestion(REGION, &arn)
        .await
        .unwrap();

    // Termination protection blocks deletion until turned off.
    assert_error(
        aws.delete_event_data_store(REGION, &arn).await,
        ErrorKind::InvalidInput,
        "EventDataStoreTerminationProtectedException",
    );
    let unprotected = aws
        .set_termination_protection(REGION, &arn, false)
        .await
        .unwrap();
    assert!(!unprotected.termination_protection_enabled);
    aws.delete_event_data_store(REGION, &arn).await.unwrap();
    let got = aws
        .get_event_data_store(REGION, &arn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.status, EventDataStoreStatus::PendingDeletion);
    aws.restore_event_data_store(REGION, &arn).await.unwrap();
    let got = aws
        .get_event_data_store(REGION, &arn)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(got.status, EventDataStoreStatus::PendingDeletion);
}

#[tokio::test]
async fn list_pages_to_the_end_and_unknown_store_is_none() {
    let env = Env::start();
    let aws = env.management().await;
    for name in ["store1", "store2"] {
        aws.create_event_data_store(REGION, &store(name, false))
            .await
            .unwrap();
    }
    env.emu.configure(json!({"empty_first_page": true}));
    let mut names: Vec<_> = aws
        .list_event_data_stores(REGION)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    names.sort();
    assert_eq!(names, vec!["store1", "store2"]);
    let missing = format!(
        "arn:aws:cloudtrail:{REGION}:{MANAGEMENT_ACCOUNT}:eventdatastore/00000000-0000-0000-0000-000000000000"
    );
    assert_eq!(
        aws.get_event_data_store(REGION, &missing).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn duplicate_store() {
    let env = Env::start();
    let aws = env.management().await;
    aws.create_event_data_store(REGION, &store("dup", false))
        .await
        .unwrap();
    assert_error(
        aws.create_event_data_store(REGION, &store("dup", false))
            .await,
        ErrorKind::AlreadyExists,
        "EventDataStoreAlreadyExistsException",
    );
}

#[tokio::test]
async fn org_store_without_trusted_access() {
    let env = Env::start();
    assert_prerequisite(
        env.management()
            .await
            .create_event_data_store(REGION, &store("org", true))
            .await,
        TrustedAccessDisabled,
        "CloudTrailAccessNotEnabledException",
    );
}

#[tokio::test]
async fn kms_key_cannot_change_once_set() {
    let env = Env::start();
    let aws = env.management().await;
    let mut settings = store("encrypted", false);
    settings.kms_key_id = Some("alias/first".into());
    let arn = aws
        .create_event_data_store(REGION, &settings)
        .await
        .unwrap()
        .arn;
    settings.kms_key_id = Some("alias/second".into());
    assert_error(
        aws.update_event_data_store(REGION, &arn, &settings, &["KmsKeyId"])
            .await,
        ErrorKind::InvalidInput,
        "InvalidParameterException",
    );
}

#[tokio::test]
async fn lake_closed_to_new_customers() {
    let env = Env::start();
    env.emu
        .configure(json!({"lake_open_to_new_customers": false}));
    assert_prerequisite(
        env.management()
            .await
            .create_event_data_store(REGION, &store("late", false))
            .await,
        LakeUnavailable,
        "OperationNotPermittedException",
    );
}

#[tokio::test]
async fn pending_deletion_store_is_inactive_until_restored() {
    let env = Env::start();
    let aws = env.management().await;
    let mut settings = store("doomed", false);
    settings.termination_protection_enabled = false;
    let arn = aws
        .create_event_data_store(REGION, &settings)
        .await
        .unwrap()
        .arn;
    // Restoring a store that is not pending deletion is a state conflict.
    assert_error(
        aws.restore_event_data_store(REGION, &arn).await,
        ErrorKind::Conflict,
        "InvalidEventDataStoreStatusException",
    );
    aws.delete_event_data_store(REGION, &arn).await.unwrap();
    assert_error(
        aws.update_event_data_store(REGION, &arn, &settings, &["RetentionPeriod"])
            .await,
        ErrorKind::Conflict,
        "InactiveEventDataStoreException",
    );
    aws.restore_event_data_store(REGION, &arn).await.unwrap();
    aws.update_event_data_store(REGION, &arn, &settings, &["RetentionPeriod"])
        .await
        .unwrap();
}

#[tokio::test]
async fn delegated_admin_org_store_is_owned_by_management() {
    let env = Env::start();
    env.with_delegated_admin().await;
    let delegated = env.delegated().await;
    let created = delegated
        .create_event_data_store(REGION, &store("org-lake", true))
        .await
        .unwrap();
    assert!(created.organization_enabled);
    assert!(
        created.arn.contains(&format!(":{MANAGEMENT_ACCOUNT}:")),
        "{}",
        created.arn
    );
    let got = delegated
        .get_event_data_store(REGION, &created.arn)
        .await
        .unwrap()
        .expect("the delegated admin reads it by ARN");
    assert_eq!(got.name, "org-lake");
    // Other members do not see organization stores.
    assert_eq!(
        env.member()
            .await
            .get_event_data_store(REGION, &created.arn)
            .await
            .unwrap(),
        None
    );
}
