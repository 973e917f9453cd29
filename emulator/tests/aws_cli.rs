//! The AWS CLI (`aws`, installed with pip) against the emulator: the commands from
//! the AWS reference and their documented effects.

mod common;

use common::{DELEGATED, MANAGEMENT, MEMBER, aws_err, aws_ok};
use serde_json::Value;

const CT: &str = "cloudtrail.amazonaws.com";
const HOME: &str = "us-east-1";
const OTHER: &str = "eu-west-1";
const TRAIL_ARN: &str = "arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail";

fn trails(v: &Value) -> Vec<Value> {
    v["trailList"].as_array().cloned().unwrap_or_default()
}

fn enabled_principals(v: &Value) -> Vec<String> {
    v["EnabledServicePrincipals"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["ServicePrincipal"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn disable_converts_org_resources_and_reenable_converts_nothing() {
    let emu = common::Emulator::start();
    let create_org_trail = [
        "cloudtrail",
        "create-trail",
        "--name",
        "org-trail",
        "--s3-bucket-name",
        "orgtrail-logs",
        "--is-organization-trail",
        "--is-multi-region-trail",
    ];
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &create_org_trail,
        "CloudTrailAccessNotEnabledException",
    );

    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "organizations",
            "enable-aws-service-access",
            "--service-principal",
            CT,
        ],
    );
    let listed = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &["organizations", "list-aws-service-access-for-organization"],
    );
    assert_eq!(enabled_principals(&listed), vec![CT]);
    // Members may not read trusted access.
    aws_err(
        &emu,
        MEMBER,
        HOME,
        &["organizations", "list-aws-service-access-for-organization"],
        "AccessDeniedException",
    );

    let created = aws_ok(&emu, MANAGEMENT, HOME, &create_org_trail);
    assert_eq!(created["TrailARN"], TRAIL_ARN);
    assert_eq!(created["IsOrganizationTrail"], true);
    // Creating an org trail from the management account creates the service-linked role.
    assert_eq!(
        emu.state()["service_linked_roles"]["111111111111"][0],
        "AWSServiceRoleForCloudTrail"
    );

    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &["cloudtrail", "start-logging", "--name", TRAIL_ARN],
    );
    let status = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &["cloudtrail", "get-trail-status", "--name", TRAIL_ARN],
    );
    assert_eq!(status["IsLogging"], true);
    assert!(status["StartLoggingTime"].is_number());

    // A member sees the org trail (same ARN, management account id) but cannot touch it.
    let seen = trails(&aws_ok(
        &emu,
        MEMBER,
        HOME,
        &["cloudtrail", "describe-trails"],
    ));
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["TrailARN"], TRAIL_ARN);
    assert_eq!(seen[0]["IsOrganizationTrail"], true);
    aws_err(
        &emu,
        MEMBER,
        HOME,
        &["cloudtrail", "stop-logging", "--name", TRAIL_ARN],
        "NotOrganizationMasterAccountException",
    );
    aws_err(
        &emu,
        MEMBER,
        HOME,
        &["cloudtrail", "delete-trail", "--name", TRAIL_ARN],
        "NotOrganizationMasterAccountException",
    );
    // Shadow trail in another region: visible, but writes need the home region.
    let shadow = trails(&aws_ok(
        &emu,
        MANAGEMENT,
        OTHER,
        &["cloudtrail", "describe-trails"],
    ));
    assert_eq!(shadow[0]["HomeRegion"], HOME);
    let no_shadow = aws_ok(
        &emu,
        MANAGEMENT,
        OTHER,
        &[
            "cloudtrail",
            "describe-trails",
            "--no-include-shadow-trails",
        ],
    );
    assert!(trails(&no_shadow).is_empty());
    aws_err(
        &emu,
        MANAGEMENT,
        OTHER,
        &["cloudtrail", "stop-logging", "--name", TRAIL_ARN],
        "InvalidHomeRegionException",
    );

    let store = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "create-event-data-store",
            "--name",
            "org-store",
            "--organization-enabled",
        ],
    );
    let store_arn = store["EventDataStoreArn"]
        .as_str()
        .expect("store arn")
        .to_string();
    assert_eq!(store["OrganizationEnabled"], true);

    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "organizations",
            "disable-aws-service-access",
            "--service-principal",
            CT,
        ],
    );
    let listed = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &["organizations", "list-aws-service-access-for-organization"],
    );
    assert!(enabled_principals(&listed).is_empty());
    // The management account's trail became account-level; member copies are gone.
    let mine = trails(&aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &["cloudtrail", "describe-trails"],
    ));
    assert_eq!(mine[0]["IsOrganizationTrail"], false);
    assert!(
        trails(&aws_ok(
            &emu,
            MEMBER,
            HOME,
            &["cloudtrail", "describe-trails"]
        ))
        .is_empty()
    );
    let got = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "get-event-data-store",
            "--event-data-store",
            &store_arn,
        ],
    );
    assert_eq!(got["OrganizationEnabled"], false);
    assert_eq!(
        emu.state()["service_linked_roles"]["111111111111"][0],
        "AWSServiceRoleForCloudTrail",
        "the service-linked role survives disabling trusted access"
    );

    // Re-enabling converts nothing back.
    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "organizations",
            "enable-aws-service-access",
            "--service-principal",
            CT,
        ],
    );
    let mine = trails(&aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &["cloudtrail", "describe-trails"],
    ));
    assert_eq!(mine[0]["IsOrganizationTrail"], false);
    let got = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "get-event-data-store",
            "--event-data-store",
            &store_arn,
        ],
    );
    assert_eq!(got["OrganizationEnabled"], false);
    assert!(
        trails(&aws_ok(
            &emu,
            MEMBER,
            HOME,
            &["cloudtrail", "describe-trails"]
        ))
        .is_empty()
    );

    // The documented repair: UpdateTrail by ARN in the home region, UpdateEventDataStore.
    let updated = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "update-trail",
            "--name",
            TRAIL_ARN,
            "--is-organization-trail",
        ],
    );
    assert_eq!(updated["IsOrganizationTrail"], true);
    assert_eq!(
        trails(&aws_ok(
            &emu,
            MEMBER,
            HOME,
            &["cloudtrail", "describe-trails"]
        ))
        .len(),
        1
    );
    let got = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "update-event-data-store",
            "--event-data-store",
            &store_arn,
            "--organization-enabled",
        ],
    );
    assert_eq!(got["OrganizationEnabled"], true);

    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &["cloudtrail", "delete-trail", "--name", TRAIL_ARN],
    );
    assert!(
        trails(&aws_ok(
            &emu,
            MANAGEMENT,
            HOME,
            &["cloudtrail", "describe-trails"]
        ))
        .is_empty()
    );
}

