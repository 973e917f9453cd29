//! DelegatedAdmin: register a member account as CloudTrail delegated administrator.

use std::sync::Arc;

use kube::runtime::controller::Action;
use kube::runtime::events::EventType;

use super::conditions::{Extra, Health, conditions};
use super::{Reconciled, event, health_of, next_action, now, patch_status};
use crate::api::{DelegatedAdmin, DelegatedAdminStatus, DeletionPolicy};
use crate::aws::{AwsResult, ErrorKind};
use crate::runtime::context::Context;
use crate::runtime::error::Result;

impl Reconciled for DelegatedAdmin {
    const KIND: &'static str = "DelegatedAdmin";
    const CLEANUP: bool = true;
    const FOLLOWS_TRUSTED_ACCESS: bool = true;

    async fn apply(da: Arc<Self>, ctx: Arc<Context>) -> Result<Action> {
        let mut status = da.status.clone().unwrap_or_default();
        let health = match converge(&da, &ctx, &mut status).await {
            Ok(health) => health,
            Err(e) => health_of(e)?,
        };
        write(&ctx, &da, status, &health).await?;
        Ok(next_action(&health, &ctx))
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

async fn write(
    ctx: &Context,
    da: &DelegatedAdmin,
    mut status: DelegatedAdminStatus,
    health: &Health,
) -> Result<()> {
    let extra = status.registered.map(|r| Extra {
        type_: "Registered",
        status: r,
        reason: if r { "Registered" } else { "NotRegistered" },
        message: String::new(),
    });
    status.observed_generation = da.metadata.generation;
    status.conditions = conditions(
        health,
        extra.as_slice(),
        da.metadata.generation,
        &status.conditions,
        &now(),
    );
    if da.status.as_ref() == Some(&status) {
        return Ok(());
    }
    patch_status(ctx, da, status).await
}
