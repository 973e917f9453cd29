//! Constraints the API model itself declares (botocore `cloudtrail/2013-11-01/service-2.json`:
//! `min`/`max`, `enum`, `pattern`). AWS's JSON front end rejects a violation with
//! `ValidationException` before the operation runs (the AWS "Common Errors" page), so these
//! never use an operation's own error codes.

use crate::error::{ApiError, ApiResult};

/// `enum` of a string shape.
pub fn one_of(member: &str, value: &str, allowed: &[&str]) -> ApiResult<()> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(ApiError::validation(
        member,
        &format!(
            "Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ),
    ))
}

/// `min`/`max` of a list shape.
pub fn list_len(member: &str, len: usize, min: usize, max: usize) -> ApiResult<()> {
    length(member, len, min, max)
}

/// `min`/`max` of a string shape (characters).
pub fn str_len(member: &str, value: &str, min: usize, max: usize) -> ApiResult<()> {
    length(member, value.chars().count(), min, max)
}

fn length(member: &str, len: usize, min: usize, max: usize) -> ApiResult<()> {
    if len < min {
        return Err(ApiError::validation(
            member,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if len > max {
        return Err(ApiError::validation(
            member,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// A `pattern` of the form `^[a-zA-Z0-9<extra>]+$`.
pub fn charset(member: &str, value: &str, extra: &str) -> ApiResult<()> {
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    {
        return Ok(());
    }
    Err(ApiError::validation(
        member,
        &format!("Member must satisfy regular expression pattern: ^[a-zA-Z0-9{extra}]+$"),
    ))
}

/// ARN-shaped strings (`EventDataStoreArn`, `ResourceArn`): 3..=256 of `[a-zA-Z0-9._/\-:]`.
pub fn arn_like(member: &str, value: &str) -> ApiResult<()> {
    str_len(member, value, 3, 256)?;
    charset(member, value, "._/-:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_are_validation_exceptions() {
        assert!(one_of("m", "Large", &["Standard", "Large"]).is_ok());
        let e = one_of("m", "Huge", &["Standard", "Large"]).unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert!(e.message.contains("[Standard, Large]"));
        assert!(list_len("l", 2, 0, 2).is_ok());
        assert!(
            list_len("l", 3, 0, 2)
                .unwrap_err()
                .message
                .contains("less than or equal to 2")
        );
        assert!(str_len("s", "", 1, 128).is_err());
        assert!(arn_like("a", "arn:aws:cloudtrail:us-east-1:1:eventdatastore/x").is_ok());
        assert!(arn_like("a", "has space").is_err());
        assert!(arn_like("a", "ab").is_err());
    }
}
