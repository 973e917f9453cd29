//! STS AssumeRoleWithWebIdentity (IRSA-style credentials) through the real SDKs: tokens are
//! signed here with the test-only keys of tests/web-identity/, the emulator trusts their
//! JWKS as an OIDC provider, aws-sdk-sts sends the call unsigned, and the credentials it
//! returns (an ASIA… key) then reach STS and CloudTrail. The aws-config credential chain is
//! driven from `AWS_ROLE_ARN` / `AWS_WEB_IDENTITY_TOKEN_FILE` in a child process.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_sts::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_sts::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_sts::error::{BoxError, ProvideErrorMetadata};
use common::settings::{HOME, sdk_config};
use common::{Emulator, raw_request};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const ISSUER: &str = "https://127.0.0.1:6443";
const ROLE: &str = "arn:aws:iam::111111111111:role/orgtrail-operator";
const SUBJECT: &str = "system:serviceaccount:orgtrail-system:orgtrail-orgtrail-operator";
/// Set in the child process that runs [`child_default_chain`].
const CHILD_MARKER: &str = "ORGTRAIL_WEB_IDENTITY_CHILD";

fn key_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/web-identity")
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    // Under target/tmp (cargo's scratch space for integration tests), not /tmp.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "orgtrail-web-identity-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Kubernetes-shaped claims (a projected ServiceAccount token for `sts.amazonaws.com`).
fn claims(extra: Value) -> Value {
    let t = now();
    let mut c = json!({
        "iss": ISSUER,
        "sub": SUBJECT,
        "aud": ["sts.amazonaws.com"],
        "exp": t + 3600,
        "iat": t,
        "nbf": t,
        "kubernetes.io": {"namespace": "orgtrail-system", "serviceaccount": {"name": "orgtrail-orgtrail-operator"}},
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

/// Signs `claims` with a key of tests/web-identity/ (`signer-rsa`, `signer-ec`, `stranger-rsa`).
fn sign(key: &str, kid: &str, claims: &Value) -> String {
    let pem = std::fs::read(key_dir().join(format!("{key}.pem"))).unwrap();
    let (alg, enc) = if key.ends_with("-ec") {
        (Algorithm::ES256, EncodingKey::from_ec_pem(&pem).unwrap())
    } else {
        (Algorithm::RS256, EncodingKey::from_rsa_pem(&pem).unwrap())
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, &enc).unwrap()
}

fn token(extra: Value) -> String {
    sign("signer-rsa", "test-rsa", &claims(extra))
}

/// The emulator trusting tests/web-identity/jwks.json for ISSUER (config file).
fn emulator() -> Emulator {
    let config = json!({"oidc_providers": [{
        "issuer": ISSUER,
        "client_ids": ["sts.amazonaws.com"],
        "jwks_file": key_dir().join("jwks.json"),
    }]});
    let path = scratch("emulator.json");
    std::fs::write(&path, config.to_string()).unwrap();
    Emulator::start_with(&["--config", path.to_str().unwrap()])
}

/// Records, per request the STS client sends, whether it carried an Authorization header.
#[derive(Debug, Clone, Default)]
struct SeenAuthorization(Arc<Mutex<Vec<bool>>>);

impl Intercept for SeenAuthorization {
    fn name(&self) -> &'static str {
        "SeenAuthorization"
    }

    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let signed = ctx.request().headers().contains_key("authorization");
        self.0.lock().unwrap().push(signed);
        Ok(())
    }
}

/// An SDK config with no credentials at all.
async fn anonymous(emu: &Emulator) -> SdkConfig {
    sdk_config(emu, HOME, None).await
}

fn sts_client(conf: &SdkConfig, seen: &SeenAuthorization) -> aws_sdk_sts::Client {
    let c = aws_sdk_sts::config::Builder::from(conf)
        .interceptor(seen.clone())
        .build();
    aws_sdk_sts::Client::from_conf(c)
}

async fn with_key(emu: &Emulator, c: &aws_sdk_sts::types::Credentials) -> SdkConfig {
    let credentials = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "web-identity",
    );
    sdk_config(emu, HOME, Some(credentials)).await
}

