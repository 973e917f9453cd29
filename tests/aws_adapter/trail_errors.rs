//! Every trail error the reconcilers act on, each from a real emulator condition.

use aws_sdk_organizations::Client as OrganizationsClient;
use orgtrail_operator::aws::Prerequisite::*;
use orgtrail_operator::aws::{CLOUDTRAIL_SERVICE_PRINCIPAL, CloudTrail, ErrorKind, trail_arn};
use serde_json::json;

use crate::harness::*;
use crate::support::{self, AKID_MANAGEMENT, DELEGATED_ACCOUNT, MANAGEMENT_ACCOUNT};

#[tokio::test]
async fn org_trail_without_trusted_access() {
    let env = Env::start();
    assert_prerequisite(
        env.management()
            .await
            .create_trail(REGION, &trail("org", ORG_BUCKET, true))
            .await,
        TrustedAccessDisabled,
        "CloudTrailAccessNotEnabledException",
    );
}

#[tokio::test]
async fn org_trail_from_a_member() {
    let env = Env::start();
    env.enable_trusted_access().await;
    assert_prerequisite(
        env.member()
            .await
            .create_trail(REGION, &trail("org", ORG_BUCKET, true))
            .await,
        NotManagementAccount,
        "NotOrganizationMasterAccountException",
    );
}

#[tokio::test]
async fn org_trail_in_consolidated_billing() {
    let env = Env::start_with(&[
        "--feature-set",
        "CONSOLIDATED_BILLING",
        "--trusted-access",
        CLOUDTRAIL_SERVICE_PRINCIPAL,
    ]);
    assert_prerequisite(
        env.management()
            .await
            .create_trail(REGION, &trail("org", ORG_BUCKET, true))
            .await,
        NotAllFeatures,
        "OrganizationNotInAllFeaturesModeException",
    );
}

#[tokio::test]
async fn org_trail_outside_an_organization() {
    let env = Env::start();
    env.emu.configure(json!({"organization_in_use": false}));
    assert_prerequisite(
        env.management()
            .await
            .create_trail(REGION, &trail("org", ORG_BUCKET, true))
            .await,
        NotInOrganization,
        "OrganizationsNotInUseException",
    );
}

#[tokio::test]
async fn org_trail_by_delegated_admin_without_service_linked_role() {
    // Registered through Organizations (which does not create CloudTrail's
    // service-linked role) instead of through CloudTrail.
    let env = Env::start();
    env.enable_trusted_access().await;
    let conf = support::sdk_config(&env.emu, AKID_MANAGEMENT, REGION).await;
    OrganizationsClient::new(&conf)
        .register_delegated_administrator()
        .account_id(DELEGATED_ACCOUNT)
        .service_principal(CLOUDTRAIL_SERVICE_PRINCIPAL)
        .send()
        .await
        .expect("register through Organizations");
    assert_prerequisite(
        env.delegated()
            .await
            .create_trail(REGION, &trail("org", ORG_BUCKET, true))
            .await,
        NoServiceLinkedRole,
        "NoManagementAccountSLRExistsException",
    );
}

#[tokio::test]
async fn org_trail_when_the_service_linked_role_cannot_be_created() {
    let env = Env::start();
    env.enable_trusted_access().await;
    env.deny(AKID_MANAGEMENT, &["iam:CreateServiceLinkedRole"]);
    assert_prerequisite(
        env.management()
            .await
            .create_trail(REGION, &trail("org", ORG_BUCKET, true))
            .await,
        DependencyAccess,
        "InsufficientDependencyServiceAccessPermissionException",
    );
}

#[tokio::test]
async fn bucket_policy_and_missing_bucket() {
    let env = Env::start();
    env.enable_trusted_access().await;
    let aws = env.management().await;
    assert_prerequisite(
        aws.create_trail(REGION, &trail("org", ACCOUNT_ONLY_BUCKET, true))
            .await,
        BucketPolicy,
        "InsufficientS3BucketPolicyException",
    );
    // The same bucket is fine for an account trail.
    aws.create_trail(REGION, &trail("acct", ACCOUNT_ONLY_BUCKET, false))
        .await
        .unwrap();
    assert_prerequisite(
        aws.create_trail(REGION, &trail("nobucket", "no-such-bucket", false))
            .await,
        BucketMissing,
        "S3BucketDoesNotExistException",
    );
}

