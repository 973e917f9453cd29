//! deploy/events/: the AWS CLI setup script run with the real AWS CLI against the
//! emulator (idempotent, and tampering reaches the queue, Organizations calls through the
//! us-east-1 forwarding rule), and the event patterns kept as one source across the
//! script, the CloudFormation template and the Terraform module.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{AKID_MANAGEMENT, Emulator, MANAGEMENT_ACCOUNT};

const API_RULE: &str = "orgtrail-operator-api-calls";
const ORG_RULE: &str = "orgtrail-operator-organizations";
/// The Organizations calls in the pattern: Organizations is global, so these reach
/// EventBridge in us-east-1 only (the rest are CloudTrail's, in the trail's region).
const ORGANIZATIONS_CALLS: [&str; 4] = [
    "DisableAWSServiceAccess",
    "EnableAWSServiceAccess",
    "RegisterDelegatedAdministrator",
    "DeregisterDelegatedAdministrator",
];

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/events")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_file(name: &str) -> Value {
    let path = events_dir().join(name);
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect()
}

// ------------------------------------------------------------------- one source

/// The YAML block under the `n`th `EventPattern:` key of the template (CloudFormation's
/// short-form tags elsewhere in the file are no YAML a plain parser takes).
fn cloudformation_pattern(template: &str, n: usize) -> Value {
    let lines: Vec<&str> = template.lines().collect();
    let start = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == "EventPattern:")
        .nth(n)
        .unwrap_or_else(|| panic!("EventPattern #{n} in cloudformation.yaml"))
        .0;
    let indent = |l: &str| l.len() - l.trim_start().len();
    let key = indent(lines[start]);
    let block: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || indent(l) > key)
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| l.get(key + 2..).unwrap_or(""))
        .collect();
    serde_saphyr::from_str(&block.join("\n"))
        .unwrap_or_else(|e| panic!("EventPattern #{n}: {e}\n{}", block.join("\n")))
}

#[test]
fn event_patterns_have_one_source() {
    let full = json_file("event-pattern.json");
    let orgs = json_file("organizations-pattern.json");

    // The forwarding rule's pattern is the Organizations part of the full one.
    assert_eq!(
        strings(&orgs["source"]),
        BTreeSet::from(["aws.organizations".into()])
    );
    assert_eq!(orgs["detail-type"], full["detail-type"]);
    assert_eq!(
        strings(&orgs["detail"]["eventSource"]),
        BTreeSet::from(["organizations.amazonaws.com".into()])
    );
    let all = strings(&full["detail"]["eventName"]);
    let expected: BTreeSet<String> = ORGANIZATIONS_CALLS.iter().map(|s| s.to_string()).collect();
    assert_eq!(strings(&orgs["detail"]["eventName"]), expected);
    assert!(expected.is_subset(&all), "{expected:?} ⊄ {all:?}");
    assert!(strings(&full["source"]).contains("aws.organizations"));

    // CloudFormation cannot read files: its copies must equal the files.
    let template = read(&events_dir().join("cloudformation.yaml"));
    assert_eq!(
        cloudformation_pattern(&template, 0),
        full,
        "cloudformation.yaml's ApiCallsRule pattern differs from event-pattern.json"
    );
    assert_eq!(
        cloudformation_pattern(&template, 1),
        orgs,
        "cloudformation.yaml's OrganizationsRule pattern differs from organizations-pattern.json"
    );

    // Terraform and the script read the files themselves.
    let main_tf = read(&events_dir().join("terraform/main.tf"));
    let script = read(&events_dir().join("setup-cli.sh"));
    for file in ["event-pattern.json", "organizations-pattern.json"] {
        assert!(
            main_tf.contains(&format!("file(\"${{path.module}}/../{file}\")")),
            "terraform/main.tf reads {file}"
        );
        assert!(
            script.contains(&format!("file://$here/{file}")),
            "setup-cli.sh reads {file}"
        );
    }
}

