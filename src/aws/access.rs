//! The operator's AWS access: which credentials do what, and whose they are.

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::dry_run::{DryRun, Journal};
use super::{
    AwsResult, CLOUDTRAIL_SERVICE_PRINCIPAL, CallerIdentity, CloudTrail, Organization,
    Organizations,
};

/// One set of AWS credentials: its Organizations and CloudTrail ports.
#[derive(Clone)]
pub struct AwsClients {
    /// Organizations + STS.
    pub organizations: Arc<dyn Organizations>,
    /// CloudTrail.
    pub cloudtrail: Arc<dyn CloudTrail>,
}

/// The operator's own credentials (management account or delegated administrator), and
/// optionally a management-account role for management-only steps. Whose credentials
/// they are is asked once and remembered: the organization and its management account
/// never change under a running operator.
pub struct Aws {
    /// The operator's own credentials.
    pub primary: AwsClients,
    /// The management account's, when the operator runs as delegated administrator and
    /// was given a role to assume. `None`: the primary credentials are used, and AWS says
    /// (NotManagementAccount) if they can't do a management-only step.
    pub management: Option<AwsClients>,
    organization: OnceCell<Organization>,
    caller: OnceCell<CallerIdentity>,
}

impl Aws {
    /// Access through `primary`, with `management` for management-only steps if given.
    pub fn new(primary: AwsClients, management: Option<AwsClients>) -> Self {
        Aws {
            primary,
            management,
            organization: OnceCell::new(),
            caller: OnceCell::new(),
        }
    }

    /// The same access through a dry run (`dry_run`): AWS is read, writes are recorded in
    /// `journal`. What is already known of the organization and the caller is kept.
    pub fn dry_run(&self, journal: Arc<Journal>) -> Aws {
        Aws {
            primary: DryRun::clients(self.primary.clone(), false, journal.clone()),
            management: self
                .management
                .clone()
                .map(|m| DryRun::clients(m, true, journal)),
            organization: self.organization.clone(),
            caller: self.caller.clone(),
        }
    }

    /// Credentials for management-account-only steps: trusted access, delegated-admin
    /// registration, organization scope conversion.
    pub fn management(&self) -> &AwsClients {
        self.management.as_ref().unwrap_or(&self.primary)
    }

    /// `DescribeOrganization`, once.
    pub async fn organization(&self) -> AwsResult<&Organization> {
        self.organization
            .get_or_try_init(|| self.primary.organizations.describe_organization())
            .await
    }

    /// `GetCallerIdentity` of the primary credentials, once.
    pub async fn caller(&self) -> AwsResult<&CallerIdentity> {
        self.caller
            .get_or_try_init(|| self.primary.organizations.caller_identity())
            .await
    }

    /// `ListAWSServiceAccessForOrganization`: whether Organizations trusts CloudTrail.
    pub async fn cloudtrail_trusted(&self) -> AwsResult<bool> {
        Ok(self
            .primary
            .organizations
            .list_aws_service_access()
            .await?
            .iter()
            .any(|p| p == CLOUDTRAIL_SERVICE_PRINCIPAL))
    }
}
