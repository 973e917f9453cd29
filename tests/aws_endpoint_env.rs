//! `AWS_ENDPOINT_URL` (read by aws-config itself, not by our code) sends every service of
//! the adapter to the emulator. A test binary of its own: it sets process environment
//! variables, which no other test may observe.

mod support;

use orgtrail_operator::aws::sdk::{SdkAws, load_config};
use orgtrail_operator::aws::{CloudTrail, Organizations};

use support::{AKID_DELEGATED, DELEGATED_ACCOUNT, Emulator, MANAGEMENT_ACCOUNT};

#[test]
fn aws_endpoint_url_from_the_environment() {
    let emu = Emulator::start();
    // SAFETY: this is the only test in this binary and it sets the variables before any
    // runtime or client thread exists.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL", emu.url());
        std::env::set_var("AWS_ACCESS_KEY_ID", AKID_DELEGATED);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "any-secret");
        std::env::set_var("AWS_REGION", "eu-central-1");
        // Keep a developer's profile or IMDS out of the picture.
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent");
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let conf = load_config(None, None).await;
        assert_eq!(conf.endpoint_url(), Some(emu.url()));
        let timeouts = conf.timeout_config().expect("timeouts are configured");
        assert_eq!(
            timeouts.operation_attempt_timeout(),
            Some(orgtrail_operator::aws::sdk::ATTEMPT_TIMEOUT)
        );
        let aws = SdkAws::new(&conf, None);
        assert_eq!(aws.endpoint_url(), Some(emu.url()));
        assert_eq!(
            aws.caller_identity().await.unwrap().account_id,
            DELEGATED_ACCOUNT
        );
        assert_eq!(
            aws.describe_organization()
                .await
                .unwrap()
                .management_account_id,
            MANAGEMENT_ACCOUNT
        );
        assert!(aws.list_trails("eu-central-1").await.unwrap().is_empty());
    });
    let regions: Vec<_> = emu
        .calls()
        .iter()
        .map(|c| {
            (
                c["operation"].as_str().unwrap_or_default().to_owned(),
                c["region"].clone(),
            )
        })
        .collect();
    // Organizations keeps the configured region when an endpoint override is in force;
    // CloudTrail goes to the region asked for.
    assert!(
        regions
            .iter()
            .any(|(op, r)| op == "ListTrails" && r == "eu-central-1"),
        "{regions:?}"
    );
}
