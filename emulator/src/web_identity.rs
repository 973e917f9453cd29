//! Web identity tokens for STS AssumeRoleWithWebIdentity: an OpenID Connect ID token (on EKS,
//! a projected Kubernetes ServiceAccount token) verified against the configured IAM OIDC
//! identity providers (`oidc_providers` in the config). The signature check is jsonwebtoken's;
//! the claim checks and their AWS error codes are here.

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::assumptions;
use crate::config::OidcProviderConfig;
use crate::error::ApiError;

/// What a verified token tells STS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The provider's configured issuer URL.
    pub issuer: String,
    /// The `sub` claim (`system:serviceaccount:<ns>:<name>` for Kubernetes).
    pub subject: String,
    /// The `aud` value that matched one of the provider's client ids.
    pub audience: String,
}

/// Issuers compare without a trailing slash.
pub fn normalize_issuer(issuer: &str) -> String {
    issuer.trim_end_matches('/').to_string()
}

/// A JWKS document (`{"keys": [...]}`), e.g. the API server's `/openid/v1/jwks`.
pub fn parse_jwks(v: Value) -> Result<JwkSet, String> {
    let set: JwkSet = serde_json::from_value(v).map_err(|e| format!("invalid JWKS: {e}"))?;
    if set.keys.is_empty() {
        return Err("the JWKS has no keys".into());
    }
    Ok(set)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidIdentityToken", message)
}

fn idp_unreachable() -> ApiError {
    ApiError::new(
        "IDPCommunicationError",
        "The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached.",
    )
}

/// The provider's keys: inline, or read from `jwks_file` now (so a harness may write or
/// rotate it after the emulator started).
fn provider_keys(p: &OidcProviderConfig) -> Result<JwkSet, ApiError> {
    let doc = match (&p.jwks, &p.jwks_file) {
        (Some(v), _) => v.clone(),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                tracing::warn!(path = %path.display(), error = %e, "cannot read the OIDC provider's JWKS");
                idp_unreachable()
            })?;
            serde_json::from_str(&text).map_err(|e| {
                tracing::warn!(path = %path.display(), error = %e, "the OIDC provider's JWKS is not JSON");
                idp_unreachable()
            })?
        }
        (None, None) => return Err(idp_unreachable()),
    };
    parse_jwks(doc).map_err(|e| {
        tracing::warn!(issuer = %p.issuer, error = %e, "unusable JWKS");
        idp_unreachable()
    })
}

fn number(claims: &Value, name: &str) -> Result<Option<f64>, ApiError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| invalid(format!("The {name} claim of the token is not a number"))),
    }
}

/// The checks after the signature, in this order: `exp` (required, no leeway), `nbf` and
/// `iat` (at most [`assumptions::WEB_IDENTITY_CLOCK_SKEW_SECS`] in the future), `aud` (a
/// string or an array, one of `client_ids`), `sub` (required). `now` is epoch seconds.
/// Returns (subject, matched audience).
pub fn check_claims(
    claims: &Value,
    client_ids: &[String],
    now: f64,
) -> Result<(String, String), ApiError> {
    let exp = number(claims, "exp")?
        .ok_or_else(|| invalid("The token is missing the required exp claim"))?;
    if exp <= now {
        // AWS's wording, epoch seconds, including the missing space before the expiry.
        return Err(ApiError::new(
            "ExpiredTokenException",
            format!(
                "Token expired: current date/time {} must be before the expiration date/time{}",
                now as i64, exp as i64
            ),
        ));
    }
    let skew = assumptions::WEB_IDENTITY_CLOCK_SKEW_SECS;
    for name in ["nbf", "iat"] {
        if let Some(t) = number(claims, name)?
            && t > now + skew
        {
            return Err(invalid(format!(
                "The token's {name} claim ({}) is in the future",
                t as i64
            )));
        }
    }
    let auds: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let audience = auds
        .into_iter()
        .find(|a| client_ids.iter().any(|c| c == a))
        .ok_or_else(|| invalid("Incorrect token audience"))?;
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("The token is missing the required sub claim"))?;
    Ok((subject.to_string(), audience.to_string()))
}

/// Only the signature: the claims are checked by [`check_claims`].
fn signature_only(alg: Algorithm) -> Validation {
    let mut v = Validation::new(alg);
    v.required_spec_claims.clear();
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v
}

fn key_fits(jwk: &Jwk, alg: Algorithm) -> bool {
    jwk.common
        .key_algorithm
        .is_none_or(|ka| ka == KeyAlgorithm::from(alg))
}

