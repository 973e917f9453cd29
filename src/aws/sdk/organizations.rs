//! `Organizations` (and STS caller identity) on `aws-sdk-organizations` / `aws-sdk-sts`.

use async_trait::async_trait;
use aws_sdk_organizations::operation::disable_aws_service_access::DisableAWSServiceAccessError;
use aws_sdk_organizations::operation::enable_aws_service_access::EnableAWSServiceAccessError;
use aws_sdk_organizations::operation::list_aws_service_access_for_organization::ListAWSServiceAccessForOrganizationError;
use aws_sdk_organizations::operation::list_delegated_administrators::ListDelegatedAdministratorsError;
use aws_sdk_organizations::types::error::ConstraintViolationException;

use super::SdkAws;
use super::classify::{Service, from_sdk, malformed_response};
use super::convert;
use crate::aws::{AwsResult, CallerIdentity, Organization, Organizations};

const ORG: Service = Service::Organizations;
/// Organizations (and STS, as used here) answer at one global endpoint: one pacing
/// bucket per operation, whatever the operator's region.
const GLOBAL: &str = super::ORGANIZATIONS_REGION;

fn reason(e: &ConstraintViolationException) -> Option<String> {
    e.reason().map(|r| r.as_str().to_owned())
}

fn no_reason<E>(_: &E) -> Option<String> {
    None
}

#[async_trait]
impl Organizations for SdkAws {
    async fn caller_identity(&self) -> AwsResult<CallerIdentity> {
        const OP: &str = "GetCallerIdentity";
        self.observed(Service::Sts, GLOBAL, OP, async {
            let out = self
                .sts
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| from_sdk(Service::Sts, OP, e, no_reason))?;
            Ok(CallerIdentity {
                account_id: out
                    .account()
                    .ok_or_else(|| malformed_response(OP, "Account"))?
                    .to_owned(),
                arn: out.arn().unwrap_or_default().to_owned(),
            })
        })
        .await
    }

    async fn describe_organization(&self) -> AwsResult<Organization> {
        const OP: &str = "DescribeOrganization";
        self.observed(ORG, GLOBAL, OP, async {
            let out = self
                .organizations
                .describe_organization()
                .send()
                .await
                .map_err(|e| from_sdk(ORG, OP, e, no_reason))?;
            let org = out
                .organization()
                .ok_or_else(|| malformed_response(OP, "Organization"))?;
            Ok(convert::organization(org))
        })
        .await
    }

    async fn list_aws_service_access(&self) -> AwsResult<Vec<String>> {
        const OP: &str = "ListAWSServiceAccessForOrganization";
        self.observed(ORG, GLOBAL, OP, async {
            super::paginate(OP, |token| async move {
                if token.is_some() {
                    self.next_page(ORG, GLOBAL, OP).await;
                }
                let out = self
                    .organizations
                    .list_aws_service_access_for_organization()
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| {
                        from_sdk(ORG, OP, e, |e| match e {
                            ListAWSServiceAccessForOrganizationError::ConstraintViolationException(c) => reason(c),
                            _ => None,
                        })
                    })?;
                let page = out
                    .enabled_service_principals()
                    .iter()
                    .filter_map(|p| p.service_principal().map(str::to_owned))
                    .collect();
                Ok((page, out.next_token().map(str::to_owned)))
            })
            .await
        })
        .await
    }

    async fn enable_aws_service_access(&self, service_principal: &str) -> AwsResult<()> {
        const OP: &str = "EnableAWSServiceAccess";
        self.observed(ORG, GLOBAL, OP, async {
            self.organizations
                .enable_aws_service_access()
                .service_principal(service_principal)
                .send()
                .await
                .map_err(|e| {
                    from_sdk(ORG, OP, e, |e| match e {
                        EnableAWSServiceAccessError::ConstraintViolationException(c) => reason(c),
                        _ => None,
                    })
                })?;
            Ok(())
        })
        .await
    }

    async fn disable_aws_service_access(&self, service_principal: &str) -> AwsResult<()> {
        const OP: &str = "DisableAWSServiceAccess";
        self.observed(ORG, GLOBAL, OP, async {
            self.organizations
                .disable_aws_service_access()
                .service_principal(service_principal)
                .send()
                .await
                .map_err(|e| {
                    from_sdk(ORG, OP, e, |e| match e {
                        DisableAWSServiceAccessError::ConstraintViolationException(c) => reason(c),
                        _ => None,
                    })
                })?;
            Ok(())
        })
        .await
    }

    async fn list_delegated_administrators(
        &self,
        service_principal: &str,
    ) -> AwsResult<Vec<String>> {
        const OP: &str = "ListDelegatedAdministrators";
        self.observed(ORG, GLOBAL, OP, async {
            super::paginate(OP, |token| async move {
                if token.is_some() {
                    self.next_page(ORG, GLOBAL, OP).await;
                }
                let out = self
                    .organizations
                    .list_delegated_administrators()
                    .service_principal(service_principal)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| {
                        from_sdk(ORG, OP, e, |e| match e {
                            ListDelegatedAdministratorsError::ConstraintViolationException(c) => {
                                reason(c)
                            }
                            _ => None,
                        })
                    })?;
                let page = out
                    .delegated_administrators()
                    .iter()
                    .filter_map(|a| a.id().map(str::to_owned))
                    .collect();
                Ok((page, out.next_token().map(str::to_owned)))
            })
            .await
        })
        .await
    }
}
