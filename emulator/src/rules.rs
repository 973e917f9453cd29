//! Pure AWS rules: name validation, ARN building and parsing, SigV4 scope parsing.
//! No state here, so every rule has a unit test.

/// CloudTrail trail name rules (CreateTrail docs): 3-128 chars of `[A-Za-z0-9._-]`,
/// starts and ends with a letter or digit, no adjacent `.`, `_`, `-`, not IP-shaped.
pub fn valid_trail_name(name: &str) -> bool {
    let b = name.as_bytes();
    if b.len() < 3 || b.len() > 128 {
        return false;
    }
    let punct = |c: u8| c == b'.' || c == b'_' || c == b'-';
    if !b.iter().all(|c| c.is_ascii_alphanumeric() || punct(*c)) {
        return false;
    }
    if !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return false;
    }
    if b.windows(2).any(|w| punct(w[0]) && punct(w[1])) {
        return false;
    }
    !looks_like_ipv4(name)
}

fn looks_like_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit()))
}

/// Event data store names: 3-128 of `[a-zA-Z0-9._-]` (the model's pattern).
pub fn valid_event_data_store_name(name: &str) -> bool {
    (3..=128).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || c == b'-')
}

/// A 12-digit AWS account id.
pub fn valid_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|c| c.is_ascii_digit())
}

/// Region names like `us-east-1`, `eu-central-2`, `us-gov-west-1`.
pub fn valid_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

pub fn trail_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:cloudtrail:{region}:{account}:trail/{name}")
}

pub fn event_data_store_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:aws:cloudtrail:{region}:{account}:eventdatastore/{id}")
}

pub fn account_arn(org_id: &str, management: &str, account: &str) -> String {
    format!("arn:aws:organizations::{management}:account/{org_id}/{account}")
}

pub fn organization_arn(org_id: &str, management: &str) -> String {
    format!("arn:aws:organizations::{management}:organization/{org_id}")
}

/// The parts of a CloudTrail resource ARN.
#[derive(Debug, PartialEq, Eq)]
pub struct CloudTrailArn {
    pub region: String,
    pub account: String,
    pub resource_type: String,
    pub resource: String,
}

/// Parses `arn:aws:cloudtrail:<region>:<account>:<type>/<id>`; None when malformed.
pub fn parse_cloudtrail_arn(arn: &str) -> Option<CloudTrailArn> {
    let mut it = arn.splitn(6, ':');
    let (arn_lit, partition, service) = (it.next()?, it.next()?, it.next()?);
    let (region, account, rest) = (it.next()?, it.next()?, it.next()?);
    if arn_lit != "arn" || !partition.starts_with("aws") || service != "cloudtrail" {
        return None;
    }
    if !valid_region(region) || !valid_account_id(account) {
        return None;
    }
    let (resource_type, resource) = rest.split_once('/')?;
    if resource.is_empty() || resource_type.is_empty() {
        return None;
    }
    Some(CloudTrailArn {
        region: region.into(),
        account: account.into(),
        resource_type: resource_type.into(),
        resource: resource.into(),
    })
}

/// Parses an IAM role ARN `arn:aws:iam::<account>:role/<path/>name` into (account, name).
pub fn parse_role_arn(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, res) = rest.split_once(':')?;
    let path = res.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    if !valid_account_id(account) || name.is_empty() {
        return None;
    }
    Some((account.into(), name.into()))
}

/// The SigV4 credential scope: `Credential=<AKID>/<date>/<region>/<service>/aws4_request`.
#[derive(Debug, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key: String,
    pub region: String,
    pub service: String,
}

/// Reads the credential scope from an `Authorization: AWS4-HMAC-SHA256 Credential=...` header
/// or from a presigned `X-Amz-Credential` value (pass it with `Credential=` prepended).
pub fn parse_authorization(header: &str) -> Option<CredentialScope> {
    let idx = header.find("Credential=")?;
    let cred = header[idx + "Credential=".len()..]
        .split([',', ' '])
        .next()?;
    let parts: Vec<&str> = cred.split('/').collect();
    if parts.len() != 5 || parts[4] != "aws4_request" || parts[0].is_empty() {
        return None;
    }
    Some(CredentialScope {
        access_key: parts[0].into(),
        region: parts[2].into(),
        service: parts[3].into(),
    })
}