#[test]
fn delegated_admin_creates_org_trail_owned_by_management() {
    let emu = common::Emulator::start();
    let register = [
        "cloudtrail",
        "register-organization-delegated-admin",
        "--member-account-id",
        "222222222222",
    ];
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &register,
        "CloudTrailAccessNotEnabledException",
    );
    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "organizations",
            "enable-aws-service-access",
            "--service-principal",
            CT,
        ],
    );
    aws_err(
        &emu,
        MEMBER,
        HOME,
        &register,
        "NotOrganizationManagementAccountException",
    );
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "register-organization-delegated-admin",
            "--member-account-id",
            "111111111111",
        ],
        "CannotDelegateManagementAccountException",
    );
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "register-organization-delegated-admin",
            "--member-account-id",
            "999999999999",
        ],
        "AccountNotFoundException",
    );
    assert!(emu.state()["service_linked_roles"]["111111111111"].is_null());
    aws_ok(&emu, MANAGEMENT, HOME, &register);
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &register,
        "AccountRegisteredException",
    );
    // Registered through CloudTrail: visible in Organizations, and the SLR now exists.
    let admins = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "organizations",
            "list-delegated-administrators",
            "--service-principal",
            CT,
        ],
    );
    assert_eq!(admins["DelegatedAdministrators"][0]["Id"], "222222222222");
    assert_eq!(
        emu.state()["service_linked_roles"]["111111111111"][0],
        "AWSServiceRoleForCloudTrail"
    );

    let created = aws_ok(
        &emu,
        DELEGATED,
        HOME,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            "org-trail",
            "--s3-bucket-name",
            "orgtrail-logs",
            "--is-organization-trail",
        ],
    );
    assert_eq!(
        created["TrailARN"], TRAIL_ARN,
        "owned by the management account"
    );
    aws_err(
        &emu,
        DELEGATED,
        HOME,
        &["cloudtrail", "get-trail", "--name", "org-trail"],
        "TrailNotFoundException",
    );
    let got = aws_ok(
        &emu,
        DELEGATED,
        HOME,
        &["cloudtrail", "get-trail", "--name", TRAIL_ARN],
    );
    assert_eq!(got["Trail"]["IsOrganizationTrail"], true);
    aws_ok(
        &emu,
        DELEGATED,
        HOME,
        &["cloudtrail", "start-logging", "--name", TRAIL_ARN],
    );
    aws_err(
        &emu,
        DELEGATED,
        HOME,
        &[
            "cloudtrail",
            "update-trail",
            "--name",
            TRAIL_ARN,
            "--no-is-organization-trail",
        ],
        "NotOrganizationMasterAccountException",
    );
    // Same name again, even from the management account: the name is taken there.
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            "org-trail",
            "--s3-bucket-name",
            "orgtrail-logs",
        ],
        "TrailAlreadyExistsException",
    );
    aws_err(
        &emu,
        MEMBER,
        HOME,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            "other",
            "--s3-bucket-name",
            "orgtrail-logs",
            "--is-organization-trail",
        ],
        "NotOrganizationMasterAccountException",
    );
    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "deregister-organization-delegated-admin",
            "--delegated-admin-account-id",
            "222222222222",
        ],
    );
    // Removing the delegated admin deletes nothing it created.
    let mine = trails(&aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &["cloudtrail", "describe-trails"],
    ));
    assert_eq!(mine[0]["TrailARN"], TRAIL_ARN);
    aws_err(
        &emu,
        DELEGATED,
        HOME,
        &["cloudtrail", "stop-logging", "--name", TRAIL_ARN],
        "NotOrganizationMasterAccountException",
    );
}

