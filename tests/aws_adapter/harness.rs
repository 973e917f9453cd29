//! One emulator per test, adapters for its default accounts, and assertion helpers.

use std::fmt::Debug;

use orgtrail_operator::aws::sdk::SdkAws;
use orgtrail_operator::aws::{
    AwsError, AwsResult, CLOUDTRAIL_SERVICE_PRINCIPAL, CloudTrail, ErrorKind, Organizations,
    Prerequisite, TrailSettings,
};
use serde_json::json;

use crate::support::{self, AKID_DELEGATED, AKID_MANAGEMENT, AKID_MEMBER, Emulator};

/// Where the tests' trails live.
pub const REGION: &str = "us-east-1";
/// A region that is not the trails' home region.
pub const OTHER_REGION: &str = "eu-west-1";
/// Bucket whose policy covers the organization prefix.
pub const ORG_BUCKET: &str = "orgtrail-logs";
/// Bucket whose policy lacks the organization statement.
pub const ACCOUNT_ONLY_BUCKET: &str = "orgtrail-account-only";

pub struct Env {
    pub emu: Emulator,
}

impl Env {
    pub fn start() -> Env {
        Env {
            emu: Emulator::start(),
        }
    }

    pub fn start_with(args: &[&str]) -> Env {
        Env {
            emu: Emulator::start_with(args),
        }
    }

    /// An adapter for `access_key`, its default region `REGION`.
    pub async fn aws(&self, access_key: &str) -> SdkAws {
        SdkAws::new(
            &support::sdk_config(&self.emu, access_key, REGION).await,
            None,
        )
    }

    pub async fn management(&self) -> SdkAws {
        self.aws(AKID_MANAGEMENT).await
    }

    pub async fn delegated(&self) -> SdkAws {
        self.aws(AKID_DELEGATED).await
    }

    pub async fn member(&self) -> SdkAws {
        self.aws(AKID_MEMBER).await
    }

    /// Trusted access for CloudTrail, through the adapter.
    pub async fn enable_trusted_access(&self) {
        self.management()
            .await
            .enable_aws_service_access(CLOUDTRAIL_SERVICE_PRINCIPAL)
            .await
            .expect("enable trusted access");
    }

    /// Trusted access plus 222222222222 registered as CloudTrail delegated admin.
    pub async fn with_delegated_admin(&self) {
        self.enable_trusted_access().await;
        self.management()
            .await
            .register_organization_delegated_admin(support::DELEGATED_ACCOUNT)
            .await
            .expect("register delegated admin");
    }

    /// Deny IAM actions to the principal of `access_key`.
    pub fn deny(&self, access_key: &str, actions: &[&str]) {
        self.emu
            .configure(json!({"denied_actions": {access_key: actions}}));
    }
}

/// Settings for a trail writing to `bucket`.
pub fn trail(name: &str, bucket: &str, organization: bool) -> TrailSettings {
    TrailSettings {
        name: name.into(),
        s3_bucket_name: bucket.into(),
        is_multi_region_trail: true,
        include_global_service_events: true,
        enable_log_file_validation: true,
        is_organization_trail: organization,
        ..TrailSettings::default()
    }
}

/// The error of a call that must fail.
pub fn err<T: Debug>(result: AwsResult<T>) -> AwsError {
    match result {
        Ok(v) => panic!("expected an AWS error, got Ok({v:?})"),
        Err(e) => e,
    }
}

/// Assert a failure's kind and AWS code.
#[track_caller]
pub fn assert_error<T: Debug>(result: AwsResult<T>, kind: ErrorKind, code: &str) -> AwsError {
    let e = err(result);
    assert_eq!(e.kind, kind, "{e}");
    assert_eq!(e.code, code, "{e}");
    e
}

/// Assert a failure is a missing prerequisite with AWS code `code`.
#[track_caller]
pub fn assert_prerequisite<T: Debug>(result: AwsResult<T>, p: Prerequisite, code: &str) {
    assert_error(result, ErrorKind::PrerequisiteMissing(p), code);
}
