//! CloudTrail delegated-administrator registration and its errors.

use orgtrail_operator::aws::Prerequisite::*;
use orgtrail_operator::aws::{CLOUDTRAIL_SERVICE_PRINCIPAL, CloudTrail, ErrorKind, Organizations};
use serde_json::json;

use crate::harness::*;
use crate::support::{AKID_MANAGEMENT, DELEGATED_ACCOUNT, MANAGEMENT_ACCOUNT, MEMBER_ACCOUNT};

#[tokio::test]
async fn register_list_deregister() {
    let env = Env::start();
    env.with_delegated_admin().await;
    let aws = env.management().await;
    assert_eq!(
        aws.list_delegated_administrators(CLOUDTRAIL_SERVICE_PRINCIPAL)
            .await
            .unwrap(),
        vec![DELEGATED_ACCOUNT]
    );
    // The delegated admin may read the list too.
    assert_eq!(
        env.delegated()
            .await
            .list_delegated_administrators(CLOUDTRAIL_SERVICE_PRINCIPAL)
            .await
            .unwrap(),
        vec![DELEGATED_ACCOUNT]
    );
    assert_error(
        aws.register_organization_delegated_admin(DELEGATED_ACCOUNT)
            .await,
        ErrorKind::AlreadyExists,
        "AccountRegisteredException",
    );
    aws.deregister_organization_delegated_admin(DELEGATED_ACCOUNT)
        .await
        .unwrap();
    assert!(
        aws.list_delegated_administrators(CLOUDTRAIL_SERVICE_PRINCIPAL)
            .await
            .unwrap()
            .is_empty()
    );
    assert_error(
        aws.deregister_organization_delegated_admin(DELEGATED_ACCOUNT)
            .await,
        ErrorKind::NotFound,
        "AccountNotRegisteredException",
    );
}

#[tokio::test]
async fn register_without_trusted_access() {
    let env = Env::start();
    assert_prerequisite(
        env.management()
            .await
            .register_organization_delegated_admin(DELEGATED_ACCOUNT)
            .await,
        TrustedAccessDisabled,
        "CloudTrailAccessNotEnabledException",
    );
}

#[tokio::test]
async fn register_from_a_member() {
    let env = Env::start();
    env.enable_trusted_access().await;
    assert_prerequisite(
        env.member()
            .await
            .register_organization_delegated_admin(DELEGATED_ACCOUNT)
            .await,
        NotManagementAccount,
        "NotOrganizationManagementAccountException",
    );
}

#[tokio::test]
async fn register_bad_accounts() {
    let env = Env::start();
    env.enable_trusted_access().await;
    let aws = env.management().await;
    assert_error(
        aws.register_organization_delegated_admin(MANAGEMENT_ACCOUNT)
            .await,
        ErrorKind::InvalidInput,
        "CannotDelegateManagementAccountException",
    );
    assert_error(
        aws.register_organization_delegated_admin("999999999999")
            .await,
        ErrorKind::NotFound,
        "AccountNotFoundException",
    );
}

#[tokio::test]
async fn register_beyond_the_limit() {
    let env = Env::start();
    env.with_delegated_admin().await;
    env.emu.configure(json!({"delegated_admin_limit": 1}));
    assert_error(
        env.management()
            .await
            .register_organization_delegated_admin(MEMBER_ACCOUNT)
            .await,
        ErrorKind::InvalidInput,
        "DelegatedAdminAccountLimitExceededException",
    );
}

#[tokio::test]
async fn register_without_iam_permission_for_the_service_linked_role() {
    let env = Env::start();
    env.enable_trusted_access().await;
    env.deny(AKID_MANAGEMENT, &["iam:CreateServiceLinkedRole"]);
    assert_error(
        env.management()
            .await
            .register_organization_delegated_admin(DELEGATED_ACCOUNT)
            .await,
        ErrorKind::AccessDenied {
            action: "iam:CreateServiceLinkedRole".into(),
        },
        "InsufficientIAMAccessPermissionException",
    );
}
