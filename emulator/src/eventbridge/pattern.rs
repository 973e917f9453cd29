//! EventBridge event patterns: parsing (with the validation PutRule applies) and matching,
//! per the "Creating event patterns" / "Content filtering" pages of the EventBridge guide.

use serde_json::{Map, Value};

/// A parsed pattern object: every field must match, plus one alternative of each `$or`.
#[derive(Debug, Clone)]
pub struct Pattern {
    fields: Vec<(String, Node)>,
    ors: Vec<Vec<Pattern>>,
}

#[derive(Debug, Clone)]
enum Node {
    Nested(Pattern),
    /// Leaf: the field matches when any matcher matches.
    Leaf(Vec<Matcher>),
}

#[derive(Debug, Clone)]
enum Matcher {
    Exact(Value),
    Prefix(String, bool),
    Suffix(String, bool),
    IgnoreCase(String),
    Wildcard(String),
    AnythingBut(Vec<Matcher>),
    Numeric(Vec<(String, f64)>),
    Exists(bool),
    Cidr(u32, u32),
}

pub fn parse(text: &str) -> Result<Pattern, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("Malformed JSON: {e}"))?;
    match v {
        Value::Object(m) => parse_object(&m),
        _ => Err("Pattern must be a JSON object".into()),
    }
}

fn parse_object(m: &Map<String, Value>) -> Result<Pattern, String> {
    let mut p = Pattern {
        fields: Vec::new(),
        ors: Vec::new(),
    };
    for (k, v) in m {
        if k == "$or" {
            let alts = v
                .as_array()
                .filter(|a| a.len() >= 2)
                .ok_or("$or must be an array of at least two patterns")?;
            let parsed = alts
                .iter()
                .map(|a| match a {
                    Value::Object(o) => parse_object(o),
                    _ => Err("$or alternatives must be objects".to_string()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            p.ors.push(parsed);
            continue;
        }
        let node = match v {
            Value::Object(o) => Node::Nested(parse_object(o)?),
            Value::Array(a) if a.is_empty() => {
                return Err(format!("Empty arrays are not allowed: {k}"));
            }
            Value::Array(a) => Node::Leaf(a.iter().map(parse_matcher).collect::<Result<_, _>>()?),
            _ => return Err(format!("Match value for {k} must be an array or an object")),
        };
        p.fields.push((k.clone(), node));
    }
    Ok(p)
}

fn single_key(o: &Map<String, Value>) -> Result<(&str, &Value), String> {
    let mut it = o.iter();
    match (it.next(), it.next()) {
        (Some((k, v)), None) => Ok((k.as_str(), v)),
        _ => Err("A content filter must have exactly one key".into()),
    }
}

fn parse_matcher(v: &Value) -> Result<Matcher, String> {
    let o = match v {
        Value::Object(o) => o,
        Value::Array(_) => return Err("Nested arrays are not allowed in patterns".into()),
        other => return Ok(Matcher::Exact(other.clone())),
    };
    let (k, arg) = single_key(o)?;
    match k {
        "prefix" | "suffix" => {
            let (s, ci) = string_or_ignore_case(arg, k)?;
            Ok(if k == "prefix" {
                Matcher::Prefix(s, ci)
            } else {
                Matcher::Suffix(s, ci)
            })
        }
        "equals-ignore-case" => Ok(Matcher::IgnoreCase(
            arg.as_str()
                .ok_or("equals-ignore-case needs a string")?
                .into(),
        )),
        "wildcard" => {
            let s = arg.as_str().ok_or("wildcard needs a string")?;
            if s.contains("**") {
                return Err("Consecutive wildcard characters are not allowed".into());
            }
            Ok(Matcher::Wildcard(s.into()))
        }
        "exists" => Ok(Matcher::Exists(
            arg.as_bool().ok_or("exists needs true or false")?,
        )),
        "numeric" => parse_numeric(arg),
        "cidr" => parse_cidr(arg.as_str().ok_or("cidr needs a string")?),
        "anything-but" => parse_anything_but(arg),
        other => Err(format!("Unrecognized match type {other}")),
    }
}

fn string_or_ignore_case(arg: &Value, what: &str) -> Result<(String, bool), String> {
    match arg {
        Value::String(s) => Ok((s.clone(), false)),
        Value::Object(o) => match single_key(o)? {
            ("equals-ignore-case", Value::String(s)) => Ok((s.clone(), true)),
            _ => Err(format!("{what} accepts a string or equals-ignore-case")),
        },
        _ => Err(format!("{what} needs a string")),
    }
}

fn parse_anything_but(arg: &Value) -> Result<Matcher, String> {
    let inner = match arg {
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {
            vec![Matcher::Exact(arg.clone())]
        }
        Value::Array(a) if !a.is_empty() => a
            .iter()
            .map(|v| match v {
                Value::String(_) | Value::Number(_) => Ok(Matcher::Exact(v.clone())),
                _ => Err("anything-but lists hold strings or numbers".to_string()),
            })
            .collect::<Result<_, _>>()?,
        Value::Object(o) => {
            let (k, v) = single_key(o)?;
            let m = match (k, v) {
                ("prefix", Value::String(s)) => Matcher::Prefix(s.clone(), false),
                ("suffix", Value::String(s)) => Matcher::Suffix(s.clone(), false),
                ("wildcard", Value::String(s)) => Matcher::Wildcard(s.clone()),
                ("equals-ignore-case", Value::String(s)) => Matcher::IgnoreCase(s.clone()),
                ("equals-ignore-case", Value::Array(a)) => {
                    return Ok(Matcher::AnythingBut(
                        a.iter()
                            .map(|s| {
                                s.as_str()
                                    .map(|s| Matcher::IgnoreCase(s.into()))
                                    .ok_or("equals-ignore-case lists hold strings".to_string())
                            })
                            .collect::<Result<_, _>>()?,
                    ));
                }
                _ => return Err(format!("Unsupported anything-but filter {k}")),
            };
            vec![m]
        }
        _ => return Err("anything-but needs a value, a list or a filter object".into()),
    };
    Ok(Matcher::AnythingBut(inner))
}

fn parse_numeric(arg: &Value) -> Result<Matcher, String> {
    let a = arg.as_array().ok_or("numeric needs an array")?;
    if a.is_empty() || a.len() % 2 != 0 || a.len() > 4 {
        return Err("numeric needs one or two (operator, number) pairs".into());
    }
    let mut conds = Vec::new();
    for pair in a.chunks(2) {
        let op = pair[0].as_str().ok_or("numeric operators are strings")?;
        if !matches!(op, "=" | "<" | "<=" | ">" | ">=") {
            return Err(format!("Unrecognized numeric operator {op}"));
        }
        let n = pair[1].as_f64().ok_or("numeric bounds are numbers")?;
        conds.push((op.to_string(), n));
    }
    if conds.len() == 2 {
        let lower = conds[0].0.starts_with('>') && conds[1].0.starts_with('<');
        if !lower || conds[0].1 >= conds[1].1 {
            return Err("A numeric range needs a lower bound then a greater upper bound".into());
        }
    }
    Ok(Matcher::Numeric(conds))
}

fn parse_ipv4(s: &str) -> Option<u32> {
    let parts: Vec<u8> = s
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    (parts.len() == 4).then(|| u32::from_be_bytes([parts[0], parts[1], parts[2], parts[3]]))
}

fn parse_cidr(s: &str) -> Result<Matcher, String> {
    let (ip, bits) = s.split_once('/').ok_or("cidr needs address/prefix")?;
    let ip = parse_ipv4(ip).ok_or("Only IPv4 CIDR blocks are supported")?;
    let bits: u32 = bits
        .parse()
        .ok()
        .filter(|b| *b <= 32)
        .ok_or("Invalid CIDR prefix length")?;
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    Ok(Matcher::Cidr(ip & mask, mask))
}

impl Pattern {
    pub fn matches(&self, event: &Value) -> bool {
        self.matches_obj(Some(event))
    }

    fn matches_obj(&self, event: Option<&Value>) -> bool {
        self.fields.iter().all(|(k, node)| {
            let values = field_values(event, k);
            match node {
                Node::Nested(p) => match values {
                    // A nested pattern only ever matches objects; arrays of objects match
                    // when any element does.
                    Some(vs) => vs.iter().any(|v| v.is_object() && p.matches_obj(Some(v))),
                    None => p.matches_obj(None),
                },
                Node::Leaf(ms) => ms.iter().any(|m| m.matches_field(values.as_deref())),
            }
        }) && self
            .ors
            .iter()
            .all(|alts| alts.iter().any(|p| p.matches_obj(event)))
    }
}

/// The value(s) at `key` of `event`: arrays are flattened (any element may match), `None`
/// when the field is absent.
fn field_values<'a>(event: Option<&'a Value>, key: &str) -> Option<Vec<&'a Value>> {
    let v = event?.get(key)?;
    Some(match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    })
}

