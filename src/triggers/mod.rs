//! AWS API calls as reconcile triggers: EventBridge delivers every "AWS API Call via
//! CloudTrail" event matching our rules (`deploy/events/event-pattern.json`) to an SQS
//! queue; [`consumer`] long-polls it, maps each call to what it touched ([`hints`]) and
//! hands that to the controllers ([`hub`]), which reconcile just the objects named.
//!
//! Events decide *when* to reconcile, never *what* to do: the reconcile still reads AWS
//! and plans from the truth. So a message may be late, duplicated, out of order, about
//! something we do not manage, or lost — the worst it can cause is a reconcile that finds
//! nothing to do, or (lost) a correction at the next resync instead of now. Our own writes
//! come back as events too; they are recognised by the caller's identity and ignored.

pub mod call;
pub mod consumer;
pub mod hints;
pub mod hub;
pub mod pattern;

pub use call::{Actor, ApiCall};
pub use hints::Hint;
pub use hub::{Attribution, Triggers};