/// Verifies `token` against `providers` at time `now` (epoch seconds).
pub fn verify(
    token: &str,
    providers: &[OidcProviderConfig],
    now: f64,
) -> Result<Verified, ApiError> {
    let not_jwt = || {
        invalid(
            "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
        )
    };
    let header = jsonwebtoken::decode_header(token).map_err(|_| not_jwt())?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
        return Err(invalid(format!(
            "The token is signed with {:?}; only RS256 and ES256 are supported",
            header.alg
        )));
    }
    let unverified: Value =
        jsonwebtoken::dangerous::insecure_decode_claims(token).map_err(|_| not_jwt())?;
    let iss = unverified
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("The token is missing the required iss claim"))?;
    let provider = providers
        .iter()
        .find(|p| normalize_issuer(&p.issuer) == normalize_issuer(iss))
        .ok_or_else(|| {
            invalid(format!(
                "No OpenIDConnect provider found in your account for {iss}"
            ))
        })?;
    let keys = provider_keys(provider)?;
    let candidates: Vec<&Jwk> = match &header.kid {
        Some(kid) => keys.find(kid).into_iter().collect(),
        None => keys.keys.iter().collect(),
    };
    let candidates: Vec<&Jwk> = candidates
        .into_iter()
        .filter(|k| key_fits(k, header.alg))
        .collect();
    if candidates.is_empty() {
        return Err(invalid(
            "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements",
        ));
    }
    let validation = signature_only(header.alg);
    let claims = candidates
        .into_iter()
        .filter_map(|jwk| DecodingKey::from_jwk(jwk).ok())
        .find_map(|key| jsonwebtoken::decode::<Value>(token, &key, &validation).ok())
        .ok_or_else(|| invalid("The token's signature could not be verified"))?
        .claims;
    let (subject, audience) = check_claims(&claims, &provider.client_ids, now)?;
    Ok(Verified {
        issuer: provider.issuer.clone(),
        subject,
        audience,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: f64 = 1_700_000_000.0;

    fn ids() -> Vec<String> {
        vec!["sts.amazonaws.com".to_string()]
    }

    fn claims(extra: Value) -> Value {
        let mut c = json!({
            "iss": "https://127.0.0.1:6443",
            "sub": "system:serviceaccount:orgtrail-system:orgtrail",
            "aud": ["sts.amazonaws.com"],
            "exp": NOW + 3600.0,
            "iat": NOW - 10.0,
            "nbf": NOW - 10.0,
        });
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    }

    fn code(r: Result<(String, String), ApiError>) -> (String, String) {
        let e = r.expect_err("should fail");
        (e.code, e.message)
    }

    #[test]
    fn audience_as_string_or_array() {
        let ok = check_claims(&claims(json!({})), &ids(), NOW).unwrap();
        assert_eq!(
            ok,
            (
                "system:serviceaccount:orgtrail-system:orgtrail".to_string(),
                "sts.amazonaws.com".to_string()
            )
        );
        let s = check_claims(&claims(json!({"aud": "sts.amazonaws.com"})), &ids(), NOW);
        assert_eq!(s.unwrap().1, "sts.amazonaws.com");
        let many = json!({"aud": ["https://kubernetes.default.svc", "sts.amazonaws.com"]});
        assert_eq!(
            check_claims(&claims(many), &ids(), NOW).unwrap().1,
            "sts.amazonaws.com"
        );
        for bad in [
            json!({"aud": "https://kubernetes.default.svc"}),
            json!({"aud": ["a", "b"]}),
            json!({"aud": []}),
            json!({"aud": null}),
            json!({"aud": 7}),
        ] {
            let (c, m) = code(check_claims(&claims(bad), &ids(), NOW));
            assert_eq!(c, "InvalidIdentityToken");
            assert_eq!(m, "Incorrect token audience");
        }
    }

    #[test]
    fn expiry_and_clock_skew() {
        let (c, m) = code(check_claims(
            &claims(json!({"exp": NOW - 1.0})),
            &ids(),
            NOW,
        ));
        assert_eq!(c, "ExpiredTokenException");
        assert!(m.starts_with("Token expired: current date/time 1700000000 must be before"));
        // exp == now is already expired (no leeway on exp).
        let (c, _) = code(check_claims(&claims(json!({"exp": NOW})), &ids(), NOW));
        assert_eq!(c, "ExpiredTokenException");
        let (c, _) = code(check_claims(&claims(json!({"exp": null})), &ids(), NOW));
        assert_eq!(c, "InvalidIdentityToken");
        let (c, _) = code(check_claims(&claims(json!({"exp": "soon"})), &ids(), NOW));
        assert_eq!(c, "InvalidIdentityToken");
        let skew = assumptions::WEB_IDENTITY_CLOCK_SKEW_SECS;
        for name in ["nbf", "iat"] {
            let within = json!({ name: NOW + skew });
            assert!(check_claims(&claims(within), &ids(), NOW).is_ok(), "{name}");
            let beyond = json!({ name: NOW + skew + 1.0 });
            let (c, _) = code(check_claims(&claims(beyond), &ids(), NOW));
            assert_eq!(c, "InvalidIdentityToken", "{name}");
        }
        // An expired token with a wrong audience reports the expiry first.
        let both = json!({"exp": NOW - 1.0, "aud": "other"});
        assert_eq!(
            code(check_claims(&claims(both), &ids(), NOW)).0,
            "ExpiredTokenException"
        );
    }

    #[test]
    fn subject_is_required() {
        let (c, _) = code(check_claims(&claims(json!({"sub": null})), &ids(), NOW));
        assert_eq!(c, "InvalidIdentityToken");
    }

    fn provider(issuer: &str) -> OidcProviderConfig {
        OidcProviderConfig {
            issuer: issuer.into(),
            client_ids: ids(),
            // A well-formed RSA key nobody has the private half of (RFC 7517 A.1).
            jwks: Some(json!({"keys": [{
                "kty": "RSA", "kid": "2011-04-29", "alg": "RS256", "e": "AQAB",
                "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
            }]})),
            jwks_file: None,
        }
    }

    #[test]
    fn issuer_must_match_a_provider() {
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &claims(json!({})),
            &jsonwebtoken::EncodingKey::from_secret(b"k").unwrap(),
        )
        .unwrap();
        // HS256 is refused before anything else.
        let e = verify(&token, &[provider("https://127.0.0.1:6443")], NOW).unwrap_err();
        assert_eq!(e.code, "InvalidIdentityToken");
        assert!(e.message.contains("RS256"), "{}", e.message);

        // An RS256 header over claims of an unknown issuer: refused by issuer, before keys.
        let b64 = |v: Value| base64url(v.to_string().as_bytes());
        let fake = format!(
            "{}.{}.c2ln",
            b64(json!({"alg": "RS256", "kid": "2011-04-29"})),
            b64(claims(json!({"iss": "https://elsewhere.example"})))
        );
        let e = verify(&fake, &[provider("https://127.0.0.1:6443")], NOW).unwrap_err();
        assert_eq!(e.code, "InvalidIdentityToken");
        assert_eq!(
            e.message,
            "No OpenIDConnect provider found in your account for https://elsewhere.example"
        );
        // Same issuer (a trailing slash does not matter), but the signature is garbage.
        let forged = format!(
            "{}.{}.c2ln",
            b64(json!({"alg": "RS256", "kid": "2011-04-29"})),
            b64(claims(json!({})))
        );
        let e = verify(&forged, &[provider("https://127.0.0.1:6443/")], NOW).unwrap_err();
        assert_eq!(e.code, "InvalidIdentityToken");
        assert!(e.message.contains("signature"), "{}", e.message);
        // Unknown kid.
        let other_kid = format!(
            "{}.{}.c2ln",
            b64(json!({"alg": "RS256", "kid": "nope"})),
            b64(claims(json!({})))
        );
        let e = verify(&other_kid, &[provider("https://127.0.0.1:6443")], NOW).unwrap_err();
        assert!(e.message.starts_with("Couldn't retrieve verification key"));
        // Not a JWT at all.
        let e = verify("not-a-token", &[provider("https://127.0.0.1:6443")], NOW).unwrap_err();
        assert_eq!(e.code, "InvalidIdentityToken");
    }

    #[test]
    fn missing_jwks_file_is_an_idp_communication_error() {
        let mut p = provider("https://127.0.0.1:6443");
        p.jwks = None;
        p.jwks_file = Some("/nonexistent/jwks.json".into());
        let b64 = |v: Value| base64url(v.to_string().as_bytes());
        let t = format!(
            "{}.{}.c2ln",
            b64(json!({"alg": "RS256", "kid": "k"})),
            b64(claims(json!({})))
        );
        assert_eq!(
            verify(&t, &[p], NOW).unwrap_err().code,
            "IDPCommunicationError"
        );
    }

    #[test]
    fn jwks_and_provider_validation() {
        assert!(parse_jwks(json!({"keys": []})).is_err());
        assert!(parse_jwks(json!({"nokeys": 1})).is_err());
        provider("https://x").validate().unwrap();
        assert!(provider("http://x").validate().is_err());
    }

    /// Unpadded base64url, to build malformed tokens by hand.
    fn base64url(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}