#[test]
fn org_trail_prerequisites_and_trail_rules() {
    let emu = common::Emulator::start_with(&["--trail-quota", "2", "--trusted-access", CT]);
    let org_trail = |name: &str, bucket: &str| {
        vec![
            "cloudtrail".to_string(),
            "create-trail".into(),
            "--name".into(),
            name.into(),
            "--s3-bucket-name".into(),
            bucket.into(),
            "--is-organization-trail".into(),
        ]
    };
    let run_err = |args: Vec<String>, code: &str| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        aws_err(&emu, MANAGEMENT, HOME, &a, code);
    };
    run_err(
        org_trail("trail1", "no-such-bucket"),
        "S3BucketDoesNotExistException",
    );
    run_err(
        org_trail("trail1", "orgtrail-account-only"),
        "InsufficientS3BucketPolicyException",
    );
    let mut with_key = org_trail("trail1", "orgtrail-logs");
    with_key.extend(["--kms-key-id".into(), "alias/no-org-policy".into()]);
    run_err(with_key, "InsufficientEncryptionPolicyException");
    // Failed org-trail calls created no service-linked role, and registering only
    // through Organizations creates none either: the delegated admin cannot create an
    // org trail until the management account gets the role.
    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "organizations",
            "register-delegated-administrator",
            "--account-id",
            "222222222222",
            "--service-principal",
            CT,
        ],
    );
    let a: Vec<String> = org_trail("from-da", "orgtrail-logs");
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    aws_err(
        &emu,
        DELEGATED,
        HOME,
        &a,
        "NoManagementAccountSLRExistsException",
    );
    assert!(emu.state()["service_linked_roles"]["111111111111"].is_null());
    run_err(
        org_trail("a..b", "orgtrail-logs"),
        "InvalidTrailNameException",
    );

    // An account trail may use the account-only bucket; converting it needs the org statement.
    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            "acct",
            "--s3-bucket-name",
            "orgtrail-account-only",
        ],
    );
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "update-trail",
            "--name",
            "acct",
            "--is-organization-trail",
        ],
        "InsufficientS3BucketPolicyException",
    );
    let converted = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "update-trail",
            "--name",
            "acct",
            "--s3-bucket-name",
            "orgtrail-logs",
            "--is-organization-trail",
        ],
    );
    assert_eq!(converted["IsOrganizationTrail"], true);
    assert_eq!(converted["S3BucketName"], "orgtrail-logs");
    let back = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "update-trail",
            "--name",
            "acct",
            "--no-is-organization-trail",
        ],
    );
    assert_eq!(back["IsOrganizationTrail"], false);

    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            "second",
            "--s3-bucket-name",
            "orgtrail-logs",
        ],
    );
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            "second",
            "--s3-bucket-name",
            "orgtrail-logs",
        ],
        "TrailAlreadyExistsException",
    );
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            "third",
            "--s3-bucket-name",
            "orgtrail-logs",
        ],
        "MaximumNumberOfTrailsExceededException",
    );
    // The quota can be lifted through the test hooks.
    let (code, _) = emu.hook(
        "POST",
        "/_emulator/config",
        Some(r#"{"trail_quota": 1000}"#),
    );
    assert_eq!(code, 200);
    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            "third",
            "--s3-bucket-name",
            "orgtrail-logs",
        ],
    );
}

