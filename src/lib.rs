//! orgtrail-operator: declare how AWS CloudTrail is wired into AWS Organizations, and keep
//! AWS that way.

// kube's `printcolumn(...)` attributes repeat `type_ = ...` by design.
#[allow(clippy::duplicated_attributes)]
pub mod api;
pub mod aws;
pub mod controllers;
pub mod plan;
pub mod run;
pub mod runtime;
pub mod triggers;