/// The error code AssumeRoleWithWebIdentity fails with for `token` on `role`.
async fn refusal(sts: &aws_sdk_sts::Client, role: &str, token: String) -> (String, String) {
    let e = sts
        .assume_role_with_web_identity()
        .role_arn(role)
        .role_session_name("orgtrail")
        .web_identity_token(token)
        .send()
        .await
        .expect_err("must be refused");
    (
        e.code().unwrap_or("<none>").to_string(),
        e.message().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn unsigned_assume_role_with_web_identity_gives_working_credentials() {
    let emu = emulator();
    let seen = SeenAuthorization::default();
    let sts = sts_client(&anonymous(&emu).await, &seen);
    let out = sts
        .assume_role_with_web_identity()
        .role_arn(ROLE)
        .role_session_name("pod-1")
        .web_identity_token(token(json!({})))
        .duration_seconds(900)
        .send()
        .await
        .expect("AssumeRoleWithWebIdentity");
    assert_eq!(
        *seen.0.lock().unwrap(),
        [false],
        "the SDK sends it unsigned"
    );
    let creds = out.credentials().expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert!(!creds.secret_access_key().is_empty() && !creds.session_token().is_empty());
    let left = creds.expiration().secs() - now();
    assert!((800..=900).contains(&left), "expires in {left}s");
    assert_eq!(out.subject_from_web_identity_token(), Some(SUBJECT));
    assert_eq!(out.audience(), Some("sts.amazonaws.com"));
    assert_eq!(out.provider(), Some("https://127.0.0.1:6443"));
    let user = out.assumed_role_user().expect("assumed role user");
    assert_eq!(
        user.arn(),
        "arn:aws:sts::111111111111:assumed-role/orgtrail-operator/pod-1"
    );
    assert!(user.assumed_role_id().ends_with(":pod-1"));

    // The call log has the exchange itself, with no access key but the role's account.
    let log = emu.calls();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["operation"], "AssumeRoleWithWebIdentity");
    assert_eq!(log[0]["service"], "sts");
    assert_eq!(log[0]["outcome"], "ok");
    assert!(log[0]["access_key"].is_null());
    assert_eq!(log[0]["account"], "111111111111");

    // The credentials act as the assumed role, for STS and CloudTrail.
    let conf = with_key(&emu, creds).await;
    let me = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::111111111111:assumed-role/orgtrail-operator/pod-1")
    );
    assert_eq!(me.account(), Some("111111111111"));
    let ct = aws_sdk_cloudtrail::Client::new(&conf);
    let trails = ct.describe_trails().send().await.expect("DescribeTrails");
    assert!(trails.trail_list().is_empty());
    let log = emu.calls();
    let trail_calls: Vec<&Value> = log
        .iter()
        .filter(|c| c["service"] == "cloudtrail")
        .collect();
    assert_eq!(trail_calls.len(), 1);
    assert_eq!(trail_calls[0]["access_key"], creds.access_key_id());
    assert_eq!(trail_calls[0]["account"], "111111111111");

    // The session is in the state with whom it was issued to.
    let state = emu.state();
    let session = &state["sessions"][creds.access_key_id()];
    assert_eq!(session["web_identity"]["subject"], SUBJECT);
    assert_eq!(session["web_identity"]["provider"], ISSUER);

    // ES256 tokens (the JWKS's EC key) work too.
    let es = sign("signer-ec", "test-ec", &claims(json!({})));
    let out = sts
        .assume_role_with_web_identity()
        .role_arn("arn:aws:iam::222222222222:role/reader")
        .role_session_name("pod-2")
        .web_identity_token(es)
        .send()
        .await
        .expect("ES256 token");
    assert_eq!(
        out.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::222222222222:assumed-role/reader/pod-2"
    );
}

