//! The AWS adapter (`SdkAws`, the real `aws-sdk-*` clients over HTTP) against the
//! orgtrail emulator. Every classified error is produced by a real emulator condition
//! (organization state, caller, bucket, quota, IAM denial, injected fault), never forced.
//!
//! Needs the emulator binary; it is built on first use if missing (see tests/support).

mod support;

#[path = "aws_adapter/harness.rs"]
mod harness;

#[path = "aws_adapter/delegated_admin.rs"]
mod delegated_admin;
#[path = "aws_adapter/event_data_stores.rs"]
mod event_data_stores;
#[path = "aws_adapter/identity.rs"]
mod identity;
#[path = "aws_adapter/organizations.rs"]
mod organizations;
#[path = "aws_adapter/resilience.rs"]
mod resilience;
#[path = "aws_adapter/scope_conversion.rs"]
mod scope_conversion;
#[path = "aws_adapter/settings.rs"]
mod settings;
#[path = "aws_adapter/trail_errors.rs"]
mod trail_errors;
#[path = "aws_adapter/trails.rs"]
mod trails;
