//! Act: take the planned steps through the AWS port, publishing events as they happen
//! and recording in status what AWS answered.

use super::observe::{Creds, Observed};
use super::plan::{self, Plan, Step};
use super::{Declared, OrgScoped};
use crate::aws::access::Aws;
use crate::aws::{AwsError, AwsResult, ErrorKind};
use crate::controllers::events::{Note, Report};
use crate::controllers::outcome::Outcome;

/// Carry out `plan` on what was `observed`; the outcome to report.
pub async fn act<K: OrgScoped>(
    d: &Declared<'_, K>,
    status: &mut K::Status,
    observed: Observed<K>,
    plan: Plan<K>,
    aws: &Aws,
    report: &impl Report<K::Status>,
) -> AwsResult<Outcome> {
    let creds = observed.creds;
    let (resource, steps, outcome) = match plan {
        Plan::Stop(outcome) => return Ok(outcome),
        Plan::Create(notes) => {
            for note in notes {
                report.note(note).await;
            }
            match create(d, aws, creds, report).await? {
                Ok(created) => created,
                Err(not_visible) => return Ok(not_visible),
            }
        }
        Plan::Converge { steps, outcome, .. } => match observed.found {
            Some(found) => (found.resource, steps, outcome),
            None => {
                return Ok(Outcome::Waiting {
                    reason: "Observing",
                    message: format!("{} {} was not found; looking again", K::WHAT, d.name),
                });
            }
        },
    };
    let mut on = Target {
        d,
        aws,
        creds,
        resource,
    };
    K::record(status, d.spec, &on.resource, false);
    let mut corrected = vec![];
    for step in steps {
        if let Step::Update(fields) = &step {
            corrected.extend(fields.iter().copied());
        }
        on.take(step, report).await?;
        K::record(status, d.spec, &on.resource, false);
    }
    match outcome {
        Some(outcome) => Ok(outcome),
        None => {
            K::record(status, d.spec, &on.resource, true);
            let contested = report.corrected(&corrected);
            if !contested.is_empty() {
                return Ok(plan::contested::<K>(K::arn(&on.resource), &contested));
            }
            Ok(plan::ready::<K>(K::arn(&on.resource)))
        }
    }
}

/// `Create*`, then the steps that make what AWS created match the spec. The inner `Err`:
/// the name is taken by something these credentials cannot see.
async fn create<K: OrgScoped>(
    d: &Declared<'_, K>,
    aws: &Aws,
    creds: Creds,
    report: &impl Report<K::Status>,
) -> AwsResult<Result<(K::Resource, Vec<Step<K>>, Option<Outcome>), Outcome>> {
    let ct = creds.clients(aws).cloudtrail.as_ref();
    let created = match K::create(ct, d.region, &d.settings).await {
        Ok(created) => created,
        Err(e) if e.kind == ErrorKind::AlreadyExists => return Ok(Err(not_visible::<K>(d, &e))),
        Err(e) => return Err(e),
    };
    let arn = K::arn(&created);
    report
        .note(Note::normal(
            "Created",
            format!("{} {arn} created", K::WHAT),
        ))
        .await;
    // A new resource has AWS's defaults and exactly the tags sent: nothing to read back.
    // Nothing recorded of a predecessor applies to it (its logging was not "stopped").
    let details = K::new_details(&created);
    let fresh = K::Status::default();
    let steps = plan::converge(d, &fresh, &created, &details, K::tags(&d.settings));
    Ok(Ok((created, steps, None)))
}

/// `Create*` said the name exists, yet these credentials found nothing: most likely our
/// own resource, turned into the management account's account-level one when trusted
/// access went away, which a delegated administrator can no longer see.
fn not_visible<K: OrgScoped>(d: &Declared<'_, K>, err: &AwsError) -> Outcome {
    let what = K::WHAT;
    Outcome::Stalled {
        reason: "NotVisible",
        message: format!(
            "a {what} named {} exists but these credentials cannot see it: if trusted access was disabled, it is now an account-level {what} of the management account, and converting it back needs management credentials (--management-role-arn) ({}: {})",
            d.name, err.code, err.message
        ),
        spec_change_needed: false,
    }
}

/// The resource the steps act on, and with which credentials.
struct Target<'a, 'd, K: OrgScoped> {
    d: &'a Declared<'d, K>,
    aws: &'a Aws,
    creds: Creds,
    resource: K::Resource,
}

impl<K: OrgScoped> Target<'_, '_, K> {
    async fn take(&mut self, step: Step<K>, report: &impl Report<K::Status>) -> AwsResult<()> {
        let (d, region) = (self.d, self.d.region);
        let ct = self.creds.clients(self.aws).cloudtrail.as_ref();
        let arn = K::arn(&self.resource).to_string();
        match step {
            Step::Note(note) => report.note(note).await,
            Step::ConvertScope(organization) => {
                // Only the management account may change an organization resource's scope.
                let mgmt = self.aws.management().cloudtrail.as_ref();
                self.resource = K::convert(mgmt, region, &self.resource, organization).await?;
                if organization {
                    report.note(plan::reconverted::<K>(&arn)).await;
                }
            }
            Step::Update(fields) => {
                let settings = K::scoped(&d.settings, K::organization(&self.resource));
                self.resource = K::update(ct, region, &self.resource, &settings, &fields).await?;
                let note = Note::normal("Updated", format!("corrected {}", fields.join(", ")))
                    .acting(format!("Correct {}", fields.join(",")));
                report.note(note).await;
            }
            Step::AddTags(tags) => ct.add_tags(region, &arn, &tags).await?,
            Step::RemoveTags(keys) => ct.remove_tags(region, &arn, &keys).await?,
            Step::Kind(step) => K::step(ct, region, &mut self.resource, &step).await?,
        }
        Ok(())
    }
}
