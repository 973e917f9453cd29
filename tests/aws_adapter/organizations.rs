//! Organizations through the adapter: reads, trusted access, and the errors on the way.

use aws_sdk_organizations::operation::register_delegated_administrator::RegisterDelegatedAdministratorError;
use orgtrail_operator::aws::sdk::classify::{Service, from_sdk};
use orgtrail_operator::aws::{
    CLOUDTRAIL_SERVICE_PRINCIPAL, ErrorKind, Organizations, Prerequisite,
};
use serde_json::json;

use crate::harness::*;
use crate::support::{self, DELEGATED_ACCOUNT, MANAGEMENT_ACCOUNT, ORG_ID};

#[tokio::test]
async fn describe_organization_and_caller_identity() {
    let env = Env::start();
    for aws in [env.management().await, env.member().await] {
        let org = aws.describe_organization().await.unwrap();
        assert_eq!(org.id, ORG_ID);
        assert!(org.all_features);
        assert_eq!(org.management_account_id, MANAGEMENT_ACCOUNT);
    }
    let me = env.delegated().await.caller_identity().await.unwrap();
    assert_eq!(me.account_id, DELEGATED_ACCOUNT);
    assert!(me.arn.contains(DELEGATED_ACCOUNT), "{}", me.arn);
}

#[tokio::test]
async fn trusted_access_enable_is_idempotent_and_disable_removes_it() {
    let env = Env::start();
    let aws = env.management().await;
    assert!(
        !aws.list_aws_service_access()
            .await
            .unwrap()
            .contains(&CLOUDTRAIL_SERVICE_PRINCIPAL.to_owned())
    );
    aws.enable_aws_service_access(CLOUDTRAIL_SERVICE_PRINCIPAL)
        .await
        .unwrap();
    aws.enable_aws_service_access(CLOUDTRAIL_SERVICE_PRINCIPAL)
        .await
        .unwrap();
    aws.enable_aws_service_access("config.amazonaws.com")
        .await
        .unwrap();
    let mut enabled = aws.list_aws_service_access().await.unwrap();
    enabled.sort();
    assert_eq!(
        enabled,
        vec!["cloudtrail.amazonaws.com", "config.amazonaws.com"]
    );
    aws.disable_aws_service_access(CLOUDTRAIL_SERVICE_PRINCIPAL)
        .await
        .unwrap();
    // Disabling one principal leaves the others alone.
    assert_eq!(
        aws.list_aws_service_access().await.unwrap(),
        vec!["config.amazonaws.com"]
    );
}

#[tokio::test]
async fn lists_follow_empty_pages_with_a_token() {
    let env = Env::start();
    env.with_delegated_admin().await;
    env.emu.configure(json!({"empty_first_page": true}));
    env.emu.clear_calls();
    let aws = env.management().await;
    assert_eq!(
        aws.list_aws_service_access().await.unwrap(),
        vec![CLOUDTRAIL_SERVICE_PRINCIPAL]
    );
    assert_eq!(
        aws.list_delegated_administrators(CLOUDTRAIL_SERVICE_PRINCIPAL)
            .await
            .unwrap(),
        vec![DELEGATED_ACCOUNT]
    );
    // Two requests each: the empty first page, then the real one.
    assert_eq!(
        env.emu
            .calls_of("ListAWSServiceAccessForOrganization")
            .len(),
        2
    );
    assert_eq!(env.emu.calls_of("ListDelegatedAdministrators").len(), 2);
}

#[tokio::test]
async fn member_cannot_change_trusted_access() {
    let env = Env::start();
    let e = assert_error(
        env.member()
            .await
            .enable_aws_service_access(CLOUDTRAIL_SERVICE_PRINCIPAL)
            .await,
        ErrorKind::AccessDenied {
            action: "organizations:EnableAWSServiceAccess".into(),
        },
        "AccessDeniedException",
    );
    assert_eq!(e.operation, "EnableAWSServiceAccess");
}

#[tokio::test]
async fn consolidated_billing_is_not_all_features() {
    let env = Env::start_with(&["--feature-set", "CONSOLIDATED_BILLING"]);
    let aws = env.management().await;
    assert!(!aws.describe_organization().await.unwrap().all_features);
    assert_prerequisite(
        aws.enable_aws_service_access(CLOUDTRAIL_SERVICE_PRINCIPAL)
            .await,
        Prerequisite::NotAllFeatures,
        "ConstraintViolationException",
    );
}

#[tokio::test]
async fn no_organization_is_not_in_organization() {
    let env = Env::start();
    env.emu.configure(json!({"organization_in_use": false}));
    assert_prerequisite(
        env.management().await.describe_organization().await,
        Prerequisite::NotInOrganization,
        "AWSOrganizationsNotInUseException",
    );
}

/// Organizations' own RegisterDelegatedAdministrator is not a port call (the operator
/// registers through CloudTrail), but its errors must classify the same way: drive the
/// raw SDK client and classify its real error.
async fn organizations_register(env: &Env, account: &str) -> orgtrail_operator::aws::AwsError {
    let conf = support::sdk_config(&env.emu, support::AKID_MANAGEMENT, REGION).await;
    let client = aws_sdk_organizations::Client::new(&conf);
    let err = client
        .register_delegated_administrator()
        .account_id(account)
        .service_principal(CLOUDTRAIL_SERVICE_PRINCIPAL)
        .send()
        .await
        .expect_err("registration must fail");
    from_sdk(
        Service::Organizations,
        "RegisterDelegatedAdministrator",
        err,
        |e| match e {
            RegisterDelegatedAdministratorError::ConstraintViolationException(c) => {
                c.reason().map(|r| r.as_str().to_owned())
            }
            _ => None,
        },
    )
}

#[tokio::test]
async fn organizations_registration_errors_classify() {
    let env = Env::start();
    let e = organizations_register(&env, DELEGATED_ACCOUNT).await;
    assert_eq!(
        e.kind,
        ErrorKind::PrerequisiteMissing(Prerequisite::TrustedAccessDisabled),
        "{e}"
    );
    assert_eq!(e.code, "ConstraintViolationException");

    env.with_delegated_admin().await;
    let e = organizations_register(&env, DELEGATED_ACCOUNT).await;
    assert_eq!(e.kind, ErrorKind::AlreadyExists, "{e}");
    assert_eq!(e.code, "AccountAlreadyRegisteredException");

    let e = organizations_register(&env, MANAGEMENT_ACCOUNT).await;
    assert_eq!(e.kind, ErrorKind::InvalidInput, "{e}");

    let e = organizations_register(&env, "999999999999").await;
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    assert_eq!(e.code, "AccountNotFoundException");
}

#[tokio::test]
async fn organizations_registration_in_consolidated_billing_is_not_all_features() {
    let env = Env::start_with(&["--feature-set", "CONSOLIDATED_BILLING"]);
    let e = organizations_register(&env, DELEGATED_ACCOUNT).await;
    assert_eq!(
        e.kind,
        ErrorKind::PrerequisiteMissing(Prerequisite::NotAllFeatures),
        "{e}"
    );
}