impl Matcher {
    fn matches_field(&self, values: Option<&[&Value]>) -> bool {
        match (self, values) {
            (Matcher::Exists(want), v) => {
                // exists applies to leaf values only (an object is not a leaf).
                let present = v.is_some_and(|vs| vs.iter().any(|x| !x.is_object()));
                present == *want
            }
            (_, None) => false,
            (Matcher::AnythingBut(inner), Some(vs)) => vs
                .iter()
                .any(|v| !v.is_object() && !inner.iter().any(|m| m.matches_value(v))),
            (m, Some(vs)) => vs.iter().any(|v| m.matches_value(v)),
        }
    }

    fn matches_value(&self, v: &Value) -> bool {
        let s = v.as_str();
        match self {
            Matcher::Exact(Value::Number(n)) => v.as_f64().is_some_and(|x| n.as_f64() == Some(x)),
            Matcher::Exact(p) => p == v,
            Matcher::Prefix(p, false) => s.is_some_and(|s| s.starts_with(p.as_str())),
            Matcher::Prefix(p, true) => {
                s.is_some_and(|s| s.to_lowercase().starts_with(&p.to_lowercase()))
            }
            Matcher::Suffix(p, false) => s.is_some_and(|s| s.ends_with(p.as_str())),
            Matcher::Suffix(p, true) => {
                s.is_some_and(|s| s.to_lowercase().ends_with(&p.to_lowercase()))
            }
            Matcher::IgnoreCase(p) => s.is_some_and(|s| s.to_lowercase() == p.to_lowercase()),
            Matcher::Wildcard(p) => s.is_some_and(|s| wildcard(p, s)),
            Matcher::Numeric(conds) => v.as_f64().is_some_and(|x| {
                conds.iter().all(|(op, n)| match op.as_str() {
                    "=" => x == *n,
                    "<" => x < *n,
                    "<=" => x <= *n,
                    ">" => x > *n,
                    _ => x >= *n,
                })
            }),
            Matcher::Cidr(net, mask) => s.and_then(parse_ipv4).is_some_and(|ip| ip & mask == *net),
            Matcher::Exists(_) | Matcher::AnythingBut(_) => false,
        }
    }
}

/// `*` matches any run of characters (EventBridge wildcard filter).
fn wildcard(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests;
