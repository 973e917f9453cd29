//! DelegatedAdmin: register a member account as CloudTrail delegated administrator.

use std::sync::Arc;

use kube::runtime::controller::Action;
use kube::runtime::events::EventType;

use super::conditions::{Extra, Health};
use super::{Reconciled, event};
use crate::api::{DelegatedAdmin, DelegatedAdminStatus, DeletionPolicy};
use crate::aws::{AwsResult, ErrorKind};
use crate::runtime::context::Context;
use crate::runtime::error::Result;

impl Reconciled for DelegatedAdmin {
    const KIND: &'static str = "DelegatedAdmin";
    const CLEANUP: bool = true;
    const FOLLOWS_TRUSTED_ACCESS: bool = true;

    type Status = DelegatedAdminStatus;

    fn status(&self) -> Option<&DelegatedAdminStatus> {
        self.status.as_ref()
    }

    async fn converge(
        &self,
        ctx: &Context,
        status: &mut DelegatedAdminStatus,
    ) -> AwsResult<Health> {
        converge(self, ctx, status).await
    }

    fn extras(status: &DelegatedAdminStatus, _: &Health) -> Vec<Extra> {
        status
            .registered
            .map(|r| Extra {
                type_: "Registered",
                status: r,
                reason: if r { "Registered" } else { "NotRegistered" },
                message: String::new(),
            })
            .into_iter()
            .collect()
    }

    async fn cleanup(da: Arc<Self>, ctx: Arc<Context>) -> Result<Action> {
        if da.spec.deletion_policy == DeletionPolicy::Delete {
            let ct = &ctx.aws.management().cloudtrail;
            match ct
                .deregister_organization_delegated_admin(&da.spec.account_id)
                .await
            {
                Ok(()) => {
                    event(
                        &ctx,
                        &*da,
                        EventType::Normal,
                        "Deregistered",
                        &format!("account {} deregistered", da.spec.account_id),
                    )
                    .await;
                }
                Err(e) if e.kind == ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Action::await_change())
    }
}

async fn converge(
    da: &DelegatedAdmin,
    ctx: &Context,
    status: &mut DelegatedAdminStatus,
) -> AwsResult<Health> {
    let account = da.spec.account_id.as_str();
    let mgmt = ctx.aws.management();
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
                event(
                    ctx,
                    da,
                    EventType::Normal,
                    "Registered",
                    &format!("account {account} registered as CloudTrail delegated administrator"),
                )
                .await;
            }
            Err(e) if e.kind == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    status.registered = Some(true);
    Ok(Health::Ready {
        reason: "Registered",
        message: format!("account {account} is a CloudTrail delegated administrator"),
    })
}
