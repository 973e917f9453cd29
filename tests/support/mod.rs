//! Shared helpers for integration tests: the emulator as a child process, `SdkConfig`s
//! pointed at it, and its `/_emulator/` test hooks.
#![allow(dead_code)] // each test crate uses a different subset

pub mod emulator;
pub mod hooks;
pub mod kstatus;
pub mod operator;

pub use emulator::Emulator;

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudtrail::config::Credentials;
use aws_types::sdk_config::{RetryConfig, SharedCredentialsProvider, TimeoutConfig};

/// Access key of the management account 111111111111.
pub const AKID_MANAGEMENT: &str = "AKIDMANAGEMENT";
/// Access key of a person (user `admin`) in the management account: not the operator.
pub const AKID_ADMIN: &str = "AKIDADMIN";
/// Access key of member 222222222222 (the would-be delegated administrator).
pub const AKID_DELEGATED: &str = "AKIDDELEGATED";
/// Access key of member 333333333333.
pub const AKID_MEMBER: &str = "AKIDMEMBER";

/// Account ids of the emulator's default organization.
pub const MANAGEMENT_ACCOUNT: &str = "111111111111";
pub const DELEGATED_ACCOUNT: &str = "222222222222";
pub const MEMBER_ACCOUNT: &str = "333333333333";
pub const ORG_ID: &str = "o-exampleorgid";

/// An `SdkConfig` for `access_key` (any secret) in `region`, sent to the emulator.
/// Standard retries (3 attempts) with a short initial backoff, so that tests exercising
/// the SDK's retries stay fast; everything else is the SDK default.
pub async fn sdk_config(emu: &Emulator, access_key: &str, region: &str) -> SdkConfig {
    sdk_config_with(emu, access_key, region, None).await
}

/// Like [`sdk_config`], with a per-attempt timeout.
pub async fn sdk_config_with(
    emu: &Emulator,
    access_key: &str,
    region: &str,
    attempt_timeout: Option<Duration>,
) -> SdkConfig {
    let credentials = Credentials::new(access_key, "any-secret", None, None, "orgtrail-tests");
    let mut timeouts = TimeoutConfig::builder().connect_timeout(Duration::from_secs(2));
    if let Some(t) = attempt_timeout {
        timeouts = timeouts.operation_attempt_timeout(t);
    }
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .endpoint_url(emu.url())
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(20)))
        .timeout_config(timeouts.build())
        .load()
        .await
}