/// Matches an IAM-style action pattern (`cloudtrail:*`, `cloudtrail:Create*`, exact).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => action
            .to_ascii_lowercase()
            .starts_with(&prefix.to_ascii_lowercase()),
        None => pattern.eq_ignore_ascii_case(action),
    }
}

/// ISO-8601 UTC (`2024-01-02T03:04:05Z`) from epoch seconds, for STS XML.
pub fn iso8601(epoch_secs: f64) -> String {
    let secs = epoch_secs.max(0.0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trail_names() {
        for ok in ["abc", "My-Trail_1.x", "org-trail", &"a".repeat(128)] {
            assert!(valid_trail_name(ok), "{ok} should be valid");
        }
        for bad in [
            "ab",
            &"a".repeat(129),
            "-abc",
            "abc-",
            "a..b",
            "a-_b",
            "a b c",
            "10.0.0.1",
            "tr@il",
            "",
        ] {
            assert!(!valid_trail_name(bad), "{bad} should be invalid");
        }
        // Four dotted groups that are not all digits are not IP-shaped.
        assert!(valid_trail_name("10.0.0.a"));
    }

    #[test]
    fn event_data_store_names() {
        assert!(valid_event_data_store_name("org-store.v1_x"));
        assert!(valid_event_data_store_name("-starts-with-dash"));
        assert!(!valid_event_data_store_name("ab"));
        assert!(!valid_event_data_store_name("has space"));
    }

    #[test]
    fn arns_round_trip() {
        let arn = trail_arn("eu-west-1", "111111111111", "org-trail");
        assert_eq!(
            arn,
            "arn:aws:cloudtrail:eu-west-1:111111111111:trail/org-trail"
        );
        let p = parse_cloudtrail_arn(&arn).expect("parses");
        assert_eq!(p.region, "eu-west-1");
        assert_eq!(p.account, "111111111111");
        assert_eq!(p.resource_type, "trail");
        assert_eq!(p.resource, "org-trail");
        let eds = event_data_store_arn("us-east-1", "111111111111", "abc-123");
        assert_eq!(
            parse_cloudtrail_arn(&eds).unwrap().resource_type,
            "eventdatastore"
        );
        for bad in [
            "arn:aws:s3:::bucket",
            "arn:aws:cloudtrail:us-east-1:1111:trail/x",
            "arn:aws:cloudtrail:nowhere:111111111111:trail/x",
            "arn:aws:cloudtrail:us-east-1:111111111111:trail",
            "not-an-arn",
        ] {
            assert_eq!(parse_cloudtrail_arn(bad), None, "{bad}");
        }
        assert_eq!(
            account_arn("o-exampleorgid", "111111111111", "222222222222"),
            "arn:aws:organizations::111111111111:account/o-exampleorgid/222222222222"
        );
    }

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::222222222222:role/path/Admin"),
            Some(("222222222222".into(), "Admin".into()))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::222222222222:user/Admin"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::2222:role/Admin"), None);
    }

    #[test]
    fn regions_and_scopes() {
        assert!(valid_region("us-east-1"));
        assert!(valid_region("us-gov-west-1"));
        assert!(!valid_region("useast1"));
        assert!(!valid_region("US-EAST-1"));
        assert!(!valid_region("us-east-"));
        let h = "AWS4-HMAC-SHA256 Credential=AKIDMANAGEMENT/20240101/eu-west-1/cloudtrail/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(
            parse_authorization(h),
            Some(CredentialScope {
                access_key: "AKIDMANAGEMENT".into(),
                region: "eu-west-1".into(),
                service: "cloudtrail".into()
            })
        );
        assert_eq!(parse_authorization("Bearer xyz"), None);
        assert_eq!(
            parse_authorization("AWS4-HMAC-SHA256 Credential=A/B/C"),
            None
        );
    }

    #[test]
    fn action_patterns() {
        assert!(action_matches("cloudtrail:*", "cloudtrail:CreateTrail"));
        assert!(action_matches(
            "iam:CreateServiceLinkedRole",
            "iam:createservicelinkedrole"
        ));
        assert!(!action_matches("cloudtrail:Get*", "cloudtrail:CreateTrail"));
    }

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_709_251_199.0), "2024-02-29T23:59:59Z");
    }
}