#[tokio::test]
async fn kms_key_without_org_policy() {
    let env = Env::start();
    env.enable_trusted_access().await;
    let mut settings = trail("org", ORG_BUCKET, true);
    settings.kms_key_id = Some("arn:aws:kms:us-east-1:111111111111:key/no-org-policy-1".into());
    assert_prerequisite(
        env.management().await.create_trail(REGION, &settings).await,
        KmsPolicy,
        "InsufficientEncryptionPolicyException",
    );
}

#[tokio::test]
async fn duplicate_name() {
    let env = Env::start();
    let aws = env.management().await;
    aws.create_trail(REGION, &trail("dup", ORG_BUCKET, false))
        .await
        .unwrap();
    assert_error(
        aws.create_trail(REGION, &trail("dup", ORG_BUCKET, false))
            .await,
        ErrorKind::AlreadyExists,
        "TrailAlreadyExistsException",
    );
}

#[tokio::test]
async fn bad_names() {
    let env = Env::start();
    let aws = env.management().await;
    for name in [
        "ab",
        "-starts-with-dash",
        "two..dots",
        "192.168.0.1",
        "has space",
    ] {
        assert_error(
            aws.create_trail(REGION, &trail(name, ORG_BUCKET, false))
                .await,
            ErrorKind::InvalidInput,
            "InvalidTrailNameException",
        );
    }
}

#[tokio::test]
async fn quota_then_lifted() {
    let env = Env::start();
    let aws = env.management().await;
    for i in 0..5 {
        aws.create_trail(REGION, &trail(&format!("trail{i}"), ORG_BUCKET, false))
            .await
            .unwrap();
    }
    assert_error(
        aws.create_trail(REGION, &trail("trail5", ORG_BUCKET, false))
            .await,
        ErrorKind::InvalidInput,
        "MaximumNumberOfTrailsExceededException",
    );
    env.emu.configure(json!({"trail_quota": 1000}));
    aws.create_trail(REGION, &trail("trail5", ORG_BUCKET, false))
        .await
        .unwrap();
}

#[tokio::test]
async fn writes_outside_the_home_region() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = aws
        .create_trail(REGION, &trail("home", ORG_BUCKET, false))
        .await
        .unwrap()
        .arn;
    // A multi-region trail is visible from other regions (as a shadow trail)...
    assert!(aws.get_trail(OTHER_REGION, &arn).await.unwrap().is_some());
    // ...but is changed only in its home region.
    assert_error(
        aws.start_logging(OTHER_REGION, &arn).await,
        ErrorKind::InvalidInput,
        "InvalidHomeRegionException",
    );
    assert_error(
        aws.update_trail(
            OTHER_REGION,
            &arn,
            &trail("home", ORG_BUCKET, false),
            &["S3BucketName"],
        )
        .await,
        ErrorKind::InvalidInput,
        "InvalidHomeRegionException",
    );
}

#[tokio::test]
async fn unknown_trail() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = trail_arn(REGION, MANAGEMENT_ACCOUNT, "nope");
    assert_eq!(aws.get_trail(REGION, &arn).await.unwrap(), None);
    assert_error(
        aws.get_trail_status(REGION, &arn).await,
        ErrorKind::NotFound,
        "TrailNotFoundException",
    );
}

#[tokio::test]
async fn iam_denial_names_the_action() {
    let env = Env::start();
    env.deny(AKID_MANAGEMENT, &["cloudtrail:CreateTrail"]);
    assert_error(
        env.management()
            .await
            .create_trail(REGION, &trail("denied", ORG_BUCKET, false))
            .await,
        ErrorKind::AccessDenied {
            action: "cloudtrail:CreateTrail".into(),
        },
        "AccessDeniedException",
    );
}

#[tokio::test]
async fn unknown_access_key() {
    let env = Env::start();
    let aws = env.aws("AKIDNOBODY").await;
    assert_error(
        aws.list_trails(REGION).await,
        ErrorKind::AccessDenied {
            action: "cloudtrail:ListTrails".into(),
        },
        "UnrecognizedClientException",
    );
    use orgtrail_operator::aws::Organizations;
    assert_error(
        aws.describe_organization().await,
        ErrorKind::AccessDenied {
            action: "organizations:DescribeOrganization".into(),
        },
        "UnrecognizedClientException",
    );
    assert_error(
        aws.caller_identity().await,
        ErrorKind::AccessDenied {
            action: "sts:GetCallerIdentity".into(),
        },
        "InvalidClientTokenId",
    );
}
