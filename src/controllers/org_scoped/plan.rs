//! Plan (pure): from what is declared, the status and what AWS has, the steps to take and
//! the outcome to report.

use std::collections::BTreeMap;

use super::observe::{Found, Observed};
use super::{Declared, OrgScoped};
use crate::controllers::events::{Note, RECONVERTED};
use crate::controllers::outcome::Outcome;
use crate::controllers::tags::{self, Ownership};

/// What to do about one object.
#[derive(Debug, PartialEq)]
pub enum Plan<K: OrgScoped> {
    /// Leave AWS alone and report this (someone else's resource).
    Stop(Outcome),
    /// Publish these events, create the resource, then converge what `Create*` made.
    Create(Vec<Note>),
    /// Take these steps on the resource found.
    Converge {
        /// In order.
        steps: Vec<Step<K>>,
        /// `None`: it matches the spec once the steps are taken.
        outcome: Option<Outcome>,
        /// Observe and plan again afterwards (a restored resource can be read again).
        again: bool,
    },
}

impl<K: OrgScoped> Plan<K> {
    /// Whether to observe and plan again after acting.
    pub fn again(&self) -> bool {
        matches!(self, Plan::Converge { again: true, .. })
    }
}

/// One step on an existing resource.
#[derive(Clone, Debug, PartialEq)]
pub enum Step<K: OrgScoped> {
    /// Publish an event.
    Note(Note),
    /// Convert to organization scope (`true`) or account level, with management
    /// credentials: the only way scope changes.
    ConvertScope(bool),
    /// `Update*` to correct these fields.
    Update(Vec<&'static str>),
    /// `AddTags`.
    AddTags(BTreeMap<String, String>),
    /// `RemoveTags`.
    RemoveTags(Vec<String>),
    /// A step only this kind takes.
    Kind(K::Step),
}

/// Whether a resource found under our name may be managed by this object.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// Ours by the owner tag.
    Ours,
    /// Not ours, taken over on request (`adoptExisting`).
    Adopt,
    /// Someone else's (their owner tag, if any): a name clash the user must resolve.
    Foreign(Option<String>),
}

/// Judge a resource by its tags.
pub fn claim(observed_tags: &BTreeMap<String, String>, owner: &str, adopt: bool) -> Claim {
    match tags::ownership(observed_tags, owner) {
        Ownership::Ours => Claim::Ours,
        Ownership::Foreign(_) if adopt => Claim::Adopt,
        Ownership::Foreign(by) => Claim::Foreign(by),
    }
}

/// Whether AWS made it account-level (trusted access went away) while organization scope
/// is declared: AWS never converts it back by itself.
pub fn must_convert_back<K: OrgScoped>(d: &Declared<'_, K>, resource: &K::Resource) -> bool {
    d.organization && !K::organization(resource)
}

/// The plan for `observed`.
pub fn plan<K: OrgScoped>(
    d: &Declared<'_, K>,
    status: &K::Status,
    observed: &Observed<K>,
) -> Plan<K> {
    let Some(found) = &observed.found else {
        let mut notes = vec![];
        if d.existed {
            let id = d.arn.as_deref().unwrap_or(d.name);
            notes.push(Note::warning(
                "Recreated",
                format!(
                    "{} {id} was deleted outside the operator; recreating it",
                    K::WHAT
                ),
            ));
        }
        return Plan::Create(notes);
    };
    if let Some(restore) = K::pending_deletion(&found.resource) {
        return restore_plan(d, &found.resource, restore);
    }
    existing(d, status, found)
}

/// A resource deleted by hand waits out its grace period in pending deletion. Ours (the
/// ARN we recorded) is restored; someone else's is left alone.
fn restore_plan<K: OrgScoped>(
    d: &Declared<'_, K>,
    resource: &K::Resource,
    restore: K::Step,
) -> Plan<K> {
    let arn = K::arn(resource);
    if d.arn.as_deref() != Some(arn) {
        return Plan::Stop(Outcome::Stalled {
            reason: "NameClash",
            message: format!(
                "{} {arn} of that name is pending deletion and was not created by this object",
                K::WHAT
            ),
            spec_change_needed: false,
        });
    }
    let note = format!(
        "{} {arn} was deleted outside the operator; restored it",
        K::WHAT
    );
    Plan::Converge {
        steps: vec![
            Step::Kind(restore),
            Step::Note(Note::warning("Restored", note)),
        ],
        outcome: Some(Outcome::Waiting {
            reason: "Restoring",
            message: format!("{} {arn} is being restored", K::WHAT),
        }),
        again: true,
    }
}

