//! DelegatedAdmin: register a member account as CloudTrail delegated administrator.

use super::Reconciled;
use super::events::{Note, Report};
use super::outcome::{KindCondition, Outcome};
use crate::api::{DelegatedAdmin, DelegatedAdminStatus, DeletionPolicy, ManagementPolicy};
use crate::aws::access::Aws;
use crate::aws::{AwsResult, ErrorKind};
use crate::runtime::context::Context;
use crate::runtime::trust::TrustGate;
use crate::triggers::Hint;

impl Reconciled for DelegatedAdmin {
    const KIND: &'static str = "DelegatedAdmin";
    const CLEANUP: bool = true;
    const FOLLOWS_TRUSTED_ACCESS: bool = true;

    type Status = DelegatedAdminStatus;

    fn status(&self) -> Option<&DelegatedAdminStatus> {
        self.status.as_ref()
    }

    fn management_policy(&self) -> ManagementPolicy {
        self.spec.management_policy
    }

    fn affected_by(&self, hint: &Hint) -> bool {
        matches!(hint, Hint::DelegatedAdmin { account_id } if *account_id == self.spec.account_id)
    }

    async fn reconcile(
        &self,
        _: &Context,
        aws: &Aws,
        _: &TrustGate,
        status: &mut DelegatedAdminStatus,
        report: &impl Report<DelegatedAdminStatus>,
    ) -> AwsResult<Outcome> {
        reconcile(self, status, aws, report).await
    }

    fn kind_conditions(status: &DelegatedAdminStatus, _: &Outcome) -> Vec<KindCondition> {
        status
            .registered
            .map(|r| KindCondition {
                type_: "Registered",
                status: r,
                reason: if r { "Registered" } else { "NotRegistered" },
                message: String::new(),
            })
            .into_iter()
            .collect()
    }

    async fn cleanup(&self, ctx: &Context) -> AwsResult<Option<Note>> {
        if self.spec.deletion_policy != DeletionPolicy::Delete {
            return Ok(None);
        }
        let account = &self.spec.account_id;
        let ct = &ctx.aws.management().cloudtrail;
        match ct.deregister_organization_delegated_admin(account).await {
            Ok(()) => Ok(Some(Note::normal(
                "Deregistered",
                format!("account {account} deregistered"),
            ))),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Observe, plan and act for one DelegatedAdmin. Registration is one read and, when the
/// account is missing, one write: the plan is whether to register.
pub async fn reconcile(
    da: &DelegatedAdmin,
    status: &mut DelegatedAdminStatus,
    aws: &Aws,
    report: &impl Report<DelegatedAdminStatus>,
) -> AwsResult<Outcome> {
    let account = da.spec.account_id.as_str();
    let mgmt = aws.management();
    let registered = mgmt
        .organizations
        .list_delegated_administrators(&da.spec.service_principal)
        .await?
        .iter()
        .any(|a| a == account);
    if !registered {
        status.registered = Some(false);
        // Through CloudTrail's own API: it also creates CloudTrail's service-linked role,
        // which registering through Organizations does not.
        match mgmt
            .cloudtrail
            .register_organization_delegated_admin(account)
            .await
        {
            Ok(()) => {
                let note =
                    format!("account {account} registered as CloudTrail delegated administrator");
                report.note(Note::normal("Registered", note)).await;
            }
            // CloudTrail says registered while Organizations does not list it: the two
            // disagree, and registering again at every look would not change that.
            Err(e) if e.kind == ErrorKind::AlreadyExists => {
                status.registered = Some(false);
                return Ok(Outcome::Stalled {
                    reason: "RegistrationMismatch",
                    message: format!(
                        "Organizations does not list account {account} as CloudTrail delegated administrator, yet CloudTrail reports it registered ({}); deregister it (aws cloudtrail deregister-organization-delegated-admin) and let the operator register it again",
                        e.code
                    ),
                    spec_change_needed: false,
                });
            }
            Err(e) => return Err(e),
        }
    }
    status.registered = Some(true);
    Ok(Outcome::Ready {
        reason: "Registered",
        message: format!("account {account} is a CloudTrail delegated administrator"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Prerequisite;
    use crate::controllers::events::recorded::Recorded;
    use crate::controllers::fixtures::{Fixture, World, ready};

    fn admin() -> DelegatedAdmin {
        Fixture::delegated_admin("security", "222222222222").build()
    }

    async fn run(
        w: &World,
        status: &mut DelegatedAdminStatus,
    ) -> (AwsResult<Outcome>, Vec<&'static str>) {
        let report = Recorded::default();
        let outcome = reconcile(&admin(), status, &w.access, &report).await;
        (outcome, report.reasons())
    }

    #[tokio::test]
    async fn registers_once() {
        let w = World::management(true);
        let mut status = DelegatedAdminStatus::default();
        let (outcome, notes) = run(&w, &mut status).await;
        assert!(ready(&outcome));
        assert_eq!(notes, ["Registered"]);
        assert_eq!(w.aws.state.lock().unwrap().delegated, ["222222222222"]);
        w.calls();
        let (outcome, notes) = run(&w, &mut status).await;
        assert!(ready(&outcome) && notes.is_empty());
        assert_eq!(w.calls(), ["ListDelegatedAdministrators"]);
        assert_eq!(status.registered, Some(true));
    }

    #[tokio::test]
    async fn a_registration_organizations_does_not_list_is_reported_not_ready() {
        let w = World::management(true);
        w.aws
            .state
            .lock()
            .unwrap()
            .registered_in_cloudtrail_only
            .push("222222222222".into());
        let mut status = DelegatedAdminStatus::default();
        let (outcome, notes) = run(&w, &mut status).await;
        let Ok(Outcome::Stalled {
            reason, message, ..
        }) = &outcome
        else {
            panic!("{outcome:?}");
        };
        assert_eq!(*reason, "RegistrationMismatch");
        assert!(message.contains("222222222222"), "{message}");
        assert!(notes.is_empty());
        assert_eq!(status.registered, Some(false));
    }

    #[tokio::test]
    async fn without_trusted_access_says_which_prerequisite_is_missing() {
        let w = World::management(false);
        let mut status = DelegatedAdminStatus::default();
        let err = run(&w, &mut status).await.0.unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::PrerequisiteMissing(Prerequisite::TrustedAccessDisabled)
        );
        assert_eq!(status.registered, Some(false));
    }
}
