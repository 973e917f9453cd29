//! Observe: read what AWS has under the object's name into a plain struct. Reads only
//! what the plan can use: no details of someone else's resource, none while a conversion
//! back is blocked (the plan stops there), and trusted access only when the scope differs.

use std::collections::BTreeMap;

use super::plan::{self, Claim};
use super::{Declared, OrgScoped};
use crate::aws::AwsResult;
use crate::aws::access::{Aws, AwsClients};
use crate::runtime::trust::TrustGate;

/// Whose credentials found the resource (and so must manage it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Creds {
    /// The operator's own.
    Primary,
    /// The management account's role (`--management-role-arn`).
    Management,
}

impl Creds {
    /// The clients of these credentials.
    pub fn clients(self, aws: &Aws) -> &AwsClients {
        match self {
            Creds::Primary => &aws.primary,
            Creds::Management => aws.management(),
        }
    }
}

/// What AWS has.
#[derive(Debug)]
pub struct Observed<K: OrgScoped> {
    /// The credentials last looked with: they find, create and manage it.
    pub creds: Creds,
    /// The resource, if found.
    pub found: Option<Found<K>>,
}

/// A resource found under the object's name or ARN.
#[derive(Debug)]
pub struct Found<K: OrgScoped> {
    /// As AWS describes it.
    pub resource: K::Resource,
    /// Its tags; `None` while it is pending deletion (AWS refuses to list them).
    pub tags: Option<BTreeMap<String, String>>,
    /// Why it may not be converted back to organization scope now, when it must be.
    pub blocked: Option<&'static str>,
    /// Its details, when the plan can use them.
    pub details: Option<K::Details>,
}

/// Read AWS for `d`.
pub async fn observe<K: OrgScoped>(
    d: &Declared<'_, K>,
    aws: &Aws,
    trust: &TrustGate,
) -> AwsResult<Observed<K>> {
    // Once trusted access is disabled, an organization resource is an ordinary one of the
    // management account, invisible to a delegated administrator. Look with the
    // management credentials too (when we have them) before concluding it is gone.
    let mut creds = Creds::Primary;
    let mut resource = find(d, aws, creds).await?;
    if resource.is_none() && aws.management.is_some() {
        creds = Creds::Management;
        resource = find(d, aws, creds).await?;
    }
    let Some(resource) = resource else {
        return Ok(Observed { creds, found: None });
    };
    let mut found = Found {
        resource,
        tags: None,
        blocked: None,
        details: None,
    };
    if K::pending_deletion(&found.resource).is_none() {
        read(d, aws, trust, creds, &mut found).await?;
    }
    Ok(Observed {
        creds,
        found: Some(found),
    })
}

async fn find<K: OrgScoped>(
    d: &Declared<'_, K>,
    aws: &Aws,
    creds: Creds,
) -> AwsResult<Option<K::Resource>> {
    let ct = creds.clients(aws).cloudtrail.as_ref();
    K::find(ct, d.region, d.arn.as_deref(), d.name).await
}

/// Tags, then whatever else the plan will use.
async fn read<K: OrgScoped>(
    d: &Declared<'_, K>,
    aws: &Aws,
    trust: &TrustGate,
    creds: Creds,
    found: &mut Found<K>,
) -> AwsResult<()> {
    let ct = creds.clients(aws).cloudtrail.as_ref();
    let arn = K::arn(&found.resource);
    let tags = ct.list_tags(d.region, arn).await?;
    let claim = plan::claim(&tags, &d.owner, d.adopt_existing);
    found.tags = Some(tags);
    if matches!(claim, Claim::Foreign(_)) {
        return Ok(());
    }
    if plan::must_convert_back(d, &found.resource) {
        found.blocked = trust.conversion_blocked(aws).await?;
    }
    if found.blocked.is_none() {
        found.details = Some(K::details(ct, d.region, d.spec, &found.resource).await?);
    }
    Ok(())
}