fn existing<K: OrgScoped>(d: &Declared<'_, K>, status: &K::Status, found: &Found<K>) -> Plan<K> {
    let arn = K::arn(&found.resource);
    let observed_tags = found.tags.clone().unwrap_or_default();
    let mut steps = vec![];
    match claim(&observed_tags, &d.owner, d.adopt_existing) {
        Claim::Ours => {}
        Claim::Adopt => steps.push(Step::Note(Note::normal(
            "Adopted",
            format!("adopted existing {} {arn}", K::WHAT),
        ))),
        Claim::Foreign(by) => {
            return Plan::Stop(Outcome::Stalled {
                reason: "NameClash",
                message: format!(
                    "{} {arn} already exists and is not managed by this object (owner tag: {by:?}); set adoptExisting: true to take it over",
                    K::WHAT
                ),
                spec_change_needed: true,
            });
        }
    }
    if let Some(why) = found.blocked {
        return Plan::Converge {
            steps,
            outcome: Some(Outcome::Waiting {
                reason: "TrustedAccessDisabled",
                message: format!(
                    "{} {arn} is {} while {why}; it is converted back when trusted access is enabled",
                    K::WHAT,
                    K::ACCOUNT_LEVEL
                ),
            }),
            again: false,
        };
    }
    let Some(details) = &found.details else {
        // Observe reads the details whenever this point is reached.
        return Plan::Stop(Outcome::Waiting {
            reason: "Observing",
            message: format!("{} {arn} was not fully read; looking again", K::WHAT),
        });
    };
    let converging = converge(d, status, &found.resource, details, &observed_tags);
    if d.was_ready {
        steps.extend(drift_note::<K>(arn, &converging));
    }
    steps.extend(converging);
    Plan::Converge {
        steps,
        outcome: None,
        again: false,
    }
}

/// The steps that make a resource we manage match the spec: scope, drift, kind settings,
/// tags, activity. Also planned for a resource `Create*` has just made.
pub fn converge<K: OrgScoped>(
    d: &Declared<'_, K>,
    status: &K::Status,
    resource: &K::Resource,
    details: &K::Details,
    observed_tags: &BTreeMap<String, String>,
) -> Vec<Step<K>> {
    let mut steps = vec![];
    if d.organization != K::organization(resource) {
        steps.push(Step::ConvertScope(d.organization));
    }
    let drifted = K::drift(d.spec, resource);
    if !drifted.is_empty() {
        steps.push(Step::Update(drifted));
    }
    steps.extend(
        K::reconfigure(d.spec, resource, details)
            .into_iter()
            .map(Step::Kind),
    );
    let (add, remove) = tags::changes(K::tags(&d.settings), observed_tags);
    if !add.is_empty() {
        steps.push(Step::AddTags(add));
    }
    if !remove.is_empty() {
        steps.push(Step::RemoveTags(remove));
    }
    steps.extend(K::activity(d.spec, status, resource, details));
    steps
}

/// One Warning event for settings changed in AWS while the object was Ready (scope, tags
/// and activity have their own events).
fn drift_note<K: OrgScoped>(arn: &str, steps: &[Step<K>]) -> Option<Step<K>> {
    let mut what: Vec<&str> = vec![];
    for step in steps {
        match step {
            Step::Update(fields) => what.extend(fields.iter().copied()),
            Step::Kind(step) => what.extend(K::restores(step)),
            _ => {}
        }
    }
    what.dedup();
    (!what.is_empty()).then(|| {
        Step::Note(
            Note::warning(
                DRIFT_CORRECTED,
                format!(
                    "{} {arn}: {} changed outside the operator; restoring the declared value",
                    K::WHAT,
                    what.join(", ")
                ),
            )
            .acting(format!("Restore {}", what.join(","))),
        )
    })
}

/// Reason of the Warning event for a setting changed outside the operator.
pub const DRIFT_CORRECTED: &str = "DriftCorrected";

/// The event of a conversion back to organization scope.
pub fn reconverted<K: OrgScoped>(arn: &str) -> Note {
    Note::normal(
        RECONVERTED,
        format!("{} {arn} is {} again", K::WHAT, K::ORGANIZATION_LEVEL),
    )
}

/// The outcome once every step is taken.
pub fn ready<K: OrgScoped>(arn: &str) -> Outcome {
    Outcome::Ready {
        reason: "Ready",
        message: format!("{} {arn} matches the spec", K::WHAT),
    }
}

/// The outcome when the same fields had to be corrected at every look lately: AWS matches
/// the spec for now, but something else keeps changing them back.
pub fn contested<K: OrgScoped>(arn: &str, fields: &[&'static str]) -> Outcome {
    Outcome::Stalled {
        reason: "Contested",
        message: format!(
            "{} {arn}: {} changed back outside the operator after each of the last {} corrections; something else manages {}",
            K::WHAT,
            fields.join(", "),
            crate::runtime::contests::CONTESTED_AFTER,
            if fields.len() == 1 { "it" } else { "them" },
        ),
        spec_change_needed: false,
    }
}
