//! Disabling trusted access converts the management account's organization trails and
//! stores to account level; re-enabling converts nothing; the adapter's scope calls
//! convert them back.

use orgtrail_operator::aws::Prerequisite::*;
use orgtrail_operator::aws::{
    CLOUDTRAIL_SERVICE_PRINCIPAL, CloudTrail, ErrorKind, EventDataStoreSettings, Organizations,
    trail_arn,
};

use crate::harness::*;
use crate::support::MANAGEMENT_ACCOUNT;

#[tokio::test]
async fn disable_converts_and_set_organization_trail_reconverts() {
    let env = Env::start();
    env.with_delegated_admin().await;
    let mgmt = env.management().await;
    let arn = mgmt
        .create_trail(REGION, &trail("org", ORG_BUCKET, true))
        .await
        .unwrap()
        .arn;
    assert_eq!(arn, trail_arn(REGION, MANAGEMENT_ACCOUNT, "org"));
    let store = mgmt
        .create_event_data_store(
            REGION,
            &EventDataStoreSettings {
                name: "org-lake".into(),
                organization_enabled: true,
                multi_region_enabled: true,
                retention_period: 90,
                start_ingestion: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .arn;

    // Only the management account may convert.
    assert_prerequisite(
        env.delegated()
            .await
            .set_organization_trail(REGION, &arn, false)
            .await,
        NotManagementAccount,
        "NotOrganizationMasterAccountException",
    );

    mgmt.disable_aws_service_access(CLOUDTRAIL_SERVICE_PRINCIPAL)
        .await
        .unwrap();
    let t = mgmt.get_trail(REGION, &arn).await.unwrap().unwrap();
    assert!(!t.is_organization_trail, "converted to an account trail");
    let s = mgmt
        .get_event_data_store(REGION, &store)
        .await
        .unwrap()
        .unwrap();
    assert!(!s.organization_enabled, "converted to an account store");
    // Member copies are gone.
    assert_eq!(
        env.member().await.get_trail(REGION, &arn).await.unwrap(),
        None
    );

    // Converting back needs trusted access...
    assert_prerequisite(
        mgmt.set_organization_trail(REGION, &arn, true).await,
        TrustedAccessDisabled,
        "CloudTrailAccessNotEnabledException",
    );
    mgmt.enable_aws_service_access(CLOUDTRAIL_SERVICE_PRINCIPAL)
        .await
        .unwrap();
    // ...and re-enabling alone converts nothing.
    assert!(
        !mgmt
            .get_trail(REGION, &arn)
            .await
            .unwrap()
            .unwrap()
            .is_organization_trail
    );
    // Now an account trail of the management account: the delegated admin no longer
    // sees it at all.
    assert_error(
        env.delegated()
            .await
            .set_organization_trail(REGION, &arn, true)
            .await,
        ErrorKind::NotFound,
        "TrailNotFoundException",
    );
    let t = mgmt
        .set_organization_trail(REGION, &arn, true)
        .await
        .unwrap();
    assert!(t.is_organization_trail);
    assert!(
        env.member()
            .await
            .get_trail(REGION, &arn)
            .await
            .unwrap()
            .is_some()
    );
    let s = mgmt
        .set_event_data_store_organization_enabled(REGION, &store, true)
        .await
        .unwrap();
    assert!(s.organization_enabled);
}

#[tokio::test]
async fn reconversion_needs_the_org_bucket_policy() {
    let env = Env::start();
    env.enable_trusted_access().await;
    let mgmt = env.management().await;
    let arn = mgmt
        .create_trail(REGION, &trail("acct", ACCOUNT_ONLY_BUCKET, false))
        .await
        .unwrap()
        .arn;
    assert_prerequisite(
        mgmt.set_organization_trail(REGION, &arn, true).await,
        BucketPolicy,
        "InsufficientS3BucketPolicyException",
    );
}

#[tokio::test]
async fn store_reconversion_needs_the_org_key_policy() {
    let env = Env::start();
    env.enable_trusted_access().await;
    let mgmt = env.management().await;
    let arn = mgmt
        .create_event_data_store(
            REGION,
            &EventDataStoreSettings {
                name: "keyed".into(),
                retention_period: 90,
                start_ingestion: true,
                kms_key_id: Some("arn:aws:kms:us-east-1:111111111111:key/no-org-policy-2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .arn;
    assert_prerequisite(
        mgmt.set_event_data_store_organization_enabled(REGION, &arn, true)
            .await,
        KmsPolicy,
        "InsufficientEncryptionPolicyException",
    );
}