// ------------------------------------------------------------------- the script

/// The real AWS CLI, as the management account, against the emulator.
struct Cli {
    _dir: tempfile::TempDir,
    bin: PathBuf,
    emu: Emulator,
}

/// `$AWS_CLI`, else `aws` on PATH (hack/with-testenv.sh puts the pinned one first).
fn real_aws() -> PathBuf {
    if let Some(cli) = std::env::var_os("AWS_CLI") {
        return cli.into();
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("aws"))
        .find(|p| p.is_file())
        .expect("the AWS CLI (`aws`) on PATH: run through hack/with-testenv.sh or set AWS_CLI")
}

impl Cli {
    fn start() -> Cli {
        // Trusted access on at the start, so the disable below changes something.
        let emu = Emulator::start_with(&["--trusted-access", "cloudtrail.amazonaws.com"]);
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        // `aws` for the script: the real CLI with the emulator's endpoint on every call.
        // (AWS_ENDPOINT_URL would do for most services, but CLI v1 replaces it for SQS in
        // regions with a legacy endpoint name, eu-west-1 among them.)
        let wrapper = bin.join("aws");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec '{}' --endpoint-url '{}' \"$@\"\n",
                real_aws().display(),
                emu.url()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        Cli {
            _dir: dir,
            bin,
            emu,
        }
    }