#[test]
fn event_data_store_lifecycle() {
    let emu = common::Emulator::start_with(&["--trusted-access", CT]);
    let create = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &["cloudtrail", "create-event-data-store", "--name", "store"],
    );
    let arn = create["EventDataStoreArn"]
        .as_str()
        .expect("arn")
        .to_string();
    assert_eq!(create["TerminationProtectionEnabled"], true);
    assert_eq!(create["RetentionPeriod"], 366);
    let get = |emu: &common::Emulator| {
        aws_ok(
            emu,
            MANAGEMENT,
            HOME,
            &[
                "cloudtrail",
                "get-event-data-store",
                "--event-data-store",
                &arn,
            ],
        )
    };
    assert_eq!(get(&emu)["Status"], "ENABLED");
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "delete-event-data-store",
            "--event-data-store",
            &arn,
        ],
        "EventDataStoreTerminationProtectedException",
    );

    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "stop-event-data-store-ingestion",
            "--event-data-store",
            &arn,
        ],
    );
    assert_eq!(get(&emu)["Status"], "STOPPED_INGESTION");
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "stop-event-data-store-ingestion",
            "--event-data-store",
            &arn,
        ],
        "InvalidEventDataStoreStatusException",
    );
    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "start-event-data-store-ingestion",
            "--event-data-store",
            &arn,
        ],
    );
    assert_eq!(get(&emu)["Status"], "ENABLED");

    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "update-event-data-store",
            "--event-data-store",
            &arn,
            "--retention-period",
            "4000",
        ],
        "InvalidParameterException",
    );
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "update-event-data-store",
            "--event-data-store",
            &arn,
            "--billing-mode",
            "FIXED_RETENTION_PRICING",
        ],
        "InvalidParameterException",
    );
    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "update-event-data-store",
            "--event-data-store",
            &arn,
            "--kms-key-id",
            "alias/lake",
        ],
    );
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "update-event-data-store",
            "--event-data-store",
            &arn,
            "--kms-key-id",
            "alias/other",
        ],
        "InvalidParameterException",
    );
    // Members cannot change organization scope; the store is not even theirs to see.
    aws_err(
        &emu,
        MEMBER,
        HOME,
        &[
            "cloudtrail",
            "update-event-data-store",
            "--event-data-store",
            &arn,
            "--organization-enabled",
        ],
        "EventDataStoreNotFoundException",
    );
    aws_err(
        &emu,
        MEMBER,
        HOME,
        &[
            "cloudtrail",
            "create-event-data-store",
            "--name",
            "member-store",
            "--organization-enabled",
        ],
        "NotOrganizationMasterAccountException",
    );

    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "update-event-data-store",
            "--event-data-store",
            &arn,
            "--no-termination-protection-enabled",
        ],
    );
    aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "delete-event-data-store",
            "--event-data-store",
            &arn,
        ],
    );
    assert_eq!(get(&emu)["Status"], "PENDING_DELETION");
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "start-event-data-store-ingestion",
            "--event-data-store",
            &arn,
        ],
        "InvalidEventDataStoreStatusException",
    );
    let restored = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "restore-event-data-store",
            "--event-data-store",
            &arn,
        ],
    );
    assert_eq!(restored["Status"], "ENABLED");
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "restore-event-data-store",
            "--event-data-store",
            &arn,
        ],
        "InvalidEventDataStoreStatusException",
    );
}

