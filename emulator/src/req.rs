//! Typed access to an awsJson request body. Wrong JSON types become SerializationException
//! (never a panic); missing required members become the service's validation error.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

pub struct Req {
    body: Map<String, Value>,
    /// Organizations reports missing input as InvalidInputException(INPUT_REQUIRED);
    /// CloudTrail as ValidationException.
    organizations: bool,
}

impl Req {
    pub fn parse(bytes: &[u8], organizations: bool) -> ApiResult<Req> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| ApiError::serialization("Request body is not valid UTF-8"))?;
        if text.trim().is_empty() {
            return Ok(Req {
                body: Map::new(),
                organizations,
            });
        }
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(body)) => Ok(Req {
                body,
                organizations,
            }),
            Ok(_) => Err(ApiError::serialization(
                "Start of structure or map found where not expected",
            )),
            Err(e) => Err(ApiError::serialization(format!("Malformed JSON: {e}"))),
        }
    }

    fn missing(&self, member: &str) -> ApiError {
        if self.organizations {
            ApiError::new(
                "InvalidInputException",
                format!("You provided a value that does not match the required pattern: {member} is required."),
            )
            .with_reason("INPUT_REQUIRED")
        } else {
            ApiError::validation(member, "Member must not be null")
        }
    }

    fn wrong_type(member: &str, expected: &str) -> ApiError {
        ApiError::serialization(format!("Expected {expected} for member '{member}'"))
    }

    fn get(&self, member: &str) -> Option<&Value> {
        self.body.get(member).filter(|v| !v.is_null())
    }

    pub fn has(&self, member: &str) -> bool {
        self.get(member).is_some()
    }

    pub fn str_opt(&self, member: &str) -> ApiResult<Option<String>> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Self::wrong_type(member, "string")),
        }
    }

    pub fn str_req(&self, member: &str) -> ApiResult<String> {
        self.str_opt(member)?.ok_or_else(|| self.missing(member))
    }

    pub fn bool_opt(&self, member: &str) -> ApiResult<Option<bool>> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Self::wrong_type(member, "boolean")),
        }
    }

    pub fn int_opt(&self, member: &str) -> ApiResult<Option<i64>> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| Self::wrong_type(member, "integer")),
            Some(_) => Err(Self::wrong_type(member, "integer")),
        }
    }

    /// A list member, returned as raw JSON values (callers convert elements).
    pub fn list_opt(&self, member: &str) -> ApiResult<Option<Vec<Value>>> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a.clone())),
            Some(_) => Err(Self::wrong_type(member, "list")),
        }
    }

    pub fn list_req(&self, member: &str) -> ApiResult<Vec<Value>> {
        self.list_opt(member)?.ok_or_else(|| self.missing(member))
    }

    /// A map/structure member as a JSON object.
    pub fn object_opt(&self, member: &str) -> ApiResult<Option<Map<String, Value>>> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m.clone())),
            Some(_) => Err(Self::wrong_type(member, "map")),
        }
    }

    pub fn str_list_opt(&self, member: &str) -> ApiResult<Option<Vec<String>>> {
        let Some(items) = self.list_opt(member)? else {
            return Ok(None);
        };
        items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(Self::wrong_type(member, "list of strings")),
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some)
    }
}

/// Reads a string member of a nested JSON object (list elements, selectors, tags).
pub fn member_str(v: &Value, member: &str, ctx: &str) -> ApiResult<Option<String>> {
    match v.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::serialization(format!(
            "Expected string for member '{ctx}.{member}'"
        ))),
    }
}

/// Reads a list member of a nested JSON object.
pub fn member_list(v: &Value, member: &str, ctx: &str) -> ApiResult<Option<Vec<Value>>> {
    match v.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.clone())),
        Some(_) => Err(ApiError::serialization(format!(
            "Expected list for member '{ctx}.{member}'"
        ))),
    }
}

/// Reads a list-of-strings member of a nested JSON object.
pub fn member_str_list(v: &Value, member: &str, ctx: &str) -> ApiResult<Option<Vec<String>>> {
    let Some(items) = member_list(v, member, ctx)? else {
        return Ok(None);
    };
    items
        .into_iter()
        .map(|x| match x {
            Value::String(s) => Ok(s),
            _ => Err(ApiError::serialization(format!(
                "Expected string in member '{ctx}.{member}'"
            ))),
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Some)
}

/// Opaque pagination: the token is the decimal offset with a fixed prefix, so a garbage
/// token is detected (and reported with the service's own error) instead of panicking.
pub fn decode_token(token: Option<&str>) -> Option<usize> {
    match token {
        None | Some("") => Some(0),
        Some(t) => t.strip_prefix("orgtrail-emu-")?.parse().ok(),
    }
}

pub fn encode_token(offset: usize) -> String {
    format!("orgtrail-emu-{offset}")
}

/// One page of `items` starting at the decoded token. When `empty_first_page` is set the
/// first call returns no items but a NextToken, as AWS sometimes does.
pub fn page<T: Clone>(
    items: &[T],
    token: Option<&str>,
    max: usize,
    empty_first_page: bool,
) -> Option<(Vec<T>, Option<String>)> {
    let start = decode_token(token)?;
    if start > items.len() {
        return None;
    }
    if empty_first_page && token.is_none() && !items.is_empty() {
        return Some((Vec::new(), Some(encode_token(0))));
    }
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| encode_token(end));
    Some((items[start..end].to_vec(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_are_serialization_errors() {
        let r = Req::parse(br#"{"Name": 5, "Flag": "yes"}"#, false).unwrap();
        assert_eq!(
            r.str_opt("Name").unwrap_err().code,
            "SerializationException"
        );
        assert_eq!(
            r.bool_opt("Flag").unwrap_err().code,
            "SerializationException"
        );
        assert_eq!(r.str_req("Other").unwrap_err().code, "ValidationException");
        let o = Req::parse(b"", true).unwrap();
        let e = o.str_req("AccountId").unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.reason.as_deref()),
            ("InvalidInputException", Some("INPUT_REQUIRED"))
        );
        assert_eq!(
            Req::parse(b"[1]", false).err().unwrap().code,
            "SerializationException"
        );
        assert_eq!(
            Req::parse(b"{", false).err().unwrap().code,
            "SerializationException"
        );
    }

    #[test]
    fn paging() {
        let items: Vec<u32> = (0..5).collect();
        let (p1, t1) = page(&items, None, 2, false).unwrap();
        assert_eq!(p1, vec![0, 1]);
        let (p2, t2) = page(&items, t1.as_deref(), 2, false).unwrap();
        assert_eq!(p2, vec![2, 3]);
        let (p3, t3) = page(&items, t2.as_deref(), 2, false).unwrap();
        assert_eq!((p3, t3), (vec![4], None));
        assert!(page(&items, Some("garbage"), 2, false).is_none());
        let (e, t) = page(&items, None, 2, true).unwrap();
        assert!(e.is_empty() && t.is_some());
        assert_eq!(page(&items, t.as_deref(), 10, true).unwrap().0.len(), 5);
    }
}