    /// A command with the wrapper first on PATH and only the management account's
    /// credentials: no profile, config file, default region or endpoint from outside.
    fn command(&self, program: &Path) -> Command {
        let path = std::env::join_paths(std::iter::once(self.bin.clone()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        let mut cmd = Command::new(program);
        cmd.env("PATH", path)
            .env("AWS_ACCESS_KEY_ID", AKID_MANAGEMENT)
            .env("AWS_SECRET_ACCESS_KEY", "any-secret")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_PAGER", "")
            .env("AWS_MAX_ATTEMPTS", "2");
        for var in [
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL",
            "AWS_DEFAULT_OUTPUT",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    fn diagnostics(&self) -> String {
        let (_, events) = self.emu.hook("GET", "/_emulator/events", None);
        format!("\nemulator /_emulator/events: {events:#}")
    }

    /// `aws --region REGION --output json ARGS`; the raw output.
    fn aws_raw(&self, region: &str, args: &[&str]) -> Output {
        self.command(&self.bin.join("aws"))
            .args(["--region", region, "--output", "json"])
            .args(args)
            .output()
            .expect("running the AWS CLI")
    }

    /// Like [`Cli::aws_raw`], must succeed; the JSON output (`Null` if none).
    fn aws(&self, region: &str, args: &[&str]) -> Value {
        let out = self.aws_raw(region, args);
        assert!(
            out.status.success(),
            "aws {} failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr),
            self.diagnostics()
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// Runs deploy/events/setup-cli.sh; must succeed; the queue URL it prints.
    fn setup(&self, home_region: &str, extra_env: &[(&str, &str)]) -> String {
        let out = self
            .command(&events_dir().join("setup-cli.sh"))
            .env("HOME_REGION", home_region)
            .env("ACCOUNT_ID", MANAGEMENT_ACCOUNT)
            .envs(extra_env.iter().copied())
            .output()
            .expect("running deploy/events/setup-cli.sh (is it executable?)");
        assert!(
            out.status.success(),
            "setup-cli.sh failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(
            url.starts_with("http") && !url.contains('\n'),
            "setup-cli.sh prints the queue URL alone on stdout, got {url:?}"
        );
        url
    }

    fn targets(&self, region: &str, rule: &str) -> Vec<Value> {
        self.aws(region, &["events", "list-targets-by-rule", "--rule", rule])["Targets"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// A multi-region trail in `region`, logging: events are published only while a
    /// trail records the calls (as in AWS).
    fn logging_trail(&self, region: &str, name: &str) {
        self.aws(
            region,
            &[
                "cloudtrail",
                "create-trail",
                "--name",
                name,
                "--s3-bucket-name",
                "orgtrail-logs",
                "--is-multi-region-trail",
            ],
        );
        self.aws(region, &["cloudtrail", "start-logging", "--name", name]);
    }

    /// Receives (and deletes) messages until every name in `wanted` has arrived, for at
    /// most a minute; every event received, by name.
    fn receive_until(&self, region: &str, queue_url: &str, wanted: &[&str]) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut events: Vec<Value> = Vec::new();
        let arrived = |events: &[Value]| {
            wanted
                .iter()
                .all(|w| events.iter().any(|e| e["detail"]["eventName"] == *w))
        };
        while !arrived(&events) {
            assert!(
                Instant::now() < deadline,
                "{wanted:?} did not all arrive in {queue_url} within a minute; got {:?}{}",
                events
                    .iter()
                    .map(|e| &e["detail"]["eventName"])
                    .collect::<Vec<_>>(),
                self.diagnostics()
            );
            let got = self.aws(
                region,
                &[
                    "sqs",
                    "receive-message",
                    "--queue-url",
                    queue_url,
                    "--wait-time-seconds",
                    "10",
                    "--max-number-of-messages",
                    "10",
                ],
            );
            for m in got["Messages"].as_array().cloned().unwrap_or_default() {
                let body = m["Body"].as_str().expect("a message body");
                let event: Value = serde_json::from_str(body)
                    .unwrap_or_else(|e| panic!("the body is the event as JSON ({e}): {body}"));
                self.aws(
                    region,
                    &[
                        "sqs",
                        "delete-message",
                        "--queue-url",
                        queue_url,
                        "--receipt-handle",
                        m["ReceiptHandle"].as_str().unwrap(),
                    ],
                );
                events.push(event);
            }
        }
        events
    }
}

fn event<'a>(events: &'a [Value], name: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["detail"]["eventName"] == name)
        .unwrap_or_else(|| panic!("no {name} in {events:#?}"))
}

/// Every event delivered matches the pattern: the rule filtered, not the test.
fn assert_all_match_the_pattern(events: &[Value]) {
    let pattern = json_file("event-pattern.json");
    let names = strings(&pattern["detail"]["eventName"]);
    for e in events {
        assert_eq!(e["detail-type"], "AWS API Call via CloudTrail", "{e:#}");
        assert_eq!(e["account"], MANAGEMENT_ACCOUNT, "{e:#}");
        let name = e["detail"]["eventName"].as_str().unwrap_or_default();
        assert!(names.contains(name), "{name} is not in the pattern: {e:#}");
    }
}

#[test]
fn setup_script_away_from_us_east_1_forwards_organizations_calls() {
    let cli = Cli::start();
    let home = "eu-west-1";
    // The emulator has no IAM, so the script is given the forwarding role instead of
    // creating it (the option for roles owned by an IAM pipeline). EventBridge in the
    // emulator requires the RoleArn on the cross-region target, as AWS does.
    let role =
        format!("arn:aws:iam::{MANAGEMENT_ACCOUNT}:role/orgtrail-operator-events-forwarding");
    let env = [("FORWARDING_ROLE_ARN", role.as_str())];

    let url = cli.setup(home, &env);
    // Idempotent: the second run succeeds, finds the same queue and duplicates nothing.
    assert_eq!(
        cli.setup(home, &env),
        url,
        "the rerun prints the same queue"
    );

    let attrs = cli.aws(
        home,
        &[
            "sqs",
            "get-queue-attributes",
            "--queue-url",
            &url,
            "--attribute-names",
            "All",
        ],
    )["Attributes"]
        .clone();
    assert_eq!(attrs["SqsManagedSseEnabled"], "true", "{attrs:#}");
    assert_eq!(attrs["MessageRetentionPeriod"], "86400", "{attrs:#}");
    let queue_arn = attrs["QueueArn"].as_str().expect("QueueArn").to_owned();
    let policy: Value =
        serde_json::from_str(attrs["Policy"].as_str().expect("a queue policy")).unwrap();
    let statement = &policy["Statement"][0];
    assert_eq!(statement["Principal"]["Service"], "events.amazonaws.com");
    assert_eq!(statement["Action"], "sqs:SendMessage");
    assert_eq!(statement["Resource"], queue_arn.as_str());
    assert_eq!(
        statement["Condition"]["ArnEquals"]["aws:SourceArn"],
        format!("arn:aws:events:{home}:{MANAGEMENT_ACCOUNT}:rule/{API_RULE}")
    );

    let api_targets = cli.targets(home, API_RULE);
    assert_eq!(api_targets.len(), 1, "{api_targets:#?}");
    assert_eq!(api_targets[0]["Arn"], queue_arn.as_str());
    let org_targets = cli.targets("us-east-1", ORG_RULE);
    assert_eq!(org_targets.len(), 1, "{org_targets:#?}");
    assert_eq!(
        org_targets[0]["Arn"],
        format!("arn:aws:events:{home}:{MANAGEMENT_ACCOUNT}:event-bus/default")
    );
    assert_eq!(org_targets[0]["RoleArn"], role.as_str());
    let rule = cli.aws(home, &["events", "describe-rule", "--name", API_RULE]);
    let pattern: Value = serde_json::from_str(rule["EventPattern"].as_str().unwrap()).unwrap();
    assert_eq!(pattern, json_file("event-pattern.json"));

    // Tampering, with a trail logging.
    cli.logging_trail(home, "events-setup");
    cli.aws(
        "us-east-1",
        &[
            "organizations",
            "disable-aws-service-access",
            "--service-principal",
            "cloudtrail.amazonaws.com",
        ],
    );
    // Not in the pattern: must not reach the queue.
    cli.aws(
        home,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            "events-unmatched",
            "--s3-bucket-name",
            "orgtrail-logs",
        ],
    );
    cli.aws(
        home,
        &["cloudtrail", "stop-logging", "--name", "events-setup"],
    );

    let events = cli.receive_until(home, &url, &["DisableAWSServiceAccess", "StopLogging"]);
    assert_all_match_the_pattern(&events);
    // The Organizations call was made (and seen by EventBridge) in us-east-1 and came
    // through the forwarding rule to the home region's queue.
    let disable = event(&events, "DisableAWSServiceAccess");
    assert_eq!(disable["source"], "aws.organizations", "{disable:#}");
    assert_eq!(disable["region"], "us-east-1", "{disable:#}");
    let stop = event(&events, "StopLogging");
    assert_eq!(stop["source"], "aws.cloudtrail", "{stop:#}");
    assert_eq!(stop["region"], home, "{stop:#}");
}

#[test]
fn setup_script_in_us_east_1_needs_no_forwarding() {
    let cli = Cli::start();
    let home = "us-east-1";
    let url = cli.setup(home, &[]);
    assert_eq!(cli.setup(home, &[]), url);

    // One rule matches both services' calls here: no forwarding rule (and no IAM role,
    // which the emulator could not have created).
    let out = cli.aws_raw(home, &["events", "describe-rule", "--name", ORG_RULE]);
    assert!(
        !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("ResourceNotFoundException"),
        "no {ORG_RULE} rule when the home region is us-east-1: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    cli.logging_trail(home, "events-setup");
    cli.aws(
        home,
        &[
            "organizations",
            "disable-aws-service-access",
            "--service-principal",
            "cloudtrail.amazonaws.com",
        ],
    );
    cli.aws(
        home,
        &["cloudtrail", "stop-logging", "--name", "events-setup"],
    );
    let events = cli.receive_until(home, &url, &["DisableAWSServiceAccess", "StopLogging"]);
    assert_all_match_the_pattern(&events);
}