#[test]
fn sts_assume_role_and_caller_identity() {
    let emu = common::Emulator::start();
    let me = aws_ok(&emu, MANAGEMENT, HOME, &["sts", "get-caller-identity"]);
    assert_eq!(me["Account"], "111111111111");
    let creds = aws_ok(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "sts",
            "assume-role",
            "--role-arn",
            "arn:aws:iam::222222222222:role/OrgTrailAdmin",
            "--role-session-name",
            "op",
        ],
    );
    let key = creds["Credentials"]["AccessKeyId"]
        .as_str()
        .expect("key")
        .to_string();
    assert!(key.starts_with("ASIA"));
    let who = aws_ok(&emu, &key, HOME, &["sts", "get-caller-identity"]);
    assert_eq!(who["Account"], "222222222222");
    assert_eq!(
        who["Arn"],
        "arn:aws:sts::222222222222:assumed-role/OrgTrailAdmin/op"
    );
    aws_err(
        &emu,
        "AKIDUNKNOWN",
        HOME,
        &["sts", "get-caller-identity"],
        "InvalidClientTokenId",
    );
    aws_err(
        &emu,
        "AKIDUNKNOWN",
        HOME,
        &["cloudtrail", "describe-trails"],
        "UnrecognizedClientException",
    );
}

/// ListTrails is account-wide (assumption `list-trails-all-regions`); DescribeTrails only
/// shows what lives in, or is shadowed into, the current region.
#[test]
fn list_trails_spans_regions_describe_trails_does_not() {
    let emu = common::Emulator::start();
    let created = aws_ok(
        &emu,
        MANAGEMENT,
        OTHER,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            "eu-only",
            "--s3-bucket-name",
            "orgtrail-logs",
        ],
    );
    let arn = created["TrailARN"].as_str().expect("TrailARN");
    let listed = aws_ok(&emu, MANAGEMENT, HOME, &["cloudtrail", "list-trails"]);
    let entry = listed["Trails"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["TrailARN"] == arn)
        .unwrap_or_else(|| panic!("list-trails in {HOME} misses {arn}: {listed}"));
    assert_eq!(entry["HomeRegion"], OTHER);
    let described = aws_ok(&emu, MANAGEMENT, HOME, &["cloudtrail", "describe-trails"]);
    assert!(
        !trails(&described).iter().any(|t| t["TrailARN"] == arn),
        "describe-trails in {HOME} shows a single-region {OTHER} trail: {described}"
    );
}
