//! STS (awsQuery: form-encoded POST, XML responses): AssumeRole, AssumeRoleWithWebIdentity
//! and GetCallerIdentity.

use std::collections::BTreeMap;

use crate::error::{ApiError, ApiResult};
use crate::rules;
use crate::state::{Caller, Session, State, WebIdentitySession, now};
use crate::web_identity;

/// The one STS action that comes unsigned (server.rs skips caller resolution for it).
pub const WEB_IDENTITY_ACTION: &str = "AssumeRoleWithWebIdentity";

pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn validation(msg: &str) -> ApiError {
    ApiError::new("ValidationError", msg)
}

fn random_upper(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..n)
        .map(|_| CHARS[rand::random_range(0..CHARS.len())] as char)
        .collect()
}

/// Returns the `<Action>Result` inner XML.
pub fn handle(
    st: &mut State,
    c: &Caller,
    action: &str,
    params: &BTreeMap<String, String>,
) -> ApiResult<String> {
    match action {
        "GetCallerIdentity" => Ok(format!(
            "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
            xml_escape(&c.arn),
            xml_escape(&c.user_id),
            c.account
        )),
        "AssumeRole" => assume_role(st, c, params),
        _ => Err(ApiError::new(
            "InvalidAction",
            format!("Could not find operation {action} for version 2011-06-15"),
        )),
    }
}

/// The parameters AssumeRole and AssumeRoleWithWebIdentity share, validated.
struct RoleRequest {
    role_arn: String,
    session: String,
    duration: i64,
    account: String,
    role: String,
}

fn role_request(p: &BTreeMap<String, String>) -> ApiResult<RoleRequest> {
    let role_arn = p
        .get("RoleArn")
        .ok_or_else(|| validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"))?;
    let session = p
        .get("RoleSessionName")
        .ok_or_else(|| validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"))?;
    let session_ok = (2..=64).contains(&session.len())
        && session
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if !session_ok {
        return Err(validation(
            "RoleSessionName must be 2-64 characters of [\\w+=,.@-]",
        ));
    }
    let duration: i64 = match p.get("DurationSeconds") {
        None => 3600,
        Some(d) => d
            .parse()
            .ok()
            .filter(|d| (900..=43_200).contains(d))
            .ok_or_else(|| validation("DurationSeconds must be between 900 and 43200"))?,
    };
    let Some((account, role)) = rules::parse_role_arn(role_arn) else {
        return Err(validation(&format!("{role_arn} is invalid")));
    };
    Ok(RoleRequest {
        role_arn: role_arn.clone(),
        session: session.clone(),
        duration,
        account,
        role,
    })
}

/// Creates the session (an `ASIA…` key later SigV4 calls act with) and answers its
/// `<AssumedRoleUser>` and `<Credentials>`.
fn issue(st: &mut State, r: RoleRequest, web_identity: Option<WebIdentitySession>) -> String {
    let key = format!("ASIA{}", random_upper(16));
    let secret = random_upper(40);
    let token = format!("FwoGZXIvYXdzE{}", random_upper(64));
    let expiration = now() + r.duration as f64;
    let assumed_arn = format!(
        "arn:aws:sts::{}:assumed-role/{}/{}",
        r.account, r.role, r.session
    );
    let role_id = format!("AROA{}", random_upper(17));
    let session = r.session.clone();
    st.sessions.insert(
        key.clone(),
        Session {
            account: r.account,
            role_arn: r.role_arn,
            session_name: r.session,
            created: now(),
            expiration,
            web_identity,
        },
    );
    format!(
        "<AssumedRoleUser><AssumedRoleId>{role_id}:{s}</AssumedRoleId><Arn>{a}</Arn></AssumedRoleUser>\
         <Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>\
         <SessionToken>{token}</SessionToken><Expiration>{exp}</Expiration></Credentials>",
        s = xml_escape(&session),
        a = xml_escape(&assumed_arn),
        exp = rules::iso8601(expiration),
    )
}

fn assume_role(st: &mut State, c: &Caller, p: &BTreeMap<String, String>) -> ApiResult<String> {
    let r = role_request(p)?;
    if st.account(&r.account).is_none() {
        return Err(ApiError::new(
            "AccessDenied",
            format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                c.arn, r.role_arn
            ),
        )
        .with_status(403));
    }
    Ok(issue(st, r, None))
}

/// AssumeRoleWithWebIdentity: unsigned (no caller), authenticated by the token alone.
/// Returns the `<AssumeRoleWithWebIdentityResult>` inner XML and the role's account.
pub fn assume_role_with_web_identity(
    st: &mut State,
    p: &BTreeMap<String, String>,
) -> ApiResult<(String, String)> {
    let r = role_request(p)?;
    let token = p.get("WebIdentityToken").ok_or_else(|| {
        validation("1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null")
    })?;
    if !(4..=20_000).contains(&token.len()) {
        return Err(validation(
            "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000",
        ));
    }
    // Policy, PolicyArns and ProviderId are accepted and ignored (assumptions.rs).
    let v = web_identity::verify(token, &st.config.oidc_providers, now())?;
    if st.account(&r.account).is_none() {
        return Err(ApiError::new(
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        )
        .with_status(403));
    }
    // AWS: "For OpenID Connect ID tokens, this contains the value of the iss field."
    let provider = v.issuer.clone();
    let account = r.account.clone();
    let facts = WebIdentitySession {
        subject: v.subject.clone(),
        provider: provider.clone(),
        audience: v.audience.clone(),
    };
    let inner = issue(st, r, Some(facts));
    Ok((
        format!(
            "<SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken>{inner}\
             <Provider>{}</Provider><Audience>{}</Audience>",
            xml_escape(&v.subject),
            xml_escape(&provider),
            xml_escape(&v.audience),
        ),
        account,
    ))
}

pub fn success_xml(action: &str, inner: &str, request_id: &str) -> String {
    format!(
        "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{inner}</{action}Result>\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    )
}

pub fn error_xml(e: &ApiError, request_id: &str) -> String {
    let kind = if e.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{kind}</Type><Code>{}</Code>\
         <Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        xml_escape(&e.code),
        xml_escape(&e.message)
    )
}
