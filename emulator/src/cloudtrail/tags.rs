//! AddTags / RemoveTags / ListTags on trails and event data stores (addressed by ARN).

use serde_json::{Value, json};

use super::{event_data_stores, merge_tags, parse_tags, tags_json, trails};
use crate::assumptions;
use crate::error::{ApiError, ApiResult};
use crate::req::Req;
use crate::rules;
use crate::state::{Caller, State, Tag};

enum Resource {
    Trail(usize),
    Store(usize),
}

fn resolve(st: &State, c: &Caller, id: &str) -> ApiResult<Resource> {
    let Some(arn) = rules::parse_cloudtrail_arn(id) else {
        return Err(ApiError::new(
            "CloudTrailARNInvalidException",
            format!("{id} is not a valid ARN."),
        ));
    };
    match arn.resource_type.as_str() {
        "trail" => match trails::find(st, c, id) {
            Ok(i) => Ok(Resource::Trail(i)),
            Err(e) if e.code == "TrailNotFoundException" => Err(ApiError::new(
                "ResourceNotFoundException",
                format!("Resource {id} not found."),
            )),
            Err(e) => Err(e),
        },
        "eventdatastore" => event_data_stores::find_active(st, c, id).map(Resource::Store),
        other => Err(ApiError::new(
            "ResourceTypeNotSupportedException",
            format!("Resource type {other} is not supported."),
        )),
    }
}

fn tags_mut<'a>(st: &'a mut State, c: &Caller, res: &Resource) -> ApiResult<&'a mut Vec<Tag>> {
    match *res {
        Resource::Trail(i) => {
            trails::check_write(
                st,
                c,
                &st.trails[i],
                assumptions::TAGS_OUTSIDE_HOME_REGION_ERROR,
            )?;
            Ok(&mut st.trails[i].tags)
        }
        Resource::Store(i) => Ok(&mut st.event_data_stores[i].tags),
    }
}

pub fn add(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let id = r.str_req("ResourceId")?;
    let new = parse_tags(&r.list_req("TagsList")?)?;
    let res = resolve(st, c, &id)?;
    merge_tags(tags_mut(st, c, &res)?, new)?;
    Ok(json!({}))
}

pub fn remove(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let id = r.str_req("ResourceId")?;
    let gone = parse_tags(&r.list_req("TagsList")?)?;
    let res = resolve(st, c, &id)?;
    tags_mut(st, c, &res)?.retain(|t| !gone.iter().any(|g| g.key == t.key));
    Ok(json!({}))
}

pub fn list(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let ids = r.str_list_opt("ResourceIdList")?.unwrap_or_default();
    if ids.is_empty() || ids.len() > 20 {
        return Err(ApiError::new(
            "InvalidParameterException",
            "ResourceIdList must have 1 to 20 ARNs.",
        ));
    }
    let mut out = Vec::new();
    for id in ids {
        let tags = match resolve(st, c, &id)? {
            Resource::Trail(i) => &st.trails[i].tags,
            Resource::Store(i) => &st.event_data_stores[i].tags,
        };
        out.push(json!({"ResourceId": id, "TagsList": tags_json(tags)}));
    }
    Ok(json!({"ResourceTagList": out}))
}