#[tokio::test]
async fn bad_tokens_are_refused_with_aws_error_codes() {
    let emu = emulator();
    let seen = SeenAuthorization::default();
    let sts = sts_client(&anonymous(&emu).await, &seen);

    let (code, msg) = refusal(
        &sts,
        ROLE,
        token(json!({"aud": "https://kubernetes.default.svc"})),
    )
    .await;
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidIdentityToken", "Incorrect token audience")
    );
    let (code, _) = refusal(&sts, ROLE, token(json!({"aud": ["a", "b"]}))).await;
    assert_eq!(code, "InvalidIdentityToken");

    let t = now();
    let (code, msg) = refusal(
        &sts,
        ROLE,
        token(json!({"exp": t - 10, "iat": t - 4000, "nbf": t - 4000})),
    )
    .await;
    assert_eq!(code, "ExpiredTokenException");
    assert!(
        msg.starts_with("Token expired: current date/time "),
        "{msg}"
    );

    // Signed by a key the provider never published, under a kid it does publish.
    let forged = sign("stranger-rsa", "test-rsa", &claims(json!({})));
    let (code, msg) = refusal(&sts, ROLE, forged).await;
    assert_eq!(code, "InvalidIdentityToken");
    assert!(msg.contains("signature"), "{msg}");
    // ... or under its own kid.
    let stranger = sign("stranger-rsa", "stranger", &claims(json!({})));
    assert_eq!(
        refusal(&sts, ROLE, stranger).await.0,
        "InvalidIdentityToken"
    );

    let (code, msg) = refusal(
        &sts,
        ROLE,
        token(json!({"iss": "https://elsewhere.example"})),
    )
    .await;
    assert_eq!(code, "InvalidIdentityToken");
    assert!(msg.contains("No OpenIDConnect provider found"), "{msg}");

    let (code, _) = refusal(&sts, ROLE, token(json!({"nbf": now() + 3600}))).await;
    assert_eq!(code, "InvalidIdentityToken");

    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(json!({})),
        &EncodingKey::from_secret(b"shared").unwrap(),
    )
    .unwrap();
    assert_eq!(refusal(&sts, ROLE, hs).await.0, "InvalidIdentityToken");
    assert_eq!(
        refusal(&sts, ROLE, "not.a.jwt".into()).await.0,
        "InvalidIdentityToken"
    );

    // A valid token for a role outside the organization.
    let (code, _) = refusal(&sts, "arn:aws:iam::999999999999:role/x", token(json!({}))).await;
    assert_eq!(code, "AccessDenied");

    assert!(seen.0.lock().unwrap().iter().all(|signed| !signed));
    let log = emu.calls();
    assert!(
        log.iter()
            .all(|c| c["operation"] == "AssumeRoleWithWebIdentity"
                && c["access_key"].is_null()
                && c["outcome"] != "ok")
    );
    assert!(emu.state()["sessions"].as_object().unwrap().is_empty());
}

#[test]
fn only_assume_role_with_web_identity_goes_unsigned() {
    let emu = emulator();
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let body = |action: &str, token: &str| {
        format!(
            "Action={action}&Version=2011-06-15&RoleArn={}&RoleSessionName=raw&WebIdentityToken={token}",
            ROLE.replace(':', "%3A").replace('/', "%2F")
        )
    };
    let (status, text) = raw_request(
        &emu.addr,
        "POST",
        "/",
        &form,
        &body("GetCallerIdentity", ""),
    );
    assert_eq!(status, 403, "{text}");
    assert!(
        text.contains("<Code>MissingAuthenticationToken</Code>"),
        "{text}"
    );
    let (status, text) = raw_request(&emu.addr, "POST", "/", &form, &body("AssumeRole", ""));
    assert_eq!(status, 403, "{text}");

    let (status, text) = raw_request(
        &emu.addr,
        "POST",
        "/",
        &form,
        &body("AssumeRoleWithWebIdentity", &token(json!({}))),
    );
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>"),
        "{text}"
    );
    assert!(text.contains("<AccessKeyId>ASIA"), "{text}");
    assert!(
        text.contains(
            "<Provider>https://127.0.0.1:6443</Provider><Audience>sts.amazonaws.com</Audience>"
        ),
        "{text}"
    );

    // A signature by an unknown key is ignored, not refused.
    let signed = [
        form[0],
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDNOBODY/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00",
        ),
    ];
    let (status, text) = raw_request(
        &emu.addr,
        "POST",
        "/",
        &signed,
        &body("AssumeRoleWithWebIdentity", &token(json!({}))),
    );
    assert_eq!(status, 200, "{text}");

    let (status, text) = raw_request(
        &emu.addr,
        "POST",
        "/",
        &form,
        &body("AssumeRoleWithWebIdentity", ""),
    );
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("<Code>ValidationError</Code>"), "{text}");
}

