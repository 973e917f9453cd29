//! Contract test: one aws-sdk call sequence against moto_server and against the emulator,
//! for the operations both implement. Response field names (read from the raw JSON the
//! SDK received) and error codes must match, except for the differences listed in
//! `DELIBERATE_DIFFERENCES`, each with the reason moto is less faithful than AWS's docs.
//! Every listed difference must still occur, so the list cannot rot silently.

mod common;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_sdk_cloudtrail::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_cloudtrail::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_cloudtrail::error::{BoxError, ProvideErrorMetadata};
use aws_sdk_cloudtrail::types::Tag;
use serde_json::Value;

/// (step, difference, reason). A difference is `only-emulator:<field>`,
/// `only-moto:<field>` or `code:<emulator>/<moto>`.
const DELIBERATE_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "CreateTrail duplicate",
        "code:TrailAlreadyExistsException/ok",
        "AWS documents TrailAlreadyExistsException for an existing name; moto 5.2 silently replaces the trail.",
    ),
    (
        "DeleteTrail unknown",
        "code:TrailNotFoundException/ok",
        "AWS documents TrailNotFoundException for DeleteTrail on a missing trail; moto succeeds.",
    ),
    (
        "StartLogging unknown",
        "code:TrailNotFoundException/<no code>",
        "AWS documents TrailNotFoundException; moto fails with an internal error that has no error code.",
    ),
    (
        "GetTrail by name",
        "only-emulator:Trail.HomeRegion",
        "The Trail shape has HomeRegion and AWS returns it from GetTrail; moto only sets it in DescribeTrails.",
    ),
    (
        "GetTrail by ARN",
        "only-emulator:Trail.HomeRegion",
        "Same as above: GetTrail returns the Trail shape including HomeRegion.",
    ),
    (
        "CreateTrail second",
        "only-moto:HasCustomEventSelectors",
        "Not a member of CreateTrailResponse in the model; moto serializes its whole trail object.",
    ),
    (
        "CreateTrail second",
        "only-moto:HasInsightSelectors",
        "Not a member of CreateTrailResponse in the model; moto serializes its whole trail object.",
    ),
    (
        "UpdateTrail",
        "only-moto:HasCustomEventSelectors",
        "Not a member of UpdateTrailResponse in the model; moto serializes its whole trail object.",
    ),
    (
        "UpdateTrail",
        "only-moto:HasInsightSelectors",
        "Not a member of UpdateTrailResponse in the model; moto serializes its whole trail object.",
    ),
    (
        "GetTrailStatus logging",
        "only-moto:LatestDeliveryTime",
        "The emulator delivers no log files, so like a fresh AWS trail it has no LatestDeliveryTime; moto invents one.",
    ),
    (
        "GetTrailStatus stopped",
        "only-moto:LatestDeliveryTime",
        "As above: no log file was ever delivered.",
    ),
    (
        "CreateTrail second",
        "only-emulator:RecursiveLogging",
        "RecursiveLogging is a member of CreateTrailResponse since botocore 1.44.0 (default true); moto 5.2 predates it.",
    ),
    (
        "UpdateTrail",
        "only-emulator:RecursiveLogging",
        "Same as above for UpdateTrailResponse.",
    ),
    (
        "GetTrail by name",
        "only-emulator:Trail.RecursiveLogging",
        "The Trail shape has RecursiveLogging since botocore 1.44.0; moto 5.2 predates it.",
    ),
    (
        "GetTrail by ARN",
        "only-emulator:Trail.RecursiveLogging",
        "Same as above.",
    ),
    (
        "DescribeTrails all",
        "only-emulator:trailList[].RecursiveLogging",
        "Same as above: DescribeTrails returns the Trail shape.",
    ),
    (
        "DescribeTrails by name",
        "only-emulator:trailList[].RecursiveLogging",
        "Same as above.",
    ),
];

const BUCKET: &str = "orgtrail-logs";
const TRAIL: &str = "contract-trail";
const CT: &str = "cloudtrail.amazonaws.com";

/// Keeps the raw body of the last response so field names can be compared on the wire.
#[derive(Debug, Clone, Default)]
struct BodyCapture(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for BodyCapture {
    fn name(&self) -> &'static str {
        "BodyCapture"
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let bytes = ctx.response().body().bytes().map(<[u8]>::to_vec);
        *self.0.lock().expect("capture lock") = bytes;
        Ok(())
    }
}

impl BodyCapture {
    fn take_fields(&self) -> BTreeSet<String> {
        let body = self
            .0
            .lock()
            .expect("capture lock")
            .take()
            .unwrap_or_default();
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let mut out = BTreeSet::new();
        collect_fields(&v, "", &mut out);
        out
    }
}

