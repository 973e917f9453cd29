//! The lifecycle shared by the organization-scoped kinds (trails and event data stores):
//! find (with management credentials too), create or explain why not, restore, convert
//! back to organization scope when trusted access allows, correct drift, sync tags, keep
//! the resource active. Kind modules implement [`OrgScoped`] with only what differs.

pub mod act;
pub mod observe;
pub mod plan;

use std::collections::BTreeMap;
use std::fmt::Debug;

use async_trait::async_trait;

use super::events::Report;
use super::outcome::Outcome;
use crate::aws::access::Aws;
use crate::aws::{AwsResult, CloudTrail};
use crate::runtime::trust::TrustGate;

/// What differs between the organization-scoped kinds.
#[async_trait]
pub trait OrgScoped: Send + Sync + 'static {
    /// "trail", "event data store": how messages name the resource.
    const WHAT: &'static str;
    /// How messages call it while account-level ("an account-level trail").
    const ACCOUNT_LEVEL: &'static str;
    /// How messages call it at organization scope ("an organization trail").
    const ORGANIZATION_LEVEL: &'static str;
    /// The object's spec.
    type Spec: Send + Sync;
    /// The object's status.
    type Status: Clone + Default + Send + Sync;
    /// The resource as AWS describes it.
    type Resource: Clone + Debug + PartialEq + Send + Sync;
    /// What else is read of a resource we manage (a trail's selectors and logging state).
    type Details: Clone + Debug + PartialEq + Send + Sync;
    /// `Create*`/`Update*` input.
    type Settings: Clone + Debug + PartialEq + Send + Sync;
    /// Steps only this kind takes.
    type Step: Clone + Debug + PartialEq + Send + Sync;

    // Pure.
    /// The resource's ARN.
    fn arn(resource: &Self::Resource) -> &str;
    /// Whether it is organization-scoped now.
    fn organization(resource: &Self::Resource) -> bool;
    /// The step that restores it, if it is pending deletion.
    fn pending_deletion(resource: &Self::Resource) -> Option<Self::Step>;
    /// The fields the update must correct, by their AWS names (empty: no drift).
    fn drift(spec: &Self::Spec, resource: &Self::Resource) -> Vec<&'static str>;
    /// The details of a resource `Create*` has just made (AWS's defaults).
    fn new_details(resource: &Self::Resource) -> Self::Details;
    /// Kind steps that reconfigure it (before tags are synced).
    fn reconfigure(
        spec: &Self::Spec,
        resource: &Self::Resource,
        details: &Self::Details,
    ) -> Vec<Self::Step>;
    /// What a reconfiguring step restores, for the event of a change made outside the
    /// operator (`None`: the step has its own event, or restores nothing).
    fn restores(step: &Self::Step) -> Option<&'static str>;
    /// Kind steps that keep it active (last), with their events.
    fn activity(
        spec: &Self::Spec,
        status: &Self::Status,
        resource: &Self::Resource,
        details: &Self::Details,
    ) -> Vec<plan::Step<Self>>
    where
        Self: Sized;
    /// The settings an update sends: scope changes go through the conversion only.
    fn scoped(settings: &Self::Settings, organization: bool) -> Self::Settings;
    /// The tags of `settings` (spec tags plus the owner tag).
    fn tags(settings: &Self::Settings) -> &BTreeMap<String, String>;
    /// Record what is known of `resource` in `status`; `ready`: it matches the spec.
    fn record(status: &mut Self::Status, spec: &Self::Spec, resource: &Self::Resource, ready: bool);

    // Through the port.
    /// Find it: by `arn` if known, else by `name`.
    async fn find(
        ct: &dyn CloudTrail,
        region: &str,
        arn: Option<&str>,
        name: &str,
    ) -> AwsResult<Option<Self::Resource>>;
    /// Read its details: only what `spec` declares and `resource` does not already say.
    async fn details(
        ct: &dyn CloudTrail,
        region: &str,
        spec: &Self::Spec,
        resource: &Self::Resource,
    ) -> AwsResult<Self::Details>;
    /// `Create*`.
    async fn create(
        ct: &dyn CloudTrail,
        region: &str,
        settings: &Self::Settings,
    ) -> AwsResult<Self::Resource>;
    /// The scope conversion (management credentials).
    async fn convert(
        ct: &dyn CloudTrail,
        region: &str,
        resource: &Self::Resource,
        organization: bool,
    ) -> AwsResult<Self::Resource>;
    /// `Update*` correcting `fields` (AWS names, from [`OrgScoped::drift`]) to `settings`.
    async fn update(
        ct: &dyn CloudTrail,
        region: &str,
        resource: &Self::Resource,
        settings: &Self::Settings,
        fields: &[&'static str],
    ) -> AwsResult<Self::Resource>;
    /// Take a kind step.
    async fn step(
        ct: &dyn CloudTrail,
        region: &str,
        resource: &mut Self::Resource,
        step: &Self::Step,
    ) -> AwsResult<()>;
}

/// What the object declares, as the lifecycle needs it.
pub struct Declared<'a, K: OrgScoped> {
    /// The spec.
    pub spec: &'a K::Spec,
    /// Home region: where every call goes.
    pub region: &'a str,
    /// AWS name.
    pub name: &'a str,
    /// Where to look first: a trail's ARN, a store's recorded ARN.
    pub arn: Option<String>,
    /// Owner tag value.
    pub owner: String,
    /// `Create*`/`Update*` input.
    pub settings: K::Settings,
    /// Declared organization scope.
    pub organization: bool,
    /// Whether an existing resource of this name may be taken over.
    pub adopt_existing: bool,
    /// Whether the status says it existed before (a missing one was deleted by hand).
    pub existed: bool,
    /// Whether the object was Ready for its current generation: a difference found now
    /// was made in AWS, outside the operator, not by a spec change.
    pub was_ready: bool,
}

/// Observe, plan, act; once more after a restore, which makes the resource readable.
pub async fn reconcile<K: OrgScoped>(
    d: &Declared<'_, K>,
    status: &mut K::Status,
    aws: &Aws,
    trust: &TrustGate,
    report: &impl Report<K::Status>,
) -> AwsResult<Outcome> {
    let mut round = 1;
    loop {
        let observed = observe::observe(d, aws, trust).await?;
        let plan = plan::plan(d, status, &observed);
        let again = plan.again();
        let outcome = act::act(d, status, observed, plan, aws, report).await?;
        if !again || round == 2 {
            return Ok(outcome);
        }
        round += 1;
    }
}