#[test]
fn aws_config_credential_chains_exchange_the_token_file() {
    if std::env::var_os(CHILD_MARKER).is_some() {
        return;
    }
    // The JWKS is written after the emulator started (read at every call), and the provider
    // comes from the flag.
    let jwks = scratch("jwks.json");
    let emu = Emulator::start_with(&[
        "--oidc-provider",
        &format!("issuer={ISSUER},jwks-file={}", jwks.display()),
    ]);
    std::fs::copy(key_dir().join("jwks.json"), &jwks).unwrap();
    let token_file = scratch("token");
    std::fs::write(&token_file, token(json!({}))).unwrap();
    // The environment an EKS pod has; nothing else may provide credentials.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_default_chain",
            "--include-ignored",
            "--nocapture",
        ])
        .env(CHILD_MARKER, "1")
        .env("AWS_ROLE_ARN", ROLE)
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token_file)
        .env("AWS_ROLE_SESSION_NAME", "chain")
        .env("AWS_ENDPOINT_URL", &emu.url)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "the child test did not run:\n{text}"
    );

    // Both chains exchanged the token, unsigned, then reached CloudTrail with ASIA keys.
    let log = emu.calls();
    let exchanges: Vec<&Value> = log
        .iter()
        .filter(|c| c["operation"] == "AssumeRoleWithWebIdentity")
        .collect();
    assert_eq!(exchanges.len(), 2, "{log:?}");
    assert!(
        exchanges
            .iter()
            .all(|c| c["access_key"].is_null() && c["outcome"] == "ok")
    );
    let trail_calls: Vec<&Value> = log
        .iter()
        .filter(|c| c["service"] == "cloudtrail")
        .collect();
    assert_eq!(trail_calls.len(), 2, "{log:?}");
    for c in &trail_calls {
        let key = c["access_key"].as_str().unwrap();
        assert!(key.starts_with("ASIA"), "{c}");
        assert_eq!(c["outcome"], "ok");
        assert_eq!(
            emu.state()["sessions"][key]["web_identity"]["subject"],
            SUBJECT
        );
    }
    assert!(log.iter().all(
        |c| c["access_key"].is_null() || c["access_key"].as_str().unwrap().starts_with("ASIA")
    ));
}

/// Runs only as the child of [`aws_config_credential_chains_exchange_the_token_file`], in the
/// environment it sets: the default chain, then the explicit web identity provider.
#[tokio::test]
#[ignore = "run by aws_config_credential_chains_exchange_the_token_file"]
async fn child_default_chain() {
    if std::env::var_os(CHILD_MARKER).is_none() {
        return;
    }
    // What the operator does: the default chain finds AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE.
    let conf = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let ct = aws_sdk_cloudtrail::Client::new(&conf);
    ct.describe_trails()
        .send()
        .await
        .expect("DescribeTrails with default-chain credentials");
    let me = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::111111111111:assumed-role/orgtrail-operator/chain")
    );

    // The provider itself, statically configured (the STS endpoint still from AWS_ENDPOINT_URL).
    use aws_config::provider_config::ProviderConfig;
    use aws_config::web_identity_token::{
        StaticConfiguration, WebIdentityTokenCredentialsProvider,
    };
    let provider = WebIdentityTokenCredentialsProvider::builder()
        .static_configuration(StaticConfiguration {
            web_identity_token_file: std::env::var("AWS_WEB_IDENTITY_TOKEN_FILE").unwrap().into(),
            role_arn: ROLE.to_string(),
            session_name: "static".to_string(),
        })
        .configure(&ProviderConfig::without_region().with_region(Some(Region::new("us-east-1"))))
        .build();
    let conf = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(provider)
        .load()
        .await;
    let ct = aws_sdk_cloudtrail::Client::new(&conf);
    ct.list_trails()
        .send()
        .await
        .expect("ListTrails with the static web identity provider");
}