fn collect_fields(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            // A JSON null is an absent member to every AWS SDK, so it is not a field.
            for (k, child) in m.iter().filter(|(_, c)| !c.is_null()) {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(path.clone());
                collect_fields(child, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_fields(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

type Obs = Result<BTreeSet<String>, String>;

struct Target {
    org: aws_sdk_organizations::Client,
    ct: aws_sdk_cloudtrail::Client,
    capture: BodyCapture,
}

async fn target(url: &str) -> Target {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDMANAGEMENT",
            "secret",
            None,
            None,
            "test",
        ))
        .load()
        .await;
    let capture = BodyCapture::default();
    let org = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(&sdk)
            .interceptor(capture.clone())
            .build(),
    );
    let ct = aws_sdk_cloudtrail::Client::from_conf(
        aws_sdk_cloudtrail::config::Builder::from(&sdk)
            .interceptor(capture.clone())
            .build(),
    );
    Target { org, ct, capture }
}

/// Sends a fluent builder and turns the outcome into an observation.
macro_rules! observe {
    ($t:expr, $call:expr) => {{
        $t.capture.0.lock().expect("capture lock").take();
        match $call.send().await {
            Ok(_) => Ok($t.capture.take_fields()),
            Err(e) => Err(e.code().unwrap_or("<no code>").to_string()),
        }
    }};
}

async fn sequence(t: &Target) -> Vec<(&'static str, Obs)> {
    let mut s: Vec<(&'static str, Obs)> = Vec::new();
    s.push((
        "ListAWSServiceAccess before",
        observe!(t, t.org.list_aws_service_access_for_organization()),
    ));
    s.push((
        "EnableAWSServiceAccess",
        observe!(t, t.org.enable_aws_service_access().service_principal(CT)),
    ));
    s.push((
        "EnableAWSServiceAccess again",
        observe!(t, t.org.enable_aws_service_access().service_principal(CT)),
    ));
    s.push((
        "ListAWSServiceAccess enabled",
        observe!(t, t.org.list_aws_service_access_for_organization()),
    ));

    let arn = match t
        .ct
        .create_trail()
        .name(TRAIL)
        .s3_bucket_name(BUCKET)
        .send()
        .await
    {
        Ok(out) => out.trail_arn().unwrap_or_default().to_string(),
        Err(e) => panic!("CreateTrail failed: {e:?}"),
    };
    s.push((
        "CreateTrail duplicate",
        observe!(t, t.ct.create_trail().name(TRAIL).s3_bucket_name(BUCKET)),
    ));
    s.push((
        "CreateTrail missing bucket",
        observe!(
            t,
            t.ct.create_trail()
                .name("other-trail")
                .s3_bucket_name("no-such-bucket-4711")
        ),
    ));
    s.push((
        "CreateTrail bad name",
        observe!(t, t.ct.create_trail().name("-bad-").s3_bucket_name(BUCKET)),
    ));
    s.push((
        "CreateTrail second",
        observe!(
            t,
            t.ct.create_trail()
                .name("second-trail")
                .s3_bucket_name(BUCKET)
                .is_multi_region_trail(true)
        ),
    ));
    s.push((
        "GetTrail by name",
        observe!(t, t.ct.get_trail().name(TRAIL)),
    ));
    s.push(("GetTrail by ARN", observe!(t, t.ct.get_trail().name(&arn))));
    s.push((
        "GetTrail unknown",
        observe!(t, t.ct.get_trail().name("unknown-trail")),
    ));
    s.push(("DescribeTrails all", observe!(t, t.ct.describe_trails())));
    s.push((
        "DescribeTrails by name",
        observe!(
            t,
            t.ct.describe_trails()
                .trail_name_list(TRAIL)
                .include_shadow_trails(false)
        ),
    ));
    s.push((
        "UpdateTrail",
        observe!(
            t,
            t.ct.update_trail()
                .name(TRAIL)
                .enable_log_file_validation(true)
                .s3_key_prefix("logs")
        ),
    ));
    s.push((
        "UpdateTrail unknown",
        observe!(
            t,
            t.ct.update_trail()
                .name("unknown-trail")
                .enable_log_file_validation(true)
        ),
    ));
    s.push((
        "GetTrailStatus new",
        observe!(t, t.ct.get_trail_status().name(TRAIL)),
    ));
    s.push((
        "StartLogging",
        observe!(t, t.ct.start_logging().name(TRAIL)),
    ));
    s.push((
        "GetTrailStatus logging",
        observe!(t, t.ct.get_trail_status().name(TRAIL)),
    ));
    s.push(("StopLogging", observe!(t, t.ct.stop_logging().name(TRAIL))));
    s.push((
        "GetTrailStatus stopped",
        observe!(t, t.ct.get_trail_status().name(TRAIL)),
    ));
    s.push((
        "StartLogging unknown",
        observe!(t, t.ct.start_logging().name("unknown-trail")),
    ));
    let tag = Tag::builder()
        .key("team")
        .value("security")
        .build()
        .expect("tag");
    s.push((
        "AddTags",
        observe!(t, t.ct.add_tags().resource_id(&arn).tags_list(tag.clone())),
    ));
    s.push((
        "ListTags tagged",
        observe!(t, t.ct.list_tags().resource_id_list(&arn)),
    ));
    s.push((
        "RemoveTags",
        observe!(t, t.ct.remove_tags().resource_id(&arn).tags_list(tag)),
    ));
    s.push((
        "ListTags untagged",
        observe!(t, t.ct.list_tags().resource_id_list(&arn)),
    ));
    s.push(("DeleteTrail", observe!(t, t.ct.delete_trail().name(TRAIL))));
    s.push((
        "GetTrail deleted",
        observe!(t, t.ct.get_trail().name(TRAIL)),
    ));
    s.push((
        "DeleteTrail unknown",
        observe!(t, t.ct.delete_trail().name(TRAIL)),
    ));
    s.push((
        "DisableAWSServiceAccess",
        observe!(t, t.org.disable_aws_service_access().service_principal(CT)),
    ));
    s.push((
        "ListAWSServiceAccess disabled",
        observe!(t, t.org.list_aws_service_access_for_organization()),
    ));
    s
}

fn differences(emu: &Obs, moto: &Obs) -> Vec<String> {
    match (emu, moto) {
        (Ok(e), Ok(m)) => e
            .difference(m)
            .map(|f| format!("only-emulator:{f}"))
            .chain(m.difference(e).map(|f| format!("only-moto:{f}")))
            .collect(),
        (Err(e), Err(m)) if e == m => Vec::new(),
        (Err(e), Err(m)) => vec![format!("code:{e}/{m}")],
        (Ok(_), Err(m)) => vec![format!("code:ok/{m}")],
        (Err(e), Ok(_)) => vec![format!("code:{e}/ok")],
    }
}

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Starts moto_server on a free loopback port. Missing moto is a failure, not a skip:
/// CI installs `moto[server]`.
fn start_moto() -> (Moto, String) {
    let bin = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
    let port = free_port();
    let child = Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("moto_server is required for the contract test but could not be started ({bin}: {e}); install it with `pip install 'moto[server]'` or set MOTO_SERVER")
        });
    let moto = Moto(child);
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not listen on {addr} within 30s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    (moto, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_sequence_matches_moto_except_listed_differences() {
    let (_moto, moto_addr) = start_moto();
    let moto_url = format!("http://{moto_addr}");
    let emu = common::Emulator::start();

    // moto needs an organization and the bucket to exist first (the emulator has both).
    let moto = target(&moto_url).await;
    moto.org
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("CreateOrganization on moto");
    let auth = "AWS4-HMAC-SHA256 Credential=AKIDMANAGEMENT/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00";
    let (status, _) = common::raw_request(
        &moto_addr,
        "PUT",
        &format!("/{BUCKET}"),
        &[("Authorization", auth)],
        "",
    );
    assert_eq!(status, 200, "creating the S3 bucket on moto");

    let emulator = target(&emu.url).await;
    let on_moto = sequence(&moto).await;
    let on_emulator = sequence(&emulator).await;

    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for ((step, e), (_, m)) in on_emulator.iter().zip(&on_moto) {
        for d in differences(e, m) {
            seen.insert((step.to_string(), d));
        }
    }
    let listed: BTreeSet<(String, String)> = DELIBERATE_DIFFERENCES
        .iter()
        .map(|(s, d, _)| (s.to_string(), d.to_string()))
        .collect();
    let unexpected: Vec<_> = seen.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&seen).collect();
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "unexpected differences (emulator vs moto): {unexpected:#?}\nlisted differences that no longer occur: {stale:#?}"
    );
    // The comparison is not vacuous: successful steps carried fields on both sides.
    let (_, get) = on_emulator
        .iter()
        .find(|(s, _)| *s == "GetTrail by name")
        .expect("step");
    assert!(get.as_ref().is_ok_and(|f| f.contains("Trail.TrailARN")));
}
