//! Objects the API server holds but this operator cannot read, e.g. written under a CRD
//! newer than the operator (a value it does not know yet). The schema stops such objects
//! at admission otherwise. They are reported on the object itself, as kstatus `Stalled`,
//! plus one Warning event; they are never reconciled, and never stop the watch.

use kube::core::DeserializeGuard;
use kube::core::error_boundary::InvalidObject;
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};

use super::Reconciled;
use super::events::{Note, publish};
use super::outcome::{self, Outcome};
use super::status::{now, patch_status};
use crate::runtime::context::Context;
use crate::runtime::error::Result;

/// The reason on the object's conditions and on the event.
pub const REASON: &str = "InvalidObject";

/// Mark `guard`'s object Stalled with the deserialization error; wait for a change.
pub async fn report<K: Reconciled>(
    ctx: &Context,
    guard: &DeserializeGuard<K>,
    invalid: &InvalidObject,
) -> Result<Action> {
    let name = guard.name_any();
    let message = format!(
        "the operator cannot read this {}: {}. Fix the object, or run an operator built for these CRDs",
        K::KIND,
        invalid.error
    );
    tracing::warn!(kind = K::KIND, %name, error = %invalid.error, "invalid object");
    let outcome = Outcome::Stalled {
        reason: REASON,
        message: message.clone(),
        spec_change_needed: true,
    };
    let generation = invalid.metadata.generation;
    let conditions = outcome::conditions(&outcome, &[], generation, &[], &now());
    let status = serde_json::json!({ "observedGeneration": generation, "conditions": conditions });
    patch_status::<K>(ctx, &name, status).await?;
    let note = Note::warning(REASON, message);
    publish(ctx, &guard.object_ref(&()), &note).await;
    Ok(Action::await_change())
}
